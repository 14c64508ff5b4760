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

/**
 * One console command, declared as data. Both the config/exec commands (commands/configure.ts, commands/exec.ts) and
 * the show/clear/test commands (commands/show.ts) are lists of these; the grammar compiles the patterns once.
 */
export interface CommandSpec {
  /**
   * Keywords and placeholders: <port>, <ports>, <mac>, <trunk> (trk1|trk2), <vid>, <int:MIN-MAX>, <word>,
   * <text> (rest of the line or a "quoted string"), [optional part], {a|b|c} one of.
   * A placeholder may carry a name for CommandArgs: <mac:src>, <int:window:1-3600>, <word:name>.
   * e.g. "show interfaces [{brief|counters}] [<port>]"
   */
  pattern: string;
  /** One line for "?". */
  help: string;
  /** Show commands: "any" (they work in config mode too). */
  mode: "exec" | "config" | "any";
  /** Accepts a trailing "| json". */
  json?: boolean;
  /** "?" help for keywords inside the pattern ("index-bits": "Table size ..."); the first word uses `help`. */
  words?: Readonly<Record<string, string>>;
  run(args: CommandArgs, ctx: ConsoleContext, io: ConsoleIo, json: boolean): void;
}

/**
 * The values a matched line carried. A getter for a value the line did not carry throws; names default to the
 * placeholder's kind ("port", "mac", "text", "word"), so a pattern with one of each needs no names.
 */
export interface CommandArgs {
  /** The keyword (or choice word) was typed (in full or as a prefix). */
  has(keyword: string): boolean;
  /** The named value is present (optional parts). */
  given(name: string): boolean;
  port(name?: string): number;
  /** Ascending, without duplicates. */
  ports(name?: string): number[];
  /** The MAC as a number (modules/mac.ts). */
  mac(name?: string): number;
  /** Chip trunk group: trk1 -> 0, trk2 -> 1. */
  trunk(name?: string): number;
  int(name: string): number;
  vid(name?: string): number;
  text(name?: string): string;
  word(name?: string): string;
}
