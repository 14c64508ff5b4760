// Every configuration and exec command through the interpreter on a simulated board: what it changes in the running
// config and the services, and its errors (which change nothing).
import { test } from "node:test";
import assert from "node:assert/strict";
import { makeConsoleBoard, type TestConsole } from "./configure-rig";
import { renderRunningConfig } from "../../modules/console/running-config";
import { PASSWORD_ROUNDS_PER_TICK } from "../../modules/console/interpreter";

const SERVER = "00:1b:21:5e:00:01";
const SERVER2 = "00:1b:21:5e:00:02";

/** Types `line` and expects no error. */
function good(console: TestConsole, line: string): string {
  const out = console.type(line);
  assert.doesNotMatch(out, /^% /m, `"${line}" -> ${out}`);
  return out;
}

/** Types `line`, expects one error line matching `pattern`, and checks that the running config did not change. */
function bad(console: TestConsole, line: string, pattern: RegExp): string {
  const before = JSON.stringify(console.running);
  const out = console.type(line);
  assert.match(out, /^% /, `"${line}" should fail, printed: ${JSON.stringify(out)}`);
  assert.match(out, pattern, `"${line}"`);
  assert.equal(JSON.stringify(console.running), before, `"${line}" changed the running config`);
  return out;
}

function configBoard() {
  const rig = makeConsoleBoard();
  good(rig.console, "configure terminal");
  return rig;
}

test("modes and prompts: configure / end / exit; config commands refused in exec mode", () => {
  const { console } = makeConsoleBoard();
  assert.match(console.transcript, /type "\?" for help/);
  assert.equal(console.interpreter.prompt(), "onemac# ");
  bad(console, "trunk 0-1 trk1", /^% "trunk" is a configuration command: enter "configure" first$/m);
  bad(console, "hostname lab", /configuration command/);
  good(console, "conf t");
  assert.equal(console.interpreter.prompt(), "onemac(config)# ");
  good(console, "hostname lab-1");
  assert.equal(console.interpreter.prompt(), "lab-1(config)# ");
  good(console, "end");
  assert.equal(console.interpreter.prompt(), "lab-1# ");
  good(console, "configure");
  good(console, "exit");
  assert.equal(console.interpreter.mode, "exec");
  assert.match(console.type("exit"), /No console password is set/);
  // show commands work in both modes
  good(console, "configure");
  assert.doesNotMatch(console.type("show running-config"), /^% /m);
});

test("hostname: validated; no hostname restores the factory name", () => {
  const { console } = configBoard();
  bad(console, "hostname 1abc", /is not a hostname/);
  bad(console, "hostname a_b", /is not a hostname/);
  bad(console, `hostname a${"b".repeat(32)}`, /is not a hostname/);
  bad(console, "hostname", /Incomplete command: expected <name>/);
  good(console, "hostname Core-2");
  assert.equal(console.running.hostname, "Core-2");
  good(console, "no hostname");
  assert.equal(console.running.hostname, "onemac");
});

test("trunk: create with a server MAC, add and move ports, remove; LACP and bad trunks refused", () => {
  const { console, board } = configBoard();
  bad(console, "trunk 0-1 trk1 lacp", /^% LACP is not supported: this switch does static trunks only/);
  bad(console, "trunk 0-1 trk9", /^% Invalid input at word 3 \("trk9"\): expected trk1 or trk2$/m);
  bad(console, "trunk 0-1", /^% Incomplete command: expected trk1 or trk2$/m);
  bad(console, "trunk 0-40 trk1", /word 2 \("0-40"\)/);
  bad(console, "trunk 7 trk1 server-mac " + SERVER, /port 7 is not a front-panel port/);
  good(console, `trunk 0-1 trk1 trunk server-mac ${SERVER}`);
  let running = console.running;
  assert.deepEqual(running.trunks.map((t) => [t.group, t.members, t.servers]), [[0, [0, 1], [SERVER]]]);
  assert.deepEqual(board.firmware.trunks.showTrunk(0).servers, [SERVER]);
  good(console, "trunk 2 trk1");
  assert.deepEqual(console.running.trunks[0].members, [0, 1, 2]);
  // ports move from one trunk to the other; a trunk left empty goes
  good(console, `trunk 3 trk2 server-mac ${SERVER2}`);
  const note = good(console, "trunk 2-3 trk2");
  assert.match(note, /left trk1/);
  running = console.running;
  assert.deepEqual(running.trunks.map((t) => [t.group, t.members]), [[0, [0, 1]], [1, [2, 3]]]);
  bad(console, "no trunk 4", /no trunk has them/);
  good(console, "no trunk 3");
  good(console, "no trunk 2");
  assert.deepEqual(console.running.trunks.map((t) => t.group), [0]);
  good(console, "no trunk 0-1");
  assert.deepEqual(console.running.trunks, []);
  assert.throws(() => board.firmware.trunks.showTrunk(0));
});

