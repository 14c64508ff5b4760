// The host-side `onemac` command (package.json "bin"; hosts/cli/bin/onemac.mjs starts it):
//   onemac console <serial-device> [--baud N] [--timeout S] [command...]
// talks to the switch's console over a serial port: a real board's USB serial port (/dev/ttyUSB0) or the simulated
// board's pseudo-terminal (`npm start -- --pty` prints its path). Built on the `serialport` package.
//   Without commands: an interactive terminal (raw keys both ways); Ctrl-] leaves.
//   With commands: each argument is one console line (`"show trunks | json"`); it is sent, its output printed once
//   the console shows its prompt again (no echo, no prompt), then the next. Exit status 0 when every command
//   succeeded, 1 when one printed an error ("% ..."), 2 when the port could not be used or a prompt never came.
import { SerialPort } from "serialport";
import { answersWithoutEcho, CommandTranscript, promptKind, ScreenLines } from "./console-transcript";

const DEFAULT_BAUD = 115200;
const DEFAULT_TIMEOUT_SECONDS = 30;
/** After the first prompt shows, the console must stay quiet this long before commands are sent. */
const QUIET_MS = 150;
const CTRL_RIGHT_BRACKET = 0x1d;

const USAGE = `usage: onemac console <serial-device> [--baud N] [--timeout SECONDS] [command...]
  Without commands: an interactive console (Ctrl-] leaves).
  With commands: runs each (one argument per line, e.g. "show trunks | json"), prints its output, and exits
  0 when all succeeded, 1 when one answered with an error ("% ..."), 2 when the port or the prompt failed.`;

class UsageError extends Error {}

interface ConsoleOptions {
  path: string;
  baud: number;
  timeoutMs: number;
  commands: string[];
}

function parseConsoleArgs(args: string[]): ConsoleOptions {
  const options: ConsoleOptions = { path: "", baud: DEFAULT_BAUD, timeoutMs: DEFAULT_TIMEOUT_SECONDS * 1000, commands: [] };
  let endOfOptions = false;
  for (let i = 0; i < args.length; i++) {
    const arg = args[i];
    if (!endOfOptions && arg === "--") endOfOptions = true;
    else if (!endOfOptions && arg === "--baud") options.baud = positiveNumber(args[++i], "--baud", true);
    else if (!endOfOptions && arg === "--timeout") options.timeoutMs = positiveNumber(args[++i], "--timeout", false) * 1000;
    else if (!endOfOptions && arg.startsWith("--")) throw new UsageError(`unknown option ${JSON.stringify(arg)}`);
    else if (!options.path) options.path = arg;
    else options.commands.push(arg);
  }
  if (!options.path) throw new UsageError("which serial device? (e.g. /dev/ttyUSB0, or the path npm start -- --pty prints)");
  return options;
}

function positiveNumber(text: string | undefined, what: string, integer: boolean): number {
  const value = Number(text);
  if (text === undefined || !(value > 0) || !Number.isFinite(value) || (integer && !Number.isInteger(value))) {
    throw new UsageError(`${what} needs a positive ${integer ? "whole " : ""}number, not ${JSON.stringify(text ?? "")}`);
  }
  return value;
}

function openPort(options: ConsoleOptions): Promise<SerialPort> {
  return new Promise((resolve, reject) => {
    const port = new SerialPort({ path: options.path, baudRate: options.baud, autoOpen: false });
    port.open((error) => (error ? reject(new Error(`cannot open ${options.path}: ${error.message}`)) : resolve(port)));
  });
}

function closePort(port: SerialPort): Promise<void> {
  return new Promise((resolve) => {
    if (!port.isOpen) return resolve();
    port.close(() => resolve());
  });
}

/** Sends a line end until the console shows a prompt and then stays quiet; returns that prompt. */
async function synchronize(port: SerialPort, timeoutMs: number): Promise<string> {
  const screen = new ScreenLines();
  let lastDataMs = Date.now();
  const onData = (chunk: Buffer) => {
    screen.write(chunk);
    screen.clear();
    lastDataMs = Date.now();
  };
  port.on("data", onData);
  try {
    port.write("\r");
    const deadline = Date.now() + timeoutMs;
    let nudged = Date.now();
    // Bounded by the deadline: one check every 20 ms.
    while (Date.now() < deadline) {
      await sleep(20);
      if (promptKind(screen.current) !== undefined && Date.now() - lastDataMs >= QUIET_MS) return screen.current;
      // A board still booting may have missed the first line end.
      if (Date.now() - nudged > 2000) {
        port.write("\r");
        nudged = Date.now();
      }
    }
    throw new Error(`no console prompt on ${port.path} within ${timeoutMs / 1000} s (last line: ${JSON.stringify(screen.current)})`);
  } finally {
    port.off("data", onData);
  }
}

