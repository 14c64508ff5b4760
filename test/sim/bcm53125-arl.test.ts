// The ARL of the BCM53125 model through raw SPI bytes (shared/facts/switch-chips.md §1.3), learning, aging and
// fast aging (§1.2, §1.5).
import { test } from "node:test";
import assert from "node:assert/strict";
import { xorFoldArlBucket } from "../../hosts/sim/bcm53125";
import {
  DATA_STATIC,
  DATA_VALID,
  arlReadBucket,
  arlSearchDump,
  arlWriteEntry,
  makeRig,
  readNumber,
  writeNumber,
} from "./rig";

const SERVER = 0x02_00_00_00_00_10;
const CLIENT_A = 0x02_00_00_00_00_a1;
const CLIENT_B = 0x02_00_00_00_00_b2;

/** MACs that land in the same bucket as `mac` (VID 0) under the model's hash. */
function collidingMacs(mac: number, count: number): number[] {
  const bucket = xorFoldArlBucket(mac, 0);
  const found: number[] = [];
  for (let candidate = mac + 1; found.length < count; candidate++) {
    if (xorFoldArlBucket(candidate, 0) === bucket) found.push(candidate);
  }
  return found;
}

test("write op stores entry registers into the key's bucket; read op loads the bucket back", () => {
  const { spi, chip } = makeRig();
  const bin = arlWriteEntry(spi, SERVER, 0, DATA_VALID | DATA_STATIC | 3);
  assert.equal(bin, 0);
  assert.deepEqual(chip.arlEntries(), [{ mac: SERVER, vid: 0, port: 3, isStatic: true, age: false }]);
  const bins = arlReadBucket(spi, SERVER, 0);
  assert.deepEqual(bins[0], { mac: SERVER, vid: 0, data: DATA_VALID | DATA_STATIC | 3 });
  for (const other of bins.slice(1)) assert.equal(other.data & DATA_VALID, 0);
  assert.deepEqual(chip.unmodeledAccesses, []);
});

test("RW control START stays set for the named operation time, then clears", () => {
  const { spi, chip, clock } = makeRig();
  writeNumber(spi, 0x05, 0x02, SERVER, 6);
  writeNumber(spi, 0x05, 0x00, 0x81, 1);
  assert.equal(chip.register(0x05, 0x00), 0x81);
  clock.advance(chip.assumptions.arlOperationMs);
  assert.equal(chip.register(0x05, 0x00), 0x01);
  assert.equal(readNumber(spi, 0x05, 0x00, 1), 0x01);
});

test("entries with a VID are keyed by MAC and VID; bits 59:48 of the MAC/VID register carry the VID", () => {
  const { spi, chip } = makeRig();
  arlWriteEntry(spi, SERVER, 10, DATA_VALID | DATA_STATIC | 1);
  arlWriteEntry(spi, SERVER, 20, DATA_VALID | DATA_STATIC | 2);
  const entries = chip.arlEntries().map((e) => [e.vid, e.port]).sort();
  assert.deepEqual(entries, [[10, 1], [20, 2]]);
  assert.equal(arlReadBucket(spi, SERVER, 20).find((b) => b.mac === SERVER && b.vid === 20)?.data, DATA_VALID | DATA_STATIC | 2);
});

test("a full bucket: four bins hold colliding MACs; deleting frees a bin", () => {
  const { spi, chip } = makeRig();
  const macs = [SERVER, ...collidingMacs(SERVER, 4)];
  for (let i = 0; i < 4; i++) assert.equal(arlWriteEntry(spi, macs[i], 0, DATA_VALID | DATA_STATIC | i), i);
  assert.equal(arlWriteEntry(spi, macs[4], 0, DATA_VALID | DATA_STATIC | 4), -1, "bucket full");
  assert.equal(arlWriteEntry(spi, macs[1], 0, 0), 1, "delete = write with VALID 0");
  assert.equal(arlWriteEntry(spi, macs[4], 0, DATA_VALID | DATA_STATIC | 4), 1);
  assert.equal(chip.arlEntries().length, 4);
});

test("search walks every valid entry two at a time and ends with START and VALID clear", () => {
  const { spi, chip } = makeRig();
  const macs: number[] = [];
  for (let i = 0; i < 7; i++) {
    macs.push(0x00_11_22_00_00_00 + i * 0x1_0001);
    arlWriteEntry(spi, macs[i], 0, DATA_VALID | DATA_STATIC | (i % 5));
  }
  const found = arlSearchDump(spi);
  assert.deepEqual(found.map((e) => e.mac).sort(), macs.slice().sort());
  assert.equal(readNumber(spi, 0x05, 0x50, 1), 0x00);
  assert.equal(readNumber(spi, 0x05, 0x68, 4) & DATA_VALID, 0);
  assert.equal(readNumber(spi, 0x05, 0x78, 4) & DATA_VALID, 0);
  assert.deepEqual(chip.unmodeledAccesses, []);
});

