// Issue 9, proofs in the CFP modes: the trunking proofs of one-switch.test.ts and two-switches.test.ts (which stay the
// hash-mode runs, every assertion kept) run again with the switch in trunk mode "cfp" and "cfp-isolated". Here the
// chip's CFP rules carry the patent's table, so every client must reach the server on table[low M bits of its MAC]
// exactly (computed on the board side from modules/trunk/table.ts, never from the firmware's state), and a failover
// must move exactly the failed member's flows, measured with frames. cfp runs under the model's default assumption
// (U3: a CFP destination is not re-hashed in its trunk group); cfp-isolated under both values of U3.
import assert from "node:assert/strict";
import { describe, test } from "node:test";
import { BROADCAST_MAC, formatMac } from "../../modules/mac";
import type { TrunkMode } from "../../modules/trunk/service";
import { macFromOui, VENDOR_OUIS } from "../../hosts/sim/network";
import {
  cfpRulePort,
  oneSwitchScenario,
  patentTableMember,
  SERVER_MAC,
  startTrunkingTraffic,
  TRUNK_GROUP,
  twoSwitchScenario,
  type ServiceSettings,
  type TrunkingScenario,
  type TrunkingSwitch,
} from "../../hosts/sim/network/trunking-scenarios";
import { memberKey, outOfOrderFlows, pullWhileBusy, serverArrivalsBySa } from "./helpers";

const POLL_MS = 10;
const HOLD_DOWN_MS = 200;

const RUNS: { mode: TrunkMode; rehash: boolean }[] = [
  { mode: "cfp", rehash: false },
  { mode: "cfp-isolated", rehash: false },
  { mode: "cfp-isolated", rehash: true },
];

function settingsOf(mode: TrunkMode, rehash: boolean, extra: Partial<ServiceSettings> = {}): ServiceSettings {
  return { holdDownMs: HOLD_DOWN_MS, moves: { scanIntervalMs: 100 }, mode, assumptions: { cfpDestinationRehashedInTrunk: rehash }, ...extra };
}

function label(run: { mode: TrunkMode; rehash: boolean }): string {
  return `mode ${run.mode}${run.rehash ? " (model re-hashes CFP destinations, U3)" : ""}`;
}

function membersOn(scenario: TrunkingScenario, sw: TrunkingSwitch): number[] {
  return scenario.nicPorts.filter((entry) => entry.switch === sw).map((entry) => entry.port);
}

/** The trunk's M as the switch reports it (the default is the firmware's choice; the table itself is recomputed). */
function indexBitsOf(sw: TrunkingSwitch): number {
  return sw.run(() => sw.trunks.showTrunk(TRUNK_GROUP)).indexBits;
}

