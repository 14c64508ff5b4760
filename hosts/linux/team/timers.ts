// One-shot timers through an injected scheduler: real time in the service, virtual time in unit tests.

export interface Timers {
  /** Milliseconds, monotonic. */
  now(): number;
  setTimeout(callback: () => void, delayMs: number): TimerHandle;
  clearTimeout(handle: TimerHandle): void;
}

export interface TimerHandle {
  readonly id: number;
}

export class SystemTimers implements Timers {
  readonly #pending = new Map<number, NodeJS.Timeout>();
  #nextId = 1;

  now(): number {
    return performance.now();
  }

  setTimeout(callback: () => void, delayMs: number): TimerHandle {
    const id = this.#nextId++;
    const timeout = setTimeout(() => {
      this.#pending.delete(id);
      callback();
    }, delayMs);
    this.#pending.set(id, timeout);
    return { id };
  }

  clearTimeout(handle: TimerHandle): void {
    const timeout = this.#pending.get(handle.id);
    if (timeout !== undefined) clearTimeout(timeout);
    this.#pending.delete(handle.id);
  }
}

interface VirtualTimer {
  readonly id: number;
  readonly dueAt: number;
  readonly callback: () => void;
}

/** Time moves only when `advance` is called; due callbacks run in due order (ties in creation order). */
export class VirtualTimers implements Timers {
  #now = 0;
  #nextId = 1;
  #timers: VirtualTimer[] = [];

  now(): number {
    return this.#now;
  }

  setTimeout(callback: () => void, delayMs: number): TimerHandle {
    const timer = { id: this.#nextId++, dueAt: this.#now + Math.max(0, delayMs), callback };
    this.#timers.push(timer);
    return { id: timer.id };
  }

  clearTimeout(handle: TimerHandle): void {
    this.#timers = this.#timers.filter((timer) => timer.id !== handle.id);
  }

  get pendingCount(): number {
    return this.#timers.length;
  }

  advance(deltaMs: number): void {
    const target = this.#now + deltaMs;
    for (;;) {
      let next: VirtualTimer | undefined;
      for (const timer of this.#timers) {
        if (timer.dueAt <= target && (!next || timer.dueAt < next.dueAt || (timer.dueAt === next.dueAt && timer.id < next.id))) next = timer;
      }
      if (!next) break;
      const fired = next;
      this.#timers = this.#timers.filter((timer) => timer !== fired);
      this.#now = fired.dueAt;
      fired.callback();
    }
    this.#now = target;
  }
}
