// A real terminal program on the simulated board's console: picocom (Debian package) on the `npm start -- --pty`
// pseudo-terminal, inside tmux so the test can type (send-keys) and read the screen (capture-pane). A configuration
// typed key by key, its answers read off the screen, `write memory`; then a reload, and then the whole simulator
// restarted on the same state folder: the config is back both times. setup-terminal-tools.sh installs picocom and tmux
// with apt-get when they are missing (root only; otherwise the test is skipped and says why).
import assert from "node:assert/strict";
import { execFile, execFileSync } from "node:child_process";
import { dirname, join } from "node:path";
import { after, describe, it } from "node:test";
import { fileURLToPath } from "node:url";
import { promisify } from "node:util";
import { makeFolder, removeFolder, SERVER_MAC, sleep, startPtyBoard, type PtyBoard } from "./helpers";

const here = dirname(fileURLToPath(import.meta.url));
const TRUNK_LINE = `trunk 0-1 trk1 trunk server-mac ${SERVER_MAC}`;
const SCREEN_TIMEOUT_MS = 20_000;

interface Tools {
  picocom: string;
  tmux: string;
}

/** Installs the tools when missing (root) and returns their paths, or the reason the test cannot run. */
function setUpTools(): Tools | string {
  if (process.platform !== "linux") return "needs Linux (pseudo-terminals, picocom)";
  try {
    const out = execFileSync("bash", [join(here, "setup-terminal-tools.sh")], { encoding: "utf8", timeout: 300_000, stdio: ["ignore", "pipe", "pipe"] });
    return JSON.parse(out.trim().split("\n").pop()!) as Tools;
  } catch (error) {
    const status = (error as { status?: number }).status;
    if (status === 2) return "picocom or tmux is missing and installing them needs root (apt-get)";
    throw error;
  }
}

const tools = setUpTools();
const skip = typeof tools === "string" ? tools : false;
const run = promisify(execFile);

/** One tmux session running picocom on a pty; named per test process so only ours is ever killed. */
class PicocomSession {
  readonly name: string;
  constructor(readonly tools: Tools, readonly path: string, suffix: string) {
    this.name = `onemac-picocom-${process.pid}-${suffix}`;
  }
  #panePid = 0;
  async start(): Promise<void> {
    // -q: no banner; the console ends lines with CR LF itself; picocom sends Enter as CR.
    await run(this.tools.tmux, ["new-session", "-d", "-s", this.name, "-x", "220", "-y", "60", `${this.tools.picocom} -q -b 115200 ${this.path}`]);
    const { stdout } = await run(this.tools.tmux, ["list-panes", "-t", this.name, "-F", "#{pane_pid}"]);
    this.#panePid = Number(stdout.trim());
  }
  async type(line: string): Promise<void> {
    await run(this.tools.tmux, ["send-keys", "-t", this.name, "-l", line]);
    await run(this.tools.tmux, ["send-keys", "-t", this.name, "Enter"]);
  }
  /** The screen and its scrollback, without the blank lines below the cursor. */
  async screen(): Promise<string> {
    const { stdout } = await run(this.tools.tmux, ["capture-pane", "-p", "-J", "-t", this.name, "-S", "-2000"]);
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
    throw new Error(`picocom screen never showed ${what}:\n${screen}`);
  }
  /** Types a line and waits for a prompt after its echo; returns the screen lines after the echo, prompt included. */
  async command(line: string, prompt = /^onemac(\([a-z]+\))?#$/): Promise<string> {
    const before = (await this.screen()).split("\n").length;
    await this.type(line);
    const answer = (screen: string): string | undefined => {
      const lines = screen.split("\n").slice(before - 1);
      const echo = lines.findIndex((text) => text.trimEnd().endsWith(line));
      const last = lines[lines.length - 1].trimEnd();
      if (echo < 0 || lines.length - 1 <= echo || !prompt.test(last)) return undefined;
      return lines.slice(echo + 1).join("\n");
    };
    return answer(await this.waitFor(`the answer to ${JSON.stringify(line)}`, (screen) => answer(screen) !== undefined))!;
  }
  async stop(): Promise<void> {
    // picocom outlives its tmux session (it ignores the hangup): end it by its pid first.
    if (this.#panePid > 0) {
      try {
        process.kill(this.#panePid, "SIGTERM");
      } catch {
        // already gone
      }
      this.#panePid = 0;
    }
    await run(this.tools.tmux, ["kill-session", "-t", this.name]).catch(() => undefined);
  }
}

const count = (text: string, needle: string) => text.split(needle).length - 1;

describe("picocom on the --pty console", { skip }, () => {
  const state = skip ? "" : makeFolder("picocom");
  const boards: PtyBoard[] = [];
  const sessions: PicocomSession[] = [];
  after(async () => {
    for (const session of sessions) await session.stop();
    for (const board of boards) await board.stop();
    if (state) removeFolder(state);
  });

  it("types a configuration, saves it, and finds it again after reload and after restarting the simulator", async () => {
    const t = tools as Tools;
    const board = await startPtyBoard(state);
    boards.push(board);
    const picocom = new PicocomSession(t, board.path, "a");
    sessions.push(picocom);
    await picocom.start();
    await picocom.type("");
    await picocom.waitFor("a prompt", (screen) => /onemac#$/.test(screen));

    assert.match(await picocom.command("configure"), /onemac\(config\)#/);
    const trunk = await picocom.command(TRUNK_LINE);
    assert.doesNotMatch(trunk, /^% /m);
    await picocom.command("interface 4 name clients");
    await picocom.command("end");
    const shown = await picocom.command("show trunks");
    assert.match(shown, /trk1/);
    assert.match(shown, new RegExp(SERVER_MAC));
    assert.match(await picocom.command("write memory"), /\[OK\] saved/);
    // A board command typed in picocom is answered by the host.
    assert.match(await picocom.command("board status"), /port 4: cable in/);

    // Reload: the firmware restarts on the same flash.
    await picocom.command("reload", /\[y\/N\]$/);
    await picocom.type("y");
    await picocom.waitFor("the boot after reload", (screen) => /Reloading[\s\S]*boot: ready[\s\S]*onemac#$/.test(screen));
    await sleep(300);
    const running = await picocom.command("show running-config");
    assert.ok(running.includes(TRUNK_LINE), running);
    assert.match(running, /interface 4 name "?clients"?/);

    // The whole simulator restarted on the same state folder: a new pty, a new picocom, the same config.
    await picocom.stop();
    await board.stop();
    const again = await startPtyBoard(state);
    boards.push(again);
    const second = new PicocomSession(t, again.path, "b");
    sessions.push(second);
    await second.start();
    await second.type("");
    await second.waitFor("a prompt", (screen) => /onemac#$/.test(screen));
    const restored = await second.command("show running-config");
    assert.equal(count(restored, TRUNK_LINE), 1, restored);
    assert.doesNotMatch(restored, /not saved/);
  });
});
