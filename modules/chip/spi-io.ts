// The part of an ECMA-419 SPI instance (embedded:io/spi) the chip drivers use. On the board it is the
// Moddable SPI class; in the simulator, hosts/sim/spi.ts; on xsnap, hosts/xs. One transaction is
// transfer(...) calls followed by flush(true), which releases chip select.

export interface SpiIo {
  /** Full duplex, in place: the bytes clocked in replace the bytes sent. */
  transfer(buffer: Uint8Array): void;
  /** Completes pending IO; `deselect` true releases chip select and ends the transaction. */
  flush(deselect?: boolean): void;
}
