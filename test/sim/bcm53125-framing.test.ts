// Byte-for-byte SPI framing of the BCM53125 model (shared/facts/switch-chips.md §1.1) and its plain registers (§1.2).
import { test } from "node:test";
import assert from "node:assert/strict";
import { makeRig, readNumber, readRegister, transaction, writeNumber, writeRegister } from "./rig";

test("page select: 0x61 0xFF page, answered with zeros, reachable from every page", () => {
  const { spi, chip } = makeRig();
  assert.deepEqual(transaction(spi, [0x61, 0xff, 0x05]), [0x00, 0x00, 0x00]);
  assert.equal(chip.currentPage, 0x05);
  assert.deepEqual(transaction(spi, [0x61, 0xff, 0x32]), [0x00, 0x00, 0x00]);
  assert.equal(chip.currentPage, 0x32);
  assert.deepEqual(chip.unmodeledAccesses, []);
});

test("8-bit read: dummy read, status shows RACK, data read returns the byte and clears RACK", () => {
  const { spi, chip } = makeRig();
  assert.deepEqual(transaction(spi, [0x60, 0xfe, 0x00]), [0x00, 0x00, 0x00]); // idle: SPIF 0, RACK 0
  assert.deepEqual(transaction(spi, [0x61, 0xff, 0x00]), [0x00, 0x00, 0x00]);
  assert.deepEqual(transaction(spi, [0x60, 0x0b, 0x00]), [0x00, 0x00, 0x00]); // dummy read of switch mode
  assert.deepEqual(transaction(spi, [0x60, 0xfe, 0x00, 0x00]), [0x00, 0x00, 0x20, 0x20]); // RACK on every byte
  assert.deepEqual(transaction(spi, [0x60, 0xf0, 0x00]), [0x00, 0x00, 0x02]); // reset value: forwarding on
  assert.deepEqual(transaction(spi, [0x60, 0xfe, 0x00]), [0x00, 0x00, 0x00]); // RACK cleared
  assert.deepEqual(chip.unmodeledAccesses, []);
});

test("8-bit write then read back", () => {
  const { spi } = makeRig();
  transaction(spi, [0x61, 0xff, 0x00]);
  assert.deepEqual(transaction(spi, [0x61, 0x0b, 0x03]), [0x00, 0x00, 0x00]);
  transaction(spi, [0x60, 0x0b, 0x00]);
  assert.deepEqual(transaction(spi, [0x60, 0xf0, 0x00]), [0x00, 0x00, 0x03]);
});

test("16-bit write is little-endian on the wire", () => {
  const { spi, chip } = makeRig();
  transaction(spi, [0x61, 0xff, 0x00]);
  transaction(spi, [0x61, 0x3c, 0x34, 0x12]); // learning disable = 0x1234
  assert.equal(chip.register(0x00, 0x3c), 0x1234);
  transaction(spi, [0x60, 0x3c, 0x00]);
  assert.deepEqual(transaction(spi, [0x60, 0xf0, 0x00, 0x00]), [0x00, 0x00, 0x34, 0x12]);
});

test("32-bit read: device ID 0x00053125, and bytes from 0xF2 on start at latch byte 2", () => {
  const { spi, chip } = makeRig();
  transaction(spi, [0x61, 0xff, 0x02]);
  transaction(spi, [0x60, 0x30, 0x00]);
  assert.deepEqual(transaction(spi, [0x60, 0xf0, 0, 0, 0, 0]), [0x00, 0x00, 0x25, 0x31, 0x05, 0x00]);
  transaction(spi, [0x60, 0x30, 0x00]);
  assert.deepEqual(transaction(spi, [0x60, 0xf2, 0, 0]), [0x00, 0x00, 0x05, 0x00]);
  assert.deepEqual(chip.unmodeledAccesses, []);
});

test("48-bit write and read: ARL MAC index holds MAC[0] in the most significant byte", () => {
  const { spi, chip } = makeRig();
  transaction(spi, [0x61, 0xff, 0x05]);
  transaction(spi, [0x61, 0x02, 0x66, 0x55, 0x44, 0x33, 0x22, 0x11]); // MAC 11:22:33:44:55:66
  assert.equal(chip.register(0x05, 0x02), 0x112233445566);
  transaction(spi, [0x60, 0x02, 0x00]);
  assert.deepEqual(transaction(spi, [0x60, 0xf0, 0, 0, 0, 0, 0, 0]), [0, 0, 0x66, 0x55, 0x44, 0x33, 0x22, 0x11]);
  assert.deepEqual(chip.unmodeledAccesses, []);
});