test("trunk without a server MAC (ProCurve's order): trunk first, server-mac later; the last server may go", () => {
  const { console, board } = configBoard();
  const out = good(console, "trunk 0-1 trk1 trunk");
  assert.doesNotMatch(out, /server-mac/);
  assert.deepEqual(console.running.trunks.map((t) => [t.group, t.members, t.servers]), [[0, [0, 1], []]]);
  assert.match(console.type("show trunks"), /Server MACs: none yet \(flag one with "server-mac <mac> trk1"\)/);
  assert.deepEqual(renderRunningConfig(console.running), ["trunk 0-1 trk1 trunk"]);
  good(console, `server-mac ${SERVER} trk1`);
  assert.deepEqual(board.firmware.trunks.showTrunk(0).servers, [SERVER]);
  assert.deepEqual(renderRunningConfig(console.running), [`trunk 0-1 trk1 trunk server-mac ${SERVER}`]);
  good(console, `no server-mac ${SERVER}`);
  assert.deepEqual(console.running.trunks.map((t) => [t.members, t.servers]), [[[0, 1], []]]);
  assert.deepEqual(board.firmware.trunks.showTrunk(0).servers, []);
  // the inline form still works, and a server already on the trunk keeps its place
  good(console, `trunk 2 trk2 server-mac ${SERVER2}`);
  good(console, `server-mac ${SERVER} trk2`);
  good(console, `trunk 2-3 trk2 server-mac ${SERVER2}`);
  assert.deepEqual(console.running.trunks[1].servers, [SERVER2, SERVER]);
});

test("trunk settings: index bits, hold-down, VLAN, switch-to-switch port", () => {
  const { console } = configBoard();
  bad(console, "trunk trk1 index-bits 4", /trk1 is not configured: create it first/);
  good(console, `trunk 0-2 trk1 server-mac ${SERVER} index-bits 2`);
  assert.equal(console.running.trunks[0].indexBits, 2);
  bad(console, "trunk trk1 index-bits 1", /3 members do not fit a table of 2 entries/);
  bad(console, "trunk trk1 index-bits 9", /expected a number from 1 to 8/);
  good(console, "trunk trk1 index-bits 5");
  good(console, "trunk trk1 hold-down 0");
  bad(console, "trunk trk1 hold-down 600001", /expected a number from 0 to 600000/);
  good(console, "trunk trk1 vlan 12");
  bad(console, "trunk trk1 vlan 4096", /expected <vid> \(a VLAN ID 0\.\.4095\)/);
  bad(console, "trunk trk1 inter-switch-port 1", /cannot be both a member and the switch-to-switch port/);
  good(console, "trunk trk1 inter-switch-port 4 learning");
  let trunk = console.running.trunks[0];
  assert.deepEqual([trunk.indexBits, trunk.holdDownMs, trunk.vid, trunk.interSwitchPort, trunk.interSwitchLearning], [5, 0, 12, 4, true]);
  bad(console, "trunk 4 trk2 server-mac " + SERVER2, /switch-to-switch port/);
  good(console, "no trunk trk1 inter-switch-port");
  trunk = console.running.trunks[0];
  assert.deepEqual([trunk.interSwitchPort, trunk.interSwitchLearning], [null, false]);
});

