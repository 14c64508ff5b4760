// `npm start`: the simulated board a user flashes. main.ts (the same file the ESP32 runs) boots on the BCM53125
// model with its startup config in a state folder, wired to a server on ports 0 and 1 and a client network on
// port 4 (hosts/sim/board.ts). Its console (UART0, 115200 baud) is:
//   npm start                        this terminal (raw keys; virtual time follows the wall clock)
//   echo "show trunks" | npm start -s    standard input, line by line: each line's output, then exit (scripts)
//   npm start -- --pty               a pseudo-terminal whose path is printed, for picocom, screen or `onemac console`
// Lines starting with `board` act on the board (cables, clients, power, time; `board help`) and never reach the
// firmware. Options: --state DIR (default .onemac-sim in the current folder), --boot-log (scripted mode: print the
// console's boot output too), --trace (print the firmware's trace() output on standard error), --help.
// Scripted mode exits 0 when every line succeeded, 1 when some line printed an error ("% ...") or timed out, 2 when
// the board could not start (no console prompt).
import { mkdirSync } from "node:fs";
import { resolve } from "node:path";
import { pathToFileURL } from "node:url";
import { createInterface } from "node:readline";
import { answersWithoutEcho, CommandTranscript, UnsolicitedOutput, promptKind } from "../cli/console-transcript";
import { SimBoard } from "./board";
import { BoardKeystrokes, isBoardLine, runBoardCommand, type BoardResult } from "./board-console";
import { Pty } from "./pty";

/** Virtual time a command may take before scripted mode gives up on it. */
const COMMAND_TIMEOUT_MS = 120_000;
/**
 * Virtual time that passes after each answer before the next line is sent, as a person takes a moment to type: long
 * enough for what a command sets off a moment later (main.ts restarts 100 ms after `reload` answers).
 */
const SETTLE_AFTER_ANSWER_MS = 250;
/** Virtual time from power-on to the console's first prompt before scripted mode gives up. */
const BOOT_TIMEOUT_MS = 30_000;
/** Interactive modes: how often virtual time catches up with the wall clock, and the most it jumps at once. */
const REALTIME_TICK_MS = 10;
const MAX_REALTIME_STEP_MS = 250;
const CONSOLE_BAUD = 115200;

const USAGE = `usage: npm start -- [--state DIR] [--pty] [--boot-log] [--trace]
  (no option)   the board's console on this terminal; or, when standard input is not a terminal, run its lines
  --state DIR   the board's flash (startup config) lives in DIR (default .onemac-sim in the current folder)
  --pty         the console on a pseudo-terminal (its path is printed), for picocom, screen or onemac console
  --boot-log    scripted mode: print what the console shows while booting
  --trace       print the firmware's trace() output on standard error
  --firmware F  boot module F instead of main.ts (to test the board itself)
Lines starting with "board" act on the simulated board: "board help" lists them.`;

interface Options {
  stateDir: string;
  pty: boolean;
  bootLog: boolean;
  trace: boolean;
  /** Boot this module instead of main.ts (tests of the board itself). */
  firmware: URL | undefined;
}

function parseOptions(argv: string[]): Options {
  const options: Options = { stateDir: ".onemac-sim", pty: false, bootLog: false, trace: false, firmware: undefined };
  for (let i = 0; i < argv.length; i++) {
    const arg = argv[i];
    if (arg === "--state") {
      const dir = argv[++i];
      if (!dir) fail("--state needs a folder");
      options.stateDir = dir;
    } else if (arg.startsWith("--state=")) options.stateDir = arg.slice("--state=".length);
    else if (arg === "--pty") options.pty = true;
    else if (arg === "--boot-log") options.bootLog = true;
    else if (arg === "--trace") options.trace = true;
    else if (arg === "--firmware") {
      const file = argv[++i];
      if (!file) fail("--firmware needs a module file");
      options.firmware = pathToFileURL(resolve(file));
    }
    else if (arg === "--help" || arg === "-h") {
      process.stdout.write(USAGE + "\n");
      process.exit(0);
    } else fail(`unknown option ${JSON.stringify(arg)}\n${USAGE}`);
  }
  options.stateDir = resolve(options.stateDir);
  return options;
}

