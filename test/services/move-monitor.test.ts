// MAC move detection by ARL scans over the real driver and the chip model: records, threshold and window, the cap,
// rate-limited log lines in Cisco's shape, exemptions, and silence for trunked servers among their allowed ports.
import { test } from "node:test";
import assert from "node:assert/strict";
import { OnemacError } from "../../modules/errors";
import { BROADCAST_MAC, parseMac } from "../../modules/mac";
import type { MoveNotification } from "../../modules/arl/move-monitor";
import { makeBoard, type Board } from "./rig";

const HOST = parseMac("aa:bb:cc:00:00:01");
const SERVER = parseMac("00:1b:21:5e:00:01");

/** A frame from `sa` arrives on `port` (the model learns it unless learning is disabled there). */
function from(board: Board, port: number, sa: number): void {
  board.model.ingress(port, { da: BROADCAST_MAC, sa });
}

function moveBoard(settings: object = {}) {
  const board = makeBoard({ firmware: { moves: { scanIntervalMs: 100, ...settings } } });
  const notifications: MoveNotification[] = [];
  board.firmware.moves.addListener((n) => notifications.push(n));
  return { ...board, notifications };
}

test("a host that moves between ports is recorded, logged in Cisco's shape and notified", () => {
  const board = moveBoard();
  from(board, 1, HOST);
  board.clock.advance(100);
  assert.equal(board.firmware.moves.trackedPort(HOST, 0), 1);
  from(board, 3, HOST);
  board.clock.advance(100);
  const view = board.firmware.moves.show();
  assert.deepEqual(
    view.records.map(({ mac, vlan, fromPort, toPort, count, reported }) => ({ mac, vlan, fromPort, toPort, count, reported })),
    [{ mac: "aa:bb:cc:00:00:01", vlan: 0, fromPort: 1, toPort: 3, count: 1, reported: true }],
  );
  assert.ok(board.log.includes("Host aa:bb:cc:00:00:01 in vlan 0 is flapping between port 1 and port 3"), board.log.join("\n"));
  assert.equal(board.notifications.length, 1);
  assert.deepEqual([board.notifications[0].fromPort, board.notifications[0].toPort], [1, 3]);
  assert.equal(view.stats.movesDetected, 1);
});

test("threshold and window: reported only at the threshold within the window; older moves start a new window", () => {
  const board = moveBoard({ threshold: 3, windowMs: 1000 });
  const ports = [1, 2, 1, 2];
  for (const port of ports.slice(0, 3)) {
    from(board, port, HOST);
    board.clock.advance(100);
  }
  assert.equal(board.firmware.moves.show().records[0].count, 2);
  assert.equal(board.firmware.moves.show().records[0].reported, false);
  assert.equal(board.notifications.length, 0);
  from(board, 2, HOST);
  board.clock.advance(100);
  assert.equal(board.firmware.moves.show().records[0].count, 3);
  assert.equal(board.notifications.length, 1);
  board.clock.advance(1200); // window over: the record expires
  assert.deepEqual(board.firmware.moves.show().records, []);
});

test("log lines are rate-limited per record; notifications and counts continue", () => {
  const board = moveBoard({ logIntervalMs: 1000 });
  for (let i = 0; i < 10; i++) {
    from(board, i % 2 ? 2 : 1, HOST);
    board.clock.advance(100);
  }
  const lines = board.log.filter((line) => line.startsWith("Host "));
  assert.equal(lines.length, 1);
  assert.equal(board.firmware.moves.show().records[0].count, 9);
  assert.equal(board.notifications.length, 9);
  assert.equal(board.firmware.moves.show().stats.suppressedLogLines, 8);
});

test("the record list is capped and keeps the most-moved MACs, ranked by count", () => {
  const board = moveBoard({ maxRecords: 2 });
  const hop = (mac: number, times: number) => {
    for (let i = 0; i <= times; i++) {
      from(board, i % 2 ? 2 : 1, mac);
      board.clock.advance(100);
    }
  };
  hop(HOST, 3);
  hop(HOST + 1, 2);
  hop(HOST + 2, 1); // list full of counts above 1: the newcomer gives way
  let view = board.firmware.moves.show();
  assert.deepEqual(view.records.map((r) => [r.mac, r.count]), [["aa:bb:cc:00:00:01", 3], ["aa:bb:cc:00:00:02", 2]]);
  assert.equal(view.stats.droppedRecords, 1);
  assert.equal(board.notifications.length, 6, "every move was still notified");
  const small = moveBoard({ maxRecords: 2 });
  for (const mac of [HOST, HOST + 1, HOST + 2]) {
    from(small, 1, mac);
    small.clock.advance(100);
    from(small, 2, mac);
    small.clock.advance(100);
  }
  view = small.firmware.moves.show();
  assert.deepEqual(view.records.map((r) => r.mac), ["aa:bb:cc:00:00:03", "aa:bb:cc:00:00:02"], "ties: the least recent gives way");
});

