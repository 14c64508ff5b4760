// Hostile input: well over 100,000 bad lines (random bytes, overlong lines, control characters, broken escape
// sequences, misplaced "| json", huge numbers, bad MACs and port lists, real commands cut short and followed by junk,
// commands the services refuse) typed into a configured board, in exec and in configuration mode, then more through
// the line-editing session and at the password prompt. Nothing escapes, every bad line gets a "% " error, and the
// running config, the startup config and the chip's registers and address table are as before.
import { test } from "node:test";
import assert from "node:assert/strict";
import { ConsoleSession } from "../../modules/console/session";
import { makeConsoleBoard, type TestConsole } from "./configure-rig";
import { seededRandom, type SeededRandom } from "../seeded-random";

const random = seededRandom;
type Random = SeededRandom;

const SERVER = "00:1b:21:5e:00:01";

/** A configuration worth protecting: two trunks, server MACs, exemptions, named and disabled ports, settings. */
const SETUP = [
  "hostname hostile",
  `trunk 0-1 trk1 server-mac ${SERVER}`,
  "server-mac 00:1b:21:5e:00:02 trk1",
  "trunk 2 trk2 server-mac 00:1b:21:5e:00:03 index-bits 2",
  "trunk trk2 hold-down 250",
  "mac-move exempt 02:00:00:00:00:09",
  "mac-move exempt vlan 12",
  "mac-move window 30",
  'interface 3 name "backup link"',
  "interface 4 disable",
  "link-flap limit 4 window 20",
  "trunk-load-balance src-dst-mac",
];

/** Lines that parse but that the configuration or the services refuse (in config mode). */
const REFUSED = [
  "interface 9 disable",
  "interface 31 name x",
  "trunk 7 trk1",
  "trunk 5-6 trk2 server-mac 00:1b:21:5e:00:07",
  "trunk 0-4 trk1",
  "trunk trk1 index-bits 9",
  "trunk 0-1 trk1 lacp",
  "trunk trk1 inter-switch-port 0",
  "trunk 3 trk2 server-mac 01:00:5e:00:00:01",
  "trunk 3 trk2 server-mac 00:00:00:00:00:00",
  "server-mac ff:ff:ff:ff:ff:ff trk1",
  `server-mac ${SERVER} trk2 extra`,
  "no server-mac 00:1b:21:5e:00:99",
  "no trunk 3-4",
  "no mac-move exempt 02:00:00:00:00:01",
  "no mac-move exempt vlan 13",
  "trunk-load-balance src-ip",
  "trunk-load-balance l4-port",
  "hostname 9lives",
  "hostname a.b",
  "mac-move window 0",
  "mac-move scan-interval 0.001",
  "errdisable recovery interval 0",
  "link-flap limit 5 window 0",
  "password manager hashed md5$1$aa$bb",
  "password manager hashed sha256-iterated$0$aa$" + "0".repeat(64),
  "configure revert timer 9",
  "configure revert timer 3601",
  "interface 1 name " + "n".repeat(33),
];

/** Real commands, to cut short and add junk to. */
const REAL = [
  "show interfaces brief 3",
  "show trunks",
  "show trunk distribution trk1",
  "show mac-address 00:1b:21:5e:00:01 count",
  "show running-config",
  "trunk 0-1 trk1 trunk server-mac 00:1b:21:5e:00:01 index-bits 3",
  "no trunk 0-1",
  "trunk trk1 hold-down 500",
  "server-mac 00:1b:21:5e:00:02 trk1",
  "mac-move exempt vlan 12",
  "mac-move log-limit 5 per 10",
  "link-flap limit 4 window 20",
  "interface 0-2 disable",
  "interface 3 name uplink",
  "errdisable recovery interval 60",
  "trunk-load-balance src-mac",
  "write memory",
  "erase startup-config",
  "reload",
  "configure revert timer 60",
  "password manager",
  "no password manager",
  "hostname lab",
];

/**
 * Real commands that change nothing in either mode. The session's editing keys (history recall, Ctrl-A, deletions)
 * can turn a line typed with junk back into the command it came from, so the session test uses only these.
 */
const HARMLESS = REAL.filter((line) => line.startsWith("show "));

