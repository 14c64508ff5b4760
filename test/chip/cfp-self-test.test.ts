// The CFP self-tests (modules/chip/bcm53125/cfp-self-test.ts) against the model run under both answers of each
// UNCERTAIN CFP fact (hosts/sim/bcm53125/assumptions.ts): the check must say "holds" under the answer the firmware
// assumes and "fails" under the other. The test bench plays the user: it injects the probe frames on the host's port
// (model.ingress, board side) during the wait, and afterwards checks that nothing the check changed is left behind.
import assert from "node:assert/strict";
import { test } from "node:test";
import { Bcm53125Model } from "../../hosts/sim/bcm53125";
import type { Bcm53125Assumptions } from "../../hosts/sim/bcm53125/assumptions";
import { SimCpu, VirtualClock } from "../../hosts/sim/clock";
import { SimSPI } from "../../hosts/sim/spi";
import { Firmware } from "../../modules/firmware";
import type { SelfTestResult } from "../../modules/chip/bcm53125/self-test";
import { CFP_PROBE_DA, CFP_PROBE_SA_BASE, CFP_PROBE_SA_COUNT, type CfpCheckName } from "../../modules/chip/bcm53125/cfp-self-test";

const HOST = 2;
const ETHERTYPES = [0x0800, 0x86dd, 0x88b5];

function board(assumptions: Partial<Bcm53125Assumptions> = {}, linksUp = [0, 1, 2, 3]) {
  const clock = new VirtualClock();
  const model = new Bcm53125Model({ clock, assumptions });
  for (const port of linksUp) model.setLink(port, true);
  const cpu = new SimCpu(clock);
  const spi = new SimSPI({ device: model, hz: 20e6, mode: 3, time: clock, cpu });
  const log: string[] = [];
  const firmware = new Firmware({ spi, scheduler: cpu, log: (line) => log.push(line) });
  assert.ok(firmware.boot().ok, log.join("\n"));
  const cfp = firmware.selfTest.cfp;
  assert.ok(cfp, "the BCM53125 self-test has CFP checks");
  return { clock, model, firmware, cfp, log };
}

type Board = ReturnType<typeof board>;

/** What the check may change, read from the board side. */
function snapshot(b: Board) {
  return JSON.stringify({ rules: b.model.cfpRules(), trunk: b.firmware.chip.readTrunkConfig(), vlan: [0, 1, 2, 3, 4].map((p) => b.firmware.chip.getPortVlanMask!(p)) });
}

/** The user: probe frames from the host port every `everyMs`, source MACs cycling, framings and tags alternating. */
function sendProbes(b: Board, forMs: number, until: () => boolean = () => false, everyMs = 10): number {
  let sent = 0;
  for (let t = 0; t < forMs && !until(); t += everyMs) {
    b.model.ingress(HOST, {
      da: CFP_PROBE_DA,
      sa: CFP_PROBE_SA_BASE + (sent % CFP_PROBE_SA_COUNT),
      ethertype: ETHERTYPES[sent % 3],
      tagged: sent % 2 === 1, // priority-tagged (VID 0) every other frame
    });
    sent++;
    b.clock.advance(everyMs);
  }
  return sent;
}

function runTraffic(b: Board, check: CfpCheckName, targets?: number[], waitMs = 2000): SelfTestResult {
  let result: SelfTestResult | undefined;
  const state = b.cfp.start(check, { host: HOST, targets, waitMs }, (r) => (result = r));
  assert.equal(state.state, "running");
  sendProbes(b, waitMs + 300, () => result !== undefined);
  assert.ok(result, `${check} finished after its wait`);
  assert.equal(b.cfp.status().state, "idle");
  return result;
}

