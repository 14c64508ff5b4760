// What the lab asserts at the end of a run, as pure functions over what it recorded: every TCP byte stream intact and
// never re-established, a connection's frames on one link while the trunk is stable, no station move for the server's
// MAC, the console answering throughout. The lab prints them, the report shows them, the test asserts them.
import type { FlowChange, StreamStats } from "./types";

export interface CheckResult {
  name: string;
  ok: boolean;
  detail: string;
}

/** A cable pulled or put back, on the switch side (the switch's port) or the server side (the server's NIC). */
export interface LabEvent {
  atMs: number;
  kind: "pull" | "restore";
  side: "switch" | "server";
  switchId: number;
  port: number;
  nic: string;
  label: string;
}

/** One console command the lab sent while traffic ran. */
export interface ConsoleProbe {
  atMs: number;
  switchId: number;
  command: string;
  /** Milliseconds until the whole answer was there. */
  ms: number;
  ok: boolean;
  error: string | null;
}

/** What the switch's `show mac-move | json` holds about one move record. */
export interface MoveRecord {
  mac: string;
  [field: string]: unknown;
}

/** Both ends of every client's connection: each client's own view and the server's view of it. */
export function checkStreams(clientEnds: ReadonlyMap<string, StreamStats>, serverEnds: readonly StreamStats[]): CheckResult[] {
  const results: CheckResult[] = [];
  const problems: string[] = [];
  const reconnects: string[] = [];
  let bytes = 0;
  for (const [client, mine] of clientEnds) {
    const theirs = serverEnds.filter((stream) => stream.client === client);
    if (theirs.length !== 1 || mine.connections !== 1 || theirs[0].connections !== 1) {
      reconnects.push(`${client}: ${mine.connections} connection(s) made, ${theirs.reduce((n, s) => n + s.connections, 0)} accepted`);
      continue;
    }
    const server = theirs[0];
    for (const [end, stream] of [["client", mine], ["server", server]] as const) {
      if (stream.state !== "closed") problems.push(`${client}: the ${end} end ended ${stream.state}${stream.error ? ` (${stream.error})` : ""}`);
      if (stream.firstCorruptOffset >= 0) problems.push(`${client}: the ${end} end received a wrong byte at offset ${stream.firstCorruptOffset}`);
    }
    if (mine.sent !== server.received) problems.push(`${client}: sent ${mine.sent} bytes, the server received ${server.received}`);
    if (server.sent !== mine.received) problems.push(`${client}: the server sent ${server.sent} bytes, the client received ${mine.received}`);
    if (mine.received === 0 || server.received === 0) problems.push(`${client}: a direction carried no bytes`);
    bytes += mine.sent + server.sent;
  }
  results.push({
    name: "every TCP connection survived, never re-established",
    ok: reconnects.length === 0 && clientEnds.size > 0,
    detail: reconnects.length ? reconnects.join("; ") : `${clientEnds.size} clients, one connection each, accepted once each`,
  });
  results.push({
    name: "every byte stream intact, both directions, closed in order",
    ok: problems.length === 0 && reconnects.length === 0,
    detail: problems.length ? problems.slice(0, 6).join("; ") + (problems.length > 6 ? ` (+${problems.length - 6} more)` : "") : `${formatBytes(bytes)} verified byte for byte`,
  });
  return results;
}

/**
 * A connection's frames stay on one link while the trunk is stable: every change of port for a pair involving the
 * server's MAC must fall inside a window after a pull or a restore (`settleMs` long: detection, hold-down, the
 * server's failback). Changes in the first `warmUpMs` after traffic started are learning, not moves.
 */
export function checkFlowStability(
  changes: readonly FlowChange[],
  events: readonly LabEvent[],
  serverMac: string,
  settleMs: number,
  trafficStartMs: number,
  warmUpMs: number,
): CheckResult {
  const mac = serverMac.toLowerCase();
  const involving = changes.filter((change) => change.sa.toLowerCase() === mac || change.da.toLowerCase() === mac);
  const stray = involving.filter(
    (change) =>
      change.atMs >= trafficStartMs + warmUpMs &&
      !events.some((event) => change.atMs >= event.atMs - 50 && change.atMs <= event.atMs + settleMs),
  );
  const explained = involving.length - stray.length;
  return {
    name: "a connection's frames stay on one link while the trunk is stable",
    ok: stray.length === 0,
    detail: stray.length
      ? stray
          .slice(0, 4)
          .map((c) => `switch ${c.switchId}: ${c.sa} -> ${c.da} ${c.kind} moved from port ${c.fromPort} to ${c.toPort} at +${c.atMs - trafficStartMs} ms with no pull or restore near`)
          .join("; ")
      : `${explained} port changes of server flows, all within ${settleMs} ms of a pull or restore`,
  };
}

/** No station move of the server's MAC was reported (move records, or log lines naming it). */
export function checkNoServerMoves(serverMac: string, records: readonly MoveRecord[], logLines: readonly string[], suppressed: number): CheckResult {
  const mac = serverMac.toLowerCase();
  const recorded = records.filter((record) => String(record.mac).toLowerCase() === mac);
  const logged = logLines.filter((line) => line.toLowerCase().includes(mac) && /flapping|move/i.test(line));
  return {
    name: "no MAC move reported for the server's MAC",
    ok: recorded.length === 0 && logged.length === 0,
    detail:
      recorded.length || logged.length
        ? `${recorded.length} move record(s), ${logged.length} log line(s): ${logged[0] ?? JSON.stringify(recorded[0])}`
        : `none (${suppressed} appearance(s) of the server's MAC on another member suppressed, as the patent says)`,
  };
}

/** The console answered every command sent while traffic ran. */
export function checkConsole(probes: readonly ConsoleProbe[]): CheckResult {
  const failed = probes.filter((probe) => !probe.ok);
  const slowest = probes.reduce((max, probe) => Math.max(max, probe.ms), 0);
  return {
    name: "the switch's console answered throughout",
    ok: failed.length === 0 && probes.length > 0,
    detail: failed.length
      ? failed
          .slice(0, 3)
          .map((p) => `switch ${p.switchId} "${p.command}": ${p.error}`)
          .join("; ")
      : `${probes.length} commands (${[...new Set(probes.map((p) => p.command))].join(", ")}), slowest answer ${slowest} ms`,
  };
}

export function formatBytes(bytes: number): string {
  if (bytes >= 1e9) return `${(bytes / 1e9).toFixed(2)} GB`;
  if (bytes >= 1e6) return `${(bytes / 1e6).toFixed(1)} MB`;
  if (bytes >= 1e3) return `${(bytes / 1e3).toFixed(1)} kB`;
  return `${bytes} B`;
}
