// A program running in a detached tmux session, for tests that type into a real terminal (send-keys) and read its
// screen (capture-pane). The session is named by the caller (include the test's pid); stop() ends the program by its
// pid (picocom, for one, ignores the hangup tmux sends) and then the session, by that name only.
import { execFile } from "node:child_process";
import { promisify } from "node:util";
import { sleep } from "./helpers";

const run = promisify(execFile);
export const SCREEN_TIMEOUT_MS = 20_000;

export class TmuxSession {
  readonly name: string;
  #panePid = 0;

  constructor(
    readonly tmux: string,
    name: string,
    readonly argv: string[],
    readonly options: { cwd?: string } = {},
  ) {
    this.name = `onemac-${name}`;
  }

  async start(): Promise<void> {
    const command = this.argv.map((word) => `'${word.replace(/'/g, "'\\''")}'`).join(" ");
    await run(this.tmux, ["new-session", "-d", "-s", this.name, "-x", "220", "-y", "60", ...(this.options.cwd ? ["-c", this.options.cwd] : []), command]);
    const { stdout } = await run(this.tmux, ["list-panes", "-t", this.name, "-F", "#{pane_pid}"]);
    this.#panePid = Number(stdout.trim());
  }

  /** Types `line` and Enter. */
  async type(line: string): Promise<void> {
    if (line.length > 0) await run(this.tmux, ["send-keys", "-t", this.name, "-l", line]);
    await run(this.tmux, ["send-keys", "-t", this.name, "Enter"]);
  }

  /** Sends tmux key names (e.g. "C-]"). */
  async keys(...names: string[]): Promise<void> {
    await run(this.tmux, ["send-keys", "-t", this.name, ...names]);
  }

  /** The screen and its scrollback, without the blank lines below the cursor. */
  async screen(): Promise<string> {
    const { stdout } = await run(this.tmux, ["capture-pane", "-p", "-J", "-t", this.name, "-S", "-2000"]);
    return stdout.replace(/\s+$/, "");
  }

  /** Waits until `test` holds for the screen (polled every 100 ms, at most SCREEN_TIMEOUT_MS). */
  async waitFor(what: string, test: (screen: string) => boolean): Promise<string> {
    const deadline = Date.now() + SCREEN_TIMEOUT_MS;
    let screen = "";
    while (Date.now() < deadline) {
      screen = await this.screen();
      if (test(screen)) return screen;
      await sleep(100);
    }
    throw new Error(`${this.name}: the screen never showed ${what}:\n${screen}`);
  }

  /** Types a line and waits for a prompt after its echo; returns the screen lines after the echo, prompt included. */
  async command(line: string, prompt = /^onemac(\([a-z]+\))?#$/): Promise<string> {
    const before = (await this.screen()).split("\n").length;
    await this.type(line);
    const answer = (screen: string): string | undefined => {
      const lines = screen.split("\n").slice(Math.max(0, before - 1));
      const echo = lines.findIndex((text) => text.trimEnd().endsWith(line));
      const last = lines[lines.length - 1].trimEnd();
      if (echo < 0 || lines.length - 1 <= echo || !prompt.test(last)) return undefined;
      return lines.slice(echo + 1).join("\n");
    };
    return answer(await this.waitFor(`the answer to ${JSON.stringify(line)}`, (screen) => answer(screen) !== undefined))!;
  }

  /** True while the program in the session runs. */
  async running(): Promise<boolean> {
    try {
      await run(this.tmux, ["has-session", "-t", this.name]);
      return true;
    } catch {
      return false;
    }
  }

  async stop(): Promise<void> {
    if (this.#panePid > 0) {
      try {
        process.kill(this.#panePid, "SIGTERM");
      } catch {
        // already gone
      }
      this.#panePid = 0;
    }
    await run(this.tmux, ["kill-session", "-t", this.name]).catch(() => undefined);
  }
}
