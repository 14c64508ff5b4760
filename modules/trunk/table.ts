// The patent's trunk table (US6151297): N = 2^M entries holding member port numbers spread evenly; the member that
// carries a frame toward the server is table[low M bits of the frame's source MAC]. Chip-independent and exact: a
// chip with a writable member-selection table is given these entries; a chip without one (BCM53125) gets the nearest
// it can express (see modules/trunk/service.ts).
//
// Failover rules (the patent's "a failed link's entries move to the surviving links"):
//   * failing a member moves only the entries that member holds, each to the survivor holding the fewest entries
//     (ties: the earlier configured member), so the survivors stay as even as possible;
//   * a member that returns takes back exactly its home entries (the ones the even spread gave it);
//   * no other entry ever moves.
// Home spread: entry i belongs to members[i mod k], which gives 8 entries over 3 members 3:3:2, over 5 2:2:2:1:1, over
// 6 2:2:1:1:1:1, over 7 2:1:1:1:1:1:1, and the patent's example (32 entries, 4 ports) 8 each.
//
// State lives in typed arrays allocated by the constructor; lookups, failures and returns allocate nothing.

import { InvalidArgumentError } from "../errors";
import { isMac, macLowBits } from "../mac";

export const TRUNK_TABLE_MIN_INDEX_BITS = 1;
export const TRUNK_TABLE_MAX_INDEX_BITS = 8;
export const TRUNK_TABLE_DEFAULT_INDEX_BITS = 3;
/** Port numbers a table can hold (chips number ports 0..31 at most). */
export const TRUNK_TABLE_MAX_PORT = 31;
/** What memberFor / memberAt return when every member is down. */
export const NO_MEMBER = -1;

export interface TrunkTableOptions {
  /** Member port numbers, distinct, in the order the home spread uses them (normally ascending). */
  members: readonly number[];
  /** M: the table has 2^M entries, indexed by the low M bits of the source MAC (1..8, default 3). */
  indexBits?: number;
}

/** Throws InvalidArgumentError unless the options describe a valid table. Changes nothing. */
export function validateTrunkTableOptions(options: TrunkTableOptions): void {
  const indexBits = options.indexBits ?? TRUNK_TABLE_DEFAULT_INDEX_BITS;
  if (!Number.isInteger(indexBits) || indexBits < TRUNK_TABLE_MIN_INDEX_BITS || indexBits > TRUNK_TABLE_MAX_INDEX_BITS)
    throw new InvalidArgumentError(
      `table index bits M must be an integer ${TRUNK_TABLE_MIN_INDEX_BITS}..${TRUNK_TABLE_MAX_INDEX_BITS} (2..256 entries), not ${indexBits}`,
    );
  const members = options.members;
  if (!Array.isArray(members) || members.length === 0) throw new InvalidArgumentError("a trunk table needs at least one member port");
  const size = 2 ** indexBits;
  if (members.length > size)
    throw new InvalidArgumentError(
      `${members.length} members do not fit a table of ${size} entries (M = ${indexBits}): use M >= ${Math.ceil(Math.log2(members.length))}`,
    );
  let seen = 0;
  for (const port of members) {
    if (!Number.isInteger(port) || port < 0 || port > TRUNK_TABLE_MAX_PORT)
      throw new InvalidArgumentError(`member port ${port} is not a port number 0..${TRUNK_TABLE_MAX_PORT}`);
    if ((seen >>> port) & 1) throw new InvalidArgumentError(`member port ${port} is listed twice`);
    seen |= 1 << port;
  }
}

export class TrunkTable {
  readonly indexBits: number;
  readonly size: number;
  /** Configured members, in home-spread order. */
  readonly members: readonly number[];
  /** Live entries: a member index (into `members`), or NO_MEMBER when every member is down. */
  readonly #live: Int8Array;
  /** Home entries: entry i -> member index i mod k. */
  readonly #home: Int8Array;
  /** Entries each member (by index) holds now. */
  readonly #load: Uint16Array;
  readonly #up: Uint8Array;
  #upCount: number;

  constructor(options: TrunkTableOptions) {
    validateTrunkTableOptions(options);
    this.indexBits = options.indexBits ?? TRUNK_TABLE_DEFAULT_INDEX_BITS;
    this.size = 2 ** this.indexBits;
    this.members = Object.freeze(options.members.slice());
    const k = this.members.length;
    this.#live = new Int8Array(this.size);
    this.#home = new Int8Array(this.size);
    this.#load = new Uint16Array(k);
    this.#up = new Uint8Array(k).fill(1);
    this.#upCount = k;
    for (let i = 0; i < this.size; i++) {
      const member = i % k;
      this.#home[i] = member;
      this.#live[i] = member;
      this.#load[member]++;
    }
  }

