// The console and configuration modules, unmodified, on the real XS engine (xsnap, XS 13.3) in lockstep with Node:
// the firmware boots with a flash (hosts/xs/memory-storage.ts) and its console attached as main.ts attaches it
// (hosts/xs/console-rig.ts: session, interpreter, UART); bytes are typed on the console's wire; every step must give
// the same console output, log, SPI traffic and virtual time on both engines, and the same flash contents.
import assert from "node:assert/strict";
import { before, describe, it } from "node:test";
import { ESP32_CHUNK_BYTES, ESP32_HEAP_SLOTS } from "../../bench/xs";
import { measureConsoleMemory, type ConsoleMemoryFigures } from "../../bench/xs-console";
import type { ConsoleState, HostileSummary } from "../../hosts/xs/console-rig";
import type { StoredEntry } from "../../hosts/xs/memory-storage";
import { NodeScenarioBoard, XsBoard } from "../../hosts/xs/board";
import { makeBench, twin, type Twin } from "./twin";

const SERVER_A = "02:00:5e:10:20:30";
const SERVER_B = "02:00:5e:10:20:31";
const SERVER_C = "02:00:5e:10:20:32";

interface Boot {
  ok: boolean;
  output: string;
}

/** Types on both engines; returns the console output (identical on both). */
function typer(t: Twin) {
  return (text: string) => t.same<string>("console-type", { text });
}

/** The configuration the tests type: two trunks, servers, exemptions, port settings, a hostname. */
const CONFIGURATION = [
  "configure",
  `trunk 0-1 trk1 trunk server-mac ${SERVER_A}`,
  `server-mac ${SERVER_B} trk1`,
  `trunk 2-3 trk2 trunk server-mac ${SERVER_C}`,
  "mac-move exempt 00:1b:21:aa:bb:cc",
  "mac-move exempt vlan 10",
  "interface 4 name uplink",
  "interface 4 disable",
  "hostname sw1",
  "end",
];

