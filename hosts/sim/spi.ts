// Simulated ECMA-419 SPI controller (embedded:io/spi, shared/facts/moddable-and-xs.md "ECMA-419 SPI on ESP32").
// Synchronous like the ESP32 class: chip select is asserted by the first byte and stays asserted until
// flush(true), so one transaction is every byte between select and deselect. Each call advances the virtual clock
// by the time the bytes take on the wire (bytes * 8 / hz).
import type { SpiIo } from "../../modules/chip/spi-io";
import type { SimCpu, VirtualClock } from "./clock";

/** What sits on the far end of the bus: a chip model. Called once per byte; keep exchange() cheap. */
export interface SpiDevice {
  /** Chip select asserted: a new transaction starts. */
  select(): void;
  /** One byte clocked in on MOSI; returns the byte the device drives on MISO at the same time. */
  exchange(byteIn: number): number;
  /** Chip select released: the transaction ends. */
  deselect(): void;
}

export type PinSpecifier = number | string;

export interface SimSpiOptions {
  clock?: PinSpecifier;
  out?: PinSpecifier;
  in?: PinSpecifier;
  select?: PinSpecifier;
  active?: 0 | 1;
  hz: number;
  mode?: number;
  port?: number | string;
  format?: "buffer";
  /** The simulated chip on this bus. */
  device: SpiDevice;
  /** Virtual clock advanced by each transfer's wire time; without it no time passes. */
  time?: VirtualClock;
  /** The CPU driving this bus: while its transfers take time, its own timers wait (see SimCpu). */
  cpu?: SimCpu;
}

export interface SpiStats {
  /** Completed transactions (select ... flush(true)). */
  transactions: number;
  /** Bytes clocked in either direction (full duplex counts once). */
  bytes: number;
}

/** ECMA-419 limits on ESP32 (shared/facts/moddable-and-xs.md). */
export const SPI_MAX_HZ = 40e6;
export const SPI_MAX_BYTES_PER_CALL = 65535;
/** MOSI level while read() clocks bytes in. */
export const SPI_READ_FILL_BYTE = 0xff;

type SpiBuffer = ArrayBuffer | ArrayBufferView;

export class SimSPI implements SpiIo {
  readonly stats: SpiStats = { transactions: 0, bytes: 0 };
  readonly #device: SpiDevice;
  readonly #time: VirtualClock | undefined;
  readonly #cpu: SimCpu | undefined;
  readonly #msPerByte: number;
  #selected = false;
  #closed = false;

  constructor(options: SimSpiOptions) {
    if (!options || typeof options !== "object") throw new TypeError("SPI options required");
    const { hz, mode = 0, active = 0, format = "buffer", device } = options;
    if (typeof hz !== "number" || !(hz >= 1 && hz <= SPI_MAX_HZ)) throw new RangeError(`invalid hz ${hz} (1..${SPI_MAX_HZ})`);
    if (!Number.isInteger(mode) || mode < 0 || mode > 3) throw new RangeError(`invalid mode ${mode} (0..3)`);
    if (active !== 0 && active !== 1) throw new RangeError(`invalid active ${String(active)} (0 or 1)`);
    if (format !== "buffer") throw new RangeError(`invalid format ${String(format)} (only "buffer")`);
    if (!device || typeof device.exchange !== "function") throw new TypeError("SPI device required");
    this.#device = device;
    this.#time = options.time;
    this.#cpu = options.cpu;
    this.#msPerByte = 8000 / hz;
  }

  get format(): "buffer" {
    return "buffer";
  }

  set format(value: "buffer") {
    if (value !== "buffer") throw new RangeError(`invalid format ${String(value)}`);
  }

  /** True while chip select is asserted. */
  get selected(): boolean {
    return this.#selected;
  }

  resetStats(): void {
    this.stats.transactions = 0;
    this.stats.bytes = 0;
  }

  /** Full duplex, in place: each byte sent is replaced by the byte received. */
  transfer(buffer: SpiBuffer): void {
    const bytes = this.#bytesOf(buffer);
    this.#begin(bytes.length);
    const device = this.#device;
    for (let i = 0; i < bytes.length; i++) bytes[i] = device.exchange(bytes[i]);
    this.#finish(bytes.length);
  }

  write(buffer: SpiBuffer): void {
    const bytes = this.#bytesOf(buffer);
    this.#begin(bytes.length);
    const device = this.#device;
    for (let i = 0; i < bytes.length; i++) device.exchange(bytes[i]);
    this.#finish(bytes.length);
  }

  read(byteLength: number): ArrayBuffer;
  read(buffer: SpiBuffer): void;
  read(target: number | SpiBuffer): ArrayBuffer | void {
    if (typeof target === "number") {
      if (!Number.isInteger(target) || target < 0 || target > SPI_MAX_BYTES_PER_CALL) throw new RangeError(`invalid byteLength ${target}`);
      const result = new ArrayBuffer(target);
      this.#readInto(new Uint8Array(result));
      return result;
    }
    this.#readInto(this.#bytesOf(target));
  }

  /** Completes pending IO (all IO here is synchronous); `deselect` true releases chip select. */
  flush(deselect?: boolean): void {
    this.#checkOpen();
    if (deselect && this.#selected) {
      this.#selected = false;
      this.stats.transactions++;
      this.#device.deselect();
    }
  }

  close(): void {
    if (this.#closed) return;
    if (this.#selected) this.flush(true);
    this.#closed = true;
  }

  #readInto(bytes: Uint8Array): void {
    this.#begin(bytes.length);
    const device = this.#device;
    for (let i = 0; i < bytes.length; i++) bytes[i] = device.exchange(SPI_READ_FILL_BYTE);
    this.#finish(bytes.length);
  }

  #begin(count: number): void {
    this.#checkOpen();
    if (count > SPI_MAX_BYTES_PER_CALL) throw new RangeError(`at most ${SPI_MAX_BYTES_PER_CALL} bytes per call, got ${count}`);
    if (count > 0 && !this.#selected) {
      this.#selected = true;
      this.#device.select();
    }
  }

  #finish(count: number): void {
    this.stats.bytes += count;
    if (this.#time && count > 0) this.#time.advance(count * this.#msPerByte, this.#cpu);
  }

  #bytesOf(buffer: SpiBuffer): Uint8Array {
    if (buffer instanceof Uint8Array) return buffer;
    if (buffer instanceof ArrayBuffer) return new Uint8Array(buffer);
    if (ArrayBuffer.isView(buffer)) return new Uint8Array(buffer.buffer, buffer.byteOffset, buffer.byteLength);
    throw new TypeError("SPI buffer must be an ArrayBuffer or a view of one");
  }

  #checkOpen(): void {
    if (this.#closed) throw new Error("SPI closed");
  }
}
