// A small driver for the xsnap worker (the XS engine packaged by @agoric/xsnap), speaking its protocol directly so the
// Node process needs no SES lockdown (the package's own API requires @endo/init).
//
// Protocol (read from @agoric/xsnap src/xsnap.js and xsnap-native/xsnap/sources/xsnap-worker.c):
//   Messages are netstrings, `<decimal length>:<payload>,`. Parent -> worker on fd 3, worker -> parent on fd 4.
//   parent -> worker   `e<script>`   evaluate a script (global eval); the completion value, if an ArrayBuffer (or an
//                                     object whose `result` is one), is the reply
//                      `?<bytes>`    call globalThis.handleCommand(ArrayBuffer); its ArrayBuffer result is the reply
//                      `/<bytes>`    the answer to a worker's issueCommand (below)
//                      `w<path>`     write a snapshot of the machine to a file; the reply is its size in decimal
//                      `q`           quit
//   worker -> parent   `.<meter JSON>\x01<reply>`  done; meter = {currentHeapCount, compute, allocate, timestamps}
//                      `!<message>`  the script or handleCommand threw (the worker keeps running)
//                      `?<bytes>`    XS called issueCommand(ArrayBuffer) and is blocked until the parent answers `/`
//   Command line: `xsnap-worker <name> [-l <compute limit per delivery>] [-s <parser buffer kB>]`. With -l the worker
//   exits with code 17 when one delivery runs more than that many metering steps (our guard against endless loops).
//   Exit codes: 11 not enough memory, 12 stack overflow, 15 unhandled exception, 16 no more keys, 17 too much computation.
//   `print(...)` in XS writes a line to the worker's stdout.
//
// Meters (xsnap-worker.c fxWriteOkay):
//   currentHeapCount  XS `the->currentHeapCount`: heap slots counted since the last collection: the live slots after a
//                     collection, plus one for every slot allocated since (xsMemory.c fxNewSlot). Read it right after
//                     `gc()` for live slots; its growth between two readings without a collection is slots allocated.
//   compute           metering steps of this delivery (roughly bytecodes, plus work inside some built-ins).
//   allocate          `the->allocatedSpace`: bytes XS obtained from the OS for its slot heaps and chunk blocks
//                     (xsnapPlatform.c adjustSpaceMeter). The worker starts with a 32 MB chunk block and 256 Ki slots,
//                     so this does not move for small allocations: it is no measure of per-operation allocation.
//   Live chunk bytes (`the->currentChunksSize`) are not in the meters; `snapshotMemory()` gets them from a snapshot,
//   whose BLOC atom holds exactly the live chunks and whose HEAP atom the live slots (xsSnapshot.c fxWriteSnapshot,
//   which collects garbage first).