describe("console and configuration on XS (xsnap) in lockstep with Node", () => {
  it("types configuration and show commands, editing keys, Tab, ? help and bad lines: the same bytes on the wire", async () => {
    const t = await twin();
    const boot = await t.same<Boot>("console-boot", {});
    assert.equal(boot.ok, true);
    assert.match(boot.output, /config: no startup config; running factory defaults/);
    assert.match(boot.output, /onemac# $/);
    const type = typer(t);

    for (const line of CONFIGURATION) {
      const out = await type(line + "\r");
      assert.doesNotMatch(out, /\n% /, `${line}: ${out}`);
    }
    assert.match(await type("show trunks\r"), /trk1/);
    const json = JSON.parse((await type("show trunks | json\r")).split("\r\n")[1]);
    assert.deepEqual(json.trunks.map((trunk: { group: number }) => trunk.group), [0, 1]);
    assert.match(await type("show trunk distribution\r"), /trk1: ports 0-1/);
    JSON.parse((await type("show trunk distribution trk1 | json\r")).split("\r\n")[1]);
    const running = await type("show running-config\r");
    assert.match(running, /hostname sw1/);
    assert.match(running, /trunk 0-1 trk1 trunk server-mac 02:00:5e:10:20:30/);
    assert.equal(JSON.parse((await type("show running-config | json\r")).split("\r\n")[1]).hostname, "sw1");
    for (const line of ["show interfaces brief", "show interfaces counters 1", "show version | json", "show system", "show logging", "show mac-address", "show mac-move", "show errdisable", "show startup-config", "test trunk load-balance 00:1b:21:00:00:07"])
      assert.doesNotMatch(await type(line + "\r"), /\n% /, line);

    // Editing keys: Ctrl-A, Ctrl-E, backspace, arrows, Ctrl-W, Ctrl-U, history, Tab completion and ? help.
    assert.match(await type("sh\x01x\x7f\x05ow ver\t\r"), /onemac firmware/);
    await type("show trunks\x1b[D\x1b[D\x7f\x7f\x7fnks extra\x17\x17\r");
    assert.match(await type("\x1b[A\x1b[A\r"), /\r\n/);
    assert.match(await type("show ?"), /running-config/);
    assert.match(await type("\x15conf\t"), /configure/);
    assert.match(await type("\x15\x10\x0e\x03"), /\^C|\r\n/);

    // Bad lines: each says what is wrong, nothing changes.
    const before = await t.same<ConsoleState>("console-state");
    for (const bad of ["trunk 0-9 trk1", "configure\rtrunk 3-1 trk1", "show trunks | json | json", "show " + "x".repeat(300), "server-mac 0g:11:22:33:44:55 trk1", "end"]) await type(bad + "\r");
    const after = await t.same<ConsoleState>("console-state");
    assert.deepEqual(after.running, before.running);

    // A console password: salted hash from the fixed random() the rig supplies, identical on both engines.
    await type("configure\r");
    assert.match(await type("password manager\r"), /New password: $/);
    await type("not-shown-1\r");
    // The hash is made a few rounds per link poll (the firmware's poll-driven scheduler), the prompt held meanwhile.
    assert.doesNotMatch(await type("not-shown-1\r"), /\[OK\]/);
    assert.doesNotMatch((await t.same<{ output: string }>("console-run", { count: 20, intervalMs: 10 })).output, /\[OK\]/);
    assert.match((await t.same<{ output: string }>("console-run", { count: 200, intervalMs: 10 })).output, /\[OK\] console password set[\s\S]*\(config\)# $/);
    const state = await t.same<ConsoleState>("console-state");
    assert.equal(state.running.password?.algorithm, "sha256-iterated");
    assert.doesNotMatch(JSON.stringify(state), /not-shown-1/);
    // Logging in: checked over link polls too; a line typed meanwhile waits for the answer.
    await type("end\r");
    assert.match(await type("logout\r"), /Password: $/);
    assert.doesNotMatch(await type("not-shown-1\rshow version\r"), /onemac firmware/);
    const login = await t.same<{ output: string }>("console-run", { count: 200, intervalMs: 10 });
    assert.match(login.output, /sw1# show version[\s\S]*onemac firmware/);
  });

  it("write memory during link polls, a power cut, a reload: the same flash bytes and the config comes back", async () => {
    const t = await twin();
    await t.same<Boot>("console-boot", {});
    const type = typer(t);
    for (const line of CONFIGURATION) await type(line + "\r");
    const configured = await t.same<ConsoleState>("console-state");
    const save = await t.same<{ ticks: number; busy: boolean; output: string }>("console-save", { line: "write memory", maxTicks: 500, intervalMs: 10 });
    assert.equal(save.busy, false);
    assert.match(save.output, /\[OK\] saved to slot a, sequence 1/);
    const saved = await t.same<ConsoleState>("console-state");
    assert.equal(saved.startup.source, "slot-a");
    assert.ok(saved.storage.length >= 2, "chunks and a header");
    assert.deepEqual(saved.startup.config, configured.running);

    // Power cut: the chip loses its registers, RAM is gone, flash stays.
    t.both((model) => model.powerCycle());
    const again = await t.same<Boot>("console-boot", {});
    assert.equal(again.ok, true);
    assert.match(again.output, /config: startup config applied \(slot-a, sequence 1\)/);
    assert.match(again.output, /sw1# $/);
    const rebooted = await t.same<ConsoleState>("console-state");
    assert.deepEqual(rebooted.running, configured.running);
    assert.deepEqual(rebooted.storage, saved.storage);
    await t.same("console-run", { count: 150, intervalMs: 10 });

    // A second save goes to the other slot; reload asks, then the board boots from it.
    await type("configure\r");
    await type("no mac-move exempt vlan 10\r");
    await type("end\r");
    const second = await t.same<{ output: string }>("console-save", { line: "write memory", maxTicks: 500, intervalMs: 10 });
    assert.match(second.output, /slot b, sequence 2/);
    assert.match(await type("reload\r"), /Proceed with reload\? \[y\/N\] $/);
    assert.match(await type("y\r"), /Reloading\.\.\.\r\n$/);
    // The prompt stays held: a line typed before the restart never runs.
    assert.equal(await type("show version\r"), "");
    const reloaded = await t.same<ConsoleState>("console-state");
    assert.equal(reloaded.reloads, 1);
    await t.same<Boot>("console-boot", {});
    const third = await t.same<ConsoleState>("console-state");
    assert.equal(third.startup.source, "slot-b");
    assert.deepEqual(third.running.exemptVlans, []);
  });

  it("trunk trk1 mode cfp and back to hash: the same rules, show output, saved config and flash bytes; the mode survives a power cut", async () => {
    const t = await twin();
    await t.same<Boot>("console-boot", {});
    const type = typer(t);
    for (const line of CONFIGURATION) await type(line + "\r");
    const hashRunning = (await t.same<ConsoleState>("console-state")).running;
    const rulesOnBoth = (): ReturnType<typeof t.xsBench.model.cfpRules> => {
      const rules = t.xsBench.model.cfpRules();
      assert.deepEqual(rules, t.nodeBench.model.cfpRules(), "XS and Node programmed different CFP rules");
      return rules;
    };
    const typeClean = async (line: string): Promise<string> => {
      const out = await type(line + "\r");
      assert.doesNotMatch(out, /\n% /, `${line}: ${out}`);
      return out;
    };
    assert.equal(rulesOnBoth().length, 0, "hash mode: no CFP rules");

    for (const line of ["configure", "trunk trk1 mode cfp", "end"]) await typeClean(line);
    assert.equal(rulesOnBoth().length, 256, "two server MACs at the default M = 7: 2 x 128 rules");
    const shown = await typeClean("show trunks");
    assert.match(shown, /trk1: ports 0-1[\s\S]*Table: 128 entries \(M = 7\)/);
    assert.match(shown, /CFP rules \+ group bitmap \(mode cfp\)/);
    assert.match(shown, /exactly \(the CFP rule decides\); rules 0\.\.255/);
    assert.equal(JSON.parse((await typeClean("show trunks | json")).split("\r\n")[1]).trunks[0].mode, "cfp");
    // At M = 7 the distribution (128 buckets, about 4.2 KB; its JSON far more) is more than the console's 4 KB output
    // ring: the rest waits in the UART's queue behind the ring and arrives whole, on XS as on Node (the same bytes).
    const large = await typeClean("show trunk distribution");
    assert.match(large, /^show trunk distribution\r\ntrk1: ports 0-1/);
    assert.match(large, /\r\n +127 /, "the last of the 128 buckets arrives");
    assert.doesNotMatch(large, /output dropped/);
    const largeJson = JSON.parse((await typeClean("show trunk distribution trk1 | json")).split("\r\n")[1]) as { trunks: { buckets: unknown[] }[] };
    assert.equal(largeJson.trunks[0].buckets.length, 128);
    for (const line of ["configure", "trunk trk1 index-bits 4", "end"]) await typeClean(line);
    const configured = await t.same<ConsoleState>("console-state");
    assert.deepEqual([configured.running.trunks[0].mode, configured.running.trunks[0].indexBits], ["cfp", 4]);
    const rules = rulesOnBoth();
    assert.equal(rules.length, 32);
    const distribution = await typeClean("show trunk distribution");
    assert.match(distribution, /chip programmed with CFP rules, mode cfp \(rules 0\.\.31\)/);
    assert.doesNotMatch(distribution, /output dropped/);
    JSON.parse((await typeClean("show trunk distribution trk1 | json")).split("\r\n")[1]);
    assert.match(await typeClean("test trunk load-balance 00:1b:21:00:00:07"), /trk1: table index 7 .* -> member port 1\r\n {2}chip: port 1, exact \(CFP rule \d+ decides\)/);
    const running = await typeClean("show running-config");
    assert.match(running, /trunk 0-1 trk1 trunk server-mac 02:00:5e:10:20:30 index-bits 4\r\n/);
    assert.match(running, /trunk trk1 mode cfp\r\n/);

    const save = await t.same<{ busy: boolean; output: string }>("console-save", { line: "write memory", maxTicks: 500, intervalMs: 10 });
    assert.equal(save.busy, false);
    assert.match(save.output, /\[OK\] saved to slot a, sequence 1/);
    const saved = await t.same<ConsoleState>("console-state");
    assert.deepEqual(saved.startup.config, configured.running);

    // Power cut: the chip forgets its rules; the startup config brings the mode and the same rules back on both.
    t.both((model) => model.powerCycle());
    assert.equal(rulesOnBoth().length, 0);
    const again = await t.same<Boot>("console-boot", {});
    assert.match(again.output, /config: startup config applied \(slot-a, sequence 1\)/);
    assert.deepEqual((await t.same<ConsoleState>("console-state")).running, configured.running);
    await t.same("console-run", { count: 150, intervalMs: 10 });
    const ruleKeys = (list: typeof rules) => list.map((rule) => [rule.index, rule.data, rule.mask, rule.action]);
    assert.deepEqual(ruleKeys(rulesOnBoth()), ruleKeys(rules), "the same rules after the power cut");

    // Back to hash: the rules go, the running config is the one before mode cfp, and that is what the next save holds.
    for (const line of ["configure", "no trunk trk1 index-bits", "trunk trk1 mode hash", "end"]) await typeClean(line);
    assert.equal(rulesOnBoth().length, 0, "mode hash: the CFP rules are gone");
    assert.match(await typeClean("show trunks"), /trk1: ports 0-1[\s\S]*group bitmap \+ own hash[\s\S]*predicted/);
    assert.doesNotMatch(await typeClean("show running-config"), /mode cfp|index-bits/);
    const back = await t.same<{ output: string }>("console-save", { line: "write memory", maxTicks: 500, intervalMs: 10 });
    assert.match(back.output, /slot b, sequence 2/);
    const hashed = await t.same<ConsoleState>("console-state");
    assert.deepEqual(hashed.running, hashRunning);
    assert.deepEqual(hashed.startup.config, hashRunning);
  });

  it("an auto-revert fires on the poll-driven scheduler, and erase startup-config boots factory defaults, as on Node", async () => {
    const t = await twin();
    await t.same<Boot>("console-boot", {});
    const type = typer(t);
    for (const line of CONFIGURATION) await type(line + "\r");
    await t.same("console-save", {});
    const before = await t.same<ConsoleState>("console-state");
    assert.match(await type("configure revert timer 10\r"), /revert in 10 s/);
    await type("no trunk 0-1\r");
    await type("interface 3 disable\r");
    await type("end\r");
    assert.notDeepEqual((await t.same<ConsoleState>("console-state")).running, before.running);
    const waited = await t.same<{ output: string }>("console-run", { count: 1050, intervalMs: 10 });
    assert.match(waited.output, /not confirmed in time: reverted/);
    assert.deepEqual((await t.same<ConsoleState>("console-state")).running, before.running);

    const erased = await t.same<{ output: string }>("console-save", { line: "erase startup-config" });
    assert.doesNotMatch(erased.output, /\n% /);
    t.both((model) => model.powerCycle());
    const boot = await t.same<Boot>("console-boot", {});
    assert.match(boot.output, /no startup config; running factory defaults/);
    const factory = await t.same<ConsoleState>("console-state");
    assert.equal(factory.startup.source, "factory");
    assert.deepEqual(factory.running.trunks, []);
  });

  it("a startup config written on Node boots on XS, and one written on XS boots on Node (the same bytes)", async () => {
    // Each engine alone configures and saves on its own board.
    const written: Record<"node" | "xs", StoredEntry[]> = { node: [], xs: [] };
    const running: Record<"node" | "xs", unknown> = { node: undefined, xs: undefined };
    {
      const bench = makeBench();
      const node = new NodeScenarioBoard({ spi: bench.spi, clock: bench.clock });
      node.run("console-boot", {});
      for (const line of CONFIGURATION) node.run("console-type", { text: line + "\r" });
      node.run("console-save", {});
      const state = node.run<ConsoleState>("console-state");
      written.node = state.storage;
      running.node = state.running;
    }
    {
      const bench = makeBench();
      const xs = await XsBoard.start({ spi: bench.spi, clock: bench.clock });
      try {
        await xs.run("console-boot", {});
        for (const line of CONFIGURATION) await xs.run("console-type", { text: line + "\r" });
        await xs.run("console-save", {});
        const state = (await xs.run<ConsoleState>("console-state")).result;
        written.xs = state.storage;
        running.xs = state.running;
      } finally {
        await xs.close();
      }
    }
    assert.deepEqual(written.xs, written.node, "XS and Node wrote different flash bytes");
    assert.deepEqual(running.xs, running.node);

    // Crossed: XS boots what Node wrote, Node boots what XS wrote.
    const t = await twin();
    const nodeBoot = t.node.run<Boot>("console-boot", { storage: written.xs });
    const xsBoot = (await t.xs.run<Boot>("console-boot", { storage: written.node })).result;
    assert.deepEqual(xsBoot, nodeBoot);
    t.assertSameTraffic("crossed boot");
    assert.match(xsBoot.output, /startup config applied \(slot-a, sequence 1\)/);
    const state = await t.same<ConsoleState>("console-state");
    assert.deepEqual(state.running, running.node);
  });

  it("2,000 hostile lines on XS: each gets a % error, nothing changes, the same output as on Node", async () => {
    const t = await twin();
    await t.same<Boot>("console-boot", {});
    for (const line of CONFIGURATION.slice(0, 3)) await t.same("console-type", { text: line + "\r" });
    // In batches: one XS delivery may run at most 1e8 metering steps (hosts/xs/xsnap.ts).
    for (let batch = 0; batch < 4; batch++) {
      const summary = await t.same<HostileSummary>("console-hostile", { count: 500, seed: 0x5eed + batch });
      assert.equal(summary.firstMiss, null);
      assert.equal(summary.errors, 500);
      assert.equal(summary.firstChange, null);
      assert.equal(summary.runningUnchanged, true);
      assert.equal(summary.storageWrites, 0);
    }
    const state = await t.same<ConsoleState>("console-state");
    assert.equal(state.session.internalErrors, 0);
    assert.equal(state.uart.dropped, 0);
  });

  // Found by the hostile lines: `interface <ports> enable` accepted ports that do not exist when enabling changes
  // nothing (the manager checks only ports whose settings differ from the defaults).
  it("refuses a port that is not a front-panel port even when the change is a no-op", async () => {
    const t = await twin();
    await t.same<Boot>("console-boot", {});
    await t.same("console-type", { text: "configure\r" });
    const before = await t.same<ConsoleState>("console-state");
    assert.match(await t.same<string>("console-type", { text: "interface 9 enable\r" }), /\n% port 9 is not a front-panel port \(ports 0-4\)\r\n/);
    assert.match(await t.same<string>("console-type", { text: "interface 0-4,9 enable\r" }), /\n% port 9 is not a front-panel port/);
    assert.deepEqual((await t.same<ConsoleState>("console-state")).running, before.running);
  });
});

describe("console memory on XS", () => {
  let figures: ConsoleMemoryFigures;
  before(async () => {
    figures = await measureConsoleMemory({ commands: false, keys: false });
  });

  it("allocates nothing per idle 10 ms tick of the main loop with the console attached", () => {
    assert.equal(figures.tickSlots, 0, `${figures.tickSlots} slots per tick (${figures.tickBytes} bytes)`);
    assert.equal(figures.tickChunkGrowth, 0);
  });

  // The console's compiled grammar is a frozen module constant (modules/console/interpreter.ts CONSOLE_GRAMMAR): the
  // SDK preloads it into flash, and here it is part of the bundle loaded before the baseline (bench/xs-console.ts).
  // Built per interpreter it was about 2,500 slots and 33 KB of the heap after boot.
  it("fits in half the classic ESP32 XS machine after boot with the console and a startup config", () => {
    assert.ok(figures.bootSlots <= ESP32_HEAP_SLOTS / 2, `${figures.bootSlots} slots`);
    assert.ok(figures.bootChunkBytes <= ESP32_CHUNK_BYTES / 2, `${figures.bootChunkBytes} chunk bytes`);
  });
});
