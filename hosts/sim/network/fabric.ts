// A frame-level network on the shared VirtualClock: switches (any device with ports that forwards a frame to an
// egress port bitmap: the BCM53125 model through its board side, or a plain learning bridge), hosts with NICs, and
// cables between a NIC and a port or between two ports. Frames are not bytes: they carry the header fields the
// switch looks at (DA, SA, VID, EtherType, length) and a flow id and sequence number so tests can check order and loss.
//
// Timing (store and forward, one transmitter per cable direction):
//   a frame leaves when the transmitter is free, is on the wire for its serialisation time (length + preamble and
//   inter-frame gap, at the cable's bit rate) plus the propagation delay, and is handed to the far end when its last
//   bit arrives; a switch forwards it after a fixed forwarding latency.
// Pulling a cable drops its link on both ends at once (the model's setLink on a switch end, carrier on a NIC end);
// every frame on the wire or queued for its transmitters is lost and recorded with the reason.
//
// Bounded: every network has a frame budget (frames hosts may send) and a virtual-time limit; exceeding either throws
// NetworkBudgetError. Events are kept in a heap and driven by one timer on the VirtualClock, so they interleave with
// the firmware's timers and SPI time exactly as virtual time says.
import { BROADCAST_MAC, formatMac, isMulticastMac } from "../../../modules/mac";
import type { VirtualClock, VirtualTimer } from "../clock";
import { EventQueue } from "./event-queue";
import { TrunkTable } from "../../../modules/trunk/table";

export { clientMacs, macFromOui, SeededRandom, VENDOR_OUIS } from "./macs";
export type { ClientPopulationOptions, LowBitPattern, VendorName } from "./macs";

/** EtherTypes the simulated hosts use. */
export const ETHERTYPE = Object.freeze({ IPV4: 0x0800, ARP: 0x0806, IPV6: 0x86dd });

/** Preamble + start delimiter (8 bytes) and the inter-frame gap (12 bytes) occupy the wire besides the frame. */
const WIRE_OVERHEAD_BYTES = 20;
const MIN_FRAME_BYTES = 64;
const MAX_FRAME_BYTES = 1522;

export class NetworkBudgetError extends Error {
  constructor(message: string) {
    super(message);
    this.name = "NetworkBudgetError";
  }
}

/** What travels. Immutable once sent; every copy a switch makes refers to the same object. */
export interface Frame {
  /** Unique per frame a host sent. */
  readonly id: number;
  readonly da: number;
  readonly sa: number;
  readonly vid: number;
  /** Bytes on the wire without preamble and gap (64..1522). */
  readonly length: number;
  readonly ethertype: number;
  /** Which flow it belongs to (a flow = one sender, one destination, one sequence). */
  readonly flow: number;
  /** 0, 1, 2 ... within the flow. */
  readonly sequence: number;
  readonly sentAtMs: number;
}

/** The board side of a switch the network can drive. The BCM53125 model satisfies it. */
export interface ForwardingDevice {
  /** Link state as the chip sees it (the PHY on the switch end of a cable). */
  setLink(port: number, up: boolean): void;
  /** A frame fully received on `port`: returns the bitmap of ports it leaves on (bit i = port i). */
  ingress(port: number, frame: { da: number; sa: number; vid?: number; length?: number }): number;
}

export type LossReason =
  /** On the wire when its cable was pulled. */
  | "in-flight-on-pulled-cable"
  /** Waiting for the transmitter of a cable when the cable was pulled. */
  | "queued-for-pulled-cable"
  /** A switch sent it out of a port with no cable or a pulled cable. */
  | "egress-port-without-link"
  /** The sending host had no NIC with carrier for it. */
  | "sender-without-carrier"
  /** A switch forwarded it to no port at all (filtered, or flooded with no other port up). */
  | "switch-sent-nowhere";

export interface Loss {
  readonly frame: Frame;
  readonly reason: LossReason;
  readonly atMs: number;
  /** The cable it was on or headed for (undefined for sender-without-carrier). */
  readonly cable?: Cable;
  /** For egress-port-without-link: the node and port it was sent out of; for switch-sent-nowhere: its ingress port. */
  readonly egress?: { node: SwitchNode; port: number };
}

