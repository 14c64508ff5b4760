// The frame-level network itself: timing, order, loss on a pulled cable, bounds. (The trunking proofs build on it.)
import assert from "node:assert/strict";
import { test } from "node:test";
import { VirtualClock } from "../../hosts/sim/clock";
import { BROADCAST_MAC } from "../../modules/mac";
import { clientMacs, macFromOui, Network, NetworkBudgetError, VENDOR_OUIS } from "../../hosts/sim/network";

function twoHostsOnABridge() {
  const clock = new VirtualClock();
  const network = new Network({ clock, frameBudget: 1000, timeLimitMs: 100 });
  const bridge = network.addBridge("access", 4);
  const alice = network.addClient("alice", macFromOui(VENDOR_OUIS.intel, 0x000001));
  const bob = network.addClient("bob", macFromOui(VENDOR_OUIS.realtek, 0x000002));
  const aliceCable = network.connect(alice.nic(0), bridge.port(0));
  const bobCable = network.connect(bob.nic(0), bridge.port(1));
  return { clock, network, bridge, alice, bob, aliceCable, bobCable };
}

test("a frame takes serialisation + propagation per hop, plus the bridge's forwarding latency", () => {
  const { network, alice, bob, aliceCable } = twoHostsOnABridge();
  network.send(alice, { da: bob.mac, length: 1500 });
  network.run(1);
  assert.equal(bob.arrivals.length, 1);
  const hop = aliceCable.serialisationMs(1500) + aliceCable.propagationMs;
  // 1520 bytes on the wire at 1 Gbit/s = 12.16 us; 3 m of cable = 15 ns
  assert.ok(Math.abs(hop - 0.012175) < 1e-9, `hop ${hop}`);
  const expected = 2 * hop + network.switches[0].forwardingLatencyMs;
  assert.ok(Math.abs(bob.arrivals[0].atMs - expected) < 1e-9, `arrived at ${bob.arrivals[0].atMs}, expected ${expected}`);
});

test("frames of one flow arrive in order, back to back on a busy transmitter", () => {
  const { network, alice, bob } = twoHostsOnABridge();
  const flow = network.startFlow({ from: alice, to: bob.mac, intervalMs: 0.001, count: 50, length: 1500 });
  network.run(5);
  const got = network.deliveriesOf(flow, bob).map((arrival) => arrival.frame.sequence);
  assert.deepEqual(got, Array.from({ length: 50 }, (_, i) => i));
  const times = network.deliveriesOf(flow, bob).map((arrival) => arrival.atMs);
  for (let i = 1; i < times.length; i++) assert.ok(times[i] - times[i - 1] >= 0.01216 - 1e-9, "the transmitter serialises one frame at a time");
});

test("pulling a cable loses exactly the frames on it, and link drops on both ends", () => {
  const { network, alice, bob, bobCable } = twoHostsOnABridge();
  const flow = network.startFlow({ from: alice, to: bob.mac, intervalMs: 0.001, count: 40, length: 1500 });
  network.run(0.1);
  const onTheCable = bobCable.framesInFlight();
  assert.ok(onTheCable.length > 0, "traffic queued toward bob");
  const lost = network.pull(bobCable);
  assert.deepEqual(lost.map((frame) => frame.id), onTheCable.map((frame) => frame.id));
  assert.equal(bob.nics[0].carrier, false);
  network.run(5);
  const delivered = network.deliveriesOf(flow, bob).length;
  const lostToBob = network.losses.filter((loss) => loss.cable === bobCable).length;
  const droppedBySwitch = network.losses.filter((loss) => loss.reason === "switch-sent-nowhere" || loss.reason === "egress-port-without-link").length;
  assert.equal(delivered + lostToBob + droppedBySwitch, 40, "every frame is delivered or accounted for");
  assert.ok(network.losses.some((loss) => loss.reason === "in-flight-on-pulled-cable"));
});

test("unknown unicast and broadcast flood the bridge; learned unicast does not", () => {
  const { network, alice, bob, bridge } = twoHostsOnABridge();
  const carol = network.addClient("carol", macFromOui(VENDOR_OUIS.espressif, 0x000003));
  network.connect(carol.nic(0), bridge.port(2));
  network.send(alice, { da: BROADCAST_MAC });
  network.run(1);
  assert.equal(bob.arrivals.length, 1);
  assert.equal(carol.arrivals.length, 1);
  network.send(bob, { da: alice.mac });
  network.send(alice, { da: bob.mac });
  network.run(1);
  assert.equal(carol.arrivals.length, 1, "bob and alice are learned: carol sees neither frame");
});

test("budgets: frames and virtual time are bounded", () => {
  const { network, alice, bob } = twoHostsOnABridge();
  assert.throws(() => network.run(200), NetworkBudgetError);
  network.startFlow({ from: alice, to: bob.mac, intervalMs: 0.01, count: 5000 });
  assert.throws(() => network.run(50), NetworkBudgetError);
});

test("client populations: real OUIs, distinct MACs, sequential low bits cycle and random ones repeat across seeds", () => {
  const sequential = clientMacs({ count: 16, pattern: "sequential" });
  assert.deepEqual(sequential.map((mac) => mac % 8), [0, 1, 2, 3, 4, 5, 6, 7, 0, 1, 2, 3, 4, 5, 6, 7]);
  assert.ok(sequential.every((mac) => Math.floor(mac / 2 ** 24) === VENDOR_OUIS.vmware));
  const random = clientMacs({ count: 64, pattern: "random", seed: 3 });
  assert.equal(new Set(random).size, 64);
  assert.deepEqual(random, clientMacs({ count: 64, pattern: "random", seed: 3 }));
  const ouis = new Set(random.map((mac) => Math.floor(mac / 2 ** 24)));
  assert.ok(ouis.size >= 4, "several vendors");
});
