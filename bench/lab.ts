// The lab (hosts/lab) as a benchmark, one run, as root: bulk TCP through a plain Linux bridge and through the simulated
// BCM53125 joining the same namespaces (ratio from the same run), then steady traffic with one switch-side and one
// server-side pull: the longest gap in any stream's received bytes, the frames lost on the pulled cable and the TCP
// retransmissions per pull, beside the firmware's link poll interval. Wall-clock figures: read them as this machine's.
import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import type { Row } from "./row";
import { runLab } from "../hosts/lab/run";
import { privilegedSkipReason } from "../test/linux/netns-harness";

const CLIENTS = 4;
const THROUGHPUT_SECONDS = 4;
const TRAFFIC_SECONDS = 15;

export async function run(): Promise<Row[]> {
  const skip = privilegedSkipReason();
  if (skip) throw new Error(`lab benchmark needs root (network namespaces): ${skip}`);
  const folder = mkdtempSync(join(tmpdir(), "onemac-lab-bench-"));
  const controller = new AbortController();
  try {
    const summary = await runLab({
      switches: 1,
      members: 2,
      clients: CLIENTS,
      seconds: TRAFFIC_SECONDS,
      rateBytesPerSecond: 500_000,
      throughputSeconds: THROUGHPUT_SECONDS,
      indexBits: 3,
      serverBackend: "auto",
      trunkMode: "hash",
      reportPath: join(folder, "report.html"),
      print: (line) => process.stderr.write(`lab: ${line}\n`),
      live: null,
      signal: controller.signal,
    });
    const failed = summary.checks.filter((check) => !check.ok);
    if (failed.length) throw new Error(`the lab's checks failed: ${failed.map((check) => `${check.name}: ${check.detail}`).join("; ")}`);
    const rows: Row[] = [];
    const bridge = summary.throughput.find((entry) => entry.label.includes("Linux bridge"));
    const simulated = summary.throughput.find((entry) => entry.label.includes("BCM53125"));
    for (const entry of [bridge, simulated]) {
      if (!entry) continue;
      const name = `lab: bulk TCP, ${CLIENTS} clients -> teamed server, through ${entry.label}`;
      rows.push({ name: `${name} (frames)`, value: Math.round(entry.framesPerSecond), unit: "frames/s", target: null, better: "higher" });
      rows.push({ name: `${name} (Ethernet)`, value: Number(entry.frameMbps.toFixed(1)), unit: "Mbit/s", target: null, better: "higher" });
      rows.push({ name: `${name} (TCP goodput)`, value: Number(entry.goodputMbps.toFixed(1)), unit: "Mbit/s", target: null, better: "higher" });
      rows.push({ name: `${name}: mean frame size (full size is 1514)`, value: Math.round(entry.averageFrameBytes), unit: "bytes", target: null, better: "higher" });
    }
    if (bridge && simulated)
      rows.push({
        name: "lab: simulated BCM53125 / Linux bridge, frames per second (same run)",
        value: Number((simulated.framesPerSecond / bridge.framesPerSecond).toFixed(3)),
        unit: "ratio",
        target: null,
        better: "higher",
      });
    rows.push({ name: "lab: firmware link poll interval", value: summary.pollIntervalMs, unit: "ms", target: null, better: "lower" });
    for (const pull of summary.pulls) {
      const side = pull.side === "switch" ? "switch side" : "server side";
      rows.push({ name: `lab: pull on the ${side}: longest gap in a TCP stream's received bytes`, value: pull.longestGapMs, unit: "ms", target: null, better: "lower" });
      rows.push({ name: `lab: pull on the ${side}: frames lost on the pulled cable`, value: pull.framesLost, unit: "frames", target: null, better: "lower" });
      rows.push({ name: `lab: pull on the ${side}: of those, lost at the switch's end`, value: pull.framesLostSwitchEnd, unit: "frames", target: null, better: "lower" });
      rows.push({ name: `lab: pull on the ${side}: of those, lost at the server's end (NIC and team)`, value: pull.framesLostServerEnd, unit: "frames", target: null, better: "lower" });
      rows.push({ name: `lab: pull on the ${side}: TCP retransmissions (all hosts)`, value: pull.retransmissions, unit: "segments", target: null, better: "lower" });
    }
    return rows;
  } finally {
    rmSync(folder, { recursive: true, force: true });
  }
}
