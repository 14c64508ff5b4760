// One lab run: real Linux hosts in network namespaces talk TCP through simulated BCM53125 switches (the chip model's
// forwarding engine moving the real frames, managed by the firmware on XS) to a server teamed by the real
// `onemac-team`. It pulls a trunk link on the switch side and later one on the server side, checks that nobody
// noticed, and writes one HTML report. Everything it creates is removed by exact name, also on failure or Ctrl-C.
import { runIp } from "../linux/team/iproute";
import { checkConsole, checkFlowStability, checkNoServerMoves, checkStreams, formatBytes, type CheckResult, type ConsoleProbe, type LabEvent, type MoveRecord } from "./checks";
import { LoadRecorder, renderLiveView, type LinkDescription } from "./load";
import { ServerTeam, type ServerTeamStatus } from "./team";
import type { FlowChange, StreamStats, SwitchStats } from "./types";
import { LabTopology, type TopologyDescription } from "./topology";
import { LabSwitch } from "./lab-switch";
import { TrafficAgent, tcpRetransmissions } from "./traffic";
import { writeLabReport } from "./report";
import { buildReportData } from "./report-data";
import type { TrunkDistribution } from "../../modules/console/commands/show-distribution";

export const SERVER_MAC = "02:6f:6d:00:00:01";
export const SERVER_IP = "10.77.0.1";
const TEAM_NAME = "onemac0";
const TRAFFIC_PORT = 5201;
const BULK_PORT = 5202;
/** Detection (10 ms poll + debounce), the member's hold-down and the server's failback all fit in this after an event. */
const SETTLE_MS = 3000;
/** The firmware's link poll (modules/link): how soon a switch-side loss is seen. */
const POLL_INTERVAL_MS = 10;

export interface LabOptions {
  switches: 1 | 2;
  members: number;
  clients: number;
  /** Seconds of steady traffic with the pulls (at 1/5, 2/5, 3/5 and 4/5 of it). */
  seconds: number;
  /** Bytes per second each client and the server send per connection (0: as fast as TCP goes). */
  rateBytesPerSecond: number;
  /** Also measure throughput through a plain Linux bridge and through the simulated switch (bulk TCP). */
  throughputSeconds: number;
  /** M of both tables. */
  indexBits: number;
  /** The server team's backend (onemac-team's `backend`). */
  serverBackend: "auto" | "userspace" | "team";
  /** How the switches follow the patent's table: their own trunk hash, or CFP rules (`trunk trk1 mode`). */
  trunkMode: "hash" | "cfp" | "cfp-isolated";
  reportPath: string;
  /** Where the lab tells what it does (one line per call) and the live view (whole screen). */
  print: (line: string) => void;
  live: ((screen: string) => void) | null;
  signal: AbortSignal;
}

export interface PullMeasurement {
  label: string;
  side: "switch" | "server";
  /** Longest gap in any stream's received bytes within the settle window after the pull (ms). */
  longestGapMs: number;
  /** Frames lost on the pulled cable: what its two ends dropped, and what the switch could not write to it. */
  framesLost: number;
  /** Of those, lost at the switch's end (its interface's drops and the writes it refused) and at the server's end (its
   *  NIC's drops and what the team could not hand to a member). */
  framesLostSwitchEnd: number;
  framesLostServerEnd: number;
  retransmissions: number;
}

export interface ThroughputMeasurement {
  label: string;
  seconds: number;
  goodputMbps: number;
  framesPerSecond: number;
  /** Ethernet Mbit/s of the frames counted on the switch-side interfaces (all sizes). */
  frameMbps: number;
  /** Mean Ethernet frame size (bytes, without FCS) of the frames counted. */
  averageFrameBytes: number;
}

export interface LabSummary {
  ok: boolean;
  checks: CheckResult[];
  pulls: PullMeasurement[];
  throughput: ThroughputMeasurement[];
  reportPath: string;
  pollIntervalMs: number;
}

function sleep(ms: number, signal?: AbortSignal): Promise<void> {
  return new Promise((resolve, reject) => {
    if (signal?.aborted) return reject(new LabAborted());
    const timer = setTimeout(() => {
      signal?.removeEventListener("abort", onAbort);
      resolve();
    }, ms);
    const onAbort = (): void => {
      clearTimeout(timer);
      reject(new LabAborted());
    };
    signal?.addEventListener("abort", onAbort, { once: true });
  });
}

