// The parent's handle on one traffic agent (hosts/lab/traffic-agent.ts), started inside a namespace with
// `ip netns exec` (which execs node in place, so the child's pid is node's): start() resolves once the agent listens or
// is connected, `latest` holds its newest stream stats, stop() asks for an orderly close and returns the final stats.
// Also the kernel's TCP retransmission counter of a namespace, for the lab's per-pull measurements.
import type { ChildProcess } from "node:child_process";
import { runIp } from "../linux/team/iproute";
import { readFile } from "node:fs/promises";
import { createInterface } from "node:readline";
import { spawnLabScript } from "./spawn-script";
import type { StreamStats } from "./types";

const DEFAULT_READY_TIMEOUT_MS = 20_000;
const DEFAULT_STOP_TIMEOUT_MS = 15_000;
const KEPT_OUTPUT = 16_384;

interface CommonOptions {
  /** The namespace to run in; null runs the agent in this process's namespace. */
  netns: string | null;
  /** Bytes per second this end sends on each connection; 0 or absent: as fast as TCP drains. */
  rateBytesPerSecond?: number;
  /** Bound on waiting for the peer's end of a connection when stopping (the agent's --close-timeout-ms). */
  closeTimeoutMs?: number;
  /** Bound on start() (default 20 s). */
  readyTimeoutMs?: number;
}

export interface TrafficServerOptions extends CommonOptions {
  mode: "server";
  /** Address to listen on (the server's one IP). */
  listen: string;
  port: number;
}

export interface TrafficClientOptions extends CommonOptions {
  mode: "client";
  /** The client's name (c1 ...), sent to the server in the connection's header. */
  name: string;
  server: string;
  port: number;
  /** Seeds both directions' byte patterns of this client's connection. */
  seed: number;
}

export type TrafficAgentOptions = TrafficServerOptions | TrafficClientOptions;

/** A line the agent printed, parsed. */
export type AgentLine =
  | { type: "ready"; [field: string]: unknown }
  | { type: "stats"; atMs: number; streams: StreamStats[] }
  | { type: "final"; atMs: number; streams: StreamStats[] }
  | { type: "error"; message: string };

/** The agent's command line after `node --import tsx traffic-agent.ts`. */
export function agentArguments(options: TrafficAgentOptions): string[] {
  const common = [
    "--port",
    String(options.port),
    ...(options.rateBytesPerSecond ? ["--rate", String(options.rateBytesPerSecond)] : []),
    ...(options.closeTimeoutMs !== undefined ? ["--close-timeout-ms", String(options.closeTimeoutMs)] : []),
  ];
  if (options.mode === "server") return ["server", "--listen", options.listen, ...common];
  return ["client", "--name", options.name, "--server", options.server, "--seed", String(options.seed >>> 0), ...common];
}

export class TrafficAgent {
  readonly options: TrafficAgentOptions;
  /** The newest stream stats (the final ones once stopped): one per connection; a client has one. */
  latest: StreamStats[] = [];
  /** Wall-clock time of `latest` (the agent's atMs). */
  latestAtMs = 0;
  /** The final stats, once the agent printed them. */
  final: StreamStats[] | null = null;
  /** Error lines the agent printed. */
  readonly errors: string[] = [];
  /** What the agent wrote on stderr, and stdout lines that were not JSON (the last 16 KB). */
  output = "";
  readonly #child: ChildProcess;
  readonly #statsListeners: ((streams: StreamStats[], atMs: number) => void)[] = [];
  readonly #exited: Promise<void>;
  #exitReason: string | null = null;
  #ready = false;
  #onReady: (() => void) | null = null;
  #stopping: Promise<StreamStats[]> | null = null;

