// `write memory` on the simulated board, on Node and virtual time, with the firmware run as main.ts runs it: a
// Firmware on a plain clock (its services' timed work runs from pollLinks), Timer.repeat(pollLinks, 10 ms) on the
// board's one CPU, the console session and interpreter on the same CPU, SPI to the BCM53125 model keeping the CPU
// busy for the bytes' time, and the flash model of hosts/sim/preference.ts, which keeps the CPU busy for an estimate
// of each NVS commit (and a 45 ms sector erase on the write that fills a 4 KB NVS page). The startup config is the
// one bench/xs-console.ts boots (2 trunks, 4 server MACs, 8 exemptions); the board saves it SAVES times in a row, so
// the page erases that come every few saves are among them.
//
// Rows: flash bytes and writes of one save, its virtual duration, and the longest delay a save causes to a link poll:
// the longest gap between two consecutive link polls while a save runs, minus the poll interval. Target: at most one
// poll interval (the "a save never stalls link monitoring for more than one poll interval").
import { Bcm53125Model } from "../hosts/sim/bcm53125";
import { VirtualClock, type SimCpu } from "../hosts/sim/clock";
import { BOARD_SPI_HZ } from "../hosts/sim/device";
import Preference, { clearPreferenceMemory, preferenceStats, resetPreferenceStats, usePreferenceFolder, type PreferenceStats } from "../hosts/sim/preference";
import { SimSPI } from "../hosts/sim/spi";
import Timer, { currentTimerCpu, useClock } from "../hosts/sim/timer";
import { createInterpreter } from "../modules/console/interpreter";
import { ConsoleSession } from "../modules/console/session";
import { Firmware } from "../modules/firmware";
import type { Row } from "./row";
import { BENCH_CONFIGURATION } from "./xs-console";

const LINK_POLL_MS = 10;
const SAVES = 12;
/** A save of a few kilobytes takes a few dozen ticks; bounded. */
const MAX_SAVE_MS = 10_000;

export interface SaveFigures {
  /** Per save, the mean over all saves (the first one has no old header to delete). */
  bytes: number;
  writes: number;
  durationMs: number;
  flashMs: number;
  /** Over all saves. */
  saves: number;
  pageErases: number;
  longestWriteMs: number;
  /** Longest gap between two link polls during a save, minus the poll interval (worst save). */
  maxPollDelayMs: number;
  /** The same, for the saves during which no NVS page erase happened. */
  maxPollDelayWithoutEraseMs: number;
  /** Longest gap minus the interval over as long a stretch with no save (the board's own jitter). */
  idlePollDelayMs: number;
}

class Board {
  readonly clock = new VirtualClock();
  readonly cpu: SimCpu;
  readonly firmware: Firmware;
  readonly session: ConsoleSession;
  readonly polls: number[] = [];
  output = "";
  readonly #previousClock: VirtualClock | undefined;

  constructor() {
    this.#previousClock = useClock(this.clock);
    this.cpu = currentTimerCpu()!;
    usePreferenceFolder(undefined);
    clearPreferenceMemory();
    const model = new Bcm53125Model({ clock: this.clock });
    for (const port of [0, 1, 2, 3]) model.setLink(port, true, 1000, true);
    const spi = new SimSPI({ hz: BOARD_SPI_HZ, device: model, time: this.clock, cpu: this.cpu });
    const clock = { now: () => this.clock.now() };
    const firmware = new Firmware({ spi, clock, spiHz: BOARD_SPI_HZ, storage: Preference });
    const session = new ConsoleSession({
      interpreter: createInterpreter({ firmware, clock, reload: () => {}, random: (bytes) => bytes.fill(7) }),
      write: (text) => {
        this.output += text;
      },
      clock,
    });
    firmware.logs.addListener((atMs, text) => session.log(atMs, text));
    this.firmware = firmware;
    this.session = session;
    // main.ts: boot, then the 10 ms link poll on the board's Timer, then the console.
    this.onCpu(() => {
      const report = firmware.boot();
      if (!report.ok) throw new Error(`the firmware did not boot: ${report.error?.message}`);
      Timer.repeat(() => {
        this.polls.push(this.clock.now());
        firmware.pollLinks();
      }, LINK_POLL_MS);
      session.start();
    });
  }

  /** Runs `work` as the CPU's code (a one-shot timer), as UART input or main.ts's top level would run. */
  onCpu(work: () => void): void {
    let ran = false;
    this.clock.set(
      () => {
        ran = true;
        work();
      },
      0,
      undefined,
      this.cpu,
    );
    for (let i = 0; i < 1000 && !ran; i++) this.clock.advance(1);
    if (!ran) throw new Error("the CPU never became free");
  }

  type(line: string): string {
    this.output = "";
    const bytes = Uint8Array.from(line + "\r", (c) => c.charCodeAt(0));
    this.onCpu(() => this.session.input(bytes));
    return this.output;
  }

