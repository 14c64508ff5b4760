// The team's view of the patent's table (modules/trunk/table.ts, the same code the switch firmware runs): N = 2^M
// slots; the outgoing member of a frame is slots[low M bits of its destination MAC]. The table holds small member
// numbers; this class only names them: each interface gets the lowest free number when it joins and gives it back
// when it leaves. Every rule (home layout, failover, restore/sticky failback, joins, removals) is the table's.
import type { FailbackPolicy } from "./config";
import { MAX_SLOT_BITS } from "./config";
import { macLowBits } from "../../../modules/mac";
import { NO_MEMBER, TRUNK_TABLE_MAX_PORT, TrunkTable } from "../../../modules/trunk/table";

export type SlotOwner = string | null;

/** Most interfaces one team holds (the table numbers its members 0..31). */
export const MAX_TEAM_MEMBERS = TRUNK_TABLE_MAX_PORT + 1;

export class InterfaceTable {
  readonly slotBits: number;
  readonly size: number;
  readonly #table: TrunkTable;
  /** Interface name of each member number (undefined: free). */
  readonly #names: (string | undefined)[] = new Array(MAX_TEAM_MEMBERS).fill(undefined);
  readonly #numbers = new Map<string, number>();
  readonly #before: Int8Array;

  /** Members listed here start healthy and are laid out round-robin: slot i -> members[i mod k]. */
  constructor(slotBits: number, members: readonly string[] = []) {
    if (!Number.isInteger(slotBits) || slotBits < 1 || slotBits > MAX_SLOT_BITS) {
      throw new RangeError(`slotBits must be an integer from 1 to ${MAX_SLOT_BITS}, got ${slotBits}`);
    }
    if (new Set(members).size !== members.length) throw new RangeError("members must be distinct");
    if (members.length > MAX_TEAM_MEMBERS) throw new RangeError(`a team holds at most ${MAX_TEAM_MEMBERS} members`);
    members.forEach((name, number) => this.#name(name, number));
    this.#table = new TrunkTable({ members: members.map((_, number) => number), indexBits: slotBits, dynamicMembers: true });
    this.slotBits = slotBits;
    this.size = this.#table.size;
    this.#before = new Int8Array(this.size);
  }

  /** Slot of a destination MAC given as its six octets (DA[5] & (N - 1), as the team driver's BPF hash). */
  static slotOfDestination(destination: Uint8Array, slotBits: number): number {
    return macLowBits(destination[5]!, slotBits);
  }

  /** Members in the order they joined (the order the table breaks ties by). */
  get members(): readonly string[] {
    return this.#table.members.map((number) => this.#names[number]!);
  }

  /** The owner of each slot now (null: every member is down). */
  get slots(): readonly SlotOwner[] {
    return this.#table.entries().map((number) => this.#ownerOf(number));
  }

  /** The owner of each slot while every member is healthy. */
  get homeSlots(): readonly SlotOwner[] {
    return Array.from({ length: this.size }, (_, slot) => this.#ownerOf(this.#table.homeMemberAt(slot)));
  }

  isHealthy(member: string): boolean {
    const number = this.#numbers.get(member);
    return number !== undefined && this.#table.isUp(number);
  }

  slotsOf(member: string): number[] {
    const number = this.#numbers.get(member);
    if (number === undefined) return [];
    return this.#table.entries().flatMap((owner, slot) => (owner === number ? [slot] : []));
  }

  memberForSlot(slot: number): SlotOwner {
    return this.#ownerOf(this.#table.memberAt(slot));
  }

  /**
   * Adds a member; the home layout is rebalanced by taking slots from the members holding the most. A healthy
   * newcomer takes those slots now (only they move). Returns the slots that moved.
   */
  addMember(member: string, healthy = true): number[] {
    if (this.#numbers.has(member)) throw new RangeError(`${member} is already a member`);
    const number = this.#names.indexOf(undefined);
    if (number < 0) throw new RangeError(`a team holds at most ${MAX_TEAM_MEMBERS} members; ${member} cannot join`);
    this.#name(member, number);
    return this.#movedBy(() => this.#table.addMember(number, healthy));
  }

  /** Takes a member out of the team. Its slots (home and current) go to the others; nothing else moves. */
  removeMember(member: string): number[] {
    const number = this.#numberOf(member);
    const moved = this.#movedBy(() => this.#table.removeMember(number));
    this.#numbers.delete(member);
    this.#names[number] = undefined;
    return moved;
  }

  /** The member stopped passing traffic: only its slots move, each to the healthy member with the fewest slots. */
  markFailed(member: string): number[] {
    const number = this.#numberOf(member);
    return this.#movedBy(() => this.#table.fail(number));
  }

  /**
   * The member passes traffic again. "restore": its home slots come back to it. "sticky": it takes only slots
   * that have no owner (everything was down); it gets more when another member fails.
   */
  markRecovered(member: string, failback: FailbackPolicy): number[] {
    const number = this.#numberOf(member);
    return this.#movedBy(() => this.#table.restore(number, failback));
  }

  /** Runs a table change and lists the slots whose owner it changed, ascending. */
  #movedBy(change: () => number): number[] {
    this.#table.copyEntries(this.#before);
    if (change() === 0) return [];
    const moved: number[] = [];
    for (let slot = 0; slot < this.size; slot++) if (this.#table.memberAt(slot) !== this.#before[slot]) moved.push(slot);
    return moved;
  }

  #name(member: string, number: number): void {
    this.#names[number] = member;
    this.#numbers.set(member, number);
  }

  #numberOf(member: string): number {
    const number = this.#numbers.get(member);
    if (number === undefined) throw new RangeError(`${member} is not a member`);
    return number;
  }

  #ownerOf(number: number): SlotOwner {
    return number === NO_MEMBER ? null : this.#names[number]!;
  }
}
