// XS side of the simulated board on xsnap: an SpiIo whose every call is one synchronous issueCommand round trip to
// Node, where the bytes go through a SimSPI into the chip model (hosts/xs/board.ts). Each reply carries the board's
// virtual time, which XsClock returns without another round trip. flush(true) is carried by the next request (see
// hosts/xs/protocol.ts); the host calls settle() before a command returns so the model is never left selected.
//
// Allocation: the request buffer is made once (and grown only for a longer transfer than any before). What XS itself
// allocates per round trip is outside this class's control: xsnap's issueCommand returns a new ArrayBuffer, and reading
// it takes one Uint8Array view. bench/xs.ts measures that harness cost and subtracts it from the firmware's figures.

import type { Clock } from "../../modules/clock";
import type { SpiIo } from "../../modules/chip/spi-io";
import { DESELECT_FIRST, OP, REPLY_HEADER, REQUEST_HEADER, STATUS } from "./protocol";

export type IssueCommand = (request: ArrayBuffer) => ArrayBuffer;

const INITIAL_PAYLOAD = 16;
const MAX_PAYLOAD = 65535; // ECMA-419 SPI: at most 65535 bytes per call

/** An error thrown on the Node side of the board, rethrown on XS with the same name and message. */
export class BoardError extends Error {
  readonly code: string | undefined;
  constructor(name: string, message: string, code?: string) {
    super(message);
    this.name = name;
    this.code = code;
  }
}

export class XsSPI implements SpiIo {
  readonly #issueCommand: IssueCommand;
  #request: ArrayBuffer;
  #requestBytes: Uint8Array;
  /** Eight bytes to reassemble the reply's float64 time without a DataView over each reply. */
  readonly #timeBytes = new Uint8Array(8);
  readonly #time = new Float64Array(this.#timeBytes.buffer);
  #now = 0;
  #roundTrips = 0;
  #deselectPending = false;

  constructor(options: { issueCommand: IssueCommand }) {
    this.#issueCommand = options.issueCommand;
    this.#request = new ArrayBuffer(REQUEST_HEADER + INITIAL_PAYLOAD);
    this.#requestBytes = new Uint8Array(this.#request);
  }

  /** The board's virtual time (ms) as of the last round trip or command. */
  get now(): number {
    return this.#now;
  }

  /** Set by the host at the start of each command (the board's clock may have moved between commands). */
  set now(value: number) {
    this.#now = value;
  }

  /** issueCommand round trips so far. */
  get roundTrips(): number {
    return this.#roundTrips;
  }

  transfer(buffer: Uint8Array): void {
    const length = buffer.length;
    if (length > MAX_PAYLOAD) throw new RangeError(`SPI transfer of ${length} bytes: at most ${MAX_PAYLOAD} per call`);
    const request = this.#prepare(OP.TRANSFER, length);
    for (let i = 0; i < length; i++) request[REQUEST_HEADER + i] = buffer[i];
    const reply = this.#roundTrip();
    if (reply.length !== REPLY_HEADER + length) {
      throw new BoardError("Error", `SPI transfer of ${length} bytes came back with ${reply.length - REPLY_HEADER}`);
    }
    for (let i = 0; i < length; i++) buffer[i] = reply[REPLY_HEADER + i];
  }

  flush(deselect?: boolean): void {
    if (deselect) {
      this.#deselectPending = true;
      return;
    }
    this.#prepare(OP.FLUSH, 0);
    this.#roundTrip();
  }

  /** Sends a deferred flush(true), if any. */
  settle(): void {
    if (!this.#deselectPending) return;
    this.#deselectPending = false;
    this.#prepare(OP.FLUSH_DESELECT, 0);
    this.#roundTrip();
  }

  /** Moddable's Timer.delay on the board's virtual clock. */
  delay(ms: number): void {
    const request = this.#prepare(OP.DELAY, 8);
    this.#time[0] = ms;
    for (let i = 0; i < 8; i++) request[REQUEST_HEADER + i] = this.#timeBytes[i];
    this.#roundTrip();
  }

  #prepare(op: number, length: number): Uint8Array {
    if (REQUEST_HEADER + length > this.#request.byteLength) {
      let size = this.#request.byteLength;
      while (size < REQUEST_HEADER + length) size *= 2;
      this.#request = new ArrayBuffer(size);
      this.#requestBytes = new Uint8Array(this.#request);
    }
    const request = this.#requestBytes;
    request[0] = this.#deselectPending ? op | DESELECT_FIRST : op;
    this.#deselectPending = false;
    request[1] = length & 0xff;
    request[2] = length >> 8;
    return request;
  }

  /** Sends the request; returns a view of the reply after taking its time and checking its status. */
  #roundTrip(): Uint8Array {
    this.#roundTrips++;
    const reply = new Uint8Array(this.#issueCommand(this.#request));
    if (reply.length < REPLY_HEADER) throw new BoardError("Error", "the board sent a truncated SPI reply");
    for (let i = 0; i < 8; i++) this.#timeBytes[i] = reply[1 + i];
    this.#now = this.#time[0];
    if (reply[0] !== STATUS.OK) throw decodeBoardError(reply);
    return reply;
  }
}

/** A Clock reading the board's virtual time as carried by the last SPI reply. */
export class XsClock implements Clock {
  readonly #spi: XsSPI;
  constructor(spi: XsSPI) {
    this.#spi = spi;
  }
  now(): number {
    return this.#spi.now;
  }
}

function decodeBoardError(reply: Uint8Array): Error {
  let name = "Error";
  let message = "the board failed an SPI operation";
  let code: string | undefined;
  try {
    const parsed = JSON.parse(new TextDecoder().decode(reply.subarray(REPLY_HEADER))) as {
      name?: string;
      message?: string;
      code?: string;
    };
    name = parsed.name ?? name;
    message = parsed.message ?? message;
    code = parsed.code;
  } catch {
    // keep the generic message
  }
  if (name === "RangeError" && code === undefined) return new RangeError(message);
  if (name === "TypeError" && code === undefined) return new TypeError(message);
  return new BoardError(name, message, code);
}