export class LabAborted extends Error {
  constructor() {
    super("the lab was interrupted");
    this.name = "LabAborted";
  }
}

/** Kernel counters of some interfaces in one namespace: rx/tx packets, bytes and drops. */
async function interfaceCounters(netns: string, names: readonly string[]): Promise<Map<string, { rxPackets: number; rxBytes: number; txPackets: number; rxDropped: number; txDropped: number }>> {
  const json = JSON.parse(await runIp(["-s", "-j", "link", "show"], netns)) as {
    ifname: string;
    stats64?: { rx: { packets: number; bytes: number; dropped: number }; tx: { packets: number; dropped: number } };
  }[];
  const counters = new Map<string, { rxPackets: number; rxBytes: number; txPackets: number; rxDropped: number; txDropped: number }>();
  for (const link of json) {
    if (!names.includes(link.ifname) || !link.stats64) continue;
    const { rx, tx } = link.stats64;
    counters.set(link.ifname, { rxPackets: rx.packets, rxBytes: rx.bytes, txPackets: tx.packets, rxDropped: rx.dropped, txDropped: tx.dropped });
  }
  return counters;
}

/**
 * The longest stretch without received data, in any stream, that overlaps [fromMs, toMs], from the agents' final gap
 * lists (read at the end, so a gap that lasted past the window counts whole).
 */
function longestGapIn(streams: readonly StreamStats[], fromMs: number, toMs: number): number {
  let longest = 0;
  const overlaps = (endedAtMs: number, ms: number): boolean => endedAtMs >= fromMs && endedAtMs - ms <= toMs;
  for (const stream of streams) {
    for (const gap of stream.gaps ?? []) if (overlaps(gap.endedAtMs, gap.ms)) longest = Math.max(longest, gap.ms);
    if (overlaps(stream.longestGapEndedAtMs, stream.longestGapMs)) longest = Math.max(longest, stream.longestGapMs);
  }
  return Math.round(longest);
}

