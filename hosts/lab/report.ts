// The lab's HTML report: one self-contained file that needs no network. Inline CSS (light and dark), inline SVG charts
// drawn here, and a small inline script for hover read-outs; the page is complete without the script. Every text that
// comes from the run (client names, console output, check details) is escaped.
//
// Also: helpers that turn what the lab collected (the switch's `show trunk distribution | json`, the server's slot
// table) into the report's bucket maps, and a headless Chromium driver (DevTools protocol over a pipe, no npm
// dependency) that opens a report, reports script errors and failed requests, and takes a full-page screenshot.
import { execFileSync, spawn } from "node:child_process";
import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { dirname, join, resolve } from "node:path";
import { fileURLToPath, pathToFileURL } from "node:url";
import type { Readable, Writable } from "node:stream";
import { macLowBits, parseMac } from "../../modules/mac";
import type { TrunkDistribution } from "../../modules/console/commands/show-distribution";
import { formatBytes, type CheckResult, type ConsoleProbe } from "./checks";
import type { PullMeasurement, ThroughputMeasurement } from "./run";
import type { LinkRole, StreamStats } from "./types";

// ---- what the report shows ----------------------------------------------------------------------------------------

export interface LabReportData {
  title: string;
  run: {
    /** When the run started (ISO 8601). */
    startedAt: string;
    /** Seconds of traffic the charts cover. */
    durationSeconds: number;
    switches: number;
    /** Server NICs in the team. */
    members: number;
    clients: number;
    /** M of both tables (2^M entries). */
    indexBits?: number;
    /** Bytes per second each connection sent each way (0: unlimited). */
    rateBytesPerSecond?: number;
    /** Program versions: node, kernel, onemac, onemac-team backend ... */
    versions: Record<string, string>;
    /** Free lines shown under the run facts. */
    notes?: string[];
  };
  /** Wall-clock ms of the charts' time zero (traffic start) and end. */
  startMs: number;
  endMs: number;
  links: ReportLink[];
  events: ReportEvent[];
  bucketMaps: { switches: SwitchBucketMap[]; server: ServerSlotMap | null };
  clients: ReportClient[];
  checks: CheckResult[];
  benchmarks?: ReportBenchmarks;
  /** Console commands sent while traffic ran (summarised; failures listed). */
  consoleProbes?: ConsoleProbe[];
  /** Console answers or logs worth reading (`show trunks` at the end ...), shown verbatim. */
  transcripts?: { title: string; text: string }[];
}

export interface ReportLink {
  /** Unique, e.g. "s1p0". */
  id: string;
  /** e.g. "switch 1 port 0 <-> server eth0". */
  label: string;
  switchId: number;
  port: number;
  role: LinkRole;
  /**
   * Load samples (every 100-1000 ms): Mbit/s toward the server and from it on this cable. For an inter-switch link
   * the two directions are whatever `directionLabels` name.
   */
  samples: ReportLoadSample[];
  /** Legend names of the two directions (default "toward the server", "from the server"). */
  directionLabels?: [string, string];
}

export interface ReportLoadSample {
  atMs: number;
  toServerMbps: number;
  fromServerMbps: number;
  /** The switch saw link on the port. */
  up: boolean;
}

export interface ReportEvent {
  atMs: number;
  kind: "pull" | "restore";
  side: "switch" | "server";
  /** The pulled cable's ReportLink id, when it is one of the links. */
  linkId?: string;
  label: string;
}

export interface ReportClientRef {
  name: string;
  mac: string;
}

export interface SwitchBucketMap {
  switchId: number;
  trunk: string;
  indexBits: number;
  /** Set when the chip's choice is a prediction (the chip only hashes): what the prediction assumes. */
  predictionLabel?: string;
  /** Names of member ports, e.g. {0: "eth0"} (the server NIC on the far end). */
  memberLabels?: Record<number, string>;
  buckets: {
    index: number;
    /** Member port the table names (-1: none in service). */
    member: number;
    /** The chip's predicted member(s) for this entry, given only where they differ from `member`. */
    predictedMembers?: number[];
    clients: ReportClientRef[];
  }[];
}

export interface ServerSlotMap {
  team: string;
  indexBits: number;
  slots: { index: number; nic: string | null; clients: ReportClientRef[] }[];
}

export interface ReportClient {
  name: string;
  mac: string;
  ip?: string;
  /** The link (ReportLink id) its segment hangs on. */
  linkId?: string;
  /** The client's own end of its connection and the server's end of it (final stats). */
  clientEnd: StreamStats | null;
  serverEnd: StreamStats | null;
  /** Seconds the connection carried traffic (for goodput; default run.durationSeconds). */
  seconds?: number;
}

export interface ReportBenchmarks {
  /** Bulk TCP through each path; the first row is the baseline of the ratio column. */
  throughput?: ThroughputMeasurement[];
  pulls?: PullMeasurement[];
  /** The switch's link poll interval, shown beside the failover gaps. */
  pollIntervalMs?: number;
  /** Anything else, one row each. */
  rows?: { label: string; value: string }[];
}

// ---- helpers for whoever fills LabReportData ----------------------------------------------------------------------

function slotOf(mac: string, bits: number): number {
  const value = parseMac(mac);
  return Number.isFinite(value) ? macLowBits(value, bits) : -1;
}

/** One switch's bucket map from its `show trunk distribution | json` trunk, naming the clients it knows by MAC. */
export function switchBucketMap(switchId: number, distribution: TrunkDistribution, clients: readonly ReportClientRef[], memberLabels?: Record<number, string>): SwitchBucketMap {
  const byMac = new Map(clients.map((client) => [client.mac.toLowerCase(), client]));
  return {
    switchId,
    trunk: distribution.trunk,
    indexBits: distribution.indexBits,
    ...(distribution.prediction ? { predictionLabel: distribution.prediction.label } : {}),
    ...(memberLabels ? { memberLabels } : {}),
    buckets: distribution.buckets.map((bucket) => {
      const predicted = bucket.predictedMembers;
      const differs = predicted !== undefined && (predicted.length !== 1 || predicted[0] !== bucket.member);
      return {
        index: bucket.index,
        member: bucket.member,
        ...(differs ? { predictedMembers: [...predicted] } : {}),
        clients: bucket.clients.map((mac) => byMac.get(mac.toLowerCase()) ?? { name: "?", mac }),
      };
    }),
  };
}

