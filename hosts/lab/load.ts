// Per-link load from the switch processes' cumulative port counters (SwitchStats every 100 ms): Mbit/s in each direction
// per interval, kept for the report, and the last second's average for the live view.
import type { LinkRole, SwitchStats } from "./types";

export interface LinkLoadSample {
  atMs: number;
  switchId: number;
  port: number;
  /** Into the switch from the port's cable, and out of the switch onto it (Mbit/s over the interval, Ethernet bytes). */
  inMbps: number;
  outMbps: number;
  up: boolean;
}

export interface LinkDescription {
  switchId: number;
  port: number;
  ifname: string;
  role: LinkRole;
}

/** Which way is "toward the server" on a link: a trunk port sends toward the server, a client port receives from clients. */
export function towardServer(role: LinkRole["role"], sample: { inMbps: number; outMbps: number }): { toServer: number; fromServer: number } {
  if (role === "trunk") return { toServer: sample.outMbps, fromServer: sample.inMbps };
  return { toServer: sample.inMbps, fromServer: sample.outMbps };
}

export class LoadRecorder {
  readonly samples: LinkLoadSample[] = [];
  readonly #previous = new Map<number, SwitchStats>();
  /** Samples kept at most (a long run keeps its last hour at 100 ms per port). */
  readonly #limit: number;

  constructor(limit = 200_000) {
    this.#limit = limit;
  }

  record(stats: SwitchStats): void {
    const before = this.#previous.get(stats.switchId);
    this.#previous.set(stats.switchId, stats);
    if (!before) return;
    const seconds = (stats.atMs - before.atMs) / 1000;
    if (seconds <= 0) return;
    for (let port = 0; port < stats.ports.length; port++) {
      const now = stats.ports[port];
      const then = before.ports[port];
      if (!now || !then) continue;
      this.samples.push({
        atMs: stats.atMs,
        switchId: stats.switchId,
        port,
        inMbps: ((now.rxBytes - then.rxBytes) * 8) / seconds / 1e6,
        outMbps: ((now.txBytes - then.txBytes) * 8) / seconds / 1e6,
        up: ((stats.linkMask >>> port) & 1) === 1,
      });
    }
    if (this.samples.length > this.#limit) this.samples.splice(0, this.samples.length - this.#limit);
  }

  /** Average load of one link over the last `windowMs` (default one second), and its last link state. */
  recent(switchId: number, port: number, windowMs = 1000): { inMbps: number; outMbps: number; up: boolean } {
    let inSum = 0;
    let outSum = 0;
    let count = 0;
    let up = false;
    let newest = -Infinity;
    for (let i = this.samples.length - 1; i >= 0; i--) {
      const sample = this.samples[i];
      if (newest === -Infinity && sample.switchId === switchId && sample.port === port) newest = sample.atMs;
      if (newest !== -Infinity && sample.atMs < newest - windowMs) break;
      if (sample.switchId !== switchId || sample.port !== port) continue;
      if (count === 0) up = sample.up;
      inSum += sample.inMbps;
      outSum += sample.outMbps;
      count++;
    }
    return count ? { inMbps: inSum / count, outMbps: outSum / count, up } : { inMbps: 0, outMbps: 0, up: false };
  }
}

/** The live view: one line per link with its load both ways, then a line about the clients and the console. */
export function renderLiveView(options: {
  elapsedMs: number;
  totalMs: number;
  links: readonly LinkDescription[];
  load: LoadRecorder;
  status: string;
  footer: readonly string[];
}): string {
  const lines: string[] = [];
  lines.push(`onemac lab  ${(options.elapsedMs / 1000).toFixed(0)} s of ${(options.totalMs / 1000).toFixed(0)} s   ${options.status}`);
  lines.push(`${"link".padEnd(44)}${"to server".padStart(14)}${"from server".padStart(14)}  state`);
  for (const link of options.links) {
    if (link.role.role === "unused") continue;
    const recent = options.load.recent(link.switchId, link.port);
    const label = `switch ${link.switchId} port ${link.port} <-> ${describeRole(link.role)}`;
    let toServer: number;
    let fromServer: number;
    if (link.role.role === "inter-switch") {
      toServer = recent.outMbps;
      fromServer = recent.inMbps;
    } else {
      ({ toServer, fromServer } = towardServer(link.role.role, recent));
    }
    const columns = link.role.role === "inter-switch" ? ["out", "in"] : ["", ""];
    lines.push(
      `${label.slice(0, 43).padEnd(44)}${formatMbps(toServer, columns[0]).padStart(14)}${formatMbps(fromServer, columns[1]).padStart(14)}  ${recent.up ? "up" : "DOWN"}`,
    );
  }
  lines.push(...options.footer);
  return lines.join("\n");
}

export function describeRole(role: LinkRole): string {
  switch (role.role) {
    case "trunk":
      return `server ${role.serverNic ?? "?"} (trk1)`;
    case "clients":
      return `clients ${(role.clients ?? []).join(" ")}`;
    case "inter-switch":
      return role.peer ? `switch ${role.peer.switchId} port ${role.peer.port}` : "other switch";
    default:
      return "nothing";
  }
}

function formatMbps(mbps: number, prefix: string): string {
  return `${prefix ? prefix + " " : ""}${mbps.toFixed(1)} Mb/s`;
}