/** One copy of a frame reaching a NIC (whether or not the host wanted it). */
export interface Arrival {
  readonly frame: Frame;
  readonly host: Host;
  readonly nic: number;
  readonly atMs: number;
  /** Addressed to this host (its MAC, broadcast or multicast) and not sent by it. */
  readonly accepted: boolean;
}

export interface CableOptions {
  /** Bit rate (default 1 Gbit/s). */
  bitsPerSecond?: number;
  /** Length in metres (default 3); propagation 5 ns per metre. */
  lengthMetres?: number;
}

const PROPAGATION_MS_PER_METRE = 5e-6;

// ---- ends of a cable -----------------------------------------------------------------------------------------------

export interface NicEnd {
  readonly kind: "nic";
  readonly host: Host;
  readonly nic: number;
}

export interface PortEnd {
  readonly kind: "port";
  readonly node: SwitchNode;
  readonly port: number;
}

export type CableEnd = NicEnd | PortEnd;

function describeEnd(end: CableEnd): string {
  return end.kind === "nic" ? `${end.host.name}.nic${end.nic}` : `${end.node.name}.port${end.port}`;
}

interface Transmission {
  readonly frame: Frame;
  readonly startMs: number;
  readonly arriveMs: number;
  lost: boolean;
}

class CableDirection {
  busyUntilMs = 0;
  readonly pending = new Set<Transmission>();
}

export class Cable {
  readonly name: string;
  readonly bitsPerSecond: number;
  readonly propagationMs: number;
  plugged = true;
  /** Frames handed to the far end, per direction: [a to b, b to a]. */
  readonly delivered: [number, number] = [0, 0];
  readonly directions: [CableDirection, CableDirection] = [new CableDirection(), new CableDirection()];

  constructor(readonly a: CableEnd, readonly b: CableEnd, options: CableOptions = {}) {
    this.bitsPerSecond = options.bitsPerSecond ?? 1e9;
    this.propagationMs = (options.lengthMetres ?? 3) * PROPAGATION_MS_PER_METRE;
    this.name = `${describeEnd(a)}<->${describeEnd(b)}`;
  }

  /** Wire time of a frame of `length` bytes (ms). */
  serialisationMs(length: number): number {
    return ((length + WIRE_OVERHEAD_BYTES) * 8 * 1000) / this.bitsPerSecond;
  }

  /** Frames currently on the wire or waiting for a transmitter, both directions. */
  framesInFlight(): Frame[] {
    const frames: Frame[] = [];
    for (const direction of this.directions) for (const transmission of direction.pending) frames.push(transmission.frame);
    return frames;
  }

  otherEnd(end: CableEnd): CableEnd {
    return sameEnd(end, this.a) ? this.b : this.a;
  }
}

function sameEnd(x: CableEnd, y: CableEnd): boolean {
  if (x.kind === "nic" && y.kind === "nic") return x.host === y.host && x.nic === y.nic;
  if (x.kind === "port" && y.kind === "port") return x.node === y.node && x.port === y.port;
  return false;
}

// ---- nodes ---------------------------------------------------------------------------------------------------------

export class SwitchNode {
  readonly #cables = new Map<number, Cable>();
  /** Frames this node received, per ingress port. */
  readonly ingressCount = new Map<number, number>();
  /** Frames this node received per ingress port and source MAC: ingressBySa.get(port)?.get(sa). */
  readonly ingressBySa = new Map<number, Map<number, number>>();

  constructor(readonly name: string, readonly device: ForwardingDevice, readonly forwardingLatencyMs: number) {}

  port(port: number): PortEnd {
    return { kind: "port", node: this, port };
  }

  cableAt(port: number): Cable | undefined {
    return this.#cables.get(port);
  }

  /** @internal */
  attach(port: number, cable: Cable | undefined): void {
    if (cable) this.#cables.set(port, cable);
    else this.#cables.delete(port);
  }
}

/**
 * A plain unmanaged learning bridge (no trunking, no VLANs): the access switch a population of clients sits behind.
 * Unknown unicast, broadcast and multicast go to every other port with link; known unicast to its port.
 */
export class LearningBridge implements ForwardingDevice {
  readonly #portOf = new Map<number, number>();
  readonly #linkUp: boolean[];

