// The patent's table: even spread, SA indexing, and the failover rules, checked exhaustively for small k and M.
import { test } from "node:test";
import assert from "node:assert/strict";
import { NO_MEMBER, TrunkTable } from "../../modules/trunk/table";
import { OnemacError } from "../../modules/errors";
import { parseMac } from "../../modules/mac";

function counts(table: TrunkTable): number[] {
  return table.members.map((port) => table.entries().filter((entry) => entry === port).length);
}

test("8 entries spread evenly: 2, 4, 8 even; 3 -> 3:3:2, 5 -> 2:2:2:1:1, 6 -> 2:2:1:1:1:1, 7 -> 2:1:1:1:1:1:1", () => {
  const expected: Record<number, number[]> = {
    1: [8], 2: [4, 4], 3: [3, 3, 2], 4: [2, 2, 2, 2], 5: [2, 2, 2, 1, 1], 6: [2, 2, 1, 1, 1, 1], 7: [2, 1, 1, 1, 1, 1, 1], 8: [1, 1, 1, 1, 1, 1, 1, 1],
  };
  for (let k = 1; k <= 8; k++) {
    const table = new TrunkTable({ members: Array.from({ length: k }, (_, i) => i) });
    assert.equal(table.size, 8);
    assert.deepEqual(counts(table), expected[k], `${k} members`);
  }
});

test("the patent's example: 32 entries (M = 5) and 4 ports hold each port 8 times", () => {
  const table = new TrunkTable({ members: [1, 2, 3, 4], indexBits: 5 });
  assert.equal(table.size, 32);
  assert.deepEqual(counts(table), [8, 8, 8, 8]);
});

test("memberFor(SA) is table[low M bits of the SA]", () => {
  const table = new TrunkTable({ members: [0, 1, 3], indexBits: 3 });
  for (const text of ["00:1b:21:3a:4f:00", "00:1b:21:3a:4f:07", "3c:fd:fe:00:00:0d", "f4:8e:38:12:34:ff"]) {
    const sa = parseMac(text);
    assert.equal(table.memberFor(sa), table.memberAt(sa % 8), text);
    assert.equal(table.indexFor(sa), sa % 8);
  }
  table.fail(1);
  for (let low = 0; low < 256; low++) {
    const sa = 0x001b213a4f00 + low;
    assert.equal(table.memberFor(sa), table.memberAt(low % 8));
  }
});

test("bad options are rejected with a typed error", () => {
  const bad: Array<[readonly number[], number | undefined]> = [
    [[], 3], [[1, 1], 3], [[1, 2, 3], 1], [[-1], 3], [[32], 3], [[1.5], 3], [[1, 2], 0], [[1, 2], 9], [[1, 2], 2.5],
  ];
  for (const [members, indexBits] of bad)
    assert.throws(() => new TrunkTable({ members, indexBits }), (e) => e instanceof OnemacError && e.code === "invalid-argument");
  const table = new TrunkTable({ members: [1, 2] });
  assert.throws(() => table.fail(3), OnemacError);
  assert.throws(() => table.memberAt(8), OnemacError);
  assert.throws(() => table.memberFor(-1), OnemacError);
});

/** Checks every invariant after one event; returns nothing, throws on a violation. */
function checkEvent(table: TrunkTable, before: number[], kind: "fail" | "restore", port: number, upBefore: Set<number>, label: string): void {
  const after = table.entries();
  const up = new Set(table.members.filter((p) => table.isUp(p)));
  // entries always name an up member, or NO_MEMBER when none is up
  for (const entry of after) {
    if (up.size === 0) assert.equal(entry, NO_MEMBER, label);
    else assert.ok(up.has(entry), `${label}: entry ${entry} is not an up member`);
  }
  for (let i = 0; i < after.length; i++) {
    const home = table.homeMemberAt(i);
    // an up member always holds its home entries
    if (up.has(home)) assert.equal(after[i], home, `${label}: entry ${i} not home`);
    if (kind === "fail") {
      if (before[i] !== port) assert.equal(after[i], before[i], `${label}: entry ${i} moved although ${before[i]} did not fail`);
    } else {
      const moves = home === port || before[i] === NO_MEMBER;
      if (!moves) assert.equal(after[i], before[i], `${label}: entry ${i} moved on the return of ${port}`);
      else if (home === port) assert.equal(after[i], port, `${label}: entry ${i} did not return to ${port}`);
    }
  }
  // survivors stay as even as possible: no worse than before, and within one when the moved entries allow it
  if (kind === "fail" && upBefore.has(port) && up.size > 0) {
    const loadBefore = [...up].map((p) => before.filter((e) => e === p).length);
    const loadAfter = [...up].map((p) => table.entryCount(p));
    const spreadBefore = Math.max(...loadBefore) - Math.min(...loadBefore);
    const spreadAfter = Math.max(...loadAfter) - Math.min(...loadAfter);
    assert.ok(spreadAfter <= Math.max(1, spreadBefore), `${label}: survivors ${loadAfter} (before ${loadBefore})`);
  }
  for (const p of table.members) assert.equal(table.entryCount(p), after.filter((e) => e === p).length, `${label}: load of ${p}`);
}

