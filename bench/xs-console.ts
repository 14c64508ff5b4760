// Memory of the firmware with its console on the real XS engine (xsnap, XS 13.3): the board as main.ts wires it
// (hosts/xs/console-rig.ts: Firmware with flash, ConsoleSession, interpreter, UartConsole) booted from a startup config
// of 2 trunks, 4 server MACs and 8 MAC-move exemptions. Method as in bench/xs.ts (read it first):
// * after boot: live slots and chunk bytes from a snapshot, minus a baseline taken with the harness loaded and the
//   flash already holding the startup config (flash is not RAM on the ESP32). The baseline is taken after the bundle
//   has been evaluated, i.e. after every module body ran, as the SDK's preload runs them at build time: module-level
//   constants (the console's compiled grammar, CONSOLE_GRAMMAR in modules/console/interpreter.ts, the command specs,
//   frozen tables) are not counted, because preloaded and frozen they live in flash on the device. That they are
//   frozen all the way down is what makes this true, and test/console/grammar.test.ts checks it for the grammar;
//   an unfrozen module constant would be copied into RAM when written, which this bench cannot see;
// * allocation per idle 10 ms tick of the main loop with the console attached (nothing typed): the slope of XS's
//   slot counter over two runs that each start after a collection, the harness's SPI round-trip cost subtracted;
// * per typed key: a command typed one byte per UART read and killed with Ctrl-U (not run); the serial port's read()
//   returns a new ArrayBuffer per read, as the ESP32's ECMA-419 Serial does in "buffer" format (3 slots), and
//   session.input() makes a Uint8Array view of it (4 slots): both are counted. A second row hands the same bytes to
//   session.inputByte() directly: what the line editor itself allocates;
// * per command: the line typed in one read and run. Output goes to a wire that only counts bytes.
// Bytes are slots x sizeof(txSlot) on this 64-bit host (32; 16 on the ESP32); chunk allocations (strings, buffer
// storage) are invisible to xsnap's meters, so per-command figures are lower bounds.
import { NodeScenarioBoard, XsBoard } from "../hosts/xs/board";
import type { BootParts, ConsoleState } from "../hosts/xs/console-rig";
import type { StoredEntry } from "../hosts/xs/memory-storage";
import type { Row } from "./row";
import { ESP32_CHUNK_BYTES, ESP32_HEAP_SLOTS, makeBench, round, slope } from "./xs";

/** The startup config the rows boot from: 2 trunks, 4 server MACs, 8 exemptions. */
export const BENCH_CONFIGURATION: readonly string[] = Object.freeze([
  "configure",
  "trunk 0-1 trk1 trunk server-mac 02:00:5e:10:20:30",
  "server-mac 02:00:5e:10:20:31 trk1",
  "trunk 2-3 trk2 trunk server-mac 02:00:5e:10:20:40",
  "server-mac 02:00:5e:10:20:41 trk2",
  ...[1, 2, 3, 4, 5, 6, 7, 8].map((i) => `mac-move exempt 00:1b:21:00:00:0${i}`),
  "end",
]);

/** Commands whose cost is reported. */
export const BENCH_COMMANDS: readonly string[] = Object.freeze([
  "show trunks",
  "show trunk distribution",
  "show running-config",
  "show running-config | json",
  "show interfaces brief",
  "zzz",
]);

const TICK_MS = 10;
const TICKS_SHORT = 200;
const TICKS_LONG = 600;
const KEYS_SHORT = 20;
const KEYS_LONG = 80;
const KEYS_TEXT = "show trunk distribution";
const COMMANDS_SHORT = 2;
const COMMANDS_LONG = 8;
const SPINS_SHORT = 100;
const SPINS_LONG = 400;

export interface ConsoleMemoryFigures {
  bootSlots: number;
  bootChunkBytes: number;
  /** Per idle 10 ms tick with the console attached, harness subtracted. */
  tickSlots: number;
  tickBytes: number;
  tickChunkGrowth: number;
  /** Per key typed (one byte per UART read, echo included). */
  keySlots: number;
  keyCompute: number;
  /** The same with each byte handed to session.inputByte() (no UART read, no ArrayBuffer): the session's own share. */
  keySessionSlots: number;
  commands: { line: string; slots: number; compute: number; outputBytes: number }[];
  /** Bytes the startup config occupies in flash (all values). */
  flashBytes: number;
  slotSize: number;
}

