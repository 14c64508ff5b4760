// The trunk service over the real driver and the BCM53125 model: what it programs (facts §1.4 page 0x32, §1.2 learning
// disable, §1.3 static entry), where client frames go, failover within one poll interval, hold-down, predictions
// labelled as such beside measured counters, and requests that change nothing when bad.
import { test } from "node:test";
import assert from "node:assert/strict";
import { OnemacError } from "../../modules/errors";
import { BROADCAST_MAC, formatMac, parseMac } from "../../modules/mac";
import { makeBoard, OUI, onlyPort, randomClients, sequentialClients, type Board, trunkChipState } from "./rig";

const SERVER = parseMac("00:1b:21:5e:00:01");
const CLIENT_PORT = 4;

function trunkBoard(members = [0, 1, 2, 3], extra: Partial<Parameters<Board["firmware"]["trunks"]["configure"]>[0]> = {}) {
  const board = makeBoard({ firmware: { links: { upDebounceMs: 20 } } });
  board.firmware.trunks.configure({ group: 0, members, servers: [formatMac(SERVER)], holdDownMs: 200, ...extra });
  return board;
}

/** Every register the service writes, as the model holds them. */
test("configure programs group bitmap, trunk enable + hash SA, learning disable and the server's static entry", () => {
  const board = trunkBoard();
  const state = trunkChipState(board);
  assert.equal(state.trunkControl, 0x08 | 0x02, "facts §1.4: EN_TRUNK_LOCAL, HASH_SEL = SA");
  assert.equal(state.group0, 0b1111);
  assert.equal(state.learningDisabled & 0b1111, 0b1111, "facts §1.5: learning disabled on the members");
  assert.deepEqual(state.arl, [{ mac: SERVER, vid: 0, port: 0, isStatic: true, age: false }]);
  const view = board.firmware.trunks.showTrunk(0);
  assert.deepEqual(view.table, [0, 1, 2, 3, 0, 1, 2, 3]);
  assert.equal(view.chipProgramming, "group-bitmap");
  assert.equal(view.anchorPort, 0);
});

test("every client's frames reach the server on the member the chip's mapping names, and keep it while stable", () => {
  for (const members of [[0, 1], [0, 1, 2], [0, 1, 2, 3]]) {
    const board = trunkBoard(members);
    const clients = [...sequentialClients(OUI.DELL, 32), ...randomClients(OUI.INTEL, 32, 7)];
    const first = new Map<number, number>();
    for (let round = 0; round < 3; round++) {
      for (const sa of clients) {
        const egress = board.model.ingress(CLIENT_PORT, { da: SERVER, sa });
        const port = onlyPort(egress);
        assert.ok(port >= 0, `exactly one member, got ${egress.toString(2)}`);
        assert.equal(port, board.firmware.trunks.predict(0, sa).predictedChipMember, formatMac(sa));
        if (round === 0) first.set(sa, port);
        else assert.equal(port, first.get(sa), "one SA/DA pair never changes member while the trunk is stable");
      }
    }
  }
});

test("broadcasts and unknown unicast reach the trunk on exactly one member", () => {
  const board = trunkBoard();
  for (const sa of sequentialClients(OUI.HPE, 16)) {
    for (const da of [BROADCAST_MAC, parseMac("02:00:00:00:99:99")]) {
      const egress = board.model.ingress(CLIENT_PORT, { da, sa });
      assert.equal(onlyPort(egress & 0b1111), board.firmware.trunks.predict(0, sa).predictedChipMember);
    }
  }
});