test("exhaustive: every sequence of failures and returns (k <= 4, M <= 3, 4 events) moves only what the rules allow", () => {
  let sequences = 0;
  for (let k = 1; k <= 4; k++) {
    for (let m = 1; m <= 3; m++) {
      if (2 ** m < k) continue;
      const members = Array.from({ length: k }, (_, i) => i + 1);
      const events = members.flatMap((p) => [["fail", p], ["restore", p]] as Array<["fail" | "restore", number]>);
      const total = events.length ** 4;
      for (let code = 0; code < total; code++) {
        const table = new TrunkTable({ members, indexBits: m });
        let c = code;
        const history: string[] = [];
        for (let step = 0; step < 4; step++) {
          const [kind, port] = events[c % events.length];
          c = Math.floor(c / events.length);
          history.push(`${kind} ${port}`);
          const before = table.entries();
          const upBefore = new Set(members.filter((p) => table.isUp(p)));
          const moved = kind === "fail" ? table.fail(port) : table.restore(port);
          const changed = table.entries().filter((e, i) => e !== before[i]).length;
          assert.ok(changed <= moved, `k=${k} M=${m} ${history.join(", ")}`);
          checkEvent(table, before, kind, port, upBefore, `k=${k} M=${m} ${history.join(", ")}`);
        }
        // everyone back: the table is its home spread again
        for (const p of members) table.restore(p);
        for (let i = 0; i < table.size; i++) assert.equal(table.memberAt(i), table.homeMemberAt(i));
        sequences++;
      }
    }
  }
  assert.ok(sequences > 10000);
});

test("exhaustive over subsets: failing one member of 2..5 at M = 1..5 moves exactly its entries, spread evenly over the survivors", () => {
  for (let k = 2; k <= 5; k++) {
    for (let m = 1; m <= 5; m++) {
      if (2 ** m < k) continue;
      const members = Array.from({ length: k }, (_, i) => i);
      for (const failed of members) {
        const table = new TrunkTable({ members, indexBits: m });
        const before = table.entries();
        const moved = table.fail(failed);
        assert.equal(moved, before.filter((e) => e === failed).length);
        const received = members.filter((p) => p !== failed).map((p) => table.entryCount(p) - before.filter((e) => e === p).length);
        const loads = members.filter((p) => p !== failed).map((p) => table.entryCount(p));
        assert.ok(Math.max(...loads) - Math.min(...loads) <= 1, `k=${k} M=${m} fail ${failed}: loads ${loads}`);
        assert.equal(received.reduce((a, b) => a + b, 0), moved);
        table.restore(failed);
        assert.deepEqual(table.entries(), before);
      }
    }
  }
});

test("all members down: entries hold NO_MEMBER; the first to return takes them all", () => {
  const table = new TrunkTable({ members: [2, 3] });
  table.fail(2);
  table.fail(3);
  assert.deepEqual(table.entries(), new Array(8).fill(NO_MEMBER));
  assert.equal(table.memberFor(0x001122334455), NO_MEMBER);
  table.restore(3);
  assert.deepEqual(table.entries(), new Array(8).fill(3));
  table.restore(2);
  assert.deepEqual(table.entries(), [2, 3, 2, 3, 2, 3, 2, 3]);
  assert.equal(table.upMask, 0b1100);
});

test("sticky failback: a returning member takes back nothing, except entries nobody holds", () => {
  const table = new TrunkTable({ members: [0, 1, 2], indexBits: 4 });
  table.fail(1);
  const afterFailure = table.entries();
  assert.equal(table.restore(1, "sticky"), 0);
  assert.deepEqual(table.entries(), afterFailure);
  assert.ok(table.isUp(1));
  table.fail(0);
  table.fail(1);
  table.fail(2);
  assert.equal(table.restore(2, "sticky"), 16);
  assert.deepEqual(table.entries(), new Array(16).fill(2));
});

test("a switch trunk's members are configured together: joins and leaves are refused", () => {
  const table = new TrunkTable({ members: [1, 2] });
  assert.throws(() => table.addMember(3), (e) => e instanceof OnemacError && e.code === "invalid-argument");
  assert.throws(() => table.removeMember(1), (e) => e instanceof OnemacError && e.code === "invalid-argument");
  assert.deepEqual(table.members, [1, 2]);
});

test("dynamic members: an empty table fills as members join, and a leaver's entries go to the others", () => {
  const table = new TrunkTable({ members: [], indexBits: 2, dynamicMembers: true });
  assert.deepEqual(table.entries(), [NO_MEMBER, NO_MEMBER, NO_MEMBER, NO_MEMBER]);
  assert.equal(table.addMember(5), 4);
  assert.deepEqual(table.entries(), [5, 5, 5, 5]);
  assert.equal(table.addMember(7), 2);
  assert.deepEqual(table.entries(), [5, 5, 7, 7]);
  assert.equal(table.addMember(9, false), 0);
  assert.equal(table.homeMemberAt(3), 9);
  assert.equal(table.restore(9), 1);
  assert.deepEqual(table.entries(), [5, 5, 7, 9]);
  // More members than entries: the newcomer has no home entry.
  table.addMember(11);
  table.addMember(12);
  assert.equal(table.entryCount(12), 0);
  assert.equal(table.removeMember(7), 1);
  assert.ok(!table.entries().includes(7));
  assert.deepEqual(table.members, [5, 9, 11, 12]);
  assert.equal(table.memberMask, (1 << 5) | (1 << 9) | (1 << 11) | (1 << 12));
});
