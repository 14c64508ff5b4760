// A bench rig for driver tests: the real driver over the simulated SPI bus in front of the chip model, with a
// recorder that keeps every transaction's MOSI and MISO bytes (what a logic analyser on the bus would show).
import { Bcm53125 } from "../../modules/chip/bcm53125/driver";
import type { SpiIo } from "../../modules/chip/spi-io";
import { Bcm53125Model } from "../../hosts/sim/bcm53125";
import { VirtualClock } from "../../hosts/sim/clock";
import { SimSPI } from "../../hosts/sim/spi";

export interface Transaction {
  mosi: number[];
  miso: number[];
}

export class RecordingSpi implements SpiIo {
  readonly log: Transaction[] = [];
  recording = false;
  #current: Transaction | undefined;
  constructor(readonly inner: SimSPI) {}
  transfer(buffer: Uint8Array): void {
    const mosi = Array.from(buffer);
    this.inner.transfer(buffer);
    if (!this.recording) return;
    this.#current ??= { mosi: [], miso: [] };
    this.#current.mosi.push(...mosi);
    this.#current.miso.push(...buffer);
  }
  flush(deselect?: boolean): void {
    this.inner.flush(deselect);
    if (deselect && this.#current) {
      this.log.push(this.#current);
      this.#current = undefined;
    }
  }
  /** Records the transactions `action` makes and returns them. */
  capture(action: () => void): Transaction[] {
    this.log.length = 0;
    this.recording = true;
    try {
      action();
    } finally {
      this.recording = false;
    }
    return this.log.slice();
  }
}

export function makeRig(options: { hz?: number; pollTimeoutMs?: number } = {}) {
  const clock = new VirtualClock();
  const model = new Bcm53125Model({ clock });
  const spi = new SimSPI({ device: model, hz: options.hz ?? 20e6, mode: 3, time: clock });
  const bus = new RecordingSpi(spi);
  const chip = new Bcm53125({ spi: bus, clock, pollTimeoutMs: options.pollTimeoutMs });
  return { clock, model, spi, bus, chip };
}

export const hex = (bytes: number[]) => bytes.map((b) => b.toString(16).padStart(2, "0")).join(" ");
