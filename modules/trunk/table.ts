// The patent's trunk table (US6151297): N = 2^M entries holding member numbers spread evenly; the member that carries
// a frame is table[low M bits of a MAC]. The one implementation both sides of the patent run: the firmware indexes it
// with the source MAC (toward the server, members are switch port numbers), the Linux teaming shim and the simulated
// server with the destination MAC (toward the clients, members are small NIC ids; hosts/linux/team/interface-table.ts
// keeps the interface name of each id). Chip-independent and exact: a chip with a writable member-selection table is
// given these entries; a chip without one (BCM53125) gets the nearest it can express (see modules/trunk/service.ts).
//
// Failover rules (the patent's "a failed link's entries move to the surviving links"):
//   * failing a member moves only the entries that member holds, each to the survivor holding the fewest entries
//     (ties: the earlier member), so the survivors stay as even as possible;
//   * a member that returns takes back exactly its home entries (the ones the even spread gave it), failback
//     "restore"; under failback "sticky" it takes nothing back and gets entries again when another member fails;
//   * entries no member holds (every member was down) go to the first member that is up again;
//   * no other entry ever moves.
// Home spread: entry i belongs to members[i mod k], which gives 8 entries over 3 members 3:3:2, over 5 2:2:2:1:1, over
// 6 2:2:1:1:1:1, over 7 2:1:1:1:1:1:1, and the patent's example (32 entries, 4 ports) 8 each.
//
// Members that join and leave (a server team whose NICs come and go; tables made with `dynamicMembers`):
//   * a newcomer's home share is floor(N / k): it takes home entries nobody has, then one at a time the last home
//     entry of the member holding the most (ties: the later member). Up, it takes those entries now; only they move.
//     Down, it takes them when it returns (like any returning member);
//   * a member that leaves gives each of its home entries to the remaining member with the fewest home entries (ties:
//     the earlier member), and each entry it holds now to that entry's home member if it is up, else to the up member
//     holding the fewest. Nothing else moves.
//
// State lives in typed arrays allocated by the constructor; lookups, failures and returns allocate nothing (joins and
// leaves make a new `members` list).

import { InvalidArgumentError } from "../errors";
import { isMac, macLowBits } from "../mac";

export const TRUNK_TABLE_MIN_INDEX_BITS = 1;
export const TRUNK_TABLE_MAX_INDEX_BITS = 8;
export const TRUNK_TABLE_DEFAULT_INDEX_BITS = 3;
/** Member numbers a table can hold: port numbers (chips number ports 0..31 at most), or a team's NIC ids. */
export const TRUNK_TABLE_MAX_PORT = 31;
/** What memberFor / memberAt return when every member is down (and homeMemberAt when a table has no member). */
export const NO_MEMBER = -1;

/** What a returning member takes back: its home entries ("restore"), or only entries nobody holds ("sticky"). */
export type TrunkFailback = "restore" | "sticky";

export interface TrunkTableOptions {
  /** Member numbers (0..31), distinct, in the order the home spread and ties use them (normally ascending). */
  members: readonly number[];
  /** M: the table has 2^M entries, indexed by the low M bits of a MAC (1..8, default 3). */
  indexBits?: number;
  /**
   * Members join and leave while the table runs (a server team): the table may start with no member and may hold
   * more members than entries (the extra ones have no home entry). Off for a switch trunk, whose members are
   * configured together and must fit the table.
   */
  dynamicMembers?: boolean;
}

