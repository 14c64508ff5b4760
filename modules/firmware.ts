// The firmware's core, independent of where it runs: main.ts (Moddable), hosts/sim (Node) and hosts/xs (xsnap)
// hand it an SPI instance, a clock or a scheduler, and a log sink. boot() probes the chip and builds the services
// (link monitor, trunks, MAC move monitor, ports, configuration) the console drives:
//   firmware.links   LinkMonitor   show(), configure({...}), recover(port)
//   firmware.trunks  TrunkService  configure({...}), remove(group), show(), showTrunk(group), predict(), compareFailover()
//   firmware.moves   MoveMonitor   show(), configure({...}), exempt(mac | {vlan}), unexempt(), clearRecords(), scan()
//   firmware.ports   PortService   show(), setEnabled(), setName(), clearCounters()
//   firmware.config  ConfigManager running / startup, change(), save(), erase(), armRevert(), confirm()
//   firmware.logs    LogRing       every log line, for `show logging` and the console
// Configuration reaches the services only through firmware.config; boot() applies the startup config from flash
// (options.storage) after building the services and before starting them.
// With a Scheduler the services run on it (link polls every pollIntervalMs, ARL scans every scanIntervalMs). With a
// plain Clock they run from pollLinks(): each call polls the links and runs whatever timed work has fallen due.

import type { Clock, Scheduler } from "./clock";
import { MoveMonitor, type MoveMonitorSettings } from "./arl/move-monitor";
import { LinkMonitor, type LinkMonitorSettings } from "./link/monitor";
import { TrunkService } from "./trunk/service";
import { Bcm53125 } from "./chip/bcm53125/driver";
import { Bcm53125SelfTest } from "./chip/bcm53125/self-test";
import { CountingSpi, type SpiIo, type SpiStats } from "./chip/spi-io";
import { ConfigManager } from "./config/manager";
import { ConfigStore, type KeyValueStorage } from "./config/store";
import { LogRing } from "./log";
import { PortService } from "./ports/service";
import type { ChipInfo, PortStatus, SwitchChip } from "./chip/switch-chip";
import { newPortStatus } from "./chip/switch-chip";
import { InvalidArgumentError, OnemacError } from "./errors";
import { OutageReporter } from "./outage";

export const FIRMWARE_VERSION = "0.1.0";

export interface FirmwareOptions {
  spi: SpiIo;
  /** Time source. Optional when `scheduler` is given (the scheduler is the clock then). */
  clock?: Clock;
  /** Runs the services' periodic work (Moddable Timer, the simulator's VirtualClock). */
  scheduler?: Scheduler;
  log?: (line: string) => void;
  /** What the board's SPI runs at, for the boot log only. */
  spiHz?: number;
  /** Link monitor settings (poll interval, debounce, flap damping). */
  links?: Partial<LinkMonitorSettings>;
  /** MAC move monitor settings (scan interval, window, threshold, records, log rate). */
  moves?: Partial<MoveMonitorSettings>;
  /** Capacity of the move monitor's tracking table (default 256 MAC+VID pairs). */
  maxTrackedMacs?: number;
  /** How often the firmware checks that the chip still holds its setup (detects a chip reset; default 100 ms). */
  chipCheckIntervalMs?: number;
  /** Flash for the startup config (Moddable's `preference` module has this shape). Without it nothing is saved. */
  storage?: KeyValueStorage;
  /** Lines `show logging` keeps (default 64). */
  logCapacity?: number;
}

interface PollDrivenTimer {
  callback: () => void;
  intervalMs: number;
  dueMs: number;
}

/**
 * A Scheduler for boards that give the firmware only a clock: repeat() registers work that pollLinks() runs when it
 * falls due (main.ts calls pollLinks from its own Timer). Allocation-free per run.
 */
class PollDrivenScheduler implements Scheduler {
  readonly #clock: Clock;
  readonly #timers: PollDrivenTimer[] = [];

  constructor(clock: Clock) {
    this.#clock = clock;
  }

  now(): number {
    return this.#clock.now();
  }