export async function runLab(options: LabOptions): Promise<LabSummary> {
  const { print, signal } = options;
  const checks: CheckResult[] = [];
  const pulls: PullMeasurement[] = [];
  const throughput: ThroughputMeasurement[] = [];
  const events: LabEvent[] = [];
  const probes: ConsoleProbe[] = [];
  const flowChanges: FlowChange[] = [];
  const switchLogs: string[] = [];
  const load = new LoadRecorder();
  const latestStats = new Map<number, SwitchStats>();
  const switches: LabSwitch[] = [];
  const agents: TrafficAgent[] = [];
  let topology: LabTopology | null = null;
  let team: ServerTeam | null = null;
  const startedAt = new Date();
  const emergency = (): void => {
    for (const agent of agents) agent.kill();
    for (const sw of switches) sw.kill();
    team?.kill();
    topology?.destroySync();
  };
  process.once("exit", emergency);
  const runVariableBefore = process.env.ONEMAC_LAB_RUN;
  try {
    print(`building the lab: ${options.switches} switch(es), ${options.members} server NICs, ${options.clients} clients`);
    topology = await LabTopology.build({ switches: options.switches, members: options.members, clients: options.clients });
    const description: TopologyDescription = topology.description;
    const ns = description.namespaces;
    // Every process the lab starts inherits this, so what belongs to a run can be found (and a test can prove none is left).
    process.env.ONEMAC_LAB_RUN = description.runId;
    print(`lab ${description.runId}: namespaces ${[ns.server, ns.switches, ns.lan, ...ns.clients].join(" ")}`);
    const links: LinkDescription[] = [];
    for (const sw of description.switches)
      sw.ports.forEach((port, index) => {
        if (port.ifname) links.push({ switchId: sw.switchId, port: index, ifname: port.ifname, role: port.role });
      });
    signal.throwIfAborted();

    print(`teaming the server's NICs (${description.serverNics.map((nic) => nic.name).join(", ")}) with onemac-team, ${SERVER_IP}, MAC ${SERVER_MAC}`);
    team = new ServerTeam({
      netns: ns.server,
      name: TEAM_NAME,
      mac: SERVER_MAC,
      members: description.serverNics.map((nic) => nic.name),
      address: `${SERVER_IP}/24`,
      slotBits: options.indexBits,
      backend: options.serverBackend,
      // In mode cfp-isolated the switch floods to every member (no trunk group): the server takes broadcasts on one,
      // as the patent's driver does. A trunk group sends each broadcast down one member of its own choosing instead.
      broadcastReceive: options.trunkMode === "cfp-isolated" ? "designated" : "all",
    });
    await team.up();
    const chosen = await team.status();
    print(`onemac-team runs the ${String(chosen.backend)} backend${chosen.backendReason ? ` (${String(chosen.backendReason)})` : ""}`);
    signal.throwIfAborted();

    const switchSideNames = links.map((link) => link.ifname);
    const measureThroughput = async (label: string, trafficPort: number): Promise<ThroughputMeasurement> => {
      const server = await TrafficAgent.start({ netns: ns.server, mode: "server", listen: SERVER_IP, port: trafficPort, rateBytesPerSecond: 0 });
      agents.push(server);
      const clients: TrafficAgent[] = [];
      for (const [index, client] of description.clients.entries()) {
        const agent = await TrafficAgent.start({ netns: client.netns, mode: "client", name: client.name, server: SERVER_IP, port: trafficPort, seed: 1000 + index, rateBytesPerSecond: 0 });
        agents.push(agent);
        clients.push(agent);
      }
      const before = await interfaceCounters(ns.switches, switchSideNames);
      const startBytes = clients.reduce((sum, agent) => sum + (agent.latest[0]?.received ?? 0) + (agent.latest[0]?.sent ?? 0), 0);
      const started = Date.now();
      await sleep(options.throughputSeconds * 1000, signal);
      const after = await interfaceCounters(ns.switches, switchSideNames);
      const endBytes = clients.reduce((sum, agent) => sum + (agent.latest[0]?.received ?? 0) + (agent.latest[0]?.sent ?? 0), 0);
      const seconds = (Date.now() - started) / 1000;
      for (const agent of clients) await agent.stop();
      await server.stop();
      let frames = 0;
      let bytes = 0;
      for (const [name, counters] of after) {
        const then = before.get(name);
        if (!then) continue;
        frames += counters.rxPackets - then.rxPackets;
        bytes += counters.rxBytes - then.rxBytes;
      }
      // Every frame enters the switch once on some port, so the switch-side interfaces' rx counts each frame once.
      const measurement = {
        label,
        seconds,
        goodputMbps: ((endBytes - startBytes) * 8) / seconds / 1e6,
        framesPerSecond: frames / seconds,
        frameMbps: ((bytes + 4 * frames) * 8) / seconds / 1e6,
        averageFrameBytes: frames ? bytes / frames : 0,
      };
      print(`throughput through ${label}: ${measurement.goodputMbps.toFixed(1)} Mbit/s TCP goodput, ${Math.round(measurement.framesPerSecond)} frames/s`);
      return measurement;
    };

    if (options.throughputSeconds > 0) {
      print("baseline: the same namespaces joined by a plain Linux bridge (server on one NIC)");
      await topology.linuxBridgeBaseline();
      try {
        throughput.push(await measureThroughput("a Linux bridge", BULK_PORT));
      } finally {
        await topology.removeLinuxBridgeBaseline();
      }
    }

    for (const sw of description.switches) {
      print(`starting simulated BCM53125 #${sw.switchId} (firmware on XS) on ${sw.ports.flatMap((port) => (port.ifname ? [port.ifname] : [])).join(", ")}`);
      const labSwitch = await LabSwitch.start({
        netns: ns.switches,
        switchId: sw.switchId,
        ports: sw.ports.map((port) => port.ifname),
        onStats: (stats) => {
          load.record(stats);
          latestStats.set(stats.switchId, stats);
        },
        onFlowChange: (change) => flowChanges.push(change),
        onLog: (line) => switchLogs.push(`switch ${sw.switchId}: ${line}`),
      });
      switches.push(labSwitch);
    }
    signal.throwIfAborted();

    for (const sw of description.switches) {
      const labSwitch = switches[sw.switchId - 1];
      const members = sw.ports.map((port, index) => (port.role.role === "trunk" ? index : -1)).filter((index) => index >= 0);
      const interSwitch = sw.ports.findIndex((port) => port.role.role === "inter-switch");
      const lines = [
        "configure",
        `hostname lab-switch-${sw.switchId}`,
        `trunk ${members.join(",")} trk1 trunk`,
        `trunk trk1 mode ${options.trunkMode}`,
        `trunk trk1 index-bits ${options.indexBits}`,
        `server-mac ${SERVER_MAC} trk1`,
        ...(interSwitch >= 0 ? [`trunk trk1 inter-switch-port ${interSwitch}`] : []),
        "end",
      ];
      for (const line of lines) {
        const output = await labSwitch.console(line);
        if (/^% /m.test(output)) throw new Error(`switch ${sw.switchId} refused "${line}":\n${output}`);
      }
      print(`switch ${sw.switchId}: ${lines.slice(1, -1).join("; ")}`);
    }

    if (options.throughputSeconds > 0) throughput.push(await measureThroughput("the simulated BCM53125", BULK_PORT + 1));

    // Steady traffic: every client one connection to the server's one address, both directions verified.
    const server = await TrafficAgent.start({ netns: ns.server, mode: "server", listen: SERVER_IP, port: TRAFFIC_PORT, rateBytesPerSecond: options.rateBytesPerSecond });
    agents.push(server);
    const clientAgents = new Map<string, TrafficAgent>();
    for (const [index, client] of description.clients.entries()) {
      const agent = await TrafficAgent.start({
        netns: client.netns,
        mode: "client",
        name: client.name,
        server: SERVER_IP,
        port: TRAFFIC_PORT,
        seed: index + 1,
        rateBytesPerSecond: options.rateBytesPerSecond,
      });
      agents.push(agent);
      clientAgents.set(client.name, agent);
    }
    const trafficStart = Date.now();
    print(`traffic: ${description.clients.length} clients, one TCP connection each to ${SERVER_IP}:${TRAFFIC_PORT}, both directions`);

    const totalMs = options.seconds * 1000;
    const firstSwitch = description.switches[0];
    const trunkPorts = firstSwitch.ports.map((port, index) => (port.role.role === "trunk" ? index : -1)).filter((index) => index >= 0);
    const switchPullPort = trunkPorts[trunkPorts.length - 1];
    const switchPullNic = firstSwitch.ports[switchPullPort].role.serverNic ?? "?";
    const serverPullNic = description.serverNics.find((nic) => nic.name !== switchPullNic) ?? description.serverNics[0];
    const schedule: { atMs: number; run: () => Promise<LabEvent> }[] = [
      {
        atMs: totalMs / 5,
        run: async () => {
          await topology!.pullSwitchSide(firstSwitch.switchId, switchPullPort);
          return { atMs: 0, kind: "pull", side: "switch", switchId: firstSwitch.switchId, port: switchPullPort, nic: switchPullNic, label: `switch ${firstSwitch.switchId} port ${switchPullPort} down (switch side)` };
        },
      },
      {
        atMs: (2 * totalMs) / 5,
        run: async () => {
          await topology!.restoreSwitchSide(firstSwitch.switchId, switchPullPort);
          return { atMs: 0, kind: "restore", side: "switch", switchId: firstSwitch.switchId, port: switchPullPort, nic: switchPullNic, label: `switch ${firstSwitch.switchId} port ${switchPullPort} back` };
        },
      },
      {
        atMs: (3 * totalMs) / 5,
        run: async () => {
          await topology!.pullServerSide(serverPullNic.name);
          return { atMs: 0, kind: "pull", side: "server", switchId: serverPullNic.switchId, port: serverPullNic.port, nic: serverPullNic.name, label: `server ${serverPullNic.name} down (server side)` };
        },
      },
      {
        atMs: (4 * totalMs) / 5,
        run: async () => {
          await topology!.restoreServerSide(serverPullNic.name);
          return { atMs: 0, kind: "restore", side: "server", switchId: serverPullNic.switchId, port: serverPullNic.port, nic: serverPullNic.name, label: `server ${serverPullNic.name} back` };
        },
      },
    ];

    const namespacesWithTcp = [ns.server, ...description.clients.map((client) => client.netns)];
    const retransmissions = async (): Promise<number> => {
      let total = 0;
      for (const name of namespacesWithTcp) total += await tcpRetransmissions(name);
      return total;
    };

    // The console is asked while traffic runs, every 1.5 s, alternating the two commands the issue names.
    let consoleRunning = true;
    const consoleLoop = (async () => {
      const commands = ["show trunks", "show trunk distribution"];
      let turn = 0;
      while (consoleRunning) {
        for (const labSwitch of switches) {
          const command = commands[turn++ % commands.length];
          const at = Date.now();
          try {
            const output = await labSwitch.console(command);
            const ok = /trk1/.test(output) && !/^% /m.test(output);
            probes.push({ atMs: at, switchId: labSwitch.switchId, command, ms: Date.now() - at, ok, error: ok ? null : `unexpected answer: ${output.slice(0, 200)}` });
          } catch (error) {
            probes.push({ atMs: at, switchId: labSwitch.switchId, command, ms: Date.now() - at, ok: false, error: (error as Error).message });
          }
        }
        await new Promise((resolve) => setTimeout(resolve, 1500));
      }
    })();

    let lastScreen = 0;
    const showLive = (status: string): void => {
      const now = Date.now();
      if (now - lastScreen < 1000) return;
      lastScreen = now;
      const streams = [...clientAgents.values()].flatMap((agent) => agent.latest);
      const open = streams.filter((stream) => stream.state === "open").length;
      const lastProbe = probes[probes.length - 1];
      const footer = [
        `clients: ${open}/${clientAgents.size} connections open, ${formatBytes(streams.reduce((sum, s) => sum + s.received + s.sent, 0))} moved` +
          (lastProbe ? `; console "${lastProbe.command}" answered in ${lastProbe.ms} ms` : ""),
      ];
      const screen = renderLiveView({ elapsedMs: now - trafficStart, totalMs, links, load, status, footer });
      if (options.live) options.live(screen);
    };

    let status = "steady traffic";
    // Each event waits for the trunk to settle after the one before (detection, hold-down, the server's failback), so
    // a pull never lands on a member that is still coming back.
    let earliestNext = trafficStart;
    const pullWindows: { fromMs: number; toMs: number }[] = [];
    try {
      for (const step of schedule) {
        while (Date.now() - trafficStart < step.atMs || Date.now() < earliestNext) {
          showLive(status);
          await sleep(100, signal);
        }
        const beforeCounters = await interfaceCounters(ns.switches, switchSideNames);
        const beforeServerCounters = await interfaceCounters(ns.server, description.serverNics.map((nic) => nic.name));
        const beforeRetransmissions = await retransmissions();
        const beforeTeamDrops = (await team.status()).txDropped ?? 0;
        const statsBefore = new Map(latestStats);
        const event = await step.run();
        event.atMs = Date.now();
        events.push(event);
        status = event.label;
        print(`+${((event.atMs - trafficStart) / 1000).toFixed(1)} s  ${event.label}`);
        earliestNext = event.atMs + SETTLE_MS;
        if (event.kind === "pull") {
          const until = event.atMs + SETTLE_MS;
          while (Date.now() < until) {
            showLive(status);
            await sleep(100, signal);
          }
          const afterCounters = await interfaceCounters(ns.switches, switchSideNames);
          const afterServerCounters = await interfaceCounters(ns.server, description.serverNics.map((nic) => nic.name));
          const switchEnd = links.find((link) => link.switchId === event.switchId && link.port === event.port)!.ifname;
          const dropped = (map: typeof afterCounters, old: typeof afterCounters, name: string): number => {
            const now = map.get(name);
            const then = old.get(name);
            return now && then ? now.txDropped - then.txDropped + (now.rxDropped - then.rxDropped) : 0;
          };
          const switchTxErrors = (): number => {
            const now = latestStats.get(event.switchId)?.ports[event.port]?.txErrors ?? 0;
            return now - (statsBefore.get(event.switchId)?.ports[event.port]?.txErrors ?? now);
          };
          const lostSwitchEnd = dropped(afterCounters, beforeCounters, switchEnd) + switchTxErrors();
          // At the server: what its NIC's kernel counters dropped, and what the team could not hand to a member (a
          // member whose link just went down refuses the write).
          const lostServerEnd = dropped(afterServerCounters, beforeServerCounters, event.nic) + ((await team.status()).txDropped ?? 0) - beforeTeamDrops;
          pulls.push({
            label: event.label,
            side: event.side,
            longestGapMs: 0, // from the final gap lists, below
            framesLost: lostSwitchEnd + lostServerEnd,
            framesLostSwitchEnd: lostSwitchEnd,
            framesLostServerEnd: lostServerEnd,
            retransmissions: (await retransmissions()) - beforeRetransmissions,
          });
          pullWindows.push({ fromMs: event.atMs, toMs: until });
        }
      }
      while (Date.now() - trafficStart < totalMs || Date.now() < earliestNext) {
        showLive(status);
        await sleep(100, signal);
      }
    } finally {
      consoleRunning = false;
    }
    await consoleLoop;

    // The bucket maps of both sides, then an orderly end of every connection.
    const trafficEndMs = Date.now();
    const distributions: { trunks: TrunkDistribution[] }[] = [];
    const transcripts: { title: string; text: string }[] = [];
    const moveRecords: MoveRecord[] = [];
    let suppressed = 0;
    for (const labSwitch of switches) {
      distributions.push(JSON.parse(await labSwitch.console("show trunk distribution | json")) as { trunks: TrunkDistribution[] });
      transcripts.push({ title: `switch ${labSwitch.switchId}: show trunks`, text: await labSwitch.console("show trunks") });
      const moves = JSON.parse(await labSwitch.console("show mac-move | json")) as { records: MoveRecord[]; stats: { trunkedServerMovesIgnored: number } };
      moveRecords.push(...moves.records);
      suppressed += moves.stats.trunkedServerMovesIgnored;
    }
    const serverStatus: ServerTeamStatus = await team.status();
    transcripts.push({ title: "server: onemac-team status", text: (await team.command(["status"])).stdout });
    const clientFinals = new Map<string, StreamStats>();
    for (const [name, agent] of clientAgents) {
      const final = await agent.stop();
      clientFinals.set(name, final[0] ?? { ...agent.latest[0], client: name });
    }
    const serverFinal = await server.stop();
    const finalStreams = [...serverFinal, ...clientFinals.values()];
    pullWindows.forEach((window, index) => (pulls[index].longestGapMs = longestGapIn(finalStreams, window.fromMs, window.toMs)));

    checks.push(...checkStreams(clientFinals, serverFinal));
    checks.push(checkFlowStability(flowChanges, events, SERVER_MAC, SETTLE_MS, trafficStart, 1000));
    checks.push(checkNoServerMoves(SERVER_MAC, moveRecords, switchLogs, suppressed));
    checks.push(checkConsole(probes));
    for (const check of checks) print(`${check.ok ? "PASS" : "FAIL"}  ${check.name}: ${check.detail}`);

    const report = buildReportData({
      startedAt,
      switches: options.switches,
      members: options.members,
      indexBits: options.indexBits,
      rateBytesPerSecond: options.rateBytesPerSecond,
      description,
      links,
      load,
      events,
      distributions,
      serverStatus,
      clientFinals,
      serverFinal,
      checks,
      pulls,
      throughput,
      probes,
      trafficStartMs: trafficStart,
      trafficEndMs,
      pollIntervalMs: POLL_INTERVAL_MS,
      transcripts,
    });
    writeLabReport(options.reportPath, report);
    print(`report: ${options.reportPath}`);
    return { ok: checks.every((check) => check.ok), checks, pulls, throughput, reportPath: options.reportPath, pollIntervalMs: POLL_INTERVAL_MS };
  } finally {
    for (const agent of agents) await agent.stop().catch(() => agent.kill());
    for (const sw of switches) await sw.stop().catch(() => sw.kill());
    await team?.down();
    await topology?.destroy();
    process.removeListener("exit", emergency);
    if (runVariableBefore === undefined) delete process.env.ONEMAC_LAB_RUN;
    else process.env.ONEMAC_LAB_RUN = runVariableBefore;
  }
}