const TRAFFIC_CASES: { check: CfpCheckName; name: string; holds: Partial<Bcm53125Assumptions>; fails: Partial<Bcm53125Assumptions>; targets?: number[]; links?: number[] }[] = [
  { check: "byte-order", name: "BCM53125_CFP_UDF_FIRST_BYTE_HIGH", holds: { udfFirstByteHigh: true }, fails: { udfFirstByteHigh: false } },
  { check: "framings", name: "BCM53125_CFP_ONE_RULE_ALL_FRAMINGS", holds: { l3FramingDontCareMatchesAllFramings: true }, fails: { l3FramingDontCareMatchesAllFramings: false } },
  { check: "trunk-rehash", name: "BCM53125_CFP_DESTINATION_NOT_REHASHED", holds: { cfpDestinationRehashedInTrunk: false }, fails: { cfpDestinationRehashedInTrunk: true } },
  { check: "bands", name: "BCM53125_CFP_IN_BAND_WITHOUT_METERS", holds: { cfpBandWithoutMeters: "in-band" }, fails: { cfpBandWithoutMeters: "out-band" } },
  { check: "priority", name: "BCM53125_CFP_LOWEST_INDEX_WINS", holds: { cfpPriority: "lowest-index" }, fails: { cfpPriority: "per-slice" } },
  { check: "learning", name: "BCM53125_CFP_HIT_LEARNS_SA", holds: { cfpHitLearnsSa: true }, fails: { cfpHitLearnsSa: false } },
  { check: "port-vlan", name: "BCM53125_CFP_DESTINATION_OBEYS_PORT_VLAN", holds: { portVlanMasksCfpDestination: true }, fails: { portVlanMasksCfpDestination: false } },
  {
    check: "link-down",
    name: "BCM53125_TRUNK_SKIPS_LINK_DOWN_MEMBERS",
    holds: { trunkSkipsLinkDownMembers: true },
    fails: { trunkSkipsLinkDownMembers: false },
    targets: [0, 1],
    links: [0, 2, 3],
  },
];

for (const c of TRAFFIC_CASES) {
  for (const verdict of ["holds", "fails"] as const) {
    const assumptions = verdict === "holds" ? c.holds : c.fails;
    test(`cfp ${c.check} under ${JSON.stringify(assumptions)}: ${verdict}, and everything is put back`, () => {
      const b = board(assumptions, c.links);
      const before = snapshot(b);
      const result = runTraffic(b, c.check, c.targets);
      assert.equal(result.assumption.name, c.name);
      assert.equal(result.verdict, verdict, result.evidence);
      assert.equal(snapshot(b), before, "rules, trunk groups and port VLAN masks as before");
      assert.ok(b.model.arlEntries().every((e) => e.mac < CFP_PROBE_SA_BASE || e.mac >= CFP_PROBE_SA_BASE + CFP_PROBE_SA_COUNT), "probe MACs forgotten");
      assert.ok(b.log.some((line) => line.includes(`self-test cfp ${c.check}: ${c.name} ${verdict.toUpperCase()}`)));
    });
  }
}

test("cfp hitless-rewrite: every probe frame leaves once while the action moves", () => {
  const b = board({ cfpActionRewriteHitless: true });
  const result = runTraffic(b, "hitless-rewrite");
  assert.equal(result.assumption.name, "BCM53125_CFP_ACTION_REWRITE_HITLESS");
  assert.equal(result.verdict, "holds", result.evidence);
});

test("cfp traffic checks without probe frames are inconclusive and put everything back", () => {
  const b = board();
  const before = snapshot(b);
  let result: SelfTestResult | undefined;
  b.cfp.start("byte-order", { host: HOST, waitMs: 1000 }, (r) => (result = r));
  b.clock.advance(1200);
  assert.equal(result?.verdict, "inconclusive");
  assert.match(result!.evidence, /send frames to 02:6f:6e:43:46:50 from port 2/);
  assert.equal(snapshot(b), before);
});

test("cfp traffic checks refuse bad requests before touching the chip, and one check runs at a time", () => {
  const b = board();
  const before = snapshot(b);
  assert.throws(() => b.cfp.start("byte-order", { host: 7 }), /not a front-panel port/);
  assert.throws(() => b.cfp.start("byte-order", { host: HOST, targets: [0, 2] }), /two front-panel target ports/);
  assert.throws(() => b.cfp.start("byte-order", { host: HOST, targets: [0, 4] }), /port 4 has no link/);
  assert.throws(() => b.cfp.start("link-down", { host: HOST, targets: [0, 1] }), /unplug port 1 first/);
  assert.throws(() => b.cfp.start("byte-order", { host: HOST, waitMs: 10 }), /1\.\.600 s/);
  assert.equal(snapshot(b), before);
  b.cfp.start("bands", { host: HOST, waitMs: 1000 });
  assert.throws(() => b.cfp.run("staging"), /cfp bands is still running/);
  assert.throws(() => b.firmware.selfTest.searchAdvance(), /cfp bands is still running/);
  assert.ok(b.cfp.cancel());
  assert.equal(snapshot(b), before);
});

