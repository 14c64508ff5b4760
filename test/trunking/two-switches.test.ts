// Issue #3, proof 2: two BCM53125 switches, each running its own firmware instance, the server's NICs split across
// them, a switch-to-switch link (port 3 on both) between them; clients behind port 4 of each.
import assert from "node:assert/strict";
import { describe, test } from "node:test";
import { BROADCAST_MAC, formatMac } from "../../modules/mac";
import { macFromOui, VENDOR_OUIS } from "../../hosts/sim/network";
import {
  INTER_SWITCH_PORT,
  modelMappedMember,
  SERVER_MAC,
  startTrunkingTraffic,
  TRUNK_GROUP,
  twoSwitchScenario,
  type TrunkingScenario,
  type TrunkingSwitch,
} from "../../hosts/sim/network/trunking-scenarios";
import { memberKey, outOfOrderFlows, pullWhileBusy, serverArrivalsBySa } from "./helpers";

const POLL_MS = 10;
const SETTINGS = { holdDownMs: 200, moves: { scanIntervalMs: 100 } };

function localMembers(scenario: TrunkingScenario, sw: TrunkingSwitch): number {
  return scenario.nicPorts.filter((entry) => entry.switch === sw).reduce((mask, entry) => mask | (1 << entry.port), 0);
}

/** The switch a client's access network hangs off. */
function homeSwitchOf(scenario: TrunkingScenario, clientIndex: number): TrunkingSwitch {
  return scenario.clients[clientIndex].name.startsWith("lanA") ? scenario.switches[0] : scenario.switches[1];
}