import { spawn, type ChildProcess } from "node:child_process";
import { createRequire } from "node:module";
import { dirname, join } from "node:path";
import { mkdtempSync, readFileSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import type { Readable, Writable } from "node:stream";

export interface XsMeter {
  /** Heap slots counted since the last garbage collection (see above). */
  currentHeapCount: number;
  /** Metering steps used by this delivery. */
  compute: number;
  /** Bytes XS has obtained from the OS so far. */
  allocate: number;
}

export interface XsReply {
  reply: Uint8Array;
  meter: XsMeter;
}

/** Live memory of the machine, from a snapshot (taken after a full garbage collection). */
export interface XsMemory {
  /** Live heap slots (HEAP atom / sizeof(txSlot)). */
  slots: number;
  /** Live chunk bytes (BLOC atom): strings, array and buffer storage, closures' variables, byte code. */
  chunkBytes: number;
  /** sizeof(txSlot) in this build (32 on 64-bit hosts, 16 on the ESP32). */
  slotSize: number;
  /** Stack slots in use at the moment of the snapshot. */
  stackSlots: number;
}

export interface XsnapOptions {
  /** Shown in errors. */
  name?: string;
  /** Answers a synchronous issueCommand() from XS. Whatever it throws is answered as an empty reply and reported. */
  onIssueCommand?: (request: Uint8Array) => Uint8Array;
  /** Lines XS prints (print(), trace shims). Default: dropped. */
  onPrint?: (line: string) => void;
  /** Metering steps allowed per delivery before the worker exits (guards against endless loops). Default 1e8 (about a second of XS work). */
  computeLimit?: number;
  /** Wall-clock bound of one delivery (evaluate, command, snapshot), ms. The worker is killed past it. Default 20 s. */
  timeoutMs?: number;
  /** Path of the xsnap-worker binary. Default: the one @agoric/xsnap built at install. */
  binary?: string;
}

/** The worker or the script failed. `kind` says which. */
export class XsnapError extends Error {
  readonly kind: "exception" | "exit" | "timeout" | "protocol" | "closed";
  constructor(kind: XsnapError["kind"], message: string) {
    super(message);
    this.kind = kind;
    this.name = "XsnapError";
  }
}

const EXIT_MEANINGS: Record<number, string> = {
  1: "bad command line",
  2: "I/O error",
  11: "XS ran out of memory",
  12: "XS stack overflow",
  15: "unhandled exception",
  16: "XS ran out of property keys",
  17: "too much computation (the compute limit per delivery was reached)",
};

const OK = 0x2e; // "."
const ERROR = 0x21; // "!"
const QUERY = 0x3f; // "?"
const METER_SEPARATOR = 0x01;
const COLON = 0x3a;
const COMMA = 0x2c;

/** Every live worker, killed if Node exits without closing them. */
const liveWorkers = new Set<ChildProcess>();
let exitHookInstalled = false;
function installExitHook(): void {
  if (exitHookInstalled) return;
  exitHookInstalled = true;
  process.on("exit", () => {
    for (const child of liveWorkers) child.kill("SIGKILL");
  });
}

export function defaultXsnapBinary(): string {
  const require = createRequire(import.meta.url);
  const root = dirname(require.resolve("@agoric/xsnap/package.json"));
  const platform = process.platform === "linux" ? "lin" : process.platform === "darwin" ? "mac" : undefined;
  if (platform === undefined) throw new Error(`xsnap has no build for ${process.platform}`);
  return join(root, "xsnap-native", "xsnap", "build", "bin", platform, "release", "xsnap-worker");
}

interface Pending {
  resolve(message: Uint8Array): void;
  reject(error: Error): void;
}

export class Xsnap {
  readonly name: string;
  readonly #child: ChildProcess;
  readonly #toWorker: Writable;
  readonly #timeoutMs: number;
  readonly #onIssueCommand: (request: Uint8Array) => Uint8Array;
  readonly #onPrint: (line: string) => void;
  /** Bytes received from fd 4 not yet parsed into netstrings. */
  #inbox: Buffer = Buffer.alloc(0);
  #pending: Pending | undefined;
  /** Serializes deliveries: the worker handles one at a time. */
  #queue: Promise<unknown> = Promise.resolve();
  #exited: XsnapError | undefined;
  #stderr = "";
  #stdoutRest = "";
  #issueCommandError: Error | undefined;
  readonly #exitPromise: Promise<void>;
  #issueCommands = 0;

  private constructor(options: XsnapOptions) {
    this.name = options.name ?? "xsnap";
    this.#timeoutMs = options.timeoutMs ?? 20_000;
    this.#onIssueCommand = options.onIssueCommand ?? ((request) => request);
    this.#onPrint = options.onPrint ?? (() => {});
    const args = [this.name.replace(/^-+/, ""), "-l", String(Math.min(options.computeLimit ?? 1e8, 2 ** 31 - 1))];
    this.#child = spawn(options.binary ?? defaultXsnapBinary(), args, {
      stdio: ["ignore", "pipe", "pipe", "pipe", "pipe", "ignore", "ignore", "ignore", "ignore"],
    });
    liveWorkers.add(this.#child);
    installExitHook();
    const stdio = this.#child.stdio;
    this.#toWorker = stdio[3] as Writable;
    const fromWorker = stdio[4] as Readable;
    fromWorker.on("data", (chunk: Buffer) => this.#receive(chunk));
    this.#toWorker.on("error", () => {}); // EPIPE after the worker died: reported through "exit".
    const stdout = stdio[1] as Readable;
    stdout.setEncoding("utf8");
    stdout.on("data", (text: string) => this.#printed(text));
    const stderr = stdio[2] as Readable;
    stderr.setEncoding("utf8");
    stderr.on("data", (text: string) => {
      this.#stderr = (this.#stderr + text).slice(-4000);
    });
    this.#exitPromise = new Promise((resolve) => {
      this.#child.once("exit", (code, signal) => {
        liveWorkers.delete(this.#child);
        const why =
          signal !== null ? `killed by ${signal}` : `exited with code ${code} (${EXIT_MEANINGS[code ?? -1] ?? "unknown"})`;
        const detail = this.#stderr.trim();
        this.#exited ??= new XsnapError("exit", `${this.name} ${why}${detail ? ": " + detail : ""}`);
        this.#fail(this.#exited);
        resolve();
      });
      this.#child.once("error", (error) => {
        liveWorkers.delete(this.#child);
        this.#exited ??= new XsnapError("exit", `${this.name} could not start: ${error.message}`);
        this.#fail(this.#exited);
        resolve();
      });
    });
  }

  /** Starts a worker with a fresh XS machine. */
  static spawn(options: XsnapOptions = {}): Xsnap {
    return new Xsnap(options);
  }

  /** How many issueCommand calls XS has made so far. */
  get issueCommandCount(): number {
    return this.#issueCommands;
  }

  /** Evaluates a script in the global scope; resolves with the meters of that delivery. */
  async evaluate(script: string): Promise<XsReply> {
    return this.#deliver(Buffer.concat([Buffer.from("e"), Buffer.from(script, "utf8")]));
  }

  /** Calls globalThis.handleCommand(bytes) in XS; its ArrayBuffer result is the reply. */
  async command(bytes: Uint8Array): Promise<XsReply> {
    return this.#deliver(Buffer.concat([Buffer.from("?"), bytes]));
  }

  /** Live slots and chunk bytes, read from a snapshot written to a temporary file (forces a full collection). */
  async snapshotMemory(): Promise<XsMemory & { meter: XsMeter }> {
    const directory = mkdtempSync(join(tmpdir(), "onemac-xsnap-"));
    const path = join(directory, "machine.xss");
    try {
      const { meter } = await this.#deliver(Buffer.from("w" + path, "utf8"));
      return { ...parseSnapshotMemory(readFileSync(path)), meter };
    } finally {
      rmSync(directory, { recursive: true, force: true });
    }
  }

  /** Kills the worker (always) and waits, bounded, for it to be gone. Safe to call twice. */
  async close(): Promise<void> {
    this.#exited ??= new XsnapError("closed", `${this.name} was closed`);
    if (this.#child.exitCode === null && this.#child.signalCode === null) this.#child.kill("SIGKILL");
    let timer: NodeJS.Timeout | undefined;
    await Promise.race([this.#exitPromise, new Promise<void>((resolve) => (timer = setTimeout(resolve, 2000)))]);
    clearTimeout(timer);
    this.#fail(this.#exited);
  }

  async #deliver(message: Buffer): Promise<XsReply> {
    const run = this.#queue.then(() => this.#exchange(message));
    this.#queue = run.catch(() => {});
    const raw = await run;
    return decodeOk(raw);
  }

  #exchange(message: Buffer): Promise<Uint8Array> {
    if (this.#exited) return Promise.reject(this.#exited);
    return new Promise<Uint8Array>((resolve, reject) => {
      const timer = setTimeout(() => {
        const error = new XsnapError("timeout", `${this.name} did not answer within ${this.#timeoutMs} ms; killed`);
        this.#exited ??= error;
        this.#child.kill("SIGKILL");
        this.#fail(error);
      }, this.#timeoutMs);
      this.#pending = {
        resolve: (reply) => {
          clearTimeout(timer);
          resolve(reply);
        },
        reject: (error) => {
          clearTimeout(timer);
          reject(error);
        },
      };
      this.#write(message);
    });
  }

  #write(payload: Uint8Array): void {
    this.#toWorker.write(Buffer.concat([Buffer.from(`${payload.length}:`), payload, Buffer.from(",")]));
  }

  #fail(error: Error): void {
    const pending = this.#pending;
    this.#pending = undefined;
    pending?.reject(error);
  }

  #printed(text: string): void {
    const lines = (this.#stdoutRest + text).split("\n");
    this.#stdoutRest = lines.pop() ?? "";
    for (const line of lines) this.#onPrint(line);
  }

  #receive(chunk: Buffer): void {
    this.#inbox = this.#inbox.length === 0 ? chunk : Buffer.concat([this.#inbox, chunk]);
    for (;;) {
      const colon = this.#inbox.indexOf(COLON);
      if (colon < 0) {
        if (this.#inbox.length > 12) this.#protocolError("netstring length prefix too long");
        return;
      }
      const lengthText = this.#inbox.toString("latin1", 0, colon);
      if (!/^\d{1,9}$/.test(lengthText)) return this.#protocolError(`bad netstring length ${JSON.stringify(lengthText)}`);
      const length = Number(lengthText);
      const end = colon + 1 + length;
      if (this.#inbox.length < end + 1) return;
      if (this.#inbox[end] !== COMMA) return this.#protocolError("netstring without its trailing comma");
      const message = this.#inbox.subarray(colon + 1, end);
      this.#inbox = this.#inbox.subarray(end + 1);
      this.#dispatch(message);
    }
  }

  #dispatch(message: Uint8Array): void {
    if (message.length > 0 && message[0] === QUERY) {
      this.#issueCommands++;
      let answer: Uint8Array;
      try {
        answer = this.#onIssueCommand(message.subarray(1));
      } catch (error) {
        // XS is blocked waiting: answer anyway, and fail the delivery once it completes.
        this.#issueCommandError ??= error instanceof Error ? error : new Error(String(error));
        answer = new Uint8Array(0);
      }
      this.#write(Buffer.concat([Buffer.from("/"), answer]));
      return;
    }
    const pending = this.#pending;
    this.#pending = undefined;
    if (!pending) return this.#protocolError("a reply arrived with no delivery waiting");
    const hostError = this.#issueCommandError;
    this.#issueCommandError = undefined;
    if (hostError) return pending.reject(hostError);
    if (message.length > 0 && message[0] === ERROR) {
      return pending.reject(new XsnapError("exception", Buffer.from(message.subarray(1)).toString("utf8")));
    }
    if (message.length > 0 && message[0] === OK) return pending.resolve(message);
    this.#protocolError(`unexpected message ${JSON.stringify(Buffer.from(message.subarray(0, 40)).toString("latin1"))}`);
    pending.reject(this.#exited ?? new XsnapError("protocol", "protocol error"));
  }

  #protocolError(what: string): void {
    this.#exited ??= new XsnapError("protocol", `${this.name}: ${what}; killed`);
    this.#child.kill("SIGKILL");
    this.#fail(this.#exited);
  }
}

