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
import { NetlinkError } from "../../netlink/errors";
import {
  BOND_MODE_XOR,
  BOND_XMIT_POLICY_LAYER2,
  IFLA_BOND_DOWNDELAY,
  IFLA_BOND_MIIMON,
  IFLA_BOND_MODE,
  IFLA_BOND_UPDELAY,
  IFLA_BOND_XMIT_HASH_POLICY,
} from "../../netlink/constants";
import { parseAddress, type LinkInfo } from "../../netlink/rtnetlink";
import type { BackendStats, MemberCounters, TeamBackend } from "../backend";
import type { TeamConfig } from "../config";
import { TeamError } from "../errors";

/** Bonding's miimon period: carrier is sampled this often, and up/down delays must be multiples of it. */
export const BONDING_MIIMON_MS = 100;

/** The member bonding's layer2 policy picks (drivers/net/bonding/bond_main.c, bond_eth_hash + hash % count). */
export function bondingLayer2MemberIndex(destinationLastOctet: number, sourceLastOctet: number, ethertype: number, usableMembers: number): number {
  return ((destinationLastOctet ^ sourceLastOctet ^ ethertype) >>> 0) % usableMembers;
}

interface BondMember {
  readonly ifname: string;
  readonly index: number;
  readonly originalAddress: string | null;
  readonly originalUp: boolean;
  enabled: boolean;
}

interface RunningBond {
  readonly config: TeamConfig;
  readonly links: LinkClient;
  readonly index: number;
  readonly members: Map<string, BondMember>;
  slots: (string | null)[];
}

function roundToMiimon(milliseconds: number): number {
  return Math.round(milliseconds / BONDING_MIIMON_MS) * BONDING_MIIMON_MS;
}

function describeError(error: unknown): string {
  return error instanceof Error ? error.message : String(error);
}

