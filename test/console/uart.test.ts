// The console on a UART: UartConsole over the simulated ECMA-419 Serial (hosts/sim/serial.ts) at 115200 baud on
// virtual time. Output larger than the 128-byte FIFO arrives complete and in order without ever overfilling the FIFO,
// an output flood shows a visible drop marker, and typed bytes reach the session.
import assert from "node:assert/strict";
import { describe, it } from "node:test";
import { ConsoleSession } from "../../modules/console/session";
import { UartConsole } from "../../modules/console/uart";
import { SimCpu, VirtualClock } from "../../hosts/sim/clock";
import { SimSerial, TX_FIFO_BYTES, type SimSerialOptions } from "../../hosts/sim/serial";
import { FakeInterpreter } from "./session-screen";

const BAUD = 115200;
const MS_PER_BYTE = 10_000 / BAUD;

function text(bytes: Uint8Array): string {
  let out = "";
  for (const byte of bytes) out += String.fromCharCode(byte);
  return out;
}

function board(options: { outputBytes?: number; spillChars?: number } = {}) {
  const clock = new VirtualClock();
  const cpu = new SimCpu(clock, "main");
  let serial: SimSerial | undefined;
  class BoardSerial extends SimSerial {
    constructor(serialOptions: Omit<SimSerialOptions, "clock">) {
      super({ ...serialOptions, clock, cpu });
      serial = this;
    }
  }
  const interpreter = new FakeInterpreter();
  let uart: UartConsole | undefined;
  const session = new ConsoleSession({ interpreter, write: (t) => uart?.write(t), clock });
  uart = new UartConsole({ Serial: BoardSerial, port: 0, receive: 3, transmit: 1, baud: BAUD, session, outputBytes: options.outputBytes, spillChars: options.spillChars });
  const sim = serial!;
  let received = "";
  const arrivals: Array<{ at: number; count: number }> = [];
  sim.host.onData = (bytes) => {
    received += text(bytes);
    arrivals.push({ at: clock.now(), count: bytes.length });
  };
  return { clock, cpu, sim, uart, session, interpreter, received: () => received, arrivals };
}

describe("SimSerial", () => {
  function serial(extra: Partial<SimSerialOptions> = {}) {
    const clock = new VirtualClock();
    const events: string[] = [];
    const port = new SimSerial({
      port: 0,
      receive: 3,
      transmit: 1,
      baud: BAUD,
      clock,
      onWritable: (count) => events.push(`writable ${count}`),
      onReadable: (count) => events.push(`readable ${count}`),
      ...extra,
    });
    return { clock, port, events };
  }

  it("a write that does not fit the 128-byte FIFO throws 'output full' and writes nothing", () => {
    const { port } = serial();
    port.write(new Uint8Array(100));
    assert.throws(() => port.write(new Uint8Array(29)), /output full/);
    assert.equal(port.txPending, 100);
    port.write(new Uint8Array(28));
    assert.equal(port.txPending, TX_FIFO_BYTES);
    assert.equal(port.stats.refusedWrites, 1);
  });

  it("drains at baud/10 bytes per second of virtual time, delivers to the host in order, then says writable", () => {
    const { clock, port, events } = serial();
    let got: number[] = [];
    port.host.onData = (bytes) => (got = got.concat(Array.from(bytes)));
    const data = Uint8Array.from({ length: 128 }, (_, i) => i);
    port.write(data);
    clock.advance(MS_PER_BYTE * 64 + 1e-6);
    assert.equal(port.txPending, 64);
    assert.equal(got.length, 64);
    assert.deepEqual(events, []);
    clock.advance(MS_PER_BYTE * (64 - 16));
    assert.deepEqual(events, ["writable 112"]);
    clock.advance(MS_PER_BYTE * 16);
    assert.deepEqual(got, Array.from(data));
    assert.equal(port.txPending, 0);
  });

  it("host.send arrives at the baud rate through onReadable; read() returns what waits", () => {
    const { clock, port, events } = serial();
    port.host.send("hello");
    assert.equal(port.read(), undefined);
    clock.advance(MS_PER_BYTE * 4);
    assert.deepEqual(events, []);
    clock.advance(MS_PER_BYTE);
    assert.deepEqual(events, ["readable 5"]);
    assert.equal(text(new Uint8Array(port.read() as ArrayBuffer)), "hello");
    assert.equal(port.read(), undefined);
  });

  it("format 'number' reads and writes single bytes", () => {
    const { clock, port } = serial({ format: "number" });
    port.host.send([0x41, 0x42]);
    clock.advance(1);
    assert.equal(port.read(), 0x41);
    assert.equal(port.read(), 0x42);
    assert.equal(port.read(), undefined);
    port.write(0x43);
    assert.equal(port.txPending, 1);
  });

  it("a receive buffer overrun loses bytes and counts them", () => {
    const { clock, port } = serial({ receiveBufferBytes: 16, onReadable: undefined });
    port.host.send(new Uint8Array(40));
    clock.advance(10);
    assert.equal(port.rxAvailable, 16);
    assert.equal(port.stats.overruns, 24);
  });

  it("rejects bad options like the device, and close() stops its timers", () => {
    const clock = new VirtualClock();
    assert.throws(() => new SimSerial({ baud: 0, receive: 3, clock }), RangeError);
    assert.throws(() => new SimSerial({ baud: BAUD, port: 7, receive: 3, clock }), RangeError);
    assert.throws(() => new SimSerial({ baud: BAUD, clock }), RangeError);
    const port = new SimSerial({ baud: BAUD, receive: 3, transmit: 1, clock });
    assert.equal(clock.pendingTimers, 4);
    port.close();
    assert.equal(clock.pendingTimers, 0);
    assert.throws(() => port.read(), /closed/);
  });

  it("callbacks run as the CPU's code: not inside its busy time", () => {
    const clock = new VirtualClock();
    const cpu = new SimCpu(clock);
    const seen: number[] = [];
    const port = new SimSerial({ baud: BAUD, receive: 3, clock, cpu, onReadable: () => seen.push(clock.now()) });
    port.host.send("x");
    cpu.busyFor(5); // the firmware is busy (an SPI transfer) while the byte arrives
    assert.deepEqual(seen, []);
    clock.advance(0);
    assert.deepEqual(seen, [5]);
  });
});

