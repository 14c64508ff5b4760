// The simulated board on a bench, as `npm start` runs it: the BCM53125 model on virtual time, the ESP32 running
// main.ts (the same file the real board runs) through the `device` global of device.ts, its UART0 console, its flash
// (the `preference` module, files in a state folder), and a small network cabled to the switch's ports:
//
//   port 0, 1   a server with two NICs that share one MAC and pick the outgoing NIC through the patent's table
//   port 2, 3   free
//   port 4      an access network (unmanaged bridges) with up to 64 clients; `startClients` makes some talk
//
// The board can be restarted by the firmware (`device.restart()`: the firmware's timers stop, its UART closes,
// main.ts is imported again), and power-cut from outside (the same, and the switch chip loses its registers too;
// flash keeps every completed write). Boots are asynchronous (an import); `settle()` waits for one to finish, and
// drivers must not advance the clock while `booting` is set, so a boot runs at a well-defined virtual time.
import { formatMac } from "../../modules/mac";
import { Bcm53125Model } from "./bcm53125";
import { SimCpu, VirtualClock } from "./clock";
import { createSimDevice } from "./device";
import { Network, clientMacs, macFromOui, VENDOR_OUIS, type Cable, type Flow, type Host, type LossReason, type Server, type SwitchNode } from "./network/fabric";
import { cutPowerAfterWrites, isPowerCut, restorePower, usePreferenceFolder } from "./preference";
import { SimSerial, type SimSerialOptions } from "./serial";
import { currentTimerCpu, useClock } from "./timer";
// main.ts is imported by URL at each boot (below); this type-only import keeps it type-checked against the board's
// globals (globals.d.ts: device, trace, System) under tsconfig.json.
import type * as FirmwareMain from "../../main";

/** The server's one MAC (both NICs carry it): an HP OUI, as in the trunking scenarios (network/trunking-scenarios). */
export const SERVER_MAC = macFromOui(VENDOR_OUIS.hewlettPackard, 0x5e1234);
/** Switch ports the server's two NICs are cabled to (NIC 0 on the first). */
export const SERVER_PORTS = Object.freeze([0, 1]);
/** Switch port the clients' access network hangs off. */
export const CLIENT_PORT = 4;
/** Clients on the access network (not all of them need to talk). */
export const MAX_CLIENTS = 64;
const CLIENTS_PER_ACCESS_BRIDGE = 16;
/** Each talking client sends one frame to the server this often, and the server answers each client as often. */
export const CLIENT_FRAME_INTERVAL_MS = 20;
const CLIENT_FRAME_BYTES = 512;
/** Flows stop by themselves after this much virtual time (a bound; `board clients` again restarts them). */
const MAX_TRAFFIC_MS = 24 * 3600 * 1000;
/**
 * From reset or power-on to main.ts running: ROM bootloader, second-stage bootloader, XS start-up. An estimate for an
 * ESP32 at 240 MHz (no measurement behind it); it only orders events in virtual time.
 */
export const BOOT_DELAY_MS = 300;
/** `board power-cut after-writes <n>` takes at most this many writes. */
const MAX_ARMED_WRITES = 1000;
/** restart() waits for UART0's FIFO to drain, checking every millisecond at most this often. */
const RESTART_DRAIN_CHECKS = 50;
/** The housekeeping timer trims the hosts' arrival records this often (they would grow without bound). */
const HOUSEKEEPING_MS = 1000;

/** A board command that cannot be done (bad port, nothing plugged): the message says why. */
export class BoardError extends Error {
  constructor(message: string) {
    super(message);
    this.name = "BoardError";
  }
}

export interface SimBoardOptions {
  /** Folder holding the board's flash (the `preference` module's files). */
  stateDir: string;
  /** Bytes the board transmits on UART0 (its console). */
  onConsoleOutput?: (bytes: Uint8Array) => void;
  /** The firmware's trace() output, one call per trace() with the virtual time. */
  onTrace?: (atMs: number, text: string) => void;
  /** The firmware stopped (restart or power cut); a boot follows. */
  onHalt?: () => void;
  /** Something the board did by itself (an armed power cut fired). */
  onNotice?: (text: string) => void;
  /** A boot failed with an exception out of main.ts. */
  onBootError?: (error: unknown) => void;
  /** The module booted (default: the repository's main.ts). */
  mainModule?: URL;
}