describe("CFP modes, one switch: every client reaches the server on table[low M bits of its MAC], exactly", () => {
  for (const run of RUNS)
    for (const population of [
      { nics: 2, clients: 8, pattern: "sequential" as const },
      { nics: 3, clients: 64, pattern: "random" as const, seed: 12 },
      { nics: 4, clients: 64, pattern: "random" as const, seed: 14 },
    ]) {
      test(`${label(run)}: ${population.nics} NICs, ${population.clients} clients, ${population.pattern}`, (t) => {
        const scenario = oneSwitchScenario({ ...population, settings: settingsOf(run.mode, run.rehash) });
        const sw = scenario.switches[0];
        const model = sw.managed.model;
        const members = membersOn(scenario, sw);
        const bits = indexBitsOf(sw);
        assert.equal(bits, 8, "one server MAC: the default M is the largest the 256 rules hold");
        const countersBefore = members.map((port) => model.counters(port).txUnicast);
        const started = scenario.network.now;
        startTrunkingTraffic(scenario, { clientIntervalMs: 0.5, serverIntervalMs: 1, count: 40 });
        scenario.network.run(40);
        const bySa = serverArrivalsBySa(scenario, started, Infinity);
        assert.equal(bySa.size, population.clients, "every client reached the server");
        const perMember = new Map<number, number>();
        for (const use of bySa.values()) {
          const expected = patentTableMember(members, bits, [], use.sa);
          assert.deepEqual(use.members, [memberKey(sw, expected)], `${formatMac(use.sa)}: table[${use.sa & (2 ** bits - 1)}] = port ${expected}`);
          const answer = sw.run(() => sw.trunks.predict(TRUNK_GROUP, use.sa));
          assert.equal(answer.tableMember, expected);
          assert.equal(answer.exact, true);
          assert.equal(answer.label, undefined, "no 'predicted' label where the CFP decides");
          assert.equal(cfpRulePort(sw, answer.rule!), expected, "the chip's rule (board side) names the same member");
          perMember.set(expected, (perMember.get(expected) ?? 0) + use.arrivals.length);
        }
        members.forEach((port, m) => assert.equal(model.counters(port).txUnicast - countersBefore[m], perMember.get(port) ?? 0, `port ${port} tx counter`));
        assert.deepEqual(outOfOrderFlows(scenario.server.arrivals), [], "frame order kept");
        for (const client of scenario.clients) assert.equal(client.arrivals.filter((a) => a.accepted && a.frame.sa === SERVER_MAC).length, 40, `${client.name} got every frame`);
        assert.equal(scenario.network.losses.length, 0, "nothing lost on a stable trunk");
        assert.equal(sw.movesOf(SERVER_MAC).length, 0);
        const view = sw.run(() => sw.trunks.show()).trunks[0];
        assert.equal(view.prediction, undefined);
        assert.equal(view.groupMask, run.mode === "cfp" ? members.reduce((mask, port) => mask | (1 << port), 0) : 0);
        t.diagnostic(`frames per member port: ${[...perMember].map(([port, frames]) => `${port}=${frames}`).join(" ")}`);
      });
    }
});

interface CfpFailover {
  scenario: TrunkingScenario;
  pulledPort: number;
  pullAtMs: number;
  inFlightIds: Set<number>;
  otherLosses: string[];
  /** Frames the chip dropped because a rule still named the pulled port (between the link loss and the rewrite). */
  detectionLosses: { atMs: number; sa: number; id: number }[];
  flows: number;
  onPulledBefore: number;
  changedMember: number;
  movedOffOther: number;
  tableChanged: number;
  spiTransactions: number;
}

