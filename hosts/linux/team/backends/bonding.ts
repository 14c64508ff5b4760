// DEGRADED MODE: Linux bonding, balance-xor with xmit_hash_policy=layer2. It is NOT the patent's table; see
// docs/linux-bonding-degraded.md for exactly how it differs. In short:
// * the member is (DA[5] ^ SA[5] ^ ethertype) mod (number of usable members), a fixed XOR shuffle that the
//   control plane cannot program: applyTable() records the table and cannot honor it;
// * IPv4, ARP and IPv6 to the same peer can leave on different members (the ethertype is in the hash);
// * on a member failure the modulus changes and most destinations move, not only the failed member's.
// What it does give: one bond device carrying the team MAC (set explicitly at creation, so it does not follow
// the first enslaved port), members enslaved over rtnetlink, carrier monitoring by miimon with up/down delays.
// setMemberEnabled(false) takes the member administratively down, which removes it from the usable set.
import { existsSync, readFileSync } from "node:fs";
import { release as osRelease } from "node:os";
import { LinkClient } from "../../netlink/clients";
import {
  BOND_MODE_XOR,
  BOND_XMIT_POLICY_LAYER2,
  IFLA_BOND_DOWNDELAY,
  IFLA_BOND_MIIMON,
  IFLA_BOND_MODE,
  IFLA_BOND_UPDELAY,
  IFLA_BOND_XMIT_HASH_POLICY,
} from "../../netlink/constants";
import type { BackendStats, TeamBackend } from "../backend";
import type { TeamConfig } from "../config";
import { TeamError } from "../errors";
import { MasterDevice } from "./master-device";

/** Bonding's miimon period: carrier is sampled this often, and up/down delays must be multiples of it. */
export const BONDING_MIIMON_MS = 100;

/** The member bonding's layer2 policy picks (drivers/net/bonding/bond_main.c, bond_eth_hash + hash % count). */
export function bondingLayer2MemberIndex(destinationLastOctet: number, sourceLastOctet: number, ethertype: number, usableMembers: number): number {
  return ((destinationLastOctet ^ sourceLastOctet ^ ethertype) >>> 0) % usableMembers;
}

interface RunningBond {
  readonly master: MasterDevice;
  slots: (string | null)[];
}

function roundToMiimon(milliseconds: number): number {
  return Math.round(milliseconds / BONDING_MIIMON_MS) * BONDING_MIIMON_MS;
}

export class BondingBackend implements TeamBackend {
  readonly kind = "bonding" as const;
  readonly filtersBroadcasts = false;
  #running: RunningBond | null = null;

  /**
   * Why a bond cannot be made here, or null. Changes nothing: the bonding driver must be loaded
   * (/sys/module/bonding), built in, or present as a module the kernel loads when a bond is created.
   */
  static unavailableReason(): string | null {
    if (typeof process.getuid === "function" && process.getuid() !== 0) return "the bonding backend needs root (CAP_NET_ADMIN)";
    if (existsSync("/sys/module/bonding")) return null;
    const release = osRelease();
    for (const list of [`/lib/modules/${release}/modules.builtin`, `/lib/modules/${release}/modules.dep`]) {
      try {
        if (/(^|\/)bonding\.ko/m.test(readFileSync(list, "utf8"))) return null;
      } catch {
        // No such list: look at the next one.
      }
    }
    return `this kernel (${release}) has no bonding driver: /sys/module/bonding is missing and /lib/modules/${release} lists no bonding.ko`;
  }

  async up(config: TeamConfig, members: readonly string[]): Promise<void> {
    if (this.#running) throw new TeamError("apply-failed", `bond ${this.#running.master.name} is already up in this backend`);
    const master = new MasterDevice(new LinkClient(), config, { kind: "bond", device: "bond" });
    try {
      master.create([
        { type: IFLA_BOND_MODE, size: 1, value: BOND_MODE_XOR },
        { type: IFLA_BOND_XMIT_HASH_POLICY, size: 1, value: BOND_XMIT_POLICY_LAYER2 },
        { type: IFLA_BOND_MIIMON, size: 4, value: BONDING_MIIMON_MS },
        { type: IFLA_BOND_UPDELAY, size: 4, value: roundToMiimon(config.watchers.carrier.upDelayMs) },
        { type: IFLA_BOND_DOWNDELAY, size: 4, value: roundToMiimon(config.watchers.carrier.downDelayMs) },
      ]);
      for (const ifname of members) master.enslave(ifname);
      master.bringUp();
      this.#running = { master, slots: new Array<string | null>(1 << config.slotBits).fill(null) };
    } catch (error) {
      throw master.abandon(error);
    }
  }

  async down(): Promise<void> {
    const running = this.#requireRunning();
    this.#running = null;
    running.master.tearDown();
  }

  async addMember(ifname: string): Promise<void> {
    this.#requireRunning().master.addMember(ifname);
  }

  async removeMember(ifname: string): Promise<void> {
    this.#requireRunning().master.removeMember(ifname);
  }

  async setMemberEnabled(ifname: string, enabled: boolean): Promise<void> {
    const running = this.#requireRunning();
    const member = running.master.requireMember(ifname);
    running.master.links.change({ index: member.index }, { up: enabled }, `${enabled ? "bringing up" : "taking down"} bond member ${ifname}`);
    member.enabled = enabled;
  }

  /** Recorded only: bonding's layer2 policy has no table to program (see docs/linux-bonding-degraded.md). */
  async applyTable(slots: readonly (string | null)[]): Promise<void> {
    const running = this.#requireRunning();
    if (slots.length !== running.slots.length) throw new TeamError("apply-failed", `the table must have ${running.slots.length} slots, got ${slots.length}`);
    for (const ifname of slots) if (ifname !== null) running.master.requireMember(ifname);
    running.slots = [...slots];
  }

  /** Bonding delivers broadcasts from every member in balance-xor: recorded, not enforced. */
  async setBroadcastMember(ifname: string | null): Promise<void> {
    const running = this.#requireRunning();
    if (ifname !== null) running.master.requireMember(ifname);
  }

  async stats(): Promise<BackendStats> {
    const running = this.#requireRunning();
    return { members: running.master.memberCounters(), slotTxBytes: null };
  }

  #requireRunning(): RunningBond {
    if (!this.#running) throw new TeamError("not-running", "the bond is not up in this backend");
    return this.#running;
  }
}