export interface PortStatus {
  port: number;
  /** What the cable on this port leads to, or undefined when nothing is plugged in. */
  peer: string | undefined;
  /** The cable is plugged in (link up on both ends). */
  plugged: boolean;
  /** Frames the cable delivered into the switch port and out of it. */
  framesIn: number;
  framesOut: number;
}

interface Traffic {
  clients: number;
  sinceMs: number;
  flows: Flow[];
}

export class SimBoard {
  readonly clock = new VirtualClock();
  readonly model: Bcm53125Model;
  readonly network: Network;
  readonly node: SwitchNode;
  readonly server: Server;
  readonly clients: readonly Host[];
  readonly stateDir: string;
  readonly #options: SimBoardOptions;
  readonly #mainModule: URL;
  /** The cable on each switch port (undefined: nothing plugged). */
  readonly #cables: (Cable | undefined)[] = [];
  readonly #peers: (string | undefined)[] = [];
  /** The CPU running the current firmware (undefined while the board is off or booting). */
  #cpu: SimCpu | undefined;
  /** UART0 as the current firmware opened it. */
  #uart: SimSerial | undefined;
  #boots = 0;
  #booting: Promise<void> | undefined;
  #bootTimer: unknown;
  #restartTimer: unknown;
  #armedCutTimer: unknown;
  #traffic: Traffic | undefined;
  /** Tallies of what the housekeeping timer trimmed. */
  readonly lossCounts = new Map<LossReason, number>();
  framesAtServer = 0;
  framesAtClients = 0;
  /** UART0 bytes typed while no firmware had the UART open (lost, as on a real UART). */
  droppedConsoleBytes = 0;

