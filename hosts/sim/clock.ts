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
  /** The simulated CPU whose code this timer runs (undefined: hardware, which runs concurrently with every CPU). */
  cpu: SimCpu | undefined;
  constructor(readonly callback: VirtualTimerCallback) {}
}

/**
 * A CPU of the simulated board (the ESP32 running XS). XS runs one thing at a time: a timer never interrupts code
 * that is running, it runs after it. The clock therefore never runs a CPU's timers while that CPU is busy: inside
 * one of its own timer callbacks, or while its SPI transfers (SimSPI `cpu` option) or Timer.delay advance time.
 * Hardware (chip models, cables) and other CPUs keep running meanwhile. Use it as the firmware's Scheduler.
 */
export class SimCpu implements Scheduler {
  constructor(
    readonly clock: VirtualClock,
    readonly name = "cpu",
  ) {}
  now(): number {
    return this.clock.now();
  }
  repeat(callback: () => void, intervalMs: number): VirtualTimer {
    return this.clock.set(() => callback(), intervalMs, intervalMs, this);
  }
  clear(handle: unknown): void {
    this.clock.clear(handle);
  }
  /** Time passes while this CPU is busy (an SPI transfer, a blocking delay): hardware and other CPUs run. */
  busyFor(ms: number): number {
    return this.clock.advance(ms, this);
  }

  /** The CPU stops (reset, power cut): every timer its code had set is cleared. Returns how many. */
  halt(): number {
    return this.clock.clearTimersOf(this);
  }
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
  /** CPUs whose code is running now (nested: a CPU's SPI transfer runs hardware timers, which may be another CPU's). */
  readonly #busyCpus: SimCpu[] = [];

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

  /**
   * One-shot after `delayMs`; with `intervalMs`, repeats every `intervalMs` after that (Moddable Timer.set).
   * With `cpu`, the callback is that CPU's code (see SimCpu); without, it is hardware.
   */
  set(callback: VirtualTimerCallback, delayMs = 0, intervalMs?: number, cpu?: SimCpu): VirtualTimer {
    const timer = new VirtualTimer(callback);
    timer.cpu = cpu;
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

  /** Clears every timer that runs `cpu`'s code (the CPU was reset or lost power). Returns how many. */
  clearTimersOf(cpu: SimCpu): number {
    const mine = this.#timers.filter((timer) => timer.cpu === cpu);
    for (const timer of mine) this.clear(timer);
    return mine.length;
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
  advance(ms: number, busyCpu?: SimCpu): number {
    checkDuration("advance", ms);
    const target = this.#now + ms;
    if (target < this.#earliestDue()) {
      this.#now = target;
      return 0;
    }
    if (busyCpu === undefined) return this.#runUntil(target);
    this.#busyCpus.push(busyCpu);
    try {
      return this.#runUntil(target);
    } finally {
      this.#busyCpus.pop();
    }
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
      const cpu = timer.cpu;
      if (cpu === undefined) {
        timer.callback(timer);
        continue;
      }
      this.#busyCpus.push(cpu);
      try {
        timer.callback(timer);
      } finally {
        this.#busyCpus.pop();
      }
    }
    if (target > this.#now) this.#now = target;
    return ran;
  }

  #earliestDueBy(target: number): VirtualTimer | undefined {
    let best: VirtualTimer | undefined;
    const busy = this.#busyCpus;
    for (const timer of this.#timers) {
      if (timer.due > target) continue;
      if (timer.cpu !== undefined && busy.length > 0 && busy.indexOf(timer.cpu) >= 0) continue; // runs after, not inside
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
