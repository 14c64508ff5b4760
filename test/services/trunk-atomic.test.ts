// Configuring a trunk is all or nothing: a chip that fails half way (an SPI timeout at any transaction) leaves the
// chip and the service exactly as they were, with an error that says so.
import assert from "node:assert/strict";
import { test } from "node:test";
import { OnemacError } from "../../modules/errors";
import { parseMac } from "../../modules/mac";
import { makeBoard, trunkChipState } from "./rig";

const OLD_SERVER = parseMac("00:1b:21:5e:00:01");
const NEW_SERVER = parseMac("00:1b:21:5e:00:02");

test("an SPI timeout at any point of a reconfiguration changes nothing", () => {
  const board = makeBoard({ firmware: { chipCheckIntervalMs: 60000 } });
  const { firmware, bus, model, clock } = board;
  firmware.trunks.configure({ group: 0, members: [1, 2], servers: [OLD_SERVER] });
  const request = { group: 0, members: [2, 3, 4], servers: [NEW_SERVER], indexBits: 4 };
  const before = trunkChipState(board);
  const viewBefore = JSON.stringify(firmware.trunks.show());
  let failures = 0;
  let succeeded = false;
  // Glitch at transaction 1, 3, 5, ... of the reconfiguration until it has no transaction left to glitch.
  for (let k = 1; k < 1000 && !succeeded; k += 2) {
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
      assert.ok(glitchAt < 0 || bus.transactions - start <= k + 1, `no error although the chip glitched at transaction ${k}`);
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
  assert.equal(model.register(0x32, 0x10), 0b11100, "with a healthy chip the same request went through");
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