function fail(message: string): never {
  process.stderr.write(`npm start: ${message}\n`);
  process.exit(2);
}

function formatTrace(atMs: number, text: string): string {
  return `[${(atMs / 1000).toFixed(3).padStart(9)} s] ${text.endsWith("\n") ? text : text + "\n"}`;
}

/** The board with its output routed through `route` (changed per mode); trace collected for when it is needed. */
interface Route {
  console: (bytes: Uint8Array) => void;
  trace: (text: string) => void;
  halt?: () => void;
  /** A line from the board itself (an armed power cut fired). */
  notice: (text: string) => void;
}

function createBoard(options: Options, route: Route) {
  mkdirSync(options.stateDir, { recursive: true });
  return new SimBoard({
    stateDir: options.stateDir,
    mainModule: options.firmware,
    onConsoleOutput: (bytes) => route.console(bytes),
    onHalt: () => route.halt?.(),
    onNotice: (text) => route.notice(text),
    onTrace: (atMs, text) => route.trace(formatTrace(atMs, text)),
    onBootError: (error) => route.trace(formatTrace(-1, `main.ts failed: ${error instanceof Error ? (error.stack ?? error.message) : String(error)}`)),
  });
}

// ---- scripted mode ------------------------------------------------------------------------------------------------

async function runScripted(options: Options): Promise<number> {
  const traceLines: string[] = [];
  /** Board notices, printed after the line during which they happened. */
  const notices: string[] = [];
  let transcript: CommandTranscript | undefined;
  let unsolicited = new UnsolicitedOutput();
  const route = {
    console: (bytes: Uint8Array) => (transcript ? transcript.write(bytes) : unsolicited.write(bytes)),
    trace: (text: string) => {
      if (options.trace) process.stderr.write(text);
      else if (traceLines.length < 2000) traceLines.push(text);
    },
    notice: (text: string) => notices.push(text),
    // A reload or power cut: what the console prints next is the new boot's (shown with --boot-log only).
    halt: () => {
      if (transcript && !options.bootLog) transcript.markRestart();
      if (!transcript) unsolicited = new UnsolicitedOutput();
    },
  };
  const board = createBoard(options, route);
  const out = (lines: readonly string[]) => {
    if (lines.length > 0) process.stdout.write(lines.join("\n") + "\n");
  };
  const promptShown = () => promptKind(unsolicited.current) !== undefined;
  /** Runs time until the console shows its prompt after a (re)boot; its boot output is shown only when asked. */
  const waitForBoot = async (): Promise<boolean> => {
    await board.advance(BOOT_TIMEOUT_MS, { until: () => !board.firmwareDown && board.consoleOpen && promptShown() });
    const bootLines = unsolicited.take();
    if (options.bootLog) out(bootLines);
    return promptShown();
  };

  board.powerOn();
  if (!(await waitForBoot())) {
    process.stderr.write(
      board.consoleOpen
        ? `npm start: the console printed no prompt within ${BOOT_TIMEOUT_MS / 1000} s of virtual time\n`
        : "npm start: the firmware did not open its console on UART0; its trace output follows\n",
    );
    if (!options.trace) process.stderr.write(traceLines.join(""));
    board.stopClients();
    return 2;
  }

  let failures = 0;
  const input = createInterface({ input: process.stdin, crlfDelay: Infinity, terminal: false });
  for await (const raw of input) {
    const line = raw.replace(/\r$/, "");
    if (line.trim().length === 0 || line.trimStart().startsWith("#")) continue;
    // Log lines the console printed while nobody typed (a link change, a failover).
    out(unsolicited.take());
    if (isBoardLine(line)) {
      const result: BoardResult = await runBoardCommand(board, line, { waitForBoot: async () => void (await waitForBoot()) });
      out(unsolicited.take());
      out(notices.splice(0));
      out(result.lines);
      if (result.failed) failures++;
      if (result.quit) break;
      continue;
    }
    const secret = answersWithoutEcho(promptKind(unsolicited.current));
    const command = new CommandTranscript(line, { secret });
    transcript = command;
    board.sendToConsole(Buffer.from(line + "\r", "latin1"));
    await board.advance(COMMAND_TIMEOUT_MS, { until: () => command.answer() !== undefined });
    transcript = undefined;
    unsolicited = new UnsolicitedOutput();
    const answer = command.answer();
    if (!answer) {
      const screen = command.screen;
      out([...screen.lines.slice(1), screen.current].filter((text) => text.length > 0));
      out([`% npm start: no prompt within ${COMMAND_TIMEOUT_MS / 1000} s of virtual time after ${JSON.stringify(line)}`]);
      failures++;
      unsolicited.write(screen.current);
      continue;
    }
    out(answer.lines);
    out(notices.splice(0));
    unsolicited.write(answer.prompt);
    if (answer.failed) failures++;
    // A command's after-effects happen before the next line: `reload` restarts the board a moment after its answer
    // (the prompt may still have left the UART), and the next line is for the next boot.
    await board.advance(SETTLE_AFTER_ANSWER_MS, { until: () => board.firmwareDown });
    if (board.firmwareDown && !(await waitForBoot())) {
      out([`% npm start: the console printed no prompt within ${BOOT_TIMEOUT_MS / 1000} s of virtual time after the restart`]);
      failures++;
    }
  }
  board.stopClients();
  return failures > 0 ? 1 : 0;
}