  constructor(options: SimBoardOptions) {
    this.#options = options;
    this.stateDir = options.stateDir;
    this.#mainModule = options.mainModule ?? new URL("../../main.ts", import.meta.url);
    this.model = new Bcm53125Model({ clock: this.clock });
    // Bounded: a day of virtual time with every client talking stays far below the frame budget.
    this.network = new Network({ clock: this.clock, frameBudget: 1e9, timeLimitMs: Number.MAX_SAFE_INTEGER });
    this.node = this.network.addSwitch("switch", this.model);
    this.server = this.network.addServer("server", SERVER_MAC, SERVER_PORTS.length, 3);
    SERVER_PORTS.forEach((port, nic) => this.#cable(port, this.server.nic(nic), `server nic${nic} (${formatMac(SERVER_MAC)})`, 2));
    this.clients = this.#buildAccessNetwork();
    this.clock.repeat(() => this.#housekeeping(), HOUSEKEEPING_MS);
  }

  /** How many times main.ts has been booted. */
  get boots(): number {
    return this.#boots;
  }

  /** A boot is under way (main.ts is being imported): do not advance the clock until `settle()` resolves. */
  get booting(): boolean {
    return this.#booting !== undefined;
  }

  /** The firmware has UART0 open (its console can be reached). */
  get consoleOpen(): boolean {
    return this.#uart !== undefined;
  }

  /** Clients sending now (0 when stopped). */
  get talkingClients(): number {
    return this.#traffic?.clients ?? 0;
  }

  /** Powers the board on: main.ts boots after BOOT_DELAY_MS of virtual time (call `settle()` as time passes). */
  powerOn(): void {
    usePreferenceFolder(this.stateDir);
    this.#scheduleBoot();
  }

  /** Waits for a boot that is under way (none: resolves at once). */
  async settle(): Promise<void> {
    // Bounded: a boot never starts another boot by itself (restart() goes through a timer).
    if (this.#booting) await this.#booting;
  }

  /**
   * Advances virtual time by `ms` in steps of `stepMs`, letting boots finish in between (a reload or power cut
   * inside the interval boots main.ts again at the right time). `until` ends early when it returns true.
   */
  async advance(ms: number, options: { stepMs?: number; until?: () => boolean } = {}): Promise<void> {
    const step = options.stepMs ?? 5;
    const end = this.clock.now() + ms;
    // Bounded: each round moves time forward by at least min(step, what is left) > 0.
    for (let round = 0; this.clock.now() < end && round <= Math.ceil(ms / step) + 1; round++) {
      await this.settle();
      if (options.until?.()) return;
      this.clock.advance(Math.min(step, end - this.clock.now()));
    }
    await this.settle();
  }

  /**
   * The ESP32 restarts (the firmware's `device.restart()`, or the EN button): RAM is lost, flash and chip stay.
   * Firmware code stops once the code calling this returns; the UART still shifts out what its FIFO holds (at most
   * 128 bytes, about 11 ms at 115200 baud), so the firmware's last words reach the terminal; then main.ts boots.
   */
  restart(): void {
    if (this.#restartTimer !== undefined) return;
    let checks = 0;
    const timer = this.clock.set(
      () => {
        if (checks++ === 0) this.#cpu?.halt();
        if (this.#uart && this.#uart.txPending > 0 && checks < RESTART_DRAIN_CHECKS) return;
        this.clock.clear(timer);
        this.#restartTimer = undefined;
        this.#halt();
        this.#scheduleBoot();
      },
      0,
      1,
    );
    this.#restartTimer = timer;
  }

  /** The firmware is not running main.ts right now, or is about to stop: a restart or a boot is under way. */
  get firmwareDown(): boolean {
    return this.#cpu === undefined || this.#restartTimer !== undefined || this.#bootTimer !== undefined || this.booting;
  }

  /**
   * Power cut: the firmware stops wherever it is (a save in progress writes nothing more; flash keeps each write
   * that completed), the switch chip loses its registers and address table, then power returns and main.ts boots.
   */
  powerCut(): void {
    if (this.#restartTimer !== undefined) this.clock.clear(this.#restartTimer);
    this.#restartTimer = undefined;
    this.#halt();
    this.model.powerCycle();
    this.#scheduleBoot();
  }

  /**
   * Arms a power cut inside the next flash writes: `writes` more writes complete, the one after fails half-written
   * (the preference module's cutPowerAfterWrites, torn), and the board loses power at that moment (checked every
   * millisecond of virtual time, a hardware timer). The board boots again with whatever flash then holds.
   */
  armPowerCut(writes: number): void {
    if (!Number.isInteger(writes) || writes < 0 || writes > MAX_ARMED_WRITES) throw new BoardError(`after-writes must be 0-${MAX_ARMED_WRITES}, not ${writes}`);
    this.disarmPowerCut();
    cutPowerAfterWrites(writes, { torn: true });
    this.#armedCutTimer = this.clock.repeat(() => {
      if (!isPowerCut()) return;
      this.disarmPowerCut();
      this.powerCut();
      this.#options.onNotice?.(`board: the power failed during a flash write (after ${writes} complete); the firmware boots from what flash holds`);
    }, 1);
  }

  /** An armed power cut that has not fired is called off. */
  disarmPowerCut(): void {
    if (this.#armedCutTimer === undefined) return;
    this.clock.clear(this.#armedCutTimer);
    this.#armedCutTimer = undefined;
    restorePower();
  }

  /** A power cut is armed and waits for a flash write. */
  get powerCutArmed(): boolean {
    return this.#armedCutTimer !== undefined;
  }

  /** Bytes typed on the console's serial line. Lost while no firmware has UART0 open. */
  sendToConsole(bytes: Uint8Array): void {
    if (this.#uart) this.#uart.host.send(bytes);
    else this.droppedConsoleBytes += bytes.length;
  }

  /** Plugs (`up`) or pulls (`down`) the cable at a switch port. */
  setLink(port: number, up: boolean): void {
    const cable = this.#cableAt(port);
    if (up) this.network.plug(cable);
    else this.network.pull(cable);
  }

  /** `count` clients (of MAX_CLIENTS) start sending to the server, and the server answers each. */
  startClients(count: number): void {
    if (!Number.isInteger(count) || count < 1 || count > MAX_CLIENTS) throw new BoardError(`the board has 1..${MAX_CLIENTS} clients, not ${count}`);
    this.stopClients();
    const now = this.clock.now();
    const frames = Math.ceil(MAX_TRAFFIC_MS / CLIENT_FRAME_INTERVAL_MS);
    const flows: Flow[] = [];
    for (let i = 0; i < count; i++) {
      const client = this.clients[i];
      // Staggered so the clients do not all send at the same instant.
      const startMs = now + (i / count) * CLIENT_FRAME_INTERVAL_MS;
      const common = { intervalMs: CLIENT_FRAME_INTERVAL_MS, count: frames, length: CLIENT_FRAME_BYTES, startMs };
      flows.push(this.network.startFlow({ from: client, to: this.server.mac, ...common }));
      flows.push(this.network.startFlow({ from: this.server, to: client.mac, ...common, startMs: startMs + CLIENT_FRAME_INTERVAL_MS / 2 }));
    }
    this.#traffic = { clients: count, sinceMs: now, flows };
  }

  stopClients(): void {
    if (!this.#traffic) return;
    for (const flow of this.#traffic.flows) flow.stop();
    this.#traffic = undefined;
  }

  /** What is cabled to each switch port and how many frames crossed each cable. */
  ports(): PortStatus[] {
    const result: PortStatus[] = [];
    for (let port = 0; port <= CLIENT_PORT; port++) {
      const cable = this.#cables[port];
      if (!cable) {
        result.push({ port, peer: undefined, plugged: false, framesIn: 0, framesOut: 0 });
        continue;
      }
      // The switch end is cable.b (see #cable): a-to-b frames went into the switch.
      result.push({ port, peer: this.#peers[port], plugged: cable.plugged, framesIn: cable.delivered[0], framesOut: cable.delivered[1] });
    }
    return result;
  }

  /** Human-readable status, one line each. */
  describe(): string[] {
    const lines: string[] = [];
    const seconds = (this.clock.now() / 1000).toFixed(3);
    const state = this.booting || (this.#cpu === undefined && this.#bootTimer !== undefined) ? "booting" : this.#cpu ? "running" : "off";
    lines.push(`board: virtual time ${seconds} s, firmware ${state} (boot ${this.#boots}), console ${this.consoleOpen ? "open" : "closed"} on UART0`);
    for (const port of this.ports()) {
      if (port.peer === undefined) {
        lines.push(`port ${port.port}: nothing plugged in`);
        continue;
      }
      const link = port.plugged ? "cable in " : "cable out";
      lines.push(`port ${port.port}: ${link}  ${port.peer}; frames into the switch ${port.framesIn}, out of it ${port.framesOut}`);
    }
    const traffic = this.#traffic;
    lines.push(
      traffic
        ? `clients: ${traffic.clients} of ${MAX_CLIENTS} sending to the server every ${CLIENT_FRAME_INTERVAL_MS} ms since ${(traffic.sinceMs / 1000).toFixed(3)} s; the server answers each`
        : `clients: none sending (${MAX_CLIENTS} on port ${CLIENT_PORT}; board clients <n> -> trk1 starts them)`,
    );
    this.#housekeeping();
    lines.push(`frames received: server ${this.framesAtServer}, clients ${this.framesAtClients}`);
    const losses = [...this.lossCounts].filter(([, count]) => count > 0).map(([reason, count]) => `${reason} ${count}`);
    lines.push(`frames lost: ${losses.length ? losses.join(", ") : "none"}`);
    return lines;
  }

  // ---- firmware life cycle -----------------------------------------------------------------------------------

  #scheduleBoot(): void {
    if (this.#bootTimer !== undefined) return;
    this.#bootTimer = this.clock.set(() => {
      this.#bootTimer = undefined;
      this.#booting = this.#boot().finally(() => {
        this.#booting = undefined;
      });
    }, BOOT_DELAY_MS);
  }

  /** The ESP32 stops: its timers are gone, UART0 closes. */
  #halt(): void {
    this.#options.onHalt?.();
    this.#cpu?.halt();
    this.#cpu = undefined;
    const uart = this.#uart;
    this.#uart = undefined;
    if (uart) {
      uart.host.onData = undefined;
      try {
        uart.close();
      } catch {
        // already closed
      }
    }
  }

  async #boot(): Promise<void> {
    this.#boots++;
    useClock(this.clock);
    const cpu = currentTimerCpu()!;
    this.#cpu = cpu;
    const board = this;
    const clock = this.clock;
    // UART0 as the firmware sees it: opening it connects it to the board's serial line.
    class BoardSerial extends SimSerial {
      constructor(options: SimSerialOptions) {
        if (board.#uart) throw new Error("UART0 is already open");
        super({ ...options, clock, cpu });
        board.#uart = this;
        this.host.onData = (bytes: Uint8Array) => board.#options.onConsoleOutput?.(bytes);
      }
    }
    const { device } = createSimDevice(this.model, this.clock, cpu, { Serial: BoardSerial, restart: () => this.restart() });
    Object.assign(globalThis, {
      device,
      trace: (text: string) => this.#options.onTrace?.(this.clock.now(), String(text)),
      System: { restart: () => this.restart() },
    });
    const url = new URL(this.#mainModule);
    url.searchParams.set("boot", String(this.#boots));
    try {
      await import(url.href);
    } catch (error) {
      this.#options.onBootError?.(error);
    }
  }

  // ---- cabling -----------------------------------------------------------------------------------------------

  #cable(port: number, from: { kind: "nic"; host: Host; nic: number } | { kind: "port"; node: SwitchNode; port: number }, peer: string, lengthMetres: number): void {
    // The switch port is the cable's b end: delivered[0] counts frames into the switch.
    this.#cables[port] = this.network.connect(from, this.node.port(port), { lengthMetres });
    this.#peers[port] = peer;
  }

  #cableAt(port: number): Cable {
    if (!Number.isInteger(port) || port < 0 || port > CLIENT_PORT) throw new BoardError(`the switch has ports 0-${CLIENT_PORT}, not ${port}`);
    const cable = this.#cables[port];
    if (!cable) throw new BoardError(`nothing is plugged into port ${port} (the server is on ports ${SERVER_PORTS.join(" and ")}, the clients on port ${CLIENT_PORT})`);
    return cable;
  }

  /** MAX_CLIENTS clients: access bridges of 16, joined by a distribution bridge cabled to CLIENT_PORT. */
  #buildAccessNetwork(): Host[] {
    const macs = clientMacs({ count: MAX_CLIENTS, pattern: "sequential" });
    const bridges = Math.ceil(MAX_CLIENTS / CLIENTS_PER_ACCESS_BRIDGE);
    const distribution = this.network.addBridge("distribution", bridges + 1);
    this.#cable(CLIENT_PORT, distribution.port(0), `client access network (${MAX_CLIENTS} clients, ${formatMac(macs[0])} ...)`, 30);
    const clients: Host[] = [];
    for (let b = 0; b < bridges; b++) {
      const access = this.network.addBridge(`access${b}`, CLIENTS_PER_ACCESS_BRIDGE + 1);
      this.network.connect(access.port(0), distribution.port(b + 1), { lengthMetres: 50 });
      for (let i = 0; i < CLIENTS_PER_ACCESS_BRIDGE && clients.length < MAX_CLIENTS; i++) {
        const client = this.network.addClient(`client${clients.length}`, macs[clients.length]);
        this.network.connect(client.nic(0), access.port(i + 1), { lengthMetres: 20 });
        clients.push(client);
      }
    }
    return clients;
  }

  /** Counts and forgets the hosts' arrival records and the network's loss records (they are not needed later). */
  #housekeeping(): void {
    for (const arrival of this.server.arrivals) if (arrival.accepted) this.framesAtServer++;
    this.server.arrivals.length = 0;
    for (const client of this.clients) {
      for (const arrival of client.arrivals) if (arrival.accepted) this.framesAtClients++;
      client.arrivals.length = 0;
    }
    for (const loss of this.network.losses) this.lossCounts.set(loss.reason, (this.lossCounts.get(loss.reason) ?? 0) + 1);
    this.network.losses.length = 0;
  }
}