function cfpFailover(run: { mode: TrunkMode; rehash: boolean }, nics: number, pulledNic: number, clients: number, seed: number): CfpFailover {
  const scenario = oneSwitchScenario({ nics, clients, pattern: "random", seed, settings: settingsOf(run.mode, run.rehash) });
  const sw = scenario.switches[0];
  const members = membersOn(scenario, sw);
  const bits = indexBitsOf(sw);
  const pulledPort = scenario.nicPorts[pulledNic].port;
  const started = scenario.network.now;
  startTrunkingTraffic(scenario, { clientIntervalMs: 0.2, serverIntervalMs: 0.5, count: 400 });
  scenario.network.run(20);
  const comparison = sw.run(() => sw.trunks.compareFailover(TRUNK_GROUP, pulledPort, scenario.clients.map((client) => client.mac)));
  const cable = scenario.server.nics[pulledNic].cable!;
  const pull = pullWhileBusy(scenario.network, cable);
  scenario.network.run(40);
  const before = serverArrivalsBySa(scenario, started, pull.atMs);
  const after = serverArrivalsBySa(scenario, pull.atMs + 1, Infinity);
  let changedMember = 0;
  let onPulledBefore = 0;
  let movedOffOther = 0;
  for (const [sa, use] of before) {
    const wasOnPulled = use.members[0] === memberKey(sw, pulledPort);
    if (wasOnPulled) onPulledBefore++;
    const now = after.get(sa)?.members;
    assert.equal(now?.length, 1, `${formatMac(sa)}: one member after the failover`);
    assert.equal(now![0], memberKey(sw, patentTableMember(members, bits, [pulledPort], sa)), `${formatMac(sa)}: the table after the failover`);
    if (now![0] !== use.members[0]) {
      changedMember++;
      if (!wasOnPulled) movedOffOther++;
    }
  }
  const reprogram = sw.trunks.lastReprogram!;
  return {
    scenario,
    pulledPort,
    pullAtMs: pull.atMs,
    inFlightIds: new Set(pull.inFlight.map((frame) => frame.id)),
    otherLosses: scenario.network.losses
      .filter((loss) => loss.cable !== cable && !(loss.reason === "switch-sent-nowhere" && loss.atMs >= pull.atMs && loss.atMs <= reprogram.doneMs))
      .map((loss) => `${loss.reason} at ${loss.atMs.toFixed(4)} ms`),
    detectionLosses: scenario.network.losses
      .filter((loss) => loss.cable !== cable && loss.reason === "switch-sent-nowhere" && loss.atMs >= pull.atMs && loss.atMs <= reprogram.doneMs)
      .map((loss) => ({ atMs: loss.atMs, sa: loss.frame.sa, id: loss.frame.id })),
    flows: before.size,
    onPulledBefore,
    changedMember,
    movedOffOther,
    tableChanged: comparison.changedByTable,
    spiTransactions: sw.managed.spiRecord.countBetween(pull.atMs, reprogram.doneMs).transactions,
  };
}

describe("CFP modes, one switch: pulling a member mid-traffic moves exactly the failed member's flows", () => {
  for (const run of RUNS)
    for (const [nics, pulledNic, seed] of [
      [2, 1, 51],
      [3, 1, 52],
      [4, 2, 21],
      [4, 0, 23],
    ]) {
      test(`${label(run)}: ${nics} NICs, NIC ${pulledNic} pulled`, (t) => {
        const outcome = cfpFailover(run, nics, pulledNic, 64, seed);
        const { scenario, pulledPort, pullAtMs } = outcome;
        const sw = scenario.switches[0];
        assert.ok(outcome.inFlightIds.size > 0, "the pull caught frames on the wire");
        assert.deepEqual(outcome.otherLosses, [], "no frame lost but on the pulled cable and, until the rules are rewritten, at the pulled port");
        // A CFP destination names one port: until the link monitor's poll sees the loss and the rules move, the chip
        // drops what they send to the dead port (the hash mode's group skips a link-down member by itself, facts
        // §1.4). Those frames are the failed member's clients' only, and stop once the rewrite is done.
        const members = membersOn(scenario, sw);
        const bits = indexBitsOf(sw);
        for (const loss of outcome.detectionLosses)
          assert.equal(patentTableMember(members, bits, [], loss.sa), pulledPort, `${formatMac(loss.sa)} lost at ${loss.atMs.toFixed(4)} ms was on the pulled member`);
        const lostIds = new Set(scenario.network.losses.map((loss) => loss.frame.id));
        for (const id of outcome.inFlightIds) assert.ok(lostIds.has(id), "the frames in flight at the pull are lost");
        assert.equal(lostIds.size, outcome.inFlightIds.size + outcome.detectionLosses.length, "and nothing else");
        assert.deepEqual(outOfOrderFlows(scenario.server.arrivals), []);
        for (const client of scenario.clients) assert.deepEqual(outOfOrderFlows(client.arrivals), []);
        assert.ok(outcome.onPulledBefore > 0);
        assert.equal(outcome.movedOffOther, 0, "no flow on a surviving member moved");
        assert.equal(outcome.changedMember, outcome.onPulledBefore, "every flow on the failed member moved, and only those");
        assert.equal(outcome.changedMember, outcome.tableChanged, "measured = the patent's table");
        const reprogram = sw.trunks.lastReprogram!;
        assert.equal(reprogram.reason, "link-down");
        assert.equal(reprogram.mask & (1 << pulledPort), 0);
        assert.ok(reprogram.doneMs - pullAtMs <= POLL_MS + (reprogram.doneMs - reprogram.startedMs), "within one poll plus the writes");
        t.diagnostic(
          `flows moved: ${outcome.changedMember} of ${outcome.flows} (all on the failed member: ${outcome.onPulledBefore}); ` +
            `link loss -> rules rewritten ${(reprogram.doneMs - pullAtMs).toFixed(4)} ms, ${outcome.spiTransactions} SPI transactions; ` +
            `${outcome.detectionLosses.length} frames of the failed member's clients dropped at its port before the rewrite`,
        );
        // Recovery after the hold-down: the member's rules come back, everything is on its home member again.
        scenario.network.run(200);
        assert.equal(sw.movesOf(SERVER_MAC).length, 0, "no move reported for the server");
        const plugAt = scenario.network.now;
        scenario.network.plug(scenario.server.nics[pulledNic].cable!);
        scenario.network.run(sw.links.settings.upDebounceMs + HOLD_DOWN_MS + 3 * POLL_MS);
        const rejoin = sw.trunks.lastReprogram!;
        assert.equal(scenario.network.losses.filter((loss) => loss.atMs > plugAt).length, 0, "the return loses nothing: the member is in service before its rules come back");
        assert.equal(rejoin.reason, "rejoin");
        assert.ok(rejoin.startedMs >= plugAt + sw.links.settings.upDebounceMs + HOLD_DOWN_MS, "not before debounce + hold-down");
        const since = scenario.network.now;
        scenario.network.run(20);
        for (const use of serverArrivalsBySa(scenario, since, Infinity).values())
          assert.deepEqual(use.members, [memberKey(sw, patentTableMember(members, bits, [], use.sa))], `${formatMac(use.sa)} back on its home member`);
      });
    }
});