test("search control reads START with VALID 0 until results are ready, then VALID 1; an odd last result leaves result 1 invalid", () => {
  const { spi, chip, clock } = makeRig();
  arlWriteEntry(spi, CLIENT_A, 0, DATA_VALID | 1);
  writeNumber(spi, 0x05, 0x50, 0x80, 1);
  assert.equal(chip.register(0x05, 0x50), 0x80);
  clock.advance(chip.assumptions.arlSearchStepMs);
  assert.equal(readNumber(spi, 0x05, 0x50, 1), 0x81);
  assert.equal(readNumber(spi, 0x05, 0x60, 6), CLIENT_A);
  assert.equal(readNumber(spi, 0x05, 0x68, 4), DATA_VALID | 1);
  assert.equal(readNumber(spi, 0x05, 0x78, 4), 0, "unused result");
  assert.equal(readNumber(spi, 0x05, 0x50, 1), 0x00, "consumed: search done");
});

test("an empty table's search ends at once", () => {
  const { spi } = makeRig();
  assert.deepEqual(arlSearchDump(spi), []);
});

test("a full 4096-entry table dumps completely through raw SPI", () => {
  const { spi, chip } = makeRig();
  // Fill through learning on the board side (fast), then dump through the SPI search engine.
  chip.setLink(1, true);
  chip.setLink(2, true);
  const binsUsed = new Uint8Array(1024);
  let learned = 0;
  for (let candidate = 0x02_00_00_00_00_00; learned < 4096; candidate++) {
    chip.ingress(1, { da: CLIENT_B, sa: candidate });
    const bucket = chip.arlBucketOf(candidate, 0);
    if (binsUsed[bucket] < 4) {
      binsUsed[bucket]++;
      learned++;
    }
  }
  const entries = chip.arlEntries();
  assert.equal(entries.length, 4096, "learning fills every bin of every bucket");
  spi.resetStats();
  const dumped = arlSearchDump(spi);
  assert.equal(dumped.length, 4096);
  assert.deepEqual(dumped.map((e) => e.mac), entries.map((e) => e.mac));
  assert.ok(spi.stats.transactions > 2048 * 10);
});

test("learning: an SA is learned with AGE set on the ingress port; a move updates the port", () => {
  const { chip } = makeRig();
  chip.setLink(1, true);
  chip.setLink(2, true);
  chip.ingress(1, { da: CLIENT_B, sa: CLIENT_A });
  assert.deepEqual(chip.arlEntries(), [{ mac: CLIENT_A, vid: 0, port: 1, isStatic: false, age: true }]);
  chip.ingress(2, { da: CLIENT_B, sa: CLIENT_A });
  assert.deepEqual(chip.arlEntries(), [{ mac: CLIENT_A, vid: 0, port: 2, isStatic: false, age: true }]);
  chip.ingress(2, { da: CLIENT_B, sa: 0x01_00_5e_00_00_01 }); // multicast SA is never learned
  assert.equal(chip.arlEntries().length, 1);
});

test("learning disable (0x00/0x3C) stops learning on that port only", () => {
  const { spi, chip } = makeRig();
  chip.setLink(1, true);
  chip.setLink(2, true);
  writeNumber(spi, 0x00, 0x3c, 1 << 1, 2);
  chip.ingress(1, { da: CLIENT_B, sa: CLIENT_A });
  assert.deepEqual(chip.arlEntries(), []);
  chip.ingress(2, { da: CLIENT_B, sa: CLIENT_A });
  assert.equal(chip.arlEntries()[0].port, 2);
});

test("a full bucket does not learn (no eviction)", () => {
  const { spi, chip } = makeRig();
  chip.setLink(1, true);
  const macs = [SERVER, ...collidingMacs(SERVER, 4)];
  for (let i = 0; i < 4; i++) arlWriteEntry(spi, macs[i], 0, DATA_VALID | DATA_STATIC | 0);
  chip.ingress(1, { da: CLIENT_B, sa: macs[4] });
  assert.ok(!chip.arlEntries().some((e) => e.mac === macs[4]));
});

test("assumption staticEntryBlocksRelearn=false: a static entry seen on another port moves and turns dynamic", () => {
  const { spi, chip } = makeRig();
  chip.setLink(1, true);
  arlWriteEntry(spi, SERVER, 0, DATA_VALID | DATA_STATIC | 3);
  chip.ingress(3, { da: CLIENT_B, sa: SERVER }); // port 3 link down: nothing received
  chip.setLink(3, true);
  chip.ingress(3, { da: CLIENT_B, sa: SERVER }); // same port: stays static
  assert.deepEqual(chip.arlEntries(), [{ mac: SERVER, vid: 0, port: 3, isStatic: true, age: false }]);
  chip.ingress(1, { da: CLIENT_B, sa: SERVER });
  assert.deepEqual(chip.arlEntries(), [{ mac: SERVER, vid: 0, port: 1, isStatic: false, age: true }]);
});

test("assumption staticEntryBlocksRelearn=true (override): the static entry stays", () => {
  const { spi, chip } = makeRig({ staticEntryBlocksRelearn: true });
  chip.setLink(1, true);
  arlWriteEntry(spi, SERVER, 0, DATA_VALID | DATA_STATIC | 3);
  chip.ingress(1, { da: CLIENT_B, sa: SERVER });
  assert.deepEqual(chip.arlEntries(), [{ mac: SERVER, vid: 0, port: 3, isStatic: true, age: false }]);
});

