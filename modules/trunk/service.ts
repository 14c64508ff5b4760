// Trunk service: trunks toward servers as US6151297 describes them, on whatever the chip can express.
//
// For each trunk the service keeps the patent's table (./table.ts) as the truth about which member should carry
// which source MACs, and programs the chip with what its mode can express. In mode "hash" (below) the chip gets the
// group bitmap of the members in service, MAC trunking enabled with hash = SA, and picks the member by its own fixed
// function (BCM53125, facts §1.4). What that function is on the BCM53125
//     is a named assumption (modules/chip/bcm53125/assumptions.ts); the service prints its predictions labelled as
//     such, beside the port counters it measures.
// On every chip: each trunked server's MAC is a static ARL entry toward the trunk (facts §1.3 "Add static entry",
// §1.5: static entries are not aged), and learning is disabled on the members and on the switch-to-switch port
// (facts §1.5: whether a static entry blocks re-learning is UNCERTAIN; 0x00/0x3C learning disable is the safe design).
//
// Modes (TrunkRequest.mode; how the chip follows the table on a chip with a rule table, SwitchChip.memberTable: the
// BCM53125's CFP, shared/facts/bcm53125-cfp.md):
//   * "hash": the above (group bitmap + the chip's own SA hash; members predicted and labelled so).
//   * "cfp": the trunk group stays (floods reach the server once, frames from the server and learning behave, facts §4
//     "Trunk"), and so does the static entry; for each server MAC a block of 2^M rules, rule i: DA = server and low M
//     bits of the SA = i -> table[i] (facts §3). Exact: the member a client takes is the table's. Relies on the chip not
//     re-hashing a CFP destination inside a trunk group (facts U3, modules/chip/bcm53125/assumptions.ts).
//   * "cfp-isolated": the same rules, the server's ports in no trunk group (so U3 cannot matter): each member's
//     port-based VLAN mask leaves out the other members, so floods never loop between them; clients' floods reach
//     every member and the server takes broadcasts on one (its driver's job, as the patent's). Static entry toward
//     the first member in service; learning off on the members as in every mode.
// Rule layout: a CFP trunk holds one contiguous block of servers * 2^M * rulesPerEntry rules (first fit among the other
// trunks' blocks); server s, entry i, copy j is rule base + (s * 2^M + i) * rulesPerEntry + j. M defaults to the largest
// (8 at most, 4 at least) whose block fits the free rules; a block that does not fit is a TrunkLimitError and nothing
// changes. The rules apply on every front-panel port and the CPU port (CFP_EN_MAP, facts §1.2), while a CFP trunk exists.
//
// Failover: a member whose link is lost (LinkMonitor reports it at the first poll that sees it) leaves the table
// (only its entries move) and the group bitmap is rewritten in the same poll; when it is usable again it returns after
// the hold-down. The static entries point at one member in service ("anchor"); the chip resolves a member of a
// trunk group to the group (facts §1.4), so they are rewritten only when the anchor itself leaves.
// In the CFP modes only the failed member's rules are rewritten (an action-word write each, facts §3 "Failover"), in
// an order that never sends a frame for the server to a port that is down and never leaves a rule pointing nowhere:
// on a loss the rules move to the survivors before the member leaves the group; on a return the member rejoins the
// group before its rules come back. Each rule is one atomic action write, so a half-done update leaves every rule on
// either its old or its new member; the next update or a chip-reset reapply finishes it.

import type { ArlEntry, ChipInfo, MemberTableAccess, PortCounters, SwitchChip, TrunkConfig, TrunkHash } from "../chip/switch-chip";
import { newArlEntry, newPortCounters } from "../chip/switch-chip";
import type { Scheduler } from "../clock";
import { InvalidArgumentError, OnemacError, TrunkLimitError } from "../errors";
import type { LinkMonitor } from "../link/monitor";
import { formatMac, isMac, isMulticastMac, parseMac } from "../mac";
import { NO_MEMBER, TRUNK_TABLE_DEFAULT_INDEX_BITS, TRUNK_TABLE_MAX_INDEX_BITS, TrunkTable, validateTrunkTableOptions } from "./table";

/** How the chip follows a trunk's table (see the header). */
export type TrunkMode = "hash" | "cfp" | "cfp-isolated";
export const TRUNK_MODES: readonly TrunkMode[] = Object.freeze(["hash", "cfp", "cfp-isolated"] as TrunkMode[]);
/** The smallest default M in the CFP modes: a table of 16 entries. */
export const CFP_MIN_DEFAULT_INDEX_BITS = 4;

export const DEFAULT_HOLD_DOWN_MS = 1000;
export const MAX_HOLD_DOWN_MS = 600_000;
export const MAX_SERVERS_PER_TRUNK = 16;
const VID_MAX = 4095;

/** What `trunks.configure` takes. MACs may be numbers or text (aa:bb:cc:dd:ee:ff, aa-bb-..., aabb.ccdd.eeff). */
export interface TrunkRequest {
  /** Chip trunk group (BCM53125: 0 or 1). */
  group: number;
  /** Member ports (front-panel, chip numbering). Order sets the table's home spread; normally ascending. */
  members: readonly number[];
  /** How the chip follows the table (default "hash"; see the header). */
  mode?: TrunkMode;
  /** M: the table has 2^M entries (1..8; default 3 in hash mode, in the CFP modes the largest the free rules hold, >= 4). */
  indexBits?: number;
  /** MACs of the servers behind this trunk (flagged as trunked servers: never a station move among members). */
  servers: readonly (number | string)[];
  /** VLAN of the static entries (default 0: the chip learns without VLANs). */
  vid?: number;
  /** Time a returning member waits, after the link monitor calls it usable, before it rejoins (default 1000 ms). */
  holdDownMs?: number;
  /** The switch-to-switch link of the two-switch topology: the servers' MACs may also arrive there. */
  interSwitchPort?: number;
  /**
   * Learn source MACs on the switch-to-switch port (default false). Off, frames for clients behind the other switch
   * are flooded and a client moving between the switches goes unseen, but the servers' static entries stay put
   * whatever the chip does. Turn it on only where static ARL entries are known to block re-learning (facts §1.5
   * UNCERTAIN; modules/chip/bcm53125/assumptions.ts STATIC_ENTRY_MAY_BE_RELEARNED): otherwise each server frame that
   * crosses the link would re-point this switch's entry for the server at the link.
   */
  interSwitchLearning?: boolean;
}

export type MemberState = "active" | "down" | "hold-down";

export interface TrunkMemberView {
  port: number;
  /** Raw link at the link monitor's last poll. */
  link: boolean;
  state: MemberState;
  /** Milliseconds left of the hold-down (state "hold-down" only). */
  holdDownRemainingMs?: number;
  /** Entries of the patent's table this member holds now. */
  tableEntries: number;
  /** Measured: the port's MIB counters, read now (readPortCounters). Frames toward the server are tx counters. */
  measured?: PortCounters;
}

export interface MemberPredictionView {
  /** "predicted (assumption NAME: statement; source)": print it beside every predicted value. */
  label: string;
  assumption: { name: string; statement: string; source: string };
  /** Bits of the SA the prediction depends on (3 on the BCM53125). */
  saBits: number;
  /** bySaLowBits[v] = the member port predicted for a source MAC whose low `saBits` bits are v (-1: none). */
  bySaLowBits: number[];
  /** Predicted entries per member port (how many of the 2^saBits SA classes it takes). */
  classesPerMember: Array<{ port: number; classes: number }>;
}

