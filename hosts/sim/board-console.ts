// Board commands: what a user types to act on the simulated board itself (cables, clients, power, time) rather than
// on the firmware. A line whose first word is `board` is handled here, by the host, and never reaches the firmware's
// console; errors start with "% " like the console's, so scripts and the `onemac console` client treat them alike.
//
// BoardKeystrokes does the same for a raw keystroke stream (a terminal in raw mode, the pty): keystrokes pass to the
// firmware as typed, except that a line typed from an empty prompt that starts with "board" is held back, echoed and
// edited here, and run by the host on Enter.
import { BoardError, CLIENT_PORT, MAX_CLIENTS, SERVER_PORTS, type SimBoard } from "./board";
import { promptKind, ScreenLines } from "../cli/console-transcript";

/** `board wait` goes at most this far in one command (virtual seconds). */
export const MAX_WAIT_SECONDS = 3600;

export const BOARD_HELP = Object.freeze([
  "Board commands act on the simulated board, not on the firmware (the firmware never sees them):",
  "  board help                          this list",
  "  board status                        what is plugged where, cables in or out, frames per link, clients",
  `  board link <port> {up|down}         plug in or pull the cable at switch port 0-${CLIENT_PORT}`,
  `  board clients <n> -> trk1           n clients (1-${MAX_CLIENTS}, behind port ${CLIENT_PORT}) send to the server on ports ${SERVER_PORTS.join(",")}; it answers`,
  "  board stop-clients                  the clients stop sending",
  `  board wait <seconds>                let virtual time run (up to ${MAX_WAIT_SECONDS} s)`,
  "  board power-cut                     cut the power and restore it: the firmware boots again from flash",
  "  board power-cut after-writes <n>    arm it: n more flash writes complete, the next one is torn by the cut",
  "  board quit                          leave (Ctrl-] also leaves an interactive session)",
  `The server has two NICs with one MAC on ports ${SERVER_PORTS.join(" and ")}; clients sit behind port ${CLIENT_PORT}.`,
]);

export type BoardCommand =
  | { kind: "help" }
  | { kind: "status" }
  | { kind: "link"; port: number; up: boolean }
  | { kind: "clients"; count: number }
  | { kind: "stop-clients" }
  | { kind: "wait"; seconds: number }
  | { kind: "power-cut" }
  | { kind: "power-cut-armed"; writes: number }
  | { kind: "quit" };

/** True when `line` is a board command (its first word is `board`). */
export function isBoardLine(line: string): boolean {
  return /^\s*board(\s|$)/i.test(line);
}

/** Parses a board command line. Throws BoardError with a message naming the bad word. */
export function parseBoardCommand(line: string): BoardCommand {
  const words = line.trim().split(/\s+/);
  if (words[0]?.toLowerCase() !== "board") throw new BoardError(`not a board command: ${JSON.stringify(line.trim())}`);
  const verb = words[1]?.toLowerCase();
  const rest = words.slice(2);
  const noMore = (command: BoardCommand, allowed = 0): BoardCommand => {
    if (rest.length > allowed) throw new BoardError(`unexpected ${JSON.stringify(rest[allowed])} after "board ${verb}"`);
    return command;
  };
  switch (verb) {
    case undefined:
    case "help":
    case "?":
      return { kind: "help" };
    case "status":
      return noMore({ kind: "status" });
    case "stop-clients":
      return noMore({ kind: "stop-clients" });
    case "power-cut": {
      if (rest.length === 0) return { kind: "power-cut" };
      if (rest[0].toLowerCase() !== "after-writes") throw new BoardError(`"board power-cut" takes nothing or "after-writes <n>", not ${JSON.stringify(rest[0])}`);
      if (rest[1] === undefined) throw new BoardError(`"board power-cut after-writes" needs a number of writes (0-1000)`);
      return noMore({ kind: "power-cut-armed", writes: parseInteger(rest[1], "after-writes", 0, 1000) }, 2);
    }
    case "quit":
    case "exit":
      return noMore({ kind: "quit" });
    case "link": {
      const [portWord, state] = rest;
      if (portWord === undefined) throw new BoardError(`"board link" needs a port (0-${CLIENT_PORT}) and up or down`);
      const port = parseInteger(portWord, "port", 0, CLIENT_PORT);
      const up = state?.toLowerCase();
      if (up !== "up" && up !== "down") throw new BoardError(`"board link ${portWord}" needs up or down, not ${JSON.stringify(state ?? "")}`);
      return noMore({ kind: "link", port, up: up === "up" }, 2);
    }
    case "clients": {
      const [countWord, arrow, target] = rest;
      if (countWord === undefined) throw new BoardError(`"board clients" needs a number of clients (1-${MAX_CLIENTS}) and "-> trk1"`);
      const count = parseInteger(countWord, "number of clients", 1, MAX_CLIENTS);
      if (arrow === undefined) return { kind: "clients", count };
      if (arrow !== "->") throw new BoardError(`expected "->" after "board clients ${countWord}", not ${JSON.stringify(arrow)}`);
      checkServerTarget(target);
      return noMore({ kind: "clients", count }, 3);
    }
    case "wait": {
      const [secondsWord] = rest;
      if (secondsWord === undefined) throw new BoardError(`"board wait" needs a number of seconds (up to ${MAX_WAIT_SECONDS})`);
      const seconds = Number(secondsWord);
      if (!/^\d+(\.\d+)?$/.test(secondsWord) || !(seconds > 0) || seconds > MAX_WAIT_SECONDS)
        throw new BoardError(`"board wait" takes seconds above 0 and up to ${MAX_WAIT_SECONDS}, not ${JSON.stringify(secondsWord)}`);
      return noMore({ kind: "wait", seconds }, 1);
    }
    default:
      throw new BoardError(`unknown board command ${JSON.stringify(words[1])}; "board help" lists them`);
  }
}

