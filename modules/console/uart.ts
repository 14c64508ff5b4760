// The console on a UART through ECMA-419 Serial (embedded:io/serial; shared/facts/moddable-and-xs.md "ECMA-419 Serial
// on ESP32"): bytes read in onReadable go to the console session; text the session writes is queued in a ring
// allocated once and written in pieces that fit the 128-byte hardware FIFO as onWritable reports room (a write beyond
// the FIFO throws "output full" on the device).
//
// The Serial class and its pins come in through the options, as Moddable's sensor drivers take their IO:
//   new UartConsole({ ...device.Serial.default, Serial: device.io.Serial, baud: 115200, session })
// A command's output does not have to fit the ring: what does not fit waits as the strings themselves (no copy; short
// writes are joined) in a queue of SPILL_ENTRIES entries and at most `spillChars` characters (default 32768), and
// moves into the ring as the wire drains, so a long `show` or `| json` arrives whole. Only beyond that queue is output
// dropped, from that point on, and a visible "[console: N bytes of output dropped]" line takes its place, in order:
// never silently.
// Text is sent as ASCII (no TextEncoder on XS 13.3): any other character goes out as "?".

/** What the console needs of an ECMA-419 Serial instance. */
export interface SerialPort {
  read(): ArrayBuffer | number | undefined;
  write(data: Uint8Array): void;
  close(): void;
}

export interface SerialConstructorOptions {
  port?: number | string;
  receive?: number | string;
  transmit?: number | string;
  baud: number;
  format: "buffer";
  onReadable: (count: number) => void;
  onWritable: (count: number) => void;
}

/** Any class whose instances look like SerialPort: it is called with SerialConstructorOptions. (The parameter is
 *  `never` so that classes declaring stricter option types, like the SDK typings' Serial, are accepted.) */
export type SerialClass = new (options: never) => SerialPort;
type SerialConstructor = new (options: SerialConstructorOptions) => SerialPort;

/** Where typed bytes go: a ConsoleSession. */
export interface ConsoleInput {
  input(bytes: Uint8Array | ArrayBuffer, count?: number): void;
  inputByte(byte: number): void;
}

export interface UartConsoleOptions {
  /** The ECMA-419 Serial class (device.io.Serial). `io` is accepted too, as in device.Serial.default. */
  Serial?: SerialClass;
  io?: SerialClass;
  port?: number | string;
  receive?: number | string;
  transmit?: number | string;
  /** Default 115200. */
  baud?: number;
  /** Receives what is typed. May be set later with `attach` (the session writes through this console). */
  session?: ConsoleInput;
  /** Output ring size, bytes (256..65536, default 4096). */
  outputBytes?: number;
  /** Characters of output that may wait beyond the ring (0..1048576, default 32768); see above. */
  spillChars?: number;
  /** The hardware TX FIFO, bytes (default 128): never more than this is written before onWritable says so. */
  fifoBytes?: number;
}

export const DEFAULT_CONSOLE_BAUD = 115200;
export const DEFAULT_OUTPUT_BYTES = 4096;
export const UART_FIFO_BYTES = 128;
export const DEFAULT_SPILL_CHARS = 32768;
/** Writes that may wait beyond the ring; the last slot is kept for a drop marker. */
const SPILL_ENTRIES = 64;
const MAX_SPILL_CHARS = 1 << 20;
/** Short writes queued one after another are joined into entries of up to this many characters. */
const COALESCE_CHARS = 1024;
/** A spill entry that stands for dropped output (its offset slot holds the count): the marker goes out there. */
const DROP_SENTINEL = "\u0000dropped";
const MIN_OUTPUT_BYTES = 256;
const MAX_OUTPUT_BYTES = 65536;
const MARKER_BYTES = 64;
/** Reads per onReadable (each returns whatever is waiting). */
const MAX_READS_PER_EVENT = 4;
/** XS boxes a primitive string for each property access (.length, .charCodeAt: two heap slots); a saved reference to
 *  the intrinsic, called with .call, does not: echoing a typed character allocates nothing. Past the end it gives NaN. */
