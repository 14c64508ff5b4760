// The parent's handle on one lab switch process (hosts/lab/switch-process.ts), started inside the switch namespace with
// `ip netns exec` (which execs node in place, so the child's pid is node's and Node's IPC channel fd passes through).
import type { ChildProcess } from "node:child_process";
import { spawnLabScript } from "./spawn-script";
import type { FromSwitch, SwitchProcessOptions, ToSwitch } from "./switch-messages";
import type { FlowChange, SwitchStats } from "./types";

const DEFAULT_BOOT_TIMEOUT_MS = 60_000;
const DEFAULT_CONSOLE_TIMEOUT_MS = 10_000;
/** A save writes one flash entry per tick and may erase a flash page: give it longer. */
const DEFAULT_SAVE_TIMEOUT_MS = 30_000;
const STOP_TIMEOUT_MS = 5_000;
const KEPT_LOG_LINES = 1000;

export interface LabSwitchOptions extends SwitchProcessOptions {
  /** The namespace holding the port interfaces. */
  netns: string;
  /** Bound on start() (firmware bundled, worker spawned, booted, prompt shown). */
  bootTimeoutMs?: number;
  onStats?: (stats: SwitchStats) => void;
  onLog?: (line: string) => void;
  onFlowChange?: (change: FlowChange) => void;
  /** The process ended (code or signal); after stop() too. */
  onExit?: (code: number | null, signal: NodeJS.Signals | null) => void;
  /** Lines the process wrote on stdout/stderr (default: kept in `output` only). */
  onOutput?: (text: string) => void;
}

interface PendingConsole {
  resolve(output: string): void;
  reject(error: Error): void;
  timer: NodeJS.Timeout;
}

/** `show trunks` style lines that save the configuration and need longer than other commands. */
function isSave(line: string): boolean {
  return /^\s*(wr|write|copy|erase|era)\b/i.test(line);
}

/** The answer without the echoed line before it and the prompt after it; line ends as "\n". */
export function consoleAnswer(output: string): string {
  const text = output.replace(/\r\n/g, "\n").replace(/\r/g, "");
  const start = text.indexOf("\n");
  const end = text.lastIndexOf("\n");
  return start < 0 || end <= start ? "" : text.slice(start + 1, end);
}

export class LabSwitch {
  readonly switchId: number;
  readonly #child: ChildProcess;
  readonly #options: LabSwitchOptions;
  readonly #pending = new Map<number, PendingConsole>();
  readonly #exited: Promise<void>;
  #nextId = 1;
  #exitReason: string | undefined;
  /** The latest stats the process sent. */
  lastStats: SwitchStats | undefined;
  /** The firmware's last log lines (bounded). */
  readonly log: string[] = [];
  /** What the process wrote on stdout/stderr (the last 64 KB). */
  output = "";
  /** The console's output at boot (banner and first prompt). */
  bootOutput = "";

