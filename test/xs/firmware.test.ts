// The firmware modules, unmodified, on the real XS engine (xsnap, XS 13.3) against the BCM53125 model: every scenario
// must give the same results, log, SPI transactions and bytes, and virtual time as the same scenario on Node against
// an identical model; errors cross the boundary as the firmware's typed errors.
import assert from "node:assert/strict";
import { before, describe, it } from "node:test";
import { DEFAULT_BRING_UP } from "../../hosts/xs/scenarios";
import { measureXsMemory, ESP32_CHUNK_BYTES, ESP32_HEAP_SLOTS, SERVER_TRUNK, type XsMemoryFigures } from "../../bench/xs";
import { ChipIdError, DeadBusError, OnemacError, SpiTimeoutError, TrunkLimitError } from "../../modules/errors";
import { twin } from "./twin";

interface BringUpResult {
  boot: { ok: boolean; chip?: { model: string; deviceId: number }; ports: { port: number; link: boolean; speed: number }[] };
  arl: { mac: number; vid: number; port: number; isStatic: boolean } | null;
  dump: { mac: number; port: number; isStatic: boolean }[];
  trunk: { enabled: boolean; hash: string; groups: { group: number; members: number }[] };
  linkMask: number;
  time: number;
}

describe("firmware on XS (xsnap) against the BCM53125 model", () => {
  it("boots, programs a static ARL entry and a trunk, and reads them back exactly as on Node", async () => {
    const t = await twin();
    const result = await t.same<BringUpResult>("bring-up");
    assert.equal(result.boot.ok, true);
    assert.equal(result.boot.chip?.model, "BCM53125");
    assert.deepEqual(
      result.boot.ports.map((p) => [p.port, p.link, p.speed]),
      [[0, true, 1000], [1, true, 1000], [2, true, 100], [3, false, 10], [4, false, 10]],
    );
    assert.deepEqual(result.arl, { mac: DEFAULT_BRING_UP.mac, vid: 0, port: DEFAULT_BRING_UP.port, isStatic: true, age: false });
    assert.ok(result.dump.some((entry) => entry.mac === DEFAULT_BRING_UP.mac && entry.port === DEFAULT_BRING_UP.port && entry.isStatic));
    assert.equal(result.trunk.enabled, true);
    assert.equal(result.trunk.hash, DEFAULT_BRING_UP.trunkHash);
    assert.equal(result.trunk.groups.find((g) => g.group === 0)?.members, DEFAULT_BRING_UP.trunkMembers);
    assert.equal(result.linkMask & 0b111, 0b111);
    // The board side agrees: the model's table holds the entry the firmware wrote over SPI from XS.
    assert.ok(t.xsBench.model.arlEntries().some((entry) => entry.mac === DEFAULT_BRING_UP.mac && entry.isStatic));
    assert.ok(t.xsBench.spi.stats.transactions > 0);
    assert.deepEqual(t.xsBench.model.unmodeledAccesses, t.nodeBench.model.unmodeledAccesses);
  });

  it("runs ARL, trunk and link operations step by step in lockstep with Node", async () => {
    const t = await twin();
    await t.same("boot");
    const mac = 0x00_1b_21_aa_bb_cc;
    await t.same("arl-add", { mac, vid: 0, port: 3 });
    await t.same("arl-add", { mac: mac + 1, vid: 0, port: 4 });
    assert.deepEqual(await t.same("arl-lookup", { mac, vid: 0 }), { mac, vid: 0, port: 3, isStatic: true, age: false });
    assert.equal(await t.same("arl-delete", { mac, vid: 0 }), true);
    assert.equal(await t.same("arl-lookup", { mac, vid: 0 }), null);
    assert.equal(await t.same("arl-delete", { mac, vid: 0 }), false);
    const dump = await t.same<{ mac: number }[]>("arl-dump");
    assert.deepEqual(dump.map((entry) => entry.mac), [mac + 1]);
    await t.same("trunk-hash", { enabled: true, hash: "da" });
    await t.same("trunk-members", { group: 1, members: 0b11000 });
    const trunk = await t.same<BringUpResult["trunk"]>("trunk-read");
    assert.deepEqual([trunk.enabled, trunk.hash, trunk.groups[1]?.members], [true, "da", 0b11000]);
    // A cable plugged between polls: both see it on the next poll, log it the same way.
    assert.equal(await t.same("poll", { count: 3 }), 0b111);
    t.both((model) => model.setLink(4, true, 100, true));
    t.both((model) => model.setLink(0, false));
    const mask = await t.same<number>("poll", { count: 1 });
    assert.equal(mask, 0b10110);
  });

  it("runs the services (trunk failover, ARL scans, debounce) on virtual time in lockstep with Node", async () => {
    const t = await twin();
    await t.same("boot");
    await t.same("trunk-configure", { ...SERVER_TRUNK, members: [0, 1, 2] });
    await t.same("run", { count: 150, intervalMs: 10 }); // 1.5 s: scans, hold-downs
    t.both((model) => model.setLink(1, false));
    await t.same("run", { count: 50, intervalMs: 10 });
    const shown = await t.same<unknown>("trunks-show");
    assert.match(JSON.stringify(shown), /"down"/);
    t.both((model) => model.setLink(1, true));
    await t.same("run", { count: 300, intervalMs: 10 });
    assert.ok(t.xsBench.clock.now() >= 5000);
  });

  it("a CFP trunk: rules written, a member fails and only its rules move, it returns, in lockstep with Node", async () => {
    const t = await twin();
    await t.same("boot");
    const configured = await t.same<{ mode: string; indexBits: number; rules?: { count: number } }>("trunk-configure", { ...SERVER_TRUNK, members: [0, 1, 2], mode: "cfp" });
    assert.deepEqual([configured.mode, configured.indexBits, configured.rules?.count], ["cfp", 8, 256]);
    await t.same("run", { count: 50, intervalMs: 10 });
    const rulesBefore = t.xsBench.model.cfpRules().map((rule) => rule.action[0]);
    t.both((model) => model.setLink(1, false));
    await t.same("run", { count: 50, intervalMs: 10 });
    const shown = await t.same<{ trunks: { table: number[] }[] }>("trunks-show");
    assert.ok(!shown.trunks[0].table.includes(1), "port 1 holds no entry");
    const rulesAfter = t.xsBench.model.cfpRules().map((rule) => rule.action[0]);
    let moved = 0;
    for (let i = 0; i < rulesBefore.length; i++) if (rulesAfter[i] !== rulesBefore[i]) moved++;
    assert.equal(moved, rulesBefore.filter((action) => (action & 0x7f) === 1 << 1).length, "exactly the failed member's rules were rewritten");
    assert.deepEqual(rulesAfter, t.nodeBench.model.cfpRules().map((rule) => rule.action[0]), "the same rules on both engines");
    t.both((model) => model.setLink(1, true));
    await t.same("run", { count: 300, intervalMs: 10 });
    assert.deepEqual(t.xsBench.model.cfpRules().map((rule) => rule.action[0]), rulesBefore, "its rules came back after the hold-down");
  });

  it("survives a chip power cycle and a chip that stops answering, in lockstep with Node", async () => {
    const t = await twin();
    await t.same("boot");
    await t.same("trunk-configure", { ...SERVER_TRUNK, members: [0, 1] });
    await t.same("run", { count: 20, intervalMs: 10 });
    t.both((model) => model.powerCycle());
    await t.same("run", { count: 20, intervalMs: 10 }); // the chip check finds it and writes the trunk again
    for (const bench of [t.xsBench, t.nodeBench]) assert.equal(bench.model.register(0x32, 0x10), 0b11, "group bitmap written again");
    t.both((model) => (model.faults.deadBus = "all-ones"));
    await t.same("run", { count: 2, intervalMs: 10 }); // each poll now times out (10 ms of SPIF polls): reported, never thrown
    t.both((model) => model.clearFaults());
    await t.same("run", { count: 30, intervalMs: 10 });
    const shown = await t.same<unknown>("trunks-show");
    assert.match(JSON.stringify(shown), /"active"/);
  });

  it("surfaces a dead bus as DeadBusError (code dead-bus) across the boundary", async () => {
    const t = await twin((model) => (model.faults.deadBus = "all-ones"));
    const report = await t.same<{ ok: boolean; error?: { code: string } }>("boot");
    assert.equal(report.ok, false);
    assert.equal(report.error?.code, "dead-bus");
    const [xsError] = await t.sameError("probe");
    assert.ok(xsError instanceof DeadBusError);
    assert.ok(xsError instanceof OnemacError);
    assert.equal((xsError as DeadBusError).code, "dead-bus");
    t.both((model) => (model.faults.deadBus = "all-zeros"));
    const [low] = await t.sameError("probe");
    assert.ok(low instanceof DeadBusError);
    assert.match(low.message, /0x00/);
  });

  it("surfaces a foreign chip, a stuck SPIF and a trunk beyond the chip's limits as their typed errors", async () => {
    const foreign = await twin((model) => (model.faults.deviceId = 0x53128));
    const [chipId] = await foreign.sameError("probe");
    assert.ok(chipId instanceof ChipIdError);
    assert.equal((chipId as ChipIdError).found, 0x53128);

    const stuck = await twin((model) => (model.faults.spifStuckBusy = true));
    const [timeout] = await stuck.sameError("probe");
    assert.ok(timeout instanceof SpiTimeoutError);
    assert.equal((timeout as SpiTimeoutError).code, "spi-timeout");

    const limits = await twin();
    await limits.same("boot");
    const [trunk] = await limits.sameError("trunk-members", { group: 0, members: 0b11111 });
    assert.ok(trunk instanceof TrunkLimitError);
  });
});