  repeat(callback: () => void, intervalMs: number): unknown {
    const timer: PollDrivenTimer = { callback, intervalMs, dueMs: this.#clock.now() + intervalMs };
    this.#timers.push(timer);
    return timer;
  }

  clear(handle: unknown): void {
    const index = this.#timers.indexOf(handle as PollDrivenTimer);
    if (index >= 0) this.#timers.splice(index, 1);
  }

  /** Runs each timer that is due, once (a late timer does not catch up on missed periods). */
  runDue(): void {
    const timers = this.#timers;
    const now = this.#clock.now();
    for (let i = 0; i < timers.length; i++) {
      const timer = timers[i];
      if (timer.dueMs > now) continue;
      timer.dueMs = now + timer.intervalMs;
      timer.callback();
    }
  }
}

export interface PortReport {
  port: number;
  link: boolean;
  speed: number;
  fullDuplex: boolean;
}

export interface BootReport {
  ok: boolean;
  chip?: ChipInfo;
  ports: PortReport[];
  /** Set when boot failed: the error's code and message. */
  error?: { code: string; message: string };
}

function describePort(status: PortStatus): string {
  return status.link ? `up ${status.speed}/${status.fullDuplex ? "full" : "half"}` : "down";
}

export class Firmware {
  readonly chip: SwitchChip;
  readonly #clock: Clock;
  readonly #scheduler: Scheduler;
  /** Set when the board gave no scheduler: pollLinks() drives the services' timed work. */
  readonly #pollDriven: PollDrivenScheduler | undefined;
  readonly #options: FirmwareOptions;
  readonly #log: (line: string) => void;
  readonly #logs: LogRing;
  readonly #spi: CountingSpi;
  readonly #store: ConfigStore | undefined;
  readonly #startedMs: number;
  readonly #spiHz: number;
  readonly #status: PortStatus = newPortStatus();
  #info: ChipInfo | undefined;
  #linkMask = 0;
  #links: LinkMonitor | undefined;
  #trunks: TrunkService | undefined;
  #moves: MoveMonitor | undefined;
  #ports: PortService | undefined;
  #config: ConfigManager | undefined;
  #selfTest: Bcm53125SelfTest | undefined;
  #chipCheckTimer: unknown;
  #chipResets = 0;
  #chipCheckOutage: OutageReporter | undefined;

