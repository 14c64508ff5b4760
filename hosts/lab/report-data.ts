// Turns what one lab run recorded into the report's data (hosts/lab/report.ts renders it).
import { execFileSync } from "node:child_process";
import { release } from "node:os";
import type { TrunkDistribution } from "../../modules/console/commands/show-distribution";
import type { CheckResult, ConsoleProbe, LabEvent } from "./checks";
import { towardServer, type LinkDescription, type LoadRecorder } from "./load";
import { serverSlotMap, switchBucketMap, type LabReportData, type ReportLink } from "./report";
import type { PullMeasurement, ThroughputMeasurement } from "./run";
import type { ServerTeamStatus } from "./team";
import type { TopologyDescription } from "./topology";
import type { StreamStats } from "./types";

export interface RecordedRun {
  startedAt: Date;
  switches: number;
  members: number;
  indexBits: number;
  rateBytesPerSecond: number;
  description: TopologyDescription;
  links: readonly LinkDescription[];
  load: LoadRecorder;
  events: readonly LabEvent[];
  /** Each switch's `show trunk distribution | json`, in switch order. */
  distributions: readonly { trunks: TrunkDistribution[] }[];
  serverStatus: ServerTeamStatus | null;
  clientFinals: ReadonlyMap<string, StreamStats>;
  serverFinal: readonly StreamStats[];
  checks: readonly CheckResult[];
  pulls: readonly PullMeasurement[];
  throughput: readonly ThroughputMeasurement[];
  probes: readonly ConsoleProbe[];
  trafficStartMs: number;
  trafficEndMs: number;
  pollIntervalMs: number;
  transcripts: { title: string; text: string }[];
}

function linkLabel(link: LinkDescription): string {
  const role = link.role;
  const end =
    role.role === "trunk"
      ? `server ${role.serverNic ?? "?"}`
      : role.role === "clients"
        ? `clients ${(role.clients ?? []).join(", ")}`
        : role.role === "inter-switch" && role.peer
          ? `switch ${role.peer.switchId} port ${role.peer.port}`
          : "nothing";
  return `switch ${link.switchId} port ${link.port} <-> ${end}`;
}

function gitVersion(): string {
  try {
    return execFileSync("git", ["describe", "--always", "--dirty"], { encoding: "utf8", stdio: ["ignore", "pipe", "ignore"] }).trim();
  } catch {
    return "unknown";
  }
}

export function buildReportData(run: RecordedRun): LabReportData {
  const clientRefs = run.description.clients.map((client) => ({ name: client.name, mac: client.mac }));
  const links: ReportLink[] = run.links.map((link) => {
    const samples = run.load.samples
      .filter((sample) => sample.switchId === link.switchId && sample.port === link.port && sample.atMs >= run.trafficStartMs - 1000)
      .map((sample) => {
        if (link.role.role === "inter-switch") return { atMs: sample.atMs, toServerMbps: sample.outMbps, fromServerMbps: sample.inMbps, up: sample.up };
        const { toServer, fromServer } = towardServer(link.role.role, sample);
        return { atMs: sample.atMs, toServerMbps: toServer, fromServerMbps: fromServer, up: sample.up };
      });
    const peer = link.role.peer;
    return {
      id: link.ifname,
      label: linkLabel(link),
      switchId: link.switchId,
      port: link.port,
      role: link.role,
      samples,
      ...(link.role.role === "inter-switch" && peer
        ? { directionLabels: [`switch ${link.switchId} -> switch ${peer.switchId}`, `switch ${peer.switchId} -> switch ${link.switchId}`] as [string, string] }
        : {}),
    };
  });
  const events = run.events.map((event) => {
    const link = run.links.find((candidate) => candidate.switchId === event.switchId && candidate.port === event.port);
    return { atMs: event.atMs, kind: event.kind, side: event.side, label: event.label, ...(link ? { linkId: link.ifname } : {}) };
  });
  const switchMaps = run.distributions.flatMap((distribution, index) => {
    const trunk = distribution.trunks[0];
    if (!trunk) return [];
    const switchId = index + 1;
    const labels: Record<number, string> = {};
    for (const link of run.links) if (link.switchId === switchId && link.role.role === "trunk") labels[link.port] = link.role.serverNic ?? "?";
    return [switchBucketMap(switchId, trunk, clientRefs, labels)];
  });
  const serverEnds = new Map(run.serverFinal.map((stream) => [stream.client, stream]));
  const seconds = (run.trafficEndMs - run.trafficStartMs) / 1000;
  return {
    title: `onemac lab: ${run.switches === 2 ? "two switches" : "one switch"}, ${run.members} server NICs, ${run.description.clients.length} clients`,
    run: {
      startedAt: run.startedAt.toISOString(),
      durationSeconds: Math.round(seconds),
      switches: run.switches,
      members: run.members,
      clients: run.description.clients.length,
      indexBits: run.indexBits,
      rateBytesPerSecond: run.rateBytesPerSecond,
      versions: { onemac: gitVersion(), node: process.version, kernel: release(), "switch firmware": "onemac on XS (xsnap)", "server team": `onemac-team, ${String(run.serverStatus?.backend ?? "?")} backend` },
      notes: [
        "Each switch is the register-accurate BCM53125 model: its forwarding engine moves the real frame bytes between veths; the firmware manages it over SPI.",
        "The switch picks a trunk member from the client's source MAC; the server picks its NIC from the client's destination MAC through the patent's table.",
      ],
    },
    startMs: run.trafficStartMs,
    endMs: run.trafficEndMs,
    links,
    events,
    bucketMaps: {
      switches: switchMaps,
      server: run.serverStatus ? serverSlotMap(run.serverStatus.name, run.serverStatus.table, clientRefs) : null,
    },
    clients: run.description.clients.map((client) => {
      const link = run.links.find((candidate) => candidate.switchId === client.switchId && candidate.port === client.port);
      return {
        name: client.name,
        mac: client.mac,
        ip: client.ip,
        ...(link ? { linkId: link.ifname } : {}),
        clientEnd: run.clientFinals.get(client.name) ?? null,
        serverEnd: serverEnds.get(client.name) ?? null,
        seconds,
      };
    }),
    checks: [...run.checks],
    benchmarks: { throughput: [...run.throughput], pulls: [...run.pulls], pollIntervalMs: run.pollIntervalMs },
    consoleProbes: [...run.probes],
    transcripts: run.transcripts,
  };
}