test("64-bit write and read: ARL MAC/VID entry 1 (0x20); bytes past the 8 latched read 0x00", () => {
  const { spi, chip } = makeRig();
  transaction(spi, [0x61, 0xff, 0x05]);
  const value = [0x01, 0x02, 0x03, 0x04, 0x05, 0x06, 0x07, 0x08];
  transaction(spi, [0x61, 0x20, ...value]);
  transaction(spi, [0x60, 0x20, 0x00]);
  assert.deepEqual(transaction(spi, [0x60, 0xf0, ...new Array(10).fill(0)]), [0, 0, ...value, 0x00, 0x00]);
  assert.deepEqual([...chip.registerBytes(0x05, 0x20)], value);
  assert.deepEqual(chip.unmodeledAccesses, []);
});

test("a dummy read latches only the register's width; the rest of the data buffer reads 0x00", () => {
  const { spi } = makeRig();
  transaction(spi, [0x61, 0xff, 0x00]);
  transaction(spi, [0x61, 0x3c, 0xff, 0xff]);
  transaction(spi, [0x60, 0x3b, 0x00]); // unmodeled offset: 8 bytes of the page, 0x3C..0x3D included
  assert.deepEqual(transaction(spi, [0x60, 0xf0, 0, 0, 0, 0]).slice(2), [0x00, 0xff, 0xff, 0x00]);
  transaction(spi, [0x60, 0x0b, 0x00]); // 8-bit switch mode
  assert.deepEqual(transaction(spi, [0x60, 0xf0, 0, 0, 0, 0, 0, 0, 0, 0]).slice(2), [0x02, 0, 0, 0, 0, 0, 0, 0]);
});

test("the page register can be read back through a dummy read", () => {
  const { spi } = makeRig();
  transaction(spi, [0x61, 0xff, 0x32]);
  transaction(spi, [0x60, 0xff, 0x00]);
  assert.deepEqual(transaction(spi, [0x60, 0xf0, 0x00]), [0x00, 0x00, 0x32]);
});

test("the rig's Linux-style sequences read and write 8/16/32/48/64-bit registers", () => {
  const { spi, chip } = makeRig();
  assert.equal(readNumber(spi, 0x02, 0x30, 4), 0x00053125);
  assert.equal(readNumber(spi, 0x02, 0x06, 4), 300); // aging time default
  writeNumber(spi, 0x32, 0x00, 0x0a, 1);
  assert.equal(readNumber(spi, 0x32, 0x00, 1), 0x0a);
  writeNumber(spi, 0x32, 0x12, 0x0018, 2);
  assert.equal(readNumber(spi, 0x32, 0x12, 2), 0x0018);
  writeNumber(spi, 0x05, 0x02, 0x0a0b0c0d0e0f, 6);
  assert.equal(readNumber(spi, 0x05, 0x02, 6), 0x0a0b0c0d0e0f);
  writeRegister(spi, 0x05, 0x40, 0x0fff_0102_0304_0506n, 8);
  assert.equal(readRegister(spi, 0x05, 0x40, 8), 0x0fff_0102_0304_0506n);
  assert.deepEqual(chip.unmodeledAccesses, []);
});

test("unmodeled accesses are recorded by page, offset and kind", () => {
  const { spi, chip } = makeRig();
  transaction(spi, [0x61, 0xff, 0x00]);
  transaction(spi, [0x60, 0x06, 0x00]); // port 6 control: not modeled
  transaction(spi, [0x61, 0x32, 0xff, 0x01]); // UC flood mask: not modeled
  transaction(spi, [0x61, 0x3c, 0x01]); // 1 byte into a 16-bit register
  transaction(spi, [0x61, 0xfe, 0x00]); // writing SPI status
  transaction(spi, [0x70, 0x0b, 0x00]); // "fast" command flag (facts §1.1 UNCERTAIN)
  transaction(spi, [0x61, 0xff, 0x01]);
  transaction(spi, [0x61, 0x00, 0xff, 0xff]); // link summary is read-only
  assert.deepEqual(chip.unmodeledAccesses, [
    { page: 0x00, offset: 0x06, kind: "read" },
    { page: 0x00, offset: 0x32, kind: "write" },
    { page: 0x00, offset: 0x3c, kind: "width-mismatch" },
    { page: 0x00, offset: 0xfe, kind: "write" },
    { page: 0x00, offset: 0x70, kind: "command" },
    { page: 0x01, offset: 0x00, kind: "read-only-write" },
  ]);
  assert.equal(chip.register(0x01, 0x00), 0);
  assert.equal(chip.register(0x00, 0x32, 2), 0x01ff); // unmodeled writes are still stored
});

