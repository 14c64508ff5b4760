// Fault injection on the BCM53125 model: what a driver must survive (shared/design.md: nothing hangs).
import { test } from "node:test";
import assert from "node:assert/strict";
import { DATA_STATIC, DATA_VALID, arlReadBucket, arlWriteEntry, makeRig, readNumber, transaction, writeNumber } from "./rig";

test("dead bus all-0x00: every byte reads 0x00 and the chip sees nothing", () => {
  const { spi, chip } = makeRig();
  chip.faults.deadBus = "all-zeros";
  assert.deepEqual(transaction(spi, [0x61, 0xff, 0x02]), [0, 0, 0]);
  assert.equal(chip.currentPage, 0, "page write lost");
  assert.deepEqual(transaction(spi, [0x60, 0x30, 0x00]), [0, 0, 0]);
  assert.deepEqual(transaction(spi, [0x60, 0xfe, 0x00]), [0, 0, 0], "RACK never rises");
  assert.deepEqual(transaction(spi, [0x60, 0xf0, 0, 0, 0, 0]), [0, 0, 0, 0, 0, 0]);
  assert.throws(() => readNumber(spi, 0x02, 0x30, 4), /RACK/);
});

test("dead bus all-0xFF: every byte reads 0xFF (SPIF looks stuck busy)", () => {
  const { spi, chip } = makeRig();
  chip.faults.deadBus = "all-ones";
  assert.deepEqual(transaction(spi, [0x60, 0xfe, 0x00, 0x00]), [0xff, 0xff, 0xff, 0xff]);
  transaction(spi, [0x61, 0x0b, 0x00]);
  chip.faults.deadBus = "none";
  assert.equal(chip.register(0x00, 0x0b), 0x02, "the write never reached the chip");
  assert.equal(readNumber(spi, 0x00, 0x0b, 1), 0x02);
});

test("SPIF stuck busy: status bit7 always set; polls time out", () => {
  const { spi, chip } = makeRig();
  chip.faults.spifStuckBusy = true;
  assert.deepEqual(transaction(spi, [0x60, 0xfe, 0x00, 0x00]), [0x00, 0x00, 0x80, 0x80]);
  assert.throws(() => readNumber(spi, 0x02, 0x30, 4), /SPIF/);
  chip.faults.spifStuckBusy = false;
  assert.equal(readNumber(spi, 0x02, 0x30, 4), 0x00053125);
});

test("RACK never set: a dummy read latches nothing and RACK stays 0", () => {
  const { spi, chip } = makeRig();
  assert.equal(readNumber(spi, 0x00, 0x0b, 1), 0x02); // latch now holds switch mode
  chip.faults.rackNeverSet = true;
  transaction(spi, [0x61, 0xff, 0x02]);
  transaction(spi, [0x60, 0x30, 0x00]);
  assert.deepEqual(transaction(spi, [0x60, 0xfe, 0x00]), [0, 0, 0x00]);
  assert.deepEqual(transaction(spi, [0x60, 0xf0, 0, 0, 0, 0]).slice(2), [0x02, 0, 0, 0], "stale latch, not the ID");
  assert.throws(() => readNumber(spi, 0x02, 0x30, 4), /RACK/);
});

test("a different device ID answers at 0x02/0x30", () => {
  const { spi, chip } = makeRig();
  chip.faults.deviceId = 0x00053128;
  assert.equal(readNumber(spi, 0x02, 0x30, 4), 0x00053128);
  assert.equal(readNumber(spi, 0x02, 0x30, 1), 0x28, "Linux's 8-bit probe read sees the low byte");
  chip.faults.deviceId = undefined;
  assert.equal(readNumber(spi, 0x02, 0x30, 4), 0x00053125);
});

test("ARL START stuck: RW control bit7 never clears and the operation never runs; search never ends", () => {
  const { spi, chip, clock } = makeRig();
  chip.faults.arlStartStuck = true;
  assert.throws(() => arlWriteEntry(spi, 0x02_00_00_00_00_10, 0, DATA_VALID | DATA_STATIC | 1), /START/);
  clock.advance(1000);
  assert.equal(readNumber(spi, 0x05, 0x00, 1) & 0x80, 0x80);
  assert.deepEqual(chip.arlEntries(), []);
  writeNumber(spi, 0x05, 0x50, 0x80, 1);
  clock.advance(1000);
  assert.equal(readNumber(spi, 0x05, 0x50, 1), 0x80, "START without VALID, forever");
  chip.faults.arlStartStuck = false;
  assert.equal(arlWriteEntry(spi, 0x02_00_00_00_00_10, 0, DATA_VALID | DATA_STATIC | 1), 0);
  assert.equal(arlReadBucket(spi, 0x02_00_00_00_00_10, 0)[0].data, DATA_VALID | DATA_STATIC | 1);
});

test("faults survive a power cycle; clearFaults() removes them all", () => {
  const { spi, chip } = makeRig();
  chip.faults.deadBus = "all-ones";
  chip.faults.spifStuckBusy = true;
  chip.faults.rackNeverSet = true;
  chip.faults.deviceId = 1;
  chip.faults.arlStartStuck = true;
  chip.faults.cfpStartStuck = true;
  chip.powerCycle();
  assert.deepEqual(transaction(spi, [0x60, 0xfe, 0x00]), [0xff, 0xff, 0xff]);
  chip.clearFaults();
  assert.deepEqual(chip.faults, { deadBus: "none", spifStuckBusy: false, rackNeverSet: false, deviceId: undefined, arlStartStuck: false, cfpStartStuck: false });
  assert.equal(readNumber(spi, 0x02, 0x30, 4), 0x00053125);
});
