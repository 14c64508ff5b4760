// BCM53125 SPI framing (shared/facts/switch-chips.md §1.1, restated from Linux drivers/net/dsa/b53/b53_spi.c):
//   wait not busy (status 0xFE, SPIF = 0) -> select page (0x61 0xFF page) -> access.
//   write: 0x61 reg d0 d1 ... (LSB first)
//   read:  0x60 reg (dummy read, starts the internal read) -> poll status until RACK -> 0x60 0xF0 + len bytes.
// Unlike Linux, the current page is cached, so repeated accesses in one page skip the page write.
// Every poll is bounded by a count and by the clock, and a timeout raises SpiTimeoutError.
// Buffers are allocated once; a register access allocates nothing.

import type { Clock } from "../../clock";
import { SpiTimeoutError } from "../../errors";
import type { SpiIo } from "../spi-io";
import { SPI } from "./registers";

export interface TransportOptions {
  spi: SpiIo;
  clock: Clock;
  /** Give up on SPIF/RACK after this long (ms). Linux waits 10 x 1 ms. */
  pollTimeoutMs?: number;
  /** And after this many status reads, whatever the clock says. */
  maxPolls?: number;
}

const NO_PAGE = -1;
const TWO_32 = 0x100000000;

function hex(value: number, digits: number): string {
  let text = value.toString(16);
  while (text.length < digits) text = "0" + text;
  return "0x" + text;
}

export class Bcm53125Transport {
  readonly #spi: SpiIo;
  readonly #clock: Clock;
  readonly #pollTimeoutMs: number;
  readonly #maxPolls: number;
  /** #frames[n] is the buffer for an n-byte transaction (2..10 bytes: command, register, up to 8 data). */
  readonly #frames: Uint8Array[] = [];
  /** The last value read, LSB first, up to 8 bytes. */
  readonly data = new Uint8Array(SPI.DATA_MAX);
  #page = NO_PAGE;
  /** OR and AND of every byte clocked in since resetLineWatch(): tells a dead bus from a live chip. */
  #orOfBytes = 0;
  #andOfBytes = 0xff;

  constructor(options: TransportOptions) {
    this.#spi = options.spi;
    this.#clock = options.clock;
    this.#pollTimeoutMs = options.pollTimeoutMs ?? 10;
    this.#maxPolls = options.maxPolls ?? 10000;
    for (let n = 0; n <= 2 + SPI.DATA_MAX; n++) this.#frames.push(new Uint8Array(n));
  }

  /** Forget the cached page (after a reset, a power cycle, or an SPI error). */
  invalidatePage(): void {
    this.#page = NO_PAGE;
  }

  resetLineWatch(): void {
    this.#orOfBytes = 0;
    this.#andOfBytes = 0xff;
  }

  /** "high" when every byte read since resetLineWatch() was 0xFF, "low" when every one was 0x00, else "live". */
  lineState(): "high" | "low" | "live" {
    if (this.#andOfBytes === 0xff) return "high";
    if (this.#orOfBytes === 0) return "low";
    return "live";
  }

  #exchange(frame: Uint8Array): void {
    this.#spi.transfer(frame);
    this.#spi.flush(true);
    for (let i = 0; i < frame.length; i++) {
      this.#orOfBytes |= frame[i];
      this.#andOfBytes &= frame[i];
    }
  }

  #readStatus(): number {
    const frame = this.#frames[3];
    frame[0] = SPI.READ;
    frame[1] = SPI.STATUS;
    frame[2] = 0;
    this.#exchange(frame);
    return frame[2];
  }

