// A lab traffic agent: one end of real TCP connections whose bytes are checked on arrival. Run inside a namespace as
//
//   ip netns exec <ns> node --import tsx hosts/lab/traffic-agent.ts server --listen 10.77.0.1 --port 5201 [--rate B/s]
//   ip netns exec <ns> node --import tsx hosts/lab/traffic-agent.ts client --name c3 --server 10.77.0.1 --port 5201 --seed 3 [--rate B/s]
//
// A client makes ONE connection and never reconnects. It first sends a header naming itself (name and seed), then its
// pattern stream; the server answers with the pattern stream of a seed derived from the client's. Both ends check every
// received byte against the pattern they expect, in both directions at once.
//
// Stdout carries JSON lines: {"type":"ready"} once listening or connected, {"type":"stats",...} every 100 ms,
// {"type":"final",...} after an orderly close (asked for with a line "stop" on stdin, the end of stdin, or SIGTERM), then exit 0.
// A fatal problem (bad arguments, cannot listen or connect) is a line {"type":"error","message":...} and exit 1.
// What happens to a connection afterwards (reset, corrupt bytes) is not fatal: it is in the stream's stats.
import { createServer, connect, type Server, type Socket } from "node:net";
import { createInterface } from "node:readline";
import { fileURLToPath } from "node:url";
import type { StreamStats } from "./types";

/** The pattern repeats in blocks of this size; the first 8 bytes of block k hold k, so a shifted stream never matches. */
export const PATTERN_BLOCK = 64 * 1024;
const BLOCK_INDEX_BYTES = 8;
const HEADER_MAGIC = Buffer.from("OML1", "latin1");
const STATS_INTERVAL_MS = 100;
/** A stretch without received data at least this long is listed in StreamStats.gaps. */
export const GAP_LIST_THRESHOLD_MS = 20;
const GAP_LIST_LIMIT = 256;
/** Rate-limited senders write every this many ms. */
const RATE_TICK_MS = 10;
/** Bound on waiting for the peer's end of the connection after this end's. */
const DEFAULT_CLOSE_TIMEOUT_MS = 5000;

/** One pattern block for `seed`, without the block index (bytes 0..7 are patched per block). xorshift32, seeded. */
export function patternBlock(seed: number): Buffer {
  const block = Buffer.alloc(PATTERN_BLOCK);
  let state = seed >>> 0 || 0x6f6d6163;
  for (let offset = 0; offset < PATTERN_BLOCK; offset += 4) {
    state ^= state << 13;
    state >>>= 0;
    state ^= state >>> 17;
    state ^= state << 5;
    state >>>= 0;
    block.writeUInt32LE(state, offset);
  }
  return block;
}

function blockIndexBytes(index: number): Buffer {
  const bytes = Buffer.alloc(BLOCK_INDEX_BYTES);
  bytes.writeUInt32BE(Math.floor(index / 0x100000000), 0);
  bytes.writeUInt32BE(index >>> 0, 4);
  return bytes;
}

/** Stream bytes [offset, offset + length) of the pattern whose block is `block`, in a new buffer. */
export function patternSlice(block: Buffer, offset: number, length: number): Buffer {
  const out = Buffer.allocUnsafe(length);
  let written = 0;
  while (written < length) {
    const position = offset + written;
    const index = Math.floor(position / PATTERN_BLOCK);
    const within = position - index * PATTERN_BLOCK;
    const count = Math.min(length - written, PATTERN_BLOCK - within);
    block.copy(out, written, within, within + count);
    if (within < BLOCK_INDEX_BYTES) blockIndexBytes(index).copy(out, written, within, Math.min(BLOCK_INDEX_BYTES, within + count));
    written += count;
  }
  return out;
}

/** The seed of the server's stream toward a client whose own stream uses `clientSeed`. */
export function serverSeed(clientSeed: number): number {
  return (clientSeed ^ 0xa5a5a5a5) >>> 0;
}