test("aging: an idle dynamic entry survives one aging time and is gone after two; hits keep it; statics stay", () => {
  const { spi, chip, clock } = makeRig();
  chip.setLink(1, true);
  writeNumber(spi, 0x02, 0x06, 10, 4); // 10 s
  arlWriteEntry(spi, SERVER, 0, DATA_VALID | DATA_STATIC | 1);
  chip.ingress(1, { da: CLIENT_B, sa: CLIENT_A });
  chip.ingress(1, { da: CLIENT_B, sa: 0x02_00_00_00_00_cc });
  clock.advance(10_000); // first sweep: AGE cleared
  const ages = () => chip.arlEntries().sort((a, b) => a.mac - b.mac).map((e) => [e.mac, e.isStatic, e.age]);
  assert.deepEqual(ages(), [[SERVER, true, false], [CLIENT_A, false, false], [0x02_00_00_00_00_cc, false, false]]);
  chip.ingress(1, { da: CLIENT_B, sa: 0x02_00_00_00_00_cc }); // hit: AGE set again
  clock.advance(10_000); // second sweep
  assert.deepEqual(ages(), [[SERVER, true, false], [0x02_00_00_00_00_cc, false, false]]);
  clock.advance(20_000);
  assert.deepEqual(chip.arlEntries().map((e) => e.mac), [SERVER]);
});

test("aging time 0 disables aging; the default is 300 s", () => {
  const { spi, chip, clock } = makeRig();
  chip.setLink(1, true);
  chip.ingress(1, { da: CLIENT_B, sa: CLIENT_A });
  clock.advance(299_000);
  clock.advance(300_000);
  assert.equal(chip.arlEntries().length, 1, "two sweeps of 300 s needed");
  clock.advance(1_000);
  assert.equal(chip.arlEntries().length, 0);
  writeNumber(spi, 0x02, 0x06, 0, 4);
  chip.ingress(1, { da: CLIENT_B, sa: CLIENT_A });
  clock.advance(10_000_000);
  assert.equal(chip.arlEntries().length, 1);
});

test("fast age: dynamic by port, static only with bit0, by VID; START self-clears", () => {
  const { spi, chip, clock } = makeRig();
  for (const port of [1, 2]) chip.setLink(port, true);
  chip.ingress(1, { da: CLIENT_B, sa: 0x02_00_00_00_01_01 });
  chip.ingress(1, { da: CLIENT_B, sa: 0x02_00_00_00_01_02, vid: 7 });
  chip.ingress(2, { da: CLIENT_B, sa: 0x02_00_00_00_02_01 });
  arlWriteEntry(spi, SERVER, 0, DATA_VALID | DATA_STATIC | 1);
  const macs = () => chip.arlEntries().map((e) => e.mac).sort((a, b) => a - b);

  writeNumber(spi, 0x00, 0x89, 1, 1);
  writeNumber(spi, 0x00, 0x88, 0x80 | 0x04 | 0x02, 1); // start | by port | dynamic
  assert.equal(chip.register(0x00, 0x88) & 0x80, 0x80);
  clock.advance(chip.assumptions.arlOperationMs);
  assert.equal(readNumber(spi, 0x00, 0x88, 1) & 0x80, 0);
  assert.deepEqual(macs(), [SERVER, 0x02_00_00_00_02_01].sort((a, b) => a - b));

  chip.ingress(1, { da: CLIENT_B, sa: 0x02_00_00_00_01_02, vid: 7 });
  writeNumber(spi, 0x00, 0x8a, 7, 2);
  writeNumber(spi, 0x00, 0x88, 0x80 | 0x08 | 0x02, 1); // by VLAN 7, dynamic
  assert.ok(!macs().includes(0x02_00_00_00_01_02));
  assert.equal(macs().length, 2);

  writeNumber(spi, 0x00, 0x88, 0x80 | 0x02, 1); // all dynamic
  assert.deepEqual(macs(), [SERVER]);
  writeNumber(spi, 0x00, 0x88, 0x80 | 0x01, 1); // statics too
  assert.deepEqual(macs(), []);
  assert.deepEqual(chip.unmodeledAccesses, []);
});

test("software reset and power cycle empty the ARL", () => {
  const { spi, chip } = makeRig();
  arlWriteEntry(spi, SERVER, 0, DATA_VALID | DATA_STATIC | 1);
  writeNumber(spi, 0x00, 0x79, 0x80, 1);
  assert.equal(chip.arlEntries().length, 0);
  arlWriteEntry(spi, SERVER, 0, DATA_VALID | DATA_STATIC | 1);
  chip.powerCycle();
  assert.equal(chip.arlEntries().length, 0);
  const { spi: spi2, chip: chip2 } = makeRig({ softwareResetClearsArl: false });
  arlWriteEntry(spi2, SERVER, 0, DATA_VALID | DATA_STATIC | 1);
  writeNumber(spi2, 0x00, 0x79, 0x80, 1);
  assert.equal(chip2.arlEntries().length, 1);
});