  /** Polls the status register until (status & mask) === want. */
  #pollStatus(mask: number, want: number, what: string, page: number, offset: number): void {
    const start = this.#clock.now();
    for (let polls = 0; polls < this.#maxPolls; polls++) {
      if ((this.#readStatus() & mask) === want) return;
      if (this.#clock.now() - start > this.#pollTimeoutMs) break;
    }
    this.#page = NO_PAGE;
    throw new SpiTimeoutError(
      `BCM53125 did not ${what} within ${this.#pollTimeoutMs} ms (page ${hex(page, 2)} offset ${hex(offset, 2)}): ` +
        "check the SPI wiring, mode and clock, and that the chip is powered and out of reset",
    );
  }

  #selectPage(page: number): void {
    if (page === this.#page) return;
    const frame = this.#frames[3];
    frame[0] = SPI.WRITE;
    frame[1] = SPI.PAGE;
    frame[2] = page;
    this.#exchange(frame);
    this.#page = page;
  }

  /** Reads `length` (1..8) bytes at page/offset into `data`. */
  read(page: number, offset: number, length: number): void {
    this.#pollStatus(SPI.STATUS_SPIF, 0, "become idle (SPIF stayed set)", page, offset);
    this.#selectPage(page);
    const dummy = this.#frames[3];
    dummy[0] = SPI.READ;
    dummy[1] = offset;
    dummy[2] = 0;
    this.#exchange(dummy);
    this.#pollStatus(SPI.STATUS_RACK, SPI.STATUS_RACK, "raise RACK (read data not ready)", page, offset);
    const frame = this.#frames[2 + length];
    frame[0] = SPI.READ;
    frame[1] = SPI.DATA;
    for (let i = 2; i < frame.length; i++) frame[i] = 0;
    this.#exchange(frame);
    const data = this.data;
    for (let i = 0; i < SPI.DATA_MAX; i++) data[i] = i < length ? frame[2 + i] : 0;
  }

  /** Writes `length` (1..8) bytes from `data` (LSB first) at page/offset. */
  write(page: number, offset: number, length: number): void {
    this.#pollStatus(SPI.STATUS_SPIF, 0, "become idle (SPIF stayed set)", page, offset);
    this.#selectPage(page);
    const frame = this.#frames[2 + length];
    frame[0] = SPI.WRITE;
    frame[1] = offset;
    for (let i = 0; i < length; i++) frame[2 + i] = this.data[i];
    this.#exchange(frame);
  }

  // Typed helpers. Values up to 48 bits travel as numbers; 64-bit registers as low 32 + high 32.

  read8(page: number, offset: number): number {
    this.read(page, offset, 1);
    return this.data[0];
  }

  read16(page: number, offset: number): number {
    this.read(page, offset, 2);
    return this.data[0] | (this.data[1] << 8);
  }

  read32(page: number, offset: number): number {
    this.read(page, offset, 4);
    return this.low32();
  }

  read48(page: number, offset: number): number {
    this.read(page, offset, 6);
    return this.low32() + (this.data[4] | (this.data[5] << 8)) * TWO_32;
  }

  /** Reads a 64-bit register; take the halves with low32()/high32() or the low 48 bits with low48(). */
  read64(page: number, offset: number): void {
    this.read(page, offset, 8);
  }

  low32(): number {
    const d = this.data;
    return (d[0] | (d[1] << 8) | (d[2] << 16) | (d[3] << 24)) >>> 0;
  }

  high32(): number {
    const d = this.data;
    return (d[4] | (d[5] << 8) | (d[6] << 16) | (d[7] << 24)) >>> 0;
  }

  low48(): number {
    return this.low32() + (this.data[4] | (this.data[5] << 8)) * TWO_32;
  }

  write8(page: number, offset: number, value: number): void {
    this.data[0] = value;
    this.write(page, offset, 1);
  }

  write16(page: number, offset: number, value: number): void {
    this.data[0] = value;
    this.data[1] = value >>> 8;
    this.write(page, offset, 2);
  }

  write32(page: number, offset: number, value: number): void {
    this.#putLow32(value);
    this.write(page, offset, 4);
  }

  write48(page: number, offset: number, value: number): void {
    this.#putLow32(value % TWO_32);
    const high = Math.floor(value / TWO_32);
    this.data[4] = high;
    this.data[5] = high >>> 8;
    this.write(page, offset, 6);
  }

  /** Writes a 64-bit register from a 48-bit low part and a 16-bit top part (bits 63:48). */
  write64(page: number, offset: number, low48: number, top16: number): void {
    this.#putLow32(low48 % TWO_32);
    const high = Math.floor(low48 / TWO_32);
    this.data[4] = high;
    this.data[5] = high >>> 8;
    this.data[6] = top16;
    this.data[7] = top16 >>> 8;
    this.write(page, offset, 8);
  }

  #putLow32(value: number): void {
    this.data[0] = value;
    this.data[1] = value >>> 8;
    this.data[2] = value >>> 16;
    this.data[3] = value >>> 24;
  }
}