describe("two switches: the same guarantees", () => {
  for (const population of [
    { nics: 2, clients: 16, pattern: "sequential" as const },
    { nics: 3, clients: 32, pattern: "random" as const, seed: 41 },
    { nics: 4, clients: 64, pattern: "random" as const, seed: 42 },
  ]) {
    test(`${population.nics} NICs split, ${population.clients} clients (${population.pattern}): mapped member, stable pairs, order, no server move on either switch`, (t) => {
      const scenario = twoSwitchScenario({ ...population, settings: SETTINGS });
      const [a, b] = scenario.switches;
      const started = scenario.network.now;
      startTrunkingTraffic(scenario, { clientIntervalMs: 0.5, serverIntervalMs: 0.5, count: 60 });
      scenario.network.run(150);
      const bySa = serverArrivalsBySa(scenario, started, Infinity);
      assert.equal(bySa.size, population.clients);
      scenario.clients.forEach((client, i) => {
        const use = bySa.get(client.mac)!;
        const sw = homeSwitchOf(scenario, i);
        assert.equal(use.members.length, 1, `${client.name}: one member while stable`);
        const mask = localMembers(scenario, sw);
        const expected = mask & (mask - 1) ? modelMappedMember(sw, mask, SERVER_MAC, client.mac) : 31 - Math.clz32(mask);
        assert.equal(use.members[0], memberKey(sw, expected), `${client.name} reaches the server through its own switch's trunk`);
        assert.equal(sw.run(() => sw.trunks.predict(TRUNK_GROUP, client.mac)).predictedChipMember, expected);
      });
      assert.deepEqual(outOfOrderFlows(scenario.server.arrivals), []);
      for (const client of scenario.clients) {
        assert.equal(client.arrivals.filter((arrival) => arrival.accepted && arrival.frame.sa === SERVER_MAC).length, 60, `${client.name} got every frame`);
        assert.deepEqual(outOfOrderFlows(client.arrivals), []);
      }
      assert.equal(scenario.network.losses.filter((loss) => loss.reason !== "switch-sent-nowhere").length, 0);
      // The server's MAC arrived over the switch-to-switch link on both switches, and on their trunk members...
      for (const sw of [a, b]) {
        const overLink = sw.node.ingressBySa.get(INTER_SWITCH_PORT)?.get(SERVER_MAC) ?? 0;
        assert.ok(overLink > 0, `${sw.name} saw the server's MAC over the switch-to-switch link (${overLink} frames)`);
        // ...yet no move is reported, no record kept, no log line written.
        assert.equal(sw.movesOf(SERVER_MAC).length, 0, `${sw.name}: no move notification for the server`);
        assert.ok(sw.run(() => sw.moves.show()).records.every((record) => record.mac !== formatMac(SERVER_MAC)));
        assert.equal(sw.managed.logLines(/flapping/).length, 0);
        assert.ok(sw.moves.show().stats.scans >= 1);
      }
      const accepted = scenario.clients.reduce((sum, client) => sum + client.arrivals.filter((arrival) => arrival.accepted).length, 0);
      const floodedCopies = scenario.clients.reduce((sum, client) => sum + client.arrivals.filter((arrival) => !arrival.accepted).length, 0);
      t.diagnostic(`server frames over the switch-to-switch link: A ${a.node.ingressBySa.get(INTER_SWITCH_PORT)?.get(SERVER_MAC)}, B ${b.node.ingressBySa.get(INTER_SWITCH_PORT)?.get(SERVER_MAC)}; ` +
        `clients took ${accepted} frames meant for them and ${floodedCopies} flooded copies meant for others (learning is off on the switch-to-switch port)`);
    });
  }

  test("broadcasts: each switch's trunk gets exactly one copy, on its mapped member", (t) => {
    const scenario = twoSwitchScenario({ nics: 4, clients: 16, pattern: "random", seed: 43, settings: SETTINGS });
    const start = scenario.network.now;
    scenario.clients.forEach((client, i) => scenario.network.at(start + i * 0.05, () => scenario.network.send(client, { da: BROADCAST_MAC, ethertype: 0x0806, length: 64 })));
    scenario.network.run(10);
    const copies = scenario.server.arrivals.filter((arrival) => arrival.frame.da === BROADCAST_MAC);
    for (const client of scenario.clients) {
      const mine = copies.filter((copy) => copy.frame.sa === client.mac);
      for (const sw of scenario.switches) {
        const viaSw = mine.filter((copy) => scenario.nicPorts[copy.nic].switch === sw);
        assert.equal(viaSw.length, 1, `${client.name}'s broadcast reaches ${sw.name}'s trunk on exactly one member`);
        assert.equal(scenario.nicPorts[viaSw[0].nic].port, modelMappedMember(sw, localMembers(scenario, sw), BROADCAST_MAC, client.mac));
      }
    }
    t.diagnostic(`the server receives ${copies.length / scenario.clients.length} copies of each broadcast: one per switch (see docs/trunking.md)`);
  });

  test("a member fails on one switch: only its in-flight frames are lost, that switch reprograms within one poll, the other is untouched", (t) => {
    const scenario = twoSwitchScenario({ nics: 4, clients: 32, pattern: "random", seed: 44, settings: SETTINGS });
    const [a, b] = scenario.switches;
    startTrunkingTraffic(scenario, { clientIntervalMs: 0.2, serverIntervalMs: 0.5, count: 400 });
    scenario.network.run(20);
    const bReprogramsBefore = b.trunks.show().reprograms;
    const cable = scenario.server.nics[1].cable!; // switch A port 1
    const pull = pullWhileBusy(scenario.network, cable);
    scenario.network.run(60);
    const lost = scenario.network.losses.filter((loss) => loss.reason !== "switch-sent-nowhere");
    assert.ok(pull.inFlight.length > 0);
    assert.deepEqual(new Set(lost.map((loss) => loss.frame.id)), new Set(pull.inFlight.map((frame) => frame.id)));
    assert.ok(lost.every((loss) => loss.cable === cable));
    const reprogram = a.trunks.lastReprogram!;
    assert.equal(reprogram.reason, "link-down");
    assert.ok(reprogram.doneMs - pull.atMs <= POLL_MS + (reprogram.doneMs - reprogram.startedMs));
    assert.equal(b.trunks.show().reprograms, bReprogramsBefore, "switch B did not touch its trunk");
    assert.deepEqual(outOfOrderFlows(scenario.server.arrivals), []);
    scenario.network.run(200);
    for (const sw of [a, b]) assert.equal(sw.movesOf(SERVER_MAC).length, 0);
    t.diagnostic(`switch A reprogrammed ${(reprogram.doneMs - pull.atMs).toFixed(4)} ms after the pull; ${pull.inFlight.length} frame(s) lost, all on the pulled cable`);
  });

  test("with learning off on the switch-to-switch port (the default), a client moving from A to B goes unseen", (t) => {
    // The price of the default under the pessimistic assumption: documented in docs/trunking.md. Pinned here so a
    // change of default or of the model's assumption shows up.
    const scenario = twoSwitchScenario({ nics: 2, clients: 8, pattern: "sequential", settings: { holdDownMs: 200, moves: { scanIntervalMs: 50, threshold: 1 } } });
    const [a, b] = scenario.switches;
    const { network } = scenario;
    const roamer = network.addClient("roamer", macFromOui(VENDOR_OUIS.intel, 0x7700aa));
    const cable = network.connect(roamer.nic(0), a.node.port(2));
    network.startFlow({ from: roamer, to: SERVER_MAC, intervalMs: 1, count: 400 });
    network.run(100);
    network.recable(cable, roamer.nic(0), b.node.port(2));
    network.run(200);
    assert.equal(a.movesOf(roamer.mac).length + b.movesOf(roamer.mac).length, 0);
    t.diagnostic("neither switch reports the move: A never learns over the link, B never knew the client before");
  });
});

