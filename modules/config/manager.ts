// Running vs startup configuration, and the one path by which configuration reaches the services.
//
//   running   what the services do now. Every change goes through change(): the edited copy is validated by the one
//             schema (./schema.ts), then applied to the services step by step; a step that fails (a full ARL bucket,
//             a chip that stops answering, a limit of the chip) undoes the steps before it, so a change is all or
//             nothing and the error says why.
//   startup   what the flash holds (./store.ts: two slots, CRC, sequence numbers). At boot it is applied part by part
//             (applyStartup): a part that fails is logged and the rest still applies.
//
// A save writes one flash entry per scheduler tick, so the link poll, which runs on the same CPU, is never held up by
// more than one flash write. An auto-revert checkpoint (armRevert/confirm, Cisco's "configure confirm", Juniper's
// "commit confirmed") puts the running configuration back unless confirmed in time.
import type { MoveMonitor } from "../arl/move-monitor";
import type { ChipInfo, TrunkHash } from "../chip/switch-chip";
import type { Scheduler } from "../clock";
import { InvalidArgumentError, OnemacError } from "../errors";
import type { LinkMonitor } from "../link/monitor";
import type { PortService } from "../ports/service";
import type { TrunkRequest, TrunkService } from "../trunk/service";
import { cloneConfig, configsEqual, factoryConfig, validateConfig, type LoadBalance, type PortSettings, type SwitchConfig, type TrunkSettings } from "./schema";
import type { ConfigStore, SaveJob, StartupLoad } from "./store";

export interface ConfiguredServices {
  links: LinkMonitor;
  trunks: TrunkService;
  moves: MoveMonitor;
  ports: PortService;
}

export interface SaveReport {
  bytes: number;
  writes: number;
  slot: string;
  sequence: number;
  /** Board time the save took, ms. */
  durationMs: number;
}

export interface ConfigManagerOptions {
  services: ConfiguredServices;
  info: ChipInfo;
  scheduler: Scheduler;
  /** Where the startup config lives; without one, save() and erase() fail with a clear error. */
  store?: ConfigStore;
  log?: (line: string) => void;
}

export interface StartupApplyReport {
  /** Parts of the startup config that could not be applied, each with the reason. */
  failed: string[];
  applied: number;
}

/** How often a save or erase takes its next step (one flash write), ms. */
export const SAVE_STEP_INTERVAL_MS = 1;
export const MIN_REVERT_SECONDS = 10;
export const MAX_REVERT_SECONDS = 3600;
/** A save has at most this many steps (bounds a broken store). */
const MAX_SAVE_STEPS = 256;

const HASH_OF: Readonly<Record<LoadBalance, TrunkHash>> = Object.freeze({ "src-mac": "sa", "dst-mac": "da", "src-dst-mac": "da+sa" });

function trunkRequest(trunk: TrunkSettings): TrunkRequest {
  const request: TrunkRequest = {
    group: trunk.group,
    members: trunk.members,
    mode: trunk.mode,
    servers: trunk.servers,
    vid: trunk.vid,
    holdDownMs: trunk.holdDownMs,
    interSwitchLearning: trunk.interSwitchLearning,
  };
  if (trunk.indexBits !== null) request.indexBits = trunk.indexBits;
  if (trunk.interSwitchPort !== null) request.interSwitchPort = trunk.interSwitchPort;
  return request;
}

function sameJson(a: unknown, b: unknown): boolean {
  return JSON.stringify(a) === JSON.stringify(b);
}

function portSettings(config: SwitchConfig, port: number): PortSettings {
  for (const entry of config.ports) if (entry.port === port) return entry;
  return { port, enabled: true, name: "" };
}

function trunkOf(config: SwitchConfig, group: number): TrunkSettings | undefined {
  for (const trunk of config.trunks) if (trunk.group === group) return trunk;
  return undefined;
}

function asOnemacError(error: unknown): OnemacError {
  if (error instanceof OnemacError) return error;
  return new OnemacError("chip-error", error instanceof Error ? error.message : String(error));
}

export class ConfigManager {
  readonly #services: ConfiguredServices;
  readonly #info: ChipInfo;
  readonly #scheduler: Scheduler;
  readonly #store: ConfigStore | undefined;
  readonly #log: (line: string) => void;
  readonly #factory: SwitchConfig;
  #running: SwitchConfig;
  #startup: StartupLoad = { config: undefined, source: "factory", sequence: 0, messages: [] };
  #job: SaveJob | undefined;
  #jobTimer: unknown;
  #checkpoint: SwitchConfig | undefined;
  #revertTimer: unknown;
  #revertDeadline = 0;

