// The patent's table: N = 2^M slots; the outgoing member of a frame is slots[low M bits of its destination MAC].
// Two assignments are kept: `home` (the balanced layout over every member of the team, healthy or not) and
// `current` (what the data plane uses). A failure moves only the failed member's slots, each to the healthy
// member holding the fewest slots; a recovery under "restore" takes back exactly the member's home slots.
import type { FailbackPolicy } from "./config";
import { MAX_SLOT_BITS } from "./config";

export type SlotOwner = string | null;

export class SlotTable {
  readonly slotBits: number;
  readonly size: number;
  readonly #members: string[] = [];
  readonly #healthy = new Set<string>();
  readonly #home: SlotOwner[];
  readonly #current: SlotOwner[];

  /** Members listed here start healthy and are laid out round-robin: slot i -> members[i mod k]. */
  constructor(slotBits: number, members: readonly string[] = []) {
    if (!Number.isInteger(slotBits) || slotBits < 1 || slotBits > MAX_SLOT_BITS) {
      throw new RangeError(`slotBits must be an integer from 1 to ${MAX_SLOT_BITS}, got ${slotBits}`);
    }
    if (new Set(members).size !== members.length) throw new RangeError("members must be distinct");
    this.slotBits = slotBits;
    this.size = 2 ** slotBits;
    this.#members.push(...members);
    for (const member of members) this.#healthy.add(member);
    this.#home = Array.from({ length: this.size }, (_, slot) => (members.length ? members[slot % members.length]! : null));
    this.#current = [...this.#home];
  }

  /** Slot of a destination MAC given as its six octets (DA[5] & (N - 1), as the team driver's BPF hash). */
  static slotOfDestination(destination: Uint8Array, slotBits: number): number {
    return destination[5]! & ((1 << slotBits) - 1);
  }

  get members(): readonly string[] {
    return this.#members;
  }

  get slots(): readonly SlotOwner[] {
    return this.#current;
  }

  get homeSlots(): readonly SlotOwner[] {
    return this.#home;
  }

  isHealthy(member: string): boolean {
    return this.#healthy.has(member);
  }

  slotsOf(member: string): number[] {
    const slots: number[] = [];
    this.#current.forEach((owner, slot) => {
      if (owner === member) slots.push(slot);
    });
    return slots;
  }

  memberForSlot(slot: number): SlotOwner {
    return this.#current[slot] ?? null;
  }

  /**
   * Adds a member and rebalances the home layout by taking slots from the members holding the most.
   * A healthy newcomer takes those slots now (only they move). Returns the slots that moved in `current`.
   */
  addMember(member: string, healthy = true): number[] {
    if (this.#members.includes(member)) throw new RangeError(`${member} is already a member`);
    this.#members.push(member);
    const target = Math.floor(this.size / this.#members.length);
    const taken: number[] = [];
    const homeCounts = this.#countsOf(this.#home);
    // Empty home slots (a team that had no members) go to the newcomer first.
    this.#home.forEach((owner, slot) => {
      if (owner === null) taken.push(slot);
    });
    while (taken.length < target) {
      const richest = this.#pickMember(homeCounts, "most");
      if (richest === null) break;
      const slot = this.#home.lastIndexOf(richest);
      this.#home[slot] = member;
      homeCounts.set(richest, homeCounts.get(richest)! - 1);
      taken.push(slot);
    }
    for (const slot of taken) this.#home[slot] = member;
    if (healthy) this.#healthy.add(member);
    const moved: number[] = [];
    if (healthy) {
      for (const slot of taken) {
        if (this.#current[slot] !== member) {
          this.#current[slot] = member;
          moved.push(slot);
        }
      }
      // A team that was entirely down: the newcomer also takes every slot with no owner.
      this.#current.forEach((owner, slot) => {
        if (owner === null) {
          this.#current[slot] = member;
          moved.push(slot);
        }
      });
    }
    return moved.sort((a, b) => a - b);
  }

  /** Takes a member out of the team. Its slots (home and current) go to the others; nothing else moves. */
  removeMember(member: string): number[] {
    const index = this.#members.indexOf(member);
    if (index < 0) throw new RangeError(`${member} is not a member`);
    this.#members.splice(index, 1);
    this.#healthy.delete(member);
    const homeCounts = this.#countsOf(this.#home);
    this.#home.forEach((owner, slot) => {
      if (owner !== member) return;
      const heir = this.#pickMember(homeCounts, "fewest");
      this.#home[slot] = heir;
      if (heir !== null) homeCounts.set(heir, homeCounts.get(heir)! + 1);
    });
    return this.#moveAwayFrom(member, true);
  }

  /** The member stopped passing traffic: only its slots move, each to the healthy member with the fewest slots. */
  markFailed(member: string): number[] {
    this.#requireMember(member);
    if (!this.#healthy.has(member)) return [];
    this.#healthy.delete(member);
    return this.#moveAwayFrom(member, false);
  }

  /**
   * The member passes traffic again. "restore": its home slots come back to it. "sticky": it takes only slots
   * that have no owner (everything was down); it gets more when another member fails.
   */
  markRecovered(member: string, failback: FailbackPolicy): number[] {
    this.#requireMember(member);
    if (this.#healthy.has(member)) return [];
    this.#healthy.add(member);
    const moved: number[] = [];
    this.#current.forEach((owner, slot) => {
      const takesBack = failback === "restore" && this.#home[slot] === member;
      if (owner !== member && (takesBack || owner === null)) {
        this.#current[slot] = member;
        moved.push(slot);
      }
    });
    return moved;
  }

  #moveAwayFrom(member: string, preferHome: boolean): number[] {
    const moved: number[] = [];
    const counts = this.#countsOf(this.#current, true);
    this.#current.forEach((owner, slot) => {
      if (owner !== member) return;
      const home = this.#home[slot];
      let heir: SlotOwner;
      if (preferHome && home !== null && home !== undefined && this.#healthy.has(home)) heir = home;
      else heir = this.#pickMember(counts, "fewest");
      this.#current[slot] = heir;
      if (heir !== null) counts.set(heir, counts.get(heir)! + 1);
      moved.push(slot);
    });
    return moved;
  }

  /** Slot counts per member (only healthy members when `healthyOnly`), in member order. */
  #countsOf(assignment: readonly SlotOwner[], healthyOnly = false): Map<string, number> {
    const counts = new Map<string, number>();
    for (const member of this.#members) if (!healthyOnly || this.#healthy.has(member)) counts.set(member, 0);
    for (const owner of assignment) if (owner !== null && counts.has(owner)) counts.set(owner, counts.get(owner)! + 1);
    return counts;
  }

  /** Fewest: first in member order among the poorest. Most: last in member order among the richest. */
  #pickMember(counts: Map<string, number>, which: "fewest" | "most"): string | null {
    let picked: string | null = null;
    let pickedCount = 0;
    for (const [member, count] of counts) {
      if (picked === null || (which === "fewest" ? count < pickedCount : count >= pickedCount)) {
        picked = member;
        pickedCount = count;
      }
    }
    return picked;
  }

  #requireMember(member: string): void {
    if (!this.#members.includes(member)) throw new RangeError(`${member} is not a member`);
  }
}