  private constructor(options: TrafficAgentOptions) {
    this.options = options;
    this.#child = spawnLabScript(options.netns, "traffic-agent.ts", agentArguments(options), ["pipe", "pipe", "pipe"]);
    this.#child.stdin!.on("error", () => {
      // The agent is gone; its exit tells why.
    });
    this.#child.stderr!.setEncoding("utf8").on("data", (text: string) => this.#keep(text));
    createInterface({ input: this.#child.stdout! }).on("line", (line) => this.#receive(line));
    this.#exited = new Promise((resolve) => {
      // "close": the process ended and its stdout was read to the end (the final line is in).
      this.#child.once("close", (code, signal) => {
        this.#exitReason ??= signal ? `killed by ${signal}` : `exited with code ${code}`;
        resolve();
      });
      this.#child.once("error", (error) => {
        this.#exitReason ??= `could not start: ${error.message}`;
        resolve();
      });
    });
  }

  /** A short name for messages: "server 10.77.0.1:5201" or "client c3". */
  get label(): string {
    return this.options.mode === "server" ? `traffic server ${this.options.listen}:${this.options.port}` : `traffic client ${this.options.name}`;
  }

  get pid(): number | undefined {
    return this.#child.pid;
  }

  /** Why the agent ended (null while it runs). */
  get exitReason(): string | null {
    return this.#exitReason;
  }

  /** Starts an agent; resolves once it listens (server) or is connected (client). Rejects with its output otherwise. */
  static async start(options: TrafficAgentOptions): Promise<TrafficAgent> {
    const agent = new TrafficAgent(options);
    const timeoutMs = options.readyTimeoutMs ?? DEFAULT_READY_TIMEOUT_MS;
    let timer: NodeJS.Timeout | undefined;
    const outcome = await Promise.race([
      new Promise<"ready">((resolve) => (agent.#onReady = () => resolve("ready"))),
      agent.#exited.then(() => "exited" as const),
      new Promise<"timeout">((resolve) => (timer = setTimeout(() => resolve("timeout"), timeoutMs))),
    ]);
    clearTimeout(timer);
    if (outcome === "ready") return agent;
    agent.kill();
    const why = outcome === "timeout" ? `was not ready within ${timeoutMs} ms` : agent.#exitReason;
    throw new Error(`${agent.label}${options.netns ? ` (netns ${options.netns})` : ""} ${why}${agent.#describeOutput()}`);
  }

  /** Calls `listener` with every stats line (and the final one). */
  onStats(listener: (streams: StreamStats[], atMs: number) => void): void {
    this.#statsListeners.push(listener);
  }

  /**
   * Asks for an orderly close (every connection: stop sending, end, wait for the peer's end) and resolves with the
   * final stats. Bounded: after `timeoutMs` the agent is killed and the promise rejects. Calling it again returns the
   * same promise.
   */
  stop(timeoutMs = DEFAULT_STOP_TIMEOUT_MS): Promise<StreamStats[]> {
    this.#stopping ??= this.#stop(timeoutMs);
    return this.#stopping;
  }

  async #stop(timeoutMs: number): Promise<StreamStats[]> {
    if (this.final) return this.final;
    if (this.#exitReason === null) this.#child.stdin!.end("stop\n");
    let timer: NodeJS.Timeout | undefined;
    const exited = await Promise.race([
      this.#exited.then(() => true),
      new Promise<false>((resolve) => (timer = setTimeout(() => resolve(false), timeoutMs))),
    ]);
    clearTimeout(timer);
    if (this.final) return this.final;
    this.kill();
    const why = exited ? `${this.#exitReason} without final stats` : `gave no final stats within ${timeoutMs} ms (killed)`;
    throw new Error(`${this.label} ${why}${this.#describeOutput()}`);
  }

  /** Ends the agent at once (SIGKILL); its connections are reset by the kernel. */
  kill(): void {
    if (this.#exitReason === null && this.#child.exitCode === null && this.#child.signalCode === null) this.#child.kill("SIGKILL");
  }

  /** Resolves when the agent process has ended. */
  exited(): Promise<void> {
    return this.#exited;
  }

  #keep(text: string): void {
    this.output = (this.output + text).slice(-KEPT_OUTPUT);
  }

  #describeOutput(): string {
    const parts = [...this.errors.map((message) => `error: ${message}`)];
    if (this.output.trim()) parts.push(this.output.trim().slice(-4000));
    return parts.length ? `:\n${parts.join("\n")}` : "";
  }

  #receive(line: string): void {
    let message: AgentLine;
    try {
      message = JSON.parse(line) as AgentLine;
    } catch {
      this.#keep(line + "\n");
      return;
    }
    switch (message.type) {
      case "ready":
        this.#ready = true;
        this.#onReady?.();
        break;
      case "stats":
      case "final":
        this.latest = message.streams;
        this.latestAtMs = message.atMs;
        if (message.type === "final") this.final = message.streams;
        for (const listener of this.#statsListeners) listener(message.streams, message.atMs);
        break;
      case "error":
        this.errors.push(message.message);
        break;
      default:
        this.#keep(line + "\n");
    }
  }

  /** True once the agent said it listens or is connected. */
  get ready(): boolean {
    return this.#ready;
  }
}

/** The RetransSegs counter of the "Tcp:" lines of a /proc/net/snmp text. */
export function parseRetransSegs(snmp: string): number {
  const lines = snmp.split("\n").filter((line) => line.startsWith("Tcp:"));
  if (lines.length < 2) throw new Error("no Tcp: lines in /proc/net/snmp");
  const names = lines[0].trim().split(/\s+/);
  const values = lines[1].trim().split(/\s+/);
  const at = names.indexOf("RetransSegs");
  if (at < 0 || values[at] === undefined) throw new Error("no RetransSegs in /proc/net/snmp");
  return Number(values[at]);
}

/** TCP segments the kernel of namespace `netns` (null: this one) retransmitted since it was made. */
export async function tcpRetransmissions(netns: string | null): Promise<number> {
  if (!netns) return parseRetransSegs(await readFile("/proc/net/snmp", "utf8"));
  return parseRetransSegs(await runIp(["netns", "exec", netns, "cat", "/proc/net/snmp"]));
}
