// Userspace team backend throughput beside a raw AF_PACKET veth baseline, measured in the same run, only inside
// network namespaces made here (deleted by name afterwards). A generator thread sends frames as fast as it can
// for a fixed time; what arrives is counted by the receiving interface (its rx_packets).
// Baseline: generator -> veth -> far end (for RX, the same veth the other way round).
// TX: generator -> TAP (as the operating system sends) -> TX read loop -> member veth -> far end.
// RX: generator at the far end -> member veth -> RX read loop -> TAP (as the operating system receives).
import { isMainThread, parentPort, Worker, workerData } from "node:worker_threads";
import type { Row } from "./row";
import { UserspaceBackend } from "../hosts/linux/team/backends/userspace";
import { parseTeamConfig } from "../hosts/linux/team/config";
import { runIp } from "../hosts/linux/team/iproute";
import { closeFd, EAGAIN, ENOBUFS, inNetworkNamespace, openPacketSocket, writeFd } from "../hosts/linux/team/sys";
import { startTypeScriptWorker } from "../hosts/linux/team/worker-bootstrap";
import { NamespacePair, privilegedSkipReason, sleep, testFrame } from "../test/linux/netns-harness";

const SECONDS_PER_MEASUREMENT = 1;
/** Baseline and team runs alternate; the best of each is kept (other load on the machine only ever slows a run,
 * and on this 2-CPU machine one second runs vary by up to 2x, so five rounds). */
const ROUNDS = 5;
const TEAM_MAC = "02:be:00:00:00:01";
const TARGET_PERCENT_OF_BASELINE = 50;

interface GeneratorTask {
  readonly fd: number;
  readonly frameBytes: number;
  readonly durationMs: number;
  /** RX direction: frames addressed to the team MAC instead of sent from it. */
  readonly towardTeam: boolean;
}

/** Worker side: send frames until the time is up; TX: to 16 destination MACs (all slots of M = 4), RX: to the team MAC. */
function runGenerator(task: GeneratorTask): void {
  const frames = Array.from({ length: 16 }, (_, slot) => {
    const client = `02:c1:00:00:00:${slot.toString(16).padStart(2, "0")}`;
    return task.towardTeam ? testFrame(TEAM_MAC, client, slot, task.frameBytes) : testFrame(client, TEAM_MAC, slot, task.frameBytes);
  });
  const deadline = performance.now() + task.durationMs;
  let sent = 0;
  let attempt = 0;
  while (true) {
    if ((attempt & 1023) === 0 && performance.now() >= deadline) break;
    const frame = frames[attempt & 15]!;
    attempt++;
    const result = writeFd(task.fd, frame, frame.length);
    if (result === frame.length) sent++;
    else if (result !== -EAGAIN && result !== -ENOBUFS) throw new Error(`generator send failed with errno ${-result}`);
  }
  parentPort!.postMessage({ sent, sendingMs: performance.now() - (deadline - task.durationMs) });
}

async function rxPackets(netns: string, ifname: string): Promise<number> {
  const [entry] = JSON.parse(await runIp(["-json", "-stats", "link", "show", "dev", ifname], netns)) as { stats64: { rx: { packets: number } } }[];
  return entry!.stats64.rx.packets;
}

interface MeasuredPath {
  readonly sendNetns: string;
  readonly sendIfname: string;
  readonly counterNetns: string;
  readonly counterIfname: string;
  readonly towardTeam: boolean;
}

