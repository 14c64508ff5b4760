// Link watchers decide whether a member passes traffic; they know nothing of the table (teamd's split of
// runners and watchers). Each reports a debounced verdict per member through a listener.
import type { ArpWatcherConfig, CarrierWatcherConfig } from "./config";
import type { TimerHandle, Timers } from "./timers";

export type HealthListener = (ifname: string, healthy: boolean, reason: string) => void;

interface CarrierState {
  stable: boolean;
  raw: boolean;
  pending: TimerHandle | null;
}

/**
 * Carrier (link up/down) from netlink link events, with an up delay (carrier must hold before a member is used)
 * and a down delay (a blip shorter than it does not move slots). The first report of a member is taken as is.
 */
export class CarrierWatcher {
  readonly #timers: Timers;
  readonly #config: CarrierWatcherConfig;
  readonly #listener: HealthListener;
  readonly #states = new Map<string, CarrierState>();

  constructor(timers: Timers, config: CarrierWatcherConfig, listener: HealthListener) {
    this.#timers = timers;
    this.#config = config;
    this.#listener = listener;
  }

  isHealthy(ifname: string): boolean {
    return this.#states.get(ifname)?.stable ?? false;
  }

  /** A raw carrier observation (repeated observations of the same state are harmless). */
  report(ifname: string, carrier: boolean): void {
    const state = this.#states.get(ifname);
    if (!state) {
      this.#states.set(ifname, { stable: carrier, raw: carrier, pending: null });
      return;
    }
    if (state.raw === carrier) return;
    state.raw = carrier;
    if (state.pending) {
      this.#timers.clearTimeout(state.pending);
      state.pending = null;
    }
    if (carrier === state.stable) return; // the blip ended within the delay
    const delay = carrier ? this.#config.upDelayMs : this.#config.downDelayMs;
    const settle = (): void => {
      state.pending = null;
      state.stable = carrier;
      this.#listener(ifname, carrier, carrier ? "carrier up" : "carrier down");
    };
    if (delay === 0) settle();
    else state.pending = this.#timers.setTimeout(settle, delay);
  }

  forget(ifname: string): void {
    const state = this.#states.get(ifname);
    if (state?.pending) this.#timers.clearTimeout(state.pending);
    this.#states.delete(ifname);
  }

  stop(): void {
    for (const ifname of [...this.#states.keys()]) this.forget(ifname);
  }
}

/** Sends one ARP request for the target out of one member; replies come back through ArpWatcher.replyReceived. */
export interface ArpProber {
  sendProbe(ifname: string): void;
}

interface ArpState {
  healthy: boolean;
  answered: boolean;
  probed: boolean;
  missed: number;
}

/**
 * Catches a member whose carrier is up but which passes no traffic: every interval an ARP request for
 * targetIp leaves each member; missedMax intervals in a row without a reply on that member fail it,
 * and the next reply brings it back. Members start healthy.
 */
export class ArpWatcher {
  readonly #timers: Timers;
  readonly #config: ArpWatcherConfig;
  readonly #prober: ArpProber;
  readonly #listener: HealthListener;
  readonly #states = new Map<string, ArpState>();
  #tick: TimerHandle | null = null;

  constructor(timers: Timers, config: ArpWatcherConfig, prober: ArpProber, listener: HealthListener) {
    this.#timers = timers;
    this.#config = config;
    this.#prober = prober;
    this.#listener = listener;
  }

  isHealthy(ifname: string): boolean {
    return this.#states.get(ifname)?.healthy ?? false;
  }

  addMember(ifname: string): void {
    if (!this.#states.has(ifname)) this.#states.set(ifname, { healthy: true, answered: false, probed: false, missed: 0 });
  }

  removeMember(ifname: string): void {
    this.#states.delete(ifname);
  }

  start(): void {
    if (this.#tick) return;
    this.#runTick();
  }

  stop(): void {
    if (this.#tick) this.#timers.clearTimeout(this.#tick);
    this.#tick = null;
  }

  replyReceived(ifname: string): void {
    const state = this.#states.get(ifname);
    if (!state) return;
    state.answered = true;
    state.missed = 0;
    if (!state.healthy) {
      state.healthy = true;
      this.#listener(ifname, true, `ARP reply from ${this.#config.targetIp}`);
    }
  }

  #runTick(): void {
    for (const [ifname, state] of this.#states) {
      if (state.probed && !state.answered) {
        state.missed++;
        if (state.healthy && state.missed >= this.#config.missedMax) {
          state.healthy = false;
          this.#listener(ifname, false, `${state.missed} ARP probes to ${this.#config.targetIp} unanswered`);
        }
      }
      state.answered = false;
      state.probed = true;
      try {
        this.#prober.sendProbe(ifname);
      } catch {
        // A send that fails counts as an unanswered probe on the next tick.
      }
    }
    this.#tick = this.#timers.setTimeout(() => this.#runTick(), this.#config.intervalMs);
  }
}