describe("CFP modes, one switch: floods", () => {
  for (const run of RUNS)
    test(`${label(run)}: broadcasts and unknown unicast from every client are taken once by the server; the server's own broadcasts never come back`, () => {
      const scenario = oneSwitchScenario({ nics: 4, clients: 32, pattern: "random", seed: 31, settings: settingsOf(run.mode, run.rehash) });
      const nobody = macFromOui(VENDOR_OUIS.broadcom, 0xdead01);
      const start = scenario.network.now;
      scenario.clients.forEach((client, i) => {
        scenario.network.at(start + i * 0.05, () => scenario.network.send(client, { da: BROADCAST_MAC, ethertype: 0x0806, length: 64 }));
        scenario.network.at(start + 5 + i * 0.05, () => scenario.network.send(client, { da: nobody, length: 128 }));
      });
      scenario.network.at(start + 10, () => scenario.network.send(scenario.server, { da: BROADCAST_MAC, ethertype: 0x0806, length: 64 }));
      scenario.network.run(20);
      const copies = scenario.server.arrivals.filter((arrival) => arrival.frame.da === BROADCAST_MAC && arrival.frame.sa !== SERVER_MAC);
      const taken = copies.filter((arrival) => arrival.accepted);
      assert.equal(taken.length, scenario.clients.length, "one broadcast taken per client frame");
      assert.equal(new Set(taken.map((arrival) => arrival.frame.id)).size, scenario.clients.length);
      if (run.mode === "cfp") assert.equal(copies.length, scenario.clients.length, "the trunk group gives one copy, on one member");
      else assert.equal(copies.length, 4 * scenario.clients.length, "no trunk group: a copy on every member, taken on one");
      assert.equal(scenario.server.arrivals.filter((arrival) => arrival.frame.da === nobody && arrival.accepted).length, 0);
      assert.equal(scenario.server.arrivals.filter((arrival) => arrival.frame.sa === SERVER_MAC).length, 0, "the server's broadcast did not loop back to it");
      assert.equal(scenario.clients.filter((client) => client.arrivals.some((a) => a.frame.sa === SERVER_MAC && a.frame.da === BROADCAST_MAC)).length, scenario.clients.length, "every client got the server's broadcast");
    });
});

