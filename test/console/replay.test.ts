// The running config replays: hundreds of random configurations typed through the console on a factory board, then
// `renderRunningConfig` -> typed in config mode on another factory board -> the same running config (and the same
// trunk registers and static address entries on the chip).
import { test } from "node:test";
import assert from "node:assert/strict";
import { configsEqual } from "../../modules/config/schema";
import { renderRunningConfig } from "../../modules/console/running-config";
import { trunkChipState } from "../services/rig";
import { makeConsoleBoard, type TestConsole } from "./configure-rig";
import { seededRandom, type SeededRandom } from "../seeded-random";

const random = seededRandom;
type Random = SeededRandom;

const PORTS = [0, 1, 2, 3, 4];
const NAME_CHARACTERS = "abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789 -_.|!#/:";

function mac(r: Random): string {
  // Unicast, non-zero; a small pool so adds, moves and removals meet each other.
  const octets = [0x00, 0x1b, 0x21, 0x5e, 0x00, r.int(1, 12)];
  if (r.next() < 0.2) octets[0] = 0x02;
  return octets.map((o) => o.toString(16).padStart(2, "0")).join(r.next() < 0.5 ? ":" : "-");
}

function seconds(r: Random, max: number): string {
  const whole = r.int(0, max);
  if (r.next() < 0.6) return String(Math.max(1, whole));
  return `${whole}.${r.int(1, 999)}`;
}

function portList(r: Random): string {
  const chosen = PORTS.filter(() => r.next() < 0.4);
  if (chosen.length === 0) chosen.push(r.pick(PORTS));
  return chosen.join(",");
}

function name(r: Random): string {
  let text = "";
  const length = r.int(0, 32);
  for (let i = 0; i < length; i++) text += NAME_CHARACTERS.charAt(r.int(0, NAME_CHARACTERS.length - 1));
  return text;
}

/** One configuration command, mostly valid (an invalid one must simply change nothing). */
function command(r: Random): string {
  const trunk = r.pick(["trk1", "trk2"]);
  switch (r.int(0, 27)) {
    case 0:
      return `hostname ${r.pick(["a", "core", "Lab-2", "x1-y2-z3", "S".repeat(32)])}`;
    case 1:
      return `trunk-load-balance ${r.pick(["src-mac", "dst-mac", "src-dst-mac", "src-d", "ds"])}`;
    case 2:
      return `link-poll ${r.int(1, 60000)}`;
    case 3:
      return `link-debounce ${r.int(0, 600000)}`;
    case 4:
      return `link-flap limit ${r.int(0, 32)} window ${seconds(r, 86400)}`;
    case 5:
      return `errdisable recovery interval ${seconds(r, 86400)}`;
    case 6:
      return `mac-move window ${seconds(r, 86400)}`;
    case 7:
      return `mac-move threshold ${r.int(1, 1000000)}`;
    case 8:
      return `mac-move records ${r.int(1, 256)}`;
    case 9:
      return `mac-move scan-interval ${seconds(r, 3600)}`;
    case 10:
      return `mac-move log-limit ${r.int(1, 1000)} per ${r.next() < 0.1 ? "0" : seconds(r, 86400)}`;
    case 11:
      return r.next() < 0.7 ? `mac-move exempt ${mac(r)}` : `no mac-move exempt ${mac(r)}`;
    case 12:
      return r.next() < 0.7 ? `mac-move exempt vlan ${r.int(0, 4095)}` : `no mac-move exempt vlan ${r.int(0, 3)}`;
    case 13:
      return `interface ${portList(r)} ${r.pick(["enable", "disable", "dis", "en"])}`;
    case 14:
      return `interface ${r.pick(PORTS)} name "${name(r)}"`;
    case 15:
      return `no interface ${portList(r)} ${r.pick(["name", "disable"])}`;
    case 16:
    case 17:
    case 18:
      return `trunk ${portList(r)} ${trunk}${r.next() < 0.5 ? " trunk" : ""} server-mac ${mac(r)}${r.next() < 0.3 ? ` index-bits ${r.int(1, 8)}` : ""}`;
    case 19:
      // ProCurve's order: the trunk first, its server MACs later (or never)
      return `trunk ${portList(r)} ${trunk}${r.next() < 0.5 ? " trunk" : ""}${r.next() < 0.3 ? ` index-bits ${r.int(1, 8)}` : ""}`;
    case 20:
      return `server-mac ${mac(r)} ${trunk}`;
    case 21:
      return `no server-mac ${mac(r)}`;
    case 22:
      return `no trunk ${portList(r)}`;
    case 23:
      return `trunk ${trunk} ${r.pick([`index-bits ${r.int(1, 8)}`, `hold-down ${r.int(0, 600000)}`, `vlan ${r.int(0, 4095)}`])}`;
    case 24:
      return r.next() < 0.7 ? `trunk ${trunk} inter-switch-port ${r.pick(PORTS)}${r.next() < 0.5 ? " learning" : ""}` : `no trunk ${trunk} inter-switch-port`;
    case 25: {
      const hex = (n: number) => Array.from({ length: n }, () => r.int(0, 15).toString(16)).join("");
      return r.next() < 0.7 ? `password manager hashed sha256-iterated$${r.int(1, 4096)}$${hex(2 * r.int(1, 16))}$${hex(64)}` : "no password manager";
    }
    case 26:
      return `no ${r.pick(["hostname", "trunk-load-balance", "link-poll", "link-debounce", "link-flap", "errdisable recovery interval", "mac-move window", "mac-move log-limit", "mac-move records"])}`;
    default:
      return `mac-move exempt ${mac(r)}`;
  }
}