/** Words that fit no placeholder but <word>/<text> (so never a valid value after a keyword or port). */
const JUNK_WORDS = ["@@", "trk9", "trk0", "99999999999999999999", "1e400", "-1", "0x10", "+3", "NaN", "Infinity", "3.", ".5", "0--1", "5-2", "0,,1", ",", "1,", "32", "00:11:22:33:44:5g", "00:11:22:33:44", "0011.2233.44", "aa:bb:cc:dd:ee:ff:00", "json", "|", "||", "!"];
/** Junk the tokenizer refuses wherever it is. */
const BAD_CHARACTERS = ["\x00", "\x01", "\x03", "\x07", "\x08", "\x0b", "\x0c", "\x1b", "\x1b[A", "\x1b[1;5C", "\x1b[", "\x1bO", "\x7f", "\x80", "\xff", "\u00e9", "\u2028", "\ud800", "\r", "\n", '"', 'a"b', '"open'];

function hostileLine(r: Random, kind: number, real: readonly string[] = REAL): string {
  switch (kind) {
    case 0: {
      // random bytes, with at least one the tokenizer refuses
      const length = r.int(1, 300);
      let line = "";
      for (let i = 0; i < length; i++) line += String.fromCharCode(r.int(0, 255));
      const at = r.int(0, line.length);
      return line.slice(0, at) + r.pick(BAD_CHARACTERS.slice(0, 17)) + line.slice(at);
    }
    case 1: {
      // overlong: a real command padded past the cap
      const base = r.pick(real);
      return base + " " + "x".repeat(241 - base.length + r.int(0, 2000));
    }
    case 2: {
      // a control character or a broken escape sequence inside a real command
      const base = r.pick(real);
      const at = r.int(0, base.length);
      return base.slice(0, at) + r.pick(BAD_CHARACTERS) + base.slice(at);
    }
    case 3: {
      // misplaced "| json"
      const base = r.pick(real);
      const words = base.split(" ");
      const at = r.int(0, words.length - 1);
      const pipe = r.pick(["| json", "|json", "| j", "| json json", "| yaml", "|", "| json |"]);
      if (base.startsWith("show") && at === words.length - 1 && (pipe === "| json" || pipe === "| j")) return `${base} | json extra`;
      return [...words.slice(0, at), pipe, ...words.slice(at)].join(" ");
    }
    case 4: {
      // huge, negative, fractional or hex numbers where a number belongs
      const number = r.pick(["99999999999999999999", "4294967296", "1e9", "-5", "3.5", "0x1f", "1_000", "٣"]);
      return r.pick([
        `link-poll ${number}`,
        `link-debounce ${number}x`,
        `trunk trk1 index-bits ${number}`,
        `trunk trk1 hold-down ${number}0000000`,
        `mac-move threshold ${number}9999999`,
        `mac-move records ${number}00`,
        `mac-move window ${number}0000000`,
        `trunk trk1 vlan ${number}4096`,
        `configure revert timer ${number}9999`,
        `interface ${number}99 disable`,
      ]) || "link-poll";
    }
    case 5: {
      // bad MACs
      const mac = r.pick(["00:11:22:33:44:5g", "00:11:22:33:44", "00:11:22:33:44:55:66", "0011.2233.445", "00-11:22-33:44-55", "001122334455", "zz", ":::::", "00:11:22:33:44:555", "0:1:2:3:4:5"]);
      return r.pick([`server-mac ${mac} trk1`, `no server-mac ${mac}`, `mac-move exempt ${mac}`, `no mac-move exempt ${mac}`, `show mac-address ${mac}`, `trunk 0 trk1 server-mac ${mac}`]);
    }
    case 6: {
      // bad port lists
      const ports = r.pick(["0--1", "5-2", "0,,1", ",0", "0,", "32", "0-32", "1-1-1", "a-b", "0 - 1", "0;1", "-", "00-99", "1,2,3,4,5,6,7,8,9,10,11,12,13,14,15,16,17,18,19,20,21,22,23,24,25,26,27,28,29,30,31,32"]);
      return r.pick([`interface ${ports} disable`, `no trunk ${ports}`, `trunk ${ports} trk1`, `no interface ${ports} name`, `show interfaces ${ports}`]);
    }
    case 7: {
      // a real command cut short, or with a junk word in place or at the end
      const base = r.pick(real);
      const words = base.split(" ");
      const cut = r.int(1, words.length);
      const junk = r.next() < 0.5 ? r.pick(JUNK_WORDS) : r.pick(BAD_CHARACTERS.slice(0, 17)) + "x";
      const prefix = words.slice(0, cut).map((word) => (r.next() < 0.3 ? word.slice(0, r.int(1, word.length)) : word));
      return [...prefix, junk].join(" ");
    }
    default:
      return r.pick(REFUSED);
  }
}

function chipSnapshot(console: TestConsole): string {
  const model = console.board.model;
  const pages = [0x00, 0x02, 0x04, 0x31, 0x32, 0x34];
  const bytes: number[] = [];
  for (const page of pages) for (let offset = 0; offset < 256; offset++) bytes.push(model.registerBytes(page, offset, 1)[0]);
  const arl = model
    .arlEntries()
    .map((entry) => JSON.stringify(entry))
    .sort();
  return JSON.stringify({ bytes, arl });
}