// ---- interactive modes --------------------------------------------------------------------------------------------

/** Virtual time follows the wall clock while nothing else drives it. Returns a stop function. */
function followWallClock(board: SimBoard, busy: () => boolean): () => void {
  let last = Date.now();
  const timer = setInterval(() => {
    const now = Date.now();
    const elapsed = Math.min(now - last, MAX_REALTIME_STEP_MS);
    last = now;
    if (busy() || board.booting || elapsed <= 0) return;
    board.clock.advance(elapsed);
  }, REALTIME_TICK_MS);
  return () => clearInterval(timer);
}

function banner(options: Options, where: string): string {
  return [
    "onemac simulated board: a BCM53125 switch managed by an ESP32 running main.ts.",
    `Flash (startup config): ${options.stateDir}`,
    "A server is cabled to ports 0 and 1 (two NICs, one MAC), 64 clients wait behind port 4.",
    `Console: ${where} (UART0, ${CONSOLE_BAUD} baud).`,
    `Type "board help" for the board's own commands (cables, clients, power cut); Ctrl-] or "board quit" leaves.`,
    "",
  ].join("\r\n");
}

async function runTerminal(options: Options): Promise<number> {
  const stdin = process.stdin;
  const stdout = process.stdout;
  let keystrokes: BoardKeystrokes | undefined;
  let boardBusy = false;
  const pendingTrace: string[] = [];
  let showTrace = options.trace;
  const route = {
    console: (bytes: Uint8Array) => {
      stdout.write(bytes);
      keystrokes?.firmwareOutput(bytes);
    },
    notice: (text: string) => stdout.write(`\r\n${text}\r\n`),
    trace: (text: string) => {
      if (showTrace) process.stderr.write(text.replace(/\n/g, "\r\n"));
      else if (pendingTrace.length < 2000) pendingTrace.push(text);
    },
  };
  const board = createBoard(options, route);
  stdout.write(banner(options, "this terminal") + "\r\n");
  let finish: (code: number) => void = () => {};
  const finished = new Promise<number>((resolveFinished) => (finish = resolveFinished));
  keystrokes = new BoardKeystrokes({
    toFirmware: (bytes) => board.sendToConsole(bytes),
    toTerminal: (text) => stdout.write(text),
    runBoardLine: async (line) => {
      boardBusy = true;
      try {
        return await runBoardCommand(board, line);
      } finally {
        boardBusy = false;
      }
    },
    quit: () => finish(0),
  });
  stdin.setRawMode(true);
  stdin.on("data", (chunk: Buffer) => keystrokes!.input(chunk));
  stdin.resume();
  board.powerOn();
  const stopClock = followWallClock(board, () => boardBusy);
  // Without a console the firmware can only be watched through its trace output.
  const noConsoleCheck = setInterval(() => {
    if (board.boots > 0 && !board.firmwareDown && !board.consoleOpen && !showTrace) {
      showTrace = true;
      stdout.write("The firmware did not open its console on UART0; its trace output follows.\r\n");
      process.stderr.write(pendingTrace.join("").replace(/\n/g, "\r\n"));
    }
    pendingTrace.length = 0;
  }, 1000);
  const code = await finished;
  clearInterval(noConsoleCheck);
  stopClock();
  board.stopClients();
  stdin.setRawMode(false);
  stdin.pause();
  stdout.write("\r\n");
  return code;
}