/** The server's slot map from its slot table (slot -> NIC): each client lands in the slot of its MAC's low bits. */
export function serverSlotMap(team: string, table: readonly (string | null)[], clients: readonly ReportClientRef[]): ServerSlotMap {
  const bits = Math.round(Math.log2(Math.max(1, table.length)));
  return {
    team,
    indexBits: bits,
    slots: table.map((nic, index) => ({ index, nic, clients: clients.filter((client) => slotOf(client.mac, bits) === index) })),
  };
}

// ---- HTML -----------------------------------------------------------------------------------------------------------

/** Text for HTML content and attribute values. */
export function escapeHtml(text: unknown): string {
  return String(text).replace(/[&<>"']/g, (c) => ({ "&": "&amp;", "<": "&lt;", ">": "&gt;", '"': "&quot;", "'": "&#39;" })[c]!);
}

/** JSON that can sit inside <script type="application/json"> whatever strings it holds. */
function scriptJson(value: unknown): string {
  return JSON.stringify(value).replace(/</g, "\\u003c").replace(/>/g, "\\u003e").replace(/&/g, "\\u0026").replace(/\u2028/g, "\\u2028").replace(/\u2029/g, "\\u2029");
}

const esc = escapeHtml;

function fixed(value: number, digits = 1): string {
  return Number.isFinite(value) ? value.toFixed(digits) : "–";
}

function seconds(ms: number): string {
  return `${(ms / 1000).toFixed(1)} s`;
}

/** A round step for about `count` ticks over `span`. */
function niceStep(span: number, count: number): number {
  const raw = span / Math.max(1, count);
  const power = 10 ** Math.floor(Math.log10(raw || 1));
  for (const factor of [1, 2, 2.5, 5, 10]) if (raw <= factor * power) return factor * power;
  return 10 * power;
}

/** At most `limit` samples: averages over equal time slices (a link counts as down in a slice if it was down once). */
export function downsample(samples: readonly ReportLoadSample[], limit: number): ReportLoadSample[] {
  if (samples.length <= limit) return [...samples];
  const first = samples[0].atMs;
  const span = samples[samples.length - 1].atMs - first || 1;
  const out: ReportLoadSample[] = [];
  let slice = -1;
  let sum = { to: 0, from: 0, at: 0, n: 0, up: true };
  const flush = (): void => {
    if (sum.n) out.push({ atMs: sum.at / sum.n, toServerMbps: sum.to / sum.n, fromServerMbps: sum.from / sum.n, up: sum.up });
    sum = { to: 0, from: 0, at: 0, n: 0, up: true };
  };
  for (const sample of samples) {
    const s = Math.min(limit - 1, Math.floor(((sample.atMs - first) / span) * limit));
    if (s !== slice) {
      flush();
      slice = s;
    }
    sum.to += sample.toServerMbps;
    sum.from += sample.fromServerMbps;
    sum.at += sample.atMs;
    sum.n++;
    sum.up &&= sample.up;
  }
  flush();
  return out;
}

const CHART = { width: 960, height: 190, left: 58, right: 14, top: 22, bottom: 30 };
const MAX_POINTS = 1200;

function linkChart(link: ReportLink, index: number, data: LabReportData, samples: readonly ReportLoadSample[]): string {
  const { width, height, left, right, top, bottom } = CHART;
  const t0 = data.startMs;
  const t1 = Math.max(data.endMs, t0 + 1);
  const plotW = width - left - right;
  const plotH = height - top - bottom;
  const peak = samples.reduce((max, s) => Math.max(max, s.toServerMbps, s.fromServerMbps), 0);
  const yStep = niceStep(Math.max(peak, 0.1), 4);
  const yMax = Math.max(yStep, Math.ceil((peak * 1.05) / yStep) * yStep);
  const x = (ms: number): number => left + ((Math.min(Math.max(ms, t0), t1) - t0) / (t1 - t0)) * plotW;
  const y = (mbps: number): number => top + plotH - (Math.max(0, mbps) / yMax) * plotH;
  const parts: string[] = [];
  const [toLabel, fromLabel] = link.directionLabels ?? ["toward the server", "from the server"];
  parts.push(
    `<svg class="chart" viewBox="0 0 ${width} ${height}" role="img" data-link="${index}" aria-label="${esc(`Load on ${link.label}: ${toLabel} and ${fromLabel}, Mbit/s over time`)}">`,
  );
  // Down stretches first, under everything else.
  let downFrom: number | null = null;
  const downRects: string[] = [];
  samples.forEach((sample, i) => {
    if (!sample.up && downFrom === null) downFrom = i > 0 ? samples[i - 1].atMs : sample.atMs;
    const last = i === samples.length - 1;
    if (downFrom !== null && (sample.up || last)) {
      const end = sample.atMs;
      downRects.push(
        `<rect class="down" x="${x(downFrom).toFixed(1)}" y="${top}" width="${Math.max(1, x(end) - x(downFrom)).toFixed(1)}" height="${plotH}"><title>link down ${esc(seconds(downFrom - t0))} – ${esc(seconds(end - t0))}</title></rect>`,
      );
      downFrom = null;
    }
  });
  parts.push(...downRects);
  // Grid and axes.
  for (let v = 0; v <= yMax + 1e-9; v += yStep) {
    const yy = y(v).toFixed(1);
    parts.push(`<line class="grid" x1="${left}" x2="${width - right}" y1="${yy}" y2="${yy}"/>`);
    parts.push(`<text class="tick" x="${left - 6}" y="${yy}" text-anchor="end" dominant-baseline="middle">${esc(fixed(v, yStep < 1 ? 1 : 0))}</text>`);
  }
  const spanS = (t1 - t0) / 1000;
  const xStep = niceStep(spanS, 10);
  for (let s = 0; s <= spanS + 1e-9; s += xStep) {
    const xx = x(t0 + s * 1000).toFixed(1);
    parts.push(`<line class="grid" x1="${xx}" x2="${xx}" y1="${top}" y2="${top + plotH}"/>`);
    parts.push(`<text class="tick" x="${xx}" y="${height - bottom + 16}" text-anchor="middle">${esc(`${Number(s.toFixed(3))} s`)}</text>`);
  }
  parts.push(`<text class="axis" x="14" y="${top + plotH / 2}" transform="rotate(-90 14 ${top + plotH / 2})" text-anchor="middle">Mbit/s</text>`);
  parts.push(`<rect class="frame" x="${left}" y="${top}" width="${plotW}" height="${plotH}"/>`);
  // The two directions.
  const line = (pick: (s: ReportLoadSample) => number, cls: string): string =>
    samples.length ? `<polyline class="${cls}" points="${samples.map((s) => `${x(s.atMs).toFixed(1)},${y(pick(s)).toFixed(1)}`).join(" ")}"/>` : "";
  parts.push(line((s) => s.toServerMbps, "series to"));
  parts.push(line((s) => s.fromServerMbps, "series from"));
  // Pulls and restores: on every chart, stronger on the cable they concern.
  data.events.forEach((event, e) => {
    const xx = x(event.atMs).toFixed(1);
    const own = event.linkId === link.id ? " own" : "";
    parts.push(
      `<g class="event ${event.kind}${own}"><line x1="${xx}" x2="${xx}" y1="${top - 4}" y2="${top + plotH}"/><text x="${xx}" y="${top - 8}" text-anchor="middle">${esc(`${event.kind === "pull" ? "▼" : "▲"}${e + 1}`)}</text><title>${esc(`+${seconds(event.atMs - t0)} ${event.label}`)}</title></g>`,
    );
  });
  if (!samples.length) parts.push(`<text class="empty" x="${left + plotW / 2}" y="${top + plotH / 2}" text-anchor="middle">no samples</text>`);
  parts.push(`<rect class="hover" x="${left}" y="${top}" width="${plotW}" height="${plotH}"/>`);
  parts.push("</svg>");
  return parts.join("");
}

function statusCell(ok: boolean): string {
  return ok ? `<td class="verdict pass">PASS</td>` : `<td class="verdict fail">FAIL</td>`;
}

function table(headers: readonly string[], rows: readonly string[], className = ""): string {
  return `<table${className ? ` class="${className}"` : ""}><thead><tr>${headers.map((h) => `<th>${esc(h)}</th>`).join("")}</tr></thead><tbody>${rows.join("")}</tbody></table>`;
}

function clientList(clients: readonly ReportClientRef[]): string {
  if (!clients.length) return `<span class="muted">–</span>`;
  return clients.map((client) => `<span class="client" title="${esc(client.mac)}">${esc(client.name)} <span class="mac">${esc(client.mac)}</span></span>`).join(" ");
}

function memberBadge(key: string, colorIndex: number, text: string): string {
  return `<span class="badge m${colorIndex % 8}" data-member="${esc(key)}">${esc(text)}</span>`;
}

function switchMapSection(map: SwitchBucketMap): string {
  const members = [...new Set(map.buckets.flatMap((bucket) => [bucket.member, ...(bucket.predictedMembers ?? [])]).filter((port) => port >= 0))].sort((a, b) => a - b);
  const colorOf = (port: number): number => members.indexOf(port);
  const name = (port: number): string => (port < 0 ? "none" : `port ${port}${map.memberLabels?.[port] ? ` (${map.memberLabels[port]})` : ""}`);
  const rows = map.buckets.map((bucket) => {
    const predicted = bucket.predictedMembers
      ? bucket.predictedMembers.map((port) => memberBadge(`s${map.switchId}p${port}`, colorOf(port), name(port))).join(" ")
      : `<span class="muted">same</span>`;
    return `<tr${bucket.predictedMembers ? ` class="differs"` : ""}><td class="num">${bucket.index}</td><td class="mono">${esc(bucket.index.toString(2).padStart(map.indexBits, "0"))}</td><td>${bucket.member < 0 ? `<span class="muted">none</span>` : memberBadge(`s${map.switchId}p${bucket.member}`, colorOf(bucket.member), name(bucket.member))}</td>${map.predictionLabel !== undefined ? `<td>${predicted}</td>` : ""}<td>${clientList(bucket.clients)}</td></tr>`;
  });
  const headers = ["entry", "SA low bits", "member (table)", ...(map.predictionLabel !== undefined ? ["chip's member (predicted, where it differs)"] : []), "clients whose SA selects it"];
  return `<div class="map"><h3>${esc(`Switch ${map.switchId}, ${map.trunk}: table entry → member port`)}</h3>${
    map.predictionLabel ? `<p class="muted">${esc(`The chip only hashes: its member is a prediction (${map.predictionLabel}).`)}</p>` : ""
  }${table(headers, rows, "buckets")}</div>`;
}

function serverMapSection(map: ServerSlotMap): string {
  const nics = [...new Set(map.slots.map((slot) => slot.nic).filter((nic): nic is string => nic !== null))].sort();
  const rows = map.slots.map(
    (slot) =>
      `<tr><td class="num">${slot.index}</td><td class="mono">${esc(slot.index.toString(2).padStart(map.indexBits, "0"))}</td><td>${slot.nic === null ? `<span class="muted">none</span>` : memberBadge(`nic-${slot.nic}`, nics.indexOf(slot.nic), slot.nic)}</td><td>${clientList(slot.clients)}</td></tr>`,
  );
  return `<div class="map"><h3>${esc(`Server ${map.team}: DA slot → NIC`)}</h3>${table(["slot", "DA low bits", "NIC", "clients it sends to through it"], rows, "buckets")}</div>`;
}

function clientRows(data: LabReportData): string[] {
  return data.clients.map((client) => {
    const secondsRun = client.seconds ?? data.run.durationSeconds;
    const toServer = client.serverEnd?.received ?? 0;
    const fromServer = client.clientEnd?.received ?? 0;
    const mbps = (bytes: number): string => (secondsRun > 0 ? fixed((bytes * 8) / secondsRun / 1e6, 2) : "–");
    const ends = [client.clientEnd, client.serverEnd];
    const gap = Math.max(...ends.map((end) => end?.longestGapMs ?? 0));
    const gapEnd = ends.reduce((best, end) => (end && end.longestGapMs === gap ? end.longestGapEndedAtMs : best), 0);
    const corrupt = ends.filter((end) => end && end.firstCorruptOffset >= 0);
    const states = ends.map((end) => end?.state ?? "missing");
    const ok = states.every((state) => state === "closed") && corrupt.length === 0 && ends.every((end) => end?.connections === 1);
    const error = ends.map((end) => end?.error).find((e) => e);
    return `<tr><td>${esc(client.name)}</td><td class="mono">${esc(client.mac)}</td><td class="mono">${esc(client.ip ?? "")}</td><td>${esc(
      client.linkId ?? "",
    )}</td><td class="num">${mbps(toServer)}</td><td class="num">${mbps(fromServer)}</td><td class="num">${esc(formatBytes(toServer + fromServer))}</td><td class="num">${gap} ms${
      gapEnd ? ` <span class="muted">at +${esc(seconds(gapEnd - data.startMs))}</span>` : ""
    }</td><td>${esc(states.join(" / "))}${error ? `<div class="muted small">${esc(error)}</div>` : ""}${
      corrupt.length ? `<div class="fail-text small">wrong byte at offset ${corrupt.map((end) => end!.firstCorruptOffset).join(", ")}</div>` : ""
    }</td><td class="num">${esc(ends.map((end) => end?.connections ?? 0).join(" / "))}</td>${statusCell(ok)}</tr>`;
  });
}

function benchmarkSection(benchmarks: ReportBenchmarks | undefined): string {
  if (!benchmarks) return "";
  const parts: string[] = [];
  if (benchmarks.throughput?.length) {
    const base = benchmarks.throughput[0];
    const rows = benchmarks.throughput.map(
      (row) =>
        `<tr><td>${esc(row.label)}</td><td class="num">${fixed(row.seconds)} s</td><td class="num">${fixed(row.goodputMbps)}</td><td class="num">${fixed(row.framesPerSecond, 0)}</td><td class="num">${fixed(row.frameMbps)}</td><td class="num">${fixed(row.averageFrameBytes, 0)}</td><td class="num">${
          row === base || !base.goodputMbps ? "1" : fixed(row.goodputMbps / base.goodputMbps, 3)
        }</td></tr>`,
    );
    parts.push(
      `<h3>Throughput (bulk TCP, all clients)</h3>${table(["through", "measured", "TCP goodput Mbit/s", "frames/s", "frame Mbit/s", "mean frame bytes", `ratio to ${base.label}`], rows)}`,
    );
  }
  if (benchmarks.pulls?.length) {
    const rows = benchmarks.pulls.map(
      (row) =>
        `<tr><td>${esc(row.label)}</td><td>${esc(row.side)}</td><td class="num">${row.longestGapMs} ms</td><td class="num">${row.framesLost} (${row.framesLostSwitchEnd} + ${row.framesLostServerEnd})</td><td class="num">${row.retransmissions}</td></tr>`,
    );
    parts.push(
      `<h3>Failover${benchmarks.pollIntervalMs !== undefined ? esc(` (link poll interval ${benchmarks.pollIntervalMs} ms)`) : ""}</h3>${table(
        ["pull", "side", "longest gap in a stream", "frames lost (switch end + server end)", "TCP retransmissions"],
        rows,
      )}`,
    );
  }
  if (benchmarks.rows?.length) parts.push(table(["measure", "value"], benchmarks.rows.map((row) => `<tr><td>${esc(row.label)}</td><td>${esc(row.value)}</td></tr>`)));
  return parts.length ? `<section id="benchmarks"><h2>Benchmarks</h2>${parts.join("")}</section>` : "";
}

function consoleSection(data: LabReportData): string {
  const probes = data.consoleProbes ?? [];
  const transcripts = data.transcripts ?? [];
  if (!probes.length && !transcripts.length) return "";
  const parts: string[] = [];
  if (probes.length) {
    const failed = probes.filter((probe) => !probe.ok);
    const slowest = probes.reduce((max, probe) => Math.max(max, probe.ms), 0);
    const commands = [...new Set(probes.map((probe) => probe.command))];
    parts.push(
      `<p>${esc(`${probes.length} console commands while traffic ran (${commands.join(", ")}); ${failed.length} failed; slowest answer ${slowest} ms.`)}</p>`,
    );
    if (failed.length)
      parts.push(
        table(
          ["at", "switch", "command", "error"],
          failed.map((p) => `<tr><td>+${esc(seconds(p.atMs - data.startMs))}</td><td>${p.switchId}</td><td class="mono">${esc(p.command)}</td><td>${esc(p.error ?? "")}</td></tr>`),
        ),
      );
  }
  for (const transcript of transcripts) parts.push(`<details><summary>${esc(transcript.title)}</summary><pre>${esc(transcript.text)}</pre></details>`);
  return `<section id="console"><h2>Console</h2>${parts.join("")}</section>`;
}

const STYLE = `
:root { color-scheme: light dark; --bg: #ffffff; --fg: #1d2327; --muted: #66707a; --line: #d6dbe0; --panel: #f5f7f9;
  --to: #1f6fd1; --from: #e07b00; --pull: #d12f2f; --restore: #1f9d55; --down: rgba(209,47,47,0.12);
  --pass: #1f9d55; --fail: #d12f2f; --differs: rgba(224,123,0,0.14);
  --m0: #3b82f6; --m1: #f59e0b; --m2: #10b981; --m3: #a855f7; --m4: #ef4444; --m5: #14b8a6; --m6: #eab308; --m7: #ec4899; }
@media (prefers-color-scheme: dark) { :root { --bg: #15191d; --fg: #e3e7ea; --muted: #98a2ab; --line: #333b43; --panel: #1d2329;
  --to: #5aa2ff; --from: #ffa53d; --pull: #ff6b6b; --restore: #4ade80; --down: rgba(255,107,107,0.16); --differs: rgba(255,165,61,0.16); } }
* { box-sizing: border-box; }
body { margin: 0; padding: 24px 32px 48px; background: var(--bg); color: var(--fg); font: 14px/1.45 system-ui, -apple-system, "Segoe UI", Roboto, sans-serif; max-width: 1280px; }
h1 { font-size: 24px; margin: 0 0 4px; } h2 { font-size: 19px; margin: 32px 0 10px; border-bottom: 1px solid var(--line); padding-bottom: 4px; }
h3 { font-size: 15px; margin: 18px 0 8px; }
.muted { color: var(--muted); } .small { font-size: 12px; } .mono, .mac, pre { font-family: ui-monospace, "DejaVu Sans Mono", Menlo, Consolas, monospace; }
.mac { color: var(--muted); font-size: 12px; white-space: nowrap; }
.facts { display: flex; flex-wrap: wrap; gap: 6px 22px; margin: 8px 0; } .facts div b { font-weight: 600; }
.verdict-banner { margin: 16px 0; padding: 12px 16px; border-radius: 8px; font-size: 17px; font-weight: 600; color: #fff; }
.verdict-banner.pass { background: var(--pass); } .verdict-banner.fail { background: var(--fail); }
table { border-collapse: collapse; width: 100%; margin: 6px 0 12px; }
th, td { text-align: left; padding: 5px 8px; border-bottom: 1px solid var(--line); vertical-align: top; }
th { background: var(--panel); font-weight: 600; font-size: 13px; } td.num, th.num { text-align: right; white-space: nowrap; }
td.verdict { font-weight: 700; } td.verdict.pass, .pass-text { color: var(--pass); } td.verdict.fail, .fail-text { color: var(--fail); }
table.checks td { font-size: 14px; } table.checks td.verdict { width: 70px; }
tr.differs td { background: var(--differs); }
.badge { display: inline-block; padding: 0 7px; border-radius: 10px; color: #fff; font-size: 12px; font-weight: 600; white-space: nowrap; }
.m0 { background: var(--m0); } .m1 { background: var(--m1); } .m2 { background: var(--m2); } .m3 { background: var(--m3); }
.m4 { background: var(--m4); } .m5 { background: var(--m5); } .m6 { background: var(--m6); } .m7 { background: var(--m7); }
.client { display: inline-block; margin-right: 10px; overflow-wrap: anywhere; }
.legend { display: flex; flex-wrap: wrap; gap: 6px 20px; margin: 6px 0 10px; font-size: 13px; }
.legend .key { display: inline-block; width: 22px; height: 0; border-top: 3px solid; vertical-align: middle; margin-right: 6px; }
.legend .key.to { border-color: var(--to); } .legend .key.from { border-color: var(--from); }
.legend .key.pull { border-top: 2px dashed var(--pull); } .legend .key.restore { border-top: 2px dashed var(--restore); }
.legend .key.down { border: 0; height: 12px; background: var(--down); }
.link-chart { margin: 4px 0 16px; position: relative; } .link-chart h3 { margin: 8px 0 2px; }
svg.chart { width: 100%; height: auto; display: block; overflow: visible; }
svg.chart .grid { stroke: var(--line); stroke-width: 1; } svg.chart .frame { fill: none; stroke: var(--line); }
svg.chart .tick, svg.chart .axis, svg.chart .empty { fill: var(--muted); font-size: 11px; }
svg.chart .series { fill: none; stroke-width: 1.8; stroke-linejoin: round; }
svg.chart .series.to { stroke: var(--to); } svg.chart .series.from { stroke: var(--from); }
svg.chart .down { fill: var(--down); }
svg.chart .event line { stroke-width: 1.2; stroke-dasharray: 4 3; } svg.chart .event.own line { stroke-width: 2.4; }
svg.chart .event text { font-size: 11px; font-weight: 600; }
svg.chart .event.pull line { stroke: var(--pull); } svg.chart .event.pull text { fill: var(--pull); }
svg.chart .event.restore line { stroke: var(--restore); } svg.chart .event.restore text { fill: var(--restore); }
svg.chart .hover { fill: transparent; } svg.chart .cursor { stroke: var(--muted); stroke-width: 1; }
.tooltip { position: absolute; pointer-events: none; background: var(--panel); border: 1px solid var(--line); border-radius: 6px; padding: 4px 8px; font-size: 12px; white-space: nowrap; display: none; }
.maps { display: grid; grid-template-columns: repeat(auto-fit, minmax(420px, 1fr)); gap: 0 28px; } .maps > .map { min-width: 0; overflow-x: auto; }
pre { background: var(--panel); padding: 10px; border-radius: 6px; overflow-x: auto; font-size: 12px; }
details summary { cursor: pointer; margin: 6px 0; }
footer { margin-top: 36px; color: var(--muted); font-size: 12px; }
`;

/** The hover read-out: the nearest sample's values and time under the pointer. The page is complete without it. */
const SCRIPT = `
(function () {
  var root = document.documentElement;
  var errors = [];
  window.addEventListener("error", function (event) { errors.push(String(event.message)); root.setAttribute("data-script-errors", errors.join(" | ")); });
  var source = document.getElementById("chart-data");
  var charts = source ? JSON.parse(source.textContent) : [];
  var box = document.querySelectorAll("svg.chart");
  Array.prototype.forEach.call(box, function (svg) {
    var data = charts[Number(svg.getAttribute("data-link"))];
    var hover = svg.querySelector("rect.hover");
    if (!data || !hover || !data.t.length) return;
    var holder = svg.parentNode;
    var tip = document.createElement("div");
    tip.className = "tooltip";
    holder.appendChild(tip);
    var cursor = document.createElementNS(svg.namespaceURI, "line");
    cursor.setAttribute("class", "cursor");
    cursor.setAttribute("y1", hover.getAttribute("y"));
    cursor.setAttribute("y2", String(Number(hover.getAttribute("y")) + Number(hover.getAttribute("height"))));
    cursor.style.display = "none";
    svg.insertBefore(cursor, hover);
    hover.addEventListener("mousemove", function (event) {
      var rect = svg.getBoundingClientRect();
      var vx = (event.clientX - rect.left) * (${CHART.width} / rect.width);
      var best = 0;
      for (var i = 1; i < data.x.length; i++) if (Math.abs(data.x[i] - vx) < Math.abs(data.x[best] - vx)) best = i;
      cursor.setAttribute("x1", data.x[best]); cursor.setAttribute("x2", data.x[best]); cursor.style.display = "";
      tip.textContent = "+" + data.t[best].toFixed(1) + " s  " + data.a + " " + data.to[best].toFixed(2) + "  " + data.b + " " + data.from[best].toFixed(2) + " Mbit/s" + (data.up[best] ? "" : "  (down)");
      tip.style.display = "block";
      var left = event.clientX - holder.getBoundingClientRect().left + 14;
      tip.style.left = Math.min(left, holder.clientWidth - tip.offsetWidth - 4) + "px";
      tip.style.top = (event.clientY - holder.getBoundingClientRect().top + 14) + "px";
    });
    hover.addEventListener("mouseleave", function () { tip.style.display = "none"; cursor.style.display = "none"; });
  });
  root.setAttribute("data-script", "ran");
})();
`;

export function renderLabReport(data: LabReportData): string {
  const t0 = data.startMs;
  const allOk = data.checks.length > 0 && data.checks.every((check) => check.ok);
  const failed = data.checks.filter((check) => !check.ok).length;
  const chartSamples = data.links.map((link) => downsample(link.samples, MAX_POINTS));
  const chartData = data.links.map((link, i) => {
    const samples = chartSamples[i];
    const span = Math.max(data.endMs, t0 + 1) - t0;
    const plotW = CHART.width - CHART.left - CHART.right;
    const [a, b] = link.directionLabels ?? ["to server", "from server"];
    return {
      a,
      b,
      t: samples.map((s) => Number(((s.atMs - t0) / 1000).toFixed(2))),
      x: samples.map((s) => Number((CHART.left + ((Math.min(Math.max(s.atMs, t0), t0 + span) - t0) / span) * plotW).toFixed(1))),
      to: samples.map((s) => Number(s.toServerMbps.toFixed(3))),
      from: samples.map((s) => Number(s.fromServerMbps.toFixed(3))),
      up: samples.map((s) => (s.up ? 1 : 0)),
    };
  });
  const run = data.run;
  const facts: [string, string][] = [
    ["started", run.startedAt],
    ["traffic", `${fixed(run.durationSeconds)} s`],
    ["switches", String(run.switches)],
    ["server NICs", String(run.members)],
    ["clients", String(run.clients)],
    ...(run.indexBits !== undefined ? ([["table", `M = ${run.indexBits} (${2 ** run.indexBits} entries)`]] as [string, string][]) : []),
    ...(run.rateBytesPerSecond !== undefined
      ? ([["load per connection", run.rateBytesPerSecond ? `${formatBytes(run.rateBytesPerSecond)}/s each way` : "unlimited"]] as [string, string][])
      : []),
  ];
  const html: string[] = [];
  html.push(`<!DOCTYPE html><html lang="en"><head><meta charset="utf-8"><meta name="viewport" content="width=device-width, initial-scale=1">`);
  html.push(`<title>${esc(data.title)}</title><style>${STYLE}</style></head><body>`);
  html.push(`<header><h1>${esc(data.title)}</h1><div class="facts">${facts.map(([k, v]) => `<div><span class="muted">${esc(k)}</span> <b>${esc(v)}</b></div>`).join("")}</div>`);
  for (const note of run.notes ?? []) html.push(`<p class="muted">${esc(note)}</p>`);
  html.push(
    `<div class="verdict-banner ${allOk ? "pass" : "fail"}" id="verdict">${esc(
      allOk ? `All ${data.checks.length} checks passed` : data.checks.length ? `${failed} of ${data.checks.length} checks FAILED` : "No checks were run",
    )}</div></header>`,
  );

  html.push(`<section id="checks"><h2>Checks</h2>${table(["", "check", "detail"], data.checks.map((check) => `<tr>${statusCell(check.ok)}<td>${esc(check.name)}</td><td>${esc(check.detail)}</td></tr>`), "checks")}</section>`);

  html.push(benchmarkSection(data.benchmarks));

  html.push(`<section id="load"><h2>Load per link</h2>`);
  html.push(
    `<div class="legend"><span><span class="key to"></span>toward the server</span><span><span class="key from"></span>from the server</span><span><span class="key pull"></span>cable pulled (▼n)</span><span><span class="key restore"></span>cable back (▲n)</span><span><span class="key down"></span>switch saw no link</span></div>`,
  );
  data.links.forEach((link, i) => {
    const [toLabel, fromLabel] = link.directionLabels ?? ["toward the server", "from the server"];
    const samples = link.samples;
    const mean = (pick: (s: ReportLoadSample) => number): number => (samples.length ? samples.reduce((sum, s) => sum + pick(s), 0) / samples.length : 0);
    html.push(
      `<div class="link-chart" id="link-${esc(link.id)}"><h3>${esc(link.label)} <span class="muted small">${esc(`${link.role.role}; mean ${fixed(mean((s) => s.toServerMbps), 2)} Mbit/s ${toLabel}, ${fixed(mean((s) => s.fromServerMbps), 2)} Mbit/s ${fromLabel}`)}</span></h3>${linkChart(link, i, data, chartSamples[i])}</div>`,
    );
  });
  html.push(`</section>`);

  html.push(
    `<section id="events"><h2>Pulls and recoveries</h2>${
      data.events.length
        ? table(
            ["#", "at", "what", "side", "link"],
            data.events.map(
              (event, i) =>
                `<tr><td class="num">${event.kind === "pull" ? "▼" : "▲"}${i + 1}</td><td class="num">+${esc(seconds(event.atMs - t0))}</td><td>${esc(event.label)}</td><td>${esc(event.side)}</td><td>${esc(
                  data.links.find((link) => link.id === event.linkId)?.label ?? event.linkId ?? "",
                )}</td></tr>`,
            ),
          )
        : `<p class="muted">No cable was pulled.</p>`
    }</section>`,
  );

  html.push(`<section id="maps"><h2>Bucket maps</h2><p class="muted">The switch picks a trunk member from the low bits of a frame's source MAC (the client), the server picks a NIC from the low bits of the destination MAC (the client): the same kind of table on both sides.</p><div class="maps">`);
  for (const map of data.bucketMaps.switches) html.push(switchMapSection(map));
  if (data.bucketMaps.server) html.push(serverMapSection(data.bucketMaps.server));
  html.push(`</div></section>`);

  html.push(
    `<section id="clients"><h2>TCP per client</h2>${table(
      ["client", "MAC", "IP", "link", "to server Mbit/s", "from server Mbit/s", "verified", "longest gap", "state (client / server end)", "connections", ""],
      clientRows(data),
      "clients",
    )}</section>`,
  );

  html.push(consoleSection(data));

  const versions = Object.entries(run.versions);
  html.push(`<footer>${versions.length ? esc(versions.map(([k, v]) => `${k} ${v}`).join(" · ")) + "<br>" : ""}Generated by the onemac lab. This page loads nothing from the network.</footer>`);
  html.push(`<script type="application/json" id="chart-data">${scriptJson(chartData)}</script>`);
  html.push(`<script>${SCRIPT}</script></body></html>`);
  return html.join("\n");
}

/** Writes the report (creating its folder). */
export function writeLabReport(path: string, data: LabReportData): void {
  mkdirSync(dirname(resolve(path)), { recursive: true });
  writeFileSync(path, renderLabReport(data));
}

// ---- headless Chromium ----------------------------------------------------------------------------------------------

export interface BrowserCheck {
  /** Uncaught exceptions and console errors while the page loaded. */
  scriptErrors: string[];
  /** Requests that failed, and every URL the page asked for besides itself. */
  failedRequests: string[];
  requests: string[];
  /** What `expression` evaluated to in the page (JSON-able), if one was given. */
  value: unknown;
  /** Full-page size in CSS pixels. */
  width: number;
  height: number;
}

/** The chromium binary on PATH, or null. */
export function findChromium(): string | null {
  for (const name of ["chromium", "chromium-browser"]) {
    try {
      return execFileSync("sh", ["-c", `command -v ${name}`], { encoding: "utf8" }).trim() || null;
    } catch {
      // Not this one.
    }
  }
  return null;
}

/**
 * Opens an HTML file in headless Chromium (DevTools protocol over --remote-debugging-pipe), waits for it to load,
 * collects script errors and requests, evaluates `expression` in the page and, with `screenshotPath`, writes a PNG of
 * the whole page. Bounded by `timeoutMs`.
 */
export async function openInChromium(
  htmlPath: string,
  options: { chromium?: string; screenshotPath?: string; expression?: string; width?: number; timeoutMs?: number } = {},
): Promise<BrowserCheck> {
  const chromium = options.chromium ?? findChromium();
  if (!chromium) throw new Error("chromium is not installed (Debian package chromium)");
  const width = options.width ?? 1280;
  const profile = mkdtempSync(join(tmpdir(), "onemac-report-chromium-"));
  const child = spawn(
    chromium,
    [
      "--headless",
      "--no-sandbox",
      "--disable-gpu",
      "--disable-quic",
      "--no-first-run",
      "--disable-background-networking",
      "--disable-component-update",
      "--disable-sync",
      "--disable-extensions",
      "--hide-scrollbars",
      "--mute-audio",
      `--user-data-dir=${profile}`,
      `--window-size=${width},900`,
      "--remote-debugging-pipe",
      "about:blank",
    ],
    { stdio: ["ignore", "ignore", "pipe", "pipe", "pipe"] },
  );
  let stderr = "";
  child.stderr!.setEncoding("utf8").on("data", (text: string) => (stderr = (stderr + text).slice(-8000)));
  const toBrowser = child.stdio[3] as Writable;
  const fromBrowser = child.stdio[4] as Readable;
  const pending = new Map<number, { resolve(value: Record<string, unknown>): void; reject(error: Error): void }>();
  const listeners: ((method: string, params: Record<string, unknown>, sessionId?: string) => void)[] = [];
  let nextId = 1;
  let buffered = Buffer.alloc(0);
  fromBrowser.on("data", (chunk: Buffer) => {
    buffered = Buffer.concat([buffered, chunk]);
    for (let end = buffered.indexOf(0); end >= 0; end = buffered.indexOf(0)) {
      const message = JSON.parse(buffered.subarray(0, end).toString("utf8")) as {
        id?: number;
        result?: Record<string, unknown>;
        error?: { message: string };
        method?: string;
        params?: Record<string, unknown>;
        sessionId?: string;
      };
      buffered = buffered.subarray(end + 1);
      if (message.id !== undefined) {
        const waiter = pending.get(message.id);
        pending.delete(message.id);
        if (message.error) waiter?.reject(new Error(message.error.message));
        else waiter?.resolve(message.result ?? {});
      } else if (message.method) for (const listener of listeners) listener(message.method, message.params ?? {}, message.sessionId);
    }
  });
  toBrowser.on("error", () => undefined);
  const exited = new Promise<never>((_, reject) =>
    child.once("exit", (code, signal) => {
      const error = new Error(`chromium ended (${signal ?? code}) before the report was checked:\n${stderr.slice(-2000)}`);
      for (const waiter of pending.values()) waiter.reject(error);
      reject(error);
    }),
  );
  exited.catch(() => undefined);
  const send = (method: string, params: Record<string, unknown> = {}, sessionId?: string): Promise<Record<string, unknown>> =>
    new Promise((resolvePromise, reject) => {
      const id = nextId++;
      pending.set(id, { resolve: resolvePromise, reject });
      toBrowser.write(JSON.stringify({ id, method, params, ...(sessionId ? { sessionId } : {}) }) + "\0");
    });

  const run = async (): Promise<BrowserCheck> => {
    const { targetInfos } = (await send("Target.getTargets")) as { targetInfos: { targetId: string; type: string }[] };
    const page = targetInfos.find((target) => target.type === "page");
    const targetId = page ? page.targetId : ((await send("Target.createTarget", { url: "about:blank" })) as { targetId: string }).targetId;
    const { sessionId } = (await send("Target.attachToTarget", { targetId, flatten: true })) as { sessionId: string };
    const scriptErrors: string[] = [];
    const failedRequests: string[] = [];
    const requests: string[] = [];
    const pageUrl = pathToFileURL(resolve(htmlPath)).href;
    let loaded: () => void = () => undefined;
    const loadedPromise = new Promise<void>((resolvePromise) => (loaded = resolvePromise));
    listeners.push((method, params, session) => {
      if (session !== sessionId) return;
      if (method === "Runtime.exceptionThrown") {
        const details = params.exceptionDetails as { text?: string; exception?: { description?: string } };
        scriptErrors.push(details.exception?.description ?? details.text ?? "exception");
      } else if (method === "Runtime.consoleAPICalled" && (params.type === "error" || params.type === "assert")) {
        scriptErrors.push(`console.${params.type}: ${JSON.stringify((params.args as { value?: unknown; description?: string }[]).map((a) => a.value ?? a.description))}`);
      } else if (method === "Log.entryAdded") {
        const entry = params.entry as { level: string; text: string; url?: string };
        if (entry.level === "error") scriptErrors.push(`${entry.text}${entry.url ? ` (${entry.url})` : ""}`);
      } else if (method === "Network.requestWillBeSent") {
        const url = (params.request as { url: string }).url;
        if (url !== pageUrl) requests.push(url);
      } else if (method === "Network.loadingFailed") {
        failedRequests.push(`${String(params.errorText)}${params.blockedReason ? ` (${String(params.blockedReason)})` : ""}`);
      } else if (method === "Page.loadEventFired") loaded();
    });
    for (const domain of ["Runtime", "Log", "Network", "Page"]) await send(`${domain}.enable`, {}, sessionId);
    await send("Page.navigate", { url: pageUrl }, sessionId);
    await loadedPromise;
    // Let the page's script and any late requests settle.
    await new Promise((resolvePromise) => setTimeout(resolvePromise, 300));
    let value: unknown = undefined;
    if (options.expression) {
      const result = (await send("Runtime.evaluate", { expression: options.expression, returnByValue: true }, sessionId)) as {
        result: { value?: unknown };
        exceptionDetails?: { text: string };
      };
      if (result.exceptionDetails) throw new Error(`evaluating in the page: ${result.exceptionDetails.text}`);
      value = result.result.value;
    }
    const metrics = (await send("Page.getLayoutMetrics", {}, sessionId)) as { cssContentSize?: { width: number; height: number }; contentSize: { width: number; height: number } };
    const size = metrics.cssContentSize ?? metrics.contentSize;
    const pageWidth = Math.ceil(Math.max(width, size.width));
    const pageHeight = Math.ceil(size.height);
    if (options.screenshotPath) {
      await send("Emulation.setDeviceMetricsOverride", { width: pageWidth, height: pageHeight, deviceScaleFactor: 1, mobile: false }, sessionId);
      const shot = (await send("Page.captureScreenshot", { format: "png", captureBeyondViewport: true, clip: { x: 0, y: 0, width: pageWidth, height: pageHeight, scale: 1 } }, sessionId)) as {
        data: string;
      };
      mkdirSync(dirname(resolve(options.screenshotPath)), { recursive: true });
      writeFileSync(options.screenshotPath, Buffer.from(shot.data, "base64"));
    }
    await send("Browser.close").catch(() => undefined);
    return { scriptErrors, failedRequests, requests, value, width: pageWidth, height: pageHeight };
  };

  const timeoutMs = options.timeoutMs ?? 60_000;
  let timer: NodeJS.Timeout | undefined;
  try {
    return await Promise.race([
      run(),
      exited,
      new Promise<never>((_, reject) => (timer = setTimeout(() => reject(new Error(`chromium did not finish within ${timeoutMs} ms:\n${stderr.slice(-2000)}`)), timeoutMs))),
    ]);
  } finally {
    clearTimeout(timer);
    if (child.exitCode === null && child.signalCode === null) {
      const gone = new Promise((resolvePromise) => child.once("exit", resolvePromise));
      setTimeout(() => child.kill("SIGKILL"), 3000).unref();
      await gone;
    }
    rmSync(profile, { recursive: true, force: true });
  }
}

/** A PNG of the whole report as Chromium renders it (for the README). */
export async function screenshotReport(htmlPath: string, pngPath: string, options: { width?: number; chromium?: string } = {}): Promise<void> {
  const check = await openInChromium(htmlPath, { ...options, screenshotPath: pngPath });
  if (check.scriptErrors.length) throw new Error(`the report has script errors: ${check.scriptErrors.join("; ")}`);
}

// `node --import tsx hosts/lab/report.ts screenshot <report.html> <out.png> [width]`: the README's picture of a report.
if (process.argv[1] && resolve(process.argv[1]) === fileURLToPath(import.meta.url) && process.argv[2] === "screenshot") {
  const [, , , htmlPath, pngPath, width] = process.argv;
  if (!htmlPath || !pngPath) {
    process.stderr.write("usage: node --import tsx hosts/lab/report.ts screenshot <report.html> <out.png> [width]\n");
    process.exit(2);
  }
  screenshotReport(htmlPath, pngPath, width ? { width: Number(width) } : {}).then(
    () => process.stdout.write(`${pngPath}\n`),
    (error: Error) => {
      process.stderr.write(`${error.message}\n`);
      process.exit(1);
    },
  );
}
