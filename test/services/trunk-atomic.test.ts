// Configuring a trunk is all or nothing: a chip that fails half way (an SPI timeout at any transaction) leaves the
// chip and the service exactly as they were, with an error that says so.
import assert from "node:assert/strict";
import { test } from "node:test";
import { OnemacError } from "../../modules/errors";
import { parseMac } from "../../modules/mac";
import type { TrunkRequest } from "../../modules/trunk/service";
import { makeBoard, trunkChipState } from "./rig";

const OLD_SERVER = parseMac("00:1b:21:5e:00:01");
const NEW_SERVER = parseMac("00:1b:21:5e:00:02");

// Hash mode as before; the CFP modes write rules (and, isolated, port-based VLAN masks) too: from hash to CFP, CFP to
// CFP with the block moving and growing, isolated to cfp. M = 4 keeps the rule blocks (16 rules) small enough to glitch
// every transaction.
const RECONFIGURATIONS: { name: string; first: TrunkRequest; then: TrunkRequest; group0: number }[] = [
  { name: "hash", first: { group: 0, members: [1, 2], servers: [OLD_SERVER] }, then: { group: 0, members: [2, 3, 4], servers: [NEW_SERVER], indexBits: 4 }, group0: 0b11100 },
  {
    name: "hash -> cfp",
    first: { group: 0, members: [1, 2], servers: [OLD_SERVER] },
    then: { group: 0, members: [2, 3, 4], servers: [NEW_SERVER], indexBits: 4, mode: "cfp" },
    group0: 0b11100,
  },
  {
    name: "cfp -> cfp, two servers",
    first: { group: 0, members: [1, 2], servers: [OLD_SERVER], indexBits: 4, mode: "cfp" },
    then: { group: 0, members: [2, 3, 4], servers: [OLD_SERVER, NEW_SERVER], indexBits: 4, mode: "cfp" },
    group0: 0b11100,
  },
  {
    name: "cfp-isolated -> cfp",
    first: { group: 0, members: [1, 2, 3], servers: [OLD_SERVER], indexBits: 4, mode: "cfp-isolated" },
    then: { group: 0, members: [2, 3, 4], servers: [NEW_SERVER], indexBits: 4, mode: "cfp" },
    group0: 0b11100,
  },
  {
    name: "cfp -> cfp-isolated",
    first: { group: 0, members: [1, 2], servers: [OLD_SERVER], indexBits: 4, mode: "cfp" },
    then: { group: 0, members: [2, 3, 4], servers: [NEW_SERVER], indexBits: 4, mode: "cfp-isolated" },
    group0: 0,
  },
];

for (const reconfiguration of RECONFIGURATIONS)
test(`an SPI timeout at any point of a reconfiguration changes nothing (${reconfiguration.name})`, () => {
  const board = makeBoard({ firmware: { chipCheckIntervalMs: 60000 } });
  const { firmware, bus, model, clock } = board;
  firmware.trunks.configure(reconfiguration.first);
  const request = reconfiguration.then;
  const before = trunkChipState(board);
  const viewBefore = JSON.stringify(firmware.trunks.show());
  let failures = 0;
  let succeeded = false;
  // Glitch at transaction 1, 2, 3, ... of the reconfiguration until it has no transaction left to glitch.
  for (let k = 1; k < 8000 && !succeeded; k++) {
    // A glitch: from transaction k on the chip stays busy a little longer than the driver waits (10 ms), then answers.
    const start = bus.transactions;
    let glitchAt = -1;
    bus.afterTransaction = () => {
      if (glitchAt < 0 && bus.transactions - start === k) {
        model.faults.spifStuckBusy = true;
        glitchAt = clock.now();
      } else if (glitchAt >= 0 && model.faults.spifStuckBusy && clock.now() - glitchAt > 10.5) {
        model.faults.spifStuckBusy = false;
      }
    };
    try {
      firmware.trunks.configure(request);
      // It finished at or before transaction k: every earlier point has been tried. (A glitch after the last status
      // poll, when only the final write is left, is not seen by anything.)
      succeeded = true;
      // In the CFP modes the tail is a rule operation (write, start, a CFP_ACC poll): a glitch in its last few
      // transactions delays them without failing any, and the rule is written all the same (checked below).
      const tail = request.mode ? 4 : 1;
      assert.ok(glitchAt < 0 || bus.transactions - start <= k + tail, `no error although the chip glitched at transaction ${k} of ${bus.transactions - start}`);
    } catch (error) {
      if (!(error instanceof OnemacError)) throw error;
      assert.equal(error.code, "spi-timeout");
      assert.match(error.message, /^configuring trk1 failed: .*; nothing was changed$/);
      failures++;
    } finally {
      bus.afterTransaction = undefined;
      model.faults.spifStuckBusy = false;
    }
    if (succeeded) break;
    assert.deepEqual(trunkChipState(board), before, `glitch at transaction ${k}`);
    assert.equal(JSON.stringify(firmware.trunks.show()), viewBefore, `service state, glitch at transaction ${k}`);
  }
  assert.ok(succeeded && failures > 20, `${failures} glitch points tried`);
  assert.equal(model.register(0x32, 0x10), reconfiguration.group0, "with a healthy chip the same request went through");
  if (request.mode) assert.equal(model.cfpRules().length, request.servers.length * 16, "its rules are in");
});

