// The lab's network, built with iproute2 as root: namespaces, veth cables and the Linux bridges that stand for dumb
// client segments. Every name starts with `oml-<run id>-` (namespaces) or lives inside one of them, so the lab removes
// exactly what it made, by name, and two runs never meet.
//
//   srv   the server: NICs eth0..eth(k-1) (the shim teams them; created down, as `onemac-team up` expects members)
//   sw    every switch-side port interface s<S>p<P> of every simulated switch (the switch processes run here)
//   lan   one bridge seg<S>p<P> per client segment, joining the segment's switch-side cable end s<S>p<P>l and the
//         clients' cable ends c<I>
//   c<I>  client I: eth0 with MAC 02:6f:6d:10:00:<I>, IP 10.77.0.<10+I>/24
//
// Every veth end has its offloads off (no GSO super-frames or partial checksums reach AF_PACKET) and every namespace
// has IPv6 off (no router solicitations or MLD reports wander through the switch).
import { execFileSync } from "node:child_process";
import { randomBytes } from "node:crypto";
import { runIp, runIpBatch } from "../linux/team/iproute";
import type { LinkRole } from "./types";

/** Chip ports 0..4 of a BCM53125 (the IMP port 8 is the CPU's, not a cable). */
export const SWITCH_PORTS = 5;
/** The port joining the two switches in the two-switch topology (s1p3 <-> s2p3). */
export const INTER_SWITCH_PORT = 3;
export const SERVER_ADDRESS = "10.77.0.1/24";
export const LAB_PREFIX_LENGTH = 24;

export interface TopologySpec {
  /** 4 hex digits naming this run (default: random). */
  runId?: string;
  switches: 1 | 2;
  /** Server NICs (2..4); with two switches, switch 1 takes the larger half. */
  members: number;
  /** Client namespaces (default 8). */
  clients?: number;
}

export interface SwitchPort {
  /** The port's interface in the sw namespace, or null for an unused port (no cable). */
  ifname: string | null;
  role: LinkRole;
}

export interface SwitchDescription {
  switchId: number;
  /** Index = chip port 0..4. */
  ports: SwitchPort[];
}

export interface ServerNic {
  /** Interface in the srv namespace (eth0 ...). */
  name: string;
  switchId: number;
  port: number;
}

export interface ClientDescription {
  /** c1, c2 ... */
  name: string;
  netns: string;
  ifname: string;
  mac: string;
  /** Without prefix length (10.77.0.11). */
  ip: string;
  switchId: number;
  port: number;
}

export interface TopologyDescription {
  runId: string;
  namespaces: { server: string; switches: string; lan: string; clients: string[] };
  switches: SwitchDescription[];
  serverNics: ServerNic[];
  clients: ClientDescription[];
  serverAddress: string;
}

/** Name of the port interface of switch `switchId`, port `port` (in the sw namespace). */
export function portInterface(switchId: number, port: number): string {
  return `s${switchId}p${port}`;
}

export function clientMac(index: number): string {
  if (!Number.isInteger(index) || index < 1 || index > 0xff) throw new RangeError(`client index must be 1..255, got ${index}`);
  return `02:6f:6d:10:00:${index.toString(16).padStart(2, "0")}`;
}

export function clientIp(index: number): string {
  return `10.77.0.${10 + index}`;
}

