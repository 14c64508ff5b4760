// Simulated ECMA-419 Serial (embedded:io/serial; shared/facts/moddable-and-xs.md "ECMA-419 Serial on ESP32") on the
// virtual clock: what device.io.Serial is on the simulated board. 8N1, so a byte takes 10 bit times on the wire.
//
// Board side (the firmware's view):
//   * write() puts bytes in a 128-byte TX FIFO and throws "output full", writing nothing, if they do not fit (as the
//     ESP32 class does). The FIFO drains at baud / 10 bytes per second of virtual time.
//   * onWritable(room) runs when the FIFO has drained to TX_EMPTY_THRESHOLD bytes after a write.
//   * Typed bytes land in a receive buffer (RX_BUFFER_BYTES; what does not fit is lost and counted, as a UART driver
//     whose buffer overruns) and onReadable(available) runs; read() takes them.
// Host side (the terminal's view, `serial.host`): send(bytes) types into the board at the baud rate;
// onData(bytes) receives, in order, what the board transmitted, as each byte leaves the wire.
//
// Callbacks run as the firmware CPU's code (the `cpu` option): never inside its SPI transfers or other timers.
// Nothing reads the wall clock, so runs are repeatable.
import type { SimCpu, VirtualClock, VirtualTimer } from "./clock";

export type PinSpecifier = number | string;

export interface SimSerialOptions {
  port?: number | string;
  receive?: PinSpecifier;
  transmit?: PinSpecifier;
  baud: number;
  format?: "buffer" | "number";
  onReadable?: (this: SimSerial, count: number) => void;
  onWritable?: (this: SimSerial, count: number) => void;
  /** The virtual clock the wire runs on. */
  clock?: VirtualClock;
  /** Same as `clock` (SimSPI's name for it). */
  time?: VirtualClock;
  /** The CPU whose code the callbacks are (see SimCpu); without it they run as hardware callbacks. */
  cpu?: SimCpu;
  /** Receive buffer size (default RX_BUFFER_BYTES). */
  receiveBufferBytes?: number;
}

/** The ESP32 UART's hardware FIFO. */
export const TX_FIFO_BYTES = 128;
/** onWritable fires when at most this many bytes are still waiting in the FIFO. */
export const TX_EMPTY_THRESHOLD = 16;
/** The UART driver's receive buffer. */
export const RX_BUFFER_BYTES = 1024;
/** Typed bytes reach the receive buffer in pieces of at most this many (the RX FIFO's full threshold). */
export const RX_PIECE_BYTES = 64;
export const MAX_BAUD = 5_000_000;
const EPSILON = 1e-9;
/** Period of the parked event timers (they never wait this long: each firing parks them). */
const PARKED_INTERVAL_MS = 1e9;

export interface SimSerialHost {
  /** Types bytes into the board (strings are sent as their char codes & 0xff). They arrive at the baud rate. */
  send(bytes: Uint8Array | ArrayBuffer | string | readonly number[]): void;
  /** Receives what the board transmits, in order. */
  onData: ((bytes: Uint8Array) => void) | undefined;
  /** Bytes sent by the host and not yet arrived at the board. */
  readonly sending: number;
}

export interface SimSerialStats {
  /** Bytes the board wrote to the FIFO. */
  written: number;
  /** Bytes that left the wire to the host. */
  transmitted: number;
  /** Bytes that arrived in the receive buffer. */
  received: number;
  /** Bytes lost because the receive buffer was full. */
  overruns: number;
  /** write() calls refused with "output full". */
  refusedWrites: number;
  /** The most bytes ever waiting in the TX FIFO. */
  maxTxPending: number;
}

export class SimSerial {
  readonly stats: SimSerialStats = { written: 0, transmitted: 0, received: 0, overruns: 0, refusedWrites: 0, maxTxPending: 0 };
  readonly host: SimSerialHost;
  readonly #clock: VirtualClock;
  readonly #msPerByte: number;
  readonly #onReadable: ((count: number) => void) | undefined;
  readonly #onWritable: ((count: number) => void) | undefined;
  #format: "buffer" | "number";
  #closed = false;

  // transmit
  readonly #tx = new Uint8Array(TX_FIFO_BYTES);
  #txHead = 0;
  #txCount = 0;
  /** Virtual time the last byte in the FIFO finishes leaving. */
  #txBusyUntil = 0;
  readonly #txDoneTimer: VirtualTimer;
  readonly #writableTimer: VirtualTimer;

  // receive
  readonly #rx: Uint8Array;
  #rxHead = 0;
  #rxCount = 0;
  /** Host bytes on their way (test side: grows as needed). */
  #wire: number[] = [];
  #wireHead = 0;
  /** Virtual time the receive line is free again. */
  #rxBusyUntil = 0;
  readonly #arrivalTimer: VirtualTimer;
  readonly #readableTimer: VirtualTimer;