const charCodeAt = String.prototype.charCodeAt;
/** Longest text one write() takes (the rest is not sent): far beyond any ring. */
const MAX_WRITE_CHARS = 1 << 24;
/** Pieces this short are written a byte at a time (no view allocated). */
const SMALL_PIECE_BYTES = 8;
/** What a non-ASCII character goes out as. */
const QUESTION_MARK = 0x3f;

export class UartConsole {
  readonly #serial: SerialPort;
  #session: ConsoleInput | undefined;
  readonly #ring: Uint8Array;
  #head = 0;
  #count = 0;
  readonly #fifoBytes: number;
  /** Bytes the FIFO can take now, as the last onWritable said minus what was written since. */
  #room: number;
  readonly #marker = new Uint8Array(MARKER_BYTES);
  #markerLength = 0;
  #markerSent = 0;
  /** Writes waiting beyond the ring: the text and the offset of its first character not yet in the ring. */
  readonly #spillText: (string | undefined)[];
  readonly #spillAt: Uint32Array;
  #spillHead = 0;
  #spillCount = 0;
  #spillChars = 0;
  readonly #spillLimit: number;
  /** Characters the last #fill moved into the ring. */
  #filled = 0;
  readonly #one = new Uint8Array(1);
  #flushing = false;
  #closed = false;
  #bytesIn = 0;
  #bytesOut = 0;
  #dropped = 0;
  #readErrors = 0;

  constructor(options: UartConsoleOptions) {
    if (!options || typeof options !== "object") throw new TypeError("UART console options required");
    const Serial = options.Serial ?? options.io;
    if (typeof Serial !== "function") throw new TypeError("UART console: the Serial class is required (Serial: device.io.Serial)");
    const outputBytes = options.outputBytes ?? DEFAULT_OUTPUT_BYTES;
    if (!Number.isInteger(outputBytes) || outputBytes < MIN_OUTPUT_BYTES || outputBytes > MAX_OUTPUT_BYTES)
      throw new RangeError(`UART console: outputBytes must be ${MIN_OUTPUT_BYTES}..${MAX_OUTPUT_BYTES}, not ${String(outputBytes)}`);
    const fifoBytes = options.fifoBytes ?? UART_FIFO_BYTES;
    if (!Number.isInteger(fifoBytes) || fifoBytes < 1 || fifoBytes > 4096)
      throw new RangeError(`UART console: fifoBytes must be 1..4096, not ${String(fifoBytes)}`);
    const spillChars = options.spillChars ?? DEFAULT_SPILL_CHARS;
    if (!Number.isInteger(spillChars) || spillChars < 0 || spillChars > MAX_SPILL_CHARS)
      throw new RangeError(`UART console: spillChars must be 0..${MAX_SPILL_CHARS}, not ${String(spillChars)}`);
    this.#ring = new Uint8Array(outputBytes);
    this.#spillText = new Array<string | undefined>(SPILL_ENTRIES).fill(undefined);
    this.#spillAt = new Uint32Array(SPILL_ENTRIES);
    this.#spillLimit = spillChars;
    this.#fifoBytes = fifoBytes;
    // The FIFO is empty when the port opens; if it is not, the first write throws and we wait for onWritable.
    this.#room = fifoBytes;
    this.#session = options.session;
    const serialOptions: SerialConstructorOptions = {
      baud: options.baud ?? DEFAULT_CONSOLE_BAUD,
      format: "buffer",
      onReadable: (count: number) => this.#onReadable(count),
      onWritable: (count: number) => this.#onWritable(count),
    };
    if (options.port !== undefined) serialOptions.port = options.port;
    if (options.receive !== undefined) serialOptions.receive = options.receive;
    if (options.transmit !== undefined) serialOptions.transmit = options.transmit;
    this.#serial = new (Serial as unknown as SerialConstructor)(serialOptions);
  }

  /** Sets where typed bytes go (when the session is built after this console). */
  attach(session: ConsoleInput): void {
    this.#session = session;
  }

