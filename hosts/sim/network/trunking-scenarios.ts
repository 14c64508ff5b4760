// Ready-made trunking topologies on the frame-level network, shared by test/trunking and bench/trunking.ts.
// Each managed switch runs its own firmware instance, and with it the firmware's own services of issue #3
// (firmware.links, firmware.trunks, firmware.moves, built and started by boot()) on the shared VirtualClock. Tests
// reach them only through their public commands, as the console does.
import type { MoveMonitor, MoveMonitorSettings, MoveNotification } from "../../../modules/arl/move-monitor";
import type { LinkMonitor, LinkMonitorSettings } from "../../../modules/link/monitor";
import type { TrunkMode, TrunkService } from "../../../modules/trunk/service";
import { TrunkTable } from "../../../modules/trunk/table";
import { macLowBits } from "../../../modules/mac";
import type { Bcm53125Assumptions } from "../bcm53125/assumptions";
import { VirtualClock } from "../clock";
import { Network, type Arrival, type Flow, type Host, type Server, type SwitchNode } from "./fabric";
import { clientMacs, macFromOui, VENDOR_OUIS, type LowBitPattern } from "./macs";
import { ManagedSwitch } from "./managed-switch";

/** The server's one MAC (every NIC carries it): an HP OUI, as in the patent's own products. */
export const SERVER_MAC = macFromOui(VENDOR_OUIS.hewlettPackard, 0x5e1234);
/** Trunk group the scenarios configure. */
export const TRUNK_GROUP = 0;
/** Front-panel port of the switch-to-switch link in the two-switch topology. */
export const INTER_SWITCH_PORT = 3;
/** Front-panel port the clients' access network hangs off. */
export const CLIENT_UPLINK_PORT = 4;
const CLIENTS_PER_ACCESS_BRIDGE = 16;

export interface ServiceSettings {
  link?: Partial<LinkMonitorSettings>;
  moves?: Partial<MoveMonitorSettings>;
  /** Trunk hold-down before a returning member rejoins (ms). */
  holdDownMs?: number;
  /** Learn on the switch-to-switch port (TrunkRequest.interSwitchLearning; default off). */
  interSwitchLearning?: boolean;
  /** Run the chip models under other named assumptions (hosts/sim/bcm53125/assumptions.ts). */
  assumptions?: Partial<Bcm53125Assumptions>;
  /** How the switch follows the trunk's table (TrunkRequest.mode; default hash). */
  mode?: TrunkMode;
  /** The table's M (TrunkRequest.indexBits; default the mode's). */
  indexBits?: number;
}

/** One BCM53125 switch with its firmware and services, placed in a network. */
export class TrunkingSwitch {
  readonly managed: ManagedSwitch;
  readonly node: SwitchNode;
  readonly links: LinkMonitor;
  readonly trunks: TrunkService;
  readonly moves: MoveMonitor;
  readonly moveNotifications: MoveNotification[] = [];

  constructor(network: Network, name: string, settings: ServiceSettings = {}) {
    this.managed = new ManagedSwitch({ name, clock: network.clock, links: settings.link, moves: settings.moves, assumptions: settings.assumptions });
    const report = this.managed.boot();
    if (!report.ok || !report.chip) throw new Error(`${name}: firmware boot failed: ${report.error?.message}`);
    const firmware = this.managed.firmware;
    this.links = firmware.links;
    this.trunks = firmware.trunks;
    this.moves = firmware.moves;
    this.moves.addListener((notification) => this.moveNotifications.push(notification));
    this.node = network.addSwitch(name, this.managed.model);
  }

  get name(): string {
    return this.managed.name;
  }

  /** The firmware starts its services at boot; this only makes sure they run (idempotent). */
  start(): void {
    this.managed.run(() => {
      this.links.start();
      this.moves.start();
    });
  }

  /** Runs firmware code (a service call, as the console would) on this switch's firmware thread. */
  run<T>(work: () => T): T {
    return this.managed.run(work);
  }

  /** Move notifications about `mac`. */
  movesOf(mac: number): MoveNotification[] {
    return this.moveNotifications.filter((notification) => notification.macValue === mac);
  }
}

export interface TrunkingScenario {
  readonly clock: VirtualClock;
  readonly network: Network;
  readonly switches: TrunkingSwitch[];
  readonly server: Server;
  readonly clients: Host[];
  /** Per server NIC: the switch and port it is cabled to. */
  readonly nicPorts: { switch: TrunkingSwitch; port: number }[];
}

export interface ScenarioOptions {
  /** Server NICs (2..4 on one switch; 2..4 split over two switches). */
  nics: number;
  clients: number;
  pattern: LowBitPattern;
  seed?: number;
  settings?: ServiceSettings;
  frameBudget?: number;
  timeLimitMs?: number;
}