  constructor(options: SimSerialOptions) {
    if (!options || typeof options !== "object") throw new TypeError("Serial options required");
    const { baud, format = "buffer" } = options;
    const time = options.clock ?? options.time;
    if (typeof baud !== "number" || !Number.isInteger(baud) || baud < 1 || baud > MAX_BAUD) throw new RangeError(`invalid baud ${String(baud)}`);
    if (format !== "buffer" && format !== "number") throw new RangeError(`invalid format ${String(format)}`);
    if (options.port !== undefined && !(options.port === 0 || options.port === 1 || options.port === 2)) throw new RangeError(`invalid port ${String(options.port)}`);
    if (options.receive === undefined && options.transmit === undefined) throw new RangeError("Serial needs a receive or a transmit pin");
    if (!time || typeof time.set !== "function") throw new TypeError("SimSerial needs the virtual clock (clock option)");
    const rxBytes = options.receiveBufferBytes ?? RX_BUFFER_BYTES;
    if (!Number.isInteger(rxBytes) || rxBytes < 1) throw new RangeError(`invalid receiveBufferBytes ${String(rxBytes)}`);
    this.#clock = time;
    this.#format = format;
    this.#msPerByte = 10_000 / baud;
    this.#rx = new Uint8Array(rxBytes);
    this.#onReadable = options.onReadable ? options.onReadable.bind(this) : undefined;
    this.#onWritable = options.onWritable ? options.onWritable.bind(this) : undefined;
    const cpu = options.cpu;
    // wire events are hardware; the callbacks they raise are the CPU's code
    this.#txDoneTimer = this.#parkedTimer(() => this.#transmitDone());
    this.#writableTimer = this.#parkedTimer(() => this.#notifyWritable(), cpu);
    this.#arrivalTimer = this.#parkedTimer(() => this.#arrive());
    this.#readableTimer = this.#parkedTimer(() => this.#notifyReadable(), cpu);
    const serial = this;
    this.host = {
      send: (bytes) => serial.#hostSend(bytes),
      onData: undefined,
      get sending() {
        return serial.#wire.length - serial.#wireHead;
      },
    };
  }

  get format(): "buffer" | "number" {
    return this.#format;
  }

  set format(value: "buffer" | "number") {
    if (value !== "buffer" && value !== "number") throw new RangeError(`invalid format ${String(value)}`);
    this.#format = value;
  }

  /** Bytes waiting in the TX FIFO now. */
  get txPending(): number {
    this.#sync();
    return this.#txCount;
  }

  /** Bytes waiting in the receive buffer. */
  get rxAvailable(): number {
    return this.#rxCount;
  }

