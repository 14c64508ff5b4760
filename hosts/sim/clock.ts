// Virtual time for the simulated board. Nothing here reads the wall clock: time moves only when a test, the SPI
// model (bytes * 8 / hz) or Timer.delay advances it, so every run is repeatable.
import type { Scheduler } from "../../modules/clock";

export type VirtualTimerCallback = (timer: VirtualTimer) => void;

/** A scheduled callback. Opaque to users: pass it back to `clear` or `schedule`. */
export class VirtualTimer {
  /** Virtual time (ms) it fires next; Infinity while unscheduled. */
  due = Infinity;
  /** Period (ms) after each firing; undefined for a one-shot. */
  interval: number | undefined;
  /** Tie-breaker: timers due at the same time fire in the order their due time was set. */
  order = 0;
  active = true;
  constructor(readonly callback: VirtualTimerCallback) {}
}

export interface VirtualClockOptions {
  /** Initial virtual time in ms (default 0). */
  startMs?: number;
  /** A single advance() runs at most this many callbacks, then throws (default 100000). */
  maxCallbacksPerAdvance?: number;
}

export const DEFAULT_MAX_CALLBACKS_PER_ADVANCE = 100_000;

export class VirtualClock implements Scheduler {
  #now: number;
  readonly #maxCallbacks: number;
  readonly #timers: VirtualTimer[] = [];
  #nextOrder = 0;
  /** Earliest due time among the timers; recomputed lazily so the SPI hot path is one comparison. */
  #nextDue = Infinity;
  #nextDueStale = false;

  constructor(options: VirtualClockOptions = {}) {
    const start = options.startMs ?? 0;
    if (!Number.isFinite(start) || start < 0) throw new RangeError(`startMs must be a finite number >= 0, got ${start}`);
    const max = options.maxCallbacksPerAdvance ?? DEFAULT_MAX_CALLBACKS_PER_ADVANCE;
    if (!Number.isInteger(max) || max < 1) throw new RangeError(`maxCallbacksPerAdvance must be an integer >= 1, got ${max}`);
    this.#now = start;
    this.#maxCallbacks = max;
  }

  now(): number {
    return this.#now;
  }

  /** One-shot after `delayMs`; with `intervalMs`, repeats every `intervalMs` after that (Moddable Timer.set). */
  set(callback: VirtualTimerCallback, delayMs = 0, intervalMs?: number): VirtualTimer {
    const timer = new VirtualTimer(callback);
    this.#timers.push(timer);
    this.schedule(timer, delayMs, intervalMs);
    return timer;
  }

  repeat(callback: VirtualTimerCallback, intervalMs: number): VirtualTimer {
    return this.set(callback, intervalMs, intervalMs);
  }

  /** Reschedules a live timer; without `delayMs` the timer stays registered but does not fire (Moddable Timer.schedule). */
  schedule(handle: VirtualTimer, delayMs?: number, intervalMs?: number): void {
    if (!handle.active) return;
    if (delayMs === undefined) {
      handle.due = Infinity;
      handle.interval = undefined;
    } else {
      checkDuration("delay", delayMs);
      if (intervalMs !== undefined) checkDuration("interval", intervalMs);
      handle.due = this.#now + delayMs;
      handle.interval = intervalMs;
      handle.order = this.#nextOrder++;
    }
    this.#nextDueStale = true;
  }

  clear(handle: unknown): void {
    if (!(handle instanceof VirtualTimer) || !handle.active) return;
    handle.active = false;
    handle.due = Infinity;
    const index = this.#timers.indexOf(handle);
    if (index >= 0) this.#timers.splice(index, 1);
    this.#nextDueStale = true;
  }

  /** Timers registered and not cleared (scheduled or suspended). */
  get pendingTimers(): number {
    return this.#timers.length;
  }

  /** Virtual time of the next callback, or undefined when none is scheduled. */
  nextDueTime(): number | undefined {
    const due = this.#earliestDue();
    return due === Infinity ? undefined : due;
  }

  /**
   * Moves time forward by `ms`, running every callback that falls due, in time order (ties: scheduling order).
   * A callback may itself advance the clock (an SPI transfer inside a poll); time never moves backwards.
   * Returns the number of callbacks run; throws if more than the configured bound would run.
   */
  advance(ms: number): number {
    checkDuration("advance", ms);
    const target = this.#now + ms;
    if (target < this.#earliestDue()) {
      this.#now = target;
      return 0;
    }
    return this.#runUntil(target);
  }

  /** Moves time forward to the absolute time `timeMs` (no-op if that is in the past). */
  advanceTo(timeMs: number): number {
    return timeMs > this.#now ? this.advance(timeMs - this.#now) : 0;
  }

  #runUntil(target: number): number {
    let ran = 0;
    for (;;) {
      const timer = this.#earliestDueBy(target);
      if (!timer) break;
      if (ran >= this.#maxCallbacks) {
        throw new Error(
          `VirtualClock.advance ran ${ran} callbacks without reaching ${target} ms: a timer re-arms itself with no delay`,
        );
      }
      if (timer.due > this.#now) this.#now = timer.due;
      if (timer.interval === undefined) {
        this.clear(timer);
      } else {
        timer.due = this.#now + timer.interval;
        timer.order = this.#nextOrder++;
        this.#nextDueStale = true;
      }
      ran++;
      timer.callback(timer);
    }
    if (target > this.#now) this.#now = target;
    return ran;
  }

  #earliestDueBy(target: number): VirtualTimer | undefined {
    let best: VirtualTimer | undefined;
    for (const timer of this.#timers) {
      if (timer.due > target) continue;
      if (!best || timer.due < best.due || (timer.due === best.due && timer.order < best.order)) best = timer;
    }
    return best;
  }

  #earliestDue(): number {
    if (this.#nextDueStale) {
      let due = Infinity;
      for (const timer of this.#timers) if (timer.due < due) due = timer.due;
      this.#nextDue = due;
      this.#nextDueStale = false;
    }
    return this.#nextDue;
  }
}

function checkDuration(what: string, ms: number): void {
  if (typeof ms !== "number" || !(ms >= 0) || ms === Infinity) {
    throw new RangeError(`${what} must be a finite number of milliseconds >= 0, got ${ms}`);
  }
}