  constructor(options: ConfigManagerOptions) {
    this.#services = options.services;
    this.#info = options.info;
    this.#scheduler = options.scheduler;
    this.#store = options.store;
    this.#log = options.log ?? (() => {});
    // Factory defaults are what the services run with before any configuration: the schema's defaults, with the
    // settings the board wired into the services (FirmwareOptions) taking their place.
    const factory = factoryConfig();
    factory.links = { ...this.#services.links.settings };
    factory.moves = { ...this.#services.moves.settings };
    const moves = this.#services.moves.show();
    factory.exemptMacs = moves.exemptMacs;
    factory.exemptVlans = moves.exemptVlans;
    this.#factory = validateConfig(factory);
    this.#running = cloneConfig(this.#factory);
  }

  /** A copy of the running configuration. */
  get running(): SwitchConfig {
    return cloneConfig(this.#running);
  }

  get factory(): SwitchConfig {
    return cloneConfig(this.#factory);
  }

  /** What the flash holds now (after load, save or erase). */
  get startup(): StartupLoad {
    const startup = this.#startup;
    return { config: startup.config ? cloneConfig(startup.config) : undefined, source: startup.source, sequence: startup.sequence, messages: startup.messages.slice() };
  }

  /** Whether the running configuration differs from what a boot would apply. */
  get unsaved(): boolean {
    return !configsEqual(this.#running, this.#startup.config ?? this.#factory);
  }

  /** A save or erase is under way. */
  get busy(): boolean {
    return this.#job !== undefined;
  }

  /**
   * Changes the running configuration: `edit` gets a mutable copy; the result is validated and applied to the
   * services all or nothing. Throws an OnemacError saying why, and then nothing has changed.
   */
  change(edit: (draft: SwitchConfig) => void): void {
    const draft = cloneConfig(this.#running);
    edit(draft);
    const target = validateConfig(draft);
    this.#apply(target);
  }

  /** Replaces the running configuration as a whole (auto-revert, tests); all or nothing like change(). */
  replace(config: SwitchConfig): void {
    this.#apply(validateConfig(config));
  }

  #apply(target: SwitchConfig): void {
    const from = this.#running;
    this.#checkPorts(target);
    const undo: Array<() => void> = [];
    try {
      this.#applySteps(from, target, undo);
    } catch (error) {
      let undone = true;
      for (let i = undo.length - 1; i >= 0; i--) {
        try {
          undo[i]();
        } catch {
          undone = false;
        }
      }
      const reason = asOnemacError(error);
      if (undone) throw reason;
      this.#log("config: a change failed and putting the previous settings back failed too; `show running-config` may not match the chip until the chip answers");
      throw new OnemacError(reason.code, `${reason.message}; putting the previous settings back failed too`);
    }
    this.#running = target;
  }

  #checkPorts(target: SwitchConfig): void {
    const user = this.#info.userPorts;
    for (const entry of target.ports)
      if (user.indexOf(entry.port) < 0) throw new InvalidArgumentError(`port ${entry.port} is not a front-panel port of the ${this.#info.model} (ports ${user.join(", ")})`);
    for (const trunk of target.trunks)
      if (trunk.group >= this.#info.trunk.groups)
        throw new InvalidArgumentError(`the ${this.#info.model} has ${this.#info.trunk.groups} trunk groups (trk1..trk${this.#info.trunk.groups})`);
  }

  /** Applies what differs between `from` and `to`, pushing an undo for each step taken. */
  #applySteps(from: SwitchConfig, to: SwitchConfig, undo: Array<() => void>): void {
    const { links, moves, ports, trunks } = this.#services;
    if (from.loadBalance !== to.loadBalance) {
      const previous = trunks.hash;
      trunks.setHash(HASH_OF[to.loadBalance]);
      undo.push(() => trunks.setHash(previous));
    }
    if (!sameJson(from.links, to.links)) {
      const previous = { ...links.settings };
      links.configure(to.links);
      undo.push(() => links.configure(previous));
    }
    if (!sameJson(from.moves, to.moves)) {
      const previous = { ...moves.settings };
      moves.configure(to.moves);
      undo.push(() => moves.configure(previous));
    }
    for (const mac of from.exemptMacs)
      if (to.exemptMacs.indexOf(mac) < 0 && moves.unexempt(mac)) undo.push(() => moves.exempt(mac));
    for (const mac of to.exemptMacs) if (moves.exempt(mac)) undo.push(() => moves.unexempt(mac));
    for (const vlan of from.exemptVlans)
      if (to.exemptVlans.indexOf(vlan) < 0 && moves.unexempt({ vlan })) undo.push(() => moves.exempt({ vlan }));
    for (const vlan of to.exemptVlans) if (moves.exempt({ vlan })) undo.push(() => moves.unexempt({ vlan }));
    for (const port of this.#info.userPorts) {
      const before = portSettings(from, port);
      const after = portSettings(to, port);
      if (before.name !== after.name) {
        ports.setName(port, after.name);
        undo.push(() => ports.setName(port, before.name));
      }
      if (before.enabled !== after.enabled) {
        ports.setEnabled(port, after.enabled);
        undo.push(() => ports.setEnabled(port, before.enabled));
      }
    }
    // Trunks: removals first (a port may move from one trunk to another), then new or changed trunks.
    for (const before of from.trunks) {
      if (trunkOf(to, before.group)) continue;
      trunks.remove(before.group);
      undo.push(() => {
        trunks.configure(trunkRequest(before));
      });
    }
    // New or changed trunks, those whose ports are free first: a port moving from one trunk to another must have
    // left its old group before the new one is written (the chip refuses overlapping groups).
    const pending: TrunkSettings[] = [];
    for (const after of to.trunks) {
      const before = trunkOf(from, after.group);
      if (!before || !sameJson(before, after)) pending.push(after);
    }
    const inUse = (port: number, group: number): boolean => {
      const owner = trunks.groupOf(port);
      return owner >= 0 && owner !== group;
    };
    for (let pass = 0; pass < 2 && pending.length > 0; pass++) {
      for (let i = 0; i < pending.length; ) {
        const after = pending[i];
        if (pass === 0 && after.members.some((port) => inUse(port, after.group))) {
          i++;
          continue;
        }
        pending.splice(i, 1);
        const before = trunkOf(from, after.group);
        trunks.configure(trunkRequest(after));
        undo.push(before ? () => void trunks.configure(trunkRequest(before)) : () => void trunks.remove(after.group));
      }
    }
  }

  /**
   * Boot: loads the startup config and applies it part by part (load balancing, link and move settings,
   * exemptions, each port, each trunk). A part that fails is logged and skipped; the rest still applies. Returns
   * what failed.
   */
  applyStartup(): StartupApplyReport {
    const report: StartupApplyReport = { failed: [], applied: 0 };
    if (!this.#store) return report;
    let load: StartupLoad;
    try {
      load = this.#store.load();
    } catch (error) {
      this.#log(`config: reading the startup config failed (${asOnemacError(error).message}); running factory defaults`);
      return report;
    }
    this.#startup = load;
    for (const message of load.messages) this.#log(`config: ${message}`);
    const startup = load.config;
    if (!startup) {
      this.#log("config: no startup config; running factory defaults");
      return report;
    }
    const parts: Array<{ what: string; edit: (draft: SwitchConfig) => void }> = [
      {
        what: "hostname, load balancing and password",
        edit: (draft) => {
          draft.hostname = startup.hostname;
          draft.loadBalance = startup.loadBalance;
          draft.password = startup.password;
        },
      },
      { what: "link monitor settings", edit: (draft) => void (draft.links = { ...startup.links }) },
      {
        what: "MAC move settings and exemptions",
        edit: (draft) => {
          draft.moves = { ...startup.moves };
          draft.exemptMacs = startup.exemptMacs.slice();
          draft.exemptVlans = startup.exemptVlans.slice();
        },
      },
    ];
    for (const entry of startup.ports)
      parts.push({
        what: `port ${entry.port}`,
        edit: (draft) => {
          draft.ports = draft.ports.filter((p) => p.port !== entry.port);
          draft.ports.push({ ...entry });
          draft.ports.sort((a, b) => a.port - b.port);
        },
      });
    for (const trunk of startup.trunks)
      parts.push({
        what: `trunk trk${trunk.group + 1}`,
        edit: (draft) => {
          draft.trunks = draft.trunks.filter((t) => t.group !== trunk.group);
          draft.trunks.push({ ...trunk, members: trunk.members.slice(), servers: trunk.servers.slice() });
          draft.trunks.sort((a, b) => a.group - b.group);
        },
      });
    for (const part of parts) {
      try {
        this.change(part.edit);
        report.applied++;
      } catch (error) {
        const reason = `${part.what}: ${asOnemacError(error).message}`;
        report.failed.push(reason);
        this.#log(`config: startup config part not applied (${reason}); the rest still applies`);
      }
    }
    const source = load.source === "factory" ? "factory" : `${load.source}, sequence ${load.sequence}`;
    if (report.failed.length === 0) this.#log(`config: startup config applied (${source})`);
    else
      this.#log(
        `config: startup config applied except ${report.failed.length} part(s) (${source}); ` +
          "show startup-config still has them, and write memory would drop them",
      );
    return report;
  }

  /** `write memory`: saves the running configuration, one flash write per scheduler tick; `done` reports. */
  save(done: (error: OnemacError | undefined, report: SaveReport | undefined) => void): void {
    const store = this.#requireStore();
    if (this.#job) throw new OnemacError("invalid-argument", "a save or erase is already running; try again when it has finished");
    const config = cloneConfig(this.#running);
    const job = store.beginSave(config);
    this.#run(job, (error, report) => {
      if (!error) this.#startup = { config, source: job.slot === "a" ? "slot-a" : "slot-b", sequence: job.sequence, messages: [] };
      done(error, report);
    });
  }

  /** `erase startup-config`: the next boot runs factory defaults. */
  erase(done: (error: OnemacError | undefined) => void): void {
    const store = this.#requireStore();
    if (this.#job) throw new OnemacError("invalid-argument", "a save or erase is already running; try again when it has finished");
    const job = store.beginErase();
    this.#run(job, (error) => {
      if (!error) this.#startup = { config: undefined, source: "factory", sequence: 0, messages: [] };
      done(error);
    });
  }

  #requireStore(): ConfigStore {
    if (!this.#store) throw new OnemacError("invalid-argument", "this board has no flash storage for a startup config");
    return this.#store;
  }

  #run(job: SaveJob, finish: (error: OnemacError | undefined, report: SaveReport | undefined) => void): void {
    const started = this.#scheduler.now();
    let steps = 0;
    this.#job = job;
    const end = (error: OnemacError | undefined) => {
      this.#scheduler.clear(this.#jobTimer);
      this.#jobTimer = undefined;
      this.#job = undefined;
      const report: SaveReport = { bytes: job.bytesWritten, writes: job.writes, slot: job.slot, sequence: job.sequence, durationMs: this.#scheduler.now() - started };
      finish(error, error ? undefined : report);
    };
    this.#jobTimer = this.#scheduler.repeat(() => {
      let more: boolean;
      try {
        more = job.step();
      } catch (error) {
        const reason = asOnemacError(error);
        this.#log(`config: writing flash failed after ${job.writes} write(s) (${reason.message}); the previous startup config is intact`);
        end(new OnemacError(reason.code, `writing flash failed (${reason.message}); the previous startup config is intact`));
        return;
      }
      if (more && ++steps < MAX_SAVE_STEPS) return;
      if (more) {
        end(new OnemacError("chip-error", `the save did not finish within ${MAX_SAVE_STEPS} flash writes; the previous startup config is intact`));
        return;
      }
      end(undefined);
    }, SAVE_STEP_INTERVAL_MS);
  }

  /**
   * Arms the auto-revert: the running configuration now is the checkpoint; unless confirm() is called within
   * `seconds`, the running configuration goes back to it (and the log says so). Arming again moves the deadline and
   * keeps the first checkpoint.
   */
  armRevert(seconds: number): void {
    if (!Number.isInteger(seconds) || seconds < MIN_REVERT_SECONDS || seconds > MAX_REVERT_SECONDS)
      throw new InvalidArgumentError(`the revert time must be ${MIN_REVERT_SECONDS}..${MAX_REVERT_SECONDS} seconds, not ${String(seconds)}`);
    if (!this.#checkpoint) this.#checkpoint = cloneConfig(this.#running);
    if (this.#revertTimer !== undefined) this.#scheduler.clear(this.#revertTimer);
    this.#revertDeadline = this.#scheduler.now() + seconds * 1000;
    this.#revertTimer = this.#scheduler.repeat(this.#onRevertTimer, seconds * 1000);
    this.#log(`config: changes from now on revert in ${seconds} s unless confirmed`);
  }

  /** Keeps the changes made since armRevert(). Returns false when no revert was pending. */
  confirm(): boolean {
    if (!this.#checkpoint) return false;
    this.#disarm();
    this.#log("config: changes confirmed; the revert timer is off");
    return true;
  }

  get revertPending(): { remainingMs: number } | undefined {
    if (!this.#checkpoint) return undefined;
    return { remainingMs: Math.max(0, this.#revertDeadline - this.#scheduler.now()) };
  }

  #disarm(): void {
    if (this.#revertTimer !== undefined) this.#scheduler.clear(this.#revertTimer);
    this.#revertTimer = undefined;
    this.#checkpoint = undefined;
  }

  readonly #onRevertTimer = (): void => {
    const checkpoint = this.#checkpoint;
    this.#disarm();
    if (!checkpoint) return;
    if (configsEqual(checkpoint, this.#running)) {
      this.#log("config: revert time reached; nothing had changed");
      return;
    }
    try {
      this.#apply(checkpoint);
      this.#log("config: not confirmed in time: reverted to the configuration before the revert timer was armed");
    } catch (error) {
      this.#log(`config: not confirmed in time, but reverting failed (${asOnemacError(error).message}); the changes stay`);
    }
  };
}
