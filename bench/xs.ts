// Memory of the firmware on the real XS engine (xsnap, XS 13.3), against the BCM53125 model on virtual time.
//
// What the figures are (read from the XS sources shipped in @agoric/xsnap, moddable/xs/sources):
// * A Moddable ESP32 build sizes its XS machine by the manifest's `creation`: `heap` is a count of slots (txSlot:
//   every value, property, instance header) and `chunk` a byte budget for variable-size data (strings, array and
//   buffer storage, closures' variables, byte code created at run time). The classic ESP32 defaults are 4,928 slots
//   and 78,848 chunk bytes; the targets below are half of each.
// * XS tracks the slots in use as `currentHeapCount` and the chunk bytes in use as `currentChunksSize`. Only the
//   first reaches xsnap's meters, and it counts garbage until the next collection. Both are exact, live and
//   after a full collection in a snapshot: fxWriteSnapshot collects garbage, then writes the live chunks as the BLOC
//   atom and the live slots as the HEAP atom. So "slots" = HEAP atom / sizeof(txSlot) and "chunk bytes" = BLOC size.
// * Only the firmware is measured: the harness (the bundle's code and module objects, XsSPI, the scenario runner, the
//   command plumbing) is loaded first and measured in the same worker, then the firmware is created and booted, and
//   the rows are the differences. On the ESP32 the firmware's code and module-level objects are preloaded into flash,
//   so leaving the bundle's load cost out matches what the firmware needs in RAM; that cost is reported separately
//   (no target).
// * Chunk bytes here come from a 64-bit host. XS stores array elements and closure variables as txSlot (32 bytes here,
//   16 on the ESP32) and pointers are twice as wide, so these chunk figures are an upper bound for the ESP32.
// * Allocation per link poll: xsnap's `allocate` meter is the memory XS requested from the OS (a 32 MB chunk block and
//   256 Ki slots at start), blind to individual allocations. `currentHeapCount` however grows by one for every slot
//   allocated (xsMemory.c fxNewSlot) until the next collection, so two runs of N1 and N2 polls, each starting right
//   after gc(), give slots allocated per poll as the slope. Each SPI round trip through xsnap's issueCommand allocates
//   the reply ArrayBuffer plus one view to read it (the harness, not the firmware: on the ESP32 SPI transfers in
//   place): that cost per round trip is measured the same way with SPI exchanges alone and subtracted.
//   The same slope over 10 ms ticks of the main loop (virtual time passes through Timer.delay's stand-in, then a poll
//   runs the services' due work: an ARL scan and the trunk service's static-entry check every 100 ticks) covers the
//   timed work too. Bytes = slots x sizeof(txSlot) of this host. Allocations of chunk bytes alone (a string built, an array grown)
//   are not visible through xsnap's meters; the live chunk bytes are checked not to grow over many polls instead.

import { VirtualClock } from "../hosts/sim/clock";
import { SimSPI } from "../hosts/sim/spi";
import { Bcm53125Model } from "../hosts/sim/bcm53125/model";
import { bundleFirmware } from "../hosts/xs/bundle";
import { XsBoard } from "../hosts/xs/board";
import { Xsnap } from "../hosts/xs/xsnap";
import type { Row } from "./row";

/** Classic ESP32 XS machine (Moddable esp32 manifest `creation`): heap slots and chunk bytes. */
export const ESP32_HEAP_SLOTS = 4928;
export const ESP32_CHUNK_BYTES = 78848;

const SPI_HZ = 10e6;
export const SERVER_TRUNK = Object.freeze({ group: 0, members: [0, 1], servers: [0x02_00_5e_10_20_30] });
const WARM_UP_POLLS = 200;
const POLLS_SHORT = 100;
const POLLS_LONG = 400;
const SPINS_SHORT = 100;
const SPINS_LONG = 400;
/** main.ts polls every 10 ms; the move monitor scans the ARL every 1000 ms, so 200 and 600 ticks differ by 4 scans. */
const TICK_MS = 10;
const TICKS_SHORT = 200;
const TICKS_LONG = 600;