  constructor(readonly portCount: number) {
    if (!Number.isInteger(portCount) || portCount < 2 || portCount > 30) throw new RangeError(`portCount must be 2..30, got ${portCount}`);
    this.#linkUp = Array.from({ length: portCount }, () => false);
  }

  setLink(port: number, up: boolean): void {
    this.#linkUp[port] = up;
    if (!up) for (const [mac, learned] of this.#portOf) if (learned === port) this.#portOf.delete(mac);
  }

  ingress(port: number, frame: { da: number; sa: number }): number {
    if (!isMulticastMac(frame.sa)) this.#portOf.set(frame.sa, port);
    const known = isMulticastMac(frame.da) ? undefined : this.#portOf.get(frame.da);
    if (known !== undefined) return known === port ? 0 : 1 << known;
    let bitmap = 0;
    for (let other = 0; other < this.portCount; other++) if (other !== port && this.#linkUp[other]) bitmap |= 1 << other;
    return bitmap;
  }
}

export class Host {
  readonly nics: { cable: Cable | undefined; carrier: boolean }[];
  /** Every frame copy that reached one of this host's NICs. */
  readonly arrivals: Arrival[] = [];

  constructor(readonly network: Network, readonly name: string, readonly mac: number, nicCount: number) {
    this.nics = Array.from({ length: nicCount }, () => ({ cable: undefined, carrier: false }));
  }

  nic(index: number): NicEnd {
    if (!Number.isInteger(index) || index < 0 || index >= this.nics.length) throw new RangeError(`${this.name} has no NIC ${index}`);
    return { kind: "nic", host: this, nic: index };
  }

  /** The NIC a frame to `da` leaves on, or -1 (no carrier). One-NIC hosts: NIC 0 when it has carrier. */
  pickNic(_da: number): number {
    return this.nics[0].carrier ? 0 : -1;
  }

  /** Carrier changed on a NIC (the cable was plugged or pulled). */
  carrierChanged(_nic: number, _up: boolean): void {}

  /** Addressed to this host (its MAC, broadcast or multicast) and not its own frame coming back. */
  accepts(frame: Frame, _nic = 0): boolean {
    return frame.sa !== this.mac && (frame.da === this.mac || isMulticastMac(frame.da));
  }
}

/**
 * A host whose NICs all carry one MAC and pick the outgoing NIC through the patent's table (modules/trunk/table.ts,
 * the firmware's own, indexed by destination MAC; its members are NIC indexes). When a NIC loses carrier only its
 * slots move, each to the NIC holding the fewest; when it returns it takes back exactly its home slots.
 */
export class Server extends Host {
  readonly table: TrunkTable;
  /**
   * Take broadcasts and multicasts on one NIC only (the lowest with carrier), as the patent's driver does when the
   * switch floods to every member (trunk mode cfp-isolated). Off: every copy that arrives is taken.
   */
  broadcastOnOneNic = false;

  constructor(network: Network, name: string, mac: number, nicCount: number, slotBits: number) {
    super(network, name, mac, nicCount);
    if (!Number.isInteger(nicCount) || nicCount < 1 || nicCount > 8) throw new RangeError(`nicCount must be 1..8, got ${nicCount}`);
    // dynamicMembers: a server may have more NICs than slots (the extra NICs carry nothing until another fails).
    this.table = new TrunkTable({ members: this.nics.map((_, nic) => nic), indexBits: slotBits, dynamicMembers: true });
    // Until a cable is plugged a NIC has no carrier: its slots are held by the others.
    for (let nic = 0; nic < nicCount; nic++) this.table.fail(nic);
  }

  /** The NIC a frame to `da` leaves on, or -1 (NO_MEMBER: no NIC has carrier). */
  override pickNic(da: number): number {
    return this.table.memberFor(da);
  }

  override accepts(frame: Frame, nic = 0): boolean {
    if (!super.accepts(frame, nic)) return false;
    if (!this.broadcastOnOneNic || frame.da === this.mac) return true;
    let first = -1;
    for (let n = 0; n < this.nics.length && first < 0; n++) if (this.nics[n].carrier) first = n;
    return nic === first;
  }

  override carrierChanged(nic: number, up: boolean): void {
    if (up) this.table.restore(nic);
    else this.table.fail(nic);
  }
}

// ---- flows ---------------------------------------------------------------------------------------------------------

export interface FlowOptions {
  from: Host;
  /** Destination MAC (a host's MAC, broadcast, or an address nobody has: unknown unicast). */
  to: number;
  vid?: number;
  ethertype?: number;
  /** Frame length in bytes (default 512). */
  length?: number;
  /** First frame at this virtual time (default: now). */
  startMs?: number;
  /** Gap between frames (ms). */
  intervalMs: number;
  /** How many frames (bounded by the network's frame budget). */
  count: number;
}

export interface Flow {
  readonly id: number;
  readonly from: Host;
  readonly to: number;
  sent: number;
  /** Stop sending (frames already sent stay in flight). */
  stop(): void;
}

export interface NetworkOptions {
  clock: VirtualClock;
  /** Frames hosts may send in this network's lifetime (default 200000). */
  frameBudget?: number;
  /** Virtual time (ms) beyond which run() refuses to go (default 60000). */
  timeLimitMs?: number;
}

export class Network {
  readonly clock: VirtualClock;
  readonly frameBudget: number;
  readonly timeLimitMs: number;
  readonly switches: SwitchNode[] = [];
  readonly hosts: Host[] = [];
  readonly cables: Cable[] = [];
  readonly losses: Loss[] = [];
  readonly #events = new EventQueue();
  /** The one clock timer that delivers due events; the clock discards a one-shot timer once it fires. */
  #timer: VirtualTimer | undefined;
  #timerDueMs = Infinity;
  #framesSent = 0;
  #nextFlowId = 1;
  #nextFrameId = 1;

  constructor(options: NetworkOptions) {
    this.clock = options.clock;
    this.frameBudget = options.frameBudget ?? 200_000;
    this.timeLimitMs = options.timeLimitMs ?? 60_000;
  }

  get framesSent(): number {
    return this.#framesSent;
  }

  get now(): number {
    return this.clock.now();
  }

  // ---- building --------------------------------------------------------------------------------------------------

  addSwitch(name: string, device: ForwardingDevice, forwardingLatencyMs = 0.002): SwitchNode {
    const node = new SwitchNode(name, device, forwardingLatencyMs);
    this.switches.push(node);
    return node;
  }

  addBridge(name: string, portCount: number): SwitchNode {
    return this.addSwitch(name, new LearningBridge(portCount));
  }

  addServer(name: string, mac: number, nicCount: number, slotBits = 3): Server {
    const server = new Server(this, name, mac, nicCount, slotBits);
    this.hosts.push(server);
    return server;
  }

  addClient(name: string, mac: number): Host {
    const host = new Host(this, name, mac, 1);
    this.hosts.push(host);
    return host;
  }

  /** Cables two ends together and plugs them in (link up on both ends). */
  connect(a: CableEnd, b: CableEnd, options: CableOptions = {}): Cable {
    if (sameEnd(a, b)) throw new RangeError("a cable needs two different ends");
    for (const end of [a, b]) {
      const existing = this.#cableAt(end);
      if (existing && existing.plugged) throw new RangeError(`${describeEnd(end)} already has a plugged cable (${existing.name})`);
    }
    const cable = new Cable(a, b, options);
    this.cables.push(cable);
    cable.plugged = false;
    this.plug(cable);
    return cable;
  }

  /** Plugs a cable in: link up on both ends. */
  plug(cable: Cable): void {
    if (cable.plugged) return;
    for (const end of [cable.a, cable.b]) {
      const existing = this.#cableAt(end);
      if (existing && existing !== cable && existing.plugged) throw new RangeError(`${describeEnd(end)} already has a plugged cable (${existing.name})`);
    }
    cable.plugged = true;
    for (const end of [cable.a, cable.b]) this.#setEnd(end, cable, true);
  }

  /** Pulls a cable: link down on both ends; every frame on it is lost. Returns those frames. */
  pull(cable: Cable): Frame[] {
    if (!cable.plugged) return [];
    cable.plugged = false;
    const now = this.now;
    const lost: Frame[] = [];
    for (const direction of cable.directions) {
      for (const transmission of direction.pending) {
        transmission.lost = true;
        const reason: LossReason = transmission.startMs <= now ? "in-flight-on-pulled-cable" : "queued-for-pulled-cable";
        this.losses.push({ frame: transmission.frame, reason, atMs: now, cable });
        lost.push(transmission.frame);
      }
      direction.pending.clear();
      direction.busyUntilMs = now;
    }
    for (const end of [cable.a, cable.b]) this.#setEnd(end, cable, false);
    return lost;
  }

  /** Moves the `from` end of a pulled or plugged cable to another port: a client re-cabled elsewhere. */
  recable(cable: Cable, keep: CableEnd, to: PortEnd, options: CableOptions = {}): Cable {
    this.pull(cable);
    return this.connect(keep, to, options);
  }

  #cableAt(end: CableEnd): Cable | undefined {
    return end.kind === "nic" ? end.host.nics[end.nic].cable : end.node.cableAt(end.port);
  }

  #setEnd(end: CableEnd, cable: Cable, up: boolean): void {
    if (end.kind === "nic") {
      const nic = end.host.nics[end.nic];
      nic.cable = cable;
      if (nic.carrier !== up) {
        nic.carrier = up;
        end.host.carrierChanged(end.nic, up);
      }
    } else {
      end.node.attach(end.port, cable);
      end.node.device.setLink(end.port, up);
    }
  }