const REGISTER_CASES: { check: CfpCheckName; name: string; holds: Partial<Bcm53125Assumptions>; fails?: Partial<Bcm53125Assumptions> }[] = [
  { check: "staging", name: "BCM53125_CFP_STAGING_PERSISTS", holds: { cfpStagingPersists: true }, fails: { cfpStagingPersists: false } },
  { check: "masked-readback", name: "BCM53125_CFP_TCAM_KEEPS_MASKED_OUT_DATA", holds: { tcamStoresMaskedData: false }, fails: { tcamStoresMaskedData: true } },
  { check: "mask5-width", name: "BCM53125_CFP_MASK5_FULL_WIDTH", holds: { tcamMask5UpperBitsStored: true }, fails: { tcamMask5UpperBitsStored: false } },
  // The firmware resets with the CFP disabled everywhere and writes UDFs byte by byte and never checks RD_STS: the
  // model's other answers (reset ignored while enabled, multi-byte UDF writes, RD_STS kept) leave its assumption true.
  { check: "tcam-reset", name: "BCM53125_CFP_RESET_BITS_SELF_CLEAR", holds: { tcamResetWhileCfpEnabled: "ignored" } },
  { check: "poll-status", name: "BCM53125_CFP_DONE_MEANS_DATA_READY", holds: { cfpReadStatusClearedOnRead: false } },
  { check: "udf-registers", name: "BCM53125_CFP_UDF_BYTE_REGISTERS", holds: { udfMultiByteWritesSpanRegisters: false } },
];

for (const c of REGISTER_CASES) {
  for (const verdict of c.fails ? (["holds", "fails"] as const) : (["holds"] as const)) {
    const assumptions = verdict === "holds" ? c.holds : c.fails!;
    test(`cfp ${c.check} under ${JSON.stringify(assumptions)}: ${verdict}, and the TCAM is as before`, () => {
      const b = board(assumptions);
      const before = snapshot(b);
      const result = b.cfp.run(c.check);
      assert.equal(result.assumption.name, c.name);
      assert.equal(result.verdict, verdict, result.evidence);
      assert.equal(snapshot(b), before);
    });
  }
}

test("console: `self-test cfp <register check>` answers at once, a traffic check holds the prompt until its verdict, | json", async () => {
  const { showBoard } = await import("../console/show-rig");
  const { board, console } = showBoard({ up: [0, 1, 2, 3] });
  const json = console.json("self-test cfp mask5-width");
  assert.equal(json.verdict, "holds");
  assert.equal(json.check, "cfp mask5-width");
  assert.match(console.text("self-test cfp stag"), /self-test cfp staging: BCM53125_CFP_STAGING_PERSISTS HOLDS\n {2}assumption: .*\n {2}evidence: /);

  const out = console.run("self-test cfp trunk-rehash 2 0,1 wait 2");
  assert.equal(out.error, undefined);
  assert.equal(out.held, 1);
  assert.match(out.text, /send frames to 02:6f:6e:43:46:50 from port 2 .* for 2 s; ports 0 and 1 are the targets/);
  for (let i = 0; i < 300 && out.released === 0; i++) {
    board.model.ingress(2, { da: CFP_PROBE_DA, sa: CFP_PROBE_SA_BASE + (i % CFP_PROBE_SA_COUNT) });
    board.clock.advance(10);
  }
  assert.equal(out.released, 1);
  assert.match(out.text, /self-test cfp trunk-rehash: BCM53125_CFP_DESTINATION_NOT_REHASHED HOLDS/);
  assert.match(out.text, /trunk mode cfp works on this board/);

  const bad = console.run("self-test cfp byte-order 2 0,2");
  assert.match(bad.error!, /^% give two front-panel target ports/);
  assert.equal(bad.held, 0);
});