export interface XsMemoryFigures {
  /** Firmware after boot, harness baseline subtracted. */
  bootSlots: number;
  bootChunkBytes: number;
  /** Loading the bundle (code and module objects) into a fresh worker. */
  bundleSlots: number;
  bundleChunkBytes: number;
  /** Per link poll after warm-up, the harness's round-trip cost subtracted. */
  pollSlots: number;
  pollBytes: number;
  pollRoundTrips: number;
  /**
   * Per 10 ms tick of the board's main loop (time passes, then a link poll that also runs due timed work: one ARL
   * scan by the move monitor every 100 ticks), the harness's round-trip cost subtracted.
   */
  tickSlots: number;
  tickBytes: number;
  tickRoundTrips: number;
  /** XS metering steps per link poll, the harness's share per round trip subtracted. */
  pollCompute: number;
  /** XS slots allocated per issueCommand round trip by the harness alone. */
  harnessSlotsPerRoundTrip: number;
  /** Live chunk bytes gained over the long run of polls (leak check). */
  pollChunkGrowth: number;
  slotSize: number;
}

export function makeBench(): { clock: VirtualClock; model: Bcm53125Model; spi: SimSPI } {
  const clock = new VirtualClock();
  const model = new Bcm53125Model({ clock });
  model.setLink(0, true, 1000, true);
  model.setLink(1, true, 1000, true);
  model.setLink(3, true, 100, false);
  const spi = new SimSPI({ hz: SPI_HZ, device: model, time: clock });
  return { clock, model, spi };
}

/** Rounds away binary fractions (0.16 slots, not 0.1599999999999966). */
export function round(value: number): number {
  return Math.round(value * 1e6) / 1e6;
}

/** Slots allocated per unit of `count`, from two runs that each start right after a collection. */
export async function slope(
  board: XsBoard,
  scenario: string,
  short: number,
  long: number,
  extra: Record<string, unknown> = {},
): Promise<{ slotsPerUnit: number; roundTripsPerUnit: number; computePerUnit: number }> {
  const a = await board.run(scenario, { ...extra, count: short }, { collectFirst: true });
  const b = await board.run(scenario, { ...extra, count: long }, { collectFirst: true });
  if (b.meter.currentHeapCount < a.meter.currentHeapCount) {
    throw new Error(`a garbage collection ran during the ${scenario} measurement; the slot counts are not comparable`);
  }
  const per = (delta: number) => round(delta / (long - short));
  return {
    slotsPerUnit: per(b.meter.currentHeapCount - a.meter.currentHeapCount),
    roundTripsPerUnit: per(b.roundTrips - a.roundTrips),
    computePerUnit: per(b.meter.compute - a.meter.compute),
  };
}

async function bundleCost(): Promise<{ slots: number; chunkBytes: number }> {
  const source = await bundleFirmware();
  const worker = Xsnap.spawn({ name: "onemac-bundle-cost" });
  try {
    const empty = await worker.snapshotMemory();
    await worker.evaluate(source);
    const loaded = await worker.snapshotMemory();
    return { slots: loaded.slots - empty.slots, chunkBytes: loaded.chunkBytes - empty.chunkBytes };
  } finally {
    await worker.close();
  }
}

