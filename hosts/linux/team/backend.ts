// The one interface every data-plane backend implements (kernel team driver, userspace TAP + AF_PACKET,
// bonding as a degraded mode). Policy (the table, failover, watchers, auto-join) lives in the control plane;
// a backend only does what it is told, like Linux DSA's dsa_switch_ops.
//
// Contract for every method:
// * It either completes or throws a TeamError and leaves the system as it was before the call
//   (a backend undoes its own partial work; the control plane undoes earlier steps).
// * Interface names are kernel ifnames; the control plane has already checked that they exist.
import type { TeamConfig } from "./config";

export type BackendKind = "team" | "userspace" | "bonding";

export interface MemberCounters {
  readonly ifname: string;
  /** Frames/bytes this team sent out of the member (backend's own count or kernel counters). */
  readonly txFrames: number;
  readonly txBytes: number;
  /** Frames/bytes received on the member and delivered to the operating system. */
  readonly rxFrames: number;
  readonly rxBytes: number;
  /** Frames received on the member and not delivered (e.g. broadcasts on a non-designated member). */
  readonly rxDropped: number;
}

export interface BackendStats {
  readonly members: readonly MemberCounters[];
  /**
   * Bytes sent per slot (index = slot, length = 2^M), or null where the backend cannot tell.
   * The team backend reads lb_hash_stats (256 buckets) and folds them to 2^M slots.
   */
  readonly slotTxBytes: readonly number[] | null;
  /**
   * Frames the operating system sent through the team that no member took (an empty slot, or a member refusing the
   * write, e.g. because its link just went down), or null where the backend cannot tell (the kernel counts them).
   */
  readonly txDropped?: number | null;
}

export interface TeamBackend {
  readonly kind: BackendKind;
  /**
   * Whether setBroadcastMember decides where received broadcasts and multicasts reach the operating system. false
   * where the kernel path has no per-member receive filter (team driver, bonding): every enabled member delivers them.
   */
  readonly filtersBroadcasts: boolean;

  /**
   * Creates the team device named config.name carrying config.mac, enslaves `members` (each takes config.mac),
   * and brings everything up. Members start enabled and the table starts empty (no slot sends) until applyTable.
   * On failure everything this call changed is undone before it throws.
   */
  up(config: TeamConfig, members: readonly string[]): Promise<void>;

  /** Removes exactly what up() and addMember() created and puts every member's MAC, MTU and up/down state back. */
  down(): Promise<void>;

  /** Enslaves one more interface (it takes the team MAC, is brought up, starts enabled, owns no slots yet). */
  addMember(ifname: string): Promise<void>;

  /** Releases a member (its original MAC and up/down state restored). The control plane moves its slots first. */
  removeMember(ifname: string): Promise<void>;

  /**
   * A disabled member sends nothing and delivers nothing to the operating system except frames addressed to it
   * exactly (the team driver's semantics); the control plane never names it in the table.
   */
  setMemberEnabled(ifname: string, enabled: boolean): Promise<void>;

  /**
   * Installs the table: slot i (0 <= i < 2^M, i = low M bits of the destination MAC, i.e. DA[5] & (2^M - 1))
   * sends out of member slots[i]; null means "no member" (the frame is dropped and counted).
   * Broadcast and multicast frames follow the slot of their destination MAC like any other.
   */
  applyTable(slots: readonly (string | null)[]): Promise<void>;

  /**
   * Names the one member on which received broadcasts and multicasts are delivered to the operating system;
   * the copies arriving on other members are dropped (counted in rxDropped). null: deliver from none.
   * A backend whose kernel path cannot filter (team driver) may implement this as a no-op and say so in its docs.
   */
  setBroadcastMember(ifname: string | null): Promise<void>;

  stats(): Promise<BackendStats>;
}

/** Where the control plane finds out whether a backend can run on this machine (without changing anything). */
export interface BackendProbe {
  readonly kind: BackendKind;
  /** null when usable; otherwise a sentence saying what is missing (e.g. "the team kernel module is not available"). */
  unavailableReason(): Promise<string | null>;
}
