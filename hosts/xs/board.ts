// Node side of the firmware-on-xsnap board: spawns an xsnap worker, loads the firmware bundle (hosts/xs/bundle.ts)
// and serves the worker's SPI round trips (hosts/xs/protocol.ts) from an SPI controller in front of a chip model
// (hosts/sim: SimSPI + a model) on a virtual clock. Scenarios (hosts/xs/scenarios.ts) run by name; their errors come
// back as the firmware's typed errors (modules/errors.ts).

import type { Clock } from "../../modules/clock";
import type { SpiIo } from "../../modules/chip/spi-io";
import {
  ArlBucketFullError,
  ChipIdError,
  DeadBusError,
  ERROR_CODES,
  InvalidArgumentError,
  OnemacError,
  SpiTimeoutError,
  TrunkLimitError,
  type ErrorCode,
} from "../../modules/errors";
import { bundleFirmware } from "./bundle";
import { COMMAND_HEADER, DESELECT_FIRST, OP, REPLY_HEADER, REQUEST_HEADER, STATUS } from "./protocol";
import { ScenarioRunner, serializeError, type ScenarioArgs, type SerializedError } from "./scenarios";
import { Xsnap, type XsMemory, type XsMeter } from "./xsnap";

/** The board's clock: read by the protocol, advanced by Timer.delay. VirtualClock (hosts/sim/clock.ts) fits. */
export interface BoardClock extends Clock {
  advance(ms: number): unknown;
}

export interface XsBoardOptions {
  /** The SPI controller the firmware's bytes go to (a SimSPI in front of a chip model). */
  spi: SpiIo;
  clock: BoardClock;
  /** Each firmware log line as it is returned (default: kept in `log` only). */
  onLog?: (line: string) => void;
  /** Also print() log lines inside XS (shows them on the worker's stdout). */
  echo?: boolean;
  /** Wall-clock bound per command, ms (the worker is killed past it). */
  timeoutMs?: number;
  /** XS metering steps allowed per command. */
  computeLimit?: number;
}

export interface RunOptions {
  /** Collect garbage in XS just before the scenario (memory measurements). */
  collectFirst?: boolean;
}

export interface RunResult<T = unknown> {
  result: T;
  log: string[];
  /** Meters of the delivery (see hosts/xs/xsnap.ts). */
  meter: XsMeter;
  /** SPI round trips XS made during it. */
  roundTrips: number;
  /** Board time when it ended. */
  time: number;
}

interface CommandReply {
  ok: boolean;
  result?: unknown;
  error?: SerializedError;
  log: string[];
  time: number;
}

const ERRORS_BY_CODE: Partial<Record<ErrorCode, new (message: string) => OnemacError>> = {
  "spi-timeout": SpiTimeoutError,
  "dead-bus": DeadBusError,
  "arl-bucket-full": ArlBucketFullError,
  "trunk-limit": TrunkLimitError,
  "invalid-argument": InvalidArgumentError,
};

/** Rebuilds a typed firmware error from its serialized form (the same class, code and message). */
export function reviveError(serialized: SerializedError): Error {
  const { name, message, code } = serialized;
  let error: Error;
  if (code === "chip-id") error = new ChipIdError(serialized.found ?? 0, message);
  else if (code !== undefined && code in ERRORS_BY_CODE) error = new ERRORS_BY_CODE[code as ErrorCode]!(message);
  else if (code !== undefined && isErrorCode(code)) error = new OnemacError(code, message);
  else if (name === "RangeError") error = new RangeError(message);
  else if (name === "TypeError") error = new TypeError(message);
  else error = new Error(message);
  if (error.name !== name) error.name = name;
  return error;
}

function isErrorCode(code: string): code is ErrorCode {
  return (ERROR_CODES as readonly string[]).indexOf(code) >= 0;
}

function replyTo(clock: Clock, status: number, payloadLength: number): Buffer {
  const reply = Buffer.alloc(REPLY_HEADER + payloadLength);
  reply[0] = status;
  reply.writeDoubleLE(clock.now(), 1);
  return reply;
}