test("link loss: the group bitmap is rewritten within one poll interval plus the SPI time of the writes", () => {
  const board = trunkBoard();
  const { clock, model, firmware, bus } = board;
  clock.advance(7.25);
  const pulledAt = clock.now();
  const transactionsBefore = bus.transactions;
  let rewrittenAt = { ms: NaN, transactions: NaN };
  bus.afterTransaction = () => {
    if (Number.isNaN(rewrittenAt.ms) && model.register(0x32, 0x10) === 0b1011)
      rewrittenAt = { ms: clock.now(), transactions: bus.transactions - transactionsBefore };
  };
  model.setLink(2, false);
  clock.advance(20);
  const record = firmware.trunks.lastReprogram!;
  assert.equal(record.reason, "link-down");
  assert.equal(record.port, 2);
  assert.equal(record.anchorMoved, false);
  // one poll interval (10 ms) plus the SPI time: one link read and the bitmap write, well under 0.1 ms at 20 MHz
  assert.ok(rewrittenAt.ms - pulledAt <= 10 + 0.1, `bitmap rewritten ${rewrittenAt.ms - pulledAt} ms after the loss`);
  assert.ok(record.doneMs - pulledAt <= 10 + 0.1);
  // floor: link-mask read (status, page, dummy read, RACK, data) + bitmap write (status, page, write) = 8;
  // the driver also reads the other group's bitmap to refuse overlaps (facts §1.4) before writing.
  assert.ok(rewrittenAt.transactions <= 14, `${rewrittenAt.transactions} SPI transactions from the poll to the rewrite`);
  // the table moved only port 2's entries; the chip no longer sends to port 2
  assert.deepEqual(firmware.trunks.showTrunk(0).table, [0, 1, 0, 3, 0, 1, 1, 3]);
  for (const sa of sequentialClients(OUI.DELL, 32)) {
    const port = onlyPort(model.ingress(CLIENT_PORT, { da: SERVER, sa }));
    assert.ok(port >= 0 && port !== 2);
    assert.equal(port, firmware.trunks.predict(0, sa).predictedChipMember);
  }
});

test("losing the member the static entry points at moves the entry to a member in service; frames keep flowing", () => {
  const board = trunkBoard([0, 1]);
  const { clock, model, firmware } = board;
  model.setLink(0, false);
  clock.advance(10);
  assert.equal(model.register(0x32, 0x10), 0b10);
  assert.deepEqual(model.arlEntries().filter((e) => e.mac === SERVER), [{ mac: SERVER, vid: 0, port: 1, isStatic: true, age: false }]);
  assert.equal(firmware.trunks.lastReprogram!.anchorMoved, true);
  for (const sa of sequentialClients(OUI.APPLE, 8)) assert.equal(model.ingress(CLIENT_PORT, { da: SERVER, sa }), 0b10);
  // all members down: nothing to send to, nothing crashes
  model.setLink(1, false);
  clock.advance(10);
  assert.equal(model.register(0x32, 0x10), 0);
  assert.equal(firmware.trunks.showTrunk(0).anchorPort, -1);
  model.setLink(0, true);
  clock.advance(20 + 200 + 20);
  assert.equal(model.register(0x32, 0x10), 0b01);
  assert.equal(model.ingress(CLIENT_PORT, { da: SERVER, sa: 0x3c0754000001 }), 0b01);
});

test("a returning member rejoins only after debounce and hold-down; then its entries return", () => {
  const board = trunkBoard();
  const { clock, model, firmware } = board;
  model.setLink(3, false);
  clock.advance(10);
  assert.equal(model.register(0x32, 0x10), 0b0111);
  model.setLink(3, true);
  clock.advance(30); // debounced (20 ms): hold-down of 200 ms running
  const view = firmware.trunks.showTrunk(0);
  assert.equal(view.memberPorts[3].state, "hold-down");
  assert.ok(view.memberPorts[3].holdDownRemainingMs! > 150);
  assert.equal(model.register(0x32, 0x10), 0b0111);
  clock.advance(200);
  assert.equal(model.register(0x32, 0x10), 0b1111);
  assert.deepEqual(firmware.trunks.showTrunk(0).table, [0, 1, 2, 3, 0, 1, 2, 3]);
  assert.equal(firmware.trunks.lastReprogram!.reason, "rejoin");
  // a loss during the hold-down cancels it
  model.setLink(3, false);
  clock.advance(10);
  model.setLink(3, true);
  clock.advance(100);
  model.setLink(3, false);
  clock.advance(300);
  assert.equal(model.register(0x32, 0x10), 0b0111);
  assert.equal(firmware.trunks.showTrunk(0).memberPorts[3].state, "down");
});

