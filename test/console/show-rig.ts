// A console over a simulated board for the show-command tests: the real grammar matching the show/clear/test specs,
// the real firmware over the BCM53125 model (test/services/rig.ts), and an io that collects what a command prints.
import { Grammar } from "../../modules/console/grammar";
import { SHOW_COMMANDS } from "../../modules/console/commands/show";
import type { ConsoleContext, ConsoleIo } from "../../modules/console/types";
import { formatMac, parseMac } from "../../modules/mac";
import { makeBoard, type Board } from "../services/rig";
import type { FirmwareOptions } from "../../modules/firmware";

export const SERVER = "00:1b:21:5e:00:01";
export const SERVER_MAC = parseMac(SERVER);
/** Clients send from here (not a trunk member in these tests). */
export const CLIENT_PORT = 4;

export { MemoryStorage } from "../../hosts/xs/memory-storage";

export interface Output {
  text: string;
  /** Set when the command threw or the grammar refused the line: "% message". */
  error?: string;
  held: number;
  released: number;
}

export class ShowConsole {
  readonly grammar = new Grammar(SHOW_COMMANDS);
  readonly ctx: ConsoleContext;
  memory: (() => { slots?: number; chunkBytes?: number } | undefined) | undefined;

  constructor(readonly board: Board) {
    this.ctx = {
      firmware: board.firmware,
      clock: board.clock,
      memory: () => (this.memory ? this.memory() : undefined),
      reload: () => {},
      random: (bytes) => bytes.fill(7),
    };
  }

  /** Runs one line; an async command's output keeps arriving in the returned object. */
  run(line: string): Output {
    const out: Output = { text: "", held: 0, released: 0 };
    const match = this.grammar.match(line, "exec");
    if (match.kind === "error") {
      out.error = match.message;
      return out;
    }
    if (match.kind === "empty") return out;
    const io: ConsoleIo = {
      write: (text) => {
        out.text += text;
      },
      readSecret: () => {
        throw new Error("no secrets in show commands");
      },
      hold: () => {
        out.held++;
        return () => {
          out.released++;
        };
      },
    };
    try {
      match.spec.run(match.args, this.ctx, io, match.json);
    } catch (error) {
      out.error = `% ${error instanceof Error ? error.message : String(error)}`;
    }
    return out;
  }

  text(line: string): string {
    const out = this.run(line);
    if (out.error) throw new Error(`${line}: ${out.error}`);
    return out.text;
  }

  json(line: string): any {
    const text = this.text(`${line} | json`);
    const lines = text.split("\n").filter((l) => l !== "");
    if (lines.length !== 1) throw new Error(`${line} | json printed ${lines.length} lines`);
    return JSON.parse(lines[0]);
  }
}

export function showBoard(options: { up?: number[]; firmware?: Partial<FirmwareOptions> } = {}) {
  const board = makeBoard({ ...options, firmware: { links: { upDebounceMs: 20 }, ...options.firmware } });
  return { board, console: new ShowConsole(board) };
}

/** A trunk through the configuration (the path the console's `trunk` command takes). */
export function configureTrunk(board: Board, members: number[], options: { group?: number; indexBits?: number; servers?: string[] } = {}) {
  board.firmware.config.change((draft) => {
    draft.trunks.push({
      group: options.group ?? 0,
      members,
      mode: "hash",
      indexBits: options.indexBits ?? 3,
      servers: options.servers ?? [SERVER],
      vid: 0,
      holdDownMs: 200,
      interSwitchPort: null,
      interSwitchLearning: false,
    });
    draft.trunks.sort((a, b) => a.group - b.group);
  });
}

/** `count` frames from each client toward the server, entering on CLIENT_PORT; then an ARL scan runs. */
export function sendFromClients(board: Board, clients: readonly number[], count: number | ((client: number, index: number) => number), to = SERVER_MAC) {
  for (let i = 0; i < clients.length; i++) {
    const n = typeof count === "number" ? count : count(clients[i], i);
    for (let f = 0; f < n; f++) board.model.ingress(CLIENT_PORT, { da: to, sa: clients[i] });
  }
  board.clock.advance(board.firmware.moves.settings.scanIntervalMs + 1);
}

export { formatMac };