  constructor(options: FirmwareOptions) {
    const clock = options.clock ?? options.scheduler;
    if (!clock) throw new InvalidArgumentError("the firmware needs a clock or a scheduler");
    const checkMs = options.chipCheckIntervalMs ?? 100;
    if (!(checkMs >= 1 && checkMs <= 60000)) throw new InvalidArgumentError(`chipCheckIntervalMs must be 1..60000 ms, not ${checkMs}`);
    this.#clock = clock;
    this.#options = options;
    if (options.scheduler) {
      this.#scheduler = options.scheduler;
    } else {
      this.#pollDriven = new PollDrivenScheduler(clock);
      this.#scheduler = this.#pollDriven;
    }
    this.#logs = new LogRing({ clock, capacity: options.logCapacity });
    const sink = options.log;
    if (sink) this.#logs.addListener((_atMs, text) => sink(text));
    this.#log = this.#logs.writer;
    this.#startedMs = clock.now();
    this.#spiHz = options.spiHz ?? 0;
    this.#spi = new CountingSpi(options.spi);
    this.#store = options.storage ? new ConfigStore({ storage: options.storage }) : undefined;
    this.chip = new Bcm53125({ spi: this.#spi, clock });
  }

  /** Link monitor (after a successful boot). */
  get links(): LinkMonitor {
    if (!this.#links) throw notBooted();
    return this.#links;
  }

  /** Trunks toward servers (after a successful boot). */
  get trunks(): TrunkService {
    if (!this.#trunks) throw notBooted();
    return this.#trunks;
  }

  /** MAC move monitor (after a successful boot). */
  get moves(): MoveMonitor {
    if (!this.#moves) throw notBooted();
    return this.#moves;
  }

  /** Front-panel ports: names, administrative state, counters (after a successful boot). */
  get ports(): PortService {
    if (!this.#ports) throw notBooted();
    return this.#ports;
  }

  /** Running and startup configuration (after a successful boot). */
  get config(): ConfigManager {
    if (!this.#config) throw notBooted();
    return this.#config;
  }

  /** Every log line since boot, as far as the ring holds them (also before and without a chip). */
  get logs(): LogRing {
    return this.#logs;
  }

  /** SPI transactions and bytes since the firmware started. */
  spiStats(): SpiStats {
    return this.#spi.stats();
  }

  /**
   * Where long work is cut into steps (a password hash, a flash save): one step per tick between link polls, so no
   * single turn of the CPU holds the link poll up.
   */
  get scheduler(): Scheduler {
    return this.#scheduler;
  }

  /** The SPI clock the board runs the chip at, Hz (0 when the board did not say). */
  get spiHz(): number {
    return this.#spiHz;
  }

  /** Milliseconds since the firmware started. */
  uptimeMs(): number {
    return this.#clock.now() - this.#startedMs;
  }

  /** Checks of the chip's named assumptions on the silicon at hand (after a successful boot). */
  get selfTest(): Bcm53125SelfTest {
    if (!this.#selfTest) throw notBooted();
    return this.#selfTest;
  }

  /** Whether boot() built the services. */
  get servicesReady(): boolean {
    return this.#links !== undefined;
  }

  get info(): ChipInfo | undefined {
    return this.#info;
  }

  /** The link bitmap seen by the last poll. */
  get linkMask(): number {
    return this.#linkMask;
  }

  /**
   * Detects the chip, puts it in managed mode and reports every front-panel port. Never throws: a board whose chip
   * is missing must still boot far enough to show the error on its console.
   */
  boot(): BootReport {
    const log = this.#log;
    const started = this.#clock.now();
    log(`onemac firmware ${FIRMWARE_VERSION}`);
    if (this.#spiHz) log(`spi: ${this.#spiHz / 1e6} MHz`);
    const ports: PortReport[] = [];
    try {
      const info = this.chip.probe();
      this.#info = info;
      log(`chip: ${info.model} id 0x${info.deviceId.toString(16)} rev ${info.revision}, ARL ${info.arlEntries} entries, ` +
        `trunks ${info.trunk.groups} x ${info.trunk.maxMembers} ports`);
      this.chip.setup();
      this.#createServices(info);
      this.#linkMask = this.#links!.poll();
      for (const port of info.userPorts) {
        const status = this.chip.readPortStatus(port, this.#status);
        ports.push({ port, link: status.link, speed: status.speed, fullDuplex: status.fullDuplex });
        log(`port ${port}: ${describePort(status)}`);
      }
      this.#config!.applyStartup();
      this.#startServices();
      log(`boot: ready in ${(this.#clock.now() - started).toFixed(3)} ms`);
      return { ok: true, chip: info, ports };
    } catch (error) {
      const code = error instanceof OnemacError ? error.code : "internal";
      const message = error instanceof Error ? error.message : String(error);
      log(`boot: FAILED (${code}): ${message}`);
      return { ok: false, ports, error: { code, message } };
    }
  }

  #createServices(info: ChipInfo): void {
    const options = this.#options;
    this.#stopServices();
    const links = new LinkMonitor({ chip: this.chip, scheduler: this.#scheduler, ports: info.userPorts, settings: options.links, log: this.#log });
    links.addRawListener(this.#onRawLinkChange);
    const trunks = new TrunkService({ chip: this.chip, info, scheduler: this.#scheduler, links, log: this.#log });
    const moves = new MoveMonitor({
      chip: this.chip,
      scheduler: this.#scheduler,
      policy: trunks,
      settings: options.moves,
      maxTrackedEntries: options.maxTrackedMacs,
      log: this.#log,
    });
    moves.addScanListener(() => {
      trunks.verifyServerEntries();
    });
    const ports = new PortService({ chip: this.chip, info, links, membership: trunks });
    this.#links = links;
    this.#trunks = trunks;
    this.#moves = moves;
    this.#ports = ports;
    this.#config = new ConfigManager({ services: { links, trunks, moves, ports }, info, scheduler: this.#scheduler, store: this.#store, log: this.#log });
    this.#selfTest?.cancel();
    this.#selfTest = new Bcm53125SelfTest({ chip: this.chip, info, scheduler: this.#scheduler, log: this.#log });
  }

  #startServices(): void {
    // Without a scheduler of its own the board drives the link polls through pollLinks().
    if (!this.#pollDriven) this.#links!.start();
    this.#moves!.start();
    this.#chipCheckOutage = new OutageReporter("chip check", this.#log);
    this.#chipCheckTimer = this.#scheduler.repeat(this.#checkChip, this.#options.chipCheckIntervalMs ?? 100);
  }

  #stopServices(): void {
    this.#links?.stop();
    this.#moves?.stop();
    if (this.#chipCheckTimer !== undefined) this.#scheduler.clear(this.#chipCheckTimer);
    this.#chipCheckTimer = undefined;
  }

  /** Times the chip was found reset and reprogrammed since boot. */
  get chipResets(): number {
    return this.#chipResets;
  }

  /**
   * The chip has no interrupt line to the ESP32 here, so a reset or power glitch of the switch alone would leave it
   * forwarding unmanaged, without trunks or static entries. Every chipCheckIntervalMs the firmware reads back the
   * managed-mode bit; when it is gone, it sets the chip up again and rewrites every trunk. Allocation-free when the
   * chip is fine.
   */
  readonly #checkChip = (): void => {
    this.#chipCheckOutage!.run(this.#checkChipOnce);
  };

  readonly #checkChipOnce = (): void => {
    if (this.chip.checkSetup()) return;
    this.#chipResets++;
    this.#log("chip: reset detected (managed mode lost); setting it up again");
    this.chip.setup();
    this.#ports?.reapply();
    this.#trunks?.reapply();
  };

  readonly #onRawLinkChange = (port: number, link: boolean): void => {
    this.#linkMask = link ? (this.#linkMask | (1 << port)) >>> 0 : (this.#linkMask & ~(1 << port)) >>> 0;
    this.#log(`port ${port}: ${describePort(this.chip.readPortStatus(port, this.#status))}`);
  };

  /**
   * One link poll: reads the link bitmap (allocation-free when nothing changed), lets the link monitor act on it
   * (trunk failover happens inside this call) and, on a board without a scheduler, runs the services' due work.
   * Returns the mask.
   */
  pollLinks(): number {
    const links = this.#links;
    if (!links) return (this.#linkMask = this.chip.readLinkMask());
    // Called from main.ts's Timer: an unanswering chip is reported once (OutageReporter), never thrown from here.
    if (this.#pollOutage.run(this.#pollOnce)) this.#linkMask = links.rawMask;
    this.#pollDriven?.runDue();
    return this.#linkMask;
  }

  readonly #pollOutage = new OutageReporter("link poll", (line) => this.#log(line));
  readonly #pollOnce = (): void => {
    this.#links!.poll();
  };
}

function notBooted(): OnemacError {
  return new OnemacError("chip-error", "the firmware has not booted a chip yet: run boot() (and check its report) first");
}