  // ---- traffic ---------------------------------------------------------------------------------------------------

  /** Sends one frame from `host` now. Returns it, or undefined when the host had no NIC with carrier for it. */
  send(host: Host, fields: { da: number; vid?: number; ethertype?: number; length?: number; flow?: number; sequence?: number }): Frame | undefined {
    if (this.#framesSent >= this.frameBudget) throw new NetworkBudgetError(`frame budget of ${this.frameBudget} frames used up`);
    const length = fields.length ?? 512;
    if (!Number.isInteger(length) || length < MIN_FRAME_BYTES || length > MAX_FRAME_BYTES)
      throw new RangeError(`frame length must be ${MIN_FRAME_BYTES}..${MAX_FRAME_BYTES} bytes, got ${length}`);
    this.#framesSent++;
    const frame: Frame = Object.freeze({
      id: this.#nextFrameId++,
      da: fields.da,
      sa: host.mac,
      vid: fields.vid ?? 0,
      length,
      ethertype: fields.ethertype ?? ETHERTYPE.IPV4,
      flow: fields.flow ?? 0,
      sequence: fields.sequence ?? 0,
      sentAtMs: this.now,
    });
    const nic = host.pickNic(frame.da);
    const cable = nic >= 0 ? host.nics[nic].cable : undefined;
    if (!cable || !cable.plugged) {
      this.losses.push({ frame, reason: "sender-without-carrier", atMs: this.now });
      return frame;
    }
    this.#transmit(cable, host.nic(nic), frame, this.now);
    return frame;
  }

  /** Starts a flow: `count` frames every `intervalMs`, sequence numbers 0, 1, 2 ... */
  startFlow(options: FlowOptions): Flow {
    if (!(options.intervalMs > 0)) throw new RangeError(`intervalMs must be > 0, got ${options.intervalMs}`);
    if (!Number.isInteger(options.count) || options.count < 0) throw new RangeError(`count must be an integer >= 0, got ${options.count}`);
    let stopped = false;
    const flow: Flow = {
      id: this.#nextFlowId++,
      from: options.from,
      to: options.to,
      sent: 0,
      stop: () => {
        stopped = true;
      },
    };
    const sendNext = (): void => {
      if (stopped || flow.sent >= options.count) return;
      this.send(options.from, {
        da: options.to,
        vid: options.vid,
        ethertype: options.ethertype,
        length: options.length,
        flow: flow.id,
        sequence: flow.sent,
      });
      flow.sent++;
      if (flow.sent < options.count) this.at(this.now + options.intervalMs, sendNext);
    };
    this.at(options.startMs ?? this.now, sendNext);
    return flow;
  }

  /** Runs `action` at virtual time `timeMs` (now if in the past). */
  at(timeMs: number, action: () => void): void {
    if (!Number.isFinite(timeMs)) throw new RangeError(`event time must be finite, got ${timeMs}`);
    this.#events.push(Math.max(timeMs, this.now), action);
    this.#armTimer();
  }

  /** Advances virtual time by `ms`, delivering frames and running the firmware's timers as they fall due. */
  run(ms: number): void {
    this.runUntil(this.now + ms);
  }

  runUntil(timeMs: number): void {
    if (timeMs > this.timeLimitMs) throw new NetworkBudgetError(`run to ${timeMs} ms is past the time limit of ${this.timeLimitMs} ms`);
    // Advance in 1 ms steps so that no single clock advance runs an unbounded number of callbacks.
    for (let step = 0; this.now < timeMs && step < this.timeLimitMs + 1; step++) this.clock.advanceTo(Math.min(timeMs, this.now + 1));
  }

  // ---- delivery --------------------------------------------------------------------------------------------------

  #armTimer(): void {
    const due = this.#events.nextDueMs;
    if (due < this.#timerDueMs) {
      this.#timerDueMs = due;
      const delay = Math.max(0, due - this.now);
      if (this.#timer?.active) this.clock.schedule(this.#timer, delay);
      else this.#timer = this.clock.set(() => this.#runDueEvents(), delay);
    }
  }

  #runDueEvents(): void {
    this.#timerDueMs = Infinity;
    // Bounded: each event is a frame hop or a flow step, and hops per frame are bounded by the budget.
    const maxEvents = this.frameBudget * 64;
    for (let processed = 0; this.#events.nextDueMs <= this.now; processed++) {
      if (processed > maxEvents) throw new NetworkBudgetError(`more than ${maxEvents} events at ${this.now} ms: a forwarding loop?`);
      this.#events.pop()!.run();
    }
    this.#armTimer();
  }