describe("UartConsole over SimSerial at 115200 baud", () => {
  it("typed bytes reach the session; the echo and the prompt come back", () => {
    const { clock, sim, uart, interpreter, received } = board();
    sim.host.send("echo hi\r");
    clock.advance(10);
    assert.deepEqual(interpreter.lines, ["echo hi"]);
    assert.equal(received(), "echo hi\r\nhi\r\nonemac# ");
    assert.equal(uart.bytesIn, 8);
    assert.equal(uart.bytesOut, received().length);
  });

  it("output larger than the FIFO arrives complete and in order, never more than 128 bytes in the FIFO", () => {
    const { clock, sim, uart, session, interpreter, received, arrivals } = board();
    let expected = "";
    for (let i = 0; i < 300; i++) expected += `line ${String(i).padStart(4, "0")}\n`; // 3000 bytes
    interpreter.execute = (_line, io) => io.write(expected);
    session.start();
    clock.advance(100);
    const start = received().length;
    sim.host.send("big\r");
    clock.advance(1000);
    const wire = expected.replace(/\n/g, "\r\n");
    assert.equal(received().slice(start), "big\r\n" + wire + "onemac# ");
    assert.ok(sim.stats.maxTxPending <= TX_FIFO_BYTES, `FIFO held ${sim.stats.maxTxPending}`);
    assert.equal(sim.stats.refusedWrites, 0);
    assert.equal(uart.dropped, 0);
    // the wire is kept busy: 3300 bytes at 11520 bytes/s take about 287 ms, not much more
    const last = arrivals[arrivals.length - 1].at;
    assert.ok(last < 100 + (wire.length + 40) * MS_PER_BYTE * 1.15, `finished at ${last} ms`);
  });

  it("output far beyond the ring waits in the queue behind it and arrives whole and in order", () => {
    const { clock, sim, uart, session, interpreter, received } = board({ outputBytes: 1024 });
    let flood = "";
    for (let i = 0; i < 500; i++) flood += `row ${String(i).padStart(4, "0")}\n`; // 4500 bytes, 5000 on the wire
    interpreter.execute = (_line, io) => io.write(flood);
    session.start();
    clock.advance(100);
    const start = received().length;
    sim.host.send("flood\r");
    clock.advance(2000);
    assert.equal(received().slice(start), "flood\r\n" + flood.replace(/\n/g, "\r\n") + "onemac# ");
    assert.equal(uart.dropped, 0);
    assert.equal(uart.pending, 0);
    assert.ok(sim.stats.maxTxPending <= TX_FIFO_BYTES);
    assert.equal(sim.stats.refusedWrites, 0);
  });

  it("beyond the ring and the queue, output is dropped from that point on, says so in place, and what follows arrives", () => {
    const { clock, sim, uart, session, interpreter, received } = board({ outputBytes: 1024, spillChars: 2000 });
    let flood = "";
    for (let i = 0; i < 500; i++) flood += `row ${String(i).padStart(4, "0")}\n`; // 5000 bytes on the wire, one write
    interpreter.execute = (_line, io) => {
      io.write(flood.slice(0, 1500)); // rows 0..166 and a piece of row 166
      io.write(flood.slice(1500)); // does not fit what is left of the queue: dropped whole
    };
    session.start();
    clock.advance(100);
    const start = received().length;
    sim.host.send("flood\r");
    clock.advance(2000);
    const got = received().slice(start);
    const match = /\r\n\[console: (\d+) bytes of output dropped\]\r\n/.exec(got);
    assert.ok(match, got.slice(-300));
    const dropped = Number(match[1]);
    assert.equal(uart.dropped, dropped);
    // what came before the marker is the start of the output, intact and in order; the prompt follows the marker
    const before = got.slice(0, match.index);
    assert.ok(("flood\r\n" + flood.replace(/\n/g, "\r\n")).startsWith(before), before.slice(-80));
    assert.ok(before.length >= 1500, `${before.length} bytes kept`);
    assert.ok(got.slice(match.index + match[0].length).endsWith("onemac# "), got.slice(-120));
    assert.ok(sim.stats.maxTxPending <= TX_FIFO_BYTES);
    assert.equal(sim.stats.refusedWrites, 0);
  });

  it("sends ASCII: any other character goes out as '?'", () => {
    const { clock, uart, received } = board();
    uart.write("caf\u00e9 \u2192 ok");
    clock.advance(10);
    assert.equal(received(), "caf? ? ok");
  });

  it("a Serial whose FIFO is not empty at open: the refused write waits for onWritable", () => {
    const clock = new VirtualClock();
    let sim: SimSerial | undefined;
    class BusySerial extends SimSerial {
      constructor(options: Omit<SimSerialOptions, "clock">) {
        super({ ...options, clock });
        sim = this;
        this.write(new Uint8Array(120)); // someone else's bytes already in the FIFO
      }
    }
    let received = "";
    const uart = new UartConsole({ Serial: BusySerial, receive: 3, transmit: 1, baud: BAUD });
    sim!.host.onData = (bytes) => (received += text(bytes));
    uart.write("x".repeat(50));
    assert.equal(uart.pending, 42); // the 8 bytes of room left went out a byte at a time
    clock.advance(100);
    assert.equal(received.slice(120), "x".repeat(50));
    assert.equal(uart.pending, 0);
  });

  it("a port that refuses part way (its FIFO smaller than reported): nothing is lost or sent twice", () => {
    let accepted = "";
    let space = 3;
    let onWritable: ((count: number) => void) | undefined;
    class SmallFifo {
      constructor(options: { onWritable: (count: number) => void }) {
        onWritable = options.onWritable;
      }
      read(): undefined {
        return undefined;
      }
      write(data: Uint8Array): void {
        if (data.length > space) throw new Error("output full");
        space -= data.length;
        accepted += text(data);
      }
      close(): void {}
    }
    const uart = new UartConsole({ Serial: SmallFifo, receive: 3, transmit: 1 });
    const message = "abcdef" + "0123456789".repeat(5);
    uart.write(message.slice(0, 6)); // small pieces: a byte at a time
    uart.write(message.slice(6)); // a longer piece: one write of a view
    for (let i = 0; i < 100 && uart.pending > 0; i++) {
      space = 7;
      onWritable!(128);
    }
    assert.equal(accepted, message);
    assert.equal(uart.bytesOut, message.length);
  });

  it("close() closes the port and later writes do nothing", () => {
    const { clock, uart, sim } = board();
    uart.close();
    assert.ok(uart.closed);
    assert.equal(clock.pendingTimers, 0);
    uart.write("after close");
    assert.equal(sim.stats.written, 0);
  });

  it("the console's own idle costs nothing: no timers besides the port's parked ones", () => {
    const { clock, session } = board();
    session.start();
    clock.advance(100);
    assert.equal(clock.pendingTimers, 4);
    assert.equal(clock.nextDueTime(), undefined);
  });
});