function decodeOk(message: Uint8Array): XsReply {
  const separator = message.indexOf(METER_SEPARATOR, 1);
  const meter: XsMeter = { currentHeapCount: 0, compute: 0, allocate: 0 };
  if (separator < 0) return { reply: message.subarray(1), meter };
  const parsed = JSON.parse(Buffer.from(message.subarray(1, separator)).toString("utf8")) as Partial<XsMeter>;
  meter.currentHeapCount = parsed.currentHeapCount ?? 0;
  meter.compute = parsed.compute ?? 0;
  meter.allocate = parsed.allocate ?? 0;
  return { reply: message.subarray(separator + 1), meter };
}

/**
 * Reads the atom sizes of an XS snapshot (xsSnapshot.c fxWriteSnapshot): a 4-byte big-endian size and a 4-letter
 * tag per atom, sizes including their 8-byte header, inside an outer "XS_M" atom. VERS's 4th byte is sizeof(txSlot).
 */
export function parseSnapshotMemory(bytes: Uint8Array): XsMemory {
  const view = new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength);
  const tag = (at: number) => String.fromCharCode(bytes[at], bytes[at + 1], bytes[at + 2], bytes[at + 3]);
  if (bytes.length < 8 || tag(4) !== "XS_M") throw new XsnapError("protocol", "not an XS snapshot");
  const sizes = new Map<string, number>();
  let slotSize = 0;
  for (let at = 8; at + 8 <= bytes.length; ) {
    const size = view.getUint32(at);
    const name = tag(at + 4);
    if (size < 8) throw new XsnapError("protocol", `bad snapshot atom ${name}`);
    sizes.set(name, size - 8);
    if (name === "VERS") slotSize = Math.abs(view.getInt8(at + 8 + 3));
    at += size;
  }
  const heap = sizes.get("HEAP");
  const chunks = sizes.get("BLOC");
  const stack = sizes.get("STAC");
  if (heap === undefined || chunks === undefined || stack === undefined || slotSize === 0) {
    throw new XsnapError("protocol", "snapshot lacks VERS, BLOC, HEAP or STAC");
  }
  return { slots: heap / slotSize, chunkBytes: chunks, slotSize, stackSlots: stack / slotSize };
}