test("trunk-load-balance: the three MAC methods; others are named as unsupported", () => {
  const { console, board } = configBoard();
  const out = bad(console, "trunk-load-balance src-ip", /load balancing on "src-ip" is not supported: this switch balances on src-mac, dst-mac, src-dst-mac/);
  assert.equal(out.split("\n").filter(Boolean).length, 1);
  bad(console, "trunk-load-balance src", /Ambiguous word 2 \("src"\): src-dst-mac, src-mac|not supported/);
  good(console, "trunk-load-balance dst-mac");
  assert.equal(console.running.loadBalance, "dst-mac");
  assert.equal(board.firmware.trunks.hash, "da");
  good(console, "trunk-load-balance src-dst");
  assert.equal(console.running.loadBalance, "src-dst-mac");
  good(console, "no trunk-load-balance");
  assert.equal(console.running.loadBalance, "src-mac");
});

test("server-mac: add, move between trunks, remove; bad and unknown MACs refused", () => {
  const { console, board } = configBoard();
  bad(console, `server-mac ${SERVER} trk1`, /trk1 is not configured/);
  good(console, `trunk 0-1 trk1 server-mac ${SERVER}`);
  good(console, `server-mac ${SERVER2.toUpperCase()} trk1`);
  assert.deepEqual(console.running.trunks[0].servers, [SERVER, SERVER2]);
  assert.deepEqual(board.firmware.trunks.showTrunk(0).servers, [SERVER, SERVER2]);
  bad(console, "server-mac 01:00:5e:00:00:01 trk1", /multicast/);
  bad(console, "server-mac 00:1b:21:5e:00 trk1", /expected <mac> \(a MAC address like aa:bb:cc:dd:ee:ff\)/);
  good(console, `trunk 2 trk2 server-mac 00:1b:21:5e:00:03`);
  good(console, `server-mac ${SERVER2} trk2`);
  assert.deepEqual(console.running.trunks.map((t) => t.servers), [[SERVER], ["00:1b:21:5e:00:03", SERVER2]]);
  good(console, `no server-mac ${SERVER2}`);
  bad(console, `no server-mac ${SERVER2}`, /is not a server MAC of any trunk/);
  assert.deepEqual(console.running.trunks[1].servers, ["00:1b:21:5e:00:03"]);
});

test("mac-move: exemptions by MAC and VLAN, window, threshold, records, scan interval, log limit", () => {
  const { console, board } = configBoard();
  good(console, `mac-move exempt ${SERVER}`);
  good(console, `mac-move exempt ${SERVER}`);
  good(console, "mac-move exempt vlan 7");
  let running = console.running;
  assert.deepEqual([running.exemptMacs, running.exemptVlans], [[SERVER], [7]]);
  assert.deepEqual(board.firmware.moves.show().exemptMacs, [SERVER]);
  good(console, `no mac-move exempt ${SERVER}`);
  bad(console, `no mac-move exempt ${SERVER}`, /is not exempt/);
  good(console, "no mac-move exempt vlan 7");
  bad(console, "no mac-move exempt vlan 7", /VLAN 7 is not exempt/);
  bad(console, "mac-move exempt vlan 5000", /VLAN ID 0\.\.4095/);
  good(console, "mac-move window 30");
  good(console, "mac-move threshold 3");
  good(console, "mac-move records 50");
  good(console, "mac-move scan-interval 0.5");
  good(console, "mac-move log-limit 5 per 2.5");
  running = console.running;
  assert.deepEqual(
    [running.moves.windowMs, running.moves.threshold, running.moves.maxRecords, running.moves.scanIntervalMs, running.moves.maxLogLinesPerInterval, running.moves.logIntervalMs],
    [30_000, 3, 50, 500, 5, 2500],
  );
  assert.equal(board.firmware.moves.settings.windowMs, 30_000);
  bad(console, "mac-move window 0", /at least 0.001 s/);
  bad(console, "mac-move records 257", /from 1 to 256/);
  bad(console, "mac-move scan-interval 0.005", /at least 0.01 s/);
  bad(console, "mac-move threshold 0", /from 1 to 1000000/);
  good(console, "no mac-move window");
  good(console, "no mac-move log-limit");
  running = console.running;
  const factory = board.firmware.config.factory;
  assert.equal(running.moves.windowMs, factory.moves.windowMs);
  assert.equal(running.moves.logIntervalMs, factory.moves.logIntervalMs);
  assert.equal(running.moves.threshold, 3);
});