/** Flash holding the bench's startup config, written by the firmware on Node (the same bytes as on XS: test/xs). */
export function benchStartupFlash(): StoredEntry[] {
  const bench = makeBench();
  const node = new NodeScenarioBoard({ spi: bench.spi, clock: bench.clock });
  node.run("console-boot", { capture: false });
  for (const line of BENCH_CONFIGURATION) node.run("console-type", { text: line + "\r" });
  node.run("console-save", {});
  const state = node.run<ConsoleState>("console-state");
  if (state.startup.source === "factory" || state.running.trunks.length !== 2 || state.running.exemptMacs.length !== 8)
    throw new Error("the bench's startup config did not apply on Node");
  return state.storage;
}

export async function measureConsoleMemory(options: { commands?: boolean; keys?: boolean } = {}): Promise<ConsoleMemoryFigures> {
  const flash = benchStartupFlash();
  const bench = makeBench();
  const board = await XsBoard.start({ spi: bench.spi, clock: bench.clock });
  try {
    await board.run("spi-spin", { count: 10 });
    await board.run("console-storage", { storage: flash });
    await board.run("spi-spin", { count: 0 });
    const baseline = await board.markBaseline();
    const boot = await board.run<{ ok: boolean }>("console-boot", { capture: false });
    if (!boot.result.ok) throw new Error("the firmware did not boot on XS");
    await board.run("spi-spin", { count: 0 });
    const booted = await board.memory();
    const state = await board.run<ConsoleState>("console-state");
    if (state.result.running.trunks.length !== 2 || state.result.running.exemptMacs.length !== 8)
      throw new Error(`the startup config did not apply on XS: ${state.log.join(" | ")}`);

    const harness = await slope(board, "spi-spin", SPINS_SHORT, SPINS_LONG);
    const harnessPerRoundTrip = harness.slotsPerUnit / harness.roundTripsPerUnit;
    await board.run("console-run", { count: 2 * TICKS_SHORT, intervalMs: TICK_MS }); // past debounces and first scans
    await board.run("spi-spin", { count: 0 });
    const beforeTicks = await board.memory();
    const ticks = await slope(board, "console-run", TICKS_SHORT, TICKS_LONG, { intervalMs: TICK_MS });
    await board.run("spi-spin", { count: 0 });
    const afterTicks = await board.memory();
    const tickSlots = round(ticks.slotsPerUnit - ticks.roundTripsPerUnit * harnessPerRoundTrip);

    let keySlots = NaN;
    let keyCompute = NaN;
    let keySessionSlots = NaN;
    if (options.keys !== false) {
      await board.run("console-keys", { count: 2, text: KEYS_TEXT });
      const keys = await slope(board, "console-keys", KEYS_SHORT, KEYS_LONG, { text: KEYS_TEXT });
      const perLine = KEYS_TEXT.length + 1;
      keySlots = round(keys.slotsPerUnit / perLine);
      keyCompute = round(keys.computePerUnit / perLine);
      await board.run("console-keys", { count: 2, text: KEYS_TEXT, direct: true });
      const direct = await slope(board, "console-keys", KEYS_SHORT, KEYS_LONG, { text: KEYS_TEXT, direct: true });
      keySessionSlots = round(direct.slotsPerUnit / perLine);
    }

    const commands: ConsoleMemoryFigures["commands"] = [];
    if (options.commands !== false) {
      for (const line of BENCH_COMMANDS) {
        await board.run("console-commands", { count: 1, line });
        const before = (await board.run<number>("console-commands", { count: 0, line })).result;
        const once = (await board.run<number>("console-commands", { count: 1, line })).result;
        const cost = await slope(board, "console-commands", COMMANDS_SHORT, COMMANDS_LONG, { line });
        commands.push({
          line,
          slots: round(cost.slotsPerUnit - cost.roundTripsPerUnit * harnessPerRoundTrip),
          compute: cost.computePerUnit,
          outputBytes: once - before,
        });
      }
    }
    let flashBytes = 0;
    for (const entry of flash) flashBytes += entry.type === "buffer" ? String(entry.value).length / 2 : String(entry.value).length;
    return {
      bootSlots: booted.slots - baseline.slots,
      bootChunkBytes: booted.chunkBytes - baseline.chunkBytes,
      tickSlots,
      tickBytes: round(tickSlots * booted.slotSize),
      tickChunkGrowth: afterTicks.chunkBytes - beforeTicks.chunkBytes,
      keySlots,
      keyCompute,
      keySessionSlots,
      commands,
      flashBytes,
      slotSize: booted.slotSize,
    };
  } finally {
    await board.close();
  }
}

