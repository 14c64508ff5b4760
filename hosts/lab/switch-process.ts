// One simulated BCM53125 whose ports are real Linux interfaces. Run inside the lab's switch namespace, with an IPC
// channel to its parent (hosts/lab/lab-switch.ts):
//   ip netns exec <sw ns> node --import tsx hosts/lab/switch-process.ts '<SwitchProcessOptions as JSON>'
//
// Data plane: an AF_PACKET socket per port interface (hosts/lab/frame-port.ts). Each frame read is described to the
// chip model's forwarding engine (model.ingress: ARL learning and lookup, trunk member choice, flooding) and its bytes
// are written out of every port in the egress bitmap the model returns. A port's PHY link is its interface's carrier.
// Control plane: the firmware on XS (hosts/xs/board.ts, the console-* scenarios), managing the model over SPI bytes,
// its main loop ticked every 10 ms of wall-clock time, its console typed into line by line.
// Time: the model's VirtualClock follows the wall clock (advanced to it before every XS command and between frame
// bursts; an SPI transfer or Timer.delay may move it ahead, and it never goes back).
//
// The event loop is never blocked: XS's SPI round trips are served from it (the worker's pipe), so frames keep moving
// while a console command runs on XS. A busy pump loops with setImmediate, an idle one checks again after 1 ms.
import { performance } from "node:perf_hooks";
import { VirtualClock } from "../sim/clock";
import { Bcm53125Model } from "../sim/bcm53125/model";
import { BOARD_SPI_HZ } from "../sim/device";
import { SimSPI } from "../sim/spi";
import { XsBoard } from "../xs/board";
import { isMulticastMac } from "../../modules/mac";
import { FlowTracker } from "./flow-tracker";
import { FramePort, newPortCounters, NO_FRAME } from "./frame-port";
import { endsWithPrompt, type FromSwitch, type SwitchProcessOptions, type ToSwitch } from "./switch-messages";
import type { SwitchStats } from "./types";

/** Chip ports with cables (0..4); the IMP port 8 is the CPU's and has no interface. */
const CABLE_PORTS = 5;
/** Frames moved per pump turn before the event loop gets a turn (XS's SPI requests wait behind it). */
const FRAMES_PER_TURN = 256;
const MIN_FRAME = 14;
const ETHERTYPE_VLAN = 0x8100;
/** The frame check sequence the kernel strips: the chip counts it in its octet counters. */
const FCS_BYTES = 4;
const BOOT_TIMEOUT_MS = 30_000;

/** The console-run scenario's result (hosts/xs/scenarios.ts). */
interface RunOutput {
  ticks: number;
  output: string;
}

interface ConsoleRequest {
  id: number;
  line: string;
  timeoutMs: number;
}

function sleep(ms: number): Promise<void> {
  return new Promise((resolve) => setTimeout(resolve, ms));
}

class SwitchProcess {
  readonly #options: SwitchProcessOptions;
  readonly #send: (message: FromSwitch) => void;
  readonly #clock = new VirtualClock();
  readonly #model = new Bcm53125Model({ clock: this.#clock });
  readonly #spi = new SimSPI({ hz: BOARD_SPI_HZ, device: this.#model, time: this.#clock });
  readonly #wallStart = performance.now();
  readonly #ports: (FramePort | null)[];
  readonly #flows: FlowTracker;
  readonly #frame = Buffer.alloc(65536);
  readonly #requests: ConsoleRequest[] = [];
  #board: XsBoard | undefined;
  #stopping = false;
  #framesIn = 0;
  #framesFiltered = 0;
  #nextPort = 0;
  readonly #intervals: NodeJS.Timeout[] = [];
  #pumpTimer: NodeJS.Timeout | undefined;
  #pumpImmediate: NodeJS.Immediate | undefined;

  constructor(options: SwitchProcessOptions, send: (message: FromSwitch) => void) {
    this.#options = options;
    this.#send = send;
    if (options.ports.length > CABLE_PORTS) throw new RangeError(`a BCM53125 has ${CABLE_PORTS} cable ports, got ${options.ports.length}`);
    this.#ports = [];
    for (let port = 0; port < CABLE_PORTS; port++) {
      const ifname = options.ports[port] ?? null;
      this.#ports.push(ifname === null ? null : new FramePort(ifname));
    }
    this.#flows = new FlowTracker(options.switchId, options.maxFlows ?? 4096, (change) => this.#send({ type: "flow", change }));
  }

