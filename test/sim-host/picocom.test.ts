// A real terminal program on the simulated board's console: picocom (Debian package) on the `npm start -- --pty`
// pseudo-terminal, inside tmux so the test can type (send-keys) and read the screen (capture-pane). A configuration
// typed key by key, its answers read off the screen, `write memory`; then a reload, and then the whole simulator
// restarted on the same state folder: the config is back both times. setup-terminal-tools.sh installs picocom and tmux
// with apt-get when they are missing (root only; otherwise the test is skipped and says why).
import assert from "node:assert/strict";
import { execFileSync } from "node:child_process";
import { dirname, join } from "node:path";
import { after, describe, it } from "node:test";
import { fileURLToPath } from "node:url";
import { makeFolder, removeFolder, SERVER_MAC, sleep, startPtyBoard, type PtyBoard } from "./helpers";
import { TmuxSession } from "./tmux";

const here = dirname(fileURLToPath(import.meta.url));
const TRUNK_LINE = `trunk 0-1 trk1 trunk server-mac ${SERVER_MAC}`;

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

const count = (text: string, needle: string) => text.split(needle).length - 1;

describe("picocom on the --pty console", { skip }, () => {
  const state = skip ? "" : makeFolder("picocom");
  const boards: PtyBoard[] = [];
  const sessions: TmuxSession[] = [];
  after(async () => {
    for (const session of sessions) await session.stop();
    for (const board of boards) await board.stop();
    if (state) removeFolder(state);
  });

  it("types a configuration, saves it, and finds it again after reload and after restarting the simulator", async () => {
    const t = tools as Tools;
    const board = await startPtyBoard(state);
    boards.push(board);
    // -q: no banner; the console ends lines with CR LF itself; picocom sends Enter as CR.
    const picocom = new TmuxSession(t.tmux, `picocom-${process.pid}-a`, [t.picocom, "-q", "-b", "115200", board.path]);
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
    const second = new TmuxSession(t.tmux, `picocom-${process.pid}-b`, [t.picocom, "-q", "-b", "115200", again.path]);
    sessions.push(second);
    await second.start();
    await second.type("");
    await second.waitFor("a prompt", (screen) => /onemac#$/.test(screen));
    const restored = await second.command("show running-config");
    assert.equal(count(restored, TRUNK_LINE), 1, restored);
    assert.doesNotMatch(restored, /not saved/);
  });
});
