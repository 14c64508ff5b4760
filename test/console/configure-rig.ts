// A console interpreter over a simulated board (test/services/rig.ts: the real firmware over the BCM53125 model, one
// VirtualClock) for the configure, replay and hostile-input tests. `type(line)` behaves like a session: a line goes to
// a pending readSecret first, otherwise to execute(); a held prompt (write memory) is waited for on virtual time.
import { ConsoleInterpreter } from "../../modules/console/interpreter";
import type { ConsoleContext, ConsoleIo } from "../../modules/console/types";
import type { FirmwareOptions } from "../../modules/firmware";
import { makeBoard, type Board } from "../services/rig";

/** Moddable's Preference shape, in memory, one per board (the xsnap host's flash). */
export { MemoryStorage as MemoryFlash } from "../../hosts/xs/memory-storage";
import { MemoryStorage as MemoryFlash } from "../../hosts/xs/memory-storage";

export class TestConsole {
  readonly ctx: ConsoleContext;
  readonly interpreter: ConsoleInterpreter;
  /** Everything printed since the console started (prompts of secrets included), up to the last 64 KB. */
  transcript = "";
  /** What the line being typed printed so far. */
  #current = "";
  reloads = 0;
  #secret: ((line: string) => void) | undefined;
  #holds = 0;
  readonly io: ConsoleIo;

  constructor(readonly board: Board, options: { start?: boolean } = {}) {
    let seed = 1;
    this.ctx = {
      firmware: board.firmware,
      clock: board.clock,
      reload: () => {
        this.reloads++;
      },
      random: (bytes) => {
        for (let i = 0; i < bytes.length; i++) bytes[i] = (seed = (seed * 1103515245 + 12345) >>> 0) >>> 24;
      },
    };
    this.io = {
      write: (text) => {
        this.#print(text);
      },
      readSecret: (prompt, onLine) => {
        if (this.#secret) throw new Error("two readSecret calls pending");
        this.#print(prompt);
        this.#secret = onLine;
      },
      hold: () => {
        this.#holds++;
        let released = false;
        return () => {
          if (released) throw new Error("a hold released twice");
          released = true;
          this.#holds--;
        };
      },
    };
    this.interpreter = new ConsoleInterpreter(this.ctx);
    if (options.start !== false) this.interpreter.start(this.io);
  }

  #print(text: string): void {
    this.#current += text;
    this.transcript += text;
    if (this.transcript.length > 65536) this.transcript = this.transcript.slice(-32768);
  }

  get secretPending(): boolean {
    return this.#secret !== undefined;
  }

  get held(): boolean {
    return this.#holds > 0;
  }

  /** Types one line (and Enter); returns what it printed. Waits (virtual time) while the prompt is held. */
  type(line: string): string {
    this.submit(line);
    this.waitWhileHeld(line);
    const printed = this.#current;
    this.#current = "";
    return printed;
  }

  /** Types one line (and Enter) and returns at once, the prompt possibly still held (see `held`). */
  submit(line: string): void {
    this.#current = "";
    const secret = this.#secret;
    if (secret) {
      this.#secret = undefined;
      secret(line);
    } else this.interpreter.execute(line, this.io);
  }

  /** Advances virtual time 1 ms at a time until the prompt is released (at most 10 s); returns the ms waited. */
  waitWhileHeld(what = "the command"): number {
    let waited = 0;
    for (; waited < 10_000 && this.#holds > 0; waited++) this.board.clock.advance(1);
    if (this.#holds > 0) throw new Error(`"${what}" held the prompt for 10 s`);
    return waited;
  }

  /** What was printed since the last type() or submit(). */
  get printed(): string {
    return this.#current;
  }

  /** Types each line; throws on the first that prints an error. */
  typeAll(lines: readonly string[]): void {
    for (const line of lines) {
      const out = this.type(line);
      if (/^% /m.test(out)) throw new Error(`"${line}" failed: ${out.trim()}`);
    }
  }

  get running() {
    return this.board.firmware.config.running;
  }
}

export function makeConsoleBoard(options: { firmware?: Partial<FirmwareOptions>; flash?: MemoryFlash; start?: boolean } = {}) {
  const flash = options.flash ?? new MemoryFlash();
  const board = makeBoard({ firmware: { storage: flash, ...options.firmware } });
  const console = new TestConsole(board, { start: options.start });
  return { board, console, flash };
}
