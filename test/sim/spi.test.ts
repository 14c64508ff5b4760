import { test } from "node:test";
import assert from "node:assert/strict";
import { VirtualClock } from "../../hosts/sim/clock";
import { SimSPI, type SpiDevice } from "../../hosts/sim/spi";

/** Answers each byte with its bitwise complement and logs select/deselect. */
class EchoDevice implements SpiDevice {
  log: string[] = [];
  received: number[] = [];
  select(): void {
    this.log.push("select");
  }
  exchange(byteIn: number): number {
    this.received.push(byteIn);
    return ~byteIn & 0xff;
  }
  deselect(): void {
    this.log.push("deselect");
  }
}

test("constructor validates hz, mode, format and device like Moddable (RangeError)", () => {
  const device = new EchoDevice();
  assert.throws(() => new SimSPI({ hz: 0, device }), RangeError);
  assert.throws(() => new SimSPI({ hz: 40e6 + 1, device }), RangeError);
  assert.throws(() => new SimSPI({ hz: 1e6, mode: 4, device }), RangeError);
  assert.throws(() => new SimSPI({ hz: 1e6, mode: 1.5, device }), RangeError);
  assert.doesNotThrow(() => new SimSPI({ hz: 1, mode: 0, device }));
  assert.doesNotThrow(() => new SimSPI({ hz: 40e6, mode: 3, device, port: 2, select: 5 }));
});

test("transfer is full duplex and in place for Uint8Array, ArrayBuffer and other views", () => {
  const device = new EchoDevice();
  const spi = new SimSPI({ hz: 1e6, device });
  const bytes = Uint8Array.of(0x00, 0x0f, 0xf0);
  spi.transfer(bytes);
  assert.deepEqual([...bytes], [0xff, 0xf0, 0x0f]);
  const buffer = Uint8Array.of(1, 2).buffer;
  spi.transfer(buffer);
  assert.deepEqual([...new Uint8Array(buffer)], [0xfe, 0xfd]);
  const backing = Uint8Array.of(9, 0x11, 0x22, 9);
  spi.transfer(new DataView(backing.buffer, 1, 2));
  assert.deepEqual([...backing], [9, 0xee, 0xdd, 9]);
  const words = new Uint16Array([0x0102]);
  spi.transfer(words);
  assert.equal(words[0], 0xfefd);
  spi.flush(true);
});

test("write discards input; read(n) returns an ArrayBuffer; read(buffer) fills it", () => {
  const device = new EchoDevice();
  const spi = new SimSPI({ hz: 1e6, device });
  const sent = Uint8Array.of(0x61, 0xff, 0x05);
  spi.write(sent);
  assert.deepEqual([...sent], [0x61, 0xff, 0x05]);
  const result = spi.read(2);
  assert.ok(result instanceof ArrayBuffer);
  assert.deepEqual([...new Uint8Array(result)], [0x00, 0x00]); // MOSI idles at 0xFF, echo inverts
  const into = new Uint8Array(1);
  spi.read(into);
  assert.equal(into[0], 0x00);
  spi.flush(true);
  assert.deepEqual(device.received, [0x61, 0xff, 0x05, 0xff, 0xff, 0xff]);
});

test("chip select: asserted by the first byte, held across calls and flush(), released only by flush(true)", () => {
  const device = new EchoDevice();
  const spi = new SimSPI({ hz: 1e6, device });
  spi.flush(true); // nothing selected: no transaction
  assert.equal(spi.stats.transactions, 0);
  spi.write(Uint8Array.of(1));
  assert.equal(spi.selected, true);
  spi.transfer(new Uint8Array(2));
  spi.flush();
  spi.flush(false);
  spi.transfer(new Uint8Array(0));
  assert.deepEqual(device.log, ["select"]);
  spi.flush(true);
  assert.equal(spi.selected, false);
  assert.deepEqual(device.log, ["select", "deselect"]);
  spi.transfer(new Uint8Array(1));
  spi.flush(true);
  assert.deepEqual(device.log, ["select", "deselect", "select", "deselect"]);
  assert.deepEqual(spi.stats, { transactions: 2, bytes: 4 });
  spi.resetStats();
  assert.deepEqual(spi.stats, { transactions: 0, bytes: 0 });
});

test("each call advances the virtual clock by bytes * 8 / hz", () => {
  const time = new VirtualClock();
  const spi = new SimSPI({ hz: 20e6, device: new EchoDevice(), time });
  spi.transfer(new Uint8Array(5)); // 40 bits at 20 MHz = 2 µs
  spi.flush(true);
  assert.ok(Math.abs(time.now() - 0.002) < 1e-12);
  spi.read(10);
  spi.flush(true);
  assert.ok(Math.abs(time.now() - 0.006) < 1e-12);
});

test("timers due during a transfer fire when the transfer advances the clock", () => {
  const time = new VirtualClock();
  const spi = new SimSPI({ hz: 8000, device: new EchoDevice(), time }); // 1 ms per byte
  let fired = -1;
  time.set(() => (fired = time.now()), 3);
  spi.transfer(new Uint8Array(4));
  assert.equal(fired, 3);
  assert.equal(time.now(), 4);
});

test("after close() every call throws", () => {
  const device = new EchoDevice();
  const spi = new SimSPI({ hz: 1e6, device });
  spi.write(Uint8Array.of(1));
  spi.close();
  assert.deepEqual(device.log, ["select", "deselect"]);
  assert.throws(() => spi.transfer(new Uint8Array(1)), /closed/);
  assert.throws(() => spi.flush(true), /closed/);
});