function stateOf(console: TestConsole) {
  const config = console.board.firmware.config;
  return { running: JSON.stringify(config.running), startup: JSON.stringify(config.startup.config ?? null), chip: chipSnapshot(console) };
}

test("100,000 hostile lines in exec and configuration mode: an error for each, nothing changes, nothing escapes", () => {
  const started = Date.now();
  const { console } = makeConsoleBoard();
  console.type("configure");
  console.typeAll(SETUP);
  console.type("end");
  assert.match(console.type("write memory"), /\[OK\]/);
  const before = stateOf(console);
  const r = random(0xbadc0de);
  const LINES = 110_000;
  const perKind = new Array(9).fill(0);
  for (let i = 0; i < LINES; i++) {
    if (i % 1000 === 0) console.type(i % 2000 === 0 ? "configure" : "end");
    const kind = r.int(0, 8);
    let line = hostileLine(r, kind);
    const mode = console.interpreter.mode;
    // A cut-short command plus a junk word can still be a command ("hostname trk9"): make it bad for sure.
    if (kind === 7 && console.interpreter.grammar.match(line, mode).kind === "command") line += ' "unterminated';
    let out: string;
    try {
      out = console.type(line);
    } catch (error) {
      assert.fail(`line ${i} (${JSON.stringify(line)}) threw: ${String(error)}`);
    }
    if (!out.startsWith("% ") || /Internal error/.test(out) || console.secretPending || console.interpreter.mode !== mode)
      assert.fail(`line ${i} kind ${kind} (${JSON.stringify(line)}) in ${mode} mode printed ${JSON.stringify(out)}`);
    perKind[kind]++;
  }
  for (const count of perKind) assert.ok(count > 5000);
  assert.deepEqual(stateOf(console), before);
  // ~20 s budget for the whole file
  assert.ok(Date.now() - started < 15_000, `took ${Date.now() - started} ms`);
});

test("hostile bytes through the line-editing session: no exception, no internal error, nothing changes", () => {
  const { console } = makeConsoleBoard({ start: false });
  console.interpreter.start(console.io);
  console.type("configure");
  console.typeAll(SETUP);
  console.type("end");
  const before = stateOf(console);
  let output = "";
  const session = new ConsoleSession({ interpreter: console.interpreter, write: (text) => void (output += text), clock: console.board.clock });
  session.start();
  const r = random(424242);
  const buffer = new Uint8Array(4096);
  let errors = 0;
  for (let i = 0; i < 20_000; i++) {
    // Only show commands and random bytes: a line the session edits (backspace, Ctrl-W, history) may lose its junk.
    const line = "x" + hostileLine(r, r.pick([0, 1, 2, 3, 7]), HARMLESS);
    let length = 0;
    for (let c = 0; c < line.length && length < buffer.length - 64; c++) buffer[length++] = line.charCodeAt(c) & 0xff;
    if (r.next() < 0.05) {
      // an endless escape sequence
      buffer[length++] = 0x1b;
      buffer[length++] = 0x5b;
      for (let k = 0; k < 40; k++) buffer[length++] = 0x30 + r.int(0, 9);
    }
    buffer[length++] = r.next() < 0.5 ? 0x0d : 0x0a;
    output = "";
    session.input(buffer, length);
    console.board.clock.advance(1);
    if (/^% /m.test(output)) errors++;
    assert.doesNotMatch(output, /Internal error/);
  }
  assert.equal(session.stats.internalErrors, 0);
  assert.ok(errors > 15_000, `only ${errors} lines answered with an error`);
  assert.deepEqual(stateOf(console), before);
});

test("hostile answers at the password prompt never log in and never throw", () => {
  const { console, board } = makeConsoleBoard();
  console.type("configure");
  console.type("password manager");
  console.type("right one");
  console.type("right one");
  console.type("end");
  console.type("logout");
  const before = stateOf(console);
  const r = random(99);
  for (let i = 0; i < 5000; i++) {
    const out = console.type(hostileLine(r, r.int(0, 8)));
    assert.match(out, /^% (Wrong password|Too many wrong passwords: wait \d+ s)/);
    assert.ok(console.interpreter.locked && console.secretPending);
    if (i % 10 === 0) board.clock.advance(31_000);
  }
  assert.deepEqual(stateOf(console), before);
  board.clock.advance(31_000);
  console.type("right one");
  assert.ok(!console.interpreter.locked);
});
