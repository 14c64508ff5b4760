// Node stand-in for Moddable's `timer` module (tsconfig.json maps the bare specifier `timer` here). Same shape as
// the SDK's Timer: static set/repeat/schedule/clear/delay, callbacks receive the timer. Time is the virtual time of
// the "current" VirtualClock, which the simulator installs with useClock() before firmware code runs.
import { VirtualClock, type VirtualTimer } from "./clock";

let currentClock: VirtualClock | undefined;

/** Installs the clock every Timer call uses from now on; returns the previous one. */
export function useClock(clock: VirtualClock | undefined): VirtualClock | undefined {
  const previous = currentClock;
  currentClock = clock;
  return previous;
}

export function currentTimerClock(): VirtualClock | undefined {
  return currentClock;
}

function clockOrThrow(): VirtualClock {
  if (!currentClock) throw new Error("timer: no simulated clock installed (call useClock(new VirtualClock()) first)");
  return currentClock;
}

export type TimerCallback = (timer: Timer) => void;

export default class Timer {
  readonly #handle: VirtualTimer;
  readonly #clock: VirtualClock;

  private constructor(clock: VirtualClock, callback: TimerCallback) {
    this.#clock = clock;
    this.#handle = clock.set(() => callback(this), 0);
    clock.schedule(this.#handle); // created unscheduled; set/repeat schedule it
  }

  /** Fires once after `interval` ms; with `repeat`, then every `repeat` ms. */
  static set(callback: TimerCallback, interval = 0, repeat?: number): Timer {
    const timer = new Timer(clockOrThrow(), callback);
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

  /** Blocks for `milliseconds` of virtual time: the clock advances and due callbacks run. */
  static delay(milliseconds: number): void {
    clockOrThrow().advance(milliseconds);
  }
}
