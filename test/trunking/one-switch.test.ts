// Issue #3, proof 1: one BCM53125 switch running its own firmware (LinkMonitor, TrunkService, MoveMonitor) over the
// model; a server whose 2, 3 or 4 NICs carry one MAC on a trunk; 8 to 64 clients with vendor OUIs behind access
// bridges. Only the board side is used: cables, frames, the model's counters and named assumption, and the
// services' public commands (as the console would call them).
import assert from "node:assert/strict";
import { describe, test } from "node:test";
import { BROADCAST_MAC, formatMac } from "../../modules/mac";
import { macFromOui, VENDOR_OUIS } from "../../hosts/sim/network";
import {
  CLIENT_UPLINK_PORT,
  modelMappedMember,
  oneSwitchScenario,
  SERVER_MAC,
  startTrunkingTraffic,
  TRUNK_GROUP,
  type TrunkingScenario,
} from "../../hosts/sim/network/trunking-scenarios";
import { memberKey, outOfOrderFlows, pullWhileBusy, serverArrivalsBySa } from "./helpers";

const POLL_MS = 10;
const HOLD_DOWN_MS = 200;
const SETTINGS = { holdDownMs: HOLD_DOWN_MS, moves: { scanIntervalMs: 100 } };

const POPULATIONS = [
  { nics: 2, clients: 8, pattern: "sequential" as const },
  { nics: 2, clients: 64, pattern: "random" as const, seed: 11 },
  { nics: 3, clients: 24, pattern: "random" as const, seed: 12 },
  { nics: 3, clients: 64, pattern: "sequential" as const },
  { nics: 4, clients: 8, pattern: "random" as const, seed: 13 },
  { nics: 4, clients: 64, pattern: "random" as const, seed: 14 },
];

function memberMaskOf(scenario: TrunkingScenario): number {
  return scenario.nicPorts.reduce((mask, entry) => mask | (1 << entry.port), 0);
}

