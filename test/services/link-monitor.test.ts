// The link monitor over the real driver and the chip model: loss at the first poll, debounced returns, flap damping
// with automatic recovery, and settings that change nothing when invalid.
import { test } from "node:test";
import assert from "node:assert/strict";
import { OnemacError } from "../../modules/errors";
import { Bcm53125Model } from "../../hosts/sim/bcm53125";
import { VirtualClock } from "../../hosts/sim/clock";
import { SimSPI } from "../../hosts/sim/spi";
import { Firmware } from "../../modules/firmware";
import { makeBoard, SPI_HZ } from "./rig";

test("a link loss is reported at the first poll that sees it (within one 10 ms interval)", () => {
  const { clock, model, firmware } = makeBoard();
  const events: Array<[number, boolean, number]> = [];
  firmware.links.addListener((port, up) => events.push([port, up, clock.now()]));
  assert.equal(firmware.links.settings.pollIntervalMs, 10);
  assert.equal(firmware.links.usableMask, 0b11111);
  clock.advance(3.3);
  const pulledAt = clock.now();
  model.setLink(2, false);
  clock.advance(20);
  assert.equal(events.length, 1);
  const [port, up, at] = events[0];
  assert.deepEqual([port, up], [2, false]);
  assert.ok(at - pulledAt <= 10 + 0.1, `reported ${at - pulledAt} ms after the pull`);
  assert.equal(firmware.links.isUsable(2), false);
  assert.equal(firmware.links.show().ports[2].state, "down");
});

test("a returning link becomes usable only after the debounce time of continuous link", () => {
  const { clock, model, firmware } = makeBoard({ firmware: { links: { upDebounceMs: 50 } } });
  const events: Array<[number, boolean]> = [];
  firmware.links.addListener((port, up) => events.push([port, up]));
  model.setLink(1, false);
  clock.advance(30);
  model.setLink(1, true);
  clock.advance(30);
  assert.equal(firmware.links.stateOf(1), "debouncing");
  model.setLink(1, false); // bounces during the debounce: never became usable
  clock.advance(15);
  model.setLink(1, true);
  clock.advance(40);
  assert.equal(firmware.links.isUsable(1), false);
  clock.advance(30);
  assert.equal(firmware.links.isUsable(1), true);
  assert.deepEqual(events, [[1, false], [1, true]]);
});

test("flap damping: 5 losses within 10 s hold the port out; automatic recovery after the recovery time", () => {
  const { clock, model, firmware, log } = makeBoard({ firmware: { links: { upDebounceMs: 0, recoveryMs: 2000 } } });
  assert.deepEqual(
    { flapLimit: firmware.links.settings.flapLimit, flapWindowMs: firmware.links.settings.flapWindowMs },
    { flapLimit: 5, flapWindowMs: 10_000 },
  );
  const events: Array<[number, boolean]> = [];
  firmware.links.addListener((port, up) => events.push([port, up]));
  for (let i = 0; i < 5; i++) {
    model.setLink(3, false);
    clock.advance(100);
    model.setLink(3, true);
    clock.advance(100);
  }
  assert.equal(firmware.links.stateOf(3), "err-disabled");
  assert.equal(firmware.links.isUsable(3), false);
  assert.ok(log.some((line) => /port 3: err-disabled \(link-flap: 5 link losses within 10 s\)/.test(line)), log.join("\n"));
  const held = firmware.links.show().ports.find((p) => p.port === 3)!;
  assert.equal(held.link, true);
  assert.ok(held.recoveryInMs! > 0 && held.recoveryInMs! <= 2000);
  clock.advance(1500);
  assert.equal(firmware.links.isUsable(3), false, "held out although its link is up");
  clock.advance(600);
  assert.equal(firmware.links.stateOf(3), "up");
  assert.equal(firmware.links.isUsable(3), true);
  // 4 up/down pairs were usable changes; the 5th loss held the port; recovery made it usable once more
  assert.deepEqual(events.filter(([, up]) => up).length, 5);
  assert.deepEqual(events.at(-1), [3, true]);
});

test("recover(port) ends a flap hold by command", () => {
  const { clock, model, firmware } = makeBoard({ firmware: { links: { upDebounceMs: 0, flapLimit: 2 } } });
  for (let i = 0; i < 2; i++) {
    model.setLink(0, false);
    clock.advance(20);
    model.setLink(0, true);
    clock.advance(20);
  }
  assert.equal(firmware.links.stateOf(0), "err-disabled");
  assert.equal(firmware.links.recover(0), true);
  assert.equal(firmware.links.isUsable(0), true);
  assert.equal(firmware.links.recover(0), false);
});

test("invalid settings are rejected and change nothing; a new poll interval takes effect", () => {
  // No chip check in this window: it would share the CPU with the polls being counted.
  const { clock, firmware, spi } = makeBoard({ firmware: { chipCheckIntervalMs: 60000 } });
  const before = firmware.links.show().settings;
  for (const bad of [{ pollIntervalMs: 0 }, { flapLimit: 2.5 }, { recoveryMs: -1 }, { upDebounceMs: Number.NaN }, { bogus: 1 } as object])
    assert.throws(() => firmware.links.configure(bad), (e) => e instanceof OnemacError && e.code === "invalid-argument");
  assert.deepEqual(firmware.links.show().settings, before);
  firmware.links.configure({ pollIntervalMs: 50 });
  firmware.moves.stop();
  const polls = firmware.links.polls;
  clock.advance(500);
  assert.equal(firmware.links.polls - polls, 10);
  assert.ok(spi.stats.transactions > 0);
});

test("without a scheduler the services run from pollLinks() (main.ts's Timer)", () => {
  const clock = new VirtualClock();
  const model = new Bcm53125Model({ clock });
  model.setLink(0, true);
  model.setLink(1, true);
  const spi = new SimSPI({ device: model, hz: SPI_HZ, time: clock });
  const firmware = new Firmware({ spi, clock: { now: () => clock.now() } });
  assert.equal(firmware.boot().ok, true);
  firmware.trunks.configure({ group: 0, members: [0, 1], servers: ["00:1b:21:aa:bb:01"], holdDownMs: 100 });
  firmware.links.configure({ upDebounceMs: 0 });
  model.setLink(1, false);
  firmware.pollLinks();
  assert.equal(model.register(0x32, 0x10), 0b01, "group bitmap rewritten inside pollLinks");
  model.setLink(1, true);
  firmware.pollLinks();
  clock.advance(50);
  firmware.pollLinks();
  assert.equal(model.register(0x32, 0x10), 0b01, "still in hold-down");
  clock.advance(60);
  firmware.pollLinks();
  assert.equal(model.register(0x32, 0x10), 0b11, "rejoined after the hold-down, run by pollLinks");
  const scans = firmware.moves.show().stats.scans;
  clock.advance(1000);
  firmware.pollLinks();
  assert.equal(firmware.moves.show().stats.scans, scans + 1, "the ARL scan ran from pollLinks when due");
});
