// Node stand-in for Moddable's `timer` module (tsconfig.json maps the bare specifier `timer` here). Same shape as
// the SDK's Timer: static set/repeat/schedule/clear/delay, callbacks receive the timer. Time is the virtual time of
// the "current" VirtualClock, which the simulator installs with useClock() before firmware code runs.
import { SimCpu, type VirtualClock, type VirtualTimer } from "./clock";

let currentClock: VirtualClock | undefined;
let currentCpu: SimCpu | undefined;

/**
 * Installs the clock every Timer call uses from now on, with the one CPU that runs main.ts on it (timers are that
 * CPU's code: they never run inside each other, nor inside its SPI transfers or Timer.delay). Returns the previous
 * clock.
 */
export function useClock(clock: VirtualClock | undefined): VirtualClock | undefined {
  const previous = currentClock;
  currentClock = clock;
  currentCpu = clock ? new SimCpu(clock, "main") : undefined;
  return previous;
}

export function currentTimerClock(): VirtualClock | undefined {
  return currentClock;
}

/** The CPU main.ts runs on under the installed clock (give it to the board's SimSPI). */
export function currentTimerCpu(): SimCpu | undefined {
  return currentCpu;
}

function cpuOrThrow(): SimCpu {
  if (!currentCpu) throw new Error("timer: no simulated clock installed (call useClock(new VirtualClock()) first)");
  return currentCpu;
}

export type TimerCallback = (timer: Timer) => void;

export default class Timer {
  readonly #handle: VirtualTimer;
  readonly #clock: VirtualClock;

  private constructor(cpu: SimCpu, callback: TimerCallback) {
    this.#clock = cpu.clock;
    this.#handle = cpu.clock.set(() => callback(this), 0, undefined, cpu);
    cpu.clock.schedule(this.#handle); // created unscheduled; set/repeat schedule it
  }

  /** Fires once after `interval` ms; with `repeat`, then every `repeat` ms. */
  static set(callback: TimerCallback, interval = 0, repeat?: number): Timer {
    const timer = new Timer(cpuOrThrow(), callback);
    timer.#clock.schedule(timer.#handle, interval, repeat);
    return timer;
  }

  static repeat(callback: TimerCallback, interval: number): Timer {
    return Timer.set(callback, interval, interval);
  }

  /** Reschedules; without `interval` the timer is suspended until scheduled again. */
  static schedule(timer: Timer, interval?: number, repeat?: number): void {
    timer.#clock.schedule(timer.#handle, interval, interval === undefined ? undefined : repeat);
  }

  static clear(timer: Timer | undefined | null): void {
    if (timer) timer.#clock.clear(timer.#handle);
  }

  /** Blocks for `milliseconds` of virtual time: hardware runs meanwhile, this CPU's timers wait. */
  static delay(milliseconds: number): void {
    cpuOrThrow().busyFor(milliseconds);
  }
}
