// A min-heap of timed events for the frame-level network. Events due at the same virtual time run in the order they
// were scheduled, so a run is repeatable. Bounded by the caller: the network refuses to schedule past its budgets.

export interface TimedEvent {
  /** Virtual time (ms) the event is due. */
  readonly dueMs: number;
  /** Scheduling order, the tie-breaker for equal due times. */
  readonly order: number;
  readonly run: () => void;
}

export class EventQueue {
  readonly #heap: TimedEvent[] = [];
  #nextOrder = 0;

  get size(): number {
    return this.#heap.length;
  }

  /** Due time of the earliest event, or Infinity when empty. */
  get nextDueMs(): number {
    return this.#heap.length ? this.#heap[0].dueMs : Infinity;
  }

  push(dueMs: number, run: () => void): void {
    const heap = this.#heap;
    heap.push({ dueMs, order: this.#nextOrder++, run });
    let child = heap.length - 1;
    while (child > 0) {
      const parent = (child - 1) >> 1;
      if (!earlier(heap[child], heap[parent])) break;
      [heap[child], heap[parent]] = [heap[parent], heap[child]];
      child = parent;
    }
  }

  /** Removes and returns the earliest event, or undefined when empty. */
  pop(): TimedEvent | undefined {
    const heap = this.#heap;
    if (heap.length === 0) return undefined;
    const top = heap[0];
    const last = heap.pop()!;
    if (heap.length > 0) {
      heap[0] = last;
      let parent = 0;
      for (;;) {
        const left = 2 * parent + 1;
        const right = left + 1;
        let smallest = parent;
        if (left < heap.length && earlier(heap[left], heap[smallest])) smallest = left;
        if (right < heap.length && earlier(heap[right], heap[smallest])) smallest = right;
        if (smallest === parent) break;
        [heap[smallest], heap[parent]] = [heap[parent], heap[smallest]];
        parent = smallest;
      }
    }
    return top;
  }
}

function earlier(a: TimedEvent, b: TimedEvent): boolean {
  return a.dueMs < b.dueMs || (a.dueMs === b.dueMs && a.order < b.order);
}