/** The ports, NICs and clients of a spec, without touching the system (pure; the tests and the report use it too). */
export function planTopology(spec: TopologySpec, runId: string): TopologyDescription {
  const { switches, members } = spec;
  const clientCount = spec.clients ?? 8;
  if (switches !== 1 && switches !== 2) throw new RangeError(`switches must be 1 or 2, got ${switches}`);
  if (!Number.isInteger(members) || members < 2 || members > 4) throw new RangeError(`members must be 2..4, got ${members}`);
  if (!Number.isInteger(clientCount) || clientCount < 1 || clientCount > 200) throw new RangeError(`clients must be 1..200, got ${clientCount}`);
  if (!/^[0-9a-f]{4}$/.test(runId)) throw new RangeError(`runId must be 4 lowercase hex digits, got ${JSON.stringify(runId)}`);
  const prefix = `oml-${runId}-`;
  const unused = (): SwitchPort => ({ ifname: null, role: { role: "unused" } });
  const described: SwitchDescription[] = [];
  const serverNics: ServerNic[] = [];
  /** Client segments in the order clients are dealt to them: alternating switches, then rising ports. */
  const segments: { switchId: number; port: number }[][] = [];
  let nic = 0;
  for (let switchId = 1; switchId <= switches; switchId++) {
    const ports: SwitchPort[] = Array.from({ length: SWITCH_PORTS }, unused);
    const share = switches === 1 ? members : switchId === 1 ? Math.ceil(members / 2) : Math.floor(members / 2);
    for (let port = 0; port < share; port++) {
      const name = `eth${nic++}`;
      ports[port] = { ifname: portInterface(switchId, port), role: { role: "trunk", serverNic: name } };
      serverNics.push({ name, switchId, port });
    }
    if (switches === 2) {
      ports[INTER_SWITCH_PORT] = {
        ifname: portInterface(switchId, INTER_SWITCH_PORT),
        role: { role: "inter-switch", peer: { switchId: 3 - switchId, port: INTER_SWITCH_PORT } },
      };
    }
    let rank = 0;
    for (let port = 0; port < SWITCH_PORTS; port++) {
      if (ports[port].ifname !== null) continue;
      (segments[rank++] ??= []).push({ switchId, port });
    }
    described.push({ switchId, ports });
  }
  const order = segments.flat();
  const clients: ClientDescription[] = [];
  for (let index = 1; index <= clientCount; index++) {
    const { switchId, port } = order[(index - 1) % order.length];
    const name = `c${index}`;
    clients.push({ name, netns: prefix + name, ifname: "eth0", mac: clientMac(index), ip: clientIp(index), switchId, port });
    const entry = described[switchId - 1].ports[port];
    if (entry.ifname === null) described[switchId - 1].ports[port] = { ifname: portInterface(switchId, port), role: { role: "clients", clients: [name] } };
    else entry.role.clients!.push(name);
  }
  return {
    runId,
    namespaces: { server: prefix + "srv", switches: prefix + "sw", lan: prefix + "lan", clients: clients.map((client) => client.netns) },
    switches: described,
    serverNics,
    clients,
    serverAddress: SERVER_ADDRESS,
  };
}

const OFFLOADS_OFF = ["tx", "off", "tso", "off", "gso", "off", "gro", "off", "rxvlan", "off", "txvlan", "off"];
const IPV6_OFF = ["net.ipv6.conf.all.disable_ipv6=1", "net.ipv6.conf.default.disable_ipv6=1"];

function killQuietly(pid: number): void {
  try {
    process.kill(pid, "SIGKILL");
  } catch {
    // Gone meanwhile.
  }
}

/** Kills what still runs inside `netns` and deletes it; quiet when it is already gone. */
function removeNamespaceSync(netns: string): void {
  try {
    const pids = execFileSync("ip", ["netns", "pids", netns], { encoding: "utf8", stdio: ["ignore", "pipe", "ignore"] });
    for (const pid of pids.split(/\s+/).filter(Boolean)) killQuietly(Number(pid));
  } catch {
    // No such namespace.
  }
  try {
    execFileSync("ip", ["netns", "delete", netns], { stdio: "ignore" });
  } catch {
    // Already gone.
  }
}

export class LabTopology {
  readonly description: TopologyDescription;
  /** Namespaces made so far, in creation order (removal goes backwards). */
  readonly #created: string[] = [];
  #baseline: string | null = null;

  private constructor(description: TopologyDescription) {
    this.description = description;
  }

