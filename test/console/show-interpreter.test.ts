// The show commands through the whole console interpreter, as a user types them: a trunk configured with console
// commands, traffic from clients, then `show trunk distribution` in exec and config mode, abbreviated words, `| json`,
// and the errors the interpreter prints.
import { test } from "node:test";
import assert from "node:assert/strict";
import { ConsoleInterpreter } from "../../modules/console/interpreter";
import type { ConsoleIo } from "../../modules/console/types";
import { macLowBits } from "../../modules/mac";
import { OUI, sequentialClients } from "../services/rig";
import { formatMac, SERVER, sendFromClients, showBoard } from "./show-rig";

function typist() {
  const { board, console } = showBoard();
  const interpreter = new ConsoleInterpreter(console.ctx);
  let out = "";
  const io: ConsoleIo = {
    write: (text) => {
      out += text;
    },
    readSecret: () => {},
    hold: () => () => {},
  };
  interpreter.start(io);
  const type = (line: string): string => {
    out = "";
    interpreter.execute(line, io);
    return out;
  };
  return { board, interpreter, type };
}

test("configure a trunk at the console, send traffic, read the distribution in exec and config mode", () => {
  const { board, interpreter, type } = typist();
  assert.equal(type("configure"), "");
  assert.equal(interpreter.mode, "config");
  assert.equal(type(`trunk 0-3 trk1 trunk server-mac ${SERVER}`), "");
  const clients = sequentialClients(OUI.DELL, 16, 0x40);
  sendFromClients(board, clients, 5);

  // In config mode every show works (ProCurve).
  const inConfig = JSON.parse(type("show trunk distribution trk1 | json"));
  assert.equal(inConfig.trunks[0].clients, 16);
  for (const bucket of inConfig.trunks[0].buckets)
    assert.deepEqual(bucket.clients, clients.filter((c) => macLowBits(c, 3) === bucket.index).map(formatMac));
  type("end");
  assert.equal(interpreter.mode, "exec");
  const text = type("sh trunk dist");
  assert.match(text, /^trk1: ports 0-3, load balance src-mac, table 8 entries \(M = 3\)/);
  assert.match(text, /Chip's member: predicted \(assumption BCM53125_TRUNK_MEMBER_BY_SA_LOW_BITS/);
  assert.match(type("sh trunks"), /Load Balancing Method: src-mac/);
  assert.match(type("show running-config"), /trunk 0-3 trk1 trunk server-mac 00:1b:21:5e:00:01/);
  assert.equal(JSON.parse(type("show running-config | json")).trunks[0].servers[0], SERVER);
});

test("errors at the console: unknown trunk, non-user port, a clear command in config mode, | json where it is not taken", () => {
  const { type } = typist();
  assert.match(type("show trunk distribution trk1"), /^% trk1 is not configured/);
  assert.match(type("show interfaces 5"), /^% port 5 is not a front-panel port \(ports 0-4\)\n$/);
  assert.match(type("show mac-address 9 count"), /^% port 9 is not a front-panel port/);
  assert.match(type("clear counters | json"), /^% "\| json" is only accepted at the end of a show command/);
  assert.match(type("test trunk load-balance 00:11:22:33:44:55"), /^% no trunk is configured/);
  type("configure");
  assert.match(type("clear counters"), /^% /, "clear is an exec command");
  assert.match(type("show version"), /onemac firmware/);
});

test('"show trunk" alone is "show trunks" (ProCurve users type it); "show trunk distribution" is untouched', () => {
  const { type, interpreter } = typist();
  type("configure");
  type(`trunk 0-1 trk1 trunk server-mac ${SERVER}`);
  type("end");
  const trunks = type("show trunks");
  assert.match(trunks, /trk1: ports 0-1/);
  assert.equal(type("show trunk"), trunks);
  assert.equal(type("sh trunk"), trunks);
  assert.equal(type("show trunk | json"), type("show trunks | json"));
  assert.match(type("show trunk distribution"), /^trk1: ports 0-1, load balance src-mac/);
  assert.match(type("show trunk dist trk1 | json"), /^\{"trunks":\[\{"trunk":"trk1"/);
  assert.match(type("show trunk trk1"), /^% Invalid input at word 3 \("trk1"\): expected distribution or the end of the command/);
  assert.match(interpreter.help("show trunk "), /distribution[\s\S]*<cr>/);
  // in config mode too
  type("configure");
  assert.equal(type("show trunk"), trunks);
});