test("link summary, latched link change (clear on read), speed and duplex summaries follow setLink", () => {
  const { spi, chip } = makeRig();
  chip.setLink(0, true, 1000, true);
  chip.setLink(3, true, 100, false);
  chip.setLink(8, true, 10, true);
  assert.equal(readNumber(spi, 0x01, 0x00, 2), 0b1_0000_1001);
  assert.equal(readNumber(spi, 0x01, 0x04, 4), (2 << 0) | (1 << 6) | (0 << 16));
  assert.equal(readNumber(spi, 0x01, 0x08, 2), 0b1_0000_0001);
  assert.equal(readNumber(spi, 0x01, 0x02, 2), 0b1_0000_1001);
  assert.equal(readNumber(spi, 0x01, 0x02, 2), 0, "cleared by the read");
  chip.setLink(3, false);
  chip.setLink(3, true);
  chip.setLink(0, true); // no change
  assert.equal(readNumber(spi, 0x01, 0x02, 2), 0b1000);
  assert.equal(readNumber(spi, 0x01, 0x00, 2), 0b1_0000_1001);
  assert.throws(() => chip.setLink(6, true), RangeError);
  assert.throws(() => chip.setLink(0, true, 25 as 10), RangeError);
  assert.deepEqual(chip.unmodeledAccesses, []);
});

test("software reset restores power-on values but keeps the SPI page; power cycle resets everything", () => {
  const { spi, chip } = makeRig();
  writeNumber(spi, 0x00, 0x0b, 0x03, 1);
  writeNumber(spi, 0x00, 0x3c, 0x1f, 2);
  writeNumber(spi, 0x02, 0x06, 30, 4);
  writeNumber(spi, 0x32, 0x00, 0x0a, 1);
  chip.setLink(1, true);
  writeNumber(spi, 0x00, 0x79, 0x80 | 0x40 | 0x10, 1); // SW_RST | EN_CH_RST | EN_SW_RST
  assert.equal(chip.currentPage, 0x00);
  assert.equal(readNumber(spi, 0x00, 0x79, 1), 0);
  assert.equal(readNumber(spi, 0x00, 0x0b, 1), 0x02);
  assert.equal(readNumber(spi, 0x00, 0x3c, 2), 0);
  assert.equal(readNumber(spi, 0x02, 0x06, 4), 300);
  assert.equal(readNumber(spi, 0x32, 0x00, 1), 0);
  assert.equal(readNumber(spi, 0x01, 0x00, 2), 0b10, "cables stay plugged");
  transaction(spi, [0x61, 0xff, 0x05]);
  chip.powerCycle();
  assert.equal(chip.currentPage, 0x00);
  assert.deepEqual(chip.unmodeledAccesses, []);
});

test("SPIF and RACK timing follow the named assumptions (overridable)", () => {
  const { spi, clock, chip } = makeRig({ rackDelayMs: 0.01, spifBusyMs: 0.005 });
  assert.equal(chip.assumptions.rackDelayMs, 0.01);
  transaction(spi, [0x61, 0xff, 0x02]); // write: SPIF busy for 5 µs
  assert.deepEqual(transaction(spi, [0x60, 0xfe, 0x00]), [0x00, 0x00, 0x80]);
  clock.advance(0.005);
  assert.deepEqual(transaction(spi, [0x60, 0xfe, 0x00]), [0x00, 0x00, 0x00]);
  clock.advance(0.005);
  transaction(spi, [0x60, 0x30, 0x00]);
  assert.equal(transaction(spi, [0x60, 0xfe, 0x00])[2] & 0x20, 0, "RACK not yet");
  clock.advance(0.01);
  assert.equal(transaction(spi, [0x60, 0xfe, 0x00])[2], 0x20);
  assert.deepEqual(transaction(spi, [0x60, 0xf0, 0, 0, 0, 0]).slice(2), [0x25, 0x31, 0x05, 0x00]);
});

test("a 5-transaction register read costs 5 SPI transactions and their wire time", () => {
  const { spi, clock } = makeRig();
  spi.resetStats();
  readNumber(spi, 0x02, 0x30, 4);
  // status poll (3), page (3), dummy read (3), RACK poll (3), data (2 + 4): facts §6 item 4
  assert.deepEqual(spi.stats, { transactions: 5, bytes: 18 });
  assert.ok(Math.abs(clock.now() - (18 * 8) / 20e6 * 1000) < 1e-12);
});