describe("CFP modes: the switch chip is power-cycled under traffic", () => {
  for (const run of RUNS)
    test(`${label(run)}: the rules come back with the trunk; every client is back on table[low M bits]`, (t) => {
      const scenario = oneSwitchScenario({ nics: 4, clients: 32, pattern: "random", seed: 17, settings: settingsOf(run.mode, run.rehash) });
      const sw = scenario.switches[0];
      const model = sw.managed.model;
      startTrunkingTraffic(scenario, { clientIntervalMs: 1, serverIntervalMs: 1, count: 400 });
      scenario.network.run(50);
      const state = () => ({
        registers: [model.register(0x32, 0x00), model.register(0x32, 0x10), model.register(0x00, 0x3c), model.register(0xa1, 0x00)],
        rules: model.cfpRules().map((rule) => ({ index: rule.index, data: rule.data, mask: rule.mask, action: rule.action })),
        portVlanMasks: [0, 1, 2, 3, 4].map((port) => model.register(0x31, 2 * port)),
      });
      const before = state();
      assert.equal(before.rules.length, 256);
      model.powerCycle();
      scenario.network.run(150);
      assert.equal(sw.managed.firmware.chipResets, 1);
      assert.deepEqual(state(), before, "registers, rules and port-based VLAN masks are back");
      const since = scenario.network.now;
      scenario.network.run(100);
      const members = membersOn(scenario, sw);
      const bySa = serverArrivalsBySa(scenario, since, Infinity);
      assert.equal(bySa.size, scenario.clients.length);
      for (const use of bySa.values()) assert.deepEqual(use.members, [memberKey(sw, patentTableMember(members, 8, [], use.sa))]);
      assert.equal(sw.movesOf(SERVER_MAC).length, 0);
      t.diagnostic(`${before.rules.length} rules written again after the power cycle`);
    });
});

describe("CFP modes, two switches: each client reaches the server through its own switch's table", () => {
  for (const run of RUNS)
    for (const population of [
      { nics: 2, clients: 16, pattern: "sequential" as const },
      { nics: 4, clients: 64, pattern: "random" as const, seed: 42 },
    ]) {
      test(`${label(run)}: ${population.nics} NICs split, ${population.clients} clients`, () => {
        const scenario = twoSwitchScenario({ ...population, settings: settingsOf(run.mode, run.rehash) });
        const started = scenario.network.now;
        startTrunkingTraffic(scenario, { clientIntervalMs: 0.5, serverIntervalMs: 0.5, count: 60 });
        scenario.network.run(150);
        const bySa = serverArrivalsBySa(scenario, started, Infinity);
        assert.equal(bySa.size, population.clients);
        scenario.clients.forEach((client) => {
          const sw = client.name.startsWith("lanA") ? scenario.switches[0] : scenario.switches[1];
          const members = membersOn(scenario, sw);
          const expected = patentTableMember(members, indexBitsOf(sw), [], client.mac);
          assert.deepEqual(bySa.get(client.mac)!.members, [memberKey(sw, expected)], `${client.name}`);
        });
        assert.deepEqual(outOfOrderFlows(scenario.server.arrivals), []);
        for (const client of scenario.clients)
          assert.equal(client.arrivals.filter((arrival) => arrival.accepted && arrival.frame.sa === SERVER_MAC).length, 60, `${client.name} got every frame`);
        assert.equal(scenario.network.losses.filter((loss) => loss.reason !== "switch-sent-nowhere").length, 0);
        for (const sw of scenario.switches) assert.equal(sw.movesOf(SERVER_MAC).length, 0);
      });
    }
});

