// The team's control plane: which interfaces are members, which are healthy, what the table says, and
// pushing that to a backend. Watcher callbacks change state synchronously; backend calls are queued so they
// never interleave. Time comes from injected timers, so every policy here runs on virtual time in tests.
import { matchesAutoJoin, type TeamConfig } from "./config";
import type { BackendStats, TeamBackend } from "./backend";
import { degradedModeOf, type DegradedMode } from "./degraded-mode";
import { TeamError } from "./errors";
import type { LinkEvent, LinkInfo, LinkMonitor } from "./links";
import { InterfaceTable, type SlotOwner } from "./interface-table";
import type { Timers } from "./timers";
import { ArpWatcher, CarrierWatcher, type ArpProber } from "./watchers";

/** Opens what ARP probing needs (a socket per member) and reports replies through onReply. */
export interface ArpProberFactory {
  open(config: TeamConfig, onReply: (ifname: string) => void): Promise<ArpProberHandle>;
}

export interface ArpProberHandle extends ArpProber {
  addMember(ifname: string): Promise<void>;
  removeMember(ifname: string): void;
  close(): void;
}

/** Host changes the controller makes beside the backend (addresses on the team device). */
export interface TeamDeviceAddressing {
  add(ifname: string, cidr: string): Promise<void>;
  remove(ifname: string, cidr: string): Promise<void>;
}

export interface TeamControllerOptions {
  readonly config: TeamConfig;
  readonly backend: TeamBackend;
  readonly links: LinkMonitor;
  readonly timers: Timers;
  readonly addressing: TeamDeviceAddressing;
  readonly arpProbers?: ArpProberFactory;
  /** Wall-clock milliseconds for "last change" in the status (Date.now by default). */
  readonly wallClock?: () => number;
  readonly log?: (message: string) => void;
  /** Why this backend runs (from the backend choice), shown by `status`. */
  readonly backendReason?: string;
}

export type MemberLink = "up" | "down" | "gone";

export interface MemberStatus {
  readonly ifname: string;
  readonly link: MemberLink;
  readonly healthy: boolean;
  readonly enabled: boolean;
  readonly slots: readonly number[];
  readonly txFrames: number;
  readonly txBytes: number;
  readonly rxFrames: number;
  readonly rxBytes: number;
  readonly rxDropped: number;
  readonly failures: number;
  /** ISO 8601 time of the last health change (or of joining). */
  readonly lastChange: string;
  readonly lastReason: string;
}

export interface TeamStatus {
  readonly name: string;
  readonly mac: string;
  readonly mode: TeamConfig["mode"];
  readonly backend: TeamBackend["kind"];
  /** Why this backend was chosen, or null when not told. */
  readonly backendReason: string | null;
  /** Set when the backend is not the patent's table (bonding): what differs. */
  readonly degradedMode: DegradedMode | null;
  readonly slotBits: number;
  readonly failback: TeamConfig["failback"];
  /**
   * The designated member: the only one whose received broadcasts and multicasts reach the operating system.
   * null when none is designated (broadcastReceive "all") or none is healthy.
   */
  readonly broadcastMember: string | null;
  /**
   * "designated": broadcasts are taken in on broadcastMember only (copies on the others are dropped, rxDropped).
   * "all": on every enabled member (the configuration asks for it, or the backend cannot filter: team driver, bonding).
   */
  readonly broadcastReceive: "designated" | "all";
  /** The members broadcasts and multicasts are taken in on now. */
  readonly broadcastReceivers: readonly string[];
  readonly activeMember: string | null;
  readonly table: readonly SlotOwner[];
  readonly slotTxBytes: readonly number[] | null;
  /** Frames sent through the team that no member took (BackendStats.txDropped); null where the backend cannot tell. */
  readonly txDropped: number | null;
  readonly members: readonly MemberStatus[];
  readonly lastError: string | null;
}

interface MemberRecord {
  link: MemberLink;
  carrierHealthy: boolean;
  arpHealthy: boolean;
  enabled: boolean;
  failures: number;
  lastChange: number;
  lastReason: string;
}

