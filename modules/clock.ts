// Time comes in from outside: the board's clock on hardware, a virtual clock in the simulator.
// Milliseconds, monotonic; fractions allowed (the simulator advances by SPI transfer times in microseconds).

export interface Clock {
  now(): number;
}

/**
 * Periodic work (link polls, ARL scans). On Moddable this wraps `Timer.repeat`/`Timer.clear`;
 * the simulator fires callbacks on virtual time.
 */
export interface Scheduler extends Clock {
  repeat(callback: () => void, intervalMs: number): unknown;
  clear(handle: unknown): void;
}