  /** Boots the firmware on XS, starts the data plane, then ticks the firmware until stopped. */
  async run(): Promise<void> {
    this.#pollCarrier();
    this.#intervals.push(setInterval(() => this.#pollCarrier(), this.#options.carrierPollMs ?? 5));
    this.#intervals.push(setInterval(() => this.#send({ type: "stats", stats: this.stats() }), this.#options.statsMs ?? 100));
    this.#pump();
    this.#board = await XsBoard.start({
      spi: this.#spi,
      clock: this.#clock,
      onLog: (line) => this.#send({ type: "log", line }),
      timeoutMs: 20_000,
    });
    this.#syncClock();
    const boot = await this.#board.run<{ ok: boolean; output: string }>("console-boot", {});
    let output = boot.result.output;
    const deadline = Date.now() + BOOT_TIMEOUT_MS;
    while (!endsWithPrompt(output)) {
      if (Date.now() > deadline) throw new Error(`the console showed no prompt within ${BOOT_TIMEOUT_MS} ms of boot:\n${output}`);
      output += await this.#tick();
      await sleep(this.#tickMs);
    }
    this.#send({ type: "ready", output });
    await this.#driveFirmware();
  }

  get #tickMs(): number {
    return this.#options.tickMs ?? 10;
  }

  consoleRequest(request: ConsoleRequest): void {
    this.#requests.push(request);
  }

  /** The firmware's main loop on wall-clock time, with console lines typed between ticks (one XS command at a time). */
  async #driveFirmware(): Promise<void> {
    let nextTick = performance.now();
    while (!this.#stopping) {
      const request = this.#requests.shift();
      if (request) {
        await this.#answer(request);
        continue;
      }
      await this.#tick(); // output between commands is log lines redrawn: the log goes to the parent on its own
      nextTick += this.#tickMs;
      const wait = nextTick - performance.now();
      if (wait < -10 * this.#tickMs) nextTick = performance.now(); // fell far behind (a slow command): no catch-up burst
      await sleep(Math.max(0, wait));
    }
  }

  /** Types the line, then ticks the firmware until the console shows its prompt again (a save finishes first). */
  async #answer(request: ConsoleRequest): Promise<void> {
    try {
      const board = this.#board!;
      this.#syncClock();
      let output = (await board.run<string>("console-type", { text: request.line + "\r" })).result;
      const deadline = Date.now() + request.timeoutMs;
      while (!endsWithPrompt(output)) {
        if (this.#stopping) throw new Error("the switch is stopping");
        if (Date.now() > deadline) {
          throw new Error(`no prompt within ${request.timeoutMs} ms after ${JSON.stringify(request.line)}; output so far:\n${output}`);
        }
        await sleep(this.#tickMs);
        output += await this.#tick();
      }
      this.#send({ type: "console", id: request.id, output });
    } catch (error) {
      this.#send({ type: "console-error", id: request.id, message: error instanceof Error ? error.message : String(error) });
    }
  }

  /** One tick of the firmware's loop at the current wall-clock time; returns the console output it produced. */
  async #tick(): Promise<string> {
    this.#syncClock();
    const result = await this.#board!.run<RunOutput>("console-run", { count: 1, intervalMs: 0 });
    return result.result.output;
  }

  #syncClock(): void {
    this.#clock.advanceTo(performance.now() - this.#wallStart);
  }

  #pollCarrier(): void {
    const model = this.#model;
    for (let port = 0; port < CABLE_PORTS; port++) {
      const framePort = this.#ports[port];
      const up = framePort !== null && framePort.carrier();
      if (up !== model.isLinkUp(port)) model.setLink(port, up, 1000, true);
    }
  }

  /** Moves up to FRAMES_PER_TURN frames, taking one from each port in turn, then yields to the event loop. */
  #pump = (): void => {
    this.#pumpTimer = undefined;
    this.#pumpImmediate = undefined;
    if (this.#stopping) return;
    this.#syncClock();
    const ports = this.#ports;
    const frame = this.#frame;
    let moved = 0;
    let idlePorts = 0;
    while (moved < FRAMES_PER_TURN && idlePorts < CABLE_PORTS) {
      const port = this.#nextPort;
      this.#nextPort = (port + 1) % CABLE_PORTS;
      const framePort = ports[port];
      const length = framePort === null ? NO_FRAME : framePort.read(frame);
      if (length === NO_FRAME) {
        idlePorts++;
        continue;
      }
      idlePorts = 0;
      moved++;
      this.#forward(port, frame, length);
    }
    if (moved > 0) this.#pumpImmediate = setImmediate(this.#pump);
    else this.#pumpTimer = setTimeout(this.#pump, 1);
  };

  #forward(ingress: number, frame: Buffer, length: number): void {
    this.#framesIn++;
    if (length < MIN_FRAME) {
      this.#framesFiltered++;
      return;
    }
    const da = frame.readUIntBE(0, 6);
    const sa = frame.readUIntBE(6, 6);
    const tagged = length >= 18 && frame.readUInt16BE(12) === ETHERTYPE_VLAN;
    const vid = tagged ? frame.readUInt16BE(14) & 0xfff : 0;
    // The CFP reads the frame's own bytes (framing, tags, any UDF offset), as the chip would.
    const ethertype = frame.readUInt16BE(tagged ? 16 : 12);
    const egress = this.#model.ingress(ingress, { da, sa, vid, tagged, ethertype, bytes: frame.subarray(0, length), length: length + FCS_BYTES });
    if ((egress & 0x1f) === 0) this.#framesFiltered++;
    let single = -1;
    for (let port = 0; port < CABLE_PORTS; port++) {
      if (!(egress & (1 << port))) continue;
      this.#ports[port]?.write(frame, length);
      single = single === -1 ? port : -2;
    }
    if (!isMulticastMac(da) && !isMulticastMac(sa)) this.#flows.seen(sa, da, ingress, single >= 0 ? single : -1);
  }

  stats(): SwitchStats {
    let linkMask = 0;
    for (let port = 0; port < CABLE_PORTS; port++) if (this.#model.isLinkUp(port)) linkMask |= 1 << port;
    return {
      switchId: this.#options.switchId,
      atMs: Date.now(),
      ports: this.#ports.map((port) =>
        port === null ? newPortCounters() : { ...port.counters },
      ),
      linkMask,
      framesIn: this.#framesIn,
      framesFiltered: this.#framesFiltered,
    };
  }

  get stopping(): boolean {
    return this.#stopping;
  }

  /** Stops everything: timers, the XS worker, the sockets. Safe to call twice. */
  async stop(): Promise<void> {
    if (this.#stopping) return;
    this.#stopping = true;
    for (const interval of this.#intervals) clearInterval(interval);
    if (this.#pumpTimer) clearTimeout(this.#pumpTimer);
    if (this.#pumpImmediate) clearImmediate(this.#pumpImmediate);
    await this.#board?.close();
    for (const port of this.#ports) port?.close();
  }
}

async function main(): Promise<void> {
  const send = process.send?.bind(process);
  if (!send) {
    process.stderr.write("switch-process: needs an IPC channel to its parent (spawn it with stdio 'ipc'; see hosts/lab/lab-switch.ts)\n");
    process.exit(2);
  }
  const post = (message: FromSwitch) => {
    if (process.connected) send(message);
  };
  let switchProcess: SwitchProcess | undefined;
  const finish = async (code: number) => {
    try {
      await switchProcess?.stop();
    } finally {
      process.exit(code);
    }
  };
  process.on("message", (message: ToSwitch) => {
    if (message.type === "stop") void finish(0);
    else if (message.type === "console") {
      if (switchProcess) switchProcess.consoleRequest(message);
      else post({ type: "console-error", id: message.id, message: "the switch has not started yet" });
    }
  });
  process.on("disconnect", () => void finish(0));
  // Ctrl-C reaches the whole process group: stop cleanly (sockets, XS worker) rather than die with the worker left.
  for (const signal of ["SIGINT", "SIGTERM"] as const) process.on(signal, () => void finish(0));
  try {
    const options = JSON.parse(process.argv[2] ?? "") as SwitchProcessOptions;
    switchProcess = new SwitchProcess(options, post);
    await switchProcess.run();
  } catch (error) {
    if (switchProcess?.stopping) return; // the run ended because the worker was closed on purpose
    post({ type: "fatal", message: error instanceof Error ? (error.stack ?? error.message) : String(error) });
    await finish(1);
  }
}

void main();