describe("one switch: every client reaches the server on the member the chip's mapping names", () => {
  for (const population of POPULATIONS) {
    test(`${population.nics} NICs, ${population.clients} clients, ${population.pattern} low bits`, (t) => {
      const scenario = oneSwitchScenario({ ...population, settings: SETTINGS });
      const sw = scenario.switches[0];
      const model = sw.managed.model;
      const countersBefore = scenario.nicPorts.map((entry) => model.counters(entry.port).txUnicast);
      const started = scenario.network.now;
      startTrunkingTraffic(scenario, { clientIntervalMs: 0.5, serverIntervalMs: 1, count: 40 });
      scenario.network.run(40);
      const bySa = serverArrivalsBySa(scenario, started, Infinity);
      assert.equal(bySa.size, population.clients, "every client reached the server");
      const mask = memberMaskOf(scenario);
      let predictedAgree = 0;
      const perMember = new Map<number, number>();
      for (const use of bySa.values()) {
        assert.equal(use.members.length, 1, `${formatMac(use.sa)} used one member while the trunk was stable (${use.members.join(", ")})`);
        const expected = modelMappedMember(sw, mask, SERVER_MAC, use.sa);
        assert.equal(use.members[0], memberKey(sw, expected), `${formatMac(use.sa)}: the model's assumption names port ${expected}`);
        const prediction = sw.run(() => sw.trunks.predict(TRUNK_GROUP, use.sa));
        assert.match(prediction.label ?? "", /^predicted \(assumption BCM53125_TRUNK_MEMBER_BY_SA_LOW_BITS/);
        if (prediction.predictedChipMember === expected) predictedAgree++;
        perMember.set(expected, (perMember.get(expected) ?? 0) + use.arrivals.length);
      }
      assert.equal(predictedAgree, population.clients, "the firmware's prediction matches the model on every client");
      // The chip's own counters say the same: tx unicast on each member = frames the server took in on that NIC.
      const view = sw.run(() => sw.trunks.show({ counters: true })).trunks[0];
      scenario.nicPorts.forEach((entry, nic) => {
        const measured = model.counters(entry.port).txUnicast - countersBefore[nic];
        assert.equal(measured, perMember.get(entry.port) ?? 0, `port ${entry.port} tx counter`);
        const fromFirmware = view.memberPorts.find((member) => member.port === entry.port)?.measured?.txUnicast;
        assert.equal(fromFirmware, model.counters(entry.port).txUnicast, "the firmware reads the same counter over SPI");
      });
      assert.deepEqual(outOfOrderFlows(scenario.server.arrivals), [], "frame order kept");
      assert.equal(scenario.network.losses.length, 0, "nothing lost on a stable trunk");
      assert.equal(sw.movesOf(SERVER_MAC).length, 0);
      t.diagnostic(`frames per member port: ${[...perMember].map(([port, frames]) => `${port}=${frames}`).join(" ")}`);
    });
  }
});

interface FailoverOutcome {
  scenario: TrunkingScenario;
  pulledPort: number;
  pullAtMs: number;
  inFlightIds: Set<number>;
  lossesOnPulled: number;
  otherLosses: string[];
  changedMember: number;
  flows: number;
  /** The firmware's compareFailover before the pull: predicted for the chip, and by the patent's table. */
  predictedChanged: number | undefined;
  tableChanged: number;
}

function failover(nics: number, pulledNic: number, clients: number, seed: number): FailoverOutcome {
  const scenario = oneSwitchScenario({ nics, clients, pattern: "random", seed, settings: SETTINGS });
  const sw = scenario.switches[0];
  const started = scenario.network.now;
  startTrunkingTraffic(scenario, { clientIntervalMs: 0.2, serverIntervalMs: 0.5, count: 400 });
  scenario.network.run(20);
  const cable = scenario.server.nics[pulledNic].cable!;
  const comparison = sw.run(() => sw.trunks.compareFailover(TRUNK_GROUP, scenario.nicPorts[pulledNic].port, scenario.clients.map((client) => client.mac)));
  const pull = pullWhileBusy(scenario.network, cable);
  scenario.network.run(40);
  const before = serverArrivalsBySa(scenario, started, pull.atMs);
  const after = serverArrivalsBySa(scenario, pull.atMs + 1, Infinity);
  let changedMember = 0;
  for (const [sa, use] of before) if (after.get(sa)?.members[0] !== use.members[0]) changedMember++;
  return {
    scenario,
    pulledPort: scenario.nicPorts[pulledNic].port,
    pullAtMs: pull.atMs,
    inFlightIds: new Set(pull.inFlight.map((frame) => frame.id)),
    lossesOnPulled: scenario.network.losses.filter((loss) => loss.cable === cable).length,
    otherLosses: scenario.network.losses.filter((loss) => loss.cable !== cable).map((loss) => `${loss.reason} at ${loss.atMs.toFixed(4)} ms`),
    changedMember,
    flows: before.size,
    predictedChanged: comparison.changedPredicted,
    tableChanged: comparison.changedByTable,
  };
}

describe("one switch: pulling a member mid-traffic", () => {
  test("loses only the frames in flight on it; the trunk is rewritten within one poll; no move for the server; restored after hold-down", (t) => {
    const outcome = failover(4, 2, 64, 21);
    const { scenario, pullAtMs, pulledPort } = outcome;
    const sw = scenario.switches[0];
    assert.ok(outcome.inFlightIds.size > 0, "the pull caught frames on the wire");
    assert.deepEqual(outcome.otherLosses, [], "no frame lost anywhere but on the pulled cable");
    const lostIds = new Set(scenario.network.losses.map((loss) => loss.frame.id));
    assert.deepEqual(lostIds, outcome.inFlightIds, "exactly the frames in flight at the pull");
    // Every flow: delivered + lost = sent, in order.
    assert.deepEqual(outOfOrderFlows(scenario.server.arrivals), []);
    for (const client of scenario.clients) assert.deepEqual(outOfOrderFlows(client.arrivals), []);
    const reprogram = sw.trunks.lastReprogram!;
    assert.equal(reprogram.reason, "link-down");
    assert.equal(reprogram.port, pulledPort);
    assert.equal(reprogram.mask & (1 << pulledPort), 0);
    const spiTimeMs = reprogram.doneMs - reprogram.startedMs;
    assert.ok(reprogram.doneMs - pullAtMs <= POLL_MS + spiTimeMs, `reprogrammed ${(reprogram.doneMs - pullAtMs).toFixed(4)} ms after the pull`);
    const spi = sw.managed.spiRecord.countBetween(pullAtMs, reprogram.doneMs);
    t.diagnostic(`link loss -> reprogrammed: ${(reprogram.doneMs - pullAtMs).toFixed(4)} ms, ${spi.transactions} SPI transactions (${spi.bytes} bytes), writes took ${(spiTimeMs * 1000).toFixed(1)} us`);
    // After the failover each client takes the member the model's assumption names over the members still up.
    const survivors = scenario.nicPorts.filter((entry) => entry.port !== pulledPort).reduce((mask, entry) => mask | (1 << entry.port), 0);
    for (const use of serverArrivalsBySa(scenario, pullAtMs + 1, Infinity).values()) {
      assert.equal(use.members.length, 1);
      assert.equal(use.members[0], memberKey(sw, modelMappedMember(sw, survivors, SERVER_MAC, use.sa)));
      assert.equal(sw.run(() => sw.trunks.predict(TRUNK_GROUP, use.sa)).predictedChipMember, modelMappedMember(sw, survivors, SERVER_MAC, use.sa));
    }
    // The table would have moved only the failed member's flows; the chip (under the assumption) moved more.
    assert.equal(outcome.changedMember, outcome.predictedChanged, "measured member changes = the firmware's prediction");
    assert.ok(outcome.tableChanged < outcome.changedMember, "the patent's table would have moved fewer flows");
    t.diagnostic(
      `flows that changed member: ${outcome.changedMember} of ${outcome.flows} measured on the model ` +
        `(firmware predicted ${outcome.predictedChanged}); the patent's table would move ${outcome.tableChanged} (those on the failed member)`,
    );
    // No move reported for the server's MAC, through a scan after the failover.
    scenario.network.run(200);
    assert.equal(sw.movesOf(SERVER_MAC).length, 0);
    assert.equal(sw.managed.logLines(new RegExp(formatMac(SERVER_MAC))).filter((line) => /flapping|move/i.test(line)).length, 0);
    assert.ok(sw.moves.show().stats.scans >= 2);
    // Restore: plug back; usable after the debounce, back in the trunk after the hold-down.
    const plugAt = scenario.network.now;
    scenario.network.plug(scenario.server.nics[2].cable!);
    scenario.network.run(sw.links.settings.upDebounceMs + HOLD_DOWN_MS + 3 * POLL_MS);
    const rejoin = sw.trunks.lastReprogram!;
    assert.equal(rejoin.reason, "rejoin");
    assert.equal(rejoin.port, pulledPort);
    assert.ok(rejoin.startedMs >= plugAt + sw.links.settings.upDebounceMs + HOLD_DOWN_MS, "not before debounce + hold-down");
    assert.ok(rejoin.startedMs <= plugAt + sw.links.settings.upDebounceMs + HOLD_DOWN_MS + 2 * POLL_MS);
    assert.equal(rejoin.mask, 0b1111);
  });

  test("the server's NIC table moves only the failed NIC's slots (server -> client direction)", () => {
    const outcome = failover(3, 1, 32, 22);
    const { scenario } = outcome;
    const table = scenario.server.table;
    assert.ok(!table.entries().includes(1), "NIC 1 holds no slot");
    assert.deepEqual(outcome.otherLosses, []);
    for (const client of scenario.clients) assert.deepEqual(outOfOrderFlows(client.arrivals), []);
  });

  test("pulling the member the server's static entry points at loses nothing but the frames on the wire", () => {
    const outcome = failover(4, 0, 64, 23);
    assert.deepEqual(outcome.otherLosses, []);
  });
});

describe("one switch: flooding reaches the trunk on exactly one member", () => {
  test("broadcasts and unknown unicast from every client: one copy at the server, on the mapped member", () => {
    const scenario = oneSwitchScenario({ nics: 4, clients: 32, pattern: "random", seed: 31, settings: SETTINGS });
    const sw = scenario.switches[0];
    const nobody = macFromOui(VENDOR_OUIS.broadcom, 0xdead01);
    const start = scenario.network.now;
    scenario.clients.forEach((client, i) => {
      scenario.network.at(start + i * 0.05, () => scenario.network.send(client, { da: BROADCAST_MAC, ethertype: 0x0806, length: 64 }));
      scenario.network.at(start + 5 + i * 0.05, () => scenario.network.send(client, { da: nobody, length: 128 }));
    });
    scenario.network.run(20);
    const mask = memberMaskOf(scenario);
    for (const da of [BROADCAST_MAC, nobody]) {
      const copies = scenario.server.arrivals.filter((arrival) => arrival.frame.da === da);
      assert.equal(copies.length, scenario.clients.length, `${formatMac(da)}: one copy per client frame, not one per member`);
      const perFrame = new Map<number, number>();
      for (const copy of copies) {
        perFrame.set(copy.frame.id, (perFrame.get(copy.frame.id) ?? 0) + 1);
        const port = scenario.nicPorts[copy.nic].port;
        assert.equal(port, modelMappedMember(sw, mask, copy.frame.da, copy.frame.sa), "picked by the same hash (SA)");
      }
      assert.ok([...perFrame.values()].every((count) => count === 1));
    }
  });
});

describe("one switch: a client that really moves is reported", () => {
  test("moves between two ports: record, notification, rate-limited log; the server's MAC never", (t) => {
    const moves = { scanIntervalMs: 50, windowMs: 5000, threshold: 2, logIntervalMs: 1000, maxLogLinesPerInterval: 5 };
    const scenario = oneSwitchScenario({ nics: 2, clients: 8, pattern: "sequential", settings: { holdDownMs: HOLD_DOWN_MS, moves } });
    const sw = scenario.switches[0];
    const { network } = scenario;
    const roamer = network.addClient("roamer", macFromOui(VENDOR_OUIS.espressif, 0x33aa01));
    let cable = network.connect(roamer.nic(0), sw.node.port(2));
    startTrunkingTraffic(scenario, { clientIntervalMs: 1, serverIntervalMs: 2, count: 3000 });
    network.startFlow({ from: roamer, to: SERVER_MAC, intervalMs: 1, count: 3000 });
    // One move every 120 ms between ports 2 and 3 (a cable re-plugged, or a loop flapping it): 10 moves in 1.2 s.
    for (let move = 0; move < 10; move++) {
      network.run(120);
      cable = network.recable(cable, roamer.nic(0), sw.node.port(move % 2 === 0 ? 3 : 2));
    }
    network.run(200);
    const notifications = sw.movesOf(roamer.mac);
    assert.ok(notifications.length >= 5, `reported ${notifications.length} times`);
    assert.ok(notifications.every((n) => (n.fromPort === 2 && n.toPort === 3) || (n.fromPort === 3 && n.toPort === 2)));
    assert.ok(notifications[0].count >= moves.threshold, "not before the threshold");
    const record = sw.run(() => sw.moves.show()).records.find((r) => r.mac === formatMac(roamer.mac));
    assert.ok(record, "a record (MAC, VLAN, from, to, count)");
    assert.equal(record.vlan, 0);
    assert.ok(record.count >= 8 && record.reported);
    const lines = sw.managed.logLines(new RegExp(`${formatMac(roamer.mac)}.*flapping`));
    assert.ok(lines.length >= 1 && lines.length <= 2, `log lines rate-limited to one per ${moves.logIntervalMs} ms: ${lines.length}`);
    assert.equal(sw.movesOf(SERVER_MAC).length, 0);
    assert.ok(sw.moves.show().records.every((r) => r.mac !== formatMac(SERVER_MAC)));
    assert.ok(scenario.clients.every((client) => sw.movesOf(client.mac).length === 0), "clients that stay put are never reported");
    t.diagnostic(`roamer: ${notifications.length} notifications, record count ${record.count}, ${lines.length} log line(s): ${lines[0]}`);
    assert.ok(network.losses.every((loss) => loss.frame.sa === roamer.mac || loss.reason === "switch-sent-nowhere" || loss.cable?.name.includes("roamer")));
    void CLIENT_UPLINK_PORT;
  });
});

describe("the switch chip is power-cycled under traffic", () => {
  test("the firmware notices within one check interval, writes the trunk again, and every client is back on its mapped member", (t) => {
    const scenario = oneSwitchScenario({ nics: 4, clients: 32, pattern: "random", seed: 17, settings: SETTINGS });
    const sw = scenario.switches[0];
    const model = sw.managed.model;
    startTrunkingTraffic(scenario, { clientIntervalMs: 1, serverIntervalMs: 1, count: 400 });
    scenario.network.run(50);
    const registersBefore = [model.register(0x32, 0x00), model.register(0x32, 0x10), model.register(0x00, 0x3c)];
    model.powerCycle();
    const cycledAt = scenario.network.now;
    scenario.network.run(150);
    assert.equal(sw.managed.firmware.chipResets, 1);
    const line = sw.managed.log.find((entry) => /chip: reset detected/.test(entry.text));
    assert.ok(line && line.atMs - cycledAt <= 100 + 1, "found within one 100 ms check");
    assert.deepEqual([model.register(0x32, 0x00), model.register(0x32, 0x10), model.register(0x00, 0x3c)], registersBefore);
    assert.ok(model.arlEntries().some((entry) => entry.mac === SERVER_MAC && entry.isStatic), "the server's static entry is back");
    // From here on the trunk behaves as before the power cycle.
    const since = scenario.network.now;
    scenario.network.run(100);
    const bySa = serverArrivalsBySa(scenario, since, Infinity);
    assert.equal(bySa.size, scenario.clients.length);
    const mask = memberMaskOf(scenario);
    for (const use of bySa.values()) {
      assert.equal(use.members.length, 1);
      assert.equal(use.members[0], memberKey(sw, modelMappedMember(sw, mask, SERVER_MAC, use.sa)));
    }
    assert.equal(sw.movesOf(SERVER_MAC).length, 0, "no move reported for the server across the power cycle");
    t.diagnostic(`reset found ${(line!.atMs - cycledAt).toFixed(3)} ms after the power cycle`);
  });
});