/** What a client sends first: magic, name length, name (UTF-8, at most 255 bytes), seed (uint32 big-endian). */
export function encodeHeader(name: string, seed: number): Buffer {
  const nameBytes = Buffer.from(name, "utf8");
  if (nameBytes.length === 0 || nameBytes.length > 255) throw new Error(`a client name is 1..255 bytes: "${name}"`);
  const seedBytes = Buffer.alloc(4);
  seedBytes.writeUInt32BE(seed >>> 0);
  return Buffer.concat([HEADER_MAGIC, Buffer.from([nameBytes.length]), nameBytes, seedBytes]);
}

/** The header at the start of `data`: null while incomplete; throws when it is not one. */
export function decodeHeader(data: Buffer): { name: string; seed: number; length: number } | null {
  const magic = Math.min(data.length, HEADER_MAGIC.length);
  if (!data.subarray(0, magic).equals(HEADER_MAGIC.subarray(0, magic))) throw new Error("the connection did not start with a traffic agent header");
  if (data.length < HEADER_MAGIC.length + 1) return null;
  const nameLength = data[HEADER_MAGIC.length];
  const length = HEADER_MAGIC.length + 1 + nameLength + 4;
  if (data.length < length) return null;
  const name = data.toString("utf8", HEADER_MAGIC.length + 1, HEADER_MAGIC.length + 1 + nameLength);
  return { name, seed: data.readUInt32BE(length - 4), length };
}

/** Checks received bytes against the expected pattern and keeps the gap statistics. */
export class StreamVerifier {
  received = 0;
  firstCorruptOffset = -1;
  longestGapMs = 0;
  longestGapEndedAtMs = 0;
  readonly gaps: { endedAtMs: number; ms: number }[] = [];
  readonly #block: Buffer;
  #lastDataAtMs: number;

  constructor(seed: number, startedAtMs: number) {
    this.#block = patternBlock(seed);
    this.#lastDataAtMs = startedAtMs;
  }

  accept(data: Buffer, atMs: number): void {
    if (data.length === 0) return;
    const gap = atMs - this.#lastDataAtMs;
    this.#lastDataAtMs = atMs;
    if (gap > this.longestGapMs) {
      this.longestGapMs = gap;
      this.longestGapEndedAtMs = atMs;
    }
    if (gap >= GAP_LIST_THRESHOLD_MS) {
      this.gaps.push({ endedAtMs: atMs, ms: gap });
      if (this.gaps.length > GAP_LIST_LIMIT) this.gaps.shift();
    }
    if (this.firstCorruptOffset < 0) {
      const expected = patternSlice(this.#block, this.received, data.length);
      if (!expected.equals(data)) {
        let at = 0;
        while (at < data.length && data[at] === expected[at]) at++;
        this.firstCorruptOffset = this.received + at;
      }
    }
    this.received += data.length;
  }
}

/** Writes a pattern stream onto a socket: as fast as it drains (rate 0) or at `rate` bytes per second. */
class PatternSender {
  sent = 0;
  readonly #socket: Socket;
  readonly #block: Buffer;
  readonly #rate: number;
  #timer: NodeJS.Timeout | null = null;
  #credit = 0;
  #lastTickMs = 0;
  #waitingForDrain = false;
  #stopped = false;