async function runPty(options: Options): Promise<number> {
  let pty: Pty;
  try {
    pty = Pty.open();
  } catch (error) {
    fail(error instanceof Error ? error.message : String(error));
  }
  let keystrokes: BoardKeystrokes | undefined;
  let boardBusy = false;
  const route = {
    console: (bytes: Uint8Array) => {
      pty.write(bytes);
      keystrokes?.firmwareOutput(bytes);
    },
    trace: (text: string) => process.stdout.write(text),
    notice: (text: string) => {
      process.stdout.write(text + "\n");
      pty.write(Buffer.from(`\r\n${text}\r\n`, "latin1"));
    },
  };
  const board = createBoard(options, route);
  let finish: (code: number) => void = () => {};
  const finished = new Promise<number>((resolveFinished) => (finish = resolveFinished));
  const runLine = async (line: string): Promise<BoardResult> => {
    boardBusy = true;
    try {
      return await runBoardCommand(board, line);
    } finally {
      boardBusy = false;
    }
  };
  keystrokes = new BoardKeystrokes({
    toFirmware: (bytes) => board.sendToConsole(bytes),
    toTerminal: (text) => pty.write(Buffer.from(text, "latin1")),
    runBoardLine: runLine,
    quit: () => finish(0),
    // Ctrl-] typed in picocom should not stop the board; `board quit` does.
    quitKey: false,
  });
  pty.onData((bytes) => keystrokes!.input(bytes));
  process.stdout.write(banner(options, pty.path).replace(/\r\n/g, "\n"));
  process.stdout.write(`Connect with: picocom -b ${CONSOLE_BAUD} ${pty.path}   (or: npx onemac console ${pty.path})\n`);
  process.stdout.write(`Board commands typed here work too; the firmware's trace output is shown below.\n`);
  // Board commands on this process's own standard input (the console itself is on the pty).
  const input = createInterface({ input: process.stdin, terminal: false });
  input.on("line", (line) => {
    if (line.trim().length === 0) return;
    void runLine(isBoardLine(line) ? line : `board ${line}`).then((result) => {
      if (result.lines.length > 0) process.stdout.write(result.lines.join("\n") + "\n");
      if (result.quit) finish(0);
    });
  });
  for (const signal of ["SIGINT", "SIGTERM", "SIGHUP"] as const) process.on(signal, () => finish(0));
  board.powerOn();
  const stopClock = followWallClock(board, () => boardBusy);
  const code = await finished;
  stopClock();
  input.close();
  board.stopClients();
  pty.close();
  return code;
}

const options = parseOptions(process.argv.slice(2));
const code = options.pty ? await runPty(options) : process.stdin.isTTY ? await runTerminal(options) : await runScripted(options);
process.exit(code);
