import { test } from "node:test";
import assert from "node:assert/strict";
import { SimCpu, VirtualClock } from "../../hosts/sim/clock";
import Timer, { useClock } from "../../hosts/sim/timer";

test("now() starts at startMs and advance moves it, fractions included", () => {
  const clock = new VirtualClock({ startMs: 5 });
  assert.equal(clock.now(), 5);
  clock.advance(0.0004);
  assert.equal(clock.now(), 5.0004);
  assert.throws(() => clock.advance(-1), RangeError);
  assert.throws(() => clock.advance(Number.NaN), RangeError);
  assert.throws(() => new VirtualClock({ maxCallbacksPerAdvance: 0 }), RangeError);
});

test("callbacks run in time order, ties in scheduling order, each at its due time", () => {
  const clock = new VirtualClock();
  const log: string[] = [];
  clock.set(() => log.push(`c@${clock.now()}`), 30);
  clock.set(() => log.push(`a@${clock.now()}`), 10);
  clock.set(() => log.push(`b1@${clock.now()}`), 20);
  clock.set(() => log.push(`b2@${clock.now()}`), 20);
  assert.equal(clock.advance(25), 3);
  assert.deepEqual(log, ["a@10", "b1@20", "b2@20"]);
  assert.equal(clock.now(), 25);
  clock.advance(5);
  assert.deepEqual(log.at(-1), "c@30");
  assert.equal(clock.pendingTimers, 0);
});

test("repeat fires every interval; clear stops it; one-shots are removed after firing", () => {
  const clock = new VirtualClock();
  let ticks = 0;
  const handle = clock.repeat(() => ticks++, 10);
  clock.advance(35);
  assert.equal(ticks, 3);
  assert.equal(clock.nextDueTime(), 40);
  clock.clear(handle);
  clock.advance(100);
  assert.equal(ticks, 3);
  assert.equal(clock.nextDueTime(), undefined);
  clock.clear(handle); // clearing twice is harmless
  clock.clear(undefined);
});

test("a callback may clear another timer due at the same time", () => {
  const clock = new VirtualClock();
  const log: string[] = [];
  const second = clock.set(() => log.push("second"), 10);
  clock.set(() => {
    log.push("first");
    clock.clear(second);
  }, 5);
  clock.advance(20);
  assert.deepEqual(log, ["first"]);
});

test("callbacks may advance the clock themselves (an SPI transfer inside a poll); time never goes back", () => {
  const clock = new VirtualClock();
  const seen: number[] = [];
  clock.repeat(() => {
    seen.push(clock.now());
    clock.advance(3); // e.g. SPI bytes on the wire
  }, 10);
  clock.advance(30);
  assert.deepEqual(seen, [10, 20, 30]); // periods count from each due time, not from the end of the callback
  assert.equal(clock.now(), 33);
});

test("a timer re-arming itself with no delay cannot hang advance()", () => {
  const clock = new VirtualClock({ maxCallbacksPerAdvance: 50 });
  let runs = 0;
  clock.repeat(() => runs++, 0);
  assert.throws(() => clock.advance(1), /callbacks/);
  assert.equal(runs, 50);
});

test("schedule() reschedules and suspends", () => {
  const clock = new VirtualClock();
  let runs = 0;
  const handle = clock.set(() => runs++, 10);
  clock.schedule(handle); // suspended
  clock.advance(50);
  assert.equal(runs, 0);
  clock.schedule(handle, 5, 5);
  clock.advance(12);
  assert.equal(runs, 2);
});

test("advanceTo jumps to an absolute time", () => {
  const clock = new VirtualClock();
  let ran = false;
  clock.set(() => (ran = true), 100);
  assert.equal(clock.advanceTo(100), 1);
  assert.ok(ran);
  assert.equal(clock.advanceTo(50), 0);
  assert.equal(clock.now(), 100);
});

test("the Moddable-shaped timer module delegates to the installed clock", () => {
  assert.throws(() => Timer.set(() => {}, 1), /no simulated clock/);
  const clock = new VirtualClock();
  const previous = useClock(clock);
  try {
    const log: string[] = [];
    const once = Timer.set((timer) => {
      log.push(`once@${clock.now()}`);
      assert.equal(timer, once);
    }, 5);
    const every = Timer.repeat(() => log.push(`every@${clock.now()}`), 4);
    clock.advance(9);
    assert.deepEqual(log, ["every@4", "once@5", "every@8"]);
    Timer.clear(every);
    clock.advance(10);
    assert.equal(log.length, 3);
    const later = Timer.set(() => log.push(`later@${clock.now()}`), 100, 1);
    Timer.schedule(later, 2, 3);
    clock.advance(6);
    assert.deepEqual(log.slice(3), ["later@21", "later@24"]);
    Timer.schedule(later); // suspend
    clock.advance(10);
    assert.equal(log.length, 5);
    // Timer.delay blocks the CPU, as on the ESP32: time passes, but the CPU's own timers wait until it returns.
    Timer.schedule(later, 1);
    Timer.delay(5);
    assert.equal(log.length, 5, "no timer ran inside Timer.delay");
    clock.advance(0);
    assert.deepEqual(log.slice(5), ["later@40"], "it runs, late, once the CPU is free");
    Timer.clear(later);
    Timer.clear(undefined);
    assert.equal(clock.pendingTimers, 0);
  } finally {
    useClock(previous);
  }
});

test("a SimCpu's timers never run inside its own code or SPI transfers; hardware timers and other CPUs do", () => {
  const clock = new VirtualClock();
  const cpuA = new SimCpu(clock, "a");
  const cpuB = new SimCpu(clock, "b");
  const log: string[] = [];
  cpuA.repeat(() => {
    log.push(`a-start@${clock.now()}`);
    cpuA.busyFor(3); // a long SPI sequence: time passes inside A's callback
    log.push(`a-end@${clock.now()}`);
  }, 2);
  cpuB.repeat(() => log.push(`b@${clock.now()}`), 3);
  clock.set(() => log.push(`hw@${clock.now()}`), 4);
  clock.advance(5);
  // A's second firing (due at 4) waits until its first returns at 5; B and the hardware timer run inside A's busy time.
  assert.deepEqual(log, ["a-start@2", "b@3", "hw@4", "a-end@5", "a-start@5", "b@6", "a-end@8"]);
});
