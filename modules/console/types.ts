// The console's shared shapes: what a transport-neutral session (session.ts) hands a command interpreter, and what
// commands may use. Kept tiny so the session, the grammar and the command files can be written apart.
import type { Clock } from "../clock";
import type { Firmware } from "../firmware";

export interface ConsoleIo {
  /** Output text; "\n" -> "\r\n" is done by the session. */
  write(text: string): void;
  /** The next line goes to `onLine`: not echoed, not in history. */
  readSecret(prompt: string, onLine: (secret: string) => void): void;
  /** Async command: the prompt is withheld until the returned function runs. */
  hold(): () => void;
}

export interface Interpreter {
  prompt(): string;
  /** Session attached (banner, login if a password is set). */
  start(io: ConsoleIo): void;
  execute(line: string, io: ConsoleIo): void;
  /** Candidates for the last (partial) word of `line`. */
  complete(line: string): string[];
  /** "?" typed after `line`: text to print (lines). */
  help(line: string): string;
}

/** What commands may use. */
export interface ConsoleContext {
  /** links, trunks, moves, ports, config, logs, selfTest, info, spiStats(), uptimeMs() */
  firmware: Firmware;
  clock: Clock;
  /** XS memory where the platform reports it. */
  memory?: () => { slots?: number; chunkBytes?: number } | undefined;
  /** Board restart (main.ts supplies it). */
  reload: () => void;
  /** Salt for password hashes. */
  random: (bytes: Uint8Array) => void;
}