  /** The member port toward the server for a frame with this source MAC: table[low M bits of SA]. */
  memberFor(sa: number): number {
    if (!isMac(sa)) throw new InvalidArgumentError(`${sa} is not a 48-bit MAC address`);
    return this.#portOf(this.#live[macLowBits(sa, this.indexBits)]);
  }

  /** The table index a source MAC selects (its low M bits). */
  indexFor(sa: number): number {
    if (!isMac(sa)) throw new InvalidArgumentError(`${sa} is not a 48-bit MAC address`);
    return macLowBits(sa, this.indexBits);
  }

  /** The member port entry `index` holds now, or NO_MEMBER. */
  memberAt(index: number): number {
    this.#checkIndex(index);
    return this.#portOf(this.#live[index]);
  }

  /** The member port entry `index` holds while every member is up. */
  homeMemberAt(index: number): number {
    this.#checkIndex(index);
    return this.members[this.#home[index]];
  }

  /** Copies the live entries (port numbers, NO_MEMBER for none) into `out` (length >= size). */
  copyEntries(out: Int8Array | number[]): void {
    for (let i = 0; i < this.size; i++) out[i] = this.#portOf(this.#live[i]);
  }

  /** Live entries as a new array of port numbers (for views and tests; not for hot paths). */
  entries(): number[] {
    const out: number[] = [];
    for (let i = 0; i < this.size; i++) out.push(this.#portOf(this.#live[i]));
    return out;
  }

  /** How many entries `port` holds now (0 when it is down or not a member). */
  entryCount(port: number): number {
    const member = this.members.indexOf(port);
    return member < 0 ? 0 : this.#load[member];
  }

  isMember(port: number): boolean {
    return this.members.indexOf(port) >= 0;
  }

  isUp(port: number): boolean {
    const member = this.members.indexOf(port);
    return member >= 0 && this.#up[member] === 1;
  }

  /** Bitmap (bit p = port p) of the members that are up. */
  get upMask(): number {
    let mask = 0;
    for (let m = 0; m < this.members.length; m++) if (this.#up[m]) mask |= 1 << this.members[m];
    return mask >>> 0;
  }

  /** Bitmap of every configured member. */
  get memberMask(): number {
    let mask = 0;
    for (const port of this.members) mask |= 1 << port;
    return mask >>> 0;
  }

  get upCount(): number {
    return this.#upCount;
  }

  /**
   * Takes a member out: only the entries it holds move, each to the least-loaded survivor. Returns how many entries
   * moved (0 if it was already down). With no survivor its entries hold NO_MEMBER until a member returns.
   */
  fail(port: number): number {
    const member = this.#memberIndex(port);
    if (!this.#up[member]) return 0;
    this.#up[member] = 0;
    this.#upCount--;
    let moved = 0;
    for (let i = 0; i < this.size; i++) {
      if (this.#live[i] !== member) continue;
      const target = this.#leastLoadedUpMember();
      this.#live[i] = target;
      this.#load[member]--;
      if (target !== NO_MEMBER) this.#load[target]++;
      moved++;
    }
    return moved;
  }

  /**
   * Brings a member back: its home entries return to it, and entries no member held (all were down) are spread over
   * the members that are up. Nothing else moves. Returns how many entries moved (0 if it was already up).
   */
  restore(port: number): number {
    const member = this.#memberIndex(port);
    if (this.#up[member]) return 0;
    this.#up[member] = 1;
    this.#upCount++;
    let moved = 0;
    for (let i = 0; i < this.size; i++) {
      const current = this.#live[i];
      if (this.#home[i] === member) {
        if (current === member) continue;
        if (current !== NO_MEMBER) this.#load[current]--;
        this.#live[i] = member;
        this.#load[member]++;
        moved++;
      }
    }
    for (let i = 0; i < this.size; i++) {
      if (this.#live[i] !== NO_MEMBER) continue;
      const target = this.#leastLoadedUpMember();
      this.#live[i] = target;
      this.#load[target]++;
      moved++;
    }
    return moved;
  }

  #leastLoadedUpMember(): number {
    let best = NO_MEMBER;
    for (let m = 0; m < this.members.length; m++) {
      if (!this.#up[m]) continue;
      if (best === NO_MEMBER || this.#load[m] < this.#load[best]) best = m;
    }
    return best;
  }

  #portOf(member: number): number {
    return member === NO_MEMBER ? NO_MEMBER : this.members[member];
  }

  #memberIndex(port: number): number {
    const member = this.members.indexOf(port);
    if (member < 0) throw new InvalidArgumentError(`port ${port} is not a member of this trunk (members ${this.members.join(", ")})`);
    return member;
  }

  #checkIndex(index: number): void {
    if (!Number.isInteger(index) || index < 0 || index >= this.size)
      throw new InvalidArgumentError(`table index ${index} is outside 0..${this.size - 1}`);
  }
}
