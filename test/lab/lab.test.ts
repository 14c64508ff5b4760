// The whole lab as a user runs it (`npm run lab`), bounded: a few seconds of real TCP from client namespaces through
// the simulated BCM53125 (firmware on XS) to a server teamed by onemac-team, one switch-side and one server-side pull,
// every check of the issue asserted from the run's summary; the two-switch topology too; Ctrl-C in the middle of a run
// removes everything. Root only (namespaces); otherwise skipped with the reason. The checks and the live view's
// arithmetic are tested without root below.
import assert from "node:assert/strict";
import { execFileSync, spawn } from "node:child_process";
import { existsSync, mkdtempSync, readdirSync, readFileSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { fileURLToPath } from "node:url";
import { after, describe, it } from "node:test";
import { checkConsole, checkFlowStability, checkNoServerMoves, checkStreams, type LabEvent } from "../../hosts/lab/checks";
import { parseLabArguments } from "../../hosts/lab/lab";
import { openInChromium } from "../../hosts/lab/report";
import { LoadRecorder, renderLiveView } from "../../hosts/lab/load";
import type { LabSummary } from "../../hosts/lab/run";
import type { FlowChange, StreamStats, SwitchStats } from "../../hosts/lab/types";
import { privilegedSkipReason } from "../linux/netns-harness";

const ROOT = fileURLToPath(new URL("../..", import.meta.url));
const skipReason = privilegedSkipReason();
const folder = mkdtempSync(join(tmpdir(), "onemac-lab-test-"));
after(() => rmSync(folder, { recursive: true, force: true }));

interface LabProcessResult {
  code: number | null;
  output: string;
  runId: string | null;
}

/** `npm run lab -- args` as a child process; `interruptWhen` sends SIGINT once the output matches. */
function runLabProcess(args: readonly string[], interruptWhen?: RegExp, timeoutMs = 240_000): Promise<LabProcessResult> {
  return new Promise((resolve) => {
    const child = spawn(process.execPath, ["--import", "tsx", join(ROOT, "hosts/lab/lab.ts"), ...args], { cwd: ROOT, stdio: ["ignore", "pipe", "pipe"] });
    let output = "";
    let interrupted = false;
    const take = (text: string): void => {
      output += text;
      if (interruptWhen && !interrupted && interruptWhen.test(output)) {
        interrupted = true;
        child.kill("SIGINT");
      }
    };
    child.stdout.setEncoding("utf8").on("data", take);
    child.stderr.setEncoding("utf8").on("data", take);
    const timer = setTimeout(() => child.kill("SIGKILL"), timeoutMs);
    child.on("close", (code) => {
      clearTimeout(timer);
      resolve({ code, output, runId: /^lab ([0-9a-f]+): namespaces /m.exec(output)?.[1] ?? null });
    });
  });
}

/** Namespaces of this run, and processes still running that the run started (they inherit ONEMAC_LAB_RUN). */
function leftovers(runId: string): string {
  const namespaces = execFileSync("ip", ["netns", "list"], { encoding: "utf8" })
    .split("\n")
    .filter((line) => line.startsWith(`oml-${runId}-`));
  const processes: string[] = [];
  for (const pid of readdirSync("/proc").filter((name) => /^\d+$/.test(name))) {
    try {
      if (!readFileSync(`/proc/${pid}/environ`, "latin1").split("\0").includes(`ONEMAC_LAB_RUN=${runId}`)) continue;
      processes.push(`${pid}: ${readFileSync(`/proc/${pid}/cmdline`, "latin1").replace(/\0/g, " ")}`);
    } catch {
      // Gone meanwhile.
    }
  }
  return [...namespaces, ...processes].join("\n");
}

describe("npm run lab (as root)", { skip: skipReason ?? false }, () => {
  // One switch with the chip's own trunk hash; two switches with the patent's table in CFP rules.
  for (const [switches, mode] of [[1, "hash"], [2, "cfp"]] as const) {
    it(`${switches === 1 ? "one switch" : "two switches joined by a switch-to-switch link"}, trunk mode ${mode}: every check passes, the report is written, nothing is left`, { timeout: 300_000 }, async () => {
      const report = join(folder, `report-${switches}.html`);
      const summaryPath = join(folder, `summary-${switches}.json`);
      const result = await runLabProcess(["--switches", String(switches), "--members", "2", "--clients", "4", "--seconds", "12", "--trunk-mode", mode, "--plain", "--report", report, "--summary", summaryPath]);
      assert.match(result.output, new RegExp(`trunk trk1 mode ${mode}`));
      assert.equal(result.code, 0, result.output);
      const summary = JSON.parse(readFileSync(summaryPath, "utf8")) as LabSummary;
      assert.equal(summary.checks.length, 5, result.output);
      for (const check of summary.checks) assert.ok(check.ok, `${check.name}: ${check.detail}`);
      assert.equal(summary.pulls.length, 2);
      assert.deepEqual(
        summary.pulls.map((pull) => pull.side),
        ["switch", "server"],
      );
      for (const pull of summary.pulls) assert.ok(pull.longestGapMs < 3000, `${pull.label}: a ${pull.longestGapMs} ms gap is not a failover nobody notices`);
      assert.match(result.output, /switch 1 port \d down \(switch side\)/);
      assert.match(result.output, /server eth\d down \(server side\)/);
      const html = readFileSync(report, "utf8");
      assert.match(html, /^<!DOCTYPE html>/i);
      assert.doesNotMatch(html, /(src|href)\s*=\s*["']?https?:/i, "the report loads nothing from the network");
      assert.ok(result.runId, `the lab names its run:\n${result.output}`);
      assert.equal(leftovers(result.runId!), "", "everything the lab made is gone");

      // The real run's report in headless Chromium (installed by setup-chromium.sh): no script error, no request,
      // a chart per link with both directions drawn, both bucket maps.
      execFileSync("bash", [join(ROOT, "test/lab/setup-chromium.sh")], { timeout: 600_000, stdio: ["ignore", "pipe", "pipe"] });
      const browser = await openInChromium(report, {
        expression: `({
          script: document.documentElement.getAttribute("data-script"),
          charts: document.querySelectorAll("svg.chart").length,
          drawn: Array.from(document.querySelectorAll("svg.chart polyline")).filter((p) => p.getBBox().width > 300).length,
          text: document.body.innerText,
        })`,
      });
      assert.deepEqual(browser.scriptErrors, []);
      assert.deepEqual(browser.requests, []);
      const page = browser.value as { script: string; charts: number; drawn: number; text: string };
      assert.equal(page.script, "ran");
      const links = switches === 1 ? 3 : 6; // at least: one switch, 2 trunk ports and a client segment; two, also the link between them on each
      assert.ok(page.charts >= links, `${page.charts} charts`);
      assert.ok(page.drawn >= 2 * links, `${page.drawn} lines drawn across their charts`);
      assert.match(page.text, /DA slot/);
      assert.match(page.text, /every TCP connection survived/);
    });
  }

  it("Ctrl-C in the middle of the traffic removes every namespace and process the lab made", { timeout: 180_000 }, async () => {
    const result = await runLabProcess(["--clients", "2", "--seconds", "60", "--plain", "--report", join(folder, "interrupted.html")], /^traffic: /m);
    assert.equal(result.code, 130, result.output);
    assert.match(result.output, /interrupted; everything it made is removed/);
    assert.ok(result.runId, result.output);
    assert.equal(leftovers(result.runId!), "");
    assert.equal(existsSync(join(folder, "interrupted.html")), false, "no report from an interrupted run");
  });
});

describe("the lab's checks", () => {
  const stream = (client: string, fields: Partial<StreamStats> = {}): StreamStats => ({
    client,
    sent: 1000,
    received: 2000,
    longestGapMs: 5,
    longestGapEndedAtMs: 0,
    firstCorruptOffset: -1,
    state: "closed",
    error: null,
    connections: 1,
    ...fields,
  });
  const serverSide = (client: string, fields: Partial<StreamStats> = {}): StreamStats => stream(client, { sent: 2000, received: 1000, ...fields });

  it("streams: intact both ways passes; a short count, a corrupt byte, a reset or a second connection fails", () => {
    const good = checkStreams(new Map([["c1", stream("c1")]]), [serverSide("c1")]);
    assert.ok(good.every((check) => check.ok), JSON.stringify(good));
    const cases: [string, Map<string, StreamStats>, StreamStats[]][] = [
      ["short", new Map([["c1", stream("c1", { received: 1999 })]]), [serverSide("c1")]],
      ["corrupt", new Map([["c1", stream("c1")]]), [serverSide("c1", { firstCorruptOffset: 77 })]],
      ["reset", new Map([["c1", stream("c1", { state: "reset", error: "ECONNRESET" })]]), [serverSide("c1")]],
      ["reconnected", new Map([["c1", stream("c1", { connections: 2 })]]), [serverSide("c1", { connections: 2 })]],
      ["never accepted", new Map([["c1", stream("c1")]]), []],
    ];
    for (const [name, clients, servers] of cases) assert.ok(checkStreams(clients, servers).some((check) => !check.ok), name);
  });

  it("flows: port changes near a pull or restore pass, one with no event near fails, learning at the start is ignored", () => {
    const mac = "02:6f:6d:00:00:01";
    const events: LabEvent[] = [{ atMs: 10_000, kind: "pull", side: "switch", switchId: 1, port: 1, nic: "eth1", label: "pull" }];
    const change = (atMs: number, sa = "02:6f:6d:10:00:01"): FlowChange => ({ switchId: 1, atMs, kind: "egress", sa, da: mac, fromPort: 1, toPort: 0 });
    assert.ok(checkFlowStability([change(10_050), change(12_900)], events, mac, 3000, 0, 1000).ok);
    assert.ok(checkFlowStability([change(500)], events, mac, 3000, 0, 1000).ok, "warm-up");
    assert.ok(checkFlowStability([change(20_000, "02:aa:00:00:00:01")].map((c) => ({ ...c, da: "02:bb:00:00:00:02" })), events, mac, 3000, 0, 1000).ok, "not a server flow");
    const stray = checkFlowStability([change(15_000)], events, mac, 3000, 0, 1000);
    assert.equal(stray.ok, false);
    assert.match(stray.detail, /no pull or restore near/);
  });

  it("moves and console: a move record or log line of the server's MAC fails; an unanswered command fails", () => {
    const mac = "02:6f:6d:00:00:01";
    assert.ok(checkNoServerMoves(mac, [{ mac: "02:6f:6d:10:00:01" }], [], 3).ok);
    assert.equal(checkNoServerMoves(mac, [{ mac: mac.toUpperCase() }], [], 0).ok, false);
    assert.equal(checkNoServerMoves(mac, [], [`Host ${mac} in vlan 0 is flapping between port 0 and port 1`], 0).ok, false);
    assert.ok(checkConsole([{ atMs: 0, switchId: 1, command: "show trunks", ms: 12, ok: true, error: null }]).ok);
    assert.equal(checkConsole([{ atMs: 0, switchId: 1, command: "show trunks", ms: 10_000, ok: false, error: "timed out" }]).ok, false);
    assert.equal(checkConsole([]).ok, false, "a run that asked nothing proves nothing");
  });

  it("load: Mbit/s from cumulative counters, both directions, and the live view labels them toward the server", () => {
    const load = new LoadRecorder();
    const stats = (atMs: number, rxBytes: number, txBytes: number): SwitchStats => ({
      switchId: 1,
      atMs,
      ports: [{ rxFrames: 0, rxBytes, txFrames: 0, txBytes, txErrors: 0 }],
      linkMask: 1,
      framesIn: 0,
      framesFiltered: 0,
    });
    load.record(stats(0, 0, 0));
    load.record(stats(100, 125_000, 250_000)); // 10 and 20 Mbit/s over 100 ms
    assert.deepEqual(load.recent(1, 0), { inMbps: 10, outMbps: 20, up: true });
    const screen = renderLiveView({
      elapsedMs: 1000,
      totalMs: 10_000,
      links: [{ switchId: 1, port: 0, ifname: "s1p0", role: { role: "trunk", serverNic: "eth0" } }],
      load,
      status: "steady",
      footer: ["footer"],
    });
    // On a trunk port the switch sends toward the server: out = to server (20), in = from server (10).
    assert.match(screen, /switch 1 port 0 <-> server eth0 \(trk1\)\s+20\.0 Mb\/s\s+10\.0 Mb\/s\s+up/);
  });

  it("arguments: defaults, limits and a table too small for the members are refused", () => {
    const parsed = parseLabArguments([]);
    assert.equal(parsed.switches, 1);
    assert.equal(parsed.clients, 8);
    assert.throws(() => parseLabArguments(["--switches", "3"]), /--switches takes a whole number 1..2/);
    assert.throws(() => parseLabArguments(["--members", "4", "--index-bits", "1"]), /do not fit a table of 2 entries/);
    assert.throws(() => parseLabArguments(["--bogus"]), /unknown option "--bogus"/);
  });
});
