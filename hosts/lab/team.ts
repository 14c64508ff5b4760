// The server of the lab: the real `onemac-team` command teaming the server namespace's NICs, run as a user would run it
// (`onemac-team up --config FILE` in the foreground, `status --json`, `down`), with its control socket in a folder of
// this run's own so two labs never meet.
import { spawn, execFile, type ChildProcess } from "node:child_process";
import { mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { fileURLToPath } from "node:url";

const EXECUTABLE = fileURLToPath(new URL("../linux/team/bin/onemac-team.mjs", import.meta.url));

export interface ServerTeamOptions {
  netns: string;
  name: string;
  mac: string;
  members: readonly string[];
  address: string;
  slotBits: number;
  /** onemac-team's backend: "auto" takes the kernel team driver where the kernel has it, else userspace. */
  backend: "auto" | "userspace" | "team";
  /** "all" behind a switch trunk group (it picks the member a broadcast takes); "designated" when every member gets it. */
  broadcastReceive: "all" | "designated";
}

/** What `status --json` says that the lab uses (hosts/linux/team/controller.ts TeamStatus has more). */
export interface ServerTeamStatus {
  name: string;
  table: (string | null)[];
  members: { ifname: string; link: string; enabled: boolean; slots: number[]; failures: number }[];
  /** Frames sent through the team that no member took (null: the backend cannot tell). */
  txDropped: number | null;
  [field: string]: unknown;
}

export class ServerTeam {
  readonly #options: ServerTeamOptions;
  readonly #directory: string;
  readonly #configPath: string;
  readonly #environment: NodeJS.ProcessEnv;
  #process: ChildProcess | null = null;
  #exited: Promise<void> | null = null;
  output = "";

  constructor(options: ServerTeamOptions) {
    this.#options = options;
    this.#directory = mkdtempSync(join(tmpdir(), "onemac-lab-team-"));
    this.#configPath = join(this.#directory, "team.json");
    this.#environment = { ...process.env, ONEMAC_RUNTIME_DIRECTORY: join(this.#directory, "run") };
    writeFileSync(
      this.#configPath,
      JSON.stringify(
        {
          name: options.name,
          mac: options.mac,
          members: options.members,
          slotBits: options.slotBits,
          backend: options.backend,
          broadcastReceive: options.broadcastReceive,
          addresses: [options.address],
        },
        null,
        2,
      ),
    );
  }

  get configPath(): string {
    return this.#configPath;
  }

  /** Starts `up` and resolves once it reports running (bounded). */
  async up(timeoutMs = 60_000): Promise<void> {
    const child = spawn("ip", ["netns", "exec", this.#options.netns, process.execPath, EXECUTABLE, "up", "--config", this.#configPath], {
      env: this.#environment,
      stdio: ["ignore", "pipe", "pipe"],
    });
    this.#process = child;
    this.#exited = new Promise((resolve) => child.once("exit", () => resolve()));
    child.stdout!.setEncoding("utf8").on("data", (text: string) => (this.output += text));
    child.stderr!.setEncoding("utf8").on("data", (text: string) => (this.output += text));
    const started = Date.now();
    while (!this.output.includes("running; control socket")) {
      if (child.exitCode !== null || child.signalCode !== null) throw new Error(`onemac-team up exited:\n${this.output}`);
      if (Date.now() - started > timeoutMs) throw new Error(`onemac-team up did not report running within ${timeoutMs} ms:\n${this.output}`);
      await new Promise((resolve) => setTimeout(resolve, 50));
    }
  }

  /** `onemac-team <args>` in the server namespace (status, down). */
  command(args: readonly string[], timeoutMs = 15_000): Promise<{ code: number; stdout: string; stderr: string }> {
    return new Promise((resolve) => {
      execFile(
        "ip",
        ["netns", "exec", this.#options.netns, process.execPath, EXECUTABLE, ...args, "--config", this.#configPath],
        { env: this.#environment, timeout: timeoutMs },
        (error, stdout, stderr) => resolve({ code: error ? (typeof error.code === "number" ? error.code : -1) : 0, stdout, stderr }),
      );
    });
  }

  async status(): Promise<ServerTeamStatus> {
    const result = await this.command(["status", "--json"]);
    if (result.code !== 0) throw new Error(`onemac-team status failed: ${result.stderr || result.stdout}`);
    return JSON.parse(result.stdout) as ServerTeamStatus;
  }

  /** `down`, then SIGTERM and SIGKILL if it does not exit; removes the run folder. Never throws. */
  async down(): Promise<void> {
    const child = this.#process;
    try {
      if (child && child.exitCode === null && child.signalCode === null) {
        await this.command(["down"]).catch(() => undefined);
        await Promise.race([this.#exited, new Promise((resolve) => setTimeout(resolve, 10_000))]);
        if (child.exitCode === null && child.signalCode === null) {
          child.kill("SIGTERM");
          await Promise.race([this.#exited, new Promise((resolve) => setTimeout(resolve, 5_000))]);
        }
        if (child.exitCode === null && child.signalCode === null) child.kill("SIGKILL");
      }
    } finally {
      rmSync(this.#directory, { recursive: true, force: true });
    }
  }

  /** For exit handlers: kill at once. */
  kill(): void {
    const child = this.#process;
    if (child && child.exitCode === null && child.signalCode === null) child.kill("SIGKILL");
    rmSync(this.#directory, { recursive: true, force: true });
  }
}
