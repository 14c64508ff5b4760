// MAC move (station move, "MAC flapping") detection for chips without a move interrupt (BCM53125, facts §5: no move
// event or counter): every scan walks the ARL through the chip's search engine (SwitchChip.arlDump, facts §1.3
// "Dump") and compares each unicast {MAC, VID}'s port with the previous scan's.
//
// Reporting follows what managed switches do (shared/facts/switch-users-expect.md "MAC moves"):
//   * a detection window and a threshold: a (MAC, VLAN) is reported once it moved `threshold` times within `windowMs`;
//   * a capped list of records (MAC, VLAN, from port, to port, count), `maxRecords` (Comware keeps 20), ranked by count;
//     when full, the least-moved, least recent record gives way (and `droppedRecords` counts it);
//   * log lines in Cisco's shape, "Host aa:bb:cc:dd:ee:ff in vlan 1 is flapping between port 1 and port 3", at most one
//     per record per `logIntervalMs` and at most `maxLogLinesPerInterval` in all per interval (the rest are counted);
//   * an exemption list by MAC and by VLAN;
//   * trunked servers (US6151297's flagged MAC): a MAC the policy allows on several ports (every member of its trunk,
//     and the switch-to-switch port) moves among them with no record, no log line and no notification.
//
// Memory: the tracking table is an open-addressing hash in typed arrays sized at construction (maxTrackedEntries);
// a scan allocates nothing except the objects of what it reports. Addresses beyond capacity are counted, not tracked.

import type { ArlEntry, SwitchChip } from "../chip/switch-chip";
import type { Scheduler } from "../clock";
import { OutageReporter } from "../outage";
import { mergeSettings, settingRanges, type SettingRanges } from "../settings";
import { InvalidArgumentError } from "../errors";
import { formatMac, isMac, isMulticastMac, parseMac } from "../mac";

export interface MoveMonitorSettings {
  /** Time between ARL scans, ms (default 1000). */
  scanIntervalMs: number;
  /** Detection window, ms (default 60 000). */
  windowMs: number;
  /** Moves within the window before a MAC is reported (default 1: every move). */
  threshold: number;
  /** Records kept (default 20, as Comware). */
  maxRecords: number;
  /** Least time between two log lines about one record, and the period of the global log budget, ms (default 10 000). */
  logIntervalMs: number;
  /** Log lines allowed per logIntervalMs over all records (default 10). */
  maxLogLinesPerInterval: number;
}

export const DEFAULT_MOVE_MONITOR_SETTINGS: Readonly<MoveMonitorSettings> = Object.freeze({
  scanIntervalMs: 1000,
  windowMs: 60_000,
  threshold: 1,
  maxRecords: 20,
  logIntervalMs: 10_000,
  maxLogLinesPerInterval: 10,
});

export const DEFAULT_MAX_TRACKED_ENTRIES = 256;
export const MAX_RECORDS_LIMIT = 256;
export const MAX_EXEMPTIONS = 64;

/** Where a trunked server's MAC may appear without a move. The trunk service implements it. */
export interface TrunkedServerPolicy {
  /** Bitmap of ports `mac` (in `vid`) may appear on without a move; 0 when it is not a trunked server. */
  allowedPortsFor(mac: number, vid: number): number;
}

export interface MoveRecordView {
  mac: string;
  vlan: number;
  fromPort: number;
  toPort: number;
  /** Moves within the current window. */
  count: number;
  firstMs: number;
  lastMs: number;
  /** Whether the count reached the threshold (the MAC was reported). */
  reported: boolean;
}

/** What listeners receive for every move at or above the threshold. */
export interface MoveNotification {
  mac: string;
  macValue: number;
  vlan: number;
  fromPort: number;
  toPort: number;
  count: number;
  atMs: number;
}

export interface MovesView {
  settings: MoveMonitorSettings;
  running: boolean;
  /** Ranked by count (highest first), then most recent. */
  records: MoveRecordView[];
  exemptMacs: string[];
  exemptVlans: number[];
  stats: {
    scans: number;
    /** Unicast entries the last scan saw. */
    lastScanEntries: number;
    tracked: number;
    capacity: number;
    /** Entries the last scan could not track (table full). */
    untracked: number;
    movesDetected: number;
    /** Moves of trunked servers among their allowed ports (never reported). */
    trunkedServerMovesIgnored: number;
    exemptMovesIgnored: number;
    droppedRecords: number;
    suppressedLogLines: number;
    lastScanMs?: number;
  };
}