test("a flapping member is held out of the trunk by the link monitor although its link is up", () => {
  const board = makeBoard({ firmware: { links: { upDebounceMs: 0, flapLimit: 3, recoveryMs: 1000 } } });
  const { clock, model, firmware } = board;
  firmware.trunks.configure({ group: 1, members: [2, 3], servers: [SERVER], holdDownMs: 0 });
  for (let i = 0; i < 3; i++) {
    model.setLink(3, false);
    clock.advance(10);
    model.setLink(3, true);
    clock.advance(10);
  }
  assert.equal(model.register(0x32, 0x12), 0b0100);
  assert.equal(model.ingress(CLIENT_PORT, { da: SERVER, sa: 0x001b21000003 }), 0b0100, "not sent to the held port");
  clock.advance(1000);
  assert.equal(model.register(0x32, 0x12), 0b1100);
});

test("show(): predictions labelled as such beside measured counters", () => {
  const board = trunkBoard([0, 1, 2]);
  const clients = sequentialClients(OUI.INTEL, 24);
  for (const sa of clients) board.model.ingress(CLIENT_PORT, { da: SERVER, sa });
  const view = board.firmware.trunks.show({ counters: true });
  const trunk = view.trunks[0];
  assert.match(trunk.prediction!.label, /^predicted \(assumption BCM53125_TRUNK_MEMBER_BY_SA_LOW_BITS: low 3 bits of the SA, modulo the number of link-up members, in ascending port order; shared\/facts\/switch-chips.md §1.4 \(UNCERTAIN\)\)$/);
  assert.deepEqual(trunk.prediction!.bySaLowBits, [0, 1, 2, 0, 1, 2, 0, 1]);
  let measuredTotal = 0;
  for (const member of trunk.memberPorts) {
    const predicted = clients.filter((sa) => board.firmware.trunks.predict(0, sa).predictedChipMember === member.port).length;
    assert.equal(member.measured!.txUnicast, predicted, `port ${member.port}: measured equals predicted in the simulator`);
    measuredTotal += member.measured!.txUnicast;
  }
  assert.equal(measuredTotal, clients.length);
  assert.deepEqual(trunk.memberPorts.map((m) => m.tableEntries), [3, 3, 2]);
  const json = JSON.parse(JSON.stringify(view));
  assert.deepEqual(json, view, "plain data: survives JSON");
});

