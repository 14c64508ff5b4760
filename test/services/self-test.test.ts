// The self-test checks the chip's named assumptions on the silicon at hand. Here the "silicon" is the model, run
// under either answer of its own assumption, and the check must tell which one it is facing.
import assert from "node:assert/strict";
import { test } from "node:test";
import { Bcm53125Model } from "../../hosts/sim/bcm53125";
import { SimCpu, VirtualClock } from "../../hosts/sim/clock";
import { SimSPI } from "../../hosts/sim/spi";
import { BROADCAST_MAC, formatMac, parseMac } from "../../modules/mac";
import { Firmware } from "../../modules/firmware";
import type { SelfTestResult } from "../../modules/chip/bcm53125/self-test";

const HOST = parseMac("b8:27:eb:12:34:56");
const SERVER = parseMac("00:1b:21:3a:4f:10");

function board(staticEntryBlocksRelearn?: boolean) {
  const clock = new VirtualClock();
  const model = new Bcm53125Model({ clock, assumptions: staticEntryBlocksRelearn === undefined ? {} : { staticEntryBlocksRelearn } });
  for (const port of [0, 1, 2, 3]) model.setLink(port, true);
  const cpu = new SimCpu(clock);
  const spi = new SimSPI({ device: model, hz: 20e6, mode: 3, time: clock, cpu });
  const log: string[] = [];
  const firmware = new Firmware({ spi, scheduler: cpu, log: (line) => log.push(line) });
  assert.ok(firmware.boot().ok);
  return { clock, model, firmware, log };
}

/** The host on port 2 sends a frame every `everyMs` for `forMs`. */
function hostChatter(b: ReturnType<typeof board>, forMs: number, everyMs = 50): void {
  for (let t = 0; t < forMs; t += everyMs) {
    b.model.ingress(2, { da: SERVER, sa: HOST });
    b.clock.advance(everyMs);
  }
}

test("search-advance: every test entry is seen exactly once, and none is left behind", () => {
  const b = board();
  const before = b.model.arlEntries().length;
  const result = b.firmware.selfTest.searchAdvance();
  assert.equal(result.verdict, "holds", result.evidence);
  assert.equal(result.assumption.name, "BCM53125_SEARCH_ADVANCES_AFTER_RESULT_1");
  assert.equal(b.model.arlEntries().length, before);
});

for (const [blocks, verdict] of [[false, "holds"], [true, "fails"]] as const) {
  test(`static-relearn on silicon whose static entries ${blocks ? "block" : "allow"} re-learning: ${verdict}`, () => {
    const b = board(blocks);
    b.model.ingress(2, { da: BROADCAST_MAC, sa: HOST });
    let result: SelfTestResult | undefined;
    const state = b.firmware.selfTest.startStaticRelearn({ mac: formatMac(HOST), waitMs: 1000 }, (r) => (result = r));
    assert.equal(state.state, "running");
    hostChatter(b, 1200);
    assert.ok(result, "finished after the wait");
    assert.equal(result.verdict, verdict, result.evidence);
    assert.equal(result.assumption.name, "BCM53125_STATIC_ENTRY_MAY_BE_RELEARNED");
    assert.deepEqual(b.firmware.selfTest.status(), { state: "idle", last: result });
    // The test entry is gone; the host is learned again on its own port.
    assert.ok(b.model.arlEntries().every((e) => e.mac !== HOST || !e.isStatic));
    b.model.ingress(2, { da: SERVER, sa: HOST });
    assert.equal(b.model.arlEntries().find((e) => e.mac === HOST)?.port, 2);
    assert.ok(b.log.some((line) => line.includes(`static-relearn: BCM53125_STATIC_ENTRY_MAY_BE_RELEARNED ${verdict.toUpperCase()}`)));
  });
}

test("static-relearn without traffic from the host is inconclusive", () => {
  const b = board();
  b.model.ingress(2, { da: BROADCAST_MAC, sa: HOST });
  b.firmware.selfTest.startStaticRelearn({ mac: HOST, waitMs: 500 });
  b.clock.advance(700);
  const state = b.firmware.selfTest.status();
  assert.equal(state.state, "idle");
  assert.equal(state.state === "idle" && state.last?.verdict, "inconclusive");
});

test("static-relearn refuses bad requests before touching the table, and can be cancelled", () => {
  const b = board();
  b.model.ingress(2, { da: BROADCAST_MAC, sa: HOST });
  const before = JSON.stringify(b.model.arlEntries());
  const selfTest = b.firmware.selfTest;
  assert.throws(() => selfTest.startStaticRelearn({ mac: "nonsense" }), /not a MAC/);
  assert.throws(() => selfTest.startStaticRelearn({ mac: "01:00:5e:00:00:01" }), /unicast/);
  assert.throws(() => selfTest.startStaticRelearn({ mac: SERVER }), /not a learned/);
  assert.throws(() => selfTest.startStaticRelearn({ mac: HOST, port: 2 }), /other than 2/);
  assert.throws(() => selfTest.startStaticRelearn({ mac: HOST, port: 8 }), /front-panel/);
  assert.throws(() => selfTest.startStaticRelearn({ mac: HOST, waitMs: 10 }), /waitMs/);
  assert.equal(JSON.stringify(b.model.arlEntries()), before);
  selfTest.startStaticRelearn({ mac: HOST, waitMs: 5000 });
  assert.throws(() => selfTest.searchAdvance(), /still running/);
  assert.ok(selfTest.cancel());
  assert.ok(b.model.arlEntries().every((e) => e.mac !== HOST), "the test entry is removed");
  assert.equal(selfTest.status().state, "idle");
});
