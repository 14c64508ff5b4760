// One managed switch of the simulated network: a BCM53125 model (the hardware), an SPI bus at the board's clock rate
// on the shared VirtualClock, and its own firmware instance that reaches the chip only through that bus. The board
// side of the model (links, frames, counters, ARL peek) is what the network and the tests use. The firmware builds
// its own services at boot (firmware.links, firmware.trunks, firmware.moves) and runs them on this switch's
// SimCpu: link polls and ARL scans on virtual time, one callback at a time, never inside its own SPI transfers.
import type { MoveMonitorSettings } from "../../../modules/arl/move-monitor";
import { Firmware, type BootReport } from "../../../modules/firmware";
import type { LinkMonitorSettings } from "../../../modules/link/monitor";
import type { Bcm53125Assumptions } from "../bcm53125/assumptions";
import { Bcm53125Model } from "../bcm53125/model";
import { SimCpu, type VirtualClock } from "../clock";
import { SimSPI } from "../spi";
import { SpiTransactionRecorder } from "./spi-recorder";

/** The SPI clock of the BCM53125 in the Broadcom SDK (shared/facts/switch-chips.md §1.1). */
export const BCM53125_SPI_HZ = 20e6;

export interface ManagedSwitchOptions {
  name: string;
  clock: VirtualClock;
  /** Replace named model assumptions (hosts/sim/bcm53125/assumptions.ts). */
  assumptions?: Partial<Bcm53125Assumptions>;
  spiHz?: number;
  /** Keep at most this many log lines (oldest dropped; default 2000). */
  logLimit?: number;
  /** The firmware's link monitor and move monitor settings. */
  links?: Partial<LinkMonitorSettings>;
  moves?: Partial<MoveMonitorSettings>;
}

export interface LogLine {
  readonly atMs: number;
  readonly text: string;
}

export class ManagedSwitch {
  readonly name: string;
  readonly model: Bcm53125Model;
  readonly spi: SimSPI;
  /** Every SPI transaction's end time, for counting the transactions inside a window of virtual time. */
  readonly spiRecord: SpiTransactionRecorder;
  readonly firmware: Firmware;
  /** The switch's ESP32: its firmware's timers never run inside its own code or its own SPI transfers. */
  readonly cpu: SimCpu;
  readonly log: LogLine[] = [];
  readonly spiHz: number;
  readonly #clock: VirtualClock;
  readonly #logLimit: number;
  /** Log lines dropped because the log was full. */
  droppedLogLines = 0;

  constructor(options: ManagedSwitchOptions) {
    this.name = options.name;
    this.#clock = options.clock;
    this.#logLimit = options.logLimit ?? 2000;
    this.spiHz = options.spiHz ?? BCM53125_SPI_HZ;
    this.cpu = new SimCpu(options.clock, options.name);
    this.model = new Bcm53125Model({ clock: options.clock, assumptions: options.assumptions });
    this.spiRecord = new SpiTransactionRecorder(this.model, options.clock);
    this.spi = new SimSPI({ device: this.spiRecord, hz: this.spiHz, time: options.clock, cpu: this.cpu });
    this.firmware = new Firmware({
      spi: this.spi,
      scheduler: this.cpu,
      log: (text) => this.writeLog(text),
      spiHz: this.spiHz,
      links: options.links,
      moves: options.moves,
    });
  }

  /** A log sink for services attached to this switch's firmware. */
  writeLog(text: string): void {
    if (this.log.length >= this.#logLimit) {
      this.log.shift();
      this.droppedLogLines++;
    }
    this.log.push({ atMs: this.#clock.now(), text });
  }

  boot(): BootReport {
    return this.firmware.boot();
  }

  /**
   * Runs firmware code (a command, a service call) on this switch's CPU. A direct call is the same: the clock never
   * runs this CPU's timers inside it (SimCpu); `run` only marks, in tests, where firmware code is being called.
   */
  run<T>(work: () => T): T {
    return work();
  }

  /** Log lines matching `pattern` (all of them when omitted). */
  logLines(pattern?: RegExp): string[] {
    return this.log.filter((line) => !pattern || pattern.test(line.text)).map((line) => line.text);
  }
}