/** Throws InvalidArgumentError unless the options describe a valid table. Changes nothing. */
export function validateTrunkTableOptions(options: TrunkTableOptions): void {
  const indexBits = options.indexBits ?? TRUNK_TABLE_DEFAULT_INDEX_BITS;
  if (!Number.isInteger(indexBits) || indexBits < TRUNK_TABLE_MIN_INDEX_BITS || indexBits > TRUNK_TABLE_MAX_INDEX_BITS)
    throw new InvalidArgumentError(
      `table index bits M must be an integer ${TRUNK_TABLE_MIN_INDEX_BITS}..${TRUNK_TABLE_MAX_INDEX_BITS} (2..256 entries), not ${indexBits}`,
    );
  const members = options.members;
  const dynamic = options.dynamicMembers === true;
  if (!Array.isArray(members) || (members.length === 0 && !dynamic)) throw new InvalidArgumentError("a trunk table needs at least one member port");
  const size = 2 ** indexBits;
  if (members.length > size && !dynamic)
    throw new InvalidArgumentError(
      `${members.length} members do not fit a table of ${size} entries (M = ${indexBits}): use M >= ${Math.ceil(Math.log2(members.length))}`,
    );
  let seen = 0;
  for (const port of members) {
    if (!isMemberNumber(port)) throw new InvalidArgumentError(`member port ${port} is not a port number 0..${TRUNK_TABLE_MAX_PORT}`);
    if ((seen >>> port) & 1) throw new InvalidArgumentError(`member port ${port} is listed twice`);
    seen |= 1 << port;
  }
}

function isMemberNumber(value: number): boolean {
  return Number.isInteger(value) && value >= 0 && value <= TRUNK_TABLE_MAX_PORT;
}

export class TrunkTable {
  readonly indexBits: number;
  readonly size: number;
  readonly #dynamic: boolean;
  /** Live entries: a member number, or NO_MEMBER when every member is down. */
  readonly #live: Int8Array;
  /** Home entries: the member the even spread gives each entry (NO_MEMBER only while the table has no member). */
  readonly #home: Int8Array;
  /** Live entries each member number holds now. */
  readonly #load = new Uint16Array(TRUNK_TABLE_MAX_PORT + 1);
  /** Home entries each member number holds. */
  readonly #homeLoad = new Uint16Array(TRUNK_TABLE_MAX_PORT + 1);
  /** Members in home-spread order; a new frozen list on every join and leave. */
  #members: readonly number[];
  /** Bitmaps (bit p = member p) of the members, and of those that are up. */
  #memberBits = 0;
  #upBits = 0;
  #upCount: number;

