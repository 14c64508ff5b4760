// The part of an ECMA-419 SPI instance (embedded:io/spi) the chip drivers use. On the board it is the
// Moddable SPI class; in the simulator, hosts/sim/spi.ts; on xsnap, hosts/xs. One transaction is
// transfer(...) calls followed by flush(true), which releases chip select.

export interface SpiIo {
  /** Full duplex, in place: the bytes clocked in replace the bytes sent. */
  transfer(buffer: Uint8Array): void;
  /** Completes pending IO; `deselect` true releases chip select and ends the transaction. */
  flush(deselect?: boolean): void;
}

/** SPI traffic since boot, for `show system`. */
export interface SpiStats {
  transactions: number;
  bytes: number;
}

/**
 * Counts the transactions (flush(true) calls) and bytes a driver sends through an SpiIo. Allocation-free: two
 * additions per call.
 */
export class CountingSpi implements SpiIo {
  readonly #spi: SpiIo;
  transactions = 0;
  bytes = 0;

  constructor(spi: SpiIo) {
    this.#spi = spi;
  }

  transfer(buffer: Uint8Array): void {
    this.bytes += buffer.length;
    this.#spi.transfer(buffer);
  }

  flush(deselect?: boolean): void {
    if (deselect) this.transactions++;
    this.#spi.flush(deselect);
  }

  stats(): SpiStats {
    return { transactions: this.transactions, bytes: this.bytes };
  }
}
