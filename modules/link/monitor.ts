// Link monitor: polls the chip's link bitmap on the injected Scheduler and turns raw link changes into "usable"
// events the trunk service acts on (teamd's split: link watchers apart from runners).
//
//   raw link    what the chip's link status summary says at the last poll (facts §1.2, 0x01/0x00 via readLinkMask)
//   usable      raw link up, held up for the debounce time, and not held out by flap damping
//
// * A link loss is reported at the first poll that sees it, so a listener can rewrite a trunk within one interval.
// * A link that comes up becomes usable after `upDebounceMs` of continuous link (0: at the poll that sees it).
// * Flap damping (Cisco "errdisable cause link-flap", OcNOS defaults): `flapLimit` losses within `flapWindowMs` hold the
//   port out ("err-disabled") until `recoveryMs` later; then its flap history is cleared and, if its link is up, it
//   goes through the debounce again. `recover(port)` ends the hold early.
// Steady state (no change) allocates nothing: per-port state lives in typed arrays sized when the monitor is built.

import type { SwitchChip } from "../chip/switch-chip";
import type { Scheduler } from "../clock";
import { OutageReporter } from "../outage";
import { mergeSettings, settingRanges, type SettingRanges } from "../settings";
import { InvalidArgumentError } from "../errors";

export interface LinkMonitorSettings {
  /** Poll period, ms (default 10). */
  pollIntervalMs: number;
  /** Continuous link-up time before a port becomes usable again, ms (default 100). */
  upDebounceMs: number;
  /** Link losses within `flapWindowMs` that hold a port out (default 5, as OcNOS). 0 disables flap damping. */
  flapLimit: number;
  /** The flap counting window, ms (default 10 000, as OcNOS). */
  flapWindowMs: number;
  /** How long a flapping port is held out before automatic recovery, ms (default 300 000, as Cisco errdisable recovery). */
  recoveryMs: number;
}

export const DEFAULT_LINK_MONITOR_SETTINGS: Readonly<LinkMonitorSettings> = Object.freeze({
  pollIntervalMs: 10,
  upDebounceMs: 100,
  flapLimit: 5,
  flapWindowMs: 10_000,
  recoveryMs: 300_000,
});

/** The most losses a window may count (the history of each port is preallocated to this). */
export const MAX_FLAP_LIMIT = 32;

export type PortLinkState = "down" | "debouncing" | "up" | "err-disabled";

/** One port as a console shows it (`show interfaces` / `show errdisable`-style). */
export interface PortLinkView {
  port: number;
  /** Raw link at the last poll. */
  link: boolean;
  /** Usable by trunks (debounced, not damped). */
  usable: boolean;
  state: PortLinkState;
  /** Link losses counted in the current flap window. */
  flapsInWindow: number;
  /** Every link loss since boot. */
  linkLosses: number;
  /** Milliseconds until automatic recovery (err-disabled ports only). */
  recoveryInMs?: number;
  /** Virtual/board time of the last raw change (ms), or undefined if none was seen. */
  lastChangeMs?: number;
}

export interface LinkMonitorView {
  settings: LinkMonitorSettings;
  running: boolean;
  polls: number;
  rawMask: number;
  usableMask: number;
  ports: PortLinkView[];
}

/** (port, up): `up` is the new usable (or raw, for raw listeners) state of the port. */
export type LinkListener = (port: number, up: boolean) => void;

export interface LinkMonitorOptions {
  chip: SwitchChip;
  scheduler: Scheduler;
  /** The ports to watch (chip numbering, 0..31). */
  ports: readonly number[];
  settings?: Partial<LinkMonitorSettings>;
  log?: (line: string) => void;
}

/** Runs `work` so that no other timed callback or command touches the chip meanwhile. */


const STATE_DOWN = 0;
const STATE_DEBOUNCING = 1;
const STATE_UP = 2;
const STATE_ERR_DISABLED = 3;
const STATE_NAMES: readonly PortLinkState[] = Object.freeze(["down", "debouncing", "up", "err-disabled"]);
const MAX_PORTS = 32;
/** Polls read the clock after an SPI read: compare durations with this much slack for rounding. */
const TIME_EPSILON_MS = 1e-6;

