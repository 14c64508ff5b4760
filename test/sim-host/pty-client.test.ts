// `npm start -- --pty` driven by the `onemac console` client, as a script on a host would drive a real board's USB
// serial port: commands and their output (JSON included), error exit codes, board commands through the same port,
// a saved config back after reload and after a power cut.
import assert from "node:assert/strict";
import { after, before, describe, it } from "node:test";
import { makeFolder, removeFolder, runClient, SERVER_MAC, startPtyBoard, type PtyBoard } from "./helpers";

const skip = process.platform !== "linux" ? "the pty needs Linux" : false;
const TRUNK_LINE = `trunk 0-1 trk1 trunk server-mac ${SERVER_MAC}`;

describe("onemac console on the --pty console", { skip }, () => {
  let state = "";
  let board: PtyBoard | undefined;
  before(async () => {
    state = makeFolder("pty-client");
    board = await startPtyBoard(state);
  });
  after(async () => {
    await board?.stop();
    removeFolder(state);
  });

  it("runs commands and prints their output, JSON included", async () => {
    const result = await runClient(board!.path, ["configure", TRUNK_LINE, "end", "show trunks | json"]);
    assert.equal(result.code, 0, result.stdout + result.stderr);
    const json = result.stdout.split("\n").find((line) => line.startsWith("{"));
    assert.ok(json, result.stdout);
    const shown = JSON.parse(json) as { trunks: { members: number[]; servers: string[] }[] };
    assert.deepEqual(shown.trunks[0].members, [0, 1]);
    assert.deepEqual(shown.trunks[0].servers, [SERVER_MAC]);
  });

  it("exits 1 when a command answers with an error, 2 when the port does not exist", async () => {
    const bad = await runClient(board!.path, ["show trunks", "trunk 0-1 trk9"]);
    assert.equal(bad.code, 1, bad.stdout + bad.stderr);
    assert.match(bad.stdout, /^% /m);
    const missing = await runClient("/dev/onemac-no-such-port", ["show version"], 5);
    assert.equal(missing.code, 2);
    assert.match(missing.stderr, /cannot open/);
  });

  it("reaches the board's own commands through the same port", async () => {
    const result = await runClient(board!.path, ["board clients 8 -> trk1", "board wait 1", "board status", "board nonsense"]);
    assert.equal(result.code, 1, result.stdout + result.stderr);
    assert.match(result.stdout, /8 clients sending/);
    assert.match(result.stdout, /port 0: cable in/);
    assert.match(result.stdout, /% unknown board command "nonsense"/);
  });

  it("a saved config is back after reload and after a power cut; an unsaved one is not", async () => {
    const save = await runClient(board!.path, ["write memory", "configure", "hostname unsaved-one", "end"]);
    assert.equal(save.code, 0, save.stdout + save.stderr);
    assert.match(save.stdout, /\[OK\] saved/);
    const reload = await runClient(board!.path, ["reload", "y"]);
    assert.equal(reload.code, 0, reload.stdout + reload.stderr);
    assert.match(reload.stdout, /Reloading/);
    const afterReload = await runClient(board!.path, ["show running-config"]);
    assert.equal(afterReload.code, 0, afterReload.stdout + afterReload.stderr);
    assert.ok(afterReload.stdout.includes(TRUNK_LINE), afterReload.stdout);
    assert.ok(!afterReload.stdout.includes("unsaved-one"), afterReload.stdout);
    const cut = await runClient(board!.path, ["board power-cut"]);
    assert.equal(cut.code, 0, cut.stdout + cut.stderr);
    const afterCut = await runClient(board!.path, ["show running-config"]);
    assert.ok(afterCut.stdout.includes(TRUNK_LINE), afterCut.stdout);
  });
});
