// SPI cost of the BCM53125 driver's operations, counted on the simulated bus (machine-independent), each beside the
// protocol's floor: the fewest transactions and bytes shared/facts/switch-chips.md §1.1 and §1.3 allow.
//
// Floors, page already selected (the driver caches it; the first access to another page adds one 3-byte write):
//   register write  = SPIF poll (3 B) + write (2 + n B)                                      = 2 transactions
//   register read   = SPIF poll (3 B) + dummy read (3 B) + RACK poll (3 B) + data (2 + n B)    = 4 transactions
//   ARL lookup, hit in bin 0 = write MAC key, VID key, RW control (3 writes) + one control read that sees START
//                    clear + read data 0 and MAC/VID 0                                        = 6 + 12 = 18
//   ARL add into an empty bucket = 3 key/control writes + control read + 4 data reads (no bin may match) +
//                    write MAC/VID n, data n, RW control + control read                       = 6+4+16+6+4 = 36
//   full ARL dump of N entries = write search start + N/2 steps of (control read + 4 result reads) + a final
//                    control read that sees the search end                                    = 2 + 10 N + 4
//   link poll       = one 16-bit read of the link summary                                     = 4
//                    (the driver spends one more on purpose: it selects the link page on every poll, so a chip
//                    reset behind its back, which puts the page register back at 0, cannot fake link states)
// The model finishes ARL operations and search steps after a named time (hosts/sim/bcm53125/assumptions.ts);
// a driver that polls before then pays extra reads, which these rows show.
import { Bcm53125 } from "../modules/chip/bcm53125/driver";
import { newArlEntry } from "../modules/chip/switch-chip";
import { Bcm53125Model } from "../hosts/sim/bcm53125";
import { VirtualClock } from "../hosts/sim/clock";
import { SimSPI } from "../hosts/sim/spi";
import type { Row } from "./row";

const HZ = 20e6;
const TARGET_RATIO = 1.25;
const readBytes = (n: number) => 3 + 3 + 3 + 2 + n;
const writeBytes = (n: number) => 3 + 2 + n;

interface Floor {
  transactions: number;
  bytes: number;
}

function rig() {
  const clock = new VirtualClock();
  const model = new Bcm53125Model({ clock });
  const spi = new SimSPI({ device: model, hz: HZ, mode: 3, time: clock });
  const chip = new Bcm53125({ spi, clock });
  chip.probe();
  chip.setup();
  return { clock, model, spi, chip };
}

/** Runs `op` `times` times after one warm-up run (which selects the page) and returns the mean cost per run. */
function measure(spi: SimSPI, op: () => void, times = 1): Floor {
  op();
  spi.resetStats();
  for (let i = 0; i < times; i++) op();
  return { transactions: spi.stats.transactions / times, bytes: spi.stats.bytes / times };
}

function rows(name: string, measured: Floor, floor: Floor): Row[] {
  return [
    { name: `${name}: SPI transactions`, value: measured.transactions, unit: "transactions", target: null, better: "lower" },
    { name: `${name}: floor`, value: floor.transactions, unit: "transactions", target: null, better: "lower" },
    { name: `${name}: transactions / floor`, value: measured.transactions / floor.transactions, unit: "ratio", target: TARGET_RATIO, better: "lower" },
    { name: `${name}: SPI bytes`, value: measured.bytes, unit: "bytes", target: null, better: "lower" },
    { name: `${name}: bytes / floor`, value: measured.bytes / floor.bytes, unit: "ratio", target: TARGET_RATIO, better: "lower" },
  ];
}

/** Fills every bucket of the model's ARL with exactly 4 learned MACs (board side: frames in, learning on). */
function fillTable(model: Bcm53125Model): number {
  const perBucket = new Uint8Array(1024);
  let filled = 0;
  for (let port = 0; port < 5; port++) model.setLink(port, true);
  for (let i = 0; filled < 4096 && i < 10_000_000; i++) {
    const mac = 0x3c22fb000000 + i;
    const bucket = model.arlBucketOf(mac, 0);
    if (perBucket[bucket] === 4) continue;
    perBucket[bucket]++;
    model.ingress(i % 5, { da: 0xffffffffffff, sa: mac });
    filled++;
  }
  return model.arlEntries().length;
}

export async function run(): Promise<Row[]> {
  const out: Row[] = [];
  {
    const { spi, chip } = rig();
    out.push(...rows("register read (16-bit)", measure(spi, () => chip.getLearningDisabled(), 100), { transactions: 4, bytes: readBytes(2) }));
    out.push(...rows("register write (16-bit)", measure(spi, () => chip.setLearningDisabled(0), 100), { transactions: 2, bytes: writeBytes(2) }));
    out.push(...rows("link poll", measure(spi, () => chip.readLinkMask(), 100), { transactions: 4, bytes: readBytes(2) }));
  }
  {
    const { spi, chip } = rig();
    const mac = 0x001b213a4f10;
    chip.arlAdd({ mac, vid: 0, port: 1, isStatic: true, age: false });
    const found = newArlEntry();
    // key writes: MAC (6 B), VID (2 B), control (1 B); control read; data 0 (4 B) and MAC/VID 0 (8 B)
    const floor = { transactions: 18, bytes: writeBytes(6) + writeBytes(2) + writeBytes(1) + readBytes(1) + readBytes(4) + readBytes(8) };
    out.push(...rows("ARL lookup (hit)", measure(spi, () => chip.arlLookup(mac, 0, found), 100), floor));
  }
  {
    const { spi, chip } = rig();
    // A fresh MAC each time, deleted again, so every add meets an empty bucket; only the add is counted.
    let next = 0x020000000000;
    const addOnly = { transactions: 0, bytes: 0 };
    chip.arlAdd({ mac: next - 1, vid: 0, port: 2, isStatic: true, age: false }); // selects the ARL page
    chip.arlDelete(next - 1, 0);
    for (let i = 0; i < 50; i++) {
      const mac = next;
      next += 0x1000;
      spi.resetStats();
      chip.arlAdd({ mac, vid: 0, port: 2, isStatic: true, age: false });
      addOnly.transactions += spi.stats.transactions;
      addOnly.bytes += spi.stats.bytes;
      chip.arlDelete(mac, 0);
    }
    const floor = {
      transactions: 36,
      bytes: writeBytes(6) + writeBytes(2) + writeBytes(1) + readBytes(1) + 4 * readBytes(4) + writeBytes(8) + writeBytes(4) + writeBytes(1) + readBytes(1),
    };
    out.push(...rows("ARL add (empty bucket)", { transactions: addOnly.transactions / 50, bytes: addOnly.bytes / 50 }, floor));
  }
  {
    const { spi, chip, model, clock } = rig();
    const entries = fillTable(model);
    out.push({ name: "ARL dump: entries in the table", value: entries, unit: "entries", target: 4096, better: "higher" });
    chip.arlDump(() => {});
    spi.resetStats();
    const started = clock.now();
    let seen = 0;
    chip.arlDump(() => seen++);
    const elapsed = clock.now() - started;
    const steps = entries / 2;
    const floor = {
      transactions: 2 + steps * 20 + 4,
      bytes: writeBytes(1) + steps * (readBytes(1) + 2 * readBytes(8) + 2 * readBytes(4)) + readBytes(1),
    };
    out.push(...rows(`full ARL dump (${entries} entries)`, spi.stats, floor));
    out.push({ name: "full ARL dump: entries visited", value: seen, unit: "entries", target: entries, better: "higher" });
    out.push({ name: "full ARL dump: SPI time at 20 MHz", value: elapsed, unit: "ms", target: null, better: "lower" });
  }
  return out;
}