export async function measureXsMemory(): Promise<XsMemoryFigures> {
  const bench = makeBench();
  const board = await XsBoard.start({ spi: bench.spi, clock: bench.clock });
  try {
    // Warm the harness (request buffer, command path), then take the baseline: everything but the firmware.
    await board.run("spi-spin", { count: 10 });
    await board.run("spi-spin", { count: 0 }); // drops the previous command's log lines
    const baseline = await board.markBaseline();
    const boot = await board.run<{ ok: boolean; error?: { message: string } }>("boot");
    if (!boot.result.ok) throw new Error(`the firmware did not boot on XS: ${boot.result.error?.message}`);
    await board.run("spi-spin", { count: 0 });
    const booted = await board.memory();

    // The board as deployed: one server behind a trunk, so the timed work re-checks its static entry every scan.
    await board.run("trunk-configure", SERVER_TRUNK);
    await board.run("poll", { count: WARM_UP_POLLS });
    const harness = await slope(board, "spi-spin", SPINS_SHORT, SPINS_LONG);
    const harnessPerRoundTrip = harness.slotsPerUnit / harness.roundTripsPerUnit;
    // A spin is one transfer of the same size as the firmware's status reads plus a deferred deselect: close enough to
    // apportion the harness's metering steps per round trip.
    const harnessComputePerRoundTrip = harness.computePerUnit / harness.roundTripsPerUnit;
    const before = await board.memory();
    const polls = await slope(board, "poll", POLLS_SHORT, POLLS_LONG);
    await board.run("spi-spin", { count: 0 });
    const afterPolls = await board.memory();
    const pollSlots = round(polls.slotsPerUnit - polls.roundTripsPerUnit * harnessPerRoundTrip);
    await board.run("run", { count: 2 * TICKS_SHORT, intervalMs: TICK_MS }); // past the first scans and debounces
    const ticks = await slope(board, "run", TICKS_SHORT, TICKS_LONG, { intervalMs: TICK_MS });
    const tickSlots = round(ticks.slotsPerUnit - ticks.roundTripsPerUnit * harnessPerRoundTrip);
    const bundle = await bundleCost();
    return {
      bootSlots: booted.slots - baseline.slots,
      bootChunkBytes: booted.chunkBytes - baseline.chunkBytes,
      bundleSlots: bundle.slots,
      bundleChunkBytes: bundle.chunkBytes,
      pollSlots,
      pollBytes: pollSlots * booted.slotSize,
      pollRoundTrips: polls.roundTripsPerUnit,
      tickSlots,
      tickBytes: round(tickSlots * booted.slotSize),
      tickRoundTrips: ticks.roundTripsPerUnit,
      pollCompute: round(polls.computePerUnit - polls.roundTripsPerUnit * harnessComputePerRoundTrip),
      harnessSlotsPerRoundTrip: harnessPerRoundTrip,
      pollChunkGrowth: afterPolls.chunkBytes - before.chunkBytes,
      slotSize: booted.slotSize,
    };
  } finally {
    await board.close();
  }
}

export async function run(): Promise<Row[]> {
  const m = await measureXsMemory();
  return [
    { name: "xs.boot.heap-slots", value: m.bootSlots, unit: "slots", target: ESP32_HEAP_SLOTS / 2, better: "lower" },
    { name: "xs.boot.chunk-bytes", value: m.bootChunkBytes, unit: "B", target: ESP32_CHUNK_BYTES / 2, better: "lower" },
    { name: "xs.poll.alloc-bytes", value: m.pollBytes, unit: "B/poll", target: 0, better: "lower" },
    { name: "xs.poll.alloc-slots", value: m.pollSlots, unit: "slots/poll", target: 0, better: "lower" },
    { name: "xs.poll.live-chunk-growth", value: m.pollChunkGrowth, unit: "B", target: 0, better: "lower" },
    { name: "xs.tick.alloc-bytes", value: m.tickBytes, unit: "B/tick", target: 0, better: "lower" },
    { name: "xs.tick.spi-round-trips", value: m.tickRoundTrips, unit: "/tick", target: null, better: "lower" },
    { name: "xs.poll.compute", value: m.pollCompute, unit: "steps/poll", target: null, better: "lower" },
    { name: "xs.poll.spi-round-trips", value: m.pollRoundTrips, unit: "/poll", target: null, better: "lower" },
    { name: "xs.harness.slots-per-round-trip", value: m.harnessSlotsPerRoundTrip, unit: "slots", target: null, better: "lower" },
    { name: "xs.bundle.heap-slots", value: m.bundleSlots, unit: "slots", target: null, better: "lower" },
    { name: "xs.bundle.chunk-bytes", value: m.bundleChunkBytes, unit: "B", target: null, better: "lower" },
  ];
}