/** Clients behind access bridges (16 per bridge; a distribution bridge joins several) cabled to `uplink`. */
function attachClients(network: Network, uplink: SwitchNode, uplinkPort: number, macs: readonly number[], prefix: string): Host[] {
  const bridgeCount = Math.ceil(macs.length / CLIENTS_PER_ACCESS_BRIDGE);
  const clients: Host[] = [];
  let distribution: SwitchNode | undefined;
  if (bridgeCount > 1) {
    distribution = network.addBridge(`${prefix}-distribution`, bridgeCount + 1);
    network.connect(distribution.port(0), uplink.port(uplinkPort), { lengthMetres: 30 });
  }
  for (let b = 0; b < bridgeCount; b++) {
    const access = network.addBridge(`${prefix}-access${b}`, CLIENTS_PER_ACCESS_BRIDGE + 1);
    if (distribution) network.connect(access.port(0), distribution.port(b + 1), { lengthMetres: 50 });
    else network.connect(access.port(0), uplink.port(uplinkPort), { lengthMetres: 30 });
    const here = macs.slice(b * CLIENTS_PER_ACCESS_BRIDGE, (b + 1) * CLIENTS_PER_ACCESS_BRIDGE);
    here.forEach((mac, i) => {
      const client = network.addClient(`${prefix}-client${b * CLIENTS_PER_ACCESS_BRIDGE + i}`, mac);
      network.connect(client.nic(0), access.port(i + 1), { lengthMetres: 20 });
      clients.push(client);
    });
  }
  return clients;
}

/** Waits past the link monitor's up-debounce so the members are usable, then configures each switch's trunk. */
function bringUpTrunks(network: Network, switches: TrunkingSwitch[], membersOf: (s: TrunkingSwitch) => number[], interSwitchPort: number | undefined, settings: ServiceSettings): void {
  for (const sw of switches) sw.start();
  const debounce = switches[0].links.settings.upDebounceMs;
  network.run(debounce + 2 * switches[0].links.settings.pollIntervalMs);
  for (const sw of switches) {
    sw.run(() => sw.trunks.configure({
      group: TRUNK_GROUP,
      members: membersOf(sw),
      servers: [SERVER_MAC],
      mode: settings.mode,
      indexBits: settings.indexBits,
      holdDownMs: settings.holdDownMs,
      interSwitchPort,
      interSwitchLearning: interSwitchPort === undefined ? undefined : settings.interSwitchLearning,
    }));
  }
}

/** One switch; the server's NICs on ports 0..nics-1 (one trunk); the clients behind port 4. */
export function oneSwitchScenario(options: ScenarioOptions): TrunkingScenario {
  if (options.nics < 2 || options.nics > 4) throw new RangeError(`one switch takes 2..4 server NICs, got ${options.nics}`);
  const clock = new VirtualClock();
  const network = new Network({ clock, frameBudget: options.frameBudget, timeLimitMs: options.timeLimitMs });
  const settings = options.settings ?? {};
  const sw = new TrunkingSwitch(network, "switch", settings);
  const server = network.addServer("server", SERVER_MAC, options.nics, 3);
  // With its ports in no trunk group the server gets every flood on every NIC and, as the patent's driver does, takes
  // broadcasts and multicasts on one of them.
  server.broadcastOnOneNic = settings.mode === "cfp-isolated";
  const nicPorts: { switch: TrunkingSwitch; port: number }[] = [];
  for (let nic = 0; nic < options.nics; nic++) {
    network.connect(server.nic(nic), sw.node.port(nic), { lengthMetres: 2 });
    nicPorts.push({ switch: sw, port: nic });
  }
  const macs = clientMacs({ count: options.clients, pattern: options.pattern, seed: options.seed });
  const clients = attachClients(network, sw.node, CLIENT_UPLINK_PORT, macs, "lan");
  bringUpTrunks(network, [sw], () => nicPorts.map((entry) => entry.port), undefined, settings);
  return { clock, network, switches: [sw], server, clients, nicPorts };
}

/**
 * Two switches, each with its own firmware: the server's NICs split (first half on switch A ports 0.., the rest on
 * switch B ports 0..), a switch-to-switch link on port 3 of both, half the clients behind port 4 of each.
 */