/** A switch's CFP rules as the board reads them: key (data, mask) and action words, without the hit counters. */
function rulesOf(sw: TrunkingSwitch): { index: number; data: number[]; mask: number[]; action: [number, number] }[] {
  return sw.managed.model.cfpRules().map((rule) => ({ index: rule.index, data: rule.data, mask: rule.mask, action: rule.action }));
}

/** How many of a fresh table's 2^bits entries name each member (after `failed` fail), port -> entries. */
function tableShares(members: readonly number[], bits: number, failed: readonly number[]): Map<number, number> {
  const shares = new Map<number, number>();
  for (let index = 0; index < 2 ** bits; index++) {
    const port = patentTableMember(members, bits, failed, index);
    shares.set(port, (shares.get(port) ?? 0) + 1);
  }
  return shares;
}

/** How many of a switch's rules send to each port (board side), port -> rules. */
function ruleShares(sw: TrunkingSwitch): Map<number, number> {
  const shares = new Map<number, number>();
  for (const rule of sw.managed.model.cfpRules()) {
    const port = cfpRulePort(sw, rule.index);
    shares.set(port, (shares.get(port) ?? 0) + 1);
  }
  return shares;
}

// The two-switch failover of two-switches.test.ts ("a member fails on one switch ...") in the CFP modes: switch A
// holds NICs 0-1 on its ports 0-1, switch B NICs 2-3 on its ports 0-1; NIC 1 (switch A port 1) is pulled mid-traffic.
describe("CFP modes, two switches: a member fails on one switch mid-traffic", () => {
  for (const run of RUNS)
    test(`${label(run)}: exactly the failed member's flows move, only its clients' frames are lost, that switch rewrites only its rules within one poll, the other is untouched; the return brings them back`, (t) => {
      const scenario = twoSwitchScenario({ nics: 4, clients: 32, pattern: "random", seed: 44, settings: settingsOf(run.mode, run.rehash) });
      const { network } = scenario;
      const [a, b] = scenario.switches;
      const pulledNic = 1;
      const pulledPort = scenario.nicPorts[pulledNic].port;
      assert.equal(scenario.nicPorts[pulledNic].switch, a);
      const members = { a: membersOn(scenario, a), b: membersOn(scenario, b) };
      const bits = { a: indexBitsOf(a), b: indexBitsOf(b) };
      const homeOf = (sa: number): TrunkingSwitch => (scenario.clients.find((client) => client.mac === sa)!.name.startsWith("lanA") ? a : b);
      /** The member a client's frames must take, from a fresh patent table of its own switch (never the firmware's). */
      const tableMember = (sa: number, failed: readonly number[]): string => {
        const sw = homeOf(sa);
        return memberKey(sw, sw === a ? patentTableMember(members.a, bits.a, failed, sa) : patentTableMember(members.b, bits.b, [], sa));
      };
      const rulesBefore = { a: rulesOf(a), b: rulesOf(b) };
      const portsBefore = new Map(rulesBefore.a.map((rule) => [rule.index, cfpRulePort(a, rule.index)]));
      const bTrunkBefore = b.run(() => b.trunks.show());

      const started = network.now;
      startTrunkingTraffic(scenario, { clientIntervalMs: 0.2, serverIntervalMs: 0.5, count: 400 });
      network.run(20);
      assert.equal(network.losses.length, 0, "nothing lost before the pull");
      const cable = scenario.server.nics[pulledNic].cable!;
      const pull = pullWhileBusy(network, cable);
      network.run(40);
      const reprogram = a.trunks.lastReprogram!;
      assert.equal(reprogram.reason, "link-down");
      assert.equal(reprogram.port, pulledPort);
      assert.equal(reprogram.mask & (1 << pulledPort), 0);
      assert.ok(reprogram.doneMs - pull.atMs <= POLL_MS + (reprogram.doneMs - reprogram.startedMs), "within one poll plus the rule writes");

      // Flows, measured with frames: before the pull every client on its own switch's table; after it, the failed
      // member's clients on the fresh table with the member failed, every other client where it was.
      const before = serverArrivalsBySa(scenario, started, pull.atMs);
      const after = serverArrivalsBySa(scenario, pull.atMs + 1, Infinity);
      assert.equal(before.size, scenario.clients.length);
      let onPulledBefore = 0;
      let moved = 0;
      let movedOffOther = 0;
      let tableMoved = 0;
      for (const [sa, use] of before) {
        assert.deepEqual(use.members, [tableMember(sa, [])], `${formatMac(sa)} before the pull`);
        const wasOnPulled = use.members[0] === memberKey(a, pulledPort);
        if (wasOnPulled) onPulledBefore++;
        if (tableMember(sa, [pulledPort]) !== tableMember(sa, [])) tableMoved++;
        const now = after.get(sa)?.members;
        assert.equal(now?.length, 1, `${formatMac(sa)}: one member after the failover`);
        assert.equal(now![0], tableMember(sa, [pulledPort]), `${formatMac(sa)}: the table after the failover`);
        if (now![0] !== use.members[0]) {
          moved++;
          if (!wasOnPulled) movedOffOther++;
        }
      }
      assert.ok(onPulledBefore > 0);
      assert.equal(movedOffOther, 0, "no flow on a surviving member or on the other switch moved");
      assert.equal(moved, onPulledBefore, "every flow on the failed member moved, and only those");
      assert.equal(moved, tableMoved, "measured = a fresh patent table");

      // Frames lost: those on the pulled cable at the pull, and (a CFP destination names one port) what switch A's
      // rules sent to the dead port until its link poll saw the loss and the rules were rewritten: the failed
      // member's clients' frames only, none after the rewrite.
      const inFlightIds = new Set(pull.inFlight.map((frame) => frame.id));
      assert.ok(inFlightIds.size > 0, "the pull caught frames on the wire");
      const detection = network.losses.filter((loss) => loss.reason === "switch-sent-nowhere");
      for (const loss of detection) {
        assert.equal(loss.egress?.node, a.node, "dropped on the switch that lost the member");
        assert.equal(loss.frame.da, SERVER_MAC);
        assert.ok(loss.atMs >= pull.atMs && loss.atMs <= reprogram.doneMs, `dropped at ${loss.atMs.toFixed(4)} ms, between the pull and the rewrite`);
        assert.equal(homeOf(loss.frame.sa), a, `${formatMac(loss.frame.sa)} is switch A's client`);
        assert.equal(patentTableMember(members.a, bits.a, [], loss.frame.sa), pulledPort, `${formatMac(loss.frame.sa)} was on the pulled member`);
      }
      const lostIds = new Set(network.losses.map((loss) => loss.frame.id));
      for (const id of inFlightIds) assert.ok(lostIds.has(id), "the frames in flight at the pull are lost");
      assert.ok(network.losses.filter((loss) => loss.reason !== "switch-sent-nowhere").every((loss) => loss.cable === cable), "other losses only on the pulled cable");
      assert.equal(lostIds.size, inFlightIds.size + detection.length, "and nothing else");
      const lostClients = new Set(detection.map((loss) => loss.frame.sa));
      assert.deepEqual(outOfOrderFlows(scenario.server.arrivals), []);
      for (const client of scenario.clients) assert.deepEqual(outOfOrderFlows(client.arrivals), []);

      // Switch A rewrote the failed member's rules, only their actions, to the fresh table's members; B touched nothing.
      const rulesAfter = rulesOf(a);
      assert.deepEqual(rulesAfter.map((rule) => [rule.index, rule.data, rule.mask]), rulesBefore.a.map((rule) => [rule.index, rule.data, rule.mask]), "switch A: keys unchanged");
      const rewritten = rulesAfter.filter((rule, i) => rule.action[0] !== rulesBefore.a[i].action[0] || rule.action[1] !== rulesBefore.a[i].action[1]);
      assert.deepEqual(
        rewritten.map((rule) => rule.index),
        rulesBefore.a.filter((rule) => portsBefore.get(rule.index) === pulledPort).map((rule) => rule.index),
        "switch A rewrote exactly the rules that sent to the failed member",
      );
      for (const rule of rewritten) assert.notEqual(cfpRulePort(a, rule.index), pulledPort);
      assert.equal(rewritten.length, tableShares(members.a, bits.a, []).get(pulledPort), "as many rules rewritten as the table has entries on the failed member");
      assert.deepEqual(ruleShares(a), tableShares(members.a, bits.a, [pulledPort]), "switch A's rules = a fresh table with the member failed");
      assert.deepEqual(rulesOf(b), rulesBefore.b, "switch B's rules untouched");
      const bTrunkAfter = b.run(() => b.trunks.show());
      assert.equal(bTrunkAfter.reprograms, bTrunkBefore.reprograms, "switch B did not reprogram");
      assert.equal(bTrunkAfter.serverEntryRepairs, bTrunkBefore.serverEntryRepairs);
      const spi = a.managed.spiRecord.countBetween(pull.atMs, reprogram.doneMs).transactions;

      // Recovery: the member comes back under fresh traffic; after debounce + hold-down its rules return, nothing is
      // lost, every client is on its home member again, and switch B still untouched.
      const plugAt = network.now;
      const settings = a.links.settings;
      const recoveryMs = settings.upDebounceMs + HOLD_DOWN_MS + 3 * POLL_MS;
      startTrunkingTraffic(scenario, { clientIntervalMs: 2, serverIntervalMs: 2, count: Math.ceil(recoveryMs / 2) + 10 });
      network.plug(cable);
      network.run(recoveryMs);
      const rejoin = a.trunks.lastReprogram!;
      assert.equal(rejoin.reason, "rejoin");
      assert.ok(rejoin.startedMs >= plugAt + settings.upDebounceMs + HOLD_DOWN_MS, "not before debounce + hold-down");
      assert.equal(network.losses.filter((loss) => loss.atMs >= plugAt).length, 0, "the return loses nothing");
      assert.deepEqual(rulesOf(a), rulesBefore.a, "switch A's rules are as before the failure");
      assert.deepEqual(rulesOf(b), rulesBefore.b, "switch B's rules untouched");
      assert.equal(b.run(() => b.trunks.show()).reprograms, bTrunkBefore.reprograms);
      network.run(20);
      const back = serverArrivalsBySa(scenario, rejoin.doneMs, Infinity);
      assert.equal(back.size, scenario.clients.length, "every client reached the server after the return");
      let returned = 0;
      for (const [sa, use] of back) {
        assert.deepEqual(use.members, [tableMember(sa, [])], `${formatMac(sa)} back on its home member`);
        if (use.members[0] !== after.get(sa)!.members[0]) returned++;
      }
      assert.equal(returned, moved, "exactly the moved flows returned");
      assert.deepEqual(outOfOrderFlows(scenario.server.arrivals), []);
      for (const sw of [a, b]) assert.equal(sw.movesOf(SERVER_MAC).length, 0, `${sw.name}: no move reported for the server`);
      t.diagnostic(
        `flows moved: ${moved} of ${before.size} (all on the failed member: ${onPulledBefore}; fresh table: ${tableMoved}); ` +
          `switch A rewrote ${rewritten.length} of ${rulesAfter.length} rules ${(reprogram.doneMs - pull.atMs).toFixed(4)} ms after the pull, ${spi} SPI transactions; ` +
          `frames lost: ${inFlightIds.size} in flight + ${detection.length} from ${lostClients.size} of the failed member's clients, dropped at the dead port before the rewrite; ` +
          `${returned} flows returned after the hold-down`,
      );
    });
});
