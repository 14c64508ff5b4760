// Userspace team backend throughput beside a raw AF_PACKET veth baseline, measured in the same run, only inside
// network namespaces made here (deleted by name afterwards). A generator thread sends frames as fast as it can
// for a fixed time; what arrives is counted at the far end of a veth (its rx_packets). Baseline: generator ->
// veth -> far end. Team: generator -> TAP (as the operating system sends) -> TX read loop -> member veth -> far end.
import { isMainThread, parentPort, Worker, workerData } from "node:worker_threads";
import type { Row } from "./row";
import { UserspaceBackend } from "../hosts/linux/team/backends/userspace";
import { parseTeamConfig } from "../hosts/linux/team/config";
import { runIp } from "../hosts/linux/team/iproute";
import { closeFd, EAGAIN, ENOBUFS, inNetworkNamespace, openPacketSocket, writeFd } from "../hosts/linux/team/sys";
import { startTypeScriptWorker } from "../hosts/linux/team/worker-bootstrap";
import { NamespacePair, privilegedSkipReason, sleep, testFrame } from "../test/linux/netns-harness";

const SECONDS_PER_MEASUREMENT = 1;
/** Baseline and team runs alternate; the best of each is kept (other load on the machine only ever slows a run). */
const ROUNDS = 3;
const TEAM_MAC = "02:be:00:00:00:01";
const TARGET_PERCENT_OF_BASELINE = 50;

interface GeneratorTask {
  readonly fd: number;
  readonly frameBytes: number;
  readonly durationMs: number;
}

/** Worker side: send frames with 16 destination MACs (all slots of M = 4) until the time is up. */
function runGenerator(task: GeneratorTask): void {
  const frames = Array.from({ length: 16 }, (_, slot) => testFrame(`02:c1:00:00:00:${slot.toString(16).padStart(2, "0")}`, TEAM_MAC, slot, task.frameBytes));
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

/** Frames per second arriving at `counterIfname` (peer namespace) while a generator sends on `sendIfname`. */
async function measure(pair: NamespacePair, sendIfname: string, counterIfname: string, frameBytes: number): Promise<number> {
  const fd = inNetworkNamespace(pair.server, () => openPacketSocket(sendIfname, { bufferBytes: 4 * 1024 * 1024 }));
  try {
    const before = await rxPackets(pair.peer, counterIfname);
    const durationMs = SECONDS_PER_MEASUREMENT * 1000;
    const generator: Worker = startTypeScriptWorker(new URL(import.meta.url), { fd, frameBytes, durationMs } satisfies GeneratorTask);
    // Loading the generator takes a moment; the rate is over the time it actually sent.
    const sendingMs = await new Promise<number>((resolve, reject) => {
      generator.on("message", (message: { sendingMs: number }) => resolve(message.sendingMs));
      generator.once("error", reject);
    });
    await sleep(200); // let queued frames drain to the counter
    const after = await rxPackets(pair.peer, counterIfname);
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
    for (const frameBytes of [64, 1514]) {
      let baseline = 0;
      let team = 0;
      for (let round = 0; round < ROUNDS; round++) {
        baseline = Math.max(baseline, await measure(pair, "braw0", "bpraw0", frameBytes));
        team = Math.max(team, await measure(pair, "bteam0", "bp0", frameBytes));
      }
      rows.push(
        { name: `linux-team: raw AF_PACKET veth baseline, ${frameBytes} B frames`, value: Math.round(baseline), unit: "frames/s", target: null, better: "higher" },
        { name: `linux-team: userspace backend TX (TAP -> table -> member), ${frameBytes} B frames`, value: Math.round(team), unit: "frames/s", target: null, better: "higher" },
        {
          name: `linux-team: userspace backend vs baseline, ${frameBytes} B frames`,
          value: Math.round((team / baseline) * 1000) / 10,
          unit: "%",
          target: TARGET_PERCENT_OF_BASELINE,
          better: "higher",
        },
      );
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