test("exempt MACs and VLANs never produce records; bad input changes nothing", () => {
  const board = moveBoard();
  assert.equal(board.firmware.moves.exempt("aa:bb:cc:00:00:01"), true);
  assert.equal(board.firmware.moves.exempt(HOST), false);
  assert.equal(board.firmware.moves.exempt({ vlan: 7 }), true);
  from(board, 1, HOST);
  board.model.ingress(1, { da: BROADCAST_MAC, sa: HOST + 1, vid: 7 });
  board.clock.advance(100);
  from(board, 2, HOST);
  board.model.ingress(2, { da: BROADCAST_MAC, sa: HOST + 1, vid: 7 });
  board.clock.advance(100);
  const view = board.firmware.moves.show();
  assert.deepEqual(view.records, []);
  assert.equal(view.stats.exemptMovesIgnored, 2);
  assert.deepEqual(view.exemptMacs, ["aa:bb:cc:00:00:01"]);
  const settings = view.settings;
  for (const bad of [{ threshold: 0 }, { maxRecords: 1000 }, { windowMs: -1 }, { nope: 1 } as object])
    assert.throws(() => board.firmware.moves.configure(bad), (e) => e instanceof OnemacError && e.code === "invalid-argument");
  assert.throws(() => board.firmware.moves.exempt("zz"), OnemacError);
  assert.throws(() => board.firmware.moves.exempt({ vlan: 5000 }), OnemacError);
  assert.deepEqual(board.firmware.moves.show().settings, settings);
  assert.equal(board.firmware.moves.unexempt(HOST), true);
  assert.equal(board.firmware.moves.unexempt({ vlan: 7 }), true);
});

test("a trunked server's MAC moves among its members and the switch-to-switch port with no record, log line or notification", () => {
  const board = moveBoard();
  board.firmware.trunks.configure({ group: 0, members: [0, 1], servers: [SERVER], interSwitchPort: 3, holdDownMs: 0 });
  board.firmware.moves.stop(); // scan by hand; re-pinning (verifyServerEntries) would otherwise undo the moves below
  // learning on: the server's MAC is learned wherever it arrives (the chip may do so, facts §1.5)
  board.firmware.chip.setLearningDisabled(0);
  for (const port of [0, 1, 3, 0, 3, 1]) {
    from(board, port, SERVER);
    board.firmware.moves.scan();
  }
  let view = board.firmware.moves.show();
  assert.deepEqual(view.records, []);
  assert.equal(view.stats.trunkedServerMovesIgnored, 5);
  assert.equal(board.notifications.length, 0);
  assert.ok(!board.log.some((line) => line.startsWith("Host ")));
  // outside the allowed ports it is a move like any other
  from(board, 2, SERVER);
  board.firmware.moves.scan();
  view = board.firmware.moves.show();
  assert.deepEqual(view.records.map((r) => [r.mac, r.fromPort, r.toPort]), [["00:1b:21:5e:00:01", 1, 2]]);
});

test("with the trunk service's learning disable the server's static entry never moves, whatever the server sends", () => {
  const board = moveBoard();
  board.firmware.trunks.configure({ group: 0, members: [0, 1, 2], servers: [SERVER], interSwitchPort: 3 });
  for (let i = 0; i < 20; i++) {
    from(board, [0, 1, 2, 3][i % 4], SERVER);
    board.clock.advance(100);
  }
  const view = board.firmware.moves.show();
  assert.deepEqual(view.records, []);
  assert.equal(view.stats.movesDetected, 0);
  assert.deepEqual(board.model.arlEntries().filter((e) => e.mac === SERVER), [{ mac: SERVER, vid: 0, port: 0, isStatic: true, age: false }]);
});

test("entries that leave the ARL leave the tracking table; capacity beyond the table is counted, not tracked", () => {
  const board = makeBoard({ firmware: { maxTrackedMacs: 4, moves: { scanIntervalMs: 100 } } });
  for (let i = 0; i < 6; i++) from(board, 4, HOST + i);
  board.clock.advance(100);
  let stats = board.firmware.moves.show().stats;
  assert.equal(stats.lastScanEntries, 6);
  assert.equal(stats.tracked, 4);
  assert.equal(stats.untracked, 2);
  board.firmware.chip.fastAge({ port: 4 });
  board.clock.advance(100);
  stats = board.firmware.moves.show().stats;
  assert.equal(stats.tracked, 0);
  // and a churn of many MACs through a small table keeps it consistent
  for (let round = 0; round < 20; round++) {
    for (let i = 0; i < 4; i++) from(board, 1 + (round % 3), HOST + 100 * round + i);
    board.clock.advance(100);
    board.firmware.chip.fastAge({});
  }
  board.clock.advance(100);
  assert.equal(board.firmware.moves.show().stats.tracked, 0);
  assert.equal(board.firmware.moves.show().stats.movesDetected, 0);
});