/** Serves one XsSPI request (hosts/xs/protocol.ts) from `spi` and `clock`. */
export function serveSpiRequest(spi: SpiIo, clock: BoardClock, request: Uint8Array): Uint8Array {
  try {
    if (request.length < REQUEST_HEADER) throw new Error(`SPI request of ${request.length} bytes has no header`);
    const length = request[1] | (request[2] << 8);
    if (request.length < REQUEST_HEADER + length) throw new Error("SPI request shorter than its length");
    if (request[0] & DESELECT_FIRST) spi.flush(true);
    const op = request[0] & ~DESELECT_FIRST;
    switch (op) {
      case OP.TRANSFER: {
        const data = new Uint8Array(length);
        data.set(request.subarray(REQUEST_HEADER, REQUEST_HEADER + length));
        spi.transfer(data);
        const reply = replyTo(clock, STATUS.OK, length);
        reply.set(data, REPLY_HEADER);
        return reply;
      }
      case OP.FLUSH:
        spi.flush(false);
        break;
      case OP.FLUSH_DESELECT:
        spi.flush(true);
        break;
      case OP.DELAY: {
        const ms = Buffer.from(request.buffer, request.byteOffset + REQUEST_HEADER, 8).readDoubleLE(0);
        clock.advance(ms);
        break;
      }
      default:
        throw new Error(`unknown SPI request op ${op}`);
    }
    return replyTo(clock, STATUS.OK, 0);
  } catch (error) {
    const json = Buffer.from(JSON.stringify(serializeError(error)), "utf8");
    const reply = replyTo(clock, STATUS.FAILED, json.length);
    json.copy(reply, REPLY_HEADER);
    return reply;
  }
}

export class XsBoard {
  readonly #worker: Xsnap;
  readonly #clock: BoardClock;
  readonly #onLog: (line: string) => void;
  /** Memory of the worker with the harness loaded and before the firmware exists (see bench/xs.ts). */
  #baseline: XsMemory | undefined;

  private constructor(worker: Xsnap, options: XsBoardOptions) {
    this.#worker = worker;
    this.#clock = options.clock;
    this.#onLog = options.onLog ?? (() => {});
  }

  /** Spawns the worker and loads the firmware bundle; the firmware itself is created by the first scenario. */
  static async start(options: XsBoardOptions): Promise<XsBoard> {
    const source = await bundleFirmware();
    const { spi, clock } = options;
    const worker = Xsnap.spawn({
      name: "onemac-firmware",
      timeoutMs: options.timeoutMs,
      computeLimit: options.computeLimit,
      onPrint: options.echo ? (line) => process.stdout.write(`[xs] ${line}\n`) : undefined,
      onIssueCommand: (request) => serveSpiRequest(spi, clock, request),
    });
    const board = new XsBoard(worker, options);
    try {
      if (options.echo) await worker.evaluate("globalThis.onemacEcho = true;");
      await worker.evaluate(source);
    } catch (error) {
      await worker.close();
      throw error;
    }
    return board;
  }

  get worker(): Xsnap {
    return this.#worker;
  }

  /** Runs a scenario on XS; throws the firmware's typed error if it threw there. */
  async run<T = unknown>(scenario: string, args: ScenarioArgs = {}, options: RunOptions = {}): Promise<RunResult<T>> {
    const json = Buffer.from(JSON.stringify({ scenario, args, collectFirst: options.collectFirst === true }), "utf8");
    const message = Buffer.alloc(COMMAND_HEADER + json.length);
    message.writeDoubleLE(this.#clock.now(), 0);
    json.copy(message, COMMAND_HEADER);
    const before = this.#worker.issueCommandCount;
    const { reply, meter } = await this.#worker.command(message);
    const decoded = JSON.parse(Buffer.from(reply).toString("utf8")) as CommandReply;
    for (const line of decoded.log) this.#onLog(line);
    if (!decoded.ok) throw reviveError(decoded.error ?? { name: "Error", message: "the XS scenario failed without an error" });
    return {
      result: decoded.result as T,
      log: decoded.log,
      meter,
      roundTrips: this.#worker.issueCommandCount - before,
      time: decoded.time,
    };
  }

  /** Live slots and chunk bytes of the whole worker right now (after a full collection). */
  async memory(): Promise<XsMemory> {
    const { slots, chunkBytes, slotSize, stackSlots } = await this.#worker.snapshotMemory();
    return { slots, chunkBytes, slotSize, stackSlots };
  }

  /** Records the current memory as the harness baseline (call before the firmware is created). */
  async markBaseline(): Promise<XsMemory> {
    this.#baseline = await this.memory();
    return this.#baseline;
  }

  get baseline(): XsMemory | undefined {
    return this.#baseline;
  }

  /** Kills the worker. Always call (tests: in a finally / after hook). */
  close(): Promise<void> {
    return this.#worker.close();
  }
}

/** The same scenarios on Node, against the same kind of board, for comparison with XS. Results are JSON round-tripped. */
export class NodeScenarioBoard {
  readonly runner: ScenarioRunner;
  readonly log: string[] = [];

  constructor(options: { spi: SpiIo; clock: BoardClock }) {
    const { spi, clock } = options;
    this.runner = new ScenarioRunner({ spi, clock, log: (line) => this.log.push(line), delay: (ms) => clock.advance(ms) });
  }

  run<T = unknown>(scenario: string, args: ScenarioArgs = {}): T {
    const result = this.runner.run(scenario, args);
    return (result === undefined ? null : JSON.parse(JSON.stringify(result))) as T;
  }
}
