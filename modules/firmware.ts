// The firmware's core, independent of where it runs: main.ts (Moddable), hosts/sim (Node) and hosts/xs (xsnap)
// hand it an SPI instance, a clock and a log sink. Services (trunk, address table, link monitor) and the console
// attach here.

import type { Clock } from "./clock";
import { Bcm53125 } from "./chip/bcm53125/driver";
import type { SpiIo } from "./chip/spi-io";
import type { ChipInfo, PortStatus, SwitchChip } from "./chip/switch-chip";
import { newPortStatus } from "./chip/switch-chip";
import { OnemacError } from "./errors";

export const FIRMWARE_VERSION = "0.1.0";

export interface FirmwareOptions {
  spi: SpiIo;
  clock: Clock;
  log?: (line: string) => void;
  /** What the board's SPI runs at, for the boot log only. */
  spiHz?: number;
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
  readonly #log: (line: string) => void;
  readonly #spiHz: number;
  readonly #status: PortStatus = newPortStatus();
  #info: ChipInfo | undefined;
  #linkMask = 0;

  constructor(options: FirmwareOptions) {
    this.#clock = options.clock;
    this.#log = options.log ?? (() => {});
    this.#spiHz = options.spiHz ?? 0;
    this.chip = new Bcm53125({ spi: options.spi, clock: options.clock });
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
      this.#linkMask = this.chip.readLinkMask();
      for (const port of info.userPorts) {
        const status = this.chip.readPortStatus(port, this.#status);
        ports.push({ port, link: status.link, speed: status.speed, fullDuplex: status.fullDuplex });
        log(`port ${port}: ${describePort(status)}`);
      }
      log(`boot: ready in ${(this.#clock.now() - started).toFixed(3)} ms`);
      return { ok: true, chip: info, ports };
    } catch (error) {
      const code = error instanceof OnemacError ? error.code : "internal";
      const message = error instanceof Error ? error.message : String(error);
      log(`boot: FAILED (${code}): ${message}`);
      return { ok: false, ports, error: { code, message } };
    }
  }

  /** One link poll: reads the link bitmap (allocation-free when nothing changed). Returns the mask. */
  pollLinks(): number {
    const mask = this.chip.readLinkMask();
    const changed = mask ^ this.#linkMask;
    if (changed !== 0) {
      this.#linkMask = mask;
      const info = this.#info;
      if (info) {
        for (const port of info.userPorts) {
          if (((changed >> port) & 1) === 0) continue;
          this.#log(`port ${port}: ${describePort(this.chip.readPortStatus(port, this.#status))}`);
        }
      }
    }
    return mask;
  }
}