/** The clients' destination: the server, named by the trunk toward it (trk1), `server`, or one of its ports. */
function checkServerTarget(target: string | undefined): void {
  const word = target?.toLowerCase();
  if (word === "trk1" || word === "server") return;
  if (word !== undefined && /^\d+$/.test(word) && SERVER_PORTS.includes(Number(word))) return;
  const where = `the board's server is on ports ${SERVER_PORTS.join(" and ")} (trk1)`;
  if (word === undefined) throw new BoardError(`"board clients <n> ->" needs a destination: trk1 (${where})`);
  throw new BoardError(`the clients can send only to the server: ${where}, so use "-> trk1", not ${JSON.stringify(target)}`);
}

function parseInteger(word: string, what: string, min: number, max: number): number {
  if (!/^\d{1,6}$/.test(word)) throw new BoardError(`${what} must be a number ${min}-${max}, not ${JSON.stringify(word)}`);
  const value = Number(word);
  if (value < min || value > max) throw new BoardError(`${what} must be ${min}-${max}, not ${value}`);
  return value;
}

export interface BoardResult {
  /** Lines to show (errors start with "% "). */
  lines: string[];
  failed: boolean;
  /** The user asked to leave. */
  quit: boolean;
  /** The firmware is booting again (power cut): its console prints a fresh prompt by itself. */
  rebooted: boolean;
}

/**
 * Runs one board command line on `board`. Time-taking commands (wait, power-cut) advance the virtual clock through
 * board.advance(); `waitForBoot` (power-cut) runs time until the firmware is up again when given.
 */
export async function runBoardCommand(
  board: SimBoard,
  line: string,
  options: { waitForBoot?: (board: SimBoard) => Promise<void> } = {},
): Promise<BoardResult> {
  const result: BoardResult = { lines: [], failed: false, quit: false, rebooted: false };
  let command: BoardCommand;
  try {
    command = parseBoardCommand(line);
  } catch (error) {
    return { ...result, failed: true, lines: [`% ${messageOf(error)}`] };
  }
  try {
    switch (command.kind) {
      case "help":
        result.lines.push(...BOARD_HELP);
        break;
      case "status":
        result.lines.push(...board.describe());
        break;
      case "link":
        board.setLink(command.port, command.up);
        result.lines.push(`board: port ${command.port} cable ${command.up ? "plugged in" : "pulled"}`);
        break;
      case "clients":
        board.startClients(command.count);
        result.lines.push(`board: ${command.count} client${command.count === 1 ? "" : "s"} sending to the server (ports ${SERVER_PORTS.join(",")}); the server answers each`);
        break;
      case "stop-clients":
        board.stopClients();
        result.lines.push("board: clients stopped");
        break;
      case "wait":
        await board.advance(command.seconds * 1000);
        result.lines.push(`board: virtual time is now ${(board.clock.now() / 1000).toFixed(3)} s`);
        break;
      case "power-cut":
        board.powerCut();
        result.lines.push("board: power cut; power restored, the firmware boots from flash");
        result.rebooted = true;
        if (options.waitForBoot) await options.waitForBoot(board);
        break;
      case "power-cut-armed":
        board.armPowerCut(command.writes);
        result.lines.push(`board: armed: ${command.writes} more flash write${command.writes === 1 ? "" : "s"} complete, then the power fails during the next (try "write memory")`);
        break;
      case "quit":
        result.quit = true;
        break;
    }
  } catch (error) {
    if (!(error instanceof BoardError)) throw error;
    return { ...result, failed: true, lines: [`% ${error.message}`] };
  }
  return result;
}