  /** format "buffer": every waiting byte as an ArrayBuffer (undefined if none); format "number": one byte. */
  read(): ArrayBuffer | number | undefined;
  read(byteLength: number): ArrayBuffer | undefined;
  read(byteLength?: number): ArrayBuffer | number | undefined {
    this.#checkOpen();
    if (this.#rxCount === 0) return undefined;
    if (this.#format === "number") return this.#takeRx();
    let n = this.#rxCount;
    if (byteLength !== undefined) {
      if (!Number.isInteger(byteLength) || byteLength < 0) throw new RangeError(`invalid byteLength ${byteLength}`);
      if (byteLength < n) n = byteLength;
    }
    const result = new Uint8Array(n);
    for (let i = 0; i < n; i++) result[i] = this.#takeRx();
    return result.buffer;
  }

  /** Queues bytes in the TX FIFO; throws "output full" (nothing written) if they do not fit. */
  write(value: number | ArrayBuffer | ArrayBufferView): void {
    this.#checkOpen();
    this.#sync();
    let bytes: Uint8Array;
    if (typeof value === "number") {
      if (this.#format !== "number") throw new TypeError("write(number) needs format \"number\"");
      if (this.#txCount + 1 > TX_FIFO_BYTES) return this.#refuse();
      this.#push(value & 0xff);
    } else {
      if (value instanceof ArrayBuffer) bytes = new Uint8Array(value);
      else if (ArrayBuffer.isView(value)) bytes = new Uint8Array(value.buffer, value.byteOffset, value.byteLength);
      else throw new TypeError("Serial write needs a number, an ArrayBuffer or a view of one");
      if (this.#txCount + bytes.length > TX_FIFO_BYTES) return this.#refuse();
      for (let i = 0; i < bytes.length; i++) this.#push(bytes[i]);
    }
    if (this.#txCount > this.stats.maxTxPending) this.stats.maxTxPending = this.#txCount;
    const now = this.#clock.now();
    this.#arm(this.#txDoneTimer, this.#txBusyUntil - now);
    if (this.#onWritable) this.#arm(this.#writableTimer, this.#txBusyUntil - TX_EMPTY_THRESHOLD * this.#msPerByte - now);
  }

  /** All IO completes on the virtual clock; nothing to flush. */
  flush(): void {
    this.#checkOpen();
  }

  close(): void {
    if (this.#closed) return;
    this.#closed = true;
    const clock = this.#clock;
    clock.clear(this.#txDoneTimer);
    clock.clear(this.#writableTimer);
    clock.clear(this.#arrivalTimer);
    clock.clear(this.#readableTimer);
  }

  /**
   * A timer made once and re-armed for each event. The clock frees a one-shot timer when it fires, so these repeat
   * with a long period and park themselves (suspended) whenever they fire.
   */
  #parkedTimer(event: () => void, cpu?: SimCpu): VirtualTimer {
    const clock = this.#clock;
    const timer = clock.set(
      () => {
        clock.schedule(timer);
        event();
      },
      0,
      PARKED_INTERVAL_MS,
      cpu,
    );
    clock.schedule(timer);
    return timer;
  }

  #arm(timer: VirtualTimer, delayMs: number): void {
    this.#clock.schedule(timer, delayMs > 0 ? delayMs : 0, PARKED_INTERVAL_MS);
  }

  #refuse(): void {
    this.stats.refusedWrites++;
    throw new Error("output full");
  }

  #push(byte: number): void {
    const now = this.#clock.now();
    if (this.#txCount === 0 || this.#txBusyUntil < now) this.#txBusyUntil = now;
    this.#tx[(this.#txHead + this.#txCount) % TX_FIFO_BYTES] = byte;
    this.#txCount++;
    this.stats.written++;
    this.#txBusyUntil += this.#msPerByte;
  }

  /** Hands the host every byte that has left the wire by now. */
  #sync(): void {
    if (this.#txCount === 0) return;
    const now = this.#clock.now();
    const stillSending = Math.max(0, Math.ceil((this.#txBusyUntil - now) / this.#msPerByte - EPSILON));
    const done = this.#txCount - Math.min(this.#txCount, stillSending);
    if (done <= 0) return;
    const out = new Uint8Array(done);
    for (let i = 0; i < done; i++) {
      out[i] = this.#tx[this.#txHead];
      this.#txHead = (this.#txHead + 1) % TX_FIFO_BYTES;
    }
    this.#txCount -= done;
    this.stats.transmitted += done;
    const onData = this.host.onData;
    if (onData) onData(out);
  }

  #transmitDone(): void {
    if (this.#closed) return;
    this.#sync();
  }

  #notifyWritable(): void {
    if (this.#closed) return;
    this.#sync();
    this.#onWritable?.(TX_FIFO_BYTES - this.#txCount);
  }

  #hostSend(bytes: Uint8Array | ArrayBuffer | string | readonly number[]): void {
    if (this.#closed) return;
    if (this.#wireHead > 0 && this.#wireHead === this.#wire.length) {
      this.#wire = [];
      this.#wireHead = 0;
    }
    const wire = this.#wire;
    const wasIdle = wire.length === this.#wireHead;
    if (typeof bytes === "string") {
      for (let i = 0; i < bytes.length; i++) wire.push(bytes.charCodeAt(i) & 0xff);
    } else {
      const view = bytes instanceof ArrayBuffer ? new Uint8Array(bytes) : bytes;
      for (let i = 0; i < view.length; i++) wire.push(view[i] & 0xff);
    }
    if (wasIdle && wire.length > this.#wireHead) this.#scheduleArrival();
  }

  /** The next piece of host bytes reaches the receive buffer when its last byte has crossed the wire. */
  #scheduleArrival(): void {
    const now = this.#clock.now();
    const start = this.#rxBusyUntil > now ? this.#rxBusyUntil : now;
    const piece = Math.min(RX_PIECE_BYTES, this.#wire.length - this.#wireHead);
    this.#rxBusyUntil = start + piece * this.#msPerByte;
    this.#arm(this.#arrivalTimer, this.#rxBusyUntil - now);
  }

  #arrive(): void {
    if (this.#closed) return;
    const wire = this.#wire;
    const piece = Math.min(RX_PIECE_BYTES, wire.length - this.#wireHead);
    const capacity = this.#rx.length;
    for (let i = 0; i < piece; i++) {
      const byte = wire[this.#wireHead++];
      if (this.#rxCount === capacity) {
        this.stats.overruns++;
        continue;
      }
      this.#rx[(this.#rxHead + this.#rxCount) % capacity] = byte;
      this.#rxCount++;
      this.stats.received++;
    }
    if (this.#onReadable && this.#rxCount > 0) this.#arm(this.#readableTimer, 0);
    if (this.#wireHead < wire.length) this.#scheduleArrival();
  }

  #notifyReadable(): void {
    if (this.#closed || this.#rxCount === 0) return;
    this.#onReadable?.(this.#rxCount);
  }

  #takeRx(): number {
    const byte = this.#rx[this.#rxHead];
    this.#rxHead = (this.#rxHead + 1) % this.#rx.length;
    this.#rxCount--;
    return byte;
  }

  #checkOpen(): void {
    if (this.#closed) throw new Error("Serial closed");
  }
}