describe("two switches, learning on over the switch-to-switch link, on silicon where static entries block re-learning", () => {
  const SILICON = { staticEntryBlocksRelearn: true };
  const LEARNING = { ...SETTINGS, interSwitchLearning: true, assumptions: SILICON };

  test("the same guarantees, no server move on either switch, and no flooding once clients are learned", (t) => {
    const scenario = twoSwitchScenario({ nics: 4, clients: 32, pattern: "random", seed: 45, settings: LEARNING });
    const [a, b] = scenario.switches;
    for (const sw of [a, b]) assert.equal(sw.trunks.show().trunks[0].interSwitchLearning, true);
    // Let every client speak once so both switches learn where it is, then measure.
    const warmup = scenario.network.now;
    // Hosts announce themselves with a broadcast (ARP), as they do: every switch and bridge learns where each one is.
    scenario.network.at(warmup, () => scenario.network.send(scenario.server, { da: BROADCAST_MAC, ethertype: 0x0806, length: 64 }));
    scenario.clients.forEach((client, i) => scenario.network.at(warmup + (i + 1) * 0.05, () => scenario.network.send(client, { da: BROADCAST_MAC, ethertype: 0x0806, length: 64 })));
    scenario.network.run(20);
    const floodedBefore = scenario.clients.reduce((sum, client) => sum + client.arrivals.filter((arrival) => !arrival.accepted).length, 0);
    const started = scenario.network.now;
    startTrunkingTraffic(scenario, { clientIntervalMs: 0.5, serverIntervalMs: 0.5, count: 60 });
    scenario.network.run(150);
    const bySa = serverArrivalsBySa(scenario, started, Infinity);
    scenario.clients.forEach((client, i) => {
      const use = bySa.get(client.mac)!;
      const sw = homeSwitchOf(scenario, i);
      const mask = localMembers(scenario, sw);
      assert.equal(use.members.length, 1, `${client.name}: one member while stable`);
      assert.equal(use.members[0], memberKey(sw, modelMappedMember(sw, mask, SERVER_MAC, client.mac)), `${client.name} reaches the server through its own switch's trunk`);
    });
    assert.deepEqual(outOfOrderFlows(scenario.server.arrivals), []);
    for (const client of scenario.clients)
      assert.equal(client.arrivals.filter((arrival) => arrival.accepted && arrival.frame.sa === SERVER_MAC && arrival.atMs >= started).length, 60, `${client.name} got every frame`);
    for (const sw of [a, b]) {
      assert.ok((sw.node.ingressBySa.get(INTER_SWITCH_PORT)?.get(SERVER_MAC) ?? 0) > 0, `${sw.name} saw the server over the link`);
      assert.equal(sw.movesOf(SERVER_MAC).length, 0, `${sw.name}: no move notification for the server`);
      assert.equal(sw.managed.logLines(/flapping/).length, 0);
      assert.equal(sw.trunks.show().serverEntryRepairs, 0, `${sw.name}: the server's static entry never had to be re-pinned`);
    }
    const flooded = scenario.clients.reduce((sum, client) => sum + client.arrivals.filter((arrival) => !arrival.accepted).length, 0) - floodedBefore;
    assert.equal(flooded, 0, "no unicast is flooded once both switches know every client");
    t.diagnostic(`flooded copies during the measured traffic: ${flooded} (with learning off: thousands, see the test above)`);
  });

  test("a client that moves from switch A to switch B is reported", () => {
    const scenario = twoSwitchScenario({ nics: 2, clients: 8, pattern: "sequential", settings: { ...LEARNING, moves: { scanIntervalMs: 50, threshold: 1 } } });
    const [a, b] = scenario.switches;
    const { network } = scenario;
    const roamer = network.addClient("roamer", macFromOui(VENDOR_OUIS.intel, 0x7700aa));
    const cable = network.connect(roamer.nic(0), a.node.port(2));
    // Hosts announce themselves with a broadcast (ARP) when their link comes up: both switches learn where they are.
    const announce = () => network.send(roamer, { da: BROADCAST_MAC, ethertype: 0x0806, length: 64 });
    network.at(network.now + 1, announce);
    network.startFlow({ from: roamer, to: SERVER_MAC, intervalMs: 1, count: 400 });
    network.startFlow({ from: scenario.server, to: roamer.mac, intervalMs: 1, count: 400 });
    network.run(100);
    network.recable(cable, roamer.nic(0), b.node.port(2));
    network.at(network.now + 1, announce);
    network.run(200);
    const onA = a.movesOf(roamer.mac);
    const onB = b.movesOf(roamer.mac);
    assert.ok(onA.some((move) => move.fromPort === 2 && move.toPort === INTER_SWITCH_PORT), "A: from its port 2 to the link");
    assert.ok(onB.some((move) => move.fromPort === INTER_SWITCH_PORT && move.toPort === 2), "B: from the link to its port 2");
    assert.equal(a.movesOf(SERVER_MAC).length + b.movesOf(SERVER_MAC).length, 0);
  });
});