test("a full ARL bucket for a new server changes nothing either", () => {
  const board = makeBoard();
  const { firmware, model } = board;
  firmware.trunks.configure({ group: 0, members: [1, 2], servers: [OLD_SERVER] });
  // Fill the new server's bucket with four other static entries (board side: the bucket hash is the model's).
  const bucket = model.arlBucketOf(NEW_SERVER, 0);
  const fillers: number[] = [];
  for (let mac = 0x02aa00000000; fillers.length < 4; mac++) if (model.arlBucketOf(mac, 0) === bucket) fillers.push(mac);
  for (const mac of fillers) firmware.chip.arlAdd({ mac, vid: 0, port: 4, isStatic: true, age: false });
  const before = trunkChipState(board);
  assert.throws(
    () => firmware.trunks.configure({ group: 0, members: [2, 3], servers: [OLD_SERVER, NEW_SERVER] }),
    (e) => e instanceof OnemacError && e.code === "arl-bucket-full" && /nothing was changed$/.test(e.message),
  );
  assert.deepEqual(trunkChipState(board), before);
});

test("CFP rules that do not fit: a TrunkLimitError saying what is free, and nothing changes; the default M is the largest that fits", () => {
  const board = makeBoard();
  const { firmware } = board;
  const first = firmware.trunks.configure({ group: 0, members: [0, 1], servers: [OLD_SERVER], mode: "cfp" });
  assert.equal(first.indexBits, 8, "one server: 256 rules, the whole table");
  assert.deepEqual([first.rules?.first, first.rules?.count, first.rules?.free], [0, 256, 0]);
  const before = trunkChipState(board);
  const viewBefore = JSON.stringify(firmware.trunks.show());
  assert.throws(
    () => firmware.trunks.configure({ group: 1, members: [2, 3], servers: [NEW_SERVER], mode: "cfp" }),
    (e) => e instanceof OnemacError && e.code === "trunk-limit" && /need 16 rules .* has 0 of 256 free \(trk1 holds 256\).*nothing was changed$/.test(e.message),
  );
  assert.deepEqual(trunkChipState(board), before);
  assert.equal(JSON.stringify(firmware.trunks.show()), viewBefore);
  // Two servers on trk1: M = 7 (2 x 128 rules); with trk1 at M = 6 (64 rules) trk2's default is the largest left: M = 7.
  assert.equal(firmware.trunks.configure({ group: 0, members: [0, 1], servers: [OLD_SERVER, NEW_SERVER], mode: "cfp" }).indexBits, 7);
  firmware.trunks.configure({ group: 0, members: [0, 1], servers: [OLD_SERVER], mode: "cfp", indexBits: 6 });
  const second = firmware.trunks.configure({ group: 1, members: [2, 3], servers: [NEW_SERVER], mode: "cfp-isolated" });
  assert.deepEqual([second.indexBits, second.rules?.first, second.rules?.count], [7, 64, 128]);
  assert.equal(board.model.cfpRules().length, 192);
  firmware.trunks.remove(1);
  firmware.trunks.remove(0);
  assert.equal(board.model.cfpRules().length, 0, "removing the trunks clears their rules");
  assert.equal(board.model.register(0xa1, 0x00), 0, "and the rule engine is off on every port again");
});