/** Frames per second counted by `path.counterIfname` while a generator sends on `path.sendIfname`. */
async function measure(path: MeasuredPath, frameBytes: number): Promise<number> {
  const fd = inNetworkNamespace(path.sendNetns, () => openPacketSocket(path.sendIfname, { bufferBytes: 4 * 1024 * 1024 }));
  try {
    const before = await rxPackets(path.counterNetns, path.counterIfname);
    const durationMs = SECONDS_PER_MEASUREMENT * 1000;
    const task: GeneratorTask = { fd, frameBytes, durationMs, towardTeam: path.towardTeam };
    const generator: Worker = startTypeScriptWorker(new URL(import.meta.url), task);
    // Loading the generator takes a moment; the rate is over the time it actually sent.
    const sendingMs = await new Promise<number>((resolve, reject) => {
      generator.on("message", (message: { sendingMs: number }) => resolve(message.sendingMs));
      generator.once("error", reject);
    });
    await sleep(200); // let queued frames drain to the counter
    const after = await rxPackets(path.counterNetns, path.counterIfname);
    await generator.terminate();
    return ((after - before) * 1000) / sendingMs;
  } finally {
    closeFd(fd);
  }
}

export async function run(): Promise<Row[]> {
  const skip = privilegedSkipReason();
  if (skip) throw new Error(`linux-team benchmark needs root and /dev/net/tun: ${skip}`);
  const pair = new NamespacePair();
  const backend = new UserspaceBackend({ netns: pair.server });
  const rows: Row[] = [];
  try {
    await pair.create();
    await pair.addVeth("braw0", "bpraw0", { memberUp: true });
    await pair.addVeth("bm0", "bp0", { memberUp: true });
    const config = parseTeamConfig({ name: "bteam0", mac: TEAM_MAC, members: ["bm0"] });
    await backend.up(config, ["bm0"]);
    await backend.applyTable(Array.from({ length: 16 }, () => "bm0"));
    await runIp(["link", "set", "dev", "bteam0", "up"], pair.server);
    const directions: { readonly label: string; readonly path: string; readonly baseline: MeasuredPath; readonly team: MeasuredPath }[] = [
      {
        label: "TX",
        path: "TAP -> table -> member",
        baseline: { sendNetns: pair.server, sendIfname: "braw0", counterNetns: pair.peer, counterIfname: "bpraw0", towardTeam: false },
        team: { sendNetns: pair.server, sendIfname: "bteam0", counterNetns: pair.peer, counterIfname: "bp0", towardTeam: false },
      },
      {
        label: "RX",
        path: "member -> TAP",
        baseline: { sendNetns: pair.peer, sendIfname: "bpraw0", counterNetns: pair.server, counterIfname: "braw0", towardTeam: true },
        team: { sendNetns: pair.peer, sendIfname: "bp0", counterNetns: pair.server, counterIfname: "bteam0", towardTeam: true },
      },
    ];
    for (const direction of directions) {
      for (const frameBytes of [64, 1514]) {
        let baseline = 0;
        let team = 0;
        for (let round = 0; round < ROUNDS; round++) {
          baseline = Math.max(baseline, await measure(direction.baseline, frameBytes));
          team = Math.max(team, await measure(direction.team, frameBytes));
        }
        rows.push(
          { name: `linux-team: raw AF_PACKET veth baseline ${direction.label}, ${frameBytes} B frames`, value: Math.round(baseline), unit: "frames/s", target: null, better: "higher" },
          { name: `linux-team: userspace backend ${direction.label} (${direction.path}), ${frameBytes} B frames`, value: Math.round(team), unit: "frames/s", target: null, better: "higher" },
          {
            name: `linux-team: userspace backend ${direction.label} vs baseline, ${frameBytes} B frames`,
            value: Math.round((team / baseline) * 1000) / 10,
            unit: "%",
            target: TARGET_PERCENT_OF_BASELINE,
            better: "higher",
          },
        );
      }
    }
  } finally {
    try {
      await backend.down();
    } finally {
      await pair.destroy();
    }
  }
  return rows;
}

if (!isMainThread && (workerData as GeneratorTask | null)?.frameBytes) runGenerator(workerData as GeneratorTask);
else if (isMainThread && process.argv[1] && import.meta.url.endsWith(process.argv[1].split("/").pop()!)) {
  console.table(await run());
}
