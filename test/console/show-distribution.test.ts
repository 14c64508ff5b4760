// `show trunk distribution` on a simulated board: after traffic from N clients through a trunk, every bucket holds
// exactly the clients whose low M source bits select it, the chip's member is shown as a labelled prediction beside the
// measured counters, the text and the JSON tell the same story, and the router warning appears exactly when one client
// MAC carries most of the load on its own member.
import { test } from "node:test";
import assert from "node:assert/strict";
import { macLowBits } from "../../modules/mac";
import { OUI, randomClients, sequentialClients } from "../services/rig";
import { configureTrunk, formatMac, sendFromClients, showBoard } from "./show-rig";

function bucketRows(text: string): Map<number, string[]> {
  // Rows: bucket, table member, predicted, ~estimate, MACs (continuation rows: MACs only).
  const rows = new Map<number, string[]>();
  let current = -1;
  for (const line of text.split("\n")) {
    const macs = line.match(/[0-9a-f]{2}(:[0-9a-f]{2}){5}/g) ?? [];
    const head = line.match(/^\s*(\d+)\s+(\d+|none)\s+[\d/none]+\s+~\d+\s/);
    if (head) {
      current = Number(head[1]);
      rows.set(current, [...macs]);
    } else if (current >= 0 && /^\s+([0-9a-f]{2}:)/.test(line)) rows.get(current)!.push(...macs);
    else if (!head && line.trim() === "") current = -1;
  }
  return rows;
}