export interface BootBreakdown {
  parts: BootParts;
  slots: number;
  chunkBytes: number;
}

/** Memory after boot with only some of the console built (each in a fresh worker): where the boot figure comes from. */
export async function measureBootBreakdown(flash: StoredEntry[] = benchStartupFlash()): Promise<BootBreakdown[]> {
  const out: BootBreakdown[] = [];
  for (const parts of ["firmware", "interpreter", "session", "all"] as BootParts[]) {
    for (const withFlash of parts === "firmware" ? [false, true] : [true]) {
      const bench = makeBench();
      const board = await XsBoard.start({ spi: bench.spi, clock: bench.clock });
      try {
        await board.run("spi-spin", { count: 10 });
        await board.run("console-storage", { storage: withFlash ? flash : [] });
        await board.run("spi-spin", { count: 0 });
        const baseline = await board.markBaseline();
        await board.run("console-boot", { capture: false, parts });
        await board.run("spi-spin", { count: 0 });
        const booted = await board.memory();
        out.push({ parts: withFlash ? parts : ("firmware, factory config" as BootParts), slots: booted.slots - baseline.slots, chunkBytes: booted.chunkBytes - baseline.chunkBytes });
      } finally {
        await board.close();
      }
    }
  }
  return out;
}

export async function run(): Promise<Row[]> {
  const m = await measureConsoleMemory();
  const rows: Row[] = [
    { name: "xs.console.boot.heap-slots", value: m.bootSlots, unit: "slots", target: ESP32_HEAP_SLOTS / 2, better: "lower" },
    { name: "xs.console.boot.chunk-bytes", value: m.bootChunkBytes, unit: "B", target: ESP32_CHUNK_BYTES / 2, better: "lower" },
    { name: "xs.console.startup-config.flash-bytes", value: m.flashBytes, unit: "B", target: null, better: "lower" },
    { name: "xs.console.idle-tick.alloc-bytes", value: m.tickBytes, unit: "B/tick", target: 0, better: "lower" },
    { name: "xs.console.idle-tick.live-chunk-growth", value: m.tickChunkGrowth, unit: "B", target: 0, better: "lower" },
    { name: "xs.console.key.alloc-bytes", value: round(m.keySlots * m.slotSize), unit: "B/key", target: null, better: "lower" },
    { name: "xs.console.key.alloc-bytes, session alone (inputByte)", value: round(m.keySessionSlots * m.slotSize), unit: "B/key", target: null, better: "lower" },
    { name: "xs.console.key.compute", value: m.keyCompute, unit: "steps/key", target: null, better: "lower" },
  ];
  const labels: Record<string, string> = {
    "firmware, factory config": "firmware alone, factory config",
    firmware: "firmware with the startup config, no console",
    interpreter: "+ console interpreter",
    session: "+ console session",
    all: "+ UART console (as main.ts)",
  };
  for (const part of await measureBootBreakdown()) {
    rows.push({ name: `xs.console.boot breakdown: ${labels[part.parts]}: heap-slots`, value: part.slots, unit: "slots", target: null, better: "lower" });
    rows.push({ name: `xs.console.boot breakdown: ${labels[part.parts]}: chunk-bytes`, value: part.chunkBytes, unit: "B", target: null, better: "lower" });
  }
  for (const command of m.commands) {
    rows.push({ name: `xs.console.command "${command.line}": alloc-bytes`, value: round(command.slots * m.slotSize), unit: "B/cmd", target: null, better: "lower" });
    rows.push({ name: `xs.console.command "${command.line}": compute`, value: command.compute, unit: "steps/cmd", target: null, better: "lower" });
    rows.push({ name: `xs.console.command "${command.line}": output`, value: command.outputBytes, unit: "B", target: null, better: "lower" });
  }
  return rows;
}