  /** Longest gap between consecutive polls that start in [fromMs, toMs] (the poll before fromMs included). */
  longestGap(fromMs: number, toMs: number): number {
    let longest = 0;
    for (let i = 1; i < this.polls.length; i++) {
      if (this.polls[i] < fromMs || this.polls[i - 1] > toMs) continue;
      longest = Math.max(longest, this.polls[i] - this.polls[i - 1]);
    }
    return longest;
  }

  close(): void {
    useClock(this.#previousClock);
  }
}

function delta(after: PreferenceStats, before: PreferenceStats): PreferenceStats {
  return {
    sets: after.sets - before.sets,
    deletes: after.deletes - before.deletes,
    writes: after.writes - before.writes,
    bytesWritten: after.bytesWritten - before.bytesWritten,
    pageErases: after.pageErases - before.pageErases,
    flashMs: after.flashMs - before.flashMs,
    longestWriteMs: after.longestWriteMs,
  };
}

const round3 = (value: number) => Math.round(value * 1000) / 1000;

export function measureSave(): SaveFigures {
  const board = new Board();
  try {
    for (const line of BENCH_CONFIGURATION) {
      const out = board.type(line);
      if (/\n% /.test(out)) throw new Error(`the bench configuration failed at "${line}": ${out}`);
    }
    board.clock.advance(2000); // past debounces and the first ARL scans
    const idleFrom = board.clock.now();
    board.clock.advance(1000);
    const idlePollDelayMs = board.longestGap(idleFrom, board.clock.now()) - LINK_POLL_MS;
    resetPreferenceStats();
    const figures: SaveFigures = {
      bytes: 0,
      writes: 0,
      durationMs: 0,
      flashMs: 0,
      saves: SAVES,
      pageErases: 0,
      longestWriteMs: 0,
      maxPollDelayMs: 0,
      maxPollDelayWithoutEraseMs: 0,
      idlePollDelayMs: round3(idlePollDelayMs),
    };
    for (let save = 0; save < SAVES; save++) {
      const before = preferenceStats();
      const started = board.clock.now();
      board.output = "";
      board.onCpu(() => board.session.input(Uint8Array.from("write memory\r", (c) => c.charCodeAt(0))));
      const config = board.firmware.config;
      for (let ms = 0; ms < MAX_SAVE_MS && config.busy; ms++) board.clock.advance(1);
      if (config.busy || !/\[OK\] saved/.test(board.output)) throw new Error(`save ${save + 1} did not finish: ${board.output}`);
      const ended = board.clock.now();
      board.clock.advance(3 * LINK_POLL_MS); // the polls right after the save
      const stats = delta(preferenceStats(), before);
      const delay = board.longestGap(started, ended) - LINK_POLL_MS;
      figures.bytes += stats.bytesWritten / SAVES;
      figures.writes += stats.writes / SAVES;
      figures.durationMs += (ended - started) / SAVES;
      figures.flashMs += stats.flashMs / SAVES;
      figures.pageErases += stats.pageErases;
      figures.maxPollDelayMs = Math.max(figures.maxPollDelayMs, round3(delay));
      if (stats.pageErases === 0) figures.maxPollDelayWithoutEraseMs = Math.max(figures.maxPollDelayWithoutEraseMs, round3(delay));
      board.clock.advance(500);
    }
    figures.longestWriteMs = round3(preferenceStats().longestWriteMs);
    figures.bytes = round3(figures.bytes);
    figures.writes = round3(figures.writes);
    figures.durationMs = round3(figures.durationMs);
    figures.flashMs = round3(figures.flashMs);
    return figures;
  } finally {
    board.close();
  }
}

export async function run(): Promise<Row[]> {
  const m = measureSave();
  return [
    { name: "save: flash bytes written", value: m.bytes, unit: "B/save", target: null, better: "lower" },
    { name: "save: flash writes", value: m.writes, unit: "writes/save", target: null, better: "lower" },
    { name: "save: virtual flash time", value: m.flashMs, unit: "ms", target: null, better: "lower" },
    { name: "save: duration (command to [OK])", value: m.durationMs, unit: "ms", target: null, better: "lower" },
    { name: `save: longest link-poll delay (${m.saves} saves)`, value: m.maxPollDelayMs, unit: "ms", target: LINK_POLL_MS, better: "lower" },
    { name: "save: longest link-poll delay, saves without an NVS page erase", value: m.maxPollDelayWithoutEraseMs, unit: "ms", target: null, better: "lower" },
    { name: `save: NVS page erases (${m.saves} saves)`, value: m.pageErases, unit: "erases", target: null, better: "lower" },
    { name: "save: longest single flash write", value: m.longestWriteMs, unit: "ms", target: null, better: "lower" },
    { name: "save: link-poll delay with no save (jitter)", value: m.idlePollDelayMs, unit: "ms", target: null, better: "lower" },
  ];
}