export function twoSwitchScenario(options: ScenarioOptions): TrunkingScenario {
  if (options.nics < 2 || options.nics > 4) throw new RangeError(`two switches take 2..4 server NICs, got ${options.nics}`);
  const clock = new VirtualClock();
  const network = new Network({ clock, frameBudget: options.frameBudget, timeLimitMs: options.timeLimitMs });
  const settings = options.settings ?? {};
  const a = new TrunkingSwitch(network, "switchA", settings);
  const b = new TrunkingSwitch(network, "switchB", settings);
  const server = network.addServer("server", SERVER_MAC, options.nics, 3);
  server.broadcastOnOneNic = settings.mode === "cfp-isolated";
  const onA = Math.ceil(options.nics / 2);
  const nicPorts: { switch: TrunkingSwitch; port: number }[] = [];
  for (let nic = 0; nic < options.nics; nic++) {
    const target = nic < onA ? a : b;
    const port = nic < onA ? nic : nic - onA;
    network.connect(server.nic(nic), target.node.port(port), { lengthMetres: 2 });
    nicPorts.push({ switch: target, port });
  }
  network.connect(a.node.port(INTER_SWITCH_PORT), b.node.port(INTER_SWITCH_PORT), { lengthMetres: 10 });
  const macs = clientMacs({ count: options.clients, pattern: options.pattern, seed: options.seed });
  const half = Math.ceil(macs.length / 2);
  const clients = [
    ...attachClients(network, a.node, CLIENT_UPLINK_PORT, macs.slice(0, half), "lanA"),
    ...attachClients(network, b.node, CLIENT_UPLINK_PORT, macs.slice(half), "lanB"),
  ];
  const membersOf = (sw: TrunkingSwitch) => nicPorts.filter((entry) => entry.switch === sw).map((entry) => entry.port);
  bringUpTrunks(network, [a, b], membersOf, INTER_SWITCH_PORT, settings);
  return { clock, network, switches: [a, b], server, clients, nicPorts };
}

export interface TrafficOptions {
  /** Gap between one client's frames toward the server (ms). */
  clientIntervalMs: number;
  /** Gap between the server's frames toward one client (ms). */
  serverIntervalMs: number;
  /** Frames per flow. */
  count: number;
  length?: number;
  startMs?: number;
}

export interface TrunkingTraffic {
  /** toServer[i]: client i's flow toward the server. */
  readonly toServer: Flow[];
  /** fromServer[i]: the server's flow toward client i. */
  readonly fromServer: Flow[];
}

/** One flow from every client to the server and one back, staggered so they do not all start at once. */
export function startTrunkingTraffic(scenario: TrunkingScenario, options: TrafficOptions): TrunkingTraffic {
  const { network, server, clients } = scenario;
  const start = options.startMs ?? network.now;
  const toServer: Flow[] = [];
  const fromServer: Flow[] = [];
  clients.forEach((client, i) => {
    const offset = (i / clients.length) * options.clientIntervalMs;
    toServer.push(network.startFlow({ from: client, to: server.mac, intervalMs: options.clientIntervalMs, count: options.count, length: options.length, startMs: start + offset }));
    fromServer.push(network.startFlow({ from: server, to: client.mac, intervalMs: options.serverIntervalMs, count: options.count, length: options.length, startMs: start + offset }));
  });
  return { toServer, fromServer };
}

/** The switch and port a server NIC is cabled to, for an arrival at the server. */
export function memberOf(scenario: TrunkingScenario, arrival: Arrival): { switch: TrunkingSwitch; port: number } {
  return scenario.nicPorts[arrival.nic];
}

/**
 * The member the chip's mapping names for a frame toward the server entering `sw`, computed on the board side from
 * the model's named assumption (hosts/sim/bcm53125/assumptions.ts trunkMemberIndex) over the group's link-up
 * members in port order. Never reads the firmware.
 */
export function modelMappedMember(sw: TrunkingSwitch, memberMask: number, da: number, sa: number): number {
  const model = sw.managed.model;
  const linkUp: number[] = [];
  for (let port = 0; port < 9; port++) if ((memberMask >>> port) & 1 && model.isLinkUp(port)) linkUp.push(port);
  const index = model.assumptions.trunkMemberIndex(2, da, sa, linkUp.length);
  return index < 0 ? -1 : linkUp[index];
}

/**
 * The member the patent's table names for source MAC `sa` on a trunk of `members` with table size 2^indexBits, after
 * `failed` members fail in that order: what a CFP-mode switch must do exactly. Computed with modules/trunk/table.ts
 * on the board side (a fresh table), never from the firmware's state.
 */
export function patentTableMember(members: readonly number[], indexBits: number, failed: readonly number[], sa: number): number {
  const table = new TrunkTable({ members, indexBits });
  for (const port of failed) table.fail(port);
  return table.memberAt(macLowBits(sa, indexBits));
}

/** The port a CFP rule's action sends to, read on the board side (facts §1.1 ACT_POL_DATA0 DST_MAP_IB; bit 6 = IMP), or -1. */
export function cfpRulePort(sw: TrunkingSwitch, rule: number): number {
  const entry = sw.managed.model.cfpRules().find((candidate) => candidate.index === rule);
  if (!entry) return -1;
  const map = entry.action[0] & 0x7f;
  if (map === 0 || (map & (map - 1)) !== 0) return -1;
  const bit = 31 - Math.clz32(map);
  return bit === 6 ? 8 : bit;
}
