// The lab's HTML report (hosts/lab/report.ts): a realistic two-switch run rendered to one self-contained file. Its
// structure is checked here (every chart, every section, no URL outside text, hostile names escaped); then headless
// Chromium (Debian package, installed by setup-chromium.sh as root) opens it: no script error, no request at all,
// the hover script ran, and a full-page screenshot comes out. A page with a broken script and a missing image shows
// the browser check does catch both.
import assert from "node:assert/strict";
import { execFileSync } from "node:child_process";
import { copyFileSync, mkdtempSync, readFileSync, rmSync, statSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { after, describe, it } from "node:test";
import type { TrunkDistribution } from "../../modules/console/commands/show-distribution";
import {
  downsample,
  escapeHtml,
  openInChromium,
  renderLabReport,
  screenshotReport,
  serverSlotMap,
  switchBucketMap,
  writeLabReport,
  type LabReportData,
  type ReportClientRef,
  type ReportLink,
  type ReportLoadSample,
} from "../../hosts/lab/report";
import type { StreamStats } from "../../hosts/lab/types";
import { seededRandom } from "../seeded-random";

const EVIL_NAME = `<script>alert("x")</script>&c`;
const START = Date.UTC(2025, 0, 15, 10, 0, 0);
const SECONDS = 20;

function clientRefs(): ReportClientRef[] {
  const refs: ReportClientRef[] = [];
  for (let i = 1; i <= 8; i++) refs.push({ name: i === 8 ? EVIL_NAME : `c${i}`, mac: `02:6f:6d:10:00:${i.toString(16).padStart(2, "0")}` });
  return refs;
}

function stream(client: string, sent: number, received: number, gap: number, overrides: Partial<StreamStats> = {}): StreamStats {
  return {
    client,
    sent,
    received,
    longestGapMs: gap,
    longestGapEndedAtMs: START + 4200,
    firstCorruptOffset: -1,
    state: "closed",
    error: null,
    connections: 1,
    gaps: [{ endedAtMs: START + 4200, ms: gap }],
    ...overrides,
  };
}

/** Two switches, three server NICs, eight clients, a switch-side and a server-side pull, 100 ms samples. */
export function reportFixture(): LabReportData {
  const random = seededRandom(8);
  const refs = clientRefs();
  const pulls = { switchDown: START + 4000, switchUp: START + 8000, serverDown: START + 12000, serverUp: START + 16000 };
  const linkSpecs: { id: string; label: string; switchId: number; port: number; role: ReportLink["role"]; base: number; downAt?: [number, number] }[] = [
    { id: "s1p0", label: "switch 1 port 0 <-> server eth0", switchId: 1, port: 0, role: { role: "trunk", serverNic: "eth0" }, base: 12, downAt: [pulls.serverDown, pulls.serverUp] },
    { id: "s1p1", label: "switch 1 port 1 <-> server eth1", switchId: 1, port: 1, role: { role: "trunk", serverNic: "eth1" }, base: 12, downAt: [pulls.switchDown, pulls.switchUp] },
    { id: "s1p2", label: "switch 1 port 2 <-> clients c1 c2 c3 c4", switchId: 1, port: 2, role: { role: "clients", clients: ["c1", "c2", "c3", "c4"] }, base: 16 },
    { id: "s1p3", label: "switch 1 port 3 <-> switch 2 port 3", switchId: 1, port: 3, role: { role: "inter-switch", peer: { switchId: 2, port: 3 } }, base: 6 },
    { id: "s2p0", label: "switch 2 port 0 <-> server eth2", switchId: 2, port: 0, role: { role: "trunk", serverNic: "eth2" }, base: 8 },
    { id: "s2p1", label: `switch 2 port 1 <-> clients c5 c6 c7 ${EVIL_NAME}`, switchId: 2, port: 1, role: { role: "clients", clients: ["c5", "c6", "c7", EVIL_NAME] }, base: 16 },
  ];
  const links: ReportLink[] = linkSpecs.map((spec) => {
    const samples: ReportLoadSample[] = [];
    for (let t = 100; t <= SECONDS * 1000; t += 100) {
      const at = START + t;
      const up = !spec.downAt || at < spec.downAt[0] || at >= spec.downAt[1];
      const jitter = (): number => spec.base * (0.85 + 0.3 * random.next());
      samples.push({ atMs: at, toServerMbps: up ? jitter() : 0, fromServerMbps: up ? jitter() * 0.9 : 0, up });
    }
    return {
      id: spec.id,
      label: spec.label,
      switchId: spec.switchId,
      port: spec.port,
      role: spec.role,
      samples,
      ...(spec.role.role === "inter-switch" ? { directionLabels: ["switch 1 → switch 2", "switch 2 → switch 1"] as [string, string] } : {}),
    };
  });
  const distribution = (switchId: number, members: number[]): TrunkDistribution => ({
    trunk: "trk1",
    group: 0,
    members,
    loadBalance: "sa",
    indexBits: 3,
    tableSize: 8,
    chipProgramming: "group-bitmap" as TrunkDistribution["chipProgramming"],
    prediction: { label: "BCM53125 SA hash, low 2 bits (assumed)", saBits: 2 },
    load: { measured: "", estimate: "", totalTxFrames: 0, unattributedTxFrames: 0 },
    buckets: Array.from({ length: 8 }, (_, index) => ({
      index,
      member: members[index % members.length],
      predictedMembers: [members[(index >> 1) % members.length]],
      clients: refs.filter((ref) => (parseInt(ref.mac.slice(-2), 16) & 7) === index).map((ref) => ref.mac.toUpperCase()),
      estimatedTxFrames: 0,
    })),
    memberLoad: [],
    clients: refs.length,
  });
  const clients = refs.map((ref, i) => {
    const bytes = 500_000 * SECONDS;
    const corrupt = i === 6;
    return {
      name: ref.name,
      mac: ref.mac,
      ip: `10.77.0.${11 + i}`,
      linkId: i < 4 ? "s1p2" : "s2p1",
      clientEnd: stream(ref.name, bytes + i, bytes - i, 180 + 10 * i, corrupt ? { firstCorruptOffset: 123_456 } : {}),
      serverEnd: stream(ref.name, bytes - i, bytes + i, 150 + 7 * i, i === 5 ? { state: "reset", error: "ECONNRESET: read ECONNRESET" } : {}),
    };
  });
  return {
    title: "onemac lab: 2 switches, 3 server NICs, 8 clients",
    run: {
      startedAt: new Date(START - 15_000).toISOString(),
      durationSeconds: SECONDS,
      switches: 2,
      members: 3,
      clients: 8,
      indexBits: 3,
      rateBytesPerSecond: 500_000,
      versions: { node: "v20.20.2", kernel: "6.1.0", onemac: "0.1.0", "onemac-team backend": "userspace" },
      notes: ["Pulls at 1/5 and 3/5 of the run, restores at 2/5 and 4/5."],
    },
    startMs: START,
    endMs: START + SECONDS * 1000,
    links,
    events: [
      { atMs: pulls.switchDown, kind: "pull", side: "switch", linkId: "s1p1", label: "switch 1 port 1 down (switch side)" },
      { atMs: pulls.switchUp, kind: "restore", side: "switch", linkId: "s1p1", label: "switch 1 port 1 back" },
      { atMs: pulls.serverDown, kind: "pull", side: "server", linkId: "s1p0", label: "server eth0 down (server side)" },
      { atMs: pulls.serverUp, kind: "restore", side: "server", linkId: "s1p0", label: "server eth0 back" },
    ],
    bucketMaps: {
      switches: [switchBucketMap(1, distribution(1, [0, 1]), refs, { 0: "eth0", 1: "eth1" }), switchBucketMap(2, distribution(2, [0]), refs, { 0: "eth2" })],
      server: serverSlotMap("onemac0", ["eth0", "eth1", "eth2", "eth0", "eth1", "eth2", "eth0", "eth1"], refs),
    },
    clients,
    checks: [
      { name: "every TCP connection survived, never re-established", ok: true, detail: "8 clients, one connection each, accepted once each" },
      { name: "every byte stream intact, both directions, closed in order", ok: false, detail: `${EVIL_NAME}: the client end received a wrong byte at offset 123456` },
      { name: "no MAC move reported for the server's MAC", ok: true, detail: "none (14 appearances suppressed)" },
      { name: "the switch's console answered throughout", ok: true, detail: "26 commands, slowest answer 41 ms" },
    ],
    benchmarks: {
      throughput: [
        { label: "a Linux bridge", seconds: 3, goodputMbps: 2450.3, framesPerSecond: 210_000, frameMbps: 2520.1, averageFrameBytes: 1468 },
        { label: "the simulated BCM53125", seconds: 3, goodputMbps: 310.8, framesPerSecond: 27_100, frameMbps: 325.6, averageFrameBytes: 1431 },
      ],
      pulls: [
        { label: "switch 1 port 1 down (switch side)", side: "switch", longestGapMs: 212, framesLost: 3, framesLostSwitchEnd: 2, framesLostServerEnd: 1, retransmissions: 9 },
        { label: "server eth0 down (server side)", side: "server", longestGapMs: 188, framesLost: 1, framesLostSwitchEnd: 0, framesLostServerEnd: 1, retransmissions: 4 },
      ],
      pollIntervalMs: 10,
      rows: [{ label: "frames through the switches", value: "1 204 331" }],
    },
    consoleProbes: [
      { atMs: START + 1500, switchId: 1, command: "show trunks", ms: 22, ok: true, error: null },
      { atMs: START + 3000, switchId: 2, command: "show trunk distribution", ms: 41, ok: false, error: `unexpected answer: <b>% bad</b> see http://example.invalid/x` },
    ],
    transcripts: [{ title: "switch 1: show trunks", text: "Trunk  Members  Type\ntrk1   0-1      trunk\n</pre><img src=x onerror=alert(1)>" }],
  };
}

describe("lab report HTML", () => {
  const data = reportFixture();
  const html = renderLabReport(data);

  it("is one document with every section and one chart per link", () => {
    assert.match(html, /^<!DOCTYPE html><html lang="en">/);
    assert.ok(html.trimEnd().endsWith("</html>"));
    for (const id of ["checks", "benchmarks", "load", "events", "maps", "clients", "console", "verdict"]) assert.ok(html.includes(`id="${id}"`), id);
    assert.equal(html.split(`<svg class="chart"`).length - 1, data.links.length);
    for (const link of data.links) assert.ok(html.includes(`id="link-${link.id}"`), link.id);
    // Two series per chart, four event markers per chart, the down stretch on the two pulled links only.
    assert.equal(html.split(`<polyline class="series to"`).length - 1, data.links.length);
    assert.equal(html.split(`<polyline class="series from"`).length - 1, data.links.length);
    assert.equal(html.split(`<g class="event `).length - 1, data.links.length * data.events.length);
    assert.equal(html.split(`<g class="event pull own"`).length - 1, 2);
    assert.equal(html.split(`<rect class="down"`).length - 1, 2);
    assert.match(html, /1 of 4 checks FAILED/);
    // Switch maps: entries where the chip's predicted member differs are marked; the server map has all 8 slots.
    assert.ok(html.includes(`Switch 1, trk1: table entry → member port`) && html.includes(`Server onemac0: DA slot → NIC`));
    assert.ok(html.split(`<tr class="differs">`).length - 1 > 0);
    assert.ok(html.includes("ratio to a Linux bridge"));
  });

  it("loads nothing: no URL in an attribute, no external stylesheet, script or image", () => {
    // Text is escaped, so every "<" left outside the style and script elements opens a real tag.
    const markup = html.replace(/<style>[\s\S]*?<\/style>/g, "<style>").replace(/<script([^>]*)>[\s\S]*?<\/script>/g, "<script$1>");
    const tags = markup.match(/<[^>]*>/g) ?? [];
    assert.ok(tags.length > 1000);
    const loading = tags.filter((tag) => /\s(src|href|xmlns|action|poster|srcset|data)\s*=|^<(link|img|iframe|object|embed|audio|video|source)\b/i.test(tag));
    assert.deepEqual(loading, []);
    assert.ok(!/url\(|@import/i.test(html), "no CSS that loads anything");
    assert.deepEqual(tags.filter((tag) => /^<script\b/.test(tag)), ['<script type="application/json" id="chart-data">', "<script>"]);
    // The only URL is the one inside a console error's text, escaped.
    assert.equal(html.split("http://").length - 1, 1);
    assert.ok(html.includes("see http://example.invalid/x"));
    assert.doesNotMatch(html, /https:\/\//);
  });

  it("escapes every text from the run", () => {
    assert.equal(html.split("<script").length - 1, 2, "only the report's own two script elements");
    assert.ok(html.includes(escapeHtml(EVIL_NAME)));
    assert.ok(!html.includes(EVIL_NAME));
    assert.ok(html.includes("&lt;/pre&gt;&lt;img src=x onerror=alert(1)&gt;"));
    assert.ok(html.includes("&lt;b&gt;% bad&lt;/b&gt;"));
    // The chart data block cannot be closed by a string in it.
    const evil = reportFixture();
    evil.links[3].directionLabels = ["</script><script>alert(1)</script>", "x"];
    const evilHtml = renderLabReport(evil);
    assert.equal(evilHtml.split("</script>").length - 1, 2);
    const json = /<script type="application\/json" id="chart-data">(.*?)<\/script>/s.exec(evilHtml)![1];
    assert.equal((JSON.parse(json) as { a: string }[])[3].a, "</script><script>alert(1)</script>");
  });

  it("thins long runs for the charts and maps MACs to slots and names", () => {
    const long: ReportLoadSample[] = Array.from({ length: 36_000 }, (_, i) => ({ atMs: i * 100, toServerMbps: 1, fromServerMbps: 2, up: i < 100 || i > 200 }));
    const thin = downsample(long, 1200);
    assert.ok(thin.length <= 1200 && thin.length >= 1100, String(thin.length));
    assert.ok(thin.every((s) => s.toServerMbps === 1 && s.fromServerMbps === 2));
    assert.ok(thin.some((s) => !s.up), "a short outage survives thinning");
    const server = data.bucketMaps.server!;
    assert.equal(server.indexBits, 3);
    assert.deepEqual(server.slots[1].clients.map((c) => c.name), ["c1"]);
    assert.deepEqual(server.slots[0].clients.map((c) => c.name), [EVIL_NAME]);
    const map = data.bucketMaps.switches[0];
    assert.deepEqual(map.buckets[3].clients.map((c) => c.name), ["c3"], "upper-case MACs from the switch match");
    assert.equal(map.buckets[0].predictedMembers, undefined, "no prediction shown where it agrees");
    assert.deepEqual(map.buckets[1].predictedMembers, [0]);
  });
});

/** Installs chromium when missing (root); the reason the browser test cannot run otherwise. */
function setUpChromium(): string | null {
  if (process.platform !== "linux") return "needs Linux (Debian's chromium)";
  try {
    execFileSync("bash", [join(import.meta.dirname, "setup-chromium.sh")], { encoding: "utf8", timeout: 600_000, stdio: ["ignore", "pipe", "pipe"] });
    return null;
  } catch (error) {
    if ((error as { status?: number }).status === 2) return "chromium is missing and installing it needs root (apt-get)";
    throw error;
  }
}

const browserSkip = setUpChromium();

describe("lab report in headless Chromium", { skip: browserSkip ?? false }, () => {
  const folder = mkdtempSync(join(tmpdir(), "onemac-report-test-"));
  after(() => rmSync(folder, { recursive: true, force: true }));

  it("renders with no script error and no request, the hover script runs, and a full-page screenshot comes out", async () => {
    const htmlPath = join(folder, "report.html");
    writeLabReport(htmlPath, reportFixture());
    const check = await openInChromium(htmlPath, {
      expression: `({
        script: document.documentElement.getAttribute("data-script"),
        errors: document.documentElement.getAttribute("data-script-errors"),
        charts: document.querySelectorAll("svg.chart").length,
        drawn: Array.from(document.querySelectorAll("svg.chart polyline")).filter((p) => p.getBBox().width > 500).length,
        tooltips: document.querySelectorAll(".tooltip").length,
        text: document.body.innerText,
      })`,
    });
    assert.deepEqual(check.scriptErrors, []);
    assert.deepEqual(check.failedRequests, []);
    assert.deepEqual(check.requests, []);
    const value = check.value as { script: string; errors: string | null; charts: number; drawn: number; tooltips: number; text: string };
    assert.equal(value.script, "ran");
    assert.equal(value.errors, null);
    assert.equal(value.charts, 6);
    assert.equal(value.drawn, 12, "both lines of every chart span the plot");
    assert.equal(value.tooltips, 6);
    assert.ok(value.text.includes(EVIL_NAME), "the hostile name shows as text");
    assert.ok(check.height > 1500, `page height ${check.height}`);

    const png = join(folder, "report.png");
    await screenshotReport(htmlPath, png);
    const bytes = readFileSync(png);
    // ONEMAC_KEEP_REPORT=<folder> keeps the rendered fixture and its screenshot for a look.
    const keep = process.env.ONEMAC_KEEP_REPORT;
    if (keep) for (const name of ["report.html", "report.png"]) copyFileSync(join(folder, name), join(keep, name));
    assert.deepEqual([...bytes.subarray(0, 8)], [0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a]);
    assert.equal(bytes.readUInt32BE(16), 1280, "PNG width: nothing wider than the window");
    assert.ok(bytes.readUInt32BE(20) > 1500, "PNG height: the whole page");
    assert.ok(statSync(png).size > 50_000);
  });

  it("the check catches a script error and a failed request", async () => {
    const broken = join(folder, "broken.html");
    writeFileSync(broken, `<!DOCTYPE html><html><body><p>x</p><img src="missing.png"><script>console.error("said"); notDefined();</script></body></html>`);
    const check = await openInChromium(broken);
    assert.ok(check.scriptErrors.some((e) => /notDefined/.test(e)), JSON.stringify(check.scriptErrors));
    assert.ok(check.scriptErrors.some((e) => /said/.test(e)));
    assert.equal(check.failedRequests.length, 1, JSON.stringify(check));
    assert.equal(check.requests.length, 1);
    await assert.rejects(screenshotReport(broken, join(folder, "broken.png")), /script errors/);
  });
});
