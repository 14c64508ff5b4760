// Ways to pick a trunk member toward the server, side by side, for the balance and failover measurements. Toward the
// server the DA is always the server's MAC, so only the SA spreads the load (shared/facts/switch-users-expect.md
// "Trunk hashing in practice").
//   * the patent's table (modules/trunk/table.ts: table[low M bits of SA], failover moves only the failed entries);
//   * the BCM53125 model's named assumption (hosts/sim/bcm53125/assumptions.ts: low 3 bits of the SA modulo the
//     number of link-up members, in port order);
//   * Linux bonding's layer2 policy ((DA[5] XOR SA[5] XOR EtherType) mod usable members, facts/linux-teaming.md);
//   * CRC-16/CCITT-FALSE (polynomial 0x1021, initial value 0xFFFF) over DA then SA, mod usable members, standing in
//     for the CRC16 hash of the published comparisons.
import { TrunkTable } from "../../../modules/trunk/table";
import { lowBitsModuloMemberIndex } from "../bcm53125/assumptions";
import { macOctet } from "../../../modules/mac";

export type MemberHashName = "patent-table" | "bcm53125-assumption" | "bonding-layer2" | "crc16";

export const MEMBER_HASH_NAMES: readonly MemberHashName[] = ["patent-table", "bcm53125-assumption", "bonding-layer2", "crc16"];

/** A member picker for one trunk: which member port a frame (da, sa, ethertype) takes, given which members are up. */
export interface MemberPicker {
  readonly name: MemberHashName;
  pick(da: number, sa: number, ethertype: number): number;
  /** A member's link failed: the picker reacts as its scheme does. */
  fail(port: number): void;
  restore(port: number): void;
}

/** CRC-16/CCITT-FALSE of the 12 octets DA then SA. */
export function crc16OfAddresses(da: number, sa: number): number {
  let crc = 0xffff;
  for (let i = 0; i < 12; i++) {
    const octet = i < 6 ? macOctet(da, i) : macOctet(sa, i - 6);
    crc ^= octet << 8;
    for (let bit = 0; bit < 8; bit++) crc = crc & 0x8000 ? ((crc << 1) ^ 0x1021) & 0xffff : (crc << 1) & 0xffff;
  }
  return crc;
}

/** Linux bonding xmit_hash_policy=layer2 before the modulo: DA[5] XOR SA[5] XOR EtherType. */
export function bondingLayer2Hash(da: number, sa: number, ethertype: number): number {
  return macOctet(da, 5) ^ macOctet(sa, 5) ^ ethertype;
}

/** Schemes that pick "hash mod usable members" among the link-up members in ascending port order. */
class ModuloPicker implements MemberPicker {
  readonly #members: number[];
  readonly #up: Set<number>;
  constructor(readonly name: MemberHashName, members: readonly number[], readonly hash: (da: number, sa: number, ethertype: number, upCount: number) => number) {
    this.#members = [...members].sort((a, b) => a - b);
    this.#up = new Set(members);
  }
  pick(da: number, sa: number, ethertype: number): number {
    const up = this.#members.filter((port) => this.#up.has(port));
    if (up.length === 0) return -1;
    return up[this.hash(da, sa, ethertype, up.length)];
  }
  fail(port: number): void {
    this.#up.delete(port);
  }
  restore(port: number): void {
    this.#up.add(port);
  }
}

class TablePicker implements MemberPicker {
  readonly name = "patent-table" as const;
  readonly table: TrunkTable;
  constructor(members: readonly number[], indexBits: number) {
    this.table = new TrunkTable({ members, indexBits });
  }
  pick(_da: number, sa: number): number {
    return this.table.memberFor(sa);
  }
  fail(port: number): void {
    this.table.fail(port);
  }
  restore(port: number): void {
    this.table.restore(port);
  }
}

/** A fresh picker of scheme `name` over `members` (all up). `indexBits` is M for the patent's table (default 3). */
export function memberPicker(name: MemberHashName, members: readonly number[], indexBits = 3): MemberPicker {
  switch (name) {
    case "patent-table":
      return new TablePicker(members, indexBits);
    case "bcm53125-assumption":
      return new ModuloPicker(name, members, (da, sa, _ethertype, upCount) => lowBitsModuloMemberIndex(2, da, sa, upCount));
    case "bonding-layer2":
      return new ModuloPicker(name, members, (da, sa, ethertype, upCount) => bondingLayer2Hash(da, sa, ethertype) % upCount);
    case "crc16":
      return new ModuloPicker(name, members, (da, sa, _ethertype, upCount) => crc16OfAddresses(da, sa) % upCount);
  }
}

export interface BalanceResult {
  /** Clients per member port. */
  readonly perMember: Map<number, number>;
  /** The busiest member's share of the clients (0..1). */
  readonly busiestShare: number;
  /** 1/k. */
  readonly idealShare: number;
}

/** How one client population (one flow each, equal load) spreads over the members. */
export function balanceOf(picker: MemberPicker, members: readonly number[], serverMac: number, clients: readonly number[], ethertype = 0x0800): BalanceResult {
  const perMember = new Map<number, number>(members.map((port) => [port, 0]));
  for (const sa of clients) {
    const port = picker.pick(serverMac, sa, ethertype);
    perMember.set(port, (perMember.get(port) ?? 0) + 1);
  }
  const busiest = Math.max(...perMember.values());
  return { perMember, busiestShare: busiest / clients.length, idealShare: 1 / members.length };
}

export interface FailoverChurn {
  /** Flows (clients) whose member changed when `failed` went down. */
  readonly moved: number;
  /** Of those, flows that were on the failed member (they must move). */
  readonly movedFromFailed: number;
  readonly flows: number;
  /** Flows whose member changed again when `failed` returned. */
  readonly movedOnRestore: number;
}

/** Member changes when one member fails and when it returns, for a fresh picker of scheme `name`. */
export function failoverChurn(name: MemberHashName, members: readonly number[], failed: number, serverMac: number, clients: readonly number[], indexBits = 3): FailoverChurn {
  const picker = memberPicker(name, members, indexBits);
  const before = clients.map((sa) => picker.pick(serverMac, sa, 0x0800));
  picker.fail(failed);
  const during = clients.map((sa) => picker.pick(serverMac, sa, 0x0800));
  picker.restore(failed);
  const after = clients.map((sa) => picker.pick(serverMac, sa, 0x0800));
  let moved = 0;
  let movedFromFailed = 0;
  let movedOnRestore = 0;
  for (let i = 0; i < clients.length; i++) {
    if (before[i] !== during[i]) {
      moved++;
      if (before[i] === failed) movedFromFailed++;
    }
    if (during[i] !== after[i]) movedOnRestore++;
  }
  return { moved, movedFromFailed, flows: clients.length, movedOnRestore };
}