test("links: poll, debounce, flap damping, errdisable recovery", () => {
  const { console, board } = configBoard();
  good(console, "link-poll 20");
  good(console, "link-debounce 250");
  good(console, "link-flap limit 3 window 5");
  good(console, "errdisable recovery interval 60");
  let links = console.running.links;
  assert.deepEqual([links.pollIntervalMs, links.upDebounceMs, links.flapLimit, links.flapWindowMs, links.recoveryMs], [20, 250, 3, 5000, 60_000]);
  assert.equal(board.firmware.links.settings.pollIntervalMs, 20);
  bad(console, "link-poll 0", /from 1 to 60000/);
  bad(console, "link-flap limit 33 window 5", /from 0 to 32/);
  bad(console, "link-flap limit 3", /Incomplete command: expected window/);
  bad(console, "errdisable recovery interval 0", /at least 0.001 s/);
  good(console, "no link-flap");
  assert.equal(console.running.links.flapLimit, 0);
  good(console, "no link-poll");
  good(console, "no errdisable recovery interval");
  links = console.running.links;
  const factory = board.firmware.config.factory.links;
  assert.deepEqual([links.pollIntervalMs, links.recoveryMs, links.upDebounceMs], [factory.pollIntervalMs, factory.recoveryMs, 250]);
});

test("interface: enable, disable, name; ports the chip lacks are refused", () => {
  const { console, board } = configBoard();
  good(console, "interface 2-3 disable");
  assert.deepEqual(console.running.ports.map((p) => [p.port, p.enabled]), [[2, false], [3, false]]);
  assert.equal(board.firmware.ports.isEnabled(2), false);
  good(console, 'interface 2 name "web server"');
  good(console, "interface 4 name uplink to core");
  assert.equal(board.firmware.ports.nameOf(4), "uplink to core");
  good(console, "interface 2-3 enable");
  assert.deepEqual(console.running.ports.map((p) => [p.port, p.enabled, p.name]), [[2, true, "web server"], [4, true, "uplink to core"]]);
  good(console, "no interface 2 name");
  good(console, "interface 4 disable");
  good(console, "no interface 4 disable");
  good(console, "no interface 4 name");
  assert.deepEqual(console.running.ports, []);
  bad(console, "interface 9 disable", /port 9 is not a front-panel port/);
  // No-op changes too (the manager checks only ports whose settings change), naming the ports, changing nothing.
  good(console, "interface 1 disable");
  bad(console, "interface 9 enable", /^% port 9 is not a front-panel port \(ports 0-4\)$/m);
  bad(console, "interface 0-4,9 enable", /^% port 9 is not a front-panel port/m);
  bad(console, "interface 1,7-9 enable", /^% ports 7-9 are not front-panel ports \(ports 0-4\)$/m);
  bad(console, "no interface 5 disable", /port 5 is not a front-panel port/);
  bad(console, "no interface 0,6 name", /port 6 is not a front-panel port/);
  bad(console, "interface 8 name spare", /port 8 is not a front-panel port/);
  bad(console, "no trunk 0-1,9", /port 9 is not a front-panel port/);
  assert.equal(board.firmware.ports.isEnabled(1), false);
  good(console, "interface 1 enable");
  bad(console, `interface 1 name ${"x".repeat(33)}`, /32/);
  bad(console, "interface 1 name é", /Invalid character/);
  bad(console, "interface 0-1 name x", /expected disable or enable/);
});