export interface MoveMonitorOptions {
  chip: SwitchChip;
  scheduler: Scheduler;
  policy?: TrunkedServerPolicy;
  settings?: Partial<MoveMonitorSettings>;
  /** Capacity of the tracking table (default 256; the chip's ARL holds more, the rest is counted as untracked). */
  maxTrackedEntries?: number;
  log?: (line: string) => void;
}

const EMPTY = 0;
const USED = 1;
const TWO_32 = 0x100000000;

const MOVE_MONITOR_RANGES: SettingRanges<MoveMonitorSettings> = settingRanges({
  scanIntervalMs: [10, 3_600_000, false],
  windowMs: [1, 86_400_000, false],
  threshold: [1, 1_000_000, true],
  maxRecords: [1, MAX_RECORDS_LIMIT, true],
  logIntervalMs: [0, 86_400_000, false],
  maxLogLinesPerInterval: [1, 1000, true],
} as const);

export function mergeMoveMonitorSettings(base: Readonly<MoveMonitorSettings>, change: Partial<MoveMonitorSettings>): MoveMonitorSettings {
  return mergeSettings("move monitor", MOVE_MONITOR_RANGES, base, change);
}

export class MoveMonitor {
  readonly #chip: SwitchChip;
  readonly #scheduler: Scheduler;
  readonly #log: (line: string) => void;
  readonly #outage: OutageReporter;
  #policy: TrunkedServerPolicy | undefined;
  #settings: MoveMonitorSettings;

  // tracking table (open addressing, linear probing, backward-shift deletion)
  readonly #capacity: number;
  readonly #slotMask: number;
  readonly #maxTracked: number;
  readonly #state: Uint8Array;
  readonly #macHigh: Uint16Array;
  readonly #macLow: Uint32Array;
  readonly #vid: Uint16Array;
  readonly #port: Uint16Array;
  readonly #seen: Uint8Array;
  #tracked = 0;
  #generation = 0;

  // move records
  #recMac!: Float64Array;
  #recVid!: Uint16Array;
  #recFrom!: Uint16Array;
  #recTo!: Uint16Array;
  #recCount!: Uint32Array;
  #recFirst!: Float64Array;
  #recLast!: Float64Array;
  #recLastLog!: Float64Array;
  #recUsed!: Uint8Array;

  readonly #exemptMacs: number[] = [];
  readonly #exemptVlans: number[] = [];
  readonly #listeners: Array<(notification: MoveNotification) => void> = [];
  readonly #scanListeners: Array<() => void> = [];

  #timer: unknown = undefined;
  #scanning = false;
  #scans = 0;
  #lastScanEntries = 0;
  #scanEntries = 0;
  #untracked = 0;
  #scanUntracked = 0;
  #moves = 0;
  #serverMovesIgnored = 0;
  #exemptMovesIgnored = 0;
  #droppedRecords = 0;
  #suppressedLogLines = 0;
  #logBudget = 0;
  #logBudgetSince = -Infinity;
  #lastScanMs = NaN;
  #now = 0;

  constructor(options: MoveMonitorOptions) {
    this.#settings = mergeMoveMonitorSettings(DEFAULT_MOVE_MONITOR_SETTINGS, options.settings ?? {});
    const maxTracked = options.maxTrackedEntries ?? DEFAULT_MAX_TRACKED_ENTRIES;
    if (!Number.isInteger(maxTracked) || maxTracked < 1 || maxTracked > 65536)
      throw new InvalidArgumentError(`maxTrackedEntries must be an integer 1..65536, not ${maxTracked}`);
    this.#chip = options.chip;
    this.#scheduler = options.scheduler;
    this.#policy = options.policy;
    this.#log = options.log ?? (() => {});
    this.#outage = new OutageReporter("ARL scan", this.#log);
    let capacity = 2;
    while (capacity < maxTracked * 2) capacity *= 2;
    this.#capacity = capacity;
    this.#slotMask = capacity - 1;
    this.#maxTracked = maxTracked;
    this.#state = new Uint8Array(capacity);
    this.#macHigh = new Uint16Array(capacity);
    this.#macLow = new Uint32Array(capacity);
    this.#vid = new Uint16Array(capacity);
    this.#port = new Uint16Array(capacity);
    this.#seen = new Uint8Array(capacity);
    this.#allocateRecords(this.#settings.maxRecords);
  }

