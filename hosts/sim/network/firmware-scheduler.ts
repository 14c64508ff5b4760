// The firmware of one switch runs on one thread (XS on the ESP32): a timer never interrupts code that is already
// running, it runs after it. The VirtualClock, however, runs every timer that falls due while SPI transfers advance
// time, nested inside the transfer. Without this scheduler a link poll could run in the middle of an ARL scan's
// read sequence (between its dummy read and its data read) and each would read the other's data.
//
// FirmwareScheduler gives one switch's firmware a Scheduler whose callbacks never nest: a timer that falls due
// while a callback of the same firmware is running is queued and runs as soon as that callback returns, at the
// virtual time it then is. Other switches (other CPUs) and the network's frames (hardware) still interleave freely.
import type { Scheduler } from "../../../modules/clock";
import type { VirtualClock, VirtualTimer } from "../clock";

const MAX_QUEUED = 1024;

export class FirmwareScheduler implements Scheduler {
  readonly #clock: VirtualClock;
  #running = false;
  readonly #queue: { timer: VirtualTimer | undefined; callback: () => void }[] = [];
  /** Timer callbacks that fell due while firmware code was running and were run after it. */
  deferredRuns = 0;
  /** Callbacks dropped because the queue was full (a firmware callback that never returns in virtual time). */
  droppedRuns = 0;

  constructor(clock: VirtualClock) {
    this.#clock = clock;
  }

  now(): number {
    return this.#clock.now();
  }

  repeat(callback: () => void, intervalMs: number): unknown {
    const timer: VirtualTimer = this.#clock.repeat(() => this.#fire(timer, callback), intervalMs);
    return timer;
  }

  clear(handle: unknown): void {
    this.#clock.clear(handle);
  }

  /** Runs firmware code (a console command, a test's call into a service) on the firmware's one thread. */
  run<T>(work: () => T): T {
    if (this.#running) return work();
    this.#running = true;
    try {
      return work();
    } finally {
      this.#running = false;
      this.#drain();
    }
  }

  #fire(timer: VirtualTimer, callback: () => void): void {
    if (this.#running) {
      if (this.#queue.length >= MAX_QUEUED) this.droppedRuns++;
      else this.#queue.push({ timer, callback });
      return;
    }
    this.run(callback);
  }

  #drain(): void {
    for (let ran = 0; this.#queue.length > 0 && ran < MAX_QUEUED; ran++) {
      const next = this.#queue.shift()!;
      if (next.timer && !next.timer.active) continue;
      this.deferredRuns++;
      this.#running = true;
      try {
        next.callback();
      } finally {
        this.#running = false;
      }
    }
  }
}