for (const [members, indexBits, count] of [
  [[0, 1, 2, 3], 3, 16],
  [[0, 1], 3, 24],
  [[0, 1, 2], 4, 40],
  [[0, 1], 2, 12],
] as const) {
  test(`distribution: ${count} clients over ${members.length} members, M = ${indexBits}: each bucket holds exactly its clients`, () => {
    const { board, console } = showBoard();
    configureTrunk(board, [...members], { indexBits });
    const clients = [...sequentialClients(OUI.DELL, count / 2), ...randomClients(OUI.INTEL, count / 2, 99)];
    sendFromClients(board, clients, 10);

    const data = console.json("show trunk distribution trk1");
    assert.equal(data.trunks.length, 1);
    const d = data.trunks[0];
    assert.equal(d.trunk, "trk1");
    assert.equal(d.tableSize, 2 ** indexBits);
    assert.equal(d.clients, clients.length);
    assert.match(d.load.estimate, /estimate/);
    for (const bucket of d.buckets) {
      const expected = clients.filter((c) => macLowBits(c, indexBits) === bucket.index).sort((a, b) => a - b).map(formatMac);
      assert.deepEqual(bucket.clients, expected, `bucket ${bucket.index}`);
    }
    // The chip's member is a labelled prediction, and the frames went where it says.
    assert.match(d.prediction.label, /^predicted \(assumption BCM53125_TRUNK_MEMBER_BY_SA_LOW_BITS/);
    const view = board.firmware.trunks.showTrunk(0);
    for (const member of d.memberLoad) {
      const expectedClients = clients.filter((c) => board.firmware.trunks.predict(0, c).predictedChipMember === member.port).length;
      assert.equal(member.clients, expectedClients);
      assert.equal(member.txFrames, expectedClients * 10, `port ${member.port}: measured tx frames = its clients' frames`);
      assert.equal(member.buckets, view.memberPorts.find((m) => m.port === member.port)!.tableEntries);
    }
    const estimated = d.buckets.reduce((sum: number, b: { estimatedTxFrames: number }) => sum + b.estimatedTxFrames, 0);
    assert.ok(Math.abs(estimated - clients.length * 10) <= d.tableSize, "the estimates add up to the measured frames");
    assert.equal(d.warning, undefined);

    const text = console.text("show trunk distribution trk1");
    assert.match(text, /predicted \(assumption BCM53125_TRUNK_MEMBER_BY_SA_LOW_BITS/);
    assert.match(text, /estimate/i);
    const rows = bucketRows(text);
    assert.equal(rows.size, d.tableSize);
    for (const bucket of d.buckets) assert.deepEqual(rows.get(bucket.index), bucket.clients, `text row of bucket ${bucket.index}`);
    for (const member of d.memberLoad) {
      const line = text.split("\n").find((l) => new RegExp(`^\\s*${member.port}\\s+${member.state}\\s`).test(l));
      assert.ok(line, `member row of port ${member.port}`);
      assert.ok(line.includes(` ${member.txFrames} `) || line.includes(` ${member.txFrames}  `), line);
      assert.ok(line.includes(`${member.loadShare.toFixed(1)} %`), line);
    }
    assert.doesNotMatch(text, /WARNING/);
  });
}

test("router warning: one client MAC carrying most traffic alone on its member", () => {
  const { board, console } = showBoard();
  configureTrunk(board, [0, 1, 2, 3]);
  const router = OUI.HPE * 0x1000000 + 0x20; // low bits 0
  const others = [router + 1, router + 2, router + 3, router + 5]; // buckets 1, 2, 3, 5: members 1, 2, 3, 1
  sendFromClients(board, [router, ...others], (_c, i) => (i === 0 ? 900 : 10));
  const d = console.json("show trunk distribution").trunks[0];
  const port0 = d.memberLoad.find((m: { port: number }) => m.port === 0);
  assert.equal(port0.clients, 1);
  assert.ok(port0.loadShare >= 75, `share ${port0.loadShare}`);
  assert.match(d.warning, /single client MAC \(3c:fd:fe:00:00:20\)/);
  assert.match(d.warning, /router/);
  const text = console.text("show trunk distribution");
  assert.ok(text.includes(`WARNING: ${d.warning}`));
});

test("no router warning: balanced clients, a busy client sharing its member, or too little traffic", () => {
  // Busy client among others on its member: the member's buckets hold more than one client MAC.
  {
    const { board, console } = showBoard();
    configureTrunk(board, [0, 1]);
    const clients = sequentialClients(OUI.APPLE, 8, 0x40);
    sendFromClients(board, clients, (_c, i) => (i === 0 ? 900 : 5));
    const d = console.json("show trunk distribution trk1").trunks[0];
    assert.ok(d.memberLoad.some((m: { loadShare: number }) => m.loadShare >= 75));
    assert.equal(d.warning, undefined);
    assert.doesNotMatch(console.text("show trunk distribution trk1"), /WARNING/);
  }
  // Even load.
  {
    const { board, console } = showBoard();
    configureTrunk(board, [0, 1, 2, 3]);
    sendFromClients(board, sequentialClients(OUI.DELL, 32), 20);
    assert.equal(console.json("show trunk distribution").trunks[0].warning, undefined);
  }
  // One client alone, but only a handful of frames.
  {
    const { board, console } = showBoard();
    configureTrunk(board, [0, 1]);
    sendFromClients(board, [OUI.DELL * 0x1000000 + 2], 20);
    assert.equal(console.json("show trunk distribution").trunks[0].warning, undefined);
  }
});

test("after a member fails the table and the chip's predicted member differ, and both are shown", () => {
  const { board, console } = showBoard();
  configureTrunk(board, [0, 1, 2]);
  const clients = sequentialClients(OUI.DELL, 8, 0x80);
  board.model.setLink(1, false);
  board.clock.advance(50);
  sendFromClients(board, clients, 4);
  const d = console.json("show trunk distribution trk1").trunks[0];
  const view = board.firmware.trunks.showTrunk(0);
  for (const bucket of d.buckets) {
    assert.equal(bucket.member, view.table[bucket.index]);
    assert.deepEqual(bucket.predictedMembers, [view.prediction!.bySaLowBits[bucket.index]]);
  }
  assert.equal(d.memberLoad.find((m: { port: number }) => m.port === 1).state, "down");
  assert.equal(d.memberLoad.find((m: { port: number }) => m.port === 1).txFrames, 0);
  const text = console.text("show trunk distribution trk1");
  assert.match(text, /^\s*1\s+down\s/m);
});

test("distribution errors: a trunk that is not configured; no trunk at all", () => {
  const { board, console } = showBoard();
  assert.match(console.text("show trunk distribution"), /No trunk is configured/);
  assert.deepEqual(console.json("show trunk distribution").trunks, []);
  const out = console.run("show trunk distribution trk2");
  assert.match(out.error!, /^% trk2 is not configured/);
  configureTrunk(board, [0, 1]);
  assert.match(console.run("show trunk distribution trk2").error!, /trk2 is not configured/);
  assert.match(console.run("show trunk distribution trk9").error!, /^% /);
});

test("with a hash other than src-mac the distribution says the buckets are the table's, not the chip's choice", () => {
  const { board, console } = showBoard();
  configureTrunk(board, [0, 1]);
  board.firmware.config.change((draft) => {
    draft.loadBalance = "dst-mac";
  });
  sendFromClients(board, sequentialClients(OUI.DELL, 4), 1);
  const d = console.json("show trunk distribution").trunks[0];
  assert.equal(d.loadBalance, "dst-mac");
  assert.equal(d.prediction, undefined);
  assert.match(d.note, /not on the source MAC/);
  const text = console.text("show trunk distribution");
  assert.ok(text.includes(`Note: ${d.note}`));
  assert.doesNotMatch(text, /Predicted/);
});