/** Validates a partial settings object against `base`; returns the merged settings or throws. Changes nothing. */
const LINK_MONITOR_RANGES: SettingRanges<LinkMonitorSettings> = settingRanges({
  pollIntervalMs: [1, 60_000, false],
  upDebounceMs: [0, 600_000, false],
  flapLimit: [0, MAX_FLAP_LIMIT, true],
  flapWindowMs: [1, 86_400_000, false],
  recoveryMs: [1, 86_400_000, false],
} as const);

export function mergeLinkMonitorSettings(base: Readonly<LinkMonitorSettings>, change: Partial<LinkMonitorSettings>): LinkMonitorSettings {
  return mergeSettings("link monitor", LINK_MONITOR_RANGES, base, change);
}

export class LinkMonitor {
  readonly #chip: SwitchChip;
  readonly #scheduler: Scheduler;
  readonly #log: (line: string) => void;
  readonly #outage: OutageReporter;
  readonly #ports: readonly number[];
  #settings: LinkMonitorSettings;
  readonly #state: Uint8Array;
  /** When the current state began (ms): debounce start, err-disable start. */
  readonly #since: Float64Array;
  readonly #lastChange: Float64Array;
  readonly #losses: Uint32Array;
  /** Ring of the last MAX_FLAP_LIMIT loss times per port: port index * MAX_FLAP_LIMIT + slot. */
  readonly #lossTimes: Float64Array;
  readonly #lossNext: Uint8Array;
  readonly #usableListeners: LinkListener[] = [];
  readonly #rawListeners: LinkListener[] = [];
  #rawMask = 0;
  #usableMask = 0;
  /** Ports administratively enabled (`interface <port> disable` clears a bit): a disabled port reads as link down. */
  #adminMask = 0xffffffff;
  #polls = 0;
  #timer: unknown = undefined;
  #primed = false;

  constructor(options: LinkMonitorOptions) {
    const ports = options.ports;
    if (!Array.isArray(ports) || ports.length === 0 || ports.length > MAX_PORTS) throw new InvalidArgumentError("a link monitor needs 1..32 ports");
    let seen = 0;
    for (const port of ports) {
      if (!Number.isInteger(port) || port < 0 || port >= MAX_PORTS) throw new InvalidArgumentError(`port ${port} is not a port number 0..31`);
      if ((seen >>> port) & 1) throw new InvalidArgumentError(`port ${port} is listed twice`);
      seen |= 1 << port;
    }
    this.#settings = mergeLinkMonitorSettings(DEFAULT_LINK_MONITOR_SETTINGS, options.settings ?? {});
    this.#chip = options.chip;
    this.#scheduler = options.scheduler;
    this.#log = options.log ?? (() => {});
    this.#outage = new OutageReporter("link poll", this.#log);
    this.#ports = Object.freeze(ports.slice());
    const n = ports.length;
    this.#state = new Uint8Array(n);
    this.#since = new Float64Array(n);
    this.#lastChange = new Float64Array(n).fill(NaN);
    this.#losses = new Uint32Array(n);
    this.#lossTimes = new Float64Array(n * MAX_FLAP_LIMIT);
    this.#lossNext = new Uint8Array(n);
  }

  get settings(): Readonly<LinkMonitorSettings> {
    return this.#settings;
  }

  get ports(): readonly number[] {
    return this.#ports;
  }

  /** Raw link bitmap at the last poll. */
  get rawMask(): number {
    return this.#rawMask;
  }

  /** Bitmap of usable ports (debounced, not damped). */
  get usableMask(): number {
    return this.#usableMask;
  }

  get running(): boolean {
    return this.#timer !== undefined;
  }

  get polls(): number {
    return this.#polls;
  }

