// TeamBackend over the Linux team driver (drivers/net/team), the exact fit for the patent's server side:
// * the team device is created over rtnetlink (kind "team") carrying the team MAC;
// * mode "loadbalance" with `bpf_hash_func` = "ldb [5]; and #N-1; ret a" (hosts/linux/team/bpf.ts), so the
//   driver's 8-bit bucket is exactly DA[5] & (N-1) = the slot;
// * `lb_tx_method` = "hash_to_port_mapping" and one `lb_tx_hash_to_port_mapping` entry per slot;
// * per-port `enabled` for failover; statistics from `lb_hash_stats` (per bucket) and `lb_port_stats`.
// Kernel rules this code lives with (team_mode_loadbalance.c, team_core.c):
// * a mapping entry can only name a port that is in the team and enabled (else ENODEV);
// * disabling a port clears the entries naming it; a cleared entry falls back to hash % enabled ports, and an
//   entry cannot be cleared on purpose, so a null slot keeps the kernel's fallback (docs/linux-team.md, "Team driver backend");
// * a port must be down when it is added, and the mode can only change while the team has no ports;
// * lb statistics are only gathered while `lb_stats_refresh_interval` (tenths of a second) is non-zero.
// The driver cannot filter received broadcasts per port: setBroadcastMember is recorded and otherwise a no-op
// (one copy per broadcast comes from the switch's trunk).
import { GenericNetlinkClient, LinkClient, TeamClient } from "../../netlink/clients";
import { NetlinkError } from "../../netlink/errors";
import { TEAM_GENL_NAME, TEAM_LB_HASH_BUCKETS } from "../../netlink/constants";
import type { BackendProbe, BackendStats, TeamBackend } from "../backend";
import type { TeamConfig } from "../config";
import { TeamError } from "../errors";
import { destinationMacHashProgram } from "../bpf";
import { describeError, MasterDevice, type EnslavedMember } from "./master-device";

export interface KernelTeamBackendOptions {
  /** lb_stats_refresh_interval in tenths of a second (how fresh stats() is). Default 5 (0.5 s). */
  readonly statsRefreshTenths?: number;
  /** Bound on each netlink request. Default 5000 ms. */
  readonly netlinkTimeoutMs?: number;
}

interface RunningTeam {
  readonly master: MasterDevice;
  readonly team: TeamClient;
  readonly slotCount: number;
  /** What this backend last installed (null: not mapped by us; the kernel falls back to its hash). */
  slots: (string | null)[];
  broadcastMember: string | null;
}

export class KernelTeamBackend implements TeamBackend {
  readonly kind = "team" as const;
  readonly filtersBroadcasts = false;
  readonly #options: Required<KernelTeamBackendOptions>;
  #running: RunningTeam | null = null;

  constructor(options: KernelTeamBackendOptions = {}) {
    this.#options = { statsRefreshTenths: options.statsRefreshTenths ?? 5, netlinkTimeoutMs: options.netlinkTimeoutMs ?? 5000 };
  }

  /** The team device's ifindex while up (tests and status use it). */
  get teamIndex(): number | null {
    return this.#running?.master.index ?? null;
  }

  async up(config: TeamConfig, members: readonly string[]): Promise<void> {
    if (this.#running) throw new TeamError("apply-failed", `team ${this.#running.master.name} is already up in this backend; call down() first`);
    const master = new MasterDevice(new LinkClient({ timeoutMs: this.#options.netlinkTimeoutMs }), config, { kind: "team", device: "team device" });
    let team: TeamClient | null = null;
    try {
      master.create();
      master.step("resolving the team generic netlink family");
      const client = new TeamClient(master.index, config.name, { timeoutMs: this.#options.netlinkTimeoutMs });
      team = client;
      master.step("configuring loadbalance mode");
      client.setOptions([{ name: "mode", value: { type: "string", value: "loadbalance" } }], 'setting option mode = "loadbalance"');
      client.setOptions([{ name: "bpf_hash_func", value: { type: "binary", value: destinationMacHashProgram(config.slotBits) } }], `setting option bpf_hash_func (DA[5] & ${(1 << config.slotBits) - 1})`);
      client.setOptions([{ name: "lb_tx_method", value: { type: "string", value: "hash_to_port_mapping" } }], 'setting option lb_tx_method = "hash_to_port_mapping"');
      client.setOptions([{ name: "lb_stats_refresh_interval", value: { type: "u32", value: this.#options.statsRefreshTenths } }], "setting option lb_stats_refresh_interval");
      for (const ifname of members) master.enslave(ifname, (member) => enablePort(client, member));
      master.bringUp();
      this.#running = { master, team: client, slotCount: 1 << config.slotBits, slots: new Array<string | null>(1 << config.slotBits).fill(null), broadcastMember: null };
    } catch (error) {
      const failure = master.abandon(error);
      team?.close();
      throw failure;
    }
  }

  async down(): Promise<void> {
    const running = this.#requireRunning();
    this.#running = null;
    try {
      running.master.tearDown();
    } finally {
      running.team.close();
    }
  }

  async addMember(ifname: string): Promise<void> {
    const running = this.#requireRunning();
    running.master.addMember(ifname, (member) => enablePort(running.team, member));
  }

  async removeMember(ifname: string): Promise<void> {
    const running = this.#requireRunning();
    try {
      running.master.removeMember(ifname);
    } finally {
      running.slots = running.slots.map((slot) => (slot === ifname ? null : slot));
    }
  }

  async setMemberEnabled(ifname: string, enabled: boolean): Promise<void> {
    const running = this.#requireRunning();
    const record = running.master.requireMember(ifname);
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
      throw new TeamError("apply-failed", `the table for team ${running.master.name} must have ${running.slotCount} slots (2^${running.master.config.slotBits}), got ${slots.length}`);
    }
    slots.forEach((ifname, slot) => {
      if (ifname === null) return;
      const record = running.master.members.get(ifname);
      if (!record) throw new TeamError("member-unknown", `slot ${slot} names ${ifname}, which is not a member of team ${running.master.name}`);
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
    if (ifname !== null) running.master.requireMember(ifname);
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
    const members = running.master.memberCounters((member) => portBytes.get(member.index) ?? 0);
    return { members, slotTxBytes };
  }

  /** The table as the kernel holds it now (ifindex per slot mapped back to member names; null = unmapped). */
  async kernelTable(): Promise<(string | null)[]> {
    const running = this.#requireRunning();
    const nameByIndex = new Map([...running.master.members.values()].map((record) => [record.index, record.ifname]));
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
      const record = running.master.members.get(ifname);
      if (!record || !record.enabled) continue;
      items.push({ name: "lb_tx_hash_to_port_mapping", arrayIndex: slot, value: { type: "u32" as const, value: record.index } });
    }
    return items;
  }

  #requireRunning(): RunningTeam {
    if (!this.#running) throw new TeamError("not-running", "the team is not up in this backend");
    return this.#running;
  }
}

/** Every member starts enabled (the TeamBackend contract); the team backend's own step when a member joins. */
function enablePort(team: TeamClient, member: EnslavedMember): void {
  team.setOptions([{ name: "enabled", portIfindex: member.index, value: { type: "flag", value: true } }], `enabling port ${member.ifname}`);
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