describe("firmware memory on XS", () => {
  let figures: XsMemoryFigures;
  before(async () => {
    figures = await measureXsMemory();
  });

  it("fits in half the classic ESP32 XS machine after boot", () => {
    assert.ok(figures.bootSlots > 0 && figures.bootSlots <= ESP32_HEAP_SLOTS / 2, `${figures.bootSlots} slots`);
    assert.ok(figures.bootChunkBytes > 0 && figures.bootChunkBytes <= ESP32_CHUNK_BYTES / 2, `${figures.bootChunkBytes} chunk bytes`);
  });

  it("allocates nothing per link poll after warm-up", () => {
    assert.ok(figures.harnessSlotsPerRoundTrip > 0, "the measurement sees the harness's own allocations");
    assert.equal(figures.pollSlots, 0, `${figures.pollSlots} slots per poll`);
    assert.equal(figures.pollBytes, 0);
    assert.equal(figures.pollChunkGrowth, 0);
  });

  // Known: TrunkService.verifyServerEntries (modules/trunk/service.ts), run after every ARL scan, walks its trunks and
  // their servers with for-of; on XS each for-of over an array allocates an iterator (8 slots). Indexed loops fix it.
  it("allocates nothing per 10 ms tick of the main loop, ARL scans included", () => {
    assert.equal(figures.tickSlots, 0, `${figures.tickSlots} slots per tick (${figures.tickBytes} bytes)`);
  });
});
