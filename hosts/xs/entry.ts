// Entry of the script that runs inside xsnap (bundled by hosts/xs/bundle.ts into one ES2022 IIFE): the firmware with
// XsSPI, a clock on the board's virtual time and a log that prints, behind globalThis.handleCommand.
// Command layout and replies: hosts/xs/protocol.ts. Runs on XS only: the globals below are xsnap's.

import { COMMAND_HEADER } from "./protocol";
import { ScenarioRunner, serializeError } from "./scenarios";
import { XsClock, XsSPI, type IssueCommand } from "./spi";
import { useTimerBoard } from "./timer";

declare const issueCommand: IssueCommand;
declare const print: (...values: unknown[]) => void;
declare const gc: () => void;

interface CommandRequest {
  scenario: string;
  args?: Record<string, unknown>;
  /** Collect garbage first (memory measurements start from live objects only). */
  collectFirst?: boolean;
}

const globals = globalThis as typeof globalThis & {
  handleCommand?: (message: ArrayBuffer) => ArrayBuffer;
  onemacEcho?: boolean;
};

const spi = new XsSPI({ issueCommand });
const clock = new XsClock(spi);
useTimerBoard(spi);

let lines: string[] = [];
function log(line: string): void {
  lines.push(line);
  if (globals.onemacEcho) print(line);
}

const runner = new ScenarioRunner({ spi, clock, log, delay: (ms) => spi.delay(ms) });
const timeBytes = new Uint8Array(8);
const time = new Float64Array(timeBytes.buffer);
const encoder = new TextEncoder();
const decoder = new TextDecoder();

function reply(value: unknown): ArrayBuffer {
  const bytes = encoder.encode(JSON.stringify(value));
  return bytes.buffer.slice(bytes.byteOffset, bytes.byteOffset + bytes.byteLength);
}

globals.handleCommand = (message: ArrayBuffer): ArrayBuffer => {
  const bytes = new Uint8Array(message);
  for (let i = 0; i < 8; i++) timeBytes[i] = bytes[i];
  spi.now = time[0];
  lines = [];
  let request: CommandRequest;
  try {
    request = JSON.parse(decoder.decode(bytes.subarray(COMMAND_HEADER))) as CommandRequest;
  } catch (error) {
    return reply({ ok: false, error: serializeError(error), log: lines, time: spi.now });
  }
  if (request.collectFirst) gc();
  let outcome: { ok: boolean; result?: unknown; error?: unknown };
  try {
    const result = runner.run(request.scenario, request.args ?? {});
    outcome = { ok: true, result: result === undefined ? null : result };
  } catch (error) {
    outcome = { ok: false, error: serializeError(error) };
  }
  try {
    spi.settle();
  } catch (error) {
    if (outcome.ok) outcome = { ok: false, error: serializeError(error) };
  }
  return reply({ ...outcome, log: lines, time: spi.now });
};
