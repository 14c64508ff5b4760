// Periodic chip work (link polls, ARL scans, the chip check) runs from timer callbacks. An error must not escape
// one: on the ESP32 an uncaught exception in a timer stops the firmware. A dead or unplugged chip is reported once
// when the outage starts and once when the work succeeds again, not every 10 ms in between.
import { OnemacError } from "./errors";

export class OutageReporter {
  readonly #what: string;
  readonly #log: (line: string) => void;
  #failing = false;
  #failures = 0;

  constructor(what: string, log: (line: string) => void) {
    this.#what = what;
    this.#log = log;
  }

  /** True while the work keeps failing. */
  get failing(): boolean {
    return this.#failing;
  }

  /** Failed runs since start. */
  get failures(): number {
    return this.#failures;
  }

  /** Runs `work`; returns whether it succeeded. Never throws. Allocation-free when `work` succeeds. */
  run(work: () => void): boolean {
    try {
      work();
    } catch (error) {
      this.#failures++;
      if (!this.#failing) {
        this.#failing = true;
        const code = error instanceof OnemacError ? error.code : "internal";
        this.#log(`${this.#what}: failed (${code}): ${error instanceof Error ? error.message : String(error)}; retrying, quietly until it works`);
      }
      return false;
    }
    if (this.#failing) {
      this.#failing = false;
      this.#log(`${this.#what}: working again`);
    }
    return true;
  }
}