  constructor(socket: Socket, seed: number, rateBytesPerSecond: number) {
    this.#socket = socket;
    this.#block = patternBlock(seed);
    this.#rate = rateBytesPerSecond;
    socket.on("drain", () => {
      this.#waitingForDrain = false;
      if (this.#rate === 0) this.#fill();
    });
  }

  start(): void {
    if (this.#rate === 0) {
      this.#fill();
      return;
    }
    this.#lastTickMs = performance.now();
    this.#timer = setInterval(() => this.#tick(), RATE_TICK_MS);
  }

  stop(): void {
    this.#stopped = true;
    if (this.#timer) clearInterval(this.#timer);
    this.#timer = null;
  }

  #write(length: number): boolean {
    const chunk = patternSlice(this.#block, this.sent, length);
    this.sent += length;
    return this.#socket.write(chunk);
  }

  /** Unlimited: write whole blocks until the socket's buffer is full, then wait for "drain". */
  #fill(): void {
    while (!this.#stopped && !this.#waitingForDrain && this.#socket.writable) {
      const length = PATTERN_BLOCK - (this.sent % PATTERN_BLOCK);
      if (!this.#write(length)) this.#waitingForDrain = true;
    }
  }

  /** Rate-limited: the credit grows with time (at most 100 ms worth, so a stall is not followed by a burst). */
  #tick(): void {
    const now = performance.now();
    this.#credit = Math.min(this.#credit + ((now - this.#lastTickMs) / 1000) * this.#rate, Math.max(this.#rate / 10, 1460));
    this.#lastTickMs = now;
    if (this.#stopped || this.#waitingForDrain || !this.#socket.writable) return;
    const length = Math.floor(this.#credit);
    if (length <= 0) return;
    this.#credit -= length;
    if (!this.#write(length)) this.#waitingForDrain = true;
  }
}

/** One connection as this end sees it: its sender, its verifier and its state. */
class Connection {
  readonly socket: Socket;
  client: string;
  state: StreamStats["state"] = "connecting";
  error: string | null = null;
  connections = 1;
  sender: PatternSender | null = null;
  verifier: StreamVerifier | null = null;
  peerEnded = false;
  ended = false;
  readonly #closed: Promise<void>;

  constructor(socket: Socket, client: string) {
    this.socket = socket;
    this.client = client;
    this.#closed = new Promise((resolve) => socket.once("close", () => resolve()));
    socket.on("error", (error: NodeJS.ErrnoException) => this.fail(error));
  }

  fail(error: NodeJS.ErrnoException | Error): void {
    this.sender?.stop();
    if (this.state === "closed" || this.state === "reset" || this.state === "error") return;
    const code = (error as NodeJS.ErrnoException).code;
    this.state = code === "ECONNRESET" || code === "EPIPE" ? "reset" : "error";
    this.error = code ? `${code}: ${error.message}` : error.message;
  }

  /** This end is done sending: stop the pattern, end our direction (queued bytes are still delivered). */
  endOurSide(): void {
    this.sender?.stop();
    if (this.ended) return;
    this.ended = true;
    if (!this.socket.destroyed) this.socket.end();
  }

  /** Both directions ended in order: "closed". */
  settle(): void {
    if (this.state === "open" && this.ended && this.peerEnded) this.state = "closed";
  }

  /** Ends this end and waits (bounded) until the peer ended too and the socket closed. */
  async close(timeoutMs: number): Promise<void> {
    this.endOurSide();
    if (this.socket.destroyed) return;
    let timer: NodeJS.Timeout | undefined;
    const timedOut = new Promise<boolean>((resolve) => (timer = setTimeout(() => resolve(true), timeoutMs)));
    const late = await Promise.race([this.#closed.then(() => false), timedOut]);
    clearTimeout(timer);
    if (late) {
      if (this.state === "open" || this.state === "connecting") {
        this.state = "error";
        this.error = `the peer did not close its side within ${timeoutMs} ms`;
      }
      this.socket.destroy();
    }
  }

  stats(): StreamStats {
    const verifier = this.verifier;
    return {
      client: this.client,
      sent: this.sender?.sent ?? 0,
      received: verifier?.received ?? 0,
      longestGapMs: Math.round(verifier?.longestGapMs ?? 0),
      longestGapEndedAtMs: Math.round(verifier?.longestGapEndedAtMs ?? 0),
      firstCorruptOffset: verifier?.firstCorruptOffset ?? -1,
      state: this.state,
      error: this.error,
      connections: this.connections,
      gaps: (verifier?.gaps ?? []).map((gap) => ({ endedAtMs: Math.round(gap.endedAtMs), ms: Math.round(gap.ms) })),
    };
  }
}

/** Wall-clock milliseconds with sub-millisecond steps (gaps are differences, so they want a monotonic clock). */
const origin = Date.now() - performance.now();
function nowMs(): number {
  return origin + performance.now();
}

export type AgentArguments =
  | { mode: "server"; listen: string; port: number; rate: number; closeTimeoutMs: number }
  | { mode: "client"; name: string; server: string; port: number; seed: number; rate: number; closeTimeoutMs: number };

export function parseAgentArguments(argv: readonly string[]): AgentArguments {
  const [mode, ...rest] = argv;
  if (mode !== "server" && mode !== "client") throw new Error(`the first argument is "server" or "client", not "${mode ?? ""}"`);
  const values = new Map<string, string>();
  for (let i = 0; i < rest.length; i += 2) {
    const flag = rest[i];
    const value = rest[i + 1];
    if (!flag.startsWith("--") || value === undefined) throw new Error(`expected "--option value", got "${flag}"`);
    values.set(flag.slice(2), value);
  }
  const known = mode === "server" ? ["listen", "port", "rate", "close-timeout-ms"] : ["name", "server", "port", "seed", "rate", "close-timeout-ms"];
  for (const key of values.keys()) if (!known.includes(key)) throw new Error(`unknown option --${key} for ${mode}`);
  const required = (key: string): string => {
    const value = values.get(key);
    if (value === undefined) throw new Error(`${mode} needs --${key}`);
    return value;
  };
  const integer = (key: string, fallback: number | null, max: number): number => {
    const text = values.get(key);
    if (text === undefined) {
      if (fallback === null) throw new Error(`${mode} needs --${key}`);
      return fallback;
    }
    const value = Number(text);
    if (!Number.isInteger(value) || value < 0 || value > max) throw new Error(`--${key} takes an integer 0..${max}, not "${text}"`);
    return value;
  };
  const common = {
    port: integer("port", null, 65535),
    rate: integer("rate", 0, 10_000_000_000),
    closeTimeoutMs: integer("close-timeout-ms", DEFAULT_CLOSE_TIMEOUT_MS, 600_000),
  };
  if (mode === "server") return { mode, listen: required("listen"), ...common };
  const name = required("name");
  encodeHeader(name, 0);
  return { mode, name, server: required("server"), seed: integer("seed", null, 0xffffffff), ...common };
}

type Emit = (line: Record<string, unknown>) => void;

function startServer(args: Extract<AgentArguments, { mode: "server" }>, emit: Emit): { stop(): Promise<StreamStats[]>; streams(): StreamStats[] } {
  const connections: Connection[] = [];
  const perClient = new Map<string, number>();
  let stopping = false;
  const server: Server = createServer({ allowHalfOpen: true, noDelay: true }, (socket) => {
    if (stopping) {
      socket.destroy();
      return;
    }
    const connection = new Connection(socket, "?");
    connections.push(connection);
    let header = Buffer.alloc(0);
    const onData = (data: Buffer): void => {
      if (connection.verifier) {
        connection.verifier.accept(data, nowMs());
        return;
      }
      header = Buffer.concat([header, data]);
      let decoded: ReturnType<typeof decodeHeader>;
      try {
        decoded = decodeHeader(header);
      } catch (error) {
        connection.fail(error as Error);
        socket.destroy();
        return;
      }
      if (!decoded) return;
      const count = (perClient.get(decoded.name) ?? 0) + 1;
      perClient.set(decoded.name, count);
      for (const other of connections) if (other.client === decoded.name) other.connections = count;
      connection.client = decoded.name;
      connection.connections = count;
      connection.state = "open";
      connection.verifier = new StreamVerifier(decoded.seed, nowMs());
      connection.sender = new PatternSender(socket, serverSeed(decoded.seed), args.rate);
      connection.sender.start();
      const rest = header.subarray(decoded.length);
      if (rest.length) connection.verifier.accept(rest, nowMs());
    };
    socket.on("data", onData);
    socket.on("end", () => {
      // The client stopped: it sent everything it will send. End our direction too; "closed" once both are done.
      connection.peerEnded = true;
      connection.endOurSide();
      connection.settle();
    });
    socket.on("close", () => connection.settle());
  });
  server.once("error", (error) => {
    emit({ type: "error", message: `cannot listen on ${args.listen}:${args.port}: ${error.message}` });
    process.exit(1);
  });
  server.listen({ host: args.listen, port: args.port }, () => emit({ type: "ready", listen: args.listen, port: args.port }));
  return {
    streams: () => connections.map((connection) => connection.stats()),
    async stop() {
      stopping = true;
      server.close();
      await Promise.all(connections.map((connection) => connection.close(args.closeTimeoutMs)));
      return connections.map((connection) => connection.stats());
    },
  };
}

function startClient(args: Extract<AgentArguments, { mode: "client" }>, emit: Emit): { stop(): Promise<StreamStats[]>; streams(): StreamStats[] } {
  const socket = connect({ host: args.server, port: args.port, allowHalfOpen: true, noDelay: true });
  const connection = new Connection(socket, args.name);
  let stopping = false;
  socket.once("connect", () => {
    connection.state = "open";
    socket.write(encodeHeader(args.name, args.seed));
    connection.verifier = new StreamVerifier(serverSeed(args.seed), nowMs());
    connection.sender = new PatternSender(socket, args.seed, args.rate);
    connection.sender.start();
    emit({ type: "ready", server: args.server, port: args.port, local: `${socket.localAddress}:${socket.localPort}` });
  });
  socket.on("error", (error) => {
    if (connection.verifier) return; // After connecting: the Connection records it, the agent keeps reporting.
    emit({ type: "error", message: `${args.name} cannot connect to ${args.server}:${args.port}: ${error.message}` });
    process.exit(1);
  });
  socket.on("data", (data: Buffer) => connection.verifier?.accept(data, nowMs()));
  socket.on("end", () => {
    connection.peerEnded = true;
    if (stopping) {
      connection.settle();
      return;
    }
    // The server ended the connection before this client was told to stop: not what the lab expects.
    connection.sender?.stop();
    if (connection.state === "open") {
      connection.state = "error";
      connection.error = "the server closed the connection before this client stopped";
    }
    connection.endOurSide();
  });
  socket.on("close", () => connection.settle());
  return {
    streams: () => [connection.stats()],
    async stop() {
      stopping = true;
      await connection.close(args.closeTimeoutMs);
      connection.settle();
      return [connection.stats()];
    },
  };
}

/** Runs an agent in this process until stopped ("stop" on stdin, its end, SIGTERM or SIGINT); then exits. */
export function runAgent(argv: readonly string[]): void {
  const emit: Emit = (line) => process.stdout.write(JSON.stringify(line) + "\n");
  let args: AgentArguments;
  try {
    args = parseAgentArguments(argv);
  } catch (error) {
    emit({ type: "error", message: (error as Error).message });
    process.exitCode = 1;
    return;
  }
  const agent = args.mode === "server" ? startServer(args, emit) : startClient(args, emit);
  const statsTimer = setInterval(() => emit({ type: "stats", atMs: Date.now(), streams: agent.streams() }), STATS_INTERVAL_MS);
  let stopping: Promise<void> | null = null;
  const stop = (): Promise<void> =>
    (stopping ??= agent.stop().then(
      (streams) => {
        clearInterval(statsTimer);
        emit({ type: "final", atMs: Date.now(), streams });
        process.exit(0);
      },
      (error: Error) => {
        emit({ type: "error", message: `stopping: ${error.message}` });
        process.exit(1);
      },
    ));
  process.on("SIGTERM", () => void stop());
  process.on("SIGINT", () => void stop());
  const input = createInterface({ input: process.stdin });
  input.on("line", (line) => {
    if (line.trim() === "stop") void stop();
  });
  // The parent went away without asking: stop in order all the same.
  input.on("close", () => void stop());
}

if (process.argv[1] && fileURLToPath(import.meta.url) === process.argv[1]) runAgent(process.argv.slice(2));