function chipState(console: TestConsole) {
  const state = trunkChipState(console.board);
  const statics = state.arl
    .filter((entry) => entry.isStatic)
    .map((entry) => JSON.stringify(entry))
    .sort();
  // facts §1.4: 0x32/0x00 bit 3 enables trunking; with it off the hash select bits are left as they were and do
  // nothing, so they depend on history (a trunk removed after a hash change), not on the configuration.
  const trunkControl = state.trunkControl & 0x08 ? state.trunkControl : 0;
  return { trunkControl, group0: state.group0, group1: state.group1, learningDisabled: state.learningDisabled, statics };
}

function reset(console: TestConsole): void {
  const config = console.board.firmware.config;
  config.replace(config.factory);
  console.type("end");
  console.type("configure");
}

test("random configurations typed on one board replay to the same running config on another", () => {
  const r = random(20261203);
  const source = makeConsoleBoard().console;
  const target = makeConsoleBoard().console;
  source.type("configure");
  target.type("configure");
  let applied = 0;
  let refused = 0;
  let nonEmpty = 0;
  let withStatics = 0;
  let serverless = 0;
  const ITERATIONS = 300;
  for (let iteration = 0; iteration < ITERATIONS; iteration++) {
    if (iteration > 0) {
      reset(source);
      reset(target);
    }
    const steps = r.int(1, 30);
    for (let s = 0; s < steps; s++) {
      const line = command(r);
      const out = source.type(line);
      if (/^% /m.test(out)) refused++;
      else applied++;
    }
    const running = source.running;
    if (running.trunks.some((trunk) => trunk.servers.length === 0)) serverless++;
    const lines = renderRunningConfig(running, source.board.firmware.config.factory);
    if (lines.length > 0) nonEmpty++;
    for (const line of lines) {
      const out = target.type(line);
      assert.doesNotMatch(out, /^% /m, `iteration ${iteration}: replaying "${line}" failed: ${out}\nconfig:\n${lines.join("\n")}`);
    }
    assert.ok(configsEqual(target.running, running), `iteration ${iteration}: replay differs\n${lines.join("\n")}\n${JSON.stringify(running)}\n${JSON.stringify(target.running)}`);
    assert.deepEqual(renderRunningConfig(target.running, target.board.firmware.config.factory), lines);
    const chip = chipState(source);
    if (chip.statics.length > 0) withStatics++;
    assert.deepEqual(chipState(target), chip, `iteration ${iteration}: chip state differs`);
  }
  // The generator must exercise both paths, and most configurations must be non-trivial.
  assert.ok(applied > 2000 && refused > 200, `applied ${applied}, refused ${refused}`);
  assert.ok(nonEmpty > ITERATIONS * 0.9, `non-empty configs ${nonEmpty}`);
  assert.ok(withStatics > ITERATIONS * 0.2, `configs with server MACs on the chip: ${withStatics}`);
  assert.ok(serverless > ITERATIONS * 0.1, `configs with a trunk without server MACs: ${serverless}`);
});

test("a factory board renders nothing; a replay on a freshly booted board matches too", () => {
  const r = random(7);
  for (let i = 0; i < 5; i++) {
    const source = makeConsoleBoard().console;
    assert.deepEqual(renderRunningConfig(source.running, source.board.firmware.config.factory), []);
    source.type("configure");
    for (let s = 0; s < 40; s++) source.type(command(r));
    const lines = renderRunningConfig(source.running);
    const target = makeConsoleBoard().console;
    target.type("configure");
    target.typeAll(lines);
    assert.ok(configsEqual(target.running, source.running), lines.join("\n"));
  }
});