  /** Queues text for the wire and sends what fits now. Never throws. Typing (short writes, room in the ring) allocates
   *  nothing. */
  write(text: string): void {
    if (this.#closed || typeof text !== "string") return;
    let from = 0;
    if (this.#spillCount === 0) {
      from = this.#fill(text, 0);
      if (from < 0) {
        this.#flush();
        return;
      }
    }
    this.#spill(text, from);
    this.#flush();
  }

  /** Copies text from `from` into the ring until it is full; returns where it stopped, or -1 at the end of the text. */
  #fill(text: string, from: number): number {
    const ring = this.#ring;
    const capacity = ring.length;
    let i = from;
    for (; i < MAX_WRITE_CHARS; i++) {
      const code: number = charCodeAt.call(text, i);
      if (code !== code) break; // NaN: past the end
      if (this.#count === capacity) {
        this.#filled = i - from;
        return i;
      }
      let at = this.#head + this.#count;
      if (at >= capacity) at -= capacity;
      ring[at] = code < 0x80 ? code : QUESTION_MARK;
      this.#count++;
    }
    this.#filled = i - from;
    return -1;
  }

  /** Queues text[from..] beyond the ring, or counts it dropped (behind a marker entry) when the queue is full. */
  #spill(text: string, from: number): void {
    const chars = text.length - from;
    if (chars <= 0) return;
    const tail = this.#spillCount > 0 ? (this.#spillHead + this.#spillCount - 1) % SPILL_ENTRIES : -1;
    const droppingAlready = tail >= 0 && this.#spillText[tail] === DROP_SENTINEL;
    if (tail >= 0 && !droppingAlready && this.#spillChars + chars <= this.#spillLimit) {
      // many short writes (a table, line by line) share entries: the tail's rest and this text become one string
      const tailText = this.#spillText[tail]!;
      const tailAt = this.#spillAt[tail];
      if (tailText.length - tailAt + chars <= COALESCE_CHARS) {
        this.#spillText[tail] = tailText.slice(tailAt) + (from === 0 ? text : text.slice(from));
        this.#spillAt[tail] = 0;
        this.#spillChars += chars;
        return;
      }
    }
    if (this.#spillCount < SPILL_ENTRIES - 1 && this.#spillChars + chars <= this.#spillLimit) {
      const at = (this.#spillHead + this.#spillCount) % SPILL_ENTRIES;
      this.#spillText[at] = text;
      this.#spillAt[at] = from;
      this.#spillCount++;
      this.#spillChars += chars;
      return;
    }
    this.#dropped += chars;
    if (droppingAlready) {
      this.#spillAt[tail] += chars;
      return;
    }
    // the last slot is always free for this: the marker goes out where the output stopped; later output that fits the
    // queue is queued after it again
    const at = (this.#spillHead + this.#spillCount) % SPILL_ENTRIES;
    this.#spillText[at] = DROP_SENTINEL;
    this.#spillAt[at] = chars;
    this.#spillCount++;
  }

  /** Moves waiting output into the ring; a drop marker goes out once the ring before it is empty. */
  #refill(): void {
    for (let n = 0; n < SPILL_ENTRIES && this.#spillCount > 0 && this.#count < this.#ring.length; n++) {
      const head = this.#spillHead;
      const text = this.#spillText[head]!;
      if (text === DROP_SENTINEL) {
        if (this.#count > 0 || this.#markerSent < this.#markerLength) return;
        this.#buildMarker(this.#spillAt[head]);
        this.#popSpill();
        return;
      }
      const stop = this.#fill(text, this.#spillAt[head]);
      this.#spillChars -= this.#filled;
      if (stop >= 0) {
        this.#spillAt[head] = stop;
        return;
      }
      this.#popSpill();
    }
  }

  #popSpill(): void {
    this.#spillText[this.#spillHead] = undefined;
    this.#spillHead = (this.#spillHead + 1) % SPILL_ENTRIES;
    this.#spillCount--;
  }

  /** Bytes received from the wire. */
  get bytesIn(): number {
    return this.#bytesIn;
  }

  /** Bytes written to the FIFO (drop markers included). */
  get bytesOut(): number {
    return this.#bytesOut;
  }

  /** Output bytes dropped because the ring and the queue beyond it were full. */
  get dropped(): number {
    return this.#dropped;
  }

  /** Output bytes waiting for room in the FIFO (in the ring and the queue beyond it). */
  get pending(): number {
    return this.#count + this.#spillChars + (this.#markerLength - this.#markerSent);
  }