test("password: set twice, login gate, rate limit on wrong passwords, logout, removal", () => {
  const { console, board } = configBoard();
  console.type("password manager");
  assert.ok(console.secretPending);
  console.type("s3cret pass");
  assert.match(console.type("s3cret pasz"), /the two entries differ/);
  assert.equal(console.running.password, null);
  console.type("password manager");
  console.type("");
  assert.equal(console.running.password, null);
  console.type("password manager");
  console.type("s3cret pass");
  assert.match(console.type("s3cret pass"), /\[OK\] console password set/);
  const hash = board.firmware.config.running.password;
  if (!hash) assert.fail("no password hash");
  assert.doesNotMatch(JSON.stringify(console.running), /s3cret/);
  assert.match(renderRunningConfig(console.running).join("\n"), /^password manager hashed sha256-iterated\$\d+\$[0-9a-f]+\$[0-9a-f]{64}$/m);
  good(console, "end");
  console.type("logout");
  assert.ok(console.interpreter.locked);
  assert.ok(console.secretPending);
  // wrong: 1 s, then 2 s, ... before the next try is read
  assert.match(console.type("nope"), /Wrong password \(next try in 1 s\)/);
  assert.match(console.type("s3cret pass"), /Too many wrong passwords: wait 1 s/);
  assert.ok(console.interpreter.locked);
  board.clock.advance(1000);
  assert.match(console.type("nope"), /next try in 2 s/);
  board.clock.advance(2000);
  assert.match(console.type("nope"), /next try in 4 s/);
  board.clock.advance(1000);
  assert.match(console.type("whatever"), /wait 3 s/);
  board.clock.advance(3000);
  for (const wait of [8, 16, 30, 30]) {
    assert.match(console.type("nope"), new RegExp(`next try in ${wait} s`));
    board.clock.advance(wait * 1000);
  }
  console.type("s3cret pass");
  assert.ok(!console.interpreter.locked);
  assert.ok(!console.secretPending);
  assert.equal(console.interpreter.prompt(), "onemac# ");
  // a new session asks again
  console.interpreter.start(console.io);
  assert.ok(console.interpreter.locked);
  assert.match(console.interpreter.help(""), /password first/);
  assert.deepEqual(console.interpreter.complete("sh"), []);
  console.type("s3cret pass");
  good(console, "configure");
  good(console, "no password manager");
  assert.equal(console.running.password, null);
  good(console, "end");
  good(console, "exit");
  assert.ok(!console.interpreter.locked);
  // the hash replays
  good(console, "configure");
  good(console, `password manager hashed sha256-iterated$${hash.rounds}$${hash.salt}$${hash.hash}`);
  assert.deepEqual(console.running.password, hash);
  bad(console, "password manager hashed md5$1$00$00", /a password hash looks like/);
});

test("password hashing runs a few rounds per scheduler tick: the prompt waits, link polls go on, the rate limit holds", () => {
  const { console, board } = configBoard();
  const polls = () => board.firmware.links.polls;
  const pollMs = board.firmware.config.running.links.pollIntervalMs;
  // Setting a password: the hash is not made inside the command.
  console.type("password manager");
  console.type("pa55 word");
  console.submit("pa55 word");
  assert.ok(console.held, "the prompt waits for the hash");
  assert.equal(console.running.password, null, "nothing hashed in the command itself");
  let before = polls();
  let waited = console.waitWhileHeld();
  const rounds = 256 / PASSWORD_ROUNDS_PER_TICK;
  assert.ok(waited >= rounds - 1, `set in ${waited} ms of 1 ms ticks (${rounds} steps expected)`);
  assert.ok(polls() - before >= Math.floor(waited / pollMs) - 1, `${polls() - before} link polls in ${waited} ms`);
  assert.match(console.printed, /\[OK\] console password set/);
  assert.equal(board.firmware.config.running.password?.rounds, 256);
  good(console, "end");

  // Logging in: the same, and nothing typed meanwhile runs.
  console.type("logout");
  console.submit("pa55 word");
  assert.ok(console.held && console.interpreter.locked);
  assert.equal(console.printed, "");
  board.clock.advance(20);
  assert.ok(console.held && console.interpreter.locked, "still checking after 20 ms");
  before = polls();
  waited = console.waitWhileHeld();
  assert.ok(waited + 20 >= rounds - 1, `checked in ${waited + 20} ms`);
  assert.ok(polls() - before >= Math.floor(waited / pollMs) - 1, `${polls() - before} link polls in ${waited} ms`);
  assert.ok(!console.interpreter.locked);

  // A wrong password takes as long, then the rate limit answers at once.
  console.type("logout");
  console.submit("wrong");
  assert.ok(console.held);
  console.waitWhileHeld();
  assert.match(console.printed, /Wrong password \(next try in 1 s\)/);
  assert.ok(console.secretPending);
  console.submit("pa55 word");
  assert.ok(!console.held, "a refused try is not hashed");
  assert.match(console.printed, /Too many wrong passwords: wait 1 s/);
  board.clock.advance(1000);
  console.submit("wrong again");
  console.waitWhileHeld();
  assert.match(console.printed, /next try in 2 s/);
  board.clock.advance(2000);
  assert.doesNotMatch(console.type("pa55 word"), /^% /m);
  assert.ok(!console.interpreter.locked);
});