  /** Puts `frame` on `cable`, leaving from `from`, no earlier than `readyMs`. */
  #transmit(cable: Cable, from: CableEnd, frame: Frame, readyMs: number): void {
    const directionIndex = sameEnd(from, cable.a) ? 0 : 1;
    const direction = cable.directions[directionIndex];
    const startMs = Math.max(readyMs, direction.busyUntilMs);
    const serialisationMs = cable.serialisationMs(frame.length);
    direction.busyUntilMs = startMs + serialisationMs;
    const transmission: Transmission = { frame, startMs, arriveMs: startMs + serialisationMs + cable.propagationMs, lost: false };
    direction.pending.add(transmission);
    const to = directionIndex === 0 ? cable.b : cable.a;
    this.at(transmission.arriveMs, () => {
      if (transmission.lost) return;
      direction.pending.delete(transmission);
      cable.delivered[directionIndex]++;
      this.#receive(to, frame);
    });
  }

  #receive(end: CableEnd, frame: Frame): void {
    const now = this.now;
    if (end.kind === "nic") {
      const host = end.host;
      host.arrivals.push({ frame, host, nic: end.nic, atMs: now, accepted: host.accepts(frame, end.nic) });
      return;
    }
    const node = end.node;
    node.ingressCount.set(end.port, (node.ingressCount.get(end.port) ?? 0) + 1);
    let bySa = node.ingressBySa.get(end.port);
    if (!bySa) node.ingressBySa.set(end.port, (bySa = new Map()));
    bySa.set(frame.sa, (bySa.get(frame.sa) ?? 0) + 1);
    const egress = node.device.ingress(end.port, frame);
    if (egress === 0) this.losses.push({ frame, reason: "switch-sent-nowhere", atMs: now, egress: { node, port: end.port } });
    // Bitmaps are at most 31 bits wide here (ports 0..30).
    for (let port = 0, rest = egress; rest !== 0 && port < 31; port++, rest >>>= 1) {
      if ((rest & 1) === 0) continue;
      const cable = node.cableAt(port);
      if (!cable || !cable.plugged) {
        this.losses.push({ frame, reason: "egress-port-without-link", atMs: now, cable, egress: { node, port } });
        continue;
      }
      this.#transmit(cable, node.port(port), frame, now + node.forwardingLatencyMs);
    }
  }

  // ---- reading results -------------------------------------------------------------------------------------------

  /** Arrivals of a flow's frames at the host they were addressed to (accepted copies only). */
  deliveriesOf(flow: Flow, at: Host): Arrival[] {
    return at.arrivals.filter((arrival) => arrival.frame.flow === flow.id && arrival.accepted);
  }

  describe(mac: number): string {
    if (mac === BROADCAST_MAC) return "broadcast";
    const host = this.hosts.find((candidate) => candidate.mac === mac);
    return host ? `${host.name} (${formatMac(mac)})` : formatMac(mac);
  }
}
