// Sits between a SimSPI bus and the chip model and notes when every transaction ends (chip select released), so a
// test or a bench can count the SPI transactions inside any window of virtual time (e.g. from a link loss to the
// trunk reprogrammed). Passes every byte through unchanged.
import type { VirtualClock } from "../clock";
import type { SpiDevice } from "../spi";

export class SpiTransactionRecorder implements SpiDevice {
  /** End time (ms) of every transaction, in order. */
  readonly endTimes: number[] = [];
  /** Bytes of every transaction, in the same order. */
  readonly byteCounts: number[] = [];
  readonly #device: SpiDevice;
  readonly #clock: VirtualClock;
  readonly #limit: number;
  #bytes = 0;
  /** Transactions not recorded because the record was full. */
  overflowed = 0;

  constructor(device: SpiDevice, clock: VirtualClock, limit = 2_000_000) {
    this.#device = device;
    this.#clock = clock;
    this.#limit = limit;
  }

  select(): void {
    this.#bytes = 0;
    this.#device.select();
  }

  exchange(byteIn: number): number {
    this.#bytes++;
    return this.#device.exchange(byteIn);
  }

  deselect(): void {
    this.#device.deselect();
    if (this.endTimes.length >= this.#limit) {
      this.overflowed++;
      return;
    }
    // SimSPI advances the clock after the bytes of a call, before it deselects: now is the transaction's end.
    this.endTimes.push(this.#clock.now());
    this.byteCounts.push(this.#bytes);
  }

  /** Transactions that ended in (fromMs, toMs]. */
  countBetween(fromMs: number, toMs: number): { transactions: number; bytes: number } {
    let transactions = 0;
    let bytes = 0;
    for (let i = this.endTimes.length - 1; i >= 0 && this.endTimes[i] > fromMs; i--) {
      if (this.endTimes[i] > toMs) continue;
      transactions++;
      bytes += this.byteCounts[i];
    }
    return { transactions, bytes };
  }
}