test("configure revert timer: unconfirmed changes revert by themselves; confirm keeps them", () => {
  const { console, board } = makeConsoleBoard();
  assert.match(console.type("configure revert timer 30"), /revert in 30 s unless you type "configure confirm"/);
  good(console, `trunk 0-1 trk1 server-mac ${SERVER}`);
  good(console, "interface 3 disable");
  board.clock.advance(29_000);
  assert.equal(console.running.trunks.length, 1);
  board.clock.advance(1500);
  assert.equal(console.running.trunks.length, 0);
  assert.deepEqual(console.running.ports, []);
  assert.equal(board.firmware.ports.isEnabled(3), true);
  assert.ok(board.firmware.logs.entries().some((entry) => /reverted/.test(entry.text)));
  good(console, "configure revert timer 10");
  good(console, `trunk 0-1 trk1 server-mac ${SERVER}`);
  assert.match(console.type("configure confirm"), /\[OK\] changes confirmed/);
  board.clock.advance(20_000);
  assert.equal(console.running.trunks.length, 1);
  assert.match(console.type("configure confirm"), /^% No revert is pending/);
  bad(console, "configure revert timer 5", /from 10 to 3600/);
});

test("write memory, erase startup-config, reload", () => {
  const { console, board, flash } = makeConsoleBoard();
  good(console, "configure");
  good(console, `trunk 0-1 trk1 server-mac ${SERVER}`);
  good(console, "hostname saved");
  good(console, "end");
  const saved = good(console, "write memory");
  assert.match(saved, /^\[OK\] saved to slot [ab], sequence \d+, \d+ bytes$/m);
  assert.ok(flash.writes > 0);
  assert.equal(board.firmware.config.unsaved, false);
  assert.match(good(console, "copy running-config startup-config"), /\[OK\] saved/);
  // reload asks; "n" cancels
  let out = console.type("reload");
  assert.doesNotMatch(out, /unsaved/);
  assert.match(out, /Proceed with reload\? \[y\/N\]/);
  assert.match(console.type("n"), /Reload cancelled/);
  assert.equal(console.reloads, 0);
  good(console, "configure");
  good(console, "hostname changed");
  out = console.type("reload");
  assert.match(out, /unsaved changes will be lost/);
  console.submit("y");
  assert.equal(console.reloads, 1);
  assert.match(console.printed, /^Reloading\.\.\.\n$/);
  // the prompt is held for good: nothing typed reaches the firmware that is about to restart
  board.clock.advance(60_000);
  assert.ok(console.held, "the prompt stays held after Reloading...");
  // a fresh board on the same flash boots the saved config
  const second = makeConsoleBoard({ flash });
  assert.equal(second.console.running.hostname, "saved");
  assert.deepEqual(second.console.running.trunks.map((t) => t.members), [[0, 1]]);
  assert.match(good(second.console, "erase startup-config"), /\[OK\] startup config erased/);
  const third = makeConsoleBoard({ flash });
  assert.equal(third.console.running.hostname, "onemac");
});

