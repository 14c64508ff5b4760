// `npm start` in scripted mode, end to end: main.ts boots on the simulated board, lines from standard input reach
// its console (or the board), only the commands' output is printed, and the startup config lives in the state
// folder across runs and power cuts.
import assert from "node:assert/strict";
import { readdirSync } from "node:fs";
import { after, describe, it } from "node:test";
import { makeFolder, removeFolder, runScripted, SERVER_MAC } from "./helpers";

const folders: string[] = [];
function stateFolder(): string {
  const dir = makeFolder("scripted");
  folders.push(dir);
  return dir;
}
after(() => {
  for (const dir of folders) removeFolder(dir);
});

const TRUNK_LINE = `trunk 0-1 trk1 trunk server-mac ${SERVER_MAC}`;

describe("npm start, scripted", () => {
  it("configures a trunk, prints show trunks as JSON, saves, and a second run boots with the config", async () => {
    const state = stateFolder();
    const first = await runScripted(state, ["configure", TRUNK_LINE, "end", "show trunks | json", "write memory"]);
    assert.equal(first.code, 0, first.stdout + first.stderr);
    const lines = first.stdout.split("\n");
    // Only output: no echo of the typed lines, no prompt, no boot log.
    const typed = new Set(["configure", TRUNK_LINE, "end", "show trunks | json", "write memory"]);
    assert.ok(!lines.some((line) => typed.has(line.trim()) || /^onemac(\([a-z]+\))?#/.test(line)), first.stdout);
    assert.ok(!first.stdout.includes("boot: ready"), first.stdout);
    const jsonLine = lines.find((line) => line.startsWith("{"));
    assert.ok(jsonLine, `no JSON line in:\n${first.stdout}`);
    const shown = JSON.parse(jsonLine) as { trunks: { group: number; members: number[]; servers: string[] }[] };
    assert.equal(shown.trunks.length, 1);
    assert.equal(shown.trunks[0].group, 0);
    assert.deepEqual(shown.trunks[0].members, [0, 1]);
    assert.deepEqual(shown.trunks[0].servers, [SERVER_MAC]);
    assert.match(first.stdout, /\[OK\] saved/);
    assert.ok(readdirSync(state).length > 0, "the state folder holds the flash");

    const second = await runScripted(state, ["show running-config"]);
    assert.equal(second.code, 0, second.stdout + second.stderr);
    assert.ok(second.stdout.includes(TRUNK_LINE), second.stdout);
    assert.ok(!second.stdout.includes("not saved"), second.stdout);
  });

  it("board power-cut in the middle of a session keeps what was saved and loses what was not", async () => {
    const state = stateFolder();
    const result = await runScripted(state, [
      "configure",
      TRUNK_LINE,
      "end",
      "write memory",
      "configure",
      "hostname unsaved-name",
      "end",
      "board clients 8 -> trk1",
      "board wait 1",
      "board power-cut",
      "show running-config",
    ]);
    assert.equal(result.code, 0, result.stdout + result.stderr);
    const afterCut = result.stdout.slice(result.stdout.indexOf("board: power cut"));
    assert.ok(afterCut.length > 0, result.stdout);
    assert.ok(afterCut.includes(TRUNK_LINE), afterCut);
    assert.ok(!afterCut.includes("unsaved-name"), afterCut);
  });

  it("a power cut in the middle of write memory leaves the previous save in force", async () => {
    const state = stateFolder();
    const result = await runScripted(state, [
      "configure",
      TRUNK_LINE,
      "end",
      "write memory",
      "configure",
      "hostname torn-save",
      "end",
      "board power-cut after-writes 1",
      "write memory",
      "show running-config",
      "show logging",
    ]);
    assert.equal(result.code, 0, result.stdout + result.stderr);
    assert.match(result.stdout, /the power failed during a flash write/);
    const afterCut = result.stdout.slice(result.stdout.indexOf("the power failed"));
    assert.ok(afterCut.includes(TRUNK_LINE), afterCut);
    assert.ok(!afterCut.includes("torn-save"), afterCut);
    assert.match(afterCut, /config: slot b is torn/);
  });

  it("pulling a trunk member fails over: the log lines and show trunks say so", async () => {
    const state = stateFolder();
    const result = await runScripted(state, [
      "configure",
      TRUNK_LINE,
      "end",
      "board clients 16 -> trk1",
      "board wait 2",
      "show trunk distribution | json",
      "board link 1 down",
      "board wait 2",
      "show trunks | json",
      "board status",
    ]);
    assert.equal(result.code, 0, result.stdout + result.stderr);
    const json = result.stdout.split("\n").filter((line) => line.startsWith("{"));
    assert.equal(json.length, 2, result.stdout);
    const distribution = JSON.parse(json[0]) as { trunks: unknown[] };
    assert.equal(distribution.trunks.length, 1);
    // The clients' MACs were learned and show up in the buckets.
    for (let i = 0; i < 16; i++) assert.ok(json[0].includes(`00:50:56:10:a0:${i.toString(16).padStart(2, "0")}`), `client ${i} missing in ${json[0]}`);
    assert.match(result.stdout, /port 1: down/);
    const trunks = JSON.parse(json[1]) as { trunks: { table: number[]; memberPorts: { port: number; state: string }[] }[] };
    assert.deepEqual(trunks.trunks[0].table, [0, 0, 0, 0, 0, 0, 0, 0]);
    assert.equal(trunks.trunks[0].memberPorts.find((member) => member.port === 1)?.state, "down");
    assert.match(result.stdout, /port 1: cable out/);
    assert.match(result.stdout, /frames lost: /);
  });

  it("reload restarts main.ts; the next line is answered by the new boot", async () => {
    const state = stateFolder();
    const result = await runScripted(state, ["configure", "hostname before-reload", "end", "reload", "y", "show running-config"]);
    assert.equal(result.code, 0, result.stdout + result.stderr);
    assert.match(result.stdout, /Reloading/);
    const afterReload = result.stdout.slice(result.stdout.indexOf("Reloading"));
    assert.ok(!afterReload.includes("before-reload"), afterReload);
  });

  it("exits 1 when a line errs, runs the other lines, and prints the error", async () => {
    const state = stateFolder();
    const result = await runScripted(state, ["show trunks | json", "trunk 0-1 trk9", "board link 7 down", "board frobnicate", "show version"]);
    assert.equal(result.code, 1, result.stdout + result.stderr);
    const errors = result.stdout.split("\n").filter((line) => line.startsWith("% "));
    assert.equal(errors.length, 3, result.stdout);
    assert.match(result.stdout, /onemac firmware/);
  });

  it("shows the boot output with --boot-log, board help, and takes # comments and blank lines", async () => {
    const state = stateFolder();
    const result = await runScripted(state, ["# a comment", "", "board help"], ["--boot-log"]);
    assert.equal(result.code, 0, result.stdout + result.stderr);
    // The boot log main.ts prints through the console: the chip, the ports as cabled on the board, ready.
    assert.match(result.stdout, /chip: BCM53125 id 0x53125/);
    assert.match(result.stdout, /port 0: up 1000\/full/);
    assert.match(result.stdout, /port 2: down/);
    assert.match(result.stdout, /port 4: up 1000\/full/);
    assert.match(result.stdout, /boot: ready/);
    assert.match(result.stdout, /board power-cut/);
  });
});