  #allocateRecords(count: number): void {
    this.#recMac = new Float64Array(count);
    this.#recVid = new Uint16Array(count);
    this.#recFrom = new Uint16Array(count);
    this.#recTo = new Uint16Array(count);
    this.#recCount = new Uint32Array(count);
    this.#recFirst = new Float64Array(count);
    this.#recLast = new Float64Array(count);
    this.#recLastLog = new Float64Array(count);
    this.#recUsed = new Uint8Array(count);
  }

  get settings(): Readonly<MoveMonitorSettings> {
    return this.#settings;
  }

  get running(): boolean {
    return this.#timer !== undefined;
  }

  /** Sets the trunked-server policy (the trunk service). */
  setPolicy(policy: TrunkedServerPolicy | undefined): void {
    this.#policy = policy;
  }

  /** Changes settings, validated as a whole first. A smaller maxRecords keeps the highest-ranked records. */
  configure(change: Partial<MoveMonitorSettings>): MoveMonitorSettings {
    const merged = mergeMoveMonitorSettings(this.#settings, change);
    const previous = this.#settings;
    if (merged.maxRecords !== previous.maxRecords) {
      const kept = this.#rankedRecordIndexes().slice(0, merged.maxRecords);
      const old = {
        mac: this.#recMac, vid: this.#recVid, from: this.#recFrom, to: this.#recTo, count: this.#recCount,
        first: this.#recFirst, last: this.#recLast, lastLog: this.#recLastLog,
      };
      const dropped = this.#recordCount() - kept.length;
      this.#allocateRecords(merged.maxRecords);
      kept.forEach((from, to) => {
        this.#recMac[to] = old.mac[from];
        this.#recVid[to] = old.vid[from];
        this.#recFrom[to] = old.from[from];
        this.#recTo[to] = old.to[from];
        this.#recCount[to] = old.count[from];
        this.#recFirst[to] = old.first[from];
        this.#recLast[to] = old.last[from];
        this.#recLastLog[to] = old.lastLog[from];
        this.#recUsed[to] = 1;
      });
      this.#droppedRecords += dropped;
    }
    this.#settings = merged;
    if (merged.scanIntervalMs !== previous.scanIntervalMs && this.running) {
      this.stop();
      this.start();
    }
    return { ...merged };
  }

  /** Exempts a MAC (number or text) or, with `{ vlan }`, a VLAN. Returns false if it was already exempt. */
  exempt(target: number | string | { vlan: number }): boolean {
    if (typeof target === "object" && target !== null) {
      const vlan = target.vlan;
      if (!Number.isInteger(vlan) || vlan < 0 || vlan > 4095) throw new InvalidArgumentError(`VLAN must be 0..4095, not ${String(vlan)}`);
      if (this.#exemptVlans.indexOf(vlan) >= 0) return false;
      if (this.#exemptVlans.length >= MAX_EXEMPTIONS) throw new InvalidArgumentError(`at most ${MAX_EXEMPTIONS} exempt VLANs`);
      this.#exemptVlans.push(vlan);
      return true;
    }
    const mac = this.#parseMacArgument(target);
    if (this.#exemptMacs.indexOf(mac) >= 0) return false;
    if (this.#exemptMacs.length >= MAX_EXEMPTIONS) throw new InvalidArgumentError(`at most ${MAX_EXEMPTIONS} exempt MACs`);
    this.#exemptMacs.push(mac);
    return true;
  }

  /** Removes an exemption. Returns false if there was none. */
  unexempt(target: number | string | { vlan: number }): boolean {
    const list = typeof target === "object" && target !== null ? this.#exemptVlans : this.#exemptMacs;
    const value = typeof target === "object" && target !== null ? target.vlan : this.#parseMacArgument(target);
    const index = list.indexOf(value);
    if (index < 0) return false;
    list.splice(index, 1);
    return true;
  }

  /** Listeners get a notification for every move at or above the threshold (never for trunked servers or exemptions). */
  addListener(listener: (notification: MoveNotification) => void): void {
    if (typeof listener !== "function") throw new InvalidArgumentError("a move listener must be a function");
    this.#listeners.push(listener);
  }

  /** Called after every scan (the trunk service re-checks its servers' static entries then). */
  addScanListener(listener: () => void): void {
    if (typeof listener !== "function") throw new InvalidArgumentError("a scan listener must be a function");
    this.#scanListeners.push(listener);
  }

  start(): void {
    if (this.#timer !== undefined) return;
    this.#timer = this.#scheduler.repeat(this.#onTimer, this.#settings.scanIntervalMs);
  }

  stop(): void {
    if (this.#timer === undefined) return;
    this.#scheduler.clear(this.#timer);
    this.#timer = undefined;
  }

  readonly #onTimer = (): void => {
    this.#outage.run(this.#scanOnce);
  };

  /** Forgets every record (`clear mac-address mac-move`). Tracking continues. */
  clearRecords(): void {
    this.#recUsed.fill(0);
  }

  /** One ARL scan. Returns how many moves it detected (reported or not; trunked servers and exemptions excluded). */
  scan(): number {
    return this.#scanOnce();
  }

  readonly #scanOnce = (): number => {
    if (this.#scanning) return 0;
    this.#scanning = true;
    const movesBefore = this.#moves;
    try {
      this.#now = this.#scheduler.now();
      this.#generation = this.#generation === 1 ? 2 : 1;
      this.#scanEntries = 0;
      this.#scanUntracked = 0;
      this.#expireRecords();
      this.#chip.arlDump(this.#visit);
      this.#sweepUnseen();
      this.#scans++;
      this.#lastScanEntries = this.#scanEntries;
      this.#untracked = this.#scanUntracked;
      this.#lastScanMs = this.#now;
    } finally {
      this.#scanning = false;
    }
    const listeners = this.#scanListeners;
    for (let i = 0; i < listeners.length; i++) listeners[i]();
    return this.#moves - movesBefore;
  };

  readonly #visit = (entry: ArlEntry): void => {
    const mac = entry.mac;
    if (isMulticastMac(mac)) return;
    this.#scanEntries++;
    const vid = entry.vid;
    const port = entry.port;
    const high = Math.floor(mac / TWO_32);
    const low = (mac % TWO_32) >>> 0;
    const slotMask = this.#slotMask;
    let slot = this.#hash(high, low, vid);
    for (let probe = 0; probe < this.#capacity; probe++) {
      if (this.#state[slot] === EMPTY) break;
      if (this.#macLow[slot] === low && this.#macHigh[slot] === high && this.#vid[slot] === vid) {
        this.#seen[slot] = this.#generation;
        const from = this.#port[slot];
        if (from !== port) {
          this.#port[slot] = port;
          this.#onMove(mac, vid, from, port);
        }
        return;
      }
      slot = (slot + 1) & slotMask;
    }
    if (this.#tracked >= this.#maxTracked || this.#state[slot] !== EMPTY) {
      this.#scanUntracked++;
      return;
    }
    this.#state[slot] = USED;
    this.#macHigh[slot] = high;
    this.#macLow[slot] = low;
    this.#vid[slot] = vid;
    this.#port[slot] = port;
    this.#seen[slot] = this.#generation;
    this.#tracked++;
  };

  #hash(high: number, low: number, vid: number): number {
    let h = Math.imul(low ^ (high << 16) ^ high, 0x9e3779b1);
    h ^= Math.imul(vid + 1, 0x85ebca6b);
    h ^= h >>> 15;
    return h & this.#slotMask;
  }

  /** Removes entries the scan did not see (aged out or deleted), shifting later probes back (no tombstones). */
  #sweepUnseen(): void {
    const generation = this.#generation;
    let budget = this.#capacity * 2;
    for (let slot = 0; slot < this.#capacity && budget > 0; budget--) {
      if (this.#state[slot] === USED && this.#seen[slot] !== generation) this.#deleteSlot(slot);
      else slot++;
    }
  }

  #deleteSlot(hole: number): void {
    const mask = this.#slotMask;
    let next = hole;
    for (let step = 0; step < this.#capacity; step++) {
      next = (next + 1) & mask;
      if (this.#state[next] === EMPTY) break;
      const home = this.#hash(this.#macHigh[next], this.#macLow[next], this.#vid[next]);
      // The entry at `next` may fill the hole unless its home lies cyclically in (hole, next].
      const stays = hole <= next ? hole < home && home <= next : hole < home || home <= next;
      if (stays) continue;
      this.#macHigh[hole] = this.#macHigh[next];
      this.#macLow[hole] = this.#macLow[next];
      this.#vid[hole] = this.#vid[next];
      this.#port[hole] = this.#port[next];
      this.#seen[hole] = this.#seen[next];
      hole = next;
    }
    this.#state[hole] = EMPTY;
    this.#tracked--;
  }

  #onMove(mac: number, vid: number, from: number, to: number): void {
    const allowed = this.#policy ? this.#policy.allowedPortsFor(mac, vid) : 0;
    if (allowed !== 0 && ((allowed >>> from) & 1) === 1 && ((allowed >>> to) & 1) === 1) {
      this.#serverMovesIgnored++;
      return;
    }
    if (this.#exemptMacs.indexOf(mac) >= 0 || this.#exemptVlans.indexOf(vid) >= 0) {
      this.#exemptMovesIgnored++;
      return;
    }
    this.#moves++;
    const now = this.#now;
    const settings = this.#settings;
    let record = this.#findRecord(mac, vid);
    if (record < 0) {
      record = this.#freeRecord();
      if (record >= 0) {
        this.#recUsed[record] = 1;
        this.#recMac[record] = mac;
        this.#recVid[record] = vid;
        this.#recCount[record] = 0;
        this.#recFirst[record] = now;
        this.#recLastLog[record] = -Infinity;
      }
    } else if (now - this.#recFirst[record] > settings.windowMs) {
      this.#recCount[record] = 0;
      this.#recFirst[record] = now;
    }
    let count = 1;
    let lastLog = -Infinity;
    if (record >= 0) {
      this.#recFrom[record] = from;
      this.#recTo[record] = to;
      this.#recLast[record] = now;
      count = ++this.#recCount[record];
      lastLog = this.#recLastLog[record];
    }
    if (count < settings.threshold) return;
    if (now - lastLog >= settings.logIntervalMs && this.#takeLogBudget(now)) {
      if (record >= 0) this.#recLastLog[record] = now;
      this.#log(`Host ${formatMac(mac)} in vlan ${vid} is flapping between port ${from} and port ${to}`);
    } else {
      this.#suppressedLogLines++;
    }
    const listeners = this.#listeners;
    if (listeners.length === 0) return;
    const notification: MoveNotification = { mac: formatMac(mac), macValue: mac, vlan: vid, fromPort: from, toPort: to, count, atMs: now };
    for (let i = 0; i < listeners.length; i++) listeners[i](notification);
  }

  #takeLogBudget(now: number): boolean {
    const settings = this.#settings;
    if (now - this.#logBudgetSince >= settings.logIntervalMs) {
      this.#logBudgetSince = now;
      this.#logBudget = settings.maxLogLinesPerInterval;
    }
    if (this.#logBudget <= 0) return false;
    this.#logBudget--;
    return true;
  }

  #findRecord(mac: number, vid: number): number {
    const used = this.#recUsed;
    for (let i = 0; i < used.length; i++) if (used[i] && this.#recMac[i] === mac && this.#recVid[i] === vid) return i;
    return -1;
  }

  /**
   * A free record slot. When the list is full, the record with the lowest count (then the least recent) gives way if
   * its count is 1 (a new record starts at 1); otherwise the new record is dropped (-1). Either way one is counted.
   */
  #freeRecord(): number {
    const used = this.#recUsed;
    let victim = 0;
    for (let i = 0; i < used.length; i++) {
      if (!used[i]) return i;
      const fewer = this.#recCount[i] < this.#recCount[victim];
      const older = this.#recCount[i] === this.#recCount[victim] && this.#recLast[i] < this.#recLast[victim];
      if (fewer || older) victim = i;
    }
    this.#droppedRecords++;
    return this.#recCount[victim] <= 1 ? victim : -1;
  }

  #expireRecords(): void {
    const window = this.#settings.windowMs;
    for (let i = 0; i < this.#recUsed.length; i++) if (this.#recUsed[i] && this.#now - this.#recLast[i] > window) this.#recUsed[i] = 0;
  }

  #recordCount(): number {
    let count = 0;
    for (let i = 0; i < this.#recUsed.length; i++) if (this.#recUsed[i]) count++;
    return count;
  }

  #rankedRecordIndexes(): number[] {
    const indexes: number[] = [];
    for (let i = 0; i < this.#recUsed.length; i++) if (this.#recUsed[i]) indexes.push(i);
    indexes.sort((a, b) => this.#recCount[b] - this.#recCount[a] || this.#recLast[b] - this.#recLast[a]);
    return indexes;
  }

  #parseMacArgument(value: unknown): number {
    if (typeof value === "string") return parseMac(value);
    if (typeof value === "number" && isMac(value)) return value;
    throw new InvalidArgumentError(`${String(value)} is not a MAC address (aa:bb:cc:dd:ee:ff or a 48-bit number)`);
  }

  /** Where the last scan saw `mac` (in `vid`), or -1 when it is not tracked. */
  trackedPort(mac: number, vid: number): number {
    const high = Math.floor(mac / TWO_32);
    const low = (mac % TWO_32) >>> 0;
    let slot = this.#hash(high, low, vid);
    for (let probe = 0; probe < this.#capacity; probe++) {
      if (this.#state[slot] === EMPTY) return -1;
      if (this.#macLow[slot] === low && this.#macHigh[slot] === high && this.#vid[slot] === vid) return this.#port[slot];
      slot = (slot + 1) & this.#slotMask;
    }
    return -1;
  }

  /**
   * Visits every unicast {MAC, VID} the last scan saw, with its port (`show mac-address`, `show trunk
   * distribution`). Bounded by the table's capacity; allocates nothing itself. Returns how many were visited.
   */
  forEachTracked(visit: (mac: number, vid: number, port: number) => void): number {
    let visited = 0;
    for (let slot = 0; slot < this.#capacity; slot++) {
      if (this.#state[slot] !== USED) continue;
      visit(this.#macHigh[slot] * TWO_32 + this.#macLow[slot], this.#vid[slot], this.#port[slot]);
      visited++;
    }
    return visited;
  }

  /** Plain data for a console (`show mac-address mac-move`). */
  show(): MovesView {
    const settings = this.#settings;
    const records: MoveRecordView[] = this.#rankedRecordIndexes().map((i) => ({
      mac: formatMac(this.#recMac[i]),
      vlan: this.#recVid[i],
      fromPort: this.#recFrom[i],
      toPort: this.#recTo[i],
      count: this.#recCount[i],
      firstMs: this.#recFirst[i],
      lastMs: this.#recLast[i],
      reported: this.#recCount[i] >= settings.threshold,
    }));
    const view: MovesView = {
      settings: { ...settings },
      running: this.running,
      records,
      exemptMacs: this.#exemptMacs.map(formatMac),
      exemptVlans: this.#exemptVlans.slice(),
      stats: {
        scans: this.#scans,
        lastScanEntries: this.#lastScanEntries,
        tracked: this.#tracked,
        capacity: this.#maxTracked,
        untracked: this.#untracked,
        movesDetected: this.#moves,
        trunkedServerMovesIgnored: this.#serverMovesIgnored,
        exemptMovesIgnored: this.#exemptMovesIgnored,
        droppedRecords: this.#droppedRecords,
        suppressedLogLines: this.#suppressedLogLines,
      },
    };
    if (!Number.isNaN(this.#lastScanMs)) view.stats.lastScanMs = this.#lastScanMs;
    return view;
  }
}