  /** Builds the whole network (as root). On failure everything made so far is removed and the error rethrown. */
  static async build(spec: TopologySpec): Promise<LabTopology> {
    const runId = spec.runId ?? randomBytes(2).toString("hex");
    const topology = new LabTopology(planTopology(spec, runId));
    try {
      await topology.#build();
    } catch (error) {
      topology.destroySync();
      throw error;
    }
    return topology;
  }

  get runId(): string {
    return this.description.runId;
  }

  /** Every namespace name of this run (made or planned). */
  get namespaces(): string[] {
    const { server, switches, lan, clients } = this.description.namespaces;
    return [server, switches, lan, ...clients];
  }

  async #namespace(netns: string): Promise<void> {
    await runIp(["netns", "add", netns]);
    this.#created.push(netns);
    await runIp(["netns", "exec", netns, "sysctl", "-qw", ...IPV6_OFF]);
    await runIp(["link", "set", "dev", "lo", "up"], netns);
  }

  async #build(): Promise<void> {
    const { namespaces, switches, serverNics, clients } = this.description;
    for (const netns of this.namespaces) await this.#namespace(netns);
    const sw = namespaces.switches;
    const lan = namespaces.lan;
    /** [namespace, interface] of every veth end, for the offloads. */
    const ends: [string, string][] = [];
    const veth = async (a: string, aNetns: string, b: string, bNetns: string) => {
      await runIp(["link", "add", "name", a, "netns", aNetns, "type", "veth", "peer", "name", b, "netns", bNetns]);
      ends.push([aNetns, a], [bNetns, b]);
    };
    for (const nic of serverNics) await veth(nic.name, namespaces.server, portInterface(nic.switchId, nic.port), sw);
    const lanLines: string[][] = [];
    for (const { switchId, ports } of switches) {
      for (let port = 0; port < ports.length; port++) {
        const { ifname, role } = ports[port];
        if (role.role === "clients") {
          const bridge = `seg${switchId}p${port}`;
          await veth(ifname!, sw, `${ifname}l`, lan);
          lanLines.push(["link", "add", "name", bridge, "type", "bridge", "stp_state", "0", "forward_delay", "0"]);
          lanLines.push(["link", "set", "dev", `${ifname}l`, "master", bridge]);
          lanLines.push(["link", "set", "dev", bridge, "up"]);
        } else if (role.role === "inter-switch" && switchId === 1) {
          await veth(ifname!, sw, portInterface(role.peer!.switchId, role.peer!.port), sw);
        }
      }
    }
    for (const client of clients) {
      await veth(client.ifname, client.netns, client.name, lan);
      lanLines.push(["link", "set", "dev", client.name, "master", `seg${client.switchId}p${client.port}`]);
    }
    await runIpBatch(lanLines, lan);
    await Promise.all(ends.map(([netns, ifname]) => runIp(["netns", "exec", netns, "ethtool", "-K", ifname, ...OFFLOADS_OFF])));
    const up = (netns: string, names: string[]) => runIpBatch(names.map((name) => ["link", "set", "dev", name, "up"]), netns);
    await up(sw, switches.flatMap((entry) => entry.ports.map((port) => port.ifname).filter((name): name is string => name !== null)));
    await up(lan, ends.filter(([netns]) => netns === lan).map(([, ifname]) => ifname));
    for (const client of clients) {
      await runIpBatch(
        [
          ["link", "set", "dev", client.ifname, "address", client.mac],
          ["address", "add", `${client.ip}/${LAB_PREFIX_LENGTH}`, "dev", client.ifname],
          ["link", "set", "dev", client.ifname, "up"],
        ],
        client.netns,
      );
    }
  }

  #switchNetns(): string {
    return this.description.namespaces.switches;
  }

  #port(switchId: number, port: number): string {
    const entry = this.description.switches[switchId - 1]?.ports[port];
    if (!entry || entry.ifname === null) throw new RangeError(`switch ${switchId} has no cable on port ${port}`);
    return entry.ifname;
  }

  #nic(nic: string): string {
    if (!this.description.serverNics.some((entry) => entry.name === nic)) throw new RangeError(`the server has no NIC ${nic}`);
    return nic;
  }

  /** Pulls the cable at the switch: the switch-side interface goes down (the server's NIC loses carrier too). */
  pullSwitchSide(switchId: number, port: number): Promise<string> {
    return runIp(["link", "set", "dev", this.#port(switchId, port), "down"], this.#switchNetns());
  }

  restoreSwitchSide(switchId: number, port: number): Promise<string> {
    return runIp(["link", "set", "dev", this.#port(switchId, port), "up"], this.#switchNetns());
  }

  /** Pulls the cable at the server: its NIC goes down (the switch port loses carrier too). */
  pullServerSide(nic: string): Promise<string> {
    return runIp(["link", "set", "dev", this.#nic(nic), "down"], this.description.namespaces.server);
  }

  restoreServerSide(nic: string): Promise<string> {
    return runIp(["link", "set", "dev", this.#nic(nic), "up"], this.description.namespaces.server);
  }

  /** Name of the baseline bridge (in the sw namespace). */
  get baselineBridge(): string {
    return "base1";
  }

  /**
   * The throughput comparison's baseline: a plain Linux bridge in sw joining switch 1's client segments and the
   * server's NIC 0 cable; switch 1's other trunk ports go down so the server uses that one NIC. Stop switch 1's process
   * first (its sockets would copy every frame a second time).
   */
  async linuxBridgeBaseline(): Promise<void> {
    const { ports } = this.description.switches[0];
    const nic0 = this.description.serverNics[0];
    const bridge = this.baselineBridge;
    const lines: string[][] = [["link", "add", "name", bridge, "type", "bridge", "stp_state", "0", "forward_delay", "0"]];
    for (let port = 0; port < ports.length; port++) {
      const { ifname, role } = ports[port];
      if (ifname === null) continue;
      if (role.role === "clients" || (nic0.switchId === 1 && nic0.port === port)) lines.push(["link", "set", "dev", ifname, "master", bridge]);
      else if (role.role === "trunk") lines.push(["link", "set", "dev", ifname, "down"]);
    }
    lines.push(["link", "set", "dev", bridge, "up"]);
    this.#baseline = bridge;
    await runIpBatch(lines, this.#switchNetns());
  }

  /** Removes the baseline bridge by name and brings switch 1's trunk ports back up. */
  async removeLinuxBridgeBaseline(): Promise<void> {
    const bridge = this.#baseline ?? this.baselineBridge;
    try {
      await runIp(["link", "delete", "dev", bridge, "type", "bridge"], this.#switchNetns());
    } catch {
      // Not there.
    }
    this.#baseline = null;
    const trunkPorts = this.description.switches[0].ports.filter((entry) => entry.role.role === "trunk" && entry.ifname !== null);
    await runIpBatch(trunkPorts.map((entry) => ["link", "set", "dev", entry.ifname!, "up"]), this.#switchNetns());
  }

  /** Removes every namespace this run made, by name (what still runs inside is killed first). Idempotent. */
  async destroy(): Promise<void> {
    for (const netns of this.#created.splice(0).reverse()) {
      let pids = "";
      try {
        pids = await runIp(["netns", "pids", netns]);
      } catch {
        // No such namespace.
      }
      for (const pid of pids.split(/\s+/).filter(Boolean)) killQuietly(Number(pid));
      try {
        await runIp(["netns", "delete", netns]);
      } catch {
        // Already gone.
      }
    }
  }

  /** destroy() for process-exit handlers (blocks until done). */
  destroySync(): void {
    for (const netns of this.#created.splice(0).reverse()) removeNamespaceSync(netns);
  }
}

/** Namespaces of a run that exist now (`ip netns list`), for tests that check nothing is left. */
export function existingNamespaces(runId: string): string[] {
  const out = execFileSync("ip", ["netns", "list"], { encoding: "utf8" });
  return out
    .split("\n")
    .map((line) => line.split(" ")[0])
    .filter((name) => name.startsWith(`oml-${runId}-`));
}
