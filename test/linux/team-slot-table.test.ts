import assert from "node:assert/strict";
import { describe, it } from "node:test";
import { InterfaceTable as SlotTable } from "../../hosts/linux/team/interface-table";

function counts(table: SlotTable): number[] {
  return table.members.map((member) => table.slotsOf(member).length);
}

describe("slot table: even spreading", () => {
  it("gives 32 slots to 4 members 8 each (the patent's example)", () => {
    const table = new SlotTable(5, ["a", "b", "c", "d"]);
    assert.deepEqual(counts(table), [8, 8, 8, 8]);
  });

  it("spreads 8 slots 3:3:2 over 3 members and 2:2:2:1:1 over 5", () => {
    assert.deepEqual(counts(new SlotTable(3, ["a", "b", "c"])), [3, 3, 2]);
    assert.deepEqual(counts(new SlotTable(3, ["a", "b", "c", "d", "e"])), [2, 2, 2, 1, 1]);
  });

  it("is balanced within one slot for every M from 1 to 8 and 1 to 9 members", () => {
    for (let bits = 1; bits <= 8; bits++) {
      for (let memberCount = 1; memberCount <= 9; memberCount++) {
        const members = Array.from({ length: memberCount }, (_, index) => `m${index}`);
        const table = new SlotTable(bits, members);
        assert.equal(table.slots.length, 2 ** bits);
        const perMember = counts(table);
        assert.ok(Math.max(...perMember) - Math.min(...perMember) <= 1, `M=${bits} k=${memberCount}: ${perMember}`);
        assert.equal(perMember.reduce((sum, count) => sum + count, 0), 2 ** bits);
      }
    }
  });

  it("rejects M outside 1..8", () => {
    assert.throws(() => new SlotTable(0), RangeError);
    assert.throws(() => new SlotTable(9), RangeError);
  });

  it("indexes by DA[5] & (N - 1)", () => {
    const destination = Uint8Array.from([0x00, 0x11, 0x22, 0x33, 0x44, 0xab]);
    assert.equal(SlotTable.slotOfDestination(destination, 4), 0xb);
    assert.equal(SlotTable.slotOfDestination(destination, 8), 0xab);
    assert.equal(SlotTable.slotOfDestination(destination, 1), 1);
  });
});

describe("slot table: failover and failback", () => {
  it("moves only the failed member's slots, spread evenly over the survivors, for every M", () => {
    for (let bits = 1; bits <= 8; bits++) {
      for (let memberCount = 2; memberCount <= 5; memberCount++) {
        const members = Array.from({ length: memberCount }, (_, index) => `m${index}`);
        const table = new SlotTable(bits, members);
        const before = [...table.slots];
        const moved = table.markFailed("m1");
        assert.deepEqual(moved, before.flatMap((owner, slot) => (owner === "m1" ? [slot] : [])));
        table.slots.forEach((owner, slot) => {
          if (before[slot] !== "m1") assert.equal(owner, before[slot], `M=${bits} slot ${slot} moved`);
          else assert.notEqual(owner, "m1");
        });
        const survivors = counts(table).filter((_, index) => index !== 1);
        assert.ok(Math.max(...survivors) - Math.min(...survivors) <= 1, `M=${bits} k=${memberCount}: ${survivors}`);
      }
    }
  });

  it("restore: a recovered member takes back exactly its own slots", () => {
    const table = new SlotTable(4, ["a", "b", "c"]);
    const home = [...table.slots];
    table.markFailed("b");
    const afterFailure = [...table.slots];
    const moved = table.markRecovered("b", "restore");
    assert.deepEqual(moved, home.flatMap((owner, slot) => (owner === "b" ? [slot] : [])));
    assert.deepEqual(table.slots, home);
    assert.notDeepEqual(afterFailure, home);
  });

  it("sticky: a recovered member takes nothing back while the others are healthy", () => {
    const table = new SlotTable(4, ["a", "b", "c"]);
    table.markFailed("b");
    const afterFailure = [...table.slots];
    assert.deepEqual(table.markRecovered("b", "sticky"), []);
    assert.deepEqual(table.slots, afterFailure);
    // ... and takes slots when another member fails.
    table.markFailed("a");
    assert.ok(table.slotsOf("b").length > 0);
  });

  it("two failures then two restores converge on the home table", () => {
    const table = new SlotTable(5, ["a", "b", "c", "d"]);
    const home = [...table.slots];
    table.markFailed("a");
    table.markFailed("c");
    assert.equal(table.slotsOf("a").length + table.slotsOf("c").length, 0);
    table.markRecovered("c", "restore");
    table.markRecovered("a", "restore");
    assert.deepEqual(table.slots, home);
  });

  it("leaves slots empty when every member is down and fills them on the first recovery (both policies)", () => {
    for (const policy of ["restore", "sticky"] as const) {
      const table = new SlotTable(3, ["a", "b"]);
      table.markFailed("a");
      table.markFailed("b");
      assert.ok(table.slots.every((owner) => owner === null));
      table.markRecovered("b", policy);
      assert.ok(table.slots.every((owner) => owner === "b"));
    }
  });

  it("a new member takes an even share and only the slots it takes move", () => {
    const table = new SlotTable(4, ["a", "b", "c"]);
    const before = [...table.slots];
    const moved = table.addMember("d");
    assert.equal(moved.length, 4);
    assert.deepEqual(counts(table), [4, 4, 4, 4]);
    table.slots.forEach((owner, slot) => {
      if (!moved.includes(slot)) assert.equal(owner, before[slot]);
    });
  });

  it("an unhealthy newcomer gets home slots but no traffic until it recovers", () => {
    const table = new SlotTable(3, ["a", "b"]);
    const before = [...table.slots];
    assert.deepEqual(table.addMember("c", false), []);
    assert.deepEqual(table.slots, before);
    const moved = table.markRecovered("c", "restore");
    assert.equal(moved.length, table.homeSlots.filter((owner) => owner === "c").length);
    assert.ok(moved.length >= 2);
  });

  it("removing a member moves only its slots", () => {
    const table = new SlotTable(4, ["a", "b", "c", "d"]);
    const before = [...table.slots];
    table.removeMember("c");
    table.slots.forEach((owner, slot) => {
      if (before[slot] !== "c") assert.equal(owner, before[slot]);
      else assert.ok(owner === "a" || owner === "b" || owner === "d");
    });
    assert.ok(!table.homeSlots.includes("c"));
  });

  it("an empty team's first member takes every slot", () => {
    const table = new SlotTable(4);
    assert.ok(table.slots.every((owner) => owner === null));
    table.addMember("a");
    assert.ok(table.slots.every((owner) => owner === "a"));
    table.addMember("b");
    assert.deepEqual(counts(table), [8, 8]);
  });
});