  isUsable(port: number): boolean {
    return ((this.#usableMask >>> port) & 1) === 1;
  }

  /** Listeners for usable changes: (port, usable). Called synchronously from the poll that decides. */
  addListener(listener: LinkListener): void {
    if (typeof listener !== "function") throw new InvalidArgumentError("a link listener must be a function");
    this.#usableListeners.push(listener);
  }

  /** Listeners for raw link changes (logging, counters): (port, link). */
  addRawListener(listener: LinkListener): void {
    if (typeof listener !== "function") throw new InvalidArgumentError("a link listener must be a function");
    this.#rawListeners.push(listener);
  }

  /**
   * Changes settings (validated as a whole first: bad input changes nothing). A new poll interval takes effect at
   * once when running.
   */
  configure(change: Partial<LinkMonitorSettings>): LinkMonitorSettings {
    const merged = mergeLinkMonitorSettings(this.#settings, change);
    const intervalChanged = merged.pollIntervalMs !== this.#settings.pollIntervalMs;
    this.#settings = merged;
    if (intervalChanged && this.running) {
      this.stop();
      this.start();
    }
    return { ...merged };
  }

  /** Starts polling on the scheduler (a first poll runs at once unless one already ran, then every pollIntervalMs). */
  start(): void {
    if (this.#timer !== undefined) return;
    if (this.#polls === 0) this.poll();
    this.#timer = this.#scheduler.repeat(this.#onTimer, this.#settings.pollIntervalMs);
  }

  stop(): void {
    if (this.#timer === undefined) return;
    this.#scheduler.clear(this.#timer);
    this.#timer = undefined;
  }

  readonly #onTimer = (): void => {
    this.#outage.run(this.#pollOnce);
  };

  /** Timed polls report a chip that stops answering once, instead of throwing out of the timer. */
  get pollFailing(): boolean {
    return this.#outage.failing;
  }

  /**
   * One poll: reads the link bitmap (one register read), updates every port's state and notifies listeners of
   * changes. Returns the raw link bitmap. Allocation-free when nothing changes.
   */
  poll(): number {
    return this.#pollOnce();
  }

  /**
   * Takes a port out of service by configuration (`interface <port> disable`) or returns it. A disabled port reads
   * as link down from the next poll on (trunks fail over as for a pulled cable), and its loss is not counted as a
   * flap. Returns whether anything changed.
   */
  setAdminEnabled(port: number, enabled: boolean): boolean {
    this.#indexOf(port);
    const bit = (1 << port) >>> 0;
    const was = (this.#adminMask & bit) !== 0;
    if (was === enabled) return false;
    this.#adminMask = enabled ? (this.#adminMask | bit) >>> 0 : (this.#adminMask & ~bit) >>> 0;
    return true;
  }

  isAdminEnabled(port: number): boolean {
    return ((this.#adminMask >>> port) & 1) === 1;
  }

  readonly #pollOnce = (): number => {
    const mask = (this.#chip.readLinkMask() & this.#adminMask) >>> 0;
    const now = this.#scheduler.now();
    this.#polls++;
    const changed = this.#primed ? (mask ^ this.#rawMask) >>> 0 : 0xffffffff;
    this.#primed = true;
    this.#rawMask = mask;
    const ports = this.#ports;
    const settings = this.#settings;
    // Usable changes first (a trunk is rewritten before anything else reads the chip), raw listeners (logging) after.
    for (let i = 0; i < ports.length; i++) {
      const port = ports[i];
      const link = ((mask >>> port) & 1) === 1;
      if ((changed >>> port) & 1) {
        const firstPoll = this.#polls === 1;
        if (!firstPoll) this.#lastChange[i] = now;
        if (!link) this.#onLoss(i, port, now, firstPoll);
        else if (this.#state[i] === STATE_DOWN) {
          this.#state[i] = STATE_DEBOUNCING;
          this.#since[i] = firstPoll ? now - settings.upDebounceMs : now;
        }
      }
      const state = this.#state[i];
      if (state === STATE_DEBOUNCING && link && now - this.#since[i] >= settings.upDebounceMs - TIME_EPSILON_MS) {
        this.#state[i] = STATE_UP;
        this.#setUsable(port, true);
      } else if (state === STATE_ERR_DISABLED && now - this.#since[i] >= settings.recoveryMs - TIME_EPSILON_MS) {
        this.#endHold(i, port, now, "recovery timer");
      }
    }
    if (changed !== 0 && this.#polls > 1) {
      const listeners = this.#rawListeners;
      for (let i = 0; i < ports.length; i++) {
        const port = ports[i];
        if (((changed >>> port) & 1) === 0) continue;
        const link = ((mask >>> port) & 1) === 1;
        for (let l = 0; l < listeners.length; l++) listeners[l](port, link);
      }
    }
    return mask;
  };

  #onLoss(i: number, port: number, now: number, firstPoll: boolean): void {
    const settings = this.#settings;
    const state = this.#state[i];
    if (firstPoll) return;
    if (!this.isAdminEnabled(port)) {
      // taken down by configuration: not a flap
      if (state === STATE_UP) this.#setUsable(port, false);
      if (state !== STATE_ERR_DISABLED) this.#state[i] = STATE_DOWN;
      return;
    }
    this.#losses[i]++;
    const base = i * MAX_FLAP_LIMIT;
    this.#lossTimes[base + this.#lossNext[i]] = now;
    this.#lossNext[i] = (this.#lossNext[i] + 1) % MAX_FLAP_LIMIT;
    if (state === STATE_ERR_DISABLED) return;
    this.#state[i] = STATE_DOWN;
    if (state === STATE_UP) this.#setUsable(port, false);
    if (settings.flapLimit > 0 && this.#lossesInWindow(i, now) >= settings.flapLimit) {
      this.#state[i] = STATE_ERR_DISABLED;
      this.#since[i] = now;
      this.#log(
        `port ${port}: err-disabled (link-flap: ${settings.flapLimit} link losses within ${settings.flapWindowMs / 1000} s), ` +
          `recovery in ${settings.recoveryMs / 1000} s`,
      );
    }
  }

  #lossesInWindow(i: number, now: number): number {
    const base = i * MAX_FLAP_LIMIT;
    const window = this.#settings.flapWindowMs;
    const total = Math.min(this.#losses[i], MAX_FLAP_LIMIT);
    let count = 0;
    for (let slot = 0; slot < total; slot++) {
      const at = this.#lossTimes[base + slot];
      if (at > now - window) count++;
    }
    return count;
  }

  #endHold(i: number, port: number, now: number, why: string): void {
    // forget the flap history: recovery starts a fresh window
    const base = i * MAX_FLAP_LIMIT;
    for (let slot = 0; slot < MAX_FLAP_LIMIT; slot++) this.#lossTimes[base + slot] = -Infinity;
    const link = ((this.#rawMask >>> port) & 1) === 1;
    this.#state[i] = link ? STATE_DEBOUNCING : STATE_DOWN;
    this.#since[i] = now;
    this.#log(`port ${port}: err-disable ended (${why}), link ${link ? "up: usable after debounce" : "down"}`);
    if (link && this.#settings.upDebounceMs === 0) {
      this.#state[i] = STATE_UP;
      this.#setUsable(port, true);
    }
  }

  /** Ends a flap hold early (`errdisable recovery` by hand). Returns false if the port was not held. */
  recover(port: number): boolean {
    const i = this.#indexOf(port);
    if (this.#state[i] !== STATE_ERR_DISABLED) return false;
    this.#endHold(i, port, this.#scheduler.now(), "by command");
    return true;
  }

  #setUsable(port: number, usable: boolean): void {
    if (usable) this.#usableMask = (this.#usableMask | (1 << port)) >>> 0;
    else this.#usableMask = (this.#usableMask & ~(1 << port)) >>> 0;
    const listeners = this.#usableListeners;
    for (let l = 0; l < listeners.length; l++) listeners[l](port, usable);
  }

  #indexOf(port: number): number {
    const i = this.#ports.indexOf(port);
    if (i < 0) throw new InvalidArgumentError(`port ${port} is not watched by the link monitor (ports ${this.#ports.join(", ")})`);
    return i;
  }

  stateOf(port: number): PortLinkState {
    return STATE_NAMES[this.#state[this.#indexOf(port)]];
  }

  /** Plain data for a console: settings, masks and every port. */
  show(): LinkMonitorView {
    const now = this.#scheduler.now();
    const ports: PortLinkView[] = [];
    for (let i = 0; i < this.#ports.length; i++) {
      const port = this.#ports[i];
      const state = this.#state[i];
      const view: PortLinkView = {
        port,
        link: ((this.#rawMask >>> port) & 1) === 1,
        usable: this.isUsable(port),
        state: STATE_NAMES[state],
        flapsInWindow: this.#lossesInWindow(i, now),
        linkLosses: this.#losses[i],
      };
      if (state === STATE_ERR_DISABLED) view.recoveryInMs = Math.max(0, this.#since[i] + this.#settings.recoveryMs - now);
      if (!Number.isNaN(this.#lastChange[i])) view.lastChangeMs = this.#lastChange[i];
      ports.push(view);
    }
    return { settings: { ...this.#settings }, running: this.running, polls: this.#polls, rawMask: this.#rawMask, usableMask: this.#usableMask, ports };
  }
}