/** Where a CFP-mode trunk's rules are (TrunkView.rules). */
export interface TrunkRulesView {
  /** First rule of the trunk's block, and how many rules it holds (servers * tableSize * rulesPerEntry). */
  first: number;
  count: number;
  /** Rules per server MAC (tableSize * rulesPerEntry); server s's entry i is rule first + (s * tableSize + i) * rulesPerEntry. */
  perServer: number;
  rulesPerEntry: number;
  /** The chip's rule table: rules in all, and rules no trunk holds. */
  capacity: number;
  free: number;
  /** Ports the rules apply to (bit i = port i). */
  enabledPortsMask: number;
}

export interface TrunkView {
  group: number;
  /** How the chip follows the table: "hash" (its own hash; prediction labelled) or a CFP mode (exact). */
  mode: TrunkMode;
  members: number[];
  indexBits: number;
  tableSize: number;
  /** What the chip hashes on: "sa" is the patent's choice (toward the server only the source MAC varies). */
  hash: TrunkHash;
  vid: number;
  holdDownMs: number;
  servers: string[];
  interSwitchPort?: number;
  /** Whether the switch-to-switch port learns source MACs (see TrunkRequest.interSwitchLearning). */
  interSwitchLearning?: boolean;
  /** Members in service as programmed (bit i = port i): the group bitmap, and in the CFP modes the rules' members. */
  programmedMask: number;
  /** Group bitmap written to the chip's trunk group register (0 in mode cfp-isolated: the ports are in no group). */
  groupMask: number;
  /** Port the servers' static ARL entries point at (a member in service), -1 when none is. */
  anchorPort: number;
  /** How the chip follows the table: "table written", "group bitmap + hash SA (no writable table)", or CFP rules. */
  chipProgramming: "group-bitmap" | "cfp-rules";
  /** CFP modes: where the rules are. */
  rules?: TrunkRulesView;
  memberPorts: TrunkMemberView[];
  /** Live table: table[i] = member port for SA low bits i (-1 when no member is in service). In the CFP modes it is
   * what rule i of each server's block forwards to: the member a client takes, exactly. */
  table: number[];
  /** The table with every member in service. */
  homeTable: number[];
  /** Present on a chip without a writable table that can predict its own choice. */
  prediction?: MemberPredictionView;
}

export interface TrunksView {
  trunks: TrunkView[];
  /** Bitmap of ports whose learning the service disabled. */
  learningDisabledMask: number;
  lastReprogram?: ReprogramRecord;
  reprograms: number;
  serverEntryRepairs: number;
}

export interface ReprogramRecord {
  group: number;
  port: number;
  reason: "link-down" | "rejoin" | "configure";
  /** Time (ms) the service learned of the event. */
  startedMs: number;
  /** Time (ms) the last chip write finished. */
  doneMs: number;
  /** Group bitmap written. */
  mask: number;
  /** Whether the static entries had to be rewritten (their anchor left). */
  anchorMoved: boolean;
}

/** `trunks.predict`: Cisco's "test etherchannel load-balance" for one source MAC. */
export interface MemberPrediction {
  group: number;
  sa: string;
  /** Index into the patent's table: the low M bits of the SA. */
  tableIndex: number;
  /** The member the patent's table names. */
  tableMember: number;
  /** The member the chip is predicted to pick (undefined on a chip that is given the table itself). */
  predictedChipMember?: number;
  label?: string;
  /** CFP modes: the tableMember is what the chip does (rule `rule` of the first server's block decides), not a prediction. */
  exact?: boolean;
  rule?: number;
}

/** `trunks.compareFailover`: what a member's failure would do to a client population. */
export interface FailoverComparison {
  group: number;
  failedPort: number;
  clients: number;
  /** Clients whose table member is the failed port (they must move). */
  onFailedMemberByTable: number;
  /** Clients whose table member changes: always equal to onFailedMemberByTable (only the failed member's entries move). */
  changedByTable: number;
  /** Clients predicted on the failed port before the failure (chip's own function). */
  onFailedMemberPredicted?: number;
  /** Clients whose predicted chip member changes. */
  changedPredicted?: number;
  label?: string;
}

export interface TrunkServiceOptions {
  chip: SwitchChip;
  info: ChipInfo;
  scheduler: Scheduler;
  links: LinkMonitor;
  log?: (line: string) => void;
}

interface Trunk {
  readonly group: number;
  readonly mode: TrunkMode;
  readonly table: TrunkTable;
  readonly servers: readonly number[];
  readonly vid: number;
  readonly holdDownMs: number;
  readonly interSwitchPort: number; // -1: none
  readonly interSwitchLearning: boolean;
  programmedMask: number;
  anchor: number;
  /** CFP modes: the trunk's rule block (count 0 in hash mode or without servers). */
  readonly ruleBase: number;
  readonly ruleCount: number;
  /** CFP modes: programmed[i] = the port rule i of every server's block forwards to as written (-1: keep ARL). */
  readonly programmed: Int8Array;
  /** cfp-isolated: per member index, the bits this service took out of that member's port-based VLAN mask. */
  readonly isolationRemoved: Uint32Array;
  /** Per member index: the hold-down timer handle, or undefined. */
  readonly holdTimers: unknown[];
  readonly holdEnds: Float64Array;
}

function configureFailed(group: number, error: unknown, outcome: string): OnemacError {
  const code = error instanceof OnemacError ? error.code : "chip-error";
  const message = error instanceof Error ? error.message : String(error);
  return new OnemacError(code, `configuring trk${group + 1} failed: ${message}; ${outcome}`);
}

interface ChipSnapshot {
  learningDisabled: number;
  learningDisabledByUs: number;
  trunk: TrunkConfig;
  entries: Array<{ mac: number; vid: number; entry: ArlEntry | undefined }>;
  /** CFP: the rule engine's enabled ports before (undefined when neither trunk is a CFP one). */
  cfpEnabled?: number;
  cfpEnabledByUs: number;
  /** Port-based VLAN masks an isolated trunk may change. */
  portVlanMasks: Array<{ port: number; mask: number }>;
}

interface ValidRequest {
  group: number;
  mode: TrunkMode;
  ruleBase: number;
  ruleCount: number;
  members: number[];
  indexBits: number;
  servers: number[];
  vid: number;
  holdDownMs: number;
  interSwitchPort: number;
  interSwitchLearning: boolean;
}

function maskOf(ports: readonly number[]): number {
  let mask = 0;
  for (const port of ports) mask |= 1 << port;
  return mask >>> 0;
}

function lowestPort(mask: number): number {
  return mask === 0 ? -1 : 31 - Math.clz32(mask & -mask);
}

function isCfp(trunk: { mode: TrunkMode }): boolean {
  return trunk.mode !== "hash";
}

export class TrunkService {
  readonly #chip: SwitchChip;
  readonly #info: ChipInfo;
  readonly #scheduler: Scheduler;
  readonly #links: LinkMonitor;
  readonly #log: (line: string) => void;
  readonly #trunks: (Trunk | undefined)[];
  readonly #entry: ArlEntry = newArlEntry();
  #learningDisabledByUs = 0;
  /** Bits of the rule engine's enabled-port map this service set (the rest belong to others, e.g. self-tests). */
  #cfpEnabledByUs = 0;
  #hash: TrunkHash = "sa";
  #reprograms = 0;
  #repairs = 0;
  #lastReprogram: ReprogramRecord | undefined;

  constructor(options: TrunkServiceOptions) {
    this.#chip = options.chip;
    this.#info = options.info;
    this.#scheduler = options.scheduler;
    this.#links = options.links;
    this.#log = options.log ?? (() => {});
    this.#trunks = new Array(options.info.trunk.groups).fill(undefined);
    this.#links.addListener(this.#onLinkEvent);
  }

