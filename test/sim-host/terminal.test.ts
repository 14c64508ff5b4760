// `npm start` on a terminal (tmux gives it a real TTY): the console in raw mode, board commands typed at the prompt
// are answered by the host and never reach the firmware, Ctrl-] leaves.
import assert from "node:assert/strict";
import { execFileSync } from "node:child_process";
import { after, describe, it } from "node:test";
import { makeFolder, removeFolder, REPO, START } from "./helpers";
import { TmuxSession } from "./tmux";

function findTmux(): string | undefined {
  try {
    return execFileSync("bash", ["-c", "command -v tmux"], { encoding: "utf8" }).trim() || undefined;
  } catch {
    return undefined;
  }
}
const tmux = findTmux();
const skip = process.platform !== "linux" ? "needs Linux" : !tmux ? "tmux is missing (test/sim-host/setup-terminal-tools.sh installs it)" : false;

describe("npm start on a terminal", { skip }, () => {
  const state = skip ? "" : makeFolder("terminal");
  const session = new TmuxSession(tmux ?? "tmux", `terminal-${process.pid}`, [process.execPath, "--import", "tsx", START, "--state", state], { cwd: REPO });
  after(async () => {
    await session.stop();
    if (state) removeFolder(state);
  });

  it("shows the banner and the console, runs board commands on the host, and Ctrl-] leaves", async () => {
    await session.start();
    await session.waitFor("the banner and a prompt", (screen) => /board help/.test(screen) && /onemac#$/.test(screen));
    assert.match(await session.command("board link 1 down"), /port 1 cable pulled/);
    await session.waitFor("the firmware's log of the link change", (screen) => /\] port 1: down/.test(screen));
    assert.match(await session.command("show interfaces brief"), /^\s*1\b.*down/m);
    // "show logging" proves the board line never reached the firmware's console: no "board" error there.
    const logging = await session.command("show logging");
    assert.doesNotMatch(logging, /board/);
    assert.match(await session.command("board status"), /port 1: cable out/);
    await session.keys("C-]");
    const deadline = Date.now() + 10_000;
    while ((await session.running()) && Date.now() < deadline) await new Promise((resolve) => setTimeout(resolve, 100));
    assert.equal(await session.running(), false, "npm start is still running after Ctrl-]");
  });
});