export class TeamController {
  readonly #config: TeamConfig;
  readonly #backend: TeamBackend;
  readonly #links: LinkMonitor;
  readonly #timers: Timers;
  readonly #addressing: TeamDeviceAddressing;
  readonly #arpProbers: ArpProberFactory | undefined;
  readonly #wallClock: () => number;
  readonly #log: (message: string) => void;
  readonly #members = new Map<string, MemberRecord>();
  readonly #table: InterfaceTable;
  readonly #carrier: CarrierWatcher;
  #arp: ArpWatcher | null = null;
  #arpProber: ArpProberHandle | null = null;
  #queue: Promise<void> = Promise.resolve();
  #running = false;
  #activeMember: string | null = null;
  #broadcastMember: string | null = null;
  #pushedTable: SlotOwner[] = [];
  #addedAddresses: string[] = [];
  #lastError: string | null = null;
  readonly #backendReason: string | null;

  constructor(options: TeamControllerOptions) {
    this.#config = options.config;
    this.#backendReason = options.backendReason ?? null;
    this.#backend = options.backend;
    this.#links = options.links;
    this.#timers = options.timers;
    this.#addressing = options.addressing;
    this.#arpProbers = options.arpProbers;
    this.#wallClock = options.wallClock ?? Date.now;
    this.#log = options.log ?? (() => {});
    this.#table = new InterfaceTable(options.config.slotBits);
    this.#carrier = new CarrierWatcher(options.timers, options.config.watchers.carrier, (ifname, healthy, reason) =>
      this.#onHealth(ifname, "carrier", healthy, reason),
    );
  }

  get running(): boolean {
    return this.#running;
  }

  /**
   * Brings the team up as one transaction: backend up with the members present now, table, broadcast member,
   * addresses, watchers. If any step fails, every earlier step is undone and a TeamError("apply-failed") names
   * the step; the host is as it was before.
   */
  async start(): Promise<void> {
    if (this.#running) return;
    const undo: { step: string; run: () => Promise<void> }[] = [];
    let step = "listing interfaces";
    try {
      const present = await this.#links.list();
      if (present.some((link) => link.ifname === this.#config.name)) {
        throw new TeamError("apply-failed", `an interface named ${this.#config.name} already exists; pick another "name" or take it down first`);
      }
      const initial = this.#orderMembers(present.filter((link) => matchesAutoJoin(this.#config, link.ifname, link.permanentMac)));
      for (const missing of this.#config.members.filter((name) => !initial.some((link) => link.ifname === name))) {
        this.#log(`member ${missing} is not present; it joins when it appears`);
      }

      step = "creating the team device";
      await this.#backend.up(this.#config, initial.map((link) => link.ifname));
      undo.push({ step: "removing the team device", run: () => this.#backend.down() });

      step = "watching links";
      await this.#links.start((event) => this.#onLinkEvent(event));
      undo.push({ step: "stopping the link monitor", run: () => this.#links.stop() });
      // Carrier as it is now (the backend brought members up), after the monitor started so nothing is missed.
      const now = new Map((await this.#links.list()).map((link) => [link.ifname, link]));
      for (const link of initial) {
        const current = now.get(link.ifname) ?? link;
        this.#addRecord(link.ifname, current.carrier, "joined at start");
        this.#table.addMember(link.ifname, current.carrier);
        this.#carrier.report(link.ifname, current.carrier);
      }

      if (this.#config.watchers.arp && this.#arpProbers) {
        step = "opening ARP probes";
        const prober = await this.#arpProbers.open(this.#config, (ifname) => this.#arp?.replyReceived(ifname));
        this.#arpProber = prober;
        undo.push({ step: "closing ARP probes", run: async () => prober.close() });
        this.#arp = new ArpWatcher(this.#timers, this.#config.watchers.arp, prober, (ifname, healthy, reason) =>
          this.#onHealth(ifname, "arp", healthy, reason),
        );
        for (const ifname of this.#members.keys()) {
          await prober.addMember(ifname);
          this.#arp.addMember(ifname);
        }
      }

      step = "installing the table";
      await this.#push(true);

      step = "adding addresses to the team device";
      for (const cidr of this.#config.addresses) {
        await this.#addressing.add(this.#config.name, cidr);
        this.#addedAddresses.push(cidr);
      }
      this.#arp?.start();
      this.#running = true;
      this.#log(`team ${this.#config.name} up with ${this.#members.size} member(s): ${[...this.#members.keys()].join(", ") || "none yet"}`);
    } catch (error) {
      const rollbackFailures: string[] = [];
      this.#arp?.stop();
      this.#carrier.stop();
      for (const { step: undoStep, run } of undo.reverse()) {
        try {
          await run();
        } catch (undoError) {
          rollbackFailures.push(`${undoStep}: ${(undoError as Error).message}`);
        }
      }
      this.#resetState();
      const cause = (error as Error).message;
      const rollback = rollbackFailures.length ? `; rollback also failed: ${rollbackFailures.join("; ")}` : "; previous state restored";
      throw new TeamError("apply-failed", `bringing team ${this.#config.name} up failed while ${step}`, cause + rollback);
    }
  }

  /** Removes what start() created; the members get their own MACs and states back. */
  async stop(): Promise<void> {
    await this.#enqueue(async () => {
      if (!this.#running) return;
      this.#running = false;
      this.#arp?.stop();
      this.#carrier.stop();
      await this.#links.stop();
      this.#arpProber?.close();
      for (const cidr of this.#addedAddresses) {
        try {
          await this.#addressing.remove(this.#config.name, cidr);
        } catch {
          // The device goes away with its addresses below.
        }
      }
      await this.#backend.down();
      this.#resetState();
    });
  }

  /** Resolves once every queued backend call has run (tests use it after injecting events). */
  settle(): Promise<void> {
    return this.#enqueue(async () => {});
  }

  async status(): Promise<TeamStatus> {
    let stats: BackendStats | null = null;
    try {
      stats = this.#running ? await this.#backend.stats() : null;
    } catch (error) {
      this.#lastError = `reading statistics: ${(error as Error).message}`;
    }
    const table = this.#desiredTable();
    const receive = this.#backend.filtersBroadcasts && this.#config.broadcastReceive === "designated" ? "designated" : "all";
    const members = [...this.#members].map(([ifname, record]): MemberStatus => {
      const counters = stats?.members.find((member) => member.ifname === ifname);
      return {
        ifname,
        link: record.link,
        healthy: this.#isHealthy(record),
        enabled: record.enabled,
        slots: table.flatMap((owner, slot) => (owner === ifname ? [slot] : [])),
        txFrames: counters?.txFrames ?? 0,
        txBytes: counters?.txBytes ?? 0,
        rxFrames: counters?.rxFrames ?? 0,
        rxBytes: counters?.rxBytes ?? 0,
        rxDropped: counters?.rxDropped ?? 0,
        failures: record.failures,
        lastChange: new Date(record.lastChange).toISOString(),
        lastReason: record.lastReason,
      };
    });
    return {
      name: this.#config.name,
      mac: this.#config.mac,
      mode: this.#config.mode,
      backend: this.#backend.kind,
      backendReason: this.#backendReason,
      degradedMode: degradedModeOf(this.#backend.kind),
      slotBits: this.#config.slotBits,
      failback: this.#config.failback,
      broadcastMember: receive === "designated" ? this.#broadcastMember : null,
      broadcastReceive: receive,
      broadcastReceivers:
        receive === "designated"
          ? this.#broadcastMember !== null ? [this.#broadcastMember] : []
          : members.filter((member) => member.enabled).map((member) => member.ifname),
      activeMember: this.#config.mode === "active-backup" ? this.#activeMember : null,
      table,
      slotTxBytes: stats?.slotTxBytes ?? null,
      txDropped: stats?.txDropped ?? null,
      members,
      lastError: this.#lastError,
    };
  }

  /** The table as the data plane has it (the last one pushed). */
  get table(): readonly SlotOwner[] {
    return this.#pushedTable;
  }

  #resetState(): void {
    for (const ifname of [...this.#members.keys()]) {
      if (this.#table.members.includes(ifname)) this.#table.removeMember(ifname);
    }
    this.#members.clear();
    this.#arp = null;
    this.#arpProber = null;
    this.#activeMember = null;
    this.#broadcastMember = null;
    this.#pushedTable = [];
    this.#addedAddresses = [];
  }

  #orderMembers(links: LinkInfo[]): LinkInfo[] {
    const rank = (ifname: string): number => {
      const index = this.#config.members.indexOf(ifname);
      return index < 0 ? this.#config.members.length : index;
    };
    return [...links].sort((a, b) => rank(a.ifname) - rank(b.ifname) || a.ifname.localeCompare(b.ifname));
  }

  #addRecord(ifname: string, carrier: boolean, reason: string): void {
    this.#members.set(ifname, {
      link: carrier ? "up" : "down",
      carrierHealthy: carrier,
      arpHealthy: true,
      enabled: false,
      failures: 0,
      lastChange: this.#wallClock(),
      lastReason: reason,
    });
  }

  #isHealthy(record: MemberRecord): boolean {
    return record.link !== "gone" && record.carrierHealthy && (this.#arp === null || record.arpHealthy);
  }

  #onHealth(ifname: string, source: "carrier" | "arp", healthy: boolean, reason: string): void {
    const record = this.#members.get(ifname);
    if (!record) return;
    const wasHealthy = this.#isHealthy(record);
    if (source === "carrier") record.carrierHealthy = healthy;
    else record.arpHealthy = healthy;
    const isHealthy = this.#isHealthy(record);
    if (wasHealthy === isHealthy) return;
    record.lastChange = this.#wallClock();
    record.lastReason = reason;
    if (isHealthy) {
      this.#table.markRecovered(ifname, this.#config.failback);
      this.#log(`member ${ifname} recovered (${reason})`);
    } else {
      record.failures++;
      const moved = this.#table.markFailed(ifname);
      this.#log(`member ${ifname} failed (${reason}); slots ${moved.join(",") || "none"} moved`);
    }
    void this.#enqueue(() => this.#push(false));
  }

  #onLinkEvent(event: LinkEvent): void {
    if (!this.#running) {
      // While starting, only carrier changes of members already recorded count; start() re-lists the rest.
      if (event.kind === "changed" && this.#members.has(event.link.ifname)) this.#carrier.report(event.link.ifname, event.link.carrier);
      return;
    }
    if (event.kind === "removed") {
      const record = this.#members.get(event.ifname);
      if (!record) return;
      this.#log(`member ${event.ifname} disappeared; its slots move`);
      this.#carrier.forget(event.ifname);
      this.#arp?.removeMember(event.ifname);
      this.#arpProber?.removeMember(event.ifname);
      this.#members.delete(event.ifname);
      this.#table.removeMember(event.ifname);
      void this.#enqueue(async () => {
        await this.#push(false);
        try {
          await this.#backend.removeMember(event.ifname);
        } catch (error) {
          this.#lastError = `releasing ${event.ifname}: ${(error as Error).message}`;
        }
      });
      return;
    }
    const { link } = event;
    const record = this.#members.get(link.ifname);
    if (record) {
      record.link = link.carrier ? "up" : "down";
      this.#carrier.report(link.ifname, link.carrier);
      return;
    }
    if (link.ifname === this.#config.name || !matchesAutoJoin(this.#config, link.ifname, link.permanentMac)) return;
    if (link.mac === this.#config.mac && link.permanentMac === this.#config.mac) return; // a device we made
    this.#addRecord(link.ifname, false, "joining");
    void this.#enqueue(() => this.#join(link.ifname));
  }

  async #join(ifname: string): Promise<void> {
    const record = this.#members.get(ifname);
    if (!record) return;
    try {
      await this.#backend.addMember(ifname);
      if (this.#arp && this.#arpProber) {
        await this.#arpProber.addMember(ifname);
        this.#arp.addMember(ifname);
      }
    } catch (error) {
      this.#members.delete(ifname);
      this.#lastError = `adding ${ifname}: ${(error as Error).message}`;
      this.#log(this.#lastError);
      return;
    }
    // The backend brought it up; carrier is whatever the link says now.
    const now = (await this.#links.list()).find((link) => link.ifname === ifname);
    const carrier = now?.carrier ?? false;
    record.link = carrier ? "up" : "down";
    record.carrierHealthy = carrier;
    record.lastChange = this.#wallClock();
    record.lastReason = "joined automatically";
    this.#table.addMember(ifname, carrier);
    this.#carrier.report(ifname, carrier);
    this.#log(`member ${ifname} joined automatically (carrier ${carrier ? "up" : "down"})`);
    await this.#push(false);
  }

  #enqueue(work: () => Promise<void>): Promise<void> {
    const next = this.#queue.then(work, work);
    this.#queue = next.catch((error: unknown) => {
      this.#lastError = (error as Error).message;
      this.#log(`backend: ${this.#lastError}`);
    });
    return this.#queue;
  }

  #desiredTable(): SlotOwner[] {
    if (this.#config.mode === "table") return [...this.#table.slots];
    return Array.from({ length: this.#table.size }, () => this.#activeMember);
  }

  #chooseActiveMember(): string | null {
    const healthy = [...this.#members].filter(([, record]) => this.#isHealthy(record)).map(([ifname]) => ifname);
    if (this.#config.failback === "sticky" && this.#activeMember !== null && healthy.includes(this.#activeMember)) return this.#activeMember;
    return this.#table.members.find((ifname) => healthy.includes(ifname)) ?? null;
  }

  /**
   * The configured broadcastMember when healthy, else the first healthy member in table order. When the duty moved
   * away on a failure it comes back with failback "restore" (like the slots) and stays with "sticky".
   */
  #chooseBroadcastMember(): string | null {
    if (this.#config.mode === "active-backup") return this.#activeMember;
    const healthy = (ifname: string | null): ifname is string => {
      const record = ifname !== null ? this.#members.get(ifname) : undefined;
      return record !== undefined && this.#isHealthy(record);
    };
    if (this.#config.failback === "sticky" && healthy(this.#broadcastMember)) return this.#broadcastMember;
    if (healthy(this.#config.broadcastMember)) return this.#config.broadcastMember;
    return this.#table.members.find(healthy) ?? null;
  }

  /** Brings the backend in line with the state: enable new healthy members, table, broadcast member, disable. */
  async #push(initial: boolean): Promise<void> {
    if (!initial && !this.#running) return;
    if (this.#config.mode === "active-backup") this.#activeMember = this.#chooseActiveMember();
    const wantEnabled = (ifname: string, record: MemberRecord): boolean =>
      this.#isHealthy(record) && (this.#config.mode === "table" || ifname === this.#activeMember);
    // Enable before the table points at a member; disable after the table stopped pointing at it.
    for (const [ifname, record] of this.#members) {
      if (!record.enabled && wantEnabled(ifname, record)) {
        await this.#backend.setMemberEnabled(ifname, true);
        record.enabled = true;
      }
    }
    const table = this.#desiredTable();
    if (initial || table.some((owner, slot) => owner !== this.#pushedTable[slot])) {
      await this.#backend.applyTable(table);
      this.#pushedTable = table;
    }
    const broadcastMember = this.#chooseBroadcastMember();
    if (initial || broadcastMember !== this.#broadcastMember) {
      await this.#backend.setBroadcastMember(broadcastMember);
      this.#broadcastMember = broadcastMember;
    }
    for (const [ifname, record] of this.#members) {
      if (record.enabled && !wantEnabled(ifname, record)) {
        await this.#backend.setMemberEnabled(ifname, false);
        record.enabled = false;
      }
    }
  }
}