function messageOf(error: unknown): string {
  return error instanceof Error ? error.message : String(error);
}

// ---- keystrokes -------------------------------------------------------------------------------------------------

const CTRL_C = 0x03;
const BACKSPACE = 0x08;
const TAB = 0x09;
const CR = 0x0d;
const LF = 0x0a;
const CTRL_U = 0x15;
const CTRL_W = 0x17;
const ESC = 0x1b;
const CTRL_RIGHT_BRACKET = 0x1d;
const DELETE = 0x7f;
const BOARD_WORD = "board ";
/** A held board line is at most this long (like the console's own cap). */
const MAX_BOARD_LINE = 240;

export interface BoardKeystrokesOptions {
  /** Bytes for the firmware's console (UART0 RX). */
  toFirmware: (bytes: Uint8Array) => void;
  /** Text for the user's terminal ("\r\n" line ends). */
  toTerminal: (text: string) => void;
  /** Runs a board command line; resolves when it is done. */
  runBoardLine: (line: string) => Promise<BoardResult>;
  /** Ctrl-] (when `quitKey`) or `board quit`. */
  quit: () => void;
  /** Ctrl-] leaves (default true; a pty passes it to the firmware like any other key). */
  quitKey?: boolean;
}

/**
 * Splits a raw keystroke stream between the firmware and the board. The firmware's line is tracked as far as
 * simple keys go (printable characters, Backspace, Ctrl-U, Enter); a line that starts from empty with "b" is held
 * back while it still reads as a prefix of "board ", and handed to the firmware as soon as it does not.
 */
export class BoardKeystrokes {
  readonly #options: BoardKeystrokesOptions;
  /** What the firmware's line holds, when known (null: changed by keys not tracked here, until Enter). */
  #firmwareLine: string | null = "";
  /** A line held back from the firmware (undefined: none). */
  #held: string | undefined;
  /** The firmware's screen, to know its prompt. */
  readonly #screen = new ScreenLines();
  #lastPrompt = "";
  #running = false;
  readonly #queued: number[] = [];

  constructor(options: BoardKeystrokesOptions) {
    this.#options = options;
  }

  /** The firmware printed this: passed on to the terminal by the caller; watched here for its prompt. */
  firmwareOutput(bytes: Uint8Array): void {
    this.#screen.write(bytes);
    this.#screen.clear();
    const current = this.#screen.current;
    if (promptKind(current) !== undefined) this.#lastPrompt = current;
    // A log line redrew the firmware's (empty) line: show the held text again after it.
    if (this.#held !== undefined && promptKind(current) !== undefined) this.#options.toTerminal(this.#held);
  }

  /** Keystrokes from the user. */
  input(bytes: Uint8Array): void {
    // Bounded: each byte is handled once; bytes typed while a board command runs wait (at most 4 KB).
    for (const byte of bytes) {
      if (byte === CTRL_RIGHT_BRACKET && this.#options.quitKey !== false) {
        this.#options.quit();
        return;
      }
      if (this.#running) {
        if (this.#queued.length < 4096) this.#queued.push(byte);
        continue;
      }
      this.#key(byte);
    }
  }

  #key(byte: number): void {
    if (this.#held !== undefined) {
      this.#heldKey(byte);
      return;
    }
    if ((byte === 0x62 || byte === 0x42) && this.#firmwareLine === "" && promptKind(this.#screen.current) === "command") {
      // "b" on an empty line: maybe a board command. Echo it here; the firmware sees it later if it is not.
      this.#held = String.fromCharCode(byte);
      this.#options.toTerminal(this.#held);
      return;
    }
    this.#track(byte);
    this.#options.toFirmware(Uint8Array.of(byte));
  }

  /** Follows the firmware's line for the keys whose effect is certain. */
  #track(byte: number): void {
    const line = this.#firmwareLine;
    if (byte === CR || byte === LF || byte === CTRL_U || byte === CTRL_C) this.#firmwareLine = "";
    else if (line === null) return;
    else if (byte === BACKSPACE || byte === DELETE) this.#firmwareLine = line.slice(0, -1);
    else if (byte >= 0x20 && byte < 0x7f && byte !== 0x3f) this.#firmwareLine = line + String.fromCharCode(byte);
    else this.#firmwareLine = null; // escape sequences, Tab, "?" help, other controls: the line may have changed
  }