  // ---- commands ------------------------------------------------------------------------------------------------

  /**
   * Creates or replaces the trunk of `request.group`: validates everything first (bad input changes nothing), then
   * programs the chip. Returns the trunk's view.
   */
  configure(request: TrunkRequest): TrunkView {
    const valid = this.#validate(request);
    const previous = this.#trunks[valid.group];
    const table = new TrunkTable({ members: valid.members, indexBits: valid.indexBits });
    const trunk: Trunk = {
      group: valid.group,
      mode: valid.mode,
      table,
      servers: Object.freeze(valid.servers),
      vid: valid.vid,
      holdDownMs: valid.holdDownMs,
      interSwitchPort: valid.interSwitchPort,
      interSwitchLearning: valid.interSwitchLearning,
      programmedMask: 0,
      anchor: -1,
      ruleBase: valid.ruleBase,
      ruleCount: valid.ruleCount,
      programmed: new Int8Array(table.size).fill(NO_MEMBER),
      isolationRemoved: new Uint32Array(valid.members.length),
      holdTimers: new Array(valid.members.length).fill(undefined),
      holdEnds: new Float64Array(valid.members.length),
    };
    for (const port of valid.members) if (!this.#links.isUsable(port)) table.fail(port);

    const started = this.#scheduler.now();
    const anchor = lowestPort(table.upMask);
    trunk.anchor = anchor < 0 ? valid.members[0] : anchor;
    // A chip that fails half way (an SPI timeout, a full ARL bucket) must not leave half a trunk behind: what this
    // touches is read first and written back on failure.
    let snapshot: ChipSnapshot;
    try {
      snapshot = this.#snapshot(trunk, previous);
    } catch (error) {
      throw configureFailed(valid.group, error, "nothing was changed");
    }
    try {
      // Static entries first: a full ARL bucket is the likeliest failure, and nothing else has changed yet.
      this.#installServerEntries(trunk, previous);
      if (previous) this.#unprogram(previous, trunk, false, false);
      this.#trunks[valid.group] = trunk;
      this.#applyLearningDisable();
      this.#chip.setTrunkHash(true, this.#hash); // facts §1.4: 0x32/0x00 EN_TRUNK_LOCAL + HASH_SEL (2 = SA)
      this.#programModeAndMembers(trunk, previous);
    } catch (error) {
      this.#trunks[valid.group] = previous;
      throw configureFailed(valid.group, error, this.#restore(snapshot, trunk, previous));
    }
    if (previous) for (let member = 0; member < previous.holdTimers.length; member++) this.#cancelHoldDown(previous, member);
    this.#record(trunk, valid.members[0], "configure", started, false);
    this.#log(
      `trk${trunk.group + 1}: mode ${trunk.mode}, members ${valid.members.join(",")}, table ${table.size} entries (M = ${table.indexBits}), ` +
        (trunk.ruleCount > 0 ? `rules ${trunk.ruleBase}..${trunk.ruleBase + trunk.ruleCount - 1}, ` : "") +
        `${valid.servers.length ? `servers ${valid.servers.map(formatMac).join(" ")}` : "no server flagged yet"}, in service ${this.#portList(trunk.programmedMask)}`,
    );
    return this.#view(trunk, false);
  }

  /**
   * Writes every trunk to the chip again, as configured and with the members now in service: static entries, learning
   * disable, hash, group bitmaps. For a chip that lost its registers (reset or power cycle). Returns the trunks written.
   */
  reapply(): number {
    let written = 0;
    this.#learningDisabledByUs = 0; // the chip's register is back at its power-on value
    this.#cfpEnabledByUs = 0; // setup() reset the rule engine (MemberTableAccess.reset: no rule, no port enabled)
    const trunks = this.#trunks;
    for (let i = 0; i < trunks.length; i++) {
      const trunk = trunks[i];
      if (!trunk) continue;
      for (let s = 0; s < trunk.servers.length; s++) this.#addStatic(trunk.servers[s], trunk.vid, trunk.anchor);
      written++;
    }
    if (written === 0) return 0;
    this.#applyLearningDisable();
    this.#chip.setTrunkHash(true, this.#hash); // facts §1.4: 0x32/0x00 EN_TRUNK_LOCAL + HASH_SEL (2 = SA)
    for (let i = 0; i < trunks.length; i++) {
      const trunk = trunks[i];
      if (!trunk) continue;
      // The chip's rules and port-based VLAN masks are at their power-on values: everything is written afresh.
      if (trunk.mode === "cfp-isolated") trunk.isolationRemoved.fill(0);
      trunk.programmed.fill(NO_MEMBER);
      this.#programModeAndMembers(trunk, undefined);
    }
    this.#log(`trunks: ${written} written to the chip again`);
    return written;
  }

  /** The hash every trunk group uses (the chip has one for all groups, facts §1.4). */
  get hash(): TrunkHash {
    return this.#hash;
  }

  /**
   * Selects what the chip hashes trunk traffic on (`trunk-load-balance`). Only "sa" follows the patent: the member
   * predictions are made for it and are withheld for the others. Validated first; written at once when a trunk is
   * configured, otherwise with the next trunk. Throws TrunkLimitError for a hash the chip does not have.
   */
  setHash(hash: TrunkHash): void {
    const hashes = this.#info.trunk.hashes;
    if (hashes.indexOf(hash) < 0)
      throw new TrunkLimitError(`the ${this.#info.model} cannot hash trunks on "${String(hash)}" (it can: ${hashes.join(", ")})`);
    if (hash === this.#hash) return;
    const previous = this.#hash;
    this.#hash = hash;
    if (!this.#trunks.some((t) => t !== undefined)) return;
    try {
      this.#chip.setTrunkHash(true, hash); // facts §1.4: 0x32/0x00 HASH_SEL
    } catch (error) {
      this.#hash = previous;
      throw error;
    }
    this.#log(`trunks: hash ${hash}`);
  }

  /** Removes a trunk: group disabled, static entries deleted, learning restored. Returns false if none was there. */
  remove(group: number): boolean {
    this.#checkGroup(group);
    const trunk = this.#trunks[group];
    if (!trunk) return false;
    this.#unprogram(trunk, undefined, true);
    this.#trunks[group] = undefined;
    if (isCfp(trunk)) {
      if (trunk.mode === "cfp-isolated") this.#setIsolation(trunk, undefined);
      if (trunk.ruleCount > 0) this.#memberTable().clearRules(trunk.ruleBase, trunk.ruleCount);
      trunk.programmed.fill(NO_MEMBER);
      this.#applyCfpEnable();
    }
    this.#applyLearningDisable();
    if (!this.#trunks.some((t) => t !== undefined)) this.#chip.setTrunkHash(false, this.#hash);
    this.#log(`trk${group + 1}: removed`);
    return true;
  }

  /** Every trunk as plain data (`show trunks`). With `counters`, each member's MIB counters are read (measured). */
  show(options: { counters?: boolean } = {}): TrunksView {
    const trunks: TrunkView[] = [];
    for (const trunk of this.#trunks) if (trunk) trunks.push(this.#view(trunk, options.counters === true));
    const view: TrunksView = {
      trunks,
      learningDisabledMask: this.#learningDisabledByUs,
      reprograms: this.#reprograms,
      serverEntryRepairs: this.#repairs,
    };
    if (this.#lastReprogram) view.lastReprogram = { ...this.#lastReprogram };
    return view;
  }

  showTrunk(group: number, options: { counters?: boolean } = {}): TrunkView {
    return this.#view(this.#trunkOrThrow(group), options.counters === true);
  }

  /** Which member a source MAC takes: by the patent's table, and as predicted for the chip. */
  predict(group: number, sa: number | string): MemberPrediction {
    const trunk = this.#trunkOrThrow(group);
    const mac = this.#parseMacArgument(sa, "source MAC");
    const result: MemberPrediction = {
      group,
      sa: formatMac(mac),
      tableIndex: trunk.table.indexFor(mac),
      tableMember: trunk.table.memberFor(mac),
    };
    const predictor = this.#predictor(trunk);
    if (predictor) {
      result.predictedChipMember = predictor.predict(mac, this.#chipMemberMask(trunk));
      result.label = predictor.label;
    } else if (isCfp(trunk) && trunk.ruleCount > 0) {
      result.exact = true;
      result.rule = this.#ruleOf(trunk, 0, result.tableIndex);
    }
    return result;
  }

  /**
   * What failing `failedPort` would do to `clients` (source MACs): how many change member by the patent's table
   * (only those on the failed member) and, on a chip without a table, how many are predicted to change on the chip.
   * Changes nothing.
   */
  compareFailover(group: number, failedPort: number, clients: readonly (number | string)[]): FailoverComparison {
    const trunk = this.#trunkOrThrow(group);
    if (!trunk.table.isMember(failedPort)) throw new InvalidArgumentError(`port ${failedPort} is not a member of trunk ${group}`);
    if (!Array.isArray(clients)) throw new InvalidArgumentError("clients must be a list of MACs");
    const macs = clients.map((c) => this.#parseMacArgument(c, "client MAC"));
    const after = new TrunkTable({ members: trunk.table.members, indexBits: trunk.table.indexBits });
    for (const port of trunk.table.members) if (!trunk.table.isUp(port)) after.fail(port);
    after.fail(failedPort);
    let onFailed = 0;
    let changed = 0;
    for (const mac of macs) {
      const before = trunk.table.memberFor(mac);
      if (before === failedPort) onFailed++;
      if (after.memberFor(mac) !== before) changed++;
    }
    const result: FailoverComparison = { group, failedPort, clients: macs.length, onFailedMemberByTable: onFailed, changedByTable: changed };
    const predictor = this.#predictor(trunk);
    if (predictor) {
      const maskBefore = this.#chipMemberMask(trunk);
      const maskAfter = (maskBefore & ~(1 << failedPort)) >>> 0;
      let predictedOnFailed = 0;
      let predictedChanged = 0;
      for (const mac of macs) {
        const before = predictor.predict(mac, maskBefore);
        if (before === failedPort) predictedOnFailed++;
        if (predictor.predict(mac, maskAfter) !== before) predictedChanged++;
      }
      result.onFailedMemberPredicted = predictedOnFailed;
      result.changedPredicted = predictedChanged;
      result.label = predictor.label;
    }
    return result;
  }

  // ---- queries the other services use ------------------------------------------------------------------------

  /**
   * Bitmap of the ports where `mac` may appear without a station move: every member of its trunk and the
   * switch-to-switch port. 0 when `mac` is not a trunked server (in `vid`). Allocation-free.
   */
  allowedPortsFor(mac: number, vid: number): number {
    const trunks = this.#trunks;
    for (let t = 0; t < trunks.length; t++) {
      const trunk = trunks[t];
      if (!trunk || trunk.vid !== vid) continue;
      const servers = trunk.servers;
      for (let s = 0; s < servers.length; s++) {
        if (servers[s] !== mac) continue;
        let mask = trunk.table.memberMask;
        if (trunk.interSwitchPort >= 0) mask |= 1 << trunk.interSwitchPort;
        return mask >>> 0;
      }
    }
    return 0;
  }

  /** The group `port` is a member of, or -1. */
  groupOf(port: number): number {
    const trunks = this.#trunks;
    for (let t = 0; t < trunks.length; t++) {
      const trunk = trunks[t];
      if (trunk && trunk.table.isMember(port)) return trunk.group;
    }
    return -1;
  }

  isTrunkedServer(mac: number): boolean {
    // Indexed loops: on XS a for-of over an array allocates an iterator, and this runs on every ARL scan.
    const trunks = this.#trunks;
    for (let i = 0; i < trunks.length; i++) {
      const trunk = trunks[i];
      if (trunk && trunk.servers.indexOf(mac) >= 0) return true;
    }
    return false;
  }

  /**
   * Checks every server's static entry and re-installs one that is missing, dynamic or pointing elsewhere (learning
   * on some port displaced it; facts §1.5). Returns how many were repaired. Call it after an ARL scan, not during one.
   */
  verifyServerEntries(): number {
    let repaired = 0;
    const entry = this.#entry;
    // Indexed loops: this runs after every ARL scan, and on XS a for-of over an array allocates an iterator.
    const trunks = this.#trunks;
    for (let t = 0; t < trunks.length; t++) {
      const trunk = trunks[t];
      if (!trunk || trunk.anchor < 0) continue;
      for (let s = 0; s < trunk.servers.length; s++) {
        const mac = trunk.servers[s];
        const found = this.#chip.arlLookup(mac, trunk.vid, entry);
        if (found && entry.isStatic && entry.port === trunk.anchor) continue;
        this.#addStatic(mac, trunk.vid, trunk.anchor);
        repaired++;
        this.#log(`trk${trunk.group + 1}: server ${formatMac(mac)} entry ${found ? `was ${entry.isStatic ? "static" : "dynamic"} on port ${entry.port}` : "was missing"}, re-pinned to port ${trunk.anchor}`);
      }
    }
    this.#repairs += repaired;
    return repaired;
  }

  get lastReprogram(): ReprogramRecord | undefined {
    return this.#lastReprogram ? { ...this.#lastReprogram } : undefined;
  }

  // ---- link events -------------------------------------------------------------------------------------------

  readonly #onLinkEvent = (port: number, usable: boolean): void => {
    const trunks = this.#trunks;
    for (let t = 0; t < trunks.length; t++) {
      const trunk = trunks[t];
      if (!trunk) continue;
      const member = trunk.table.members.indexOf(port);
      if (member < 0) continue;
      if (usable) this.#startHoldDown(trunk, member);
      else this.#memberLost(trunk, member);
    }
  };

  #memberLost(trunk: Trunk, member: number): void {
    const port = trunk.table.members[member];
    this.#cancelHoldDown(trunk, member);
    if (!trunk.table.isUp(port)) return;
    const started = this.#scheduler.now();
    trunk.table.fail(port);
    // CFP modes: the failed member's rules go to the survivors first, while it is still in the group; then the
    // static entries and the group bitmap as in hash mode.
    if (isCfp(trunk)) this.#syncRules(trunk);
    // Re-point the server's static entries before the bitmap: until the bitmap is written the group still holds
    // the failed port, which the chip skips while its link is down, so frames for the server keep reaching the
    // group. The other order leaves the entry naming a port outside every group for the length of the ARL write.
    const anchorMoved = this.#moveAnchorIfNeeded(trunk, trunk.table.upMask);
    this.#writeMembers(trunk);
    this.#record(trunk, port, "link-down", started, anchorMoved);
    this.#log(`trk${trunk.group + 1}: port ${port} out (link down), in service ${this.#portList(trunk.programmedMask)}`);
  }

  #startHoldDown(trunk: Trunk, member: number): void {
    const port = trunk.table.members[member];
    if (trunk.table.isUp(port) || trunk.holdTimers[member] !== undefined) return;
    if (trunk.holdDownMs === 0) {
      this.#rejoin(trunk, member);
      return;
    }
    trunk.holdEnds[member] = this.#scheduler.now() + trunk.holdDownMs;
    // A repeat timer cleared at its first firing: the Scheduler offers repeat/clear only.
    trunk.holdTimers[member] = this.#scheduler.repeat(() => {
      this.#cancelHoldDown(trunk, member);
      if (this.#trunks[trunk.group] === trunk && this.#links.isUsable(port)) this.#rejoin(trunk, member);
    }, trunk.holdDownMs);
  }

  #cancelHoldDown(trunk: Trunk, member: number): void {
    const handle = trunk.holdTimers[member];
    if (handle === undefined) return;
    this.#scheduler.clear(handle);
    trunk.holdTimers[member] = undefined;
  }

  #rejoin(trunk: Trunk, member: number): void {
    const port = trunk.table.members[member];
    const started = this.#scheduler.now();
    trunk.table.restore(port);
    this.#writeMembers(trunk);
    const anchorMoved = this.#moveAnchorIfNeeded(trunk, trunk.programmedMask);
    // CFP modes: the member is back in the group (and the static entry in service) before its rules return to it.
    if (isCfp(trunk)) this.#syncRules(trunk);
    this.#record(trunk, port, "rejoin", started, anchorMoved);
    this.#log(`trk${trunk.group + 1}: port ${port} back (after ${trunk.holdDownMs} ms hold-down), in service ${this.#portList(trunk.programmedMask)}`);
  }

  // ---- chip programming --------------------------------------------------------------------------------------

  /**
   * Group bitmap (facts §1.4: 0x32/0x10 + 2 * group) = members in service.
   * In mode cfp-isolated the group stays empty (written so by #programModeAndMembers); only the record changes.
   */
  #writeMembers(trunk: Trunk): void {
    const mask = trunk.table.upMask;
    if (trunk.mode !== "cfp-isolated") {
      this.#chip.setTrunkMembers(trunk.group, mask);
    }
    trunk.programmedMask = mask;
  }

  /**
   * Writes what the trunk's mode needs beyond the static entries, learning and hash (configure and reapply), taking
   * over from `previous` (the trunk it replaces, or undefined): group bitmap or isolation, the rules, the rules of
   * `previous` it does not reuse cleared, the rule engine's enabled ports.
   */
  #programModeAndMembers(trunk: Trunk, previous: Trunk | undefined): void {
    const isolatedBefore = previous !== undefined && previous.mode === "cfp-isolated";
    if (trunk.mode === "cfp-isolated") {
      // Floods between the server's ports are cut before the ports leave the group (no loop in between).
      this.#setIsolation(isolatedBefore ? previous : undefined, trunk);
      this.#chip.setTrunkMembers(trunk.group, 0);
      this.#writeMembers(trunk);
    } else {
      this.#writeMembers(trunk);
      if (isolatedBefore) this.#setIsolation(previous, undefined);
    }
    if (isCfp(trunk)) this.#writeRules(trunk);
    if (previous && isCfp(previous)) this.#clearRulesOutside(previous, trunk);
    if (isCfp(trunk) || (previous && isCfp(previous))) this.#applyCfpEnable();
  }