describe("two switches: every server link of one switch fails", () => {
  for (const mode of ["hash", "cfp", "cfp-isolated"] as const) {
    test(`mode ${mode}: that switch's clients reach the server over the switch-to-switch link, and the server's entry comes back when a member does`, () => {
      // Four NICs split 2 + 2: switch A holds NICs 0 and 1. Both of A's cables are pulled under traffic.
      const scenario = twoSwitchScenario({ nics: 4, clients: 16, pattern: "sequential", settings: { ...SETTINGS, mode } });
      const [a] = scenario.switches;
      const aCables = scenario.nicPorts.flatMap((entry, nic) => (entry.switch === a ? [scenario.server.nics[nic].cable!] : []));
      assert.equal(aCables.length, 2);
      const aClients = scenario.clients.filter((_, index) => homeSwitchOf(scenario, index) === a);
      startTrunkingTraffic(scenario, { clientIntervalMs: 0.5, serverIntervalMs: 0.5, count: 1200 });
      scenario.network.run(20);
      for (const cable of aCables) scenario.network.pull(cable);
      // One link poll sees the loss; from then on nothing toward the server is dropped at A.
      scenario.network.run(2 * POLL_MS);
      const settledAt = scenario.network.now;
      scenario.network.run(100);
      const droppedAfter = scenario.network.losses.filter((loss) => loss.atMs > settledAt && loss.reason === "switch-sent-nowhere" && loss.frame.da === SERVER_MAC);
      assert.deepEqual(droppedAfter.map((loss) => formatMac(loss.frame.sa)), [], "frames toward the server dropped at A after the failover");
      const arrivedAfter = new Set(scenario.server.arrivals.filter((arrival) => arrival.accepted && arrival.atMs > settledAt).map((arrival) => arrival.frame.sa));
      for (const client of aClients) assert.ok(arrivedAfter.has(client.mac), `${formatMac(client.mac)} (behind switch A) reaches the server through B`);
      const entry = a.managed.model.arlEntries().find((candidate) => candidate.mac === SERVER_MAC);
      assert.equal(entry?.port, INTER_SWITCH_PORT, "A's static entry for the server points at the switch-to-switch port");
      assert.ok(entry?.isStatic);
      // One of A's members comes back: after the hold-down the entry points at it again.
      scenario.network.plug(aCables[0]);
      scenario.network.run(SETTINGS.holdDownMs + 200);
      const back = a.managed.model.arlEntries().find((candidate) => candidate.mac === SERVER_MAC);
      assert.notEqual(back?.port, INTER_SWITCH_PORT);
      assert.ok(((localMembers(scenario, a) >>> back!.port) & 1) === 1, `entry on port ${back?.port}`);
      for (const sw of scenario.switches) assert.equal(sw.movesOf(SERVER_MAC).length, 0);
    });
  }
});