  #heldKey(byte: number): void {
    const held = this.#held!;
    if (byte === CR || byte === LF) {
      this.#held = undefined;
      if (held.toLowerCase().startsWith(BOARD_WORD) || held.toLowerCase() === "board") {
        this.#options.toTerminal("\r\n");
        void this.#run(held);
      } else {
        this.#release(held, byte);
      }
      return;
    }
    if (byte === BACKSPACE || byte === DELETE) {
      const shorter = held.slice(0, -1);
      this.#options.toTerminal("\b \b");
      this.#held = shorter.length > 0 ? shorter : undefined;
      return;
    }
    if (byte === CTRL_U || byte === CTRL_C) {
      this.#options.toTerminal("\b \b".repeat(held.length));
      this.#held = undefined;
      if (byte === CTRL_C) this.#release("", byte);
      return;
    }
    if (byte === CTRL_W) {
      const shorter = held.replace(/\S+\s*$/, "");
      this.#options.toTerminal("\b \b".repeat(held.length - shorter.length));
      this.#held = shorter.length > 0 ? shorter : undefined;
      return;
    }
    if (byte === TAB && BOARD_WORD.startsWith(held.toLowerCase())) {
      const completion = BOARD_WORD.slice(held.length);
      this.#held = held + completion;
      this.#options.toTerminal(completion);
      return;
    }
    if (byte >= 0x20 && byte < 0x7f && held.length < MAX_BOARD_LINE) {
      const longer = held + String.fromCharCode(byte);
      const lower = longer.toLowerCase();
      if (lower.startsWith(BOARD_WORD) || BOARD_WORD.startsWith(lower)) {
        this.#held = longer;
        this.#options.toTerminal(String.fromCharCode(byte));
        return;
      }
    }
    if (byte === ESC || byte < 0x20 || byte >= 0x7f || !held.toLowerCase().startsWith(BOARD_WORD)) {
      // Not a board command after all (or a key only the firmware's editor knows): the firmware gets it all.
      this.#held = undefined;
      this.#release(held, byte);
    }
    // A printable key past MAX_BOARD_LINE on a board line is dropped.
  }

  /** Hands a held line and the key after it to the firmware, taking back the local echo first. */
  #release(held: string, byte: number): void {
    if (held.length > 0) this.#options.toTerminal("\b \b".repeat(held.length));
    const bytes = Uint8Array.from([...Buffer.from(held, "latin1"), byte]);
    for (const each of bytes) this.#track(each);
    this.#options.toFirmware(bytes);
  }

  async #run(line: string): Promise<void> {
    this.#running = true;
    let result: BoardResult;
    try {
      result = await this.#options.runBoardLine(line);
    } catch (error) {
      result = { lines: [`% board: ${error instanceof Error ? error.message : String(error)}`], failed: true, quit: false, rebooted: false };
    }
    if (result.lines.length > 0) this.#options.toTerminal(result.lines.join("\r\n") + "\r\n");
    if (result.quit) {
      this.#options.quit();
      return;
    }
    // The firmware's line is still empty: show its prompt again (after a power cut it prints its own).
    if (!result.rebooted) {
      if (promptKind(this.#lastPrompt) !== undefined) this.#options.toTerminal(this.#lastPrompt);
      else this.#options.toFirmware(Uint8Array.of(CR));
    }
    this.#firmwareLine = "";
    this.#running = false;
    const queued = this.#queued.splice(0);
    if (queued.length > 0) this.input(Uint8Array.from(queued));
  }
}