  /** Reads or session calls that threw (the console keeps going). */
  get readErrors(): number {
    return this.#readErrors;
  }

  get closed(): boolean {
    return this.#closed;
  }

  close(): void {
    if (this.#closed) return;
    this.#closed = true;
    this.#count = 0;
    this.#markerLength = this.#markerSent = 0;
    for (let i = 0; i < SPILL_ENTRIES; i++) this.#spillText[i] = undefined;
    this.#spillCount = this.#spillChars = 0;
    try {
      this.#serial.close();
    } catch {
      // closing a port that failed is not worth an exception
    }
  }

  #onReadable(count: number): void {
    if (this.#closed) return;
    let remaining = count > 0 ? count : 1;
    for (let reads = 0; reads < MAX_READS_PER_EVENT && remaining > 0; reads++) {
      let data: ArrayBuffer | number | undefined;
      try {
        data = this.#serial.read();
      } catch {
        this.#readErrors++;
        return;
      }
      if (data === undefined) return;
      const session = this.#session;
      if (typeof data === "number") {
        this.#bytesIn++;
        remaining--;
        if (session) session.inputByte(data);
        continue;
      }
      const length = data.byteLength;
      if (length === 0) return;
      this.#bytesIn += length;
      remaining -= length;
      if (session) {
        try {
          session.input(data);
        } catch {
          this.#readErrors++;
        }
      }
    }
  }

  #onWritable(count: number): void {
    if (this.#closed) return;
    this.#room = count > this.#fifoBytes ? this.#fifoBytes : count > 0 ? count : 0;
    this.#flush();
  }

  /** Writes pending output (a drop marker where output was dropped) while the FIFO has room. */
  #flush(): void {
    if (this.#flushing || this.#closed) return;
    this.#flushing = true;
    try {
      // each pass empties the marker, builds one, or writes a contiguous piece of the ring: at most a few per flush
      for (let pass = 0; pass < 16 && this.#room > 0; pass++) {
        if (this.#markerSent < this.#markerLength) {
          const n = Math.min(this.#room, this.#markerLength - this.#markerSent);
          const sent = this.#send(this.#marker, this.#markerSent, n);
          this.#markerSent += sent;
          if (sent < n) return;
          continue;
        }
        if (this.#spillCount > 0) this.#refill();
        if (this.#markerSent < this.#markerLength) continue;
        if (this.#count === 0) return;
        const capacity = this.#ring.length;
        const n = Math.min(this.#room, this.#count, capacity - this.#head);
        const sent = this.#send(this.#ring, this.#head, n);
        this.#head += sent;
        if (this.#head === capacity) this.#head = 0;
        this.#count -= sent;
        if (sent < n) return;
      }
    } finally {
      this.#flushing = false;
    }
  }

  /**
   * Writes n bytes of `source` from `offset` to the FIFO; returns how many went (fewer when the port refused: full
   * after all, so wait for onWritable). A few bytes (an echo, a backspace) go one at a time through a preallocated
   * one-byte buffer, so typing allocates nothing; a longer piece is one write of a view (one small allocation), or
   * byte by byte if the port refuses it whole.
   */
  #send(source: Uint8Array, offset: number, n: number): number {
    let sent = 0;
    try {
      if (n > SMALL_PIECE_BYTES) {
        try {
          this.#serial.write(source.subarray(offset, offset + n));
          sent = n;
        } catch {
          // refused whole (the FIFO had less room than reported): what fits goes a byte at a time below
        }
      }
      const one = this.#one;
      for (; sent < n; sent++) {
        one[0] = source[offset + sent];
        this.#serial.write(one);
      }
    } catch {
      this.#room = 0;
    }
    if (sent > 0) {
      this.#room = this.#room > sent ? this.#room - sent : 0;
      this.#bytesOut += sent;
    }
    return sent;
  }

  #buildMarker(dropped: number): void {
    const text = "\r\n[console: " + dropped + " bytes of output dropped]\r\n";
    const length = Math.min(text.length, MARKER_BYTES);
    for (let i = 0; i < length; i++) this.#marker[i] = text.charCodeAt(i);
    this.#markerLength = length;
    this.#markerSent = 0;
  }
}