  // ---- CFP rules ---------------------------------------------------------------------------------------------

  #memberTable(): MemberTableAccess {
    const access = this.#chip.memberTable;
    if (!access) throw new TrunkLimitError(`the ${this.#info.model} driver has no rule table (CFP): use trunk mode hash`);
    return access;
  }

  /** Rule of server `server`'s entry `index` (first copy). */
  #ruleOf(trunk: Trunk, server: number, index: number): number {
    return trunk.ruleBase + (server * trunk.table.size + index) * this.#memberTable().rulesPerEntry;
  }

  /** Writes every rule of the trunk (match and action, facts §2 install order: action first). */
  #writeRules(trunk: Trunk): void {
    if (trunk.ruleCount === 0) return;
    const access = this.#memberTable();
    const copies = access.rulesPerEntry;
    const table = trunk.table;
    for (let i = 0; i < table.size; i++) {
      const port = table.memberAt(i);
      for (let s = 0; s < trunk.servers.length; s++) {
        const rule = this.#ruleOf(trunk, s, i);
        for (let j = 0; j < copies; j++) access.writeRule(rule + j, trunk.servers[s], table.indexBits, i, port);
      }
      trunk.programmed[i] = port;
    }
  }

  /** Rewrites the action of every rule whose entry changed member since it was written (failover, return). */
  #syncRules(trunk: Trunk): number {
    if (trunk.ruleCount === 0) return 0;
    const access = this.#memberTable();
    const copies = access.rulesPerEntry;
    const table = trunk.table;
    let written = 0;
    for (let i = 0; i < table.size; i++) {
      const port = table.memberAt(i);
      if (trunk.programmed[i] === port) continue;
      for (let s = 0; s < trunk.servers.length; s++) {
        const rule = this.#ruleOf(trunk, s, i);
        for (let j = 0; j < copies; j++) access.setRulePort(rule + j, port); // facts §3: action word only
        written += copies;
      }
      trunk.programmed[i] = port;
    }
    return written;
  }

  /** Clears the rules of `old`'s block that `next` (the trunk replacing it, if any) does not hold. */
  #clearRulesOutside(old: Trunk, next: Trunk | undefined): void {
    if (old.ruleCount === 0) return;
    const access = this.#memberTable();
    const end = old.ruleBase + old.ruleCount;
    if (!next || !isCfp(next) || next.ruleCount === 0) {
      access.clearRules(old.ruleBase, old.ruleCount);
      return;
    }
    const nextEnd = next.ruleBase + next.ruleCount;
    if (old.ruleBase < next.ruleBase) access.clearRules(old.ruleBase, Math.min(end, next.ruleBase) - old.ruleBase);
    if (end > nextEnd) {
      const from = Math.max(old.ruleBase, nextEnd);
      access.clearRules(from, end - from);
    }
  }

  /** The rule engine's enabled ports (facts §1.2 CFP_EN_MAP) = others' bits, plus every port while a CFP trunk exists. */
  #applyCfpEnable(): void {
    const access = this.#chip.memberTable;
    if (!access) return;
    let ours = 0;
    for (let t = 0; t < this.#trunks.length; t++) {
      const trunk = this.#trunks[t];
      if (trunk && isCfp(trunk)) {
        for (let p = 0; p < this.#info.userPorts.length; p++) ours |= 1 << this.#info.userPorts[p];
        ours |= 1 << this.#info.cpuPort;
        break;
      }
    }
    ours >>>= 0;
    const current = access.getEnabledPorts();
    const next = ((current & ~this.#cfpEnabledByUs) | ours) >>> 0;
    if (next !== current) access.setEnabledPorts(next);
    this.#cfpEnabledByUs = ours;
  }

  /**
   * Port-based VLAN masks of isolated trunks (mode cfp-isolated): `next`'s members each lose the other members from
   * their mask; bits `old` took out and `next` does not need are given back. Either may be undefined.
   */
  #setIsolation(old: Trunk | undefined, next: Trunk | undefined): void {
    const chip = this.#chip;
    if (typeof chip.setPortVlanMask !== "function" || typeof chip.getPortVlanMask !== "function")
      throw new TrunkLimitError(`the ${this.#info.model} driver has no port-based VLAN masks: use trunk mode cfp or hash`);
    if (next) {
      const members = next.table.members;
      for (let m = 0; m < members.length; m++) {
        const port = members[m];
        const want = (next.table.memberMask & ~(1 << port)) >>> 0;
        const removedBefore = old ? this.#removedBits(old, port) : 0;
        const current = chip.getPortVlanMask(port);
        const mask = ((current & ~want) | (removedBefore & ~want)) >>> 0;
        if (mask !== current) chip.setPortVlanMask(port, mask); // B53_PVLAN_PORT_MASK (page 0x31), bit i = port i
        next.isolationRemoved[m] = ((removedBefore | current) & want) >>> 0;
      }
    }
    if (old) {
      const members = old.table.members;
      for (let m = 0; m < members.length; m++) {
        const port = members[m];
        const removed = old.isolationRemoved[m];
        if (removed === 0 || (next && next.table.isMember(port))) continue;
        chip.setPortVlanMask(port, (chip.getPortVlanMask(port) | removed) >>> 0);
        old.isolationRemoved[m] = 0;
      }
    }
  }

  #removedBits(trunk: Trunk, port: number): number {
    const m = trunk.table.members.indexOf(port);
    return m < 0 ? 0 : trunk.isolationRemoved[m];
  }

  /**
   * Places a CFP trunk's rule block: first fit among the other CFP trunks' blocks. With `requested` M that block must
   * fit; without, the largest M (8 down to CFP_MIN_DEFAULT_INDEX_BITS) whose block does. Throws TrunkLimitError naming
   * what is free and who holds the rest; changes nothing.
   */
  #placeRules(group: number, mode: TrunkMode, servers: number, memberCount: number, requested: number | undefined): { indexBits: number; ruleBase: number; ruleCount: number } {
    const access = this.#memberTable();
    const capacity = access.capacity;
    const copies = access.rulesPerEntry;
    const bases: number[] = [];
    const counts: number[] = [];
    let used = 0;
    const holders: string[] = [];
    for (const other of this.#trunks) {
      if (!other || other.group === group || other.ruleCount === 0) continue;
      let at = 0;
      while (at < bases.length && bases[at] < other.ruleBase) at++;
      bases.splice(at, 0, other.ruleBase);
      counts.splice(at, 0, other.ruleCount);
      used += other.ruleCount;
      holders.push(`trk${other.group + 1} holds ${other.ruleCount}`);
    }
    const firstFit = (count: number): number => {
      let start = 0;
      for (let k = 0; k < bases.length; k++) {
        if (bases[k] - start >= count) return start;
        start = bases[k] + counts[k];
      }
      return capacity - start >= count ? start : -1;
    };
    const place = (indexBits: number) => {
      const ruleCount = servers * 2 ** indexBits * copies;
      if (ruleCount === 0) return { indexBits, ruleBase: 0, ruleCount };
      const ruleBase = firstFit(ruleCount);
      return ruleBase < 0 ? undefined : { indexBits, ruleBase, ruleCount };
    };
    const shortage = (indexBits: number, what: string) =>
      new TrunkLimitError(
        `trk${group + 1} (mode ${mode}): ${servers} server MAC${servers === 1 ? "" : "s"} x ${2 ** indexBits} entries` +
          `${copies > 1 ? ` x ${copies} rules` : ""} need ${servers * 2 ** indexBits * copies} rules (${what}), but the ${this.#info.model}'s ` +
          `rule table has ${capacity - used} of ${capacity} free${holders.length ? ` (${holders.join(", ")})` : ""}: ` +
          "flag fewer servers, lower index-bits, or use trunk mode hash; nothing was changed",
      );
    if (requested !== undefined) {
      const placed = place(requested);
      if (!placed) throw shortage(requested, `M = ${requested}`);
      return placed;
    }
    const least = Math.max(CFP_MIN_DEFAULT_INDEX_BITS, Math.ceil(Math.log2(Math.max(1, memberCount))));
    for (let bits = TRUNK_TABLE_MAX_INDEX_BITS; bits >= least; bits--) {
      const placed = place(bits);
      if (placed) return placed;
    }
    throw shortage(least, `the smallest default table, M = ${least}`);
  }

  /**
   * Points the static entries at a member of `mask` when their anchor is not in it. With no member in service and a
   * switch-to-switch port (the two-switch topology), they point at that port instead: the other switch still reaches
   * the server, so this switch's clients keep reaching it too (the chip never sends a frame back out of the port it
   * came in on, so two switches without members cannot loop it). Returns whether it moved them.
   */
  #moveAnchorIfNeeded(trunk: Trunk, mask: number): boolean {
    if (mask === 0) {
      const fallback = trunk.interSwitchPort;
      if (fallback < 0 || trunk.anchor === fallback) return false;
      for (const mac of trunk.servers) this.#addStatic(mac, trunk.vid, fallback);
      trunk.anchor = fallback;
      this.#log(`trk${trunk.group + 1}: no member in service; the servers' traffic goes over the switch-to-switch port ${fallback}`);
      return true;
    }
    if (((mask >>> trunk.anchor) & 1) === 1) return false;
    const anchor = lowestPort(mask);
    for (const mac of trunk.servers) this.#addStatic(mac, trunk.vid, anchor);
    trunk.anchor = anchor;
    return true;
  }

  #addStatic(mac: number, vid: number, port: number): void {
    const entry = this.#entry;
    entry.mac = mac;
    entry.vid = vid;
    entry.port = port;
    entry.isStatic = true;
    entry.age = false;
    this.#chip.arlAdd(entry); // facts §1.3 "Add static entry"
  }

  /**
   * Adds every server's static entry toward `trunk.anchor`. On a failure (a full ARL bucket) puts back what this call
   * changed (entries the previous trunk had point at its anchor again, new ones are deleted) and rethrows.
   */
  #installServerEntries(trunk: Trunk, previous: Trunk | undefined): void {
    const added: number[] = [];
    try {
      for (const mac of trunk.servers) {
        this.#addStatic(mac, trunk.vid, trunk.anchor);
        added.push(mac);
      }
    } catch (error) {
      for (const mac of added) {
        if (previous && previous.vid === trunk.vid && previous.servers.indexOf(mac) >= 0) this.#addStatic(mac, previous.vid, previous.anchor);
        else this.#chip.arlDelete(mac, trunk.vid);
      }
      throw error;
    }
  }

  /**
   * Takes a trunk off the chip: hold-downs cancelled, static entries the `successor` does not keep deleted, and (when
   * `disableGroup`) the group bitmap cleared.
   */
  #unprogram(trunk: Trunk, successor: Trunk | undefined, disableGroup: boolean, cancelHoldDowns = true): void {
    if (cancelHoldDowns) for (let member = 0; member < trunk.holdTimers.length; member++) this.#cancelHoldDown(trunk, member);
    if (disableGroup) {
      this.#chip.setTrunkMembers(trunk.group, 0);
      trunk.programmedMask = 0;
    }
    for (const mac of trunk.servers) {
      const kept = successor !== undefined && successor.vid === trunk.vid && successor.servers.indexOf(mac) >= 0;
      if (!kept) this.#chip.arlDelete(mac, trunk.vid);
    }
  }

  /** What configuring `trunk` over `previous` may change on the chip, read before it changes anything. */
  #snapshot(trunk: Trunk, previous: Trunk | undefined): ChipSnapshot {
    const chip = this.#chip;
    const entries: ChipSnapshot["entries"] = [];
    const keep = (mac: number, vid: number) => {
      for (let i = 0; i < entries.length; i++) if (entries[i].mac === mac && entries[i].vid === vid) return;
      const entry = newArlEntry();
      entries.push({ mac, vid, entry: chip.arlLookup(mac, vid, entry) ? entry : undefined });
    };
    for (const mac of trunk.servers) keep(mac, trunk.vid);
    if (previous) for (const mac of previous.servers) keep(mac, previous.vid);
    const snapshot: ChipSnapshot = {
      learningDisabled: chip.getLearningDisabled(),
      learningDisabledByUs: this.#learningDisabledByUs,
      trunk: chip.readTrunkConfig(),
      entries,
      cfpEnabledByUs: this.#cfpEnabledByUs,
      portVlanMasks: [],
    };
    const cfp = isCfp(trunk) || (previous !== undefined && isCfp(previous));
    if (cfp && chip.memberTable) snapshot.cfpEnabled = chip.memberTable.getEnabledPorts();
    for (const t of [trunk, previous])
      if (t && t.mode === "cfp-isolated" && typeof chip.getPortVlanMask === "function")
        for (const port of t.table.members)
          if (!snapshot.portVlanMasks.some((saved) => saved.port === port)) snapshot.portVlanMasks.push({ port, mask: chip.getPortVlanMask(port) });
    return snapshot;
  }

  /**
   * Writes a snapshot back, and the rules: `attempt`'s block cleared where `previous` (the trunk still configured, if
   * any) has no rule, `previous`'s rules written again. Returns a sentence for the error message: whether it could.
   */
  #restore(snapshot: ChipSnapshot, attempt: Trunk, previous: Trunk | undefined): string {
    const chip = this.#chip;
    try {
      if (isCfp(attempt) && attempt.ruleCount > 0) {
        const access = this.#memberTable();
        const kept = previous && isCfp(previous) ? previous : undefined;
        for (let rule = attempt.ruleBase; rule < attempt.ruleBase + attempt.ruleCount; rule++)
          if (!kept || rule < kept.ruleBase || rule >= kept.ruleBase + kept.ruleCount) access.clearRules(rule, 1);
      }
      if (previous && isCfp(previous)) this.#writeRules(previous);
      for (const { port, mask } of snapshot.portVlanMasks) chip.setPortVlanMask!(port, mask);
      if (attempt.mode === "cfp-isolated") attempt.isolationRemoved.fill(0);
      if (snapshot.cfpEnabled !== undefined) chip.memberTable!.setEnabledPorts(snapshot.cfpEnabled);
      this.#cfpEnabledByUs = snapshot.cfpEnabledByUs;
      for (const { mac, vid, entry } of snapshot.entries) {
        if (entry) chip.arlAdd(entry);
        else chip.arlDelete(mac, vid);
      }
      chip.setLearningDisabled(snapshot.learningDisabled);
      this.#learningDisabledByUs = snapshot.learningDisabledByUs;
      chip.setTrunkHash(snapshot.trunk.enabled, snapshot.trunk.hash);
      // Group bitmaps: each written back, emptied first so the overlap check cannot refuse the old layout.
      for (const { group } of snapshot.trunk.groups) chip.setTrunkMembers(group, 0);
      for (const { group, members } of snapshot.trunk.groups) if (members !== 0) chip.setTrunkMembers(group, members);
      return "nothing was changed";
    } catch (error) {
      return `putting the previous configuration back failed too (${error instanceof Error ? error.message : String(error)}): ` +
        "the chip is not answering; configure the trunk again once it does";
    }
  }

  /** Learning disable (facts §1.2/§1.5: 0x00/0x3C) = what others set, plus every trunk member and switch-to-switch port. */
  #applyLearningDisable(): void {
    let ours = 0;
    for (const trunk of this.#trunks) {
      if (!trunk) continue;
      // Only a trunk toward a flagged server keeps its members from learning (the server's MAC arrives on all of
      // them); a trunk with no server yet learns like any port group.
      if (trunk.servers.length > 0) ours |= trunk.table.memberMask;
      if (trunk.interSwitchPort >= 0 && !trunk.interSwitchLearning) ours |= 1 << trunk.interSwitchPort;
    }
    ours >>>= 0;
    const current = this.#chip.getLearningDisabled();
    const next = ((current & ~this.#learningDisabledByUs) | ours) >>> 0;
    if (next !== current) this.#chip.setLearningDisabled(next);
    this.#learningDisabledByUs = ours;
  }

  #record(trunk: Trunk, port: number, reason: ReprogramRecord["reason"], startedMs: number, anchorMoved: boolean): void {
    this.#reprograms++;
    this.#lastReprogram = { group: trunk.group, port, reason, startedMs, doneMs: this.#scheduler.now(), mask: trunk.programmedMask, anchorMoved };
  }

  // ---- predictions -----------------------------------------------------------------------------------------

  #predictor(trunk: Trunk): { predict: (sa: number, mask: number) => number; label: string; bits: number } | undefined {
    if (isCfp(trunk)) return undefined; // the rules decide: the table is exact
    const chip = this.#chip;
    const assumption = this.#info.trunk.memberPrediction;
    if (typeof chip.predictMember !== "function" || !assumption) return undefined;
    if (this.#hash !== "sa") return undefined; // the named assumption describes the SA hash only
    return {
      predict: (sa, mask) => chip.predictMember!(sa, mask),
      label: `predicted (assumption ${assumption.name}: ${assumption.statement}; ${assumption.source})`,
      bits: 3,
    };
  }

  /** Members the chip chooses among: in the group bitmap and link up (the chip skips link-down members, facts §1.4). */
  #chipMemberMask(trunk: Trunk): number {
    return (trunk.programmedMask & this.#links.rawMask) >>> 0;
  }

  // ---- views -------------------------------------------------------------------------------------------------

  #view(trunk: Trunk, withCounters: boolean): TrunkView {
    const table = trunk.table;
    const now = this.#scheduler.now();
    const memberPorts: TrunkMemberView[] = [];
    for (let member = 0; member < table.members.length; member++) {
      const port = table.members[member];
      const up = table.isUp(port);
      const holding = trunk.holdTimers[member] !== undefined;
      const view: TrunkMemberView = {
        port,
        link: ((this.#links.rawMask >>> port) & 1) === 1,
        state: up ? "active" : holding ? "hold-down" : "down",
        tableEntries: table.entryCount(port),
      };
      if (holding) view.holdDownRemainingMs = Math.max(0, trunk.holdEnds[member] - now);
      if (withCounters) view.measured = this.#chip.readPortCounters(port, newPortCounters());
      memberPorts.push(view);
    }
    const homeTable: number[] = [];
    for (let i = 0; i < table.size; i++) homeTable.push(table.homeMemberAt(i));
    const view: TrunkView = {
      group: trunk.group,
      mode: trunk.mode,
      members: table.members.slice(),
      indexBits: table.indexBits,
      tableSize: table.size,
      hash: this.#hash,
      vid: trunk.vid,
      holdDownMs: trunk.holdDownMs,
      servers: trunk.servers.map(formatMac),
      programmedMask: trunk.programmedMask,
      groupMask: trunk.mode === "cfp-isolated" ? 0 : trunk.programmedMask,
      anchorPort: trunk.programmedMask === 0 ? -1 : trunk.anchor,
      chipProgramming: isCfp(trunk) ? "cfp-rules" : "group-bitmap",
      memberPorts,
      table: table.entries(),
      homeTable,
    };
    if (trunk.interSwitchPort >= 0) {
      view.interSwitchPort = trunk.interSwitchPort;
      view.interSwitchLearning = trunk.interSwitchLearning;
    }
    if (isCfp(trunk)) {
      const access = this.#memberTable();
      let used = 0;
      for (const other of this.#trunks) if (other) used += other.ruleCount;
      view.rules = {
        first: trunk.ruleBase,
        count: trunk.ruleCount,
        perServer: table.size * access.rulesPerEntry,
        rulesPerEntry: access.rulesPerEntry,
        capacity: access.capacity,
        free: access.capacity - used,
        enabledPortsMask: this.#cfpEnabledByUs,
      };
    }
    const predictor = this.#predictor(trunk);
    const assumption = this.#info.trunk.memberPrediction;
    if (predictor && assumption) {
      const mask = this.#chipMemberMask(trunk);
      const bySaLowBits: number[] = [];
      for (let low = 0; low < 2 ** predictor.bits; low++) bySaLowBits.push(predictor.predict(low, mask));
      view.prediction = {
        label: predictor.label,
        assumption: { name: assumption.name, statement: assumption.statement, source: assumption.source },
        saBits: predictor.bits,
        bySaLowBits,
        classesPerMember: table.members.map((port) => ({ port, classes: bySaLowBits.filter((p) => p === port).length })),
      };
    }
    return view;
  }

  #portList(mask: number): string {
    if (mask === 0) return "none";
    const ports: number[] = [];
    for (let port = 0; port < 32; port++) if ((mask >>> port) & 1) ports.push(port);
    return ports.join(",");
  }

  // ---- validation ----------------------------------------------------------------------------------------------

  #checkGroup(group: number): void {
    const groups = this.#info.trunk.groups;
    if (!Number.isInteger(group) || group < 0 || group >= groups)
      throw new TrunkLimitError(`the ${this.#info.model} has trunk groups 0..${groups - 1}, not ${group}`);
  }

  #trunkOrThrow(group: number): Trunk {
    this.#checkGroup(group);
    const trunk = this.#trunks[group];
    if (!trunk) throw new InvalidArgumentError(`trunk group ${group} is not configured (configure it first)`);
    return trunk;
  }

  #parseMacArgument(value: unknown, what: string): number {
    if (typeof value === "string") return parseMac(value);
    if (typeof value === "number" && isMac(value)) return value;
    throw new InvalidArgumentError(`${what} ${String(value)} is not a MAC address (aa:bb:cc:dd:ee:ff or a 48-bit number)`);
  }

  #validate(request: TrunkRequest): ValidRequest {
    if (request === null || typeof request !== "object") throw new InvalidArgumentError("a trunk request must be an object");
    const info = this.#info;
    this.#checkGroup(request.group);
    if (info.trunk.hashes.indexOf("sa") < 0) throw new TrunkLimitError(`the ${info.model} cannot hash trunks on the source MAC`);
    if (!Array.isArray(request.members)) throw new InvalidArgumentError("members must be a list of port numbers");
    const members = request.members.slice();
    for (const port of members) {
      if (port === info.cpuPort) throw new TrunkLimitError(`port ${port} is the management (CPU) port and cannot be a trunk member`);
      if (info.userPorts.indexOf(port) < 0)
        throw new InvalidArgumentError(`port ${String(port)} is not a front-panel port of the ${info.model} (ports ${info.userPorts.join(", ")})`);
    }
    if (members.length > info.trunk.maxMembers)
      throw new TrunkLimitError(`a ${info.model} trunk holds at most ${info.trunk.maxMembers} ports, not ${members.length}`);
    const mode = request.mode ?? "hash";
    if (TRUNK_MODES.indexOf(mode) < 0) throw new InvalidArgumentError(`trunk mode must be ${TRUNK_MODES.join(", ")}, not ${String(mode)}`);
    if (mode !== "hash") this.#memberTable();
    if (mode === "cfp-isolated" && (typeof this.#chip.setPortVlanMask !== "function" || typeof this.#chip.getPortVlanMask !== "function"))
      throw new TrunkLimitError(`the ${info.model} driver has no port-based VLAN masks, which mode cfp-isolated needs: use trunk mode cfp or hash`);
    if (request.indexBits !== undefined || mode === "hash") validateTrunkTableOptions({ members, indexBits: request.indexBits ?? TRUNK_TABLE_DEFAULT_INDEX_BITS });
    else validateTrunkTableOptions({ members, indexBits: TRUNK_TABLE_MAX_INDEX_BITS });
    const memberMask = maskOf(members);
    for (const other of this.#trunks) {
      if (!other || other.group === request.group) continue;
      const overlap = other.table.memberMask & memberMask;
      if (overlap) throw new TrunkLimitError(`port ${lowestPort(overlap)} is already a member of trunk ${other.group}`);
      if (other.interSwitchPort >= 0 && ((memberMask >>> other.interSwitchPort) & 1))
        throw new InvalidArgumentError(`port ${other.interSwitchPort} is trunk ${other.group}'s switch-to-switch port`);
    }
    let interSwitchPort = -1;
    if (request.interSwitchPort !== undefined) {
      interSwitchPort = request.interSwitchPort;
      if (info.userPorts.indexOf(interSwitchPort) < 0)
        throw new InvalidArgumentError(`switch-to-switch port ${String(interSwitchPort)} is not a front-panel port (ports ${info.userPorts.join(", ")})`);
      if ((memberMask >>> interSwitchPort) & 1) throw new InvalidArgumentError(`port ${interSwitchPort} cannot be both a member and the switch-to-switch port`);
      for (const other of this.#trunks)
        if (other && other.group !== request.group && other.table.isMember(interSwitchPort))
          throw new InvalidArgumentError(`switch-to-switch port ${interSwitchPort} is a member of trunk ${other.group}`);
    }
    const vid = request.vid ?? 0;
    if (!Number.isInteger(vid) || vid < 0 || vid > VID_MAX) throw new InvalidArgumentError(`VID must be 0..${VID_MAX}, not ${String(vid)}`);
    const holdDownMs = request.holdDownMs ?? DEFAULT_HOLD_DOWN_MS;
    if (typeof holdDownMs !== "number" || !(holdDownMs >= 0 && holdDownMs <= MAX_HOLD_DOWN_MS))
      throw new InvalidArgumentError(`hold-down must be 0..${MAX_HOLD_DOWN_MS} ms, not ${String(holdDownMs)}`);
    if (!Array.isArray(request.servers)) throw new InvalidArgumentError("servers must be a list of MACs (servers: [\"aa:bb:cc:dd:ee:ff\"])");
    if (request.servers.length > MAX_SERVERS_PER_TRUNK)
      throw new InvalidArgumentError(`at most ${MAX_SERVERS_PER_TRUNK} server MACs per trunk, not ${request.servers.length}`);
    const servers: number[] = [];
    for (const value of request.servers) {
      const mac = this.#parseMacArgument(value, "server MAC");
      if (isMulticastMac(mac)) throw new InvalidArgumentError(`server MAC ${formatMac(mac)} is a multicast address`);
      if (mac === 0) throw new InvalidArgumentError("server MAC 00:00:00:00:00:00 is not a station address");
      if (servers.indexOf(mac) >= 0) throw new InvalidArgumentError(`server MAC ${formatMac(mac)} is listed twice`);
      for (const other of this.#trunks)
        if (other && other.group !== request.group && other.servers.indexOf(mac) >= 0)
          throw new InvalidArgumentError(`server MAC ${formatMac(mac)} already belongs to trunk ${other.group}`);
      servers.push(mac);
    }
    const interSwitchLearning = request.interSwitchLearning ?? false;
    if (typeof interSwitchLearning !== "boolean") throw new InvalidArgumentError(`interSwitchLearning must be true or false, not ${String(interSwitchLearning)}`);
    if (interSwitchLearning && interSwitchPort < 0) throw new InvalidArgumentError("interSwitchLearning needs an interSwitchPort");
    // Last: where the rules go (needs the servers; all of the above is cheaper to refuse first).
    const placed =
      mode === "hash"
        ? { indexBits: request.indexBits ?? TRUNK_TABLE_DEFAULT_INDEX_BITS, ruleBase: -1, ruleCount: 0 }
        : this.#placeRules(request.group, mode, servers.length, members.length, request.indexBits);
    return { group: request.group, mode, ruleBase: placed.ruleBase, ruleCount: placed.ruleCount, members, indexBits: placed.indexBits, servers, vid, holdDownMs, interSwitchPort, interSwitchLearning };
  }
}
