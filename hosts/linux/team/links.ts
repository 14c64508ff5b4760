// What the control plane needs to know about the host's interfaces: a list and a stream of changes.
// The real source runs `ip -o monitor link` (rtnetlink link events, carrier changes within a millisecond or so)
// and asks `ip -json link show` for details; tests use a fake with the same interface.
import { spawn, type ChildProcess } from "node:child_process";
import { createInterface } from "node:readline";
import { runIp } from "./iproute";

export interface LinkInfo {
  readonly ifname: string;
  readonly ifindex: number;
  /** Administratively up (IFF_UP). */
  readonly adminUp: boolean;
  /** Carrier present (IFF_LOWER_UP). */
  readonly carrier: boolean;
  readonly mac: string;
  /** The burnt-in MAC where the kernel reports one different from the current MAC, else the current MAC. */
  readonly permanentMac: string;
  readonly kind: string | null;
}

export type LinkEvent =
  | { readonly kind: "changed"; readonly link: LinkInfo }
  | { readonly kind: "removed"; readonly ifname: string; readonly ifindex: number };

export interface LinkMonitor {
  list(): Promise<LinkInfo[]>;
  start(listener: (event: LinkEvent) => void): Promise<void>;
  stop(): Promise<void>;
}

interface IpJsonLink {
  ifindex: number;
  ifname: string;
  flags?: string[];
  address?: string;
  permaddr?: string;
  linkinfo?: { info_kind?: string };
}

export function linkFromIpJson(entry: IpJsonLink): LinkInfo {
  const flags = entry.flags ?? [];
  const mac = (entry.address ?? "").toLowerCase();
  return {
    ifname: entry.ifname,
    ifindex: entry.ifindex,
    adminUp: flags.includes("UP"),
    carrier: flags.includes("LOWER_UP"),
    mac,
    permanentMac: (entry.permaddr ?? mac).toLowerCase(),
    kind: entry.linkinfo?.info_kind ?? null,
  };
}

/** One line of `ip -o monitor link`: "[Deleted ]3: name@peer: <FLAGS> ... link/ether aa:bb:..." */
export function parseMonitorLine(line: string): { deleted: boolean; ifindex: number; ifname: string } | null {
  const match = /^(Deleted )?(\d+): ([^:@\s]+)(@[^:\s]+)?:/.exec(line.trim());
  if (!match) return null;
  return { deleted: match[1] !== undefined, ifindex: Number(match[2]), ifname: match[3]! };
}

/** Link events from `ip [-n NETNS] -o monitor link`; `netns` confines everything to one named namespace. */
export class IpMonitorLinks implements LinkMonitor {
  readonly #netns: string | null;
  #child: ChildProcess | null = null;
  readonly #known = new Map<number, string>();

  constructor(netns: string | null = null) {
    this.#netns = netns;
  }

  async list(): Promise<LinkInfo[]> {
    const output = await runIp(["-json", "-details", "link", "show"], this.#netns);
    const links = (JSON.parse(output) as IpJsonLink[]).map(linkFromIpJson);
    for (const link of links) this.#known.set(link.ifindex, link.ifname);
    return links;
  }

  async start(listener: (event: LinkEvent) => void): Promise<void> {
    if (this.#child) return;
    const args = [...(this.#netns ? ["-n", this.#netns] : []), "-o", "monitor", "link"];
    const child = spawn("ip", args, { stdio: ["ignore", "pipe", "pipe"] });
    this.#child = child;
    await new Promise<void>((resolve, reject) => {
      child.once("spawn", resolve);
      child.once("error", reject);
    });
    const lines = createInterface({ input: child.stdout! });
    // Details are fetched per event, in order, so a quick down/up pair is reported in the order it happened.
    let chain = Promise.resolve();
    lines.on("line", (line) => {
      const parsed = parseMonitorLine(line);
      if (!parsed) return;
      chain = chain.then(async () => {
        if (parsed.deleted) {
          this.#known.delete(parsed.ifindex);
          listener({ kind: "removed", ifname: parsed.ifname, ifindex: parsed.ifindex });
          return;
        }
        try {
          const output = await runIp(["-json", "-details", "link", "show", "dev", parsed.ifname], this.#netns);
          const [entry] = JSON.parse(output) as IpJsonLink[];
          if (!entry) return;
          const link = linkFromIpJson(entry);
          // A rename: the old name is gone.
          const previousName = this.#known.get(link.ifindex);
          if (previousName !== undefined && previousName !== link.ifname) {
            listener({ kind: "removed", ifname: previousName, ifindex: link.ifindex });
          }
          this.#known.set(link.ifindex, link.ifname);
          listener({ kind: "changed", link });
        } catch {
          // The link vanished between the event and the query; its "Deleted" line follows.
        }
      });
    });
  }

  async stop(): Promise<void> {
    const child = this.#child;
    this.#child = null;
    if (!child || child.exitCode !== null) return;
    await new Promise<void>((resolve) => {
      child.once("exit", () => resolve());
      child.kill("SIGTERM");
    });
  }
}
