// Stand-in for Moddable's `timer` module inside the xsnap bundle (bundle.ts aliases the bare specifier here).
// xsnap has no timers; Timer.delay advances the board's virtual clock through XsSPI. Periodic work on xsnap is
// driven by scenarios (ScenarioRunner.poll), so set/repeat refuse rather than silently never fire.

interface Delayer {
  delay(ms: number): void;
}

let board: Delayer | undefined;

/** entry.ts hands the XsSPI over once it exists. */
export function useTimerBoard(delayer: Delayer): void {
  board = delayer;
}

function unsupported(what: string): never {
  throw new Error(`Timer.${what} is not available on xsnap: drive periodic work through a scenario`);
}

export default class Timer {
  static set(_callback: (...args: unknown[]) => void, _delay?: number, _repeat?: number): never {
    return unsupported("set");
  }
  static repeat(_callback: (...args: unknown[]) => void, _interval: number): never {
    return unsupported("repeat");
  }
  static schedule(_timer: unknown, _delay?: number, _repeat?: number): never {
    return unsupported("schedule");
  }
  static clear(_timer: unknown): void {}
  static delay(ms: number): void {
    if (!board) throw new Error("Timer.delay before the xsnap board was set up");
    board.delay(ms);
  }
}
