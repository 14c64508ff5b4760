// TeamBackend over the Linux team driver (drivers/net/team), the exact fit for the patent's server side:
// * the team device is created over rtnetlink (kind "team") carrying the team MAC;
// * mode "loadbalance" with `bpf_hash_func` = "ldb [5]; and #N-1; ret a" (hosts/linux/team/bpf.ts), so the
//   driver's 8-bit bucket is exactly DA[5] & (N-1) = the slot;
// * `lb_tx_method` = "hash_to_port_mapping" and one `lb_tx_hash_to_port_mapping` entry per slot;
// * per-port `enabled` for failover; statistics from `lb_hash_stats` (per bucket) and `lb_port_stats`.
// Kernel rules this code lives with (team_mode_loadbalance.c, team_core.c):
// * a mapping entry can only name a port that is in the team and enabled (else ENODEV);
// * disabling a port clears the entries naming it; a cleared entry falls back to hash % enabled ports, and an
//   entry cannot be cleared on purpose, so a null slot keeps the kernel's fallback (see docs/team-backend-notes.md);
// * a port must be down when it is added, and the mode can only change while the team has no ports;
// * lb statistics are only gathered while `lb_stats_refresh_interval` (tenths of a second) is non-zero.
// The driver cannot filter received broadcasts per port: setBroadcastMember is recorded and otherwise a no-op
// (one copy per broadcast comes from the switch's trunk).
import { LinkClient, TeamClient } from "../../netlink/clients";
import { NetlinkError } from "../../netlink/errors";
import { GenericNetlinkClient } from "../../netlink/clients";
import { parseAddress, type LinkInfo } from "../../netlink/rtnetlink";
import { TEAM_GENL_NAME, TEAM_LB_HASH_BUCKETS } from "../../netlink/constants";
import type { BackendProbe, BackendStats, MemberCounters, TeamBackend } from "../backend";
import type { TeamConfig } from "../config";
import { TeamError } from "../errors";
import { destinationMacHashProgram } from "../bpf";

export interface KernelTeamBackendOptions {
  /** lb_stats_refresh_interval in tenths of a second (how fresh stats() is). Default 5 (0.5 s). */
  readonly statsRefreshTenths?: number;
  /** Bound on each netlink request. Default 5000 ms. */
  readonly netlinkTimeoutMs?: number;
}

interface MemberRecord {
  readonly ifname: string;
  readonly index: number;
  readonly originalAddress: string | null;
  readonly originalMtu: number | null;
  readonly originalUp: boolean;
  enabled: boolean;
}

interface RunningTeam {
  readonly config: TeamConfig;
  readonly links: LinkClient;
  readonly team: TeamClient;
  readonly index: number;
  readonly slotCount: number;
  readonly members: Map<string, MemberRecord>;
  /** What this backend last installed (null: not mapped by us; the kernel falls back to its hash). */
  slots: (string | null)[];
  broadcastMember: string | null;
}

function describeError(error: unknown): string {
  return error instanceof Error ? error.message : String(error);
}

export class KernelTeamBackend implements TeamBackend {
  readonly kind = "team" as const;
  readonly #options: Required<KernelTeamBackendOptions>;
  #running: RunningTeam | null = null;

  constructor(options: KernelTeamBackendOptions = {}) {
    this.#options = { statsRefreshTenths: options.statsRefreshTenths ?? 5, netlinkTimeoutMs: options.netlinkTimeoutMs ?? 5000 };
  }

  /** The team device's ifindex while up (tests and status use it). */
  get teamIndex(): number | null {
    return this.#running?.index ?? null;
  }

