// A reset or power glitch of the switch chip alone (the ESP32 keeps running) must not leave the switch unmanaged:
// the firmware notices within one check interval and writes its setup and every trunk again.
import assert from "node:assert/strict";
import { test } from "node:test";
import { parseMac } from "../../modules/mac";
import { makeBoard, trunkChipState } from "./rig";

const SERVER = parseMac("00:1b:21:5e:00:01");

test("a power-cycled chip is found within one check interval and set up again, trunks and all", () => {
  const board = makeBoard();
  const { clock, model, firmware, log } = board;
  firmware.trunks.configure({ group: 0, members: [1, 2], servers: [SERVER] });
  clock.advance(50);
  const before = trunkChipState(board);
  assert.equal(before.switchMode, 0x03);
  const reprograms = firmware.trunks.show().reprograms;
  model.powerCycle();
  assert.notDeepEqual(trunkChipState(board), before, "the power cycle wiped the chip");
  clock.advance(100);
  assert.equal(firmware.chipResets, 1);
  assert.ok(log.some((line) => /chip: reset detected/.test(line)));
  assert.deepEqual(trunkChipState(board), before, "setup, trunk, learning disable and the static entry are back");
  assert.equal(firmware.trunks.show().reprograms, reprograms, "no member was failed over on the way");
  assert.ok(firmware.links.show().ports.every((p) => p.state === "up"), "no link was seen down");
  assert.deepEqual(model.unmodeledAccesses, []);
  clock.advance(1000);
  assert.equal(firmware.chipResets, 1, "a healthy chip is not set up again");
});

test("a chip that stops answering is reported once, and again when it answers", () => {
  const { clock, model, firmware, log } = makeBoard();
  model.faults.deadBus = "all-ones";
  clock.advance(1000);
  for (const what of ["chip check", "link poll"]) {
    assert.equal(log.filter((line) => line.startsWith(`${what}: failed (spi-timeout)`)).length, 1, `${what}: one line for the outage`);
  }
  model.clearFaults();
  clock.advance(200);
  for (const what of ["chip check", "link poll"]) assert.equal(log.filter((line) => line === `${what}: working again`).length, 1);
  assert.equal(firmware.chipResets, 0);
});
