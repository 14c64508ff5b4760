// The one interface every switch chip driver implements (in the spirit of Linux DSA's dsa_switch_ops):
// the driver knows registers and access sequences; policy (trunks, move monitoring, configuration) lives
// in the services above it. Ports are numbered as the chip numbers them.

export type Speed = 10 | 100 | 1000;

export interface PortStatus {
  link: boolean;
  speed: Speed;
  fullDuplex: boolean;
}

/** STP states as the port control registers encode them (shared/facts/switch-chips.md 1.2). */
export type StpState = "none" | "disabled" | "blocking" | "listening" | "learning" | "forwarding";

export interface ArlEntry {
  /** 48-bit MAC as a number (see modules/mac.ts). */
  mac: number;
  /** VLAN ID, 0..4095 (0 when the chip learns without VLANs). */
  vid: number;
  /** Unicast: egress port number. Multicast: port bitmap. */
  port: number;
  isStatic: boolean;
  /** The hardware's age bit (set on a hit, cleared by the aging sweep). */
  age: boolean;
}

/** How the chip hashes frames onto a trunk group's members. */
export type TrunkHash = "da+sa" | "da" | "sa";

export interface TrunkCapabilities {
  groups: number;
  maxMembers: number;
  hashes: readonly TrunkHash[];
  /**
   * For a chip without a writable table: the named assumption its `predictMember` follows (e.g.
   * "BCM53125_TRUNK_MEMBER_BY_SA_LOW_BITS: low 3 bits of the SA, modulo ..."), printed beside every prediction.
   */
  memberPrediction?: { readonly name: string; readonly statement: string; readonly source: string };
}

export interface ChipInfo {
  model: string;
  deviceId: number;
  revision: number;
  /** Front-panel (user) ports, in chip numbering. */
  userPorts: readonly number[];
  /** The management/CPU (IMP) port; it may never be a trunk member. */
  cpuPort: number;
  arlEntries: number;
  trunk: TrunkCapabilities;
}

export interface TrunkGroupConfig {
  group: number;
  /** Bitmap of member ports (bit i = port i); 0 = group disabled. */
  members: number;
}

export interface TrunkConfig {
  enabled: boolean;
  hash: TrunkHash;
  groups: TrunkGroupConfig[];
}

export interface FastAgeOptions {
  /** Flush only entries learned on this port. */
  port?: number;
  /** Flush only entries of this VLAN. */
  vid?: number;
  /** Also flush static entries (normally only dynamic ones are flushed). */
  includeStatic?: boolean;
}

/** Per-port MIB counters the services use (a subset; chips have many more). */
export interface PortCounters {
  rxUnicast: number;
  rxMulticast: number;
  rxBroadcast: number;
  txUnicast: number;
  txMulticast: number;
  txBroadcast: number;
  rxOctets: number;
  txOctets: number;
}

/** One member-table rule as read back from the chip (see MemberTableAccess). */
export interface MemberRule {
  /** False: the rule matches nothing (the other fields are then meaningless). */
  valid: boolean;
  /** 48-bit destination MAC the rule matches (the server's MAC). */
  serverMac: number;
  /** How many low bits of the source MAC the rule compares (M, 0..8). */
  indexBits: number;
  /** The value those bits must have (the table index i, 0..2^M-1). */
  index: number;
  /** Destination port the rule forwards to, or -1: "keep the address table's result" (-2 when read back: an action
   *  this table never writes, e.g. a self-test's). */
  port: number;
}

/**
 * A chip's table of match rules used as the patent's member table: rule r says "destination MAC == serverMac and the
 * low indexBits bits of the source MAC == index -> forward to port". Allocation-free on the failover path
 * (setRulePort); every poll bounded, a timeout throws SpiTimeoutError naming the register.
 */
export interface MemberTableAccess {
  /** Rules the chip holds in all (BCM53125: 256 TCAM entries). */
  readonly capacity: number;
  /** Rules one table entry needs (BCM53125: 1, under the firmware's named assumption U2: one rule for all framings). */
  readonly rulesPerEntry: number;
  /**
   * All rules invalid, the rule engine's field selections made (DA + low SA bits), engine enabled on no port
   * (facts §2 Init; the TCAM is reset only while CFP_EN_MAP = 0). setup() calls it; so does a chip reset's re-setup.
   */
  reset(): void;
  /** Ports whose ingress frames the rules apply to (bit i = port i; BCM53125: CFP_EN_MAP, bit 8 = IMP). */
  setEnabledPorts(mask: number): void;
  getEnabledPorts(): number;
  /**
   * Rule `rule`: DA == serverMac && (SA & (2^indexBits-1)) == index -> replace the destination with `port`
   * (port -1: action "keep the address table's result"). Writes the action first, then the match (facts §2 install
   * order), so a valid match never points at a stale action.
   */
  writeRule(rule: number, serverMac: number, indexBits: number, index: number, port: number): void;
  /**
   * Failover: rewrites only the action of `rule` (a port, or -1). BCM53125 floor: ACT_POL_DATA0 + ACT_POL_DATA1 +
   * CFP_ACC writes and >= 1 CFP_ACC poll (facts §3). Allocation-free.
   */
  setRulePort(rule: number, port: number): void;
  /** Invalidates rules first..first+count-1. */
  clearRules(first: number, count: number): void;
  /** Reads a rule back (match + action) into `out` (caller-allocated); false when the rule is invalid. */
  readRule(rule: number, out: MemberRule): boolean;
  /** In-band hit counter of a rule (BCM53125: facts §1.1 RATE_INBAND, §2 stat read). */
  readRuleHits(rule: number): number;
}

