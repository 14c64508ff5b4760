// The firmware's log: every line the services write goes through here, is kept in a bounded ring for
// `show logging`, and is handed to listeners (the console prints it between the user's keystrokes; main.ts also
// traces it). The ring is allocated once; a line costs the string it is made of and nothing else.
import type { Clock } from "./clock";
import { InvalidArgumentError } from "./errors";

export interface LogEntry {
  /** Board time (ms) the line was written. */
  atMs: number;
  text: string;
}

export type LogListener = (atMs: number, text: string) => void;

export const DEFAULT_LOG_CAPACITY = 64;
export const MAX_LOG_CAPACITY = 1024;
const MAX_LOG_LISTENERS = 8;

export class LogRing {
  readonly #clock: Clock;
  readonly #times: Float64Array;
  readonly #texts: string[];
  readonly #listeners: LogListener[] = [];
  #next = 0;
  #count = 0;
  #dropped = 0;
  #total = 0;

  constructor(options: { clock: Clock; capacity?: number }) {
    const capacity = options.capacity ?? DEFAULT_LOG_CAPACITY;
    if (!Number.isInteger(capacity) || capacity < 1 || capacity > MAX_LOG_CAPACITY)
      throw new InvalidArgumentError(`log capacity must be 1..${MAX_LOG_CAPACITY} lines, not ${String(capacity)}`);
    this.#clock = options.clock;
    this.#times = new Float64Array(capacity);
    this.#texts = new Array<string>(capacity).fill("");
  }

  get capacity(): number {
    return this.#times.length;
  }

  /** Lines that no longer fit and were overwritten by newer ones. */
  get dropped(): number {
    return this.#dropped;
  }

  /** Lines written since boot. */
  get total(): number {
    return this.#total;
  }

  /** Writes a line. A listener that throws is ignored: logging never fails the code that logs. */
  add(text: string): void {
    const atMs = this.#clock.now();
    const capacity = this.#times.length;
    this.#times[this.#next] = atMs;
    this.#texts[this.#next] = text;
    this.#next = (this.#next + 1) % capacity;
    if (this.#count < capacity) this.#count++;
    else this.#dropped++;
    this.#total++;
    const listeners = this.#listeners;
    for (let i = 0; i < listeners.length; i++) {
      try {
        listeners[i](atMs, text);
      } catch {
        // a broken sink (a console that went away) must not stop the firmware
      }
    }
  }

  /** A function that writes to this log, for the services' `log` option. */
  readonly writer = (text: string): void => {
    this.add(text);
  };

  /** The kept lines, oldest first. */
  entries(): LogEntry[] {
    const capacity = this.#times.length;
    const out: LogEntry[] = [];
    const first = (this.#next - this.#count + capacity) % capacity;
    for (let i = 0; i < this.#count; i++) {
      const slot = (first + i) % capacity;
      out.push({ atMs: this.#times[slot], text: this.#texts[slot] });
    }
    return out;
  }

  addListener(listener: LogListener): void {
    if (typeof listener !== "function") throw new InvalidArgumentError("a log listener must be a function");
    if (this.#listeners.length >= MAX_LOG_LISTENERS) throw new InvalidArgumentError(`at most ${MAX_LOG_LISTENERS} log listeners`);
    this.#listeners.push(listener);
  }

  removeListener(listener: LogListener): void {
    const index = this.#listeners.indexOf(listener);
    if (index >= 0) this.#listeners.splice(index, 1);
  }
}