  constructor(options: TrunkTableOptions) {
    validateTrunkTableOptions(options);
    this.indexBits = options.indexBits ?? TRUNK_TABLE_DEFAULT_INDEX_BITS;
    this.size = 2 ** this.indexBits;
    this.#dynamic = options.dynamicMembers === true;
    this.#members = Object.freeze(options.members.slice());
    const k = this.#members.length;
    this.#live = new Int8Array(this.size);
    this.#home = new Int8Array(this.size);
    for (const port of this.#members) this.#memberBits |= 1 << port;
    this.#upBits = this.#memberBits;
    this.#upCount = k;
    for (let i = 0; i < this.size; i++) {
      const member = k === 0 ? NO_MEMBER : this.#members[i % k];
      this.#home[i] = member;
      this.#live[i] = member;
      if (member !== NO_MEMBER) {
        this.#load[member]++;
        this.#homeLoad[member]++;
      }
    }
  }

  /** Configured members, in home-spread order. */
  get members(): readonly number[] {
    return this.#members;
  }

  /** The member for a frame with this MAC (the SA toward the server, the DA toward the clients): table[low M bits]. */
  memberFor(mac: number): number {
    if (!isMac(mac)) throw new InvalidArgumentError(`${mac} is not a 48-bit MAC address`);
    return this.#live[macLowBits(mac, this.indexBits)];
  }

  /** The table index a MAC selects (its low M bits). */
  indexFor(mac: number): number {
    if (!isMac(mac)) throw new InvalidArgumentError(`${mac} is not a 48-bit MAC address`);
    return macLowBits(mac, this.indexBits);
  }

  /** The member entry `index` holds now, or NO_MEMBER. */
  memberAt(index: number): number {
    this.#checkIndex(index);
    return this.#live[index];
  }

  /** The member entry `index` holds while every member is up (NO_MEMBER while the table has no member). */
  homeMemberAt(index: number): number {
    this.#checkIndex(index);
    return this.#home[index];
  }

  /** Copies the live entries (member numbers, NO_MEMBER for none) into `out` (length >= size). */
  copyEntries(out: Int8Array | number[]): void {
    for (let i = 0; i < this.size; i++) out[i] = this.#live[i];
  }

  /** Live entries as a new array of member numbers (for views and tests; not for hot paths). */
  entries(): number[] {
    const out: number[] = [];
    for (let i = 0; i < this.size; i++) out.push(this.#live[i]);
    return out;
  }

  /** How many entries `port` holds now (0 when it is down or not a member). */
  entryCount(port: number): number {
    return this.isMember(port) ? this.#load[port] : 0;
  }

  isMember(port: number): boolean {
    return isMemberNumber(port) && ((this.#memberBits >>> port) & 1) === 1;
  }

  isUp(port: number): boolean {
    return isMemberNumber(port) && ((this.#upBits >>> port) & 1) === 1;
  }

  /** Bitmap (bit p = port p) of the members that are up. */
  get upMask(): number {
    return this.#upBits >>> 0;
  }

  /** Bitmap of every configured member. */
  get memberMask(): number {
    return this.#memberBits >>> 0;
  }

  get upCount(): number {
    return this.#upCount;
  }

  /**
   * Takes a member out: only the entries it holds move, each to the least-loaded survivor. Returns how many entries
   * moved (0 if it was already down). With no survivor its entries hold NO_MEMBER until a member returns.
   */
  fail(port: number): number {
    this.#requireMember(port);
    if (!this.isUp(port)) return 0;
    this.#upBits &= ~(1 << port);
    this.#upCount--;
    let moved = 0;
    for (let i = 0; i < this.size; i++) {
      if (this.#live[i] !== port) continue;
      this.#assign(i, this.#leastLoadedUpMember());
      moved++;
    }
    return moved;
  }

  /**
   * Brings a member back: under "restore" (the default) its home entries return to it; under "sticky" they stay
   * where failover put them. Either way entries no member held (all were down) go to the members that are up, which
   * is then this one alone. Nothing else moves. Returns how many entries moved (0 if it was already up).
   */
  restore(port: number, failback: TrunkFailback = "restore"): number {
    this.#requireMember(port);
    if (this.isUp(port)) return 0;
    this.#upBits |= 1 << port;
    this.#upCount++;
    let moved = 0;
    if (failback === "restore") {
      for (let i = 0; i < this.size; i++) {
        if (this.#home[i] !== port || this.#live[i] === port) continue;
        this.#assign(i, port);
        moved++;
      }
    }
    moved += this.#fillUnheld();
    return moved;
  }

  /**
   * A member joins (tables with dynamicMembers): the home layout is rebalanced by taking home entries from the members
   * holding the most. An up newcomer takes those entries now (and any nobody holds); only they move. A down newcomer
   * takes them when it is restored. Returns how many live entries moved.
   */
  addMember(port: number, up = true): number {
    this.#requireDynamic();
    if (!isMemberNumber(port)) throw new InvalidArgumentError(`member ${port} is not a member number 0..${TRUNK_TABLE_MAX_PORT}`);
    if (this.isMember(port)) throw new InvalidArgumentError(`member ${port} is already a member`);
    const share = Math.floor(this.size / (this.#members.length + 1));
    let taken = 0;
    for (let i = 0; i < this.size; i++) {
      if (this.#home[i] !== NO_MEMBER) continue;
      this.#home[i] = port;
      taken++;
    }
    for (; taken < share; taken++) {
      const richest = this.#homeMemberBy(true);
      if (richest === NO_MEMBER || this.#homeLoad[richest] === 0) break;
      let entry = this.size - 1;
      while (this.#home[entry] !== richest) entry--;
      this.#home[entry] = port;
      this.#homeLoad[richest]--;
    }
    this.#homeLoad[port] = taken;
    this.#members = Object.freeze([...this.#members, port]);
    this.#memberBits |= 1 << port;
    if (!up) return 0;
    this.#upBits |= 1 << port;
    this.#upCount++;
    let moved = 0;
    for (let i = 0; i < this.size; i++) {
      if (this.#home[i] !== port || this.#live[i] === port) continue;
      this.#assign(i, port);
      moved++;
    }
    return moved + this.#fillUnheld();
  }

  /**
   * A member leaves (tables with dynamicMembers): its home entries go to the members with the fewest, and the entries
   * it holds now to their home member when that is up, else to the up member holding the fewest. Returns how many
   * live entries moved.
   */
  removeMember(port: number): number {
    this.#requireDynamic();
    this.#requireMember(port);
    if (this.isUp(port)) {
      this.#upBits &= ~(1 << port);
      this.#upCount--;
    }
    this.#memberBits &= ~(1 << port);
    this.#members = Object.freeze(this.#members.filter((member) => member !== port));
    for (let i = 0; i < this.size; i++) {
      if (this.#home[i] !== port) continue;
      const heir = this.#homeMemberBy(false);
      this.#home[i] = heir;
      if (heir !== NO_MEMBER) this.#homeLoad[heir]++;
    }
    this.#homeLoad[port] = 0;
    let moved = 0;
    for (let i = 0; i < this.size; i++) {
      if (this.#live[i] !== port) continue;
      const home = this.#home[i];
      this.#assign(i, home !== NO_MEMBER && this.isUp(home) ? home : this.#leastLoadedUpMember());
      moved++;
    }
    return moved;
  }

  /** Entry i goes to `member` (or NO_MEMBER); keeps the loads. */
  #assign(i: number, member: number): void {
    const current = this.#live[i];
    if (current !== NO_MEMBER) this.#load[current]--;
    this.#live[i] = member;
    if (member !== NO_MEMBER) this.#load[member]++;
  }

  /** Entries nobody holds go to the least-loaded up member. They exist only while every member was down. */
  #fillUnheld(): number {
    let moved = 0;
    for (let i = 0; i < this.size; i++) {
      if (this.#live[i] !== NO_MEMBER) continue;
      const target = this.#leastLoadedUpMember();
      if (target === NO_MEMBER) break;
      this.#assign(i, target);
      moved++;
    }
    return moved;
  }

  /** The up member holding the fewest live entries; ties go to the earlier member. */
  #leastLoadedUpMember(): number {
    let best = NO_MEMBER;
    for (let m = 0; m < this.#members.length; m++) {
      const port = this.#members[m];
      if (!this.isUp(port)) continue;
      if (best === NO_MEMBER || this.#load[port] < this.#load[best]) best = port;
    }
    return best;
  }

  /** The member holding the fewest home entries (ties: the earlier member), or with `most` the most (ties: the later). */
  #homeMemberBy(most: boolean): number {
    let best = NO_MEMBER;
    for (let m = 0; m < this.#members.length; m++) {
      const port = this.#members[m];
      const load = this.#homeLoad[port];
      if (best === NO_MEMBER || (most ? load >= this.#homeLoad[best] : load < this.#homeLoad[best])) best = port;
    }
    return best;
  }

  #requireMember(port: number): void {
    if (!this.isMember(port))
      throw new InvalidArgumentError(`port ${port} is not a member of this trunk (members ${this.#members.join(", ")})`);
  }

  #requireDynamic(): void {
    if (!this.#dynamic) throw new InvalidArgumentError("this trunk's members are configured together: reconfigure the trunk to change them");
  }

  #checkIndex(index: number): void {
    if (!Number.isInteger(index) || index < 0 || index >= this.size)
      throw new InvalidArgumentError(`table index ${index} is outside 0..${this.size - 1}`);
  }
}