test("a command that throws something other than an OnemacError prints an internal error and the console goes on", () => {
  const { console, board } = makeConsoleBoard();
  const original = board.firmware.config.change.bind(board.firmware.config);
  board.firmware.config.change = () => {
    throw new TypeError("boom");
  };
  good(console, "configure");
  assert.equal(console.type("hostname x"), "% Internal error: boom\n");
  board.firmware.config.change = original;
  good(console, "hostname x");
});

test("? help and completion through the interpreter follow the mode", () => {
  const { console } = makeConsoleBoard();
  const top = console.interpreter.help("");
  assert.match(top, /^ {2}configure +/m);
  assert.match(top, /^ {2}show +Show state and configuration$/m);
  assert.doesNotMatch(top, /^ {2}hostname/m);
  console.type("configure");
  const config = console.interpreter.help("");
  assert.match(config, /^ {2}hostname +Name the switch/m);
  assert.match(config, /^ {2}no +Undo a setting$/m);
  assert.match(console.interpreter.help("trunk 0-1 "), /<trunk> +trk1 or trk2/);
  assert.match(console.interpreter.help("trunk 0-1 trk1 "), /<cr>/);
  assert.match(console.interpreter.help("trunk 0-1 trk1 "), /^ {2}lacp +Not supported: this switch does static trunks only$/m);
  assert.match(console.interpreter.help("configure revert "), /^ {2}timer +Seconds until they revert/m);
  assert.deepEqual(console.interpreter.complete("mac-move w"), ["window"]);
  assert.deepEqual(console.interpreter.complete("no l"), ["link-debounce", "link-flap", "link-poll"]);
});

test("trunk mode: cfp and cfp-isolated program rules and show exact members; running-config replays; index-bits back to the mode's default", () => {
  const { console, board } = configBoard();
  const firmware = board.firmware;
  good(console, `trunk 0-2 trk1 trunk server-mac ${SERVER}`);
  good(console, "trunk trk1 mode cfp");
  assert.deepEqual([console.running.trunks[0].mode, console.running.trunks[0].indexBits], ["cfp", null]);
  let view = firmware.trunks.showTrunk(0);
  assert.deepEqual([view.mode, view.indexBits, view.rules?.count, view.chipProgramming], ["cfp", 8, 256, "cfp-rules"]);
  assert.deepEqual(renderRunningConfig(console.running), [`trunk 0-2 trk1 trunk server-mac ${SERVER}`, "trunk trk1 mode cfp"]);
  good(console, "end");
  const shown = good(console, "show trunks");
  assert.match(shown, /CFP rules \+ group bitmap \(mode cfp\)/);
  assert.match(shown, /exactly \(the CFP rule decides\); rules 0\.\.255/);
  assert.doesNotMatch(shown, /predicted/);
  assert.match(good(console, "test trunk load-balance 3c:07:54:00:00:05"), /trk1: table index 5 .* -> member port 2\n  chip: port 2, exact \(CFP rule 5 decides\)/);
  assert.match(good(console, "show trunk distribution"), /chip programmed with CFP rules, mode cfp \(rules 0\.\.255\)/);
  const json = JSON.parse(good(console, "show trunks | json"));
  assert.equal(json.trunks[0].mode, "cfp");
  assert.equal(json.trunks[0].prediction, undefined);
  good(console, "configure terminal");
  good(console, "trunk trk1 index-bits 5");
  good(console, "trunk trk1 mode cfp-isolated");
  view = firmware.trunks.showTrunk(0);
  assert.deepEqual([view.mode, view.indexBits, view.rules?.count, view.groupMask], ["cfp-isolated", 5, 32, 0]);
  assert.deepEqual(renderRunningConfig(console.running), [`trunk 0-2 trk1 trunk server-mac ${SERVER} index-bits 5`, "trunk trk1 mode cfp-isolated"]);
  good(console, "no trunk trk1 index-bits");
  assert.equal(firmware.trunks.showTrunk(0).indexBits, 8);
  bad(console, "trunk trk1 mode lacp", /^% /m);
  good(console, "trunk trk1 mode hash");
  assert.equal(firmware.trunks.showTrunk(0).indexBits, 3);
  assert.deepEqual(renderRunningConfig(console.running), [`trunk 0-2 trk1 trunk server-mac ${SERVER}`]);
});