  async up(config: TeamConfig, members: readonly string[]): Promise<void> {
    if (this.#running) throw new TeamError("apply-failed", `team ${this.#running.config.name} is already up in this backend; call down() first`);
    const links = new LinkClient({ timeoutMs: this.#options.netlinkTimeoutMs });
    let team: TeamClient | null = null;
    let createdIndex = 0;
    const enslaved: MemberRecord[] = [];
    let step = `checking that no interface is named ${config.name}`;
    try {
      if (links.find({ name: config.name })) {
        throw new TeamError("apply-failed", `an interface named ${config.name} already exists; onemac creates its team device itself and does not take over an existing one`);
      }
      step = `creating team device ${config.name}`;
      const created = links.create({
        name: config.name,
        kind: "team",
        address: parseAddress(config.mac),
        ...(config.mtu !== null ? { mtu: config.mtu } : {}),
      });
      createdIndex = created.index;
      step = "resolving the team generic netlink family";
      team = new TeamClient(createdIndex, config.name, { timeoutMs: this.#options.netlinkTimeoutMs });
      step = "configuring loadbalance mode";
      team.setOptions([{ name: "mode", value: { type: "string", value: "loadbalance" } }], 'setting option mode = "loadbalance"');
      team.setOptions([{ name: "bpf_hash_func", value: { type: "binary", value: destinationMacHashProgram(config.slotBits) } }], `setting option bpf_hash_func (DA[5] & ${(1 << config.slotBits) - 1})`);
      team.setOptions([{ name: "lb_tx_method", value: { type: "string", value: "hash_to_port_mapping" } }], 'setting option lb_tx_method = "hash_to_port_mapping"');
      team.setOptions([{ name: "lb_stats_refresh_interval", value: { type: "u32", value: this.#options.statsRefreshTenths } }], "setting option lb_stats_refresh_interval");
      const running: RunningTeam = {
        config,
        links,
        team,
        index: createdIndex,
        slotCount: 1 << config.slotBits,
        members: new Map(),
        slots: new Array<string | null>(1 << config.slotBits).fill(null),
        broadcastMember: null,
      };
      for (const ifname of members) {
        step = `adding member ${ifname}`;
        const record = this.#enslave(running, ifname);
        enslaved.push(record);
        running.members.set(ifname, record);
      }
      step = `bringing team device ${config.name} up`;
      links.change({ index: createdIndex }, { up: true }, `bringing team device ${config.name} up`);
      this.#running = running;
    } catch (error) {
      const undoProblems: string[] = [];
      for (const record of enslaved.reverse()) undoProblems.push(...this.#release(links, record));
      if (createdIndex) undoProblems.push(...this.#deleteTeamDevice(links, createdIndex, config.name));
      team?.close();
      links.close();
      const undoText = undoProblems.length ? ` Undoing also failed: ${undoProblems.join("; ")}` : " Everything it had done was undone.";
      throw new TeamError("apply-failed", `bringing up team ${config.name} failed while ${step}.${undoText}`, describeError(error));
    }
  }

  async down(): Promise<void> {
    const running = this.#requireRunning();
    const problems: string[] = [];
    for (const record of [...running.members.values()].reverse()) problems.push(...this.#release(running.links, record));
    problems.push(...this.#deleteTeamDevice(running.links, running.index, running.config.name));
    running.team.close();
    running.links.close();
    this.#running = null;
    if (problems.length) throw new TeamError("kernel", `taking team ${running.config.name} down left work undone`, problems.join("; "));
  }

  async addMember(ifname: string): Promise<void> {
    const running = this.#requireRunning();
    if (running.members.has(ifname)) throw new TeamError("apply-failed", `${ifname} is already a member of team ${running.config.name}`);
    running.members.set(ifname, this.#enslave(running, ifname));
  }

  async removeMember(ifname: string): Promise<void> {
    const running = this.#requireRunning();
    const record = this.#requireMember(running, ifname);
    const problems = this.#release(running.links, record);
    running.members.delete(ifname);
    running.slots = running.slots.map((slot) => (slot === ifname ? null : slot));
    if (problems.length) throw new TeamError("kernel", `releasing ${ifname} from team ${running.config.name} left work undone`, problems.join("; "));
  }

  async setMemberEnabled(ifname: string, enabled: boolean): Promise<void> {
    const running = this.#requireRunning();
    const record = this.#requireMember(running, ifname);
    running.team.setOptions(
      [{ name: "enabled", portIfindex: record.index, value: { type: "flag", value: enabled } }],
      `${enabled ? "enabling" : "disabling"} port ${ifname}`,
    );
    record.enabled = enabled;
    // The kernel cleared the entries that named a disabled port (lb_port_disabled): mirror that.
    if (!enabled) running.slots = running.slots.map((slot) => (slot === ifname ? null : slot));
  }

  async applyTable(slots: readonly (string | null)[]): Promise<void> {
    const running = this.#requireRunning();
    if (slots.length !== running.slotCount) {
      throw new TeamError("apply-failed", `the table for team ${running.config.name} must have ${running.slotCount} slots (2^${running.config.slotBits}), got ${slots.length}`);
    }
    slots.forEach((ifname, slot) => {
      if (ifname === null) return;
      const record = running.members.get(ifname);
      if (!record) throw new TeamError("member-unknown", `slot ${slot} names ${ifname}, which is not a member of team ${running.config.name}`);
      if (!record.enabled) throw new TeamError("apply-failed", `slot ${slot} names ${ifname}, which is disabled; the team driver maps slots only to enabled ports`);
    });
    const items = this.#mappingItems(running, slots);
    if (items.length === 0) {
      running.slots = [...slots];
      return;
    }
    try {
      running.team.setOptions(items, `installing the ${running.slotCount}-slot table (lb_tx_hash_to_port_mapping)`);
    } catch (error) {
      // The kernel applies items in order and stops at the first refusal: put the previous table back.
      const previous = this.#mappingItems(running, running.slots);
      try {
        if (previous.length) running.team.setOptions(previous, "restoring the previous table after a refused update");
      } catch (restoreError) {
        throw new TeamError("kernel", `installing the table failed and the previous table could not be restored (${describeError(restoreError)})`, describeError(error));
      }
      throw error;
    }
    running.slots = [...slots];
  }

  async setBroadcastMember(ifname: string | null): Promise<void> {
    const running = this.#requireRunning();
    if (ifname !== null) this.#requireMember(running, ifname);
    running.broadcastMember = ifname;
  }

  async stats(): Promise<BackendStats> {
    const running = this.#requireRunning();
    const options = running.team.getOptions();
    const bucketBytes = new Array<number>(TEAM_LB_HASH_BUCKETS).fill(0);
    const portBytes = new Map<number, number>();
    for (const option of options) {
      if (option.value.type !== "binary" || option.value.value.length < 8) continue;
      const bytes = Buffer.from(option.value.value);
      const value = bytes.readUInt32LE(0) + bytes.readUInt32LE(4) * 0x100000000;
      if (option.name === "lb_hash_stats" && option.arrayIndex !== undefined) bucketBytes[option.arrayIndex] = value;
      else if (option.name === "lb_port_stats" && option.portIfindex !== undefined) portBytes.set(option.portIfindex, value);
    }
    const slotTxBytes = new Array<number>(running.slotCount).fill(0);
    bucketBytes.forEach((bytes, bucket) => {
      slotTxBytes[bucket & (running.slotCount - 1)]! += bytes;
    });
    const members: MemberCounters[] = [...running.members.values()].map((record) => {
      const counters = running.links.get({ index: record.index }).counters;
      return {
        ifname: record.ifname,
        txFrames: counters?.txPackets ?? 0,
        txBytes: portBytes.get(record.index) ?? 0,
        rxFrames: counters?.rxPackets ?? 0,
        rxBytes: counters?.rxBytes ?? 0,
        rxDropped: counters?.rxDropped ?? 0,
      };
    });
    return { members, slotTxBytes };
  }

  /** The table as the kernel holds it now (ifindex per slot mapped back to member names; null = unmapped). */
  async kernelTable(): Promise<(string | null)[]> {
    const running = this.#requireRunning();
    const nameByIndex = new Map([...running.members.values()].map((record) => [record.index, record.ifname]));
    const table = new Array<string | null>(running.slotCount).fill(null);
    for (const option of running.team.getOptions()) {
      if (option.name !== "lb_tx_hash_to_port_mapping" || option.arrayIndex === undefined || option.arrayIndex >= running.slotCount) continue;
      if (option.value.type === "u32" && option.value.value !== 0) table[option.arrayIndex] = nameByIndex.get(option.value.value) ?? `ifindex ${option.value.value}`;
    }
    return table;
  }

  #mappingItems(running: RunningTeam, slots: readonly (string | null)[]) {
    const items = [];
    for (let slot = 0; slot < slots.length; slot++) {
      const ifname = slots[slot];
      if (ifname === null || ifname === undefined) continue;
      const record = running.members.get(ifname);
      if (!record || !record.enabled) continue;
      items.push({ name: "lb_tx_hash_to_port_mapping", arrayIndex: slot, value: { type: "u32" as const, value: record.index } });
    }
    return items;
  }

  #requireRunning(): RunningTeam {
    if (!this.#running) throw new TeamError("not-running", "the team is not up in this backend");
    return this.#running;
  }

  #requireMember(running: RunningTeam, ifname: string): MemberRecord {
    const record = running.members.get(ifname);
    if (!record) throw new TeamError("member-unknown", `${ifname} is not a member of team ${running.config.name}`);
    return record;
  }

  /** Enslaves one interface: down, team MAC, master, up, enabled. Undoes its own steps if one fails. */
  #enslave(running: RunningTeam, ifname: string): MemberRecord {
    const links = running.links;
    const info: LinkInfo = links.get({ name: ifname });
    if (info.master !== 0) throw new TeamError("apply-failed", `${ifname} already has a master (ifindex ${info.master}); release it first`);
    if (info.index === running.index) throw new TeamError("apply-failed", `${ifname} is the team device itself`);
    const record: MemberRecord = {
      ifname,
      index: info.index,
      originalAddress: info.address,
      originalMtu: info.mtu,
      originalUp: info.up,
      enabled: true,
    };
    try {
      if (info.up) links.change({ index: info.index }, { up: false }, `taking ${ifname} down before it joins (the team driver requires it)`);
      links.change({ index: info.index }, { address: parseAddress(running.config.mac) }, `giving ${ifname} the team MAC ${running.config.mac}`);
      links.change({ index: info.index }, { master: running.index }, `adding ${ifname} to team ${running.config.name}`);
      links.change({ index: info.index }, { up: true }, `bringing member ${ifname} up`);
      running.team.setOptions([{ name: "enabled", portIfindex: info.index, value: { type: "flag", value: true } }], `enabling port ${ifname}`);
    } catch (error) {
      this.#release(links, record);
      throw error;
    }
    return record;
  }

  /** Releases one member and restores its MAC, MTU and up/down state. Returns problems instead of throwing. */
  #release(links: LinkClient, record: MemberRecord): string[] {
    const problems: string[] = [];
    const attempt = (what: string, action: () => void): void => {
      try {
        action();
      } catch (error) {
        if (error instanceof NetlinkError && error.errnoName === "ENODEV") return; // the interface is gone
        problems.push(`${what}: ${describeError(error)}`);
      }
    };
    const current = links.find({ index: record.index });
    if (!current || current.name !== record.ifname) return problems; // gone or renamed: nothing of ours to undo
    if (current.master !== 0) attempt(`releasing ${record.ifname}`, () => links.change({ index: record.index }, { master: 0 }, `releasing ${record.ifname} from its team`));
    attempt(`taking ${record.ifname} down`, () => links.change({ index: record.index }, { up: false }, `taking ${record.ifname} down to restore it`));
    if (record.originalAddress) {
      const address = record.originalAddress;
      attempt(`restoring the MAC of ${record.ifname}`, () => links.change({ index: record.index }, { address: parseAddress(address) }, `restoring ${record.ifname}'s MAC ${address}`));
    }
    if (record.originalMtu !== null && current.mtu !== record.originalMtu) {
      const mtu = record.originalMtu;
      attempt(`restoring the MTU of ${record.ifname}`, () => links.change({ index: record.index }, { mtu }, `restoring ${record.ifname}'s MTU ${mtu}`));
    }
    if (record.originalUp) attempt(`bringing ${record.ifname} back up`, () => links.change({ index: record.index }, { up: true }, `bringing ${record.ifname} back up`));
    return problems;
  }

  /** Deletes the team device we created, after checking that the ifindex still names it and it is a team. */
  #deleteTeamDevice(links: LinkClient, index: number, name: string): string[] {
    try {
      const current = links.find({ index });
      if (!current) return [];
      if (current.name !== name || current.kind !== "team") return [`ifindex ${index} is now ${current.name} (kind ${current.kind}); not deleting it`];
      links.delete({ index }, `deleting team device ${name}`);
      return [];
    } catch (error) {
      return [describeError(error)];
    }
  }
}

/** Whether the team driver can be used here, without changing anything. */
export const kernelTeamProbe: BackendProbe = {
  kind: "team",
  async unavailableReason(): Promise<string | null> {
    let client: GenericNetlinkClient | null = null;
    try {
      client = new GenericNetlinkClient({ timeoutMs: 2000 });
      client.resolveFamily(TEAM_GENL_NAME);
      return null;
    } catch (error) {
      if (error instanceof NetlinkError && error.errnoName === "ENOENT") {
        return "the team kernel module is not loaded (the generic netlink family \"team\" is missing; try `modprobe team team_mode_loadbalance`)";
      }
      return `the team driver cannot be reached: ${describeError(error)}`;
    } finally {
      client?.close();
    }
  },
};
