// Shared by the test/sim-host tests: run `npm start` (hosts/sim/start.ts) scripted or with --pty, run the onemac
// client, and make and remove temporary state folders. Every process started here is killed by its own pid.
import { spawn, type ChildProcess } from "node:child_process";
import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { dirname, join, resolve } from "node:path";
import { fileURLToPath } from "node:url";

export const REPO = resolve(dirname(fileURLToPath(import.meta.url)), "../..");
export const START = join(REPO, "hosts/sim/start.ts");
export const CLIENT = join(REPO, "hosts/cli/bin/onemac.mjs");
/** The board's server MAC (hosts/sim/board.ts SERVER_MAC). */
export const SERVER_MAC = "00:1f:29:5e:12:34";

export interface RunResult {
  code: number | null;
  stdout: string;
  stderr: string;
}

/** A fresh temporary folder; remove it with removeFolder. */
export function makeFolder(prefix: string): string {
  return mkdtempSync(join(tmpdir(), `onemac-${prefix}-`));
}

export function removeFolder(dir: string): void {
  rmSync(dir, { recursive: true, force: true });
}

/** Runs a process to its end (killed after timeoutMs) with `input` on its standard input. */
export function run(command: string, args: string[], options: { input?: string; timeoutMs?: number; cwd?: string } = {}): Promise<RunResult> {
  return new Promise((resolvePromise, reject) => {
    const child = spawn(command, args, { cwd: options.cwd ?? REPO, stdio: ["pipe", "pipe", "pipe"] });
    let stdout = "";
    let stderr = "";
    child.stdout.on("data", (chunk: Buffer) => (stdout += chunk.toString("utf8")));
    child.stderr.on("data", (chunk: Buffer) => (stderr += chunk.toString("utf8")));
    const timer = setTimeout(() => {
      child.kill("SIGKILL");
      reject(new Error(`${args.join(" ")} did not finish within ${options.timeoutMs} ms\nstdout:\n${stdout}\nstderr:\n${stderr}`));
    }, options.timeoutMs ?? 60_000);
    child.on("error", reject);
    child.on("close", (code) => {
      clearTimeout(timer);
      resolvePromise({ code, stdout, stderr });
    });
    child.stdin.end(options.input ?? "");
  });
}

/** `npm start` in scripted mode: one console or board line per entry. */
export function runScripted(stateDir: string, lines: string[], extraArgs: string[] = []): Promise<RunResult> {
  return run(process.execPath, ["--import", "tsx", START, "--state", stateDir, ...extraArgs], { input: lines.join("\n") + "\n", timeoutMs: 120_000 });
}

/** The onemac client: `onemac console <path> [command...]`. */
export function runClient(path: string, commands: string[], timeoutSeconds = 20): Promise<RunResult> {
  return run(process.execPath, [CLIENT, "console", path, "--timeout", String(timeoutSeconds), ...commands], { timeoutMs: (timeoutSeconds + 30) * 1000 });
}

export interface PtyBoard {
  path: string;
  child: ChildProcess;
  /** What the simulator printed on its standard output so far (banner, trace). */
  output(): string;
  /** Stops the simulator (SIGTERM, then SIGKILL) and waits for it to exit. */
  stop(): Promise<void>;
}

/** Starts `npm start -- --pty` and resolves once it printed the pty's path. */
export function startPtyBoard(stateDir: string): Promise<PtyBoard> {
  const child = spawn(process.execPath, ["--import", "tsx", START, "--pty", "--state", stateDir], { cwd: REPO, stdio: ["pipe", "pipe", "pipe"] });
  let output = "";
  const exited = new Promise<void>((resolveExit) => child.on("close", () => resolveExit()));
  const stop = async () => {
    if (child.exitCode === null && child.signalCode === null) {
      child.kill("SIGTERM");
      const killer = setTimeout(() => child.kill("SIGKILL"), 5000);
      await exited;
      clearTimeout(killer);
    }
  };
  return new Promise((resolvePromise, reject) => {
    const timer = setTimeout(() => {
      void stop();
      reject(new Error(`npm start -- --pty printed no pty path within 30 s:\n${output}`));
    }, 30_000);
    child.stderr.on("data", (chunk: Buffer) => (output += chunk.toString("utf8")));
    child.stdout.on("data", (chunk: Buffer) => {
      output += chunk.toString("utf8");
      const match = /Console: (\/dev\/pts\/\d+)/.exec(output);
      if (match) {
        clearTimeout(timer);
        resolvePromise({ path: match[1], child, output: () => output, stop });
      }
    });
    child.on("close", (code) => {
      clearTimeout(timer);
      reject(new Error(`npm start -- --pty exited (${code}) before printing its pty:\n${output}`));
    });
  });
}

export function sleep(ms: number): Promise<void> {
  return new Promise((resolvePromise) => setTimeout(resolvePromise, ms));
}