export class BondingBackend implements TeamBackend {
  readonly kind = "bonding" as const;
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
    if (this.#running) throw new TeamError("apply-failed", `bond ${this.#running.config.name} is already up in this backend`);
    const links = new LinkClient();
    let createdIndex = 0;
    const enslaved: BondMember[] = [];
    let step = `checking that no interface is named ${config.name}`;
    try {
      if (links.find({ name: config.name })) throw new TeamError("apply-failed", `an interface named ${config.name} already exists; onemac creates its bond itself`);
      step = `creating bond ${config.name}`;
      const created = links.create({
        name: config.name,
        kind: "bond",
        address: parseAddress(config.mac),
        ...(config.mtu !== null ? { mtu: config.mtu } : {}),
        infoData: [
          { type: IFLA_BOND_MODE, size: 1, value: BOND_MODE_XOR },
          { type: IFLA_BOND_XMIT_HASH_POLICY, size: 1, value: BOND_XMIT_POLICY_LAYER2 },
          { type: IFLA_BOND_MIIMON, size: 4, value: BONDING_MIIMON_MS },
          { type: IFLA_BOND_UPDELAY, size: 4, value: roundToMiimon(config.watchers.carrier.upDelayMs) },
          { type: IFLA_BOND_DOWNDELAY, size: 4, value: roundToMiimon(config.watchers.carrier.downDelayMs) },
        ],
      });
      createdIndex = created.index;
      const running: RunningBond = { config, links, index: createdIndex, members: new Map(), slots: new Array<string | null>(1 << config.slotBits).fill(null) };
      for (const ifname of members) {
        step = `enslaving ${ifname}`;
        const member = this.#enslave(running, ifname);
        enslaved.push(member);
        running.members.set(ifname, member);
      }
      step = `bringing bond ${config.name} up`;
      links.change({ index: createdIndex }, { up: true }, `bringing bond ${config.name} up`);
      this.#running = running;
    } catch (error) {
      const problems: string[] = [];
      for (const member of enslaved.reverse()) problems.push(...this.#release(links, member));
      if (createdIndex) problems.push(...this.#deleteBond(links, createdIndex, config.name));
      links.close();
      const undoText = problems.length ? ` Undoing also failed: ${problems.join("; ")}` : " Everything it had done was undone.";
      throw new TeamError("apply-failed", `bringing up bond ${config.name} failed while ${step}.${undoText}`, describeError(error));
    }
  }

  async down(): Promise<void> {
    const running = this.#requireRunning();
    const problems: string[] = [];
    for (const member of [...running.members.values()].reverse()) problems.push(...this.#release(running.links, member));
    problems.push(...this.#deleteBond(running.links, running.index, running.config.name));
    running.links.close();
    this.#running = null;
    if (problems.length) throw new TeamError("kernel", `taking bond ${running.config.name} down left work undone`, problems.join("; "));
  }

  async addMember(ifname: string): Promise<void> {
    const running = this.#requireRunning();
    if (running.members.has(ifname)) throw new TeamError("apply-failed", `${ifname} is already a member of bond ${running.config.name}`);
    running.members.set(ifname, this.#enslave(running, ifname));
  }

  async removeMember(ifname: string): Promise<void> {
    const running = this.#requireRunning();
    const member = this.#requireMember(running, ifname);
    const problems = this.#release(running.links, member);
    running.members.delete(ifname);
    if (problems.length) throw new TeamError("kernel", `releasing ${ifname} left work undone`, problems.join("; "));
  }

  async setMemberEnabled(ifname: string, enabled: boolean): Promise<void> {
    const running = this.#requireRunning();
    const member = this.#requireMember(running, ifname);
    running.links.change({ index: member.index }, { up: enabled }, `${enabled ? "bringing up" : "taking down"} bond member ${ifname}`);
    member.enabled = enabled;
  }

  /** Recorded only: bonding's layer2 policy has no table to program (see docs/linux-bonding-degraded.md). */
  async applyTable(slots: readonly (string | null)[]): Promise<void> {
    const running = this.#requireRunning();
    if (slots.length !== running.slots.length) throw new TeamError("apply-failed", `the table must have ${running.slots.length} slots, got ${slots.length}`);
    for (const ifname of slots) if (ifname !== null) this.#requireMember(running, ifname);
    running.slots = [...slots];
  }

  /** Bonding delivers broadcasts from every member in balance-xor: recorded, not enforced. */
  async setBroadcastMember(ifname: string | null): Promise<void> {
    const running = this.#requireRunning();
    if (ifname !== null) this.#requireMember(running, ifname);
  }

  async stats(): Promise<BackendStats> {
    const running = this.#requireRunning();
    const members: MemberCounters[] = [...running.members.values()].map((member) => {
      const counters = running.links.get({ index: member.index }).counters;
      return {
        ifname: member.ifname,
        txFrames: counters?.txPackets ?? 0,
        txBytes: counters?.txBytes ?? 0,
        rxFrames: counters?.rxPackets ?? 0,
        rxBytes: counters?.rxBytes ?? 0,
        rxDropped: counters?.rxDropped ?? 0,
      };
    });
    return { members, slotTxBytes: null };
  }

  #requireRunning(): RunningBond {
    if (!this.#running) throw new TeamError("not-running", "the bond is not up in this backend");
    return this.#running;
  }

  #requireMember(running: RunningBond, ifname: string): BondMember {
    const member = running.members.get(ifname);
    if (!member) throw new TeamError("member-unknown", `${ifname} is not a member of bond ${running.config.name}`);
    return member;
  }

  #enslave(running: RunningBond, ifname: string): BondMember {
    const links = running.links;
    const info: LinkInfo = links.get({ name: ifname });
    if (info.master !== 0) throw new TeamError("apply-failed", `${ifname} already has a master (ifindex ${info.master})`);
    const member: BondMember = { ifname, index: info.index, originalAddress: info.address, originalUp: info.up, enabled: true };
    try {
      if (info.up) links.change({ index: info.index }, { up: false }, `taking ${ifname} down before enslaving it`);
      links.change({ index: info.index }, { master: running.index }, `enslaving ${ifname} to bond ${running.config.name}`);
      links.change({ index: info.index }, { up: true }, `bringing bond member ${ifname} up`);
    } catch (error) {
      this.#release(links, member);
      throw error;
    }
    return member;
  }

  #release(links: LinkClient, member: BondMember): string[] {
    const problems: string[] = [];
    const attempt = (what: string, action: () => void): void => {
      try {
        action();
      } catch (error) {
        if (!(error instanceof NetlinkError && error.errnoName === "ENODEV")) problems.push(`${what}: ${describeError(error)}`);
      }
    };
    const current = links.find({ index: member.index });
    if (!current || current.name !== member.ifname) return problems;
    if (current.master !== 0) attempt(`releasing ${member.ifname}`, () => links.change({ index: member.index }, { master: 0 }, `releasing ${member.ifname}`));
    attempt(`taking ${member.ifname} down`, () => links.change({ index: member.index }, { up: false }, `taking ${member.ifname} down`));
    if (member.originalAddress) {
      const address = member.originalAddress;
      attempt(`restoring ${member.ifname}'s MAC`, () => links.change({ index: member.index }, { address: parseAddress(address) }, `restoring ${member.ifname}'s MAC ${address}`));
    }
    if (member.originalUp) attempt(`bringing ${member.ifname} back up`, () => links.change({ index: member.index }, { up: true }, `bringing ${member.ifname} back up`));
    return problems;
  }

  #deleteBond(links: LinkClient, index: number, name: string): string[] {
    try {
      const current = links.find({ index });
      if (!current) return [];
      if (current.name !== name || current.kind !== "bond") return [`ifindex ${index} is now ${current.name} (kind ${current.kind}); not deleting it`];
      links.delete({ index }, `deleting bond ${name}`);
      return [];
    } catch (error) {
      return [describeError(error)];
    }
  }
}