export interface SwitchChip {
  /** Detects the chip over its bus and returns what it is. Throws ChipIdError / DeadBusError / SpiTimeoutError. */
  probe(): ChipInfo;
  /**
   * Puts the chip in managed mode with forwarding enabled; leaves the address table and trunks as they are, but
   * resets `memberTable` (no rule valid, enabled on no port): whoever wrote rules writes them again.
   */
  setup(): void;
  /** False when the chip has lost what setup() wrote (it was reset or power-cycled): run setup() and reprogram. */
  checkSetup(): boolean;

  /** Bitmap of ports with link up (bit i = port i). Allocation-free: the link monitor calls it every poll. */
  readLinkMask(): number;
  /** Link, speed and duplex of one port, written into `out` (allocated by the caller once). */
  readPortStatus(port: number, out: PortStatus): PortStatus;

  setPortEnabled(port: number, rx: boolean, tx: boolean): void;
  setStpState(port: number, state: StpState): void;
  /** Bitmap of ports that must not learn source MACs (bit i = port i). */
  setLearningDisabled(mask: number): void;
  getLearningDisabled(): number;
  /** Aging time in seconds (chip limits apply). */
  setAgingTime(seconds: number): void;
  getAgingTime(): number;
  fastAge(options: FastAgeOptions): void;

  /** Finds the entry for MAC+VID; fills `out` and returns true, or returns false. */
  arlLookup(mac: number, vid: number, out: ArlEntry): boolean;
  /** Adds or replaces an entry (normally static). Throws ArlBucketFullError rather than evict another MAC. */
  arlAdd(entry: ArlEntry): void;
  /** Removes MAC+VID; returns false when it was not there. */
  arlDelete(mac: number, vid: number): boolean;
  /**
   * Walks the whole table through the chip's search engine, calling `visit` for each valid entry. The entry object
   * is reused between calls: copy what you keep. Returns how many entries were visited.
   */
  arlDump(visit: (entry: ArlEntry) => void): number;

  readTrunkConfig(): TrunkConfig;
  /** Enables or disables MAC trunking and selects the hash for all groups. */
  setTrunkHash(enabled: boolean, hash: TrunkHash): void;
  /** Sets one group's member bitmap (0 disables it). Throws TrunkLimitError beyond the chip's limits. */
  setTrunkMembers(group: number, members: number): void;

  /** Reads a port's MIB counters into `out`. */
  readPortCounters(port: number, out: PortCounters): PortCounters;

  /**
   * Optional, chips without a writable table only: the member port the chip is *predicted* to pick for a frame with
   * source MAC `sa` (hash = SA) among the link-up group members in `memberMask`, under the named assumption in
   * `TrunkCapabilities.memberPrediction`; -1 for an empty mask. Reads no register: a prediction, never a measurement.
   */
  predictMember?(sa: number, memberMask: number): number;

  /**
   * Optional: a table of match rules that can carry the patent's member table in the chip itself (BCM53125: the CFP,
   * shared/facts/bcm53125-cfp.md). Absent on a chip that has none.
   */
  memberTable?: MemberTableAccess;

  /** Optional: sets the port-based VLAN egress mask of `port` (bit i = `port` may forward to port i). */
  setPortVlanMask?(port: number, mask: number): void;
  /** Optional: the port-based VLAN egress mask of `port` (bit i = `port` may forward to port i). */
  getPortVlanMask?(port: number): number;
}

export function newPortStatus(): PortStatus {
  return { link: false, speed: 10, fullDuplex: false };
}

export function newArlEntry(): ArlEntry {
  return { mac: 0, vid: 0, port: 0, isStatic: false, age: false };
}

export function newMemberRule(): MemberRule {
  return { valid: false, serverMac: 0, indexBits: 0, index: 0, port: -1 };
}

export function newPortCounters(): PortCounters {
  return { rxUnicast: 0, rxMulticast: 0, rxBroadcast: 0, txUnicast: 0, txMulticast: 0, txBroadcast: 0, rxOctets: 0, txOctets: 0 };
}