/** Sends one line and resolves with its answer once the prompt is back. */
function runCommand(port: SerialPort, line: string, secret: boolean, timeoutMs: number) {
  const transcript = new CommandTranscript(line, { secret });
  return new Promise<NonNullable<ReturnType<CommandTranscript["answer"]>>>((resolve, reject) => {
    const timer = setTimeout(() => {
      port.off("data", onData);
      const seen = transcript.screen;
      reject(new Error(`no prompt within ${timeoutMs / 1000} s after ${JSON.stringify(line)} (last line: ${JSON.stringify(seen.current)})`));
    }, timeoutMs);
    const onData = (chunk: Buffer) => {
      transcript.write(chunk);
      const answer = transcript.answer();
      if (!answer) return;
      clearTimeout(timer);
      port.off("data", onData);
      resolve(answer);
    };
    port.on("data", onData);
    port.write(line + "\r");
  });
}

async function runCommands(port: SerialPort, options: ConsoleOptions): Promise<number> {
  let prompt = await synchronize(port, options.timeoutMs);
  let failed = false;
  for (const command of options.commands) {
    const answer = await runCommand(port, command, answersWithoutEcho(promptKind(prompt)), options.timeoutMs);
    if (answer.lines.length > 0) process.stdout.write(answer.lines.join("\n") + "\n");
    if (answer.failed) failed = true;
    prompt = answer.prompt;
  }
  return failed ? 1 : 0;
}

async function runInteractive(port: SerialPort): Promise<number> {
  const stdin = process.stdin;
  process.stderr.write(`Connected to ${port.path} at ${port.baudRate} baud; Ctrl-] leaves.\r\n`);
  return new Promise<number>((resolve) => {
    const finish = (code: number) => {
      if (stdin.isTTY) stdin.setRawMode(false);
      stdin.pause();
      stdin.off("data", onKeys);
      port.off("data", onData);
      process.stderr.write("\r\n");
      resolve(code);
    };
    const onKeys = (chunk: Buffer) => {
      const quit = chunk.indexOf(CTRL_RIGHT_BRACKET);
      if (quit >= 0) {
        if (quit > 0) port.write(chunk.subarray(0, quit));
        finish(0);
        return;
      }
      port.write(chunk);
    };
    const onData = (chunk: Buffer) => process.stdout.write(chunk);
    port.on("data", onData);
    port.on("close", () => finish(0));
    if (stdin.isTTY) stdin.setRawMode(true);
    stdin.on("data", onKeys);
    stdin.on("end", () => finish(0));
    stdin.resume();
  });
}

/** `onemac <subcommand> ...`; returns the exit status. */
export async function main(argv: string[]): Promise<number> {
  const [subcommand, ...rest] = argv;
  if (subcommand === undefined || subcommand === "help" || subcommand === "--help" || subcommand === "-h") {
    process.stdout.write(USAGE + "\n");
    return subcommand === undefined ? 2 : 0;
  }
  if (subcommand !== "console") {
    process.stderr.write(`onemac: unknown command ${JSON.stringify(subcommand)}\n${USAGE}\n`);
    return 2;
  }
  let options: ConsoleOptions;
  try {
    options = parseConsoleArgs(rest);
  } catch (error) {
    if (!(error instanceof UsageError)) throw error;
    process.stderr.write(`onemac console: ${error.message}\n${USAGE}\n`);
    return 2;
  }
  let port: SerialPort | undefined;
  try {
    port = await openPort(options);
    return options.commands.length > 0 ? await runCommands(port, options) : await runInteractive(port);
  } catch (error) {
    process.stderr.write(`onemac console: ${error instanceof Error ? error.message : String(error)}\n`);
    return 2;
  } finally {
    if (port) await closePort(port);
  }
}

function sleep(ms: number): Promise<void> {
  return new Promise((resolve) => setTimeout(resolve, ms));
}