  private constructor(options: LabSwitchOptions) {
    this.switchId = options.switchId;
    this.#options = options;
    const processOptions: SwitchProcessOptions = {
      switchId: options.switchId,
      ports: options.ports,
      tickMs: options.tickMs,
      carrierPollMs: options.carrierPollMs,
      statsMs: options.statsMs,
      maxFlows: options.maxFlows,
    };
    this.#child = spawnLabScript(options.netns, "switch-process.ts", [JSON.stringify(processOptions)], ["ignore", "pipe", "pipe", "ipc"]);
    const collect = (text: string) => {
      this.output = (this.output + text).slice(-65536);
      options.onOutput?.(text);
    };
    this.#child.stdout!.setEncoding("utf8").on("data", collect);
    this.#child.stderr!.setEncoding("utf8").on("data", collect);
    this.#child.on("message", (message: FromSwitch) => this.#receive(message));
    this.#exited = new Promise((resolve) => {
      this.#child.once("exit", (code, signal) => {
        this.#exitReason ??= signal ? `killed by ${signal}` : `exited with code ${code}`;
        this.#failPending(new Error(`switch ${this.switchId} ${this.#exitReason}${this.output ? ":\n" + this.output.slice(-2000) : ""}`));
        options.onExit?.(code, signal);
        resolve();
      });
      this.#child.once("error", (error) => {
        this.#exitReason ??= `could not start: ${error.message}`;
        this.#failPending(new Error(`switch ${this.switchId} ${this.#exitReason}`));
        resolve();
      });
    });
  }

  /** Starts the switch process; resolves once the firmware booted and its console shows a prompt. */
  static async start(options: LabSwitchOptions): Promise<LabSwitch> {
    const labSwitch = new LabSwitch(options);
    const timeoutMs = options.bootTimeoutMs ?? DEFAULT_BOOT_TIMEOUT_MS;
    try {
      await new Promise<void>((resolve, reject) => {
        const timer = setTimeout(() => reject(new Error(`switch ${options.switchId} did not boot within ${timeoutMs} ms:\n${labSwitch.output.slice(-2000)}`)), timeoutMs);
        labSwitch.#pending.set(0, {
          resolve: () => {
            clearTimeout(timer);
            resolve();
          },
          reject: (error) => {
            clearTimeout(timer);
            reject(error);
          },
          timer,
        });
      });
    } catch (error) {
      labSwitch.kill();
      await labSwitch.#exited;
      throw error;
    }
    return labSwitch;
  }

  get pid(): number | undefined {
    return this.#child.pid;
  }

  get running(): boolean {
    return this.#child.exitCode === null && this.#child.signalCode === null;
  }

  /**
   * Types `line` on the switch's console; resolves with its answer (the echo and the next prompt left out; see
   * consoleAnswer, or `raw` for everything). A save (`write memory`) resolves once it is done.
   */
  console(line: string, options: { timeoutMs?: number; raw?: boolean } = {}): Promise<string> {
    if (!this.running || !this.#child.connected) return Promise.reject(new Error(`switch ${this.switchId} is not running (${this.#exitReason ?? "disconnected"})`));
    const timeoutMs = options.timeoutMs ?? (isSave(line) ? DEFAULT_SAVE_TIMEOUT_MS : DEFAULT_CONSOLE_TIMEOUT_MS);
    const id = this.#nextId++;
    return new Promise<string>((resolve, reject) => {
      // The process bounds the wait itself; this bound only catches a process that stopped answering.
      const timer = setTimeout(() => {
        this.#pending.delete(id);
        reject(new Error(`switch ${this.switchId}: no answer to ${JSON.stringify(line)} within ${timeoutMs + 2000} ms`));
      }, timeoutMs + 2000);
      this.#pending.set(id, { resolve: (output) => resolve(options.raw ? output : consoleAnswer(output)), reject, timer });
      this.#post({ type: "console", id, line, timeoutMs });
    });
  }

  /** Asks the process to stop (it closes its sockets and the XS worker); kills it if it has not exited in 5 s. */
  async stop(): Promise<void> {
    if (this.running) {
      this.#post({ type: "stop" });
      const timer = setTimeout(() => this.kill(), STOP_TIMEOUT_MS);
      await this.#exited;
      clearTimeout(timer);
    }
    await this.#exited;
  }

  /** Kills the process at once (its XS worker is killed by its exit hook, or by the namespace's removal). */
  kill(): void {
    if (this.running) this.#child.kill("SIGKILL");
  }

  /** Resolves when the process has exited. */
  exited(): Promise<void> {
    return this.#exited;
  }

  #post(message: ToSwitch): void {
    if (this.#child.connected) this.#child.send(message);
  }

  #receive(message: FromSwitch): void {
    const options = this.#options;
    switch (message.type) {
      case "ready":
        this.bootOutput = message.output;
        this.#settle(0, message.output);
        break;
      case "console":
        this.#settle(message.id, message.output);
        break;
      case "console-error":
        this.#settle(message.id, undefined, new Error(`switch ${this.switchId}: ${message.message}`));
        break;
      case "stats":
        this.lastStats = message.stats;
        options.onStats?.(message.stats);
        break;
      case "log":
        this.log.push(message.line);
        if (this.log.length > KEPT_LOG_LINES) this.log.splice(0, this.log.length - KEPT_LOG_LINES);
        options.onLog?.(message.line);
        break;
      case "flow":
        options.onFlowChange?.(message.change);
        break;
      case "fatal":
        this.#exitReason = `failed: ${message.message}`;
        this.#failPending(new Error(`switch ${this.switchId} failed: ${message.message}`));
        break;
    }
  }

  #settle(id: number, output: string | undefined, error?: Error): void {
    const pending = this.#pending.get(id);
    if (!pending) return;
    this.#pending.delete(id);
    clearTimeout(pending.timer);
    if (error) pending.reject(error);
    else pending.resolve(output ?? "");
  }

  #failPending(error: Error): void {
    for (const [id, pending] of this.#pending) {
      this.#pending.delete(id);
      clearTimeout(pending.timer);
      pending.reject(error);
    }
  }
}