test("compareFailover: the table moves only the failed member's clients; the chip (predicted) moves more", () => {
  const board = trunkBoard();
  const clients = randomClients(OUI.DELL, 64, 99);
  const comparison = board.firmware.trunks.compareFailover(0, 1, clients);
  assert.equal(comparison.changedByTable, comparison.onFailedMemberByTable);
  assert.ok(comparison.changedPredicted! > comparison.onFailedMemberPredicted!, JSON.stringify(comparison));
  assert.match(comparison.label!, /^predicted \(assumption /);
  // and the prediction is what the chip then does
  const before = new Map(clients.map((sa) => [sa, onlyPort(board.model.ingress(CLIENT_PORT, { da: SERVER, sa }))]));
  board.model.setLink(1, false);
  board.clock.advance(10);
  const changed = clients.filter((sa) => onlyPort(board.model.ingress(CLIENT_PORT, { da: SERVER, sa })) !== before.get(sa)).length;
  assert.equal(changed, comparison.changedPredicted);
});

test("bad requests are rejected with typed errors and change nothing", () => {
  const board = trunkBoard([0, 1]);
  const before = trunkChipState(board);
  const viewBefore = board.firmware.trunks.show();
  const bad: Array<[object, string]> = [
    [{ group: 2, members: [2, 3], servers: [SERVER] }, "trunk-limit"],
    [{ group: 1, members: [1, 2], servers: [SERVER + 1] }, "trunk-limit"],
    [{ group: 1, members: [8], servers: [SERVER + 1] }, "trunk-limit"],
    [{ group: 1, members: [5], servers: [SERVER + 1] }, "invalid-argument"],
    [{ group: 1, members: [2, 3], servers: "02:00:5e:10:20:31" }, "invalid-argument"],
    [{ group: 1, members: [2, 3], servers: ["01:00:5e:00:00:01"] }, "invalid-argument"],
    [{ group: 1, members: [2, 3], servers: [SERVER] }, "invalid-argument"],
    [{ group: 1, members: [2, 3], servers: ["nonsense"] }, "invalid-argument"],
    [{ group: 1, members: [2, 3], servers: [SERVER + 1], indexBits: 9 }, "invalid-argument"],
    [{ group: 1, members: [2, 3], servers: [SERVER + 1], holdDownMs: -5 }, "invalid-argument"],
    [{ group: 1, members: [2, 3], servers: [SERVER + 1], vid: 4096 }, "invalid-argument"],
    [{ group: 1, members: [2, 3], servers: [SERVER + 1], interSwitchPort: 2 }, "invalid-argument"],
    [{ group: 1, members: [2, 3], servers: [SERVER + 1], interSwitchPort: 0 }, "invalid-argument"],
    [{ group: 1, members: [2, 2], servers: [SERVER + 1] }, "invalid-argument"],
    [{ group: 1, members: [2, 3], servers: [SERVER + 1], interSwitchLearning: true }, "invalid-argument"],
    [{ group: 1, members: [2, 3], servers: [SERVER + 1], interSwitchPort: 4, interSwitchLearning: "yes" }, "invalid-argument"],
  ];
  for (const [request, code] of bad) {
    assert.throws(
      () => board.firmware.trunks.configure(request as never),
      (e) => e instanceof OnemacError && e.code === code,
      JSON.stringify(request),
    );
    assert.deepEqual(trunkChipState(board), before, JSON.stringify(request));
  }
  assert.deepEqual(board.firmware.trunks.show(), viewBefore);
  assert.throws(() => board.firmware.trunks.predict(1, SERVER), OnemacError);
  assert.throws(() => board.firmware.trunks.compareFailover(0, 3, []), OnemacError);
});

test("reconfigure and remove: old entries go, learning and the group are restored", () => {
  const board = trunkBoard([0, 1]);
  const { model, firmware } = board;
  const other = parseMac("3c:fd:fe:00:00:02");
  firmware.trunks.configure({ group: 0, members: [1, 2, 3], servers: [other], indexBits: 5 });
  assert.equal(model.register(0x32, 0x10), 0b1110);
  assert.deepEqual(model.arlEntries().map((e) => [e.mac, e.port, e.isStatic]), [[other, 1, true]]);
  assert.equal(model.register(0x00, 0x3c), 0b1110);
  assert.equal(firmware.trunks.showTrunk(0).tableSize, 32);
  assert.equal(firmware.trunks.remove(0), true);
  assert.equal(firmware.trunks.remove(0), false);
  assert.equal(model.register(0x32, 0x10), 0);
  assert.equal(model.register(0x32, 0x00) & 0x08, 0, "trunking off with no trunk left");
  assert.equal(model.register(0x00, 0x3c), 0);
  assert.deepEqual(model.arlEntries(), []);
});

test("a displaced server entry is re-pinned after the next ARL scan", () => {
  const board = trunkBoard([0, 1]);
  const { clock, model, firmware } = board;
  firmware.chip.setLearningDisabled(0); // someone re-enables learning: the model lets learning displace a static entry (§1.5)
  model.ingress(3, { da: BROADCAST_MAC, sa: SERVER });
  assert.equal(model.arlEntries().find((e) => e.mac === SERVER)!.port, 3);
  clock.advance(1000);
  assert.deepEqual(model.arlEntries().find((e) => e.mac === SERVER), { mac: SERVER, vid: 0, port: 0, isStatic: true, age: false });
  assert.equal(firmware.trunks.show().serverEntryRepairs, 1);
});

test("a trunk with no server yet is a plain trunk: its members keep learning, and flagging a server stops it", () => {
  const board = trunkBoard([0, 1]);
  board.firmware.trunks.configure({ group: 1, members: [2, 3], servers: [] });
  assert.equal(trunkChipState(board).group1 & 0x1ff, 0b1100);
  assert.equal(trunkChipState(board).learningDisabled & 0b1100, 0, "members of a trunk without a server learn");
  board.firmware.trunks.configure({ group: 1, members: [2, 3], servers: [SERVER + 1] });
  assert.equal(trunkChipState(board).learningDisabled & 0b1100, 0b1100);
});
