import assert from "node:assert/strict";
import { describe, it } from "node:test";
import { newArlEntry, newPortCounters, newPortStatus, type ArlEntry } from "../../modules/chip/switch-chip";
import { parseMac } from "../../modules/mac";
import { hex, makeRig } from "./rig";

const SERVER = parseMac("00:1b:21:3a:4f:10");

function entry(mac: number, port: number, isStatic = true, vid = 0): ArlEntry {
  return { mac, vid, port, isStatic, age: false };
}

/** MACs that the model's bucket hash puts in one bucket (board-side knowledge, used to build a full bucket). */
function collidingMacs(model: ReturnType<typeof makeRig>["model"], count: number): number[] {
  const base = 0x02_00_00_00_00_00;
  const target = model.arlBucketOf(base, 0);
  const found = [base];
  for (let i = 1; found.length < count && i < 1_000_000; i++) {
    const mac = base + i * 0x1001;
    if (model.arlBucketOf(mac, 0) === target) found.push(mac);
  }
  assert.equal(found.length, count);
  return found;
}

describe("BCM53125 SPI framing (facts §1.1), byte for byte", () => {
  it("probe: status poll, page select, dummy read, RACK poll, data read; little-endian ID", () => {
    const { chip, bus } = makeRig();
    const log = bus.capture(() => chip.probe());
    const mosi = log.map((t) => hex(t.mosi));
    assert.deepEqual(mosi.slice(0, 5), ["60 fe 00", "61 ff 02", "60 30 00", "60 fe 00", "60 f0 00 00 00 00"]);
    assert.equal(hex(log[0].miso), "00 00 00", "status: not busy");
    assert.equal(log[3].miso[2] & 0x20, 0x20, "RACK set after the dummy read");
    assert.equal(hex(log[4].miso), "00 00 25 31 05 00", "device ID 0x00053125, LSB first");
    // Revision: same page, so no page write this time.
    assert.deepEqual(mosi.slice(5), ["60 fe 00", "60 40 00", "60 fe 00", "60 f0 00"]);
  });

  it("caches the page: accesses in one page skip the page write, a new page writes it once", () => {
    const { chip, bus } = makeRig();
    chip.probe();
    const log = bus.capture(() => {
      chip.getLearningDisabled();
      chip.getLearningDisabled();
    });
    assert.deepEqual(log.map((t) => hex(t.mosi)), [
      "60 fe 00", "61 ff 00", "60 3c 00", "60 fe 00", "60 f0 00 00",
      "60 fe 00", "60 3c 00", "60 fe 00", "60 f0 00 00",
    ]);
  });

  it("the link poll selects its page every time, so a chip reset cannot turn other registers into link states", () => {
    const { chip, bus, model } = makeRig();
    chip.probe();
    chip.setup();
    model.setLink(1, true);
    const poll = () => bus.capture(() => chip.readLinkMask()).map((t) => hex(t.mosi));
    assert.deepEqual(poll(), ["60 fe 00", "61 ff 01", "60 00 00", "60 fe 00", "60 f0 00 00"]);
    assert.deepEqual(poll(), ["60 fe 00", "61 ff 01", "60 00 00", "60 fe 00", "60 f0 00 00"]);
    model.powerCycle(); // the chip's page register is back at 0
    assert.equal(chip.readLinkMask() & 0x1f, 0b00010);
    assert.equal(chip.checkSetup(), false, "managed mode lost");
    chip.setup();
    assert.equal(chip.checkSetup(), true);
  });

  it("writes 16-bit values LSB first", () => {
    const { chip, bus, model } = makeRig();
    chip.probe();
    const log = bus.capture(() => chip.setLearningDisabled(0x0103));
    assert.deepEqual(log.map((t) => hex(t.mosi)), ["60 fe 00", "61 ff 00", "61 3c 03 01"]);
    assert.equal(model.register(0x00, 0x3c, 2), 0x0103);
    assert.equal(chip.getLearningDisabled(), 0x0103);
  });

  it("writes the 48-bit MAC key with MAC[0] in the most significant byte (LSB first on the wire)", () => {
    const { chip, bus } = makeRig();
    chip.probe();
    const log = bus.capture(() => chip.arlLookup(SERVER, 0, newArlEntry()));
    assert.equal(hex(log[2].mosi), "61 02 10 4f 3a 21 1b 00");
    assert.equal(hex(log[4].mosi), "61 08 00 00", "VID key");
    assert.equal(hex(log[6].mosi), "61 00 c1", "RW control: START | IVL/SVL | READ");
  });

  it("touches no register the model does not know", () => {
    const { chip, model } = makeRig();
    chip.probe();
    chip.setup();
    chip.readPortStatus(0, newPortStatus());
    chip.setPortEnabled(1, true, true);
    chip.setStpState(1, "forwarding");
    chip.setAgingTime(120);
    chip.fastAge({ port: 2 });
    chip.arlAdd(entry(SERVER, 1));
    chip.arlDump(() => {});
    chip.setTrunkHash(true, "sa");
    chip.setTrunkMembers(0, 0b0110);
    chip.readTrunkConfig();
    chip.readPortCounters(3, newPortCounters());
    assert.deepEqual(model.unmodeledAccesses, []);
  });
});

describe("BCM53125 detection and bus errors", () => {
  it("detects the chip and its revision", () => {
    const { chip } = makeRig();
    const info = chip.probe();
    assert.equal(info.model, "BCM53125");
    assert.equal(info.deviceId, 0x53125);
    assert.deepEqual(info.userPorts, [0, 1, 2, 3, 4]);
    assert.equal(info.cpuPort, 8);
  });

  it("names another chip's ID", () => {
    const { chip, model } = makeRig();
    model.faults.deviceId = 0x53128;
    assert.throws(() => chip.probe(), (e: any) => e.code === "chip-id" && e.found === 0x53128 && /0x53128/.test(e.message));
  });

  for (const level of ["all-ones", "all-zeros"] as const) {
    it(`reports a dead bus (${level}) as such, within a bounded time`, () => {
      const { chip, model, clock } = makeRig();
      model.faults.deadBus = level;
      const before = clock.now();
      assert.throws(() => chip.probe(), (e: any) => e.code === "dead-bus" && /0x(FF|00)/.test(e.message));
      assert.ok(clock.now() - before < 50, "gave up within the poll timeout");
    });
  }

  it("times out on a chip stuck busy (SPIF) with a typed error, bounded in virtual time", () => {
    const { chip, model, clock } = makeRig({ pollTimeoutMs: 5 });
    chip.probe();
    model.faults.spifStuckBusy = true;
    const before = clock.now();
    assert.throws(() => chip.readLinkMask(), (e: any) => e.code === "spi-timeout" && /SPIF/.test(e.message));
    const spent = clock.now() - before;
    assert.ok(spent >= 5 && spent < 6, `spent ${spent} ms`);
  });

  it("times out when RACK never rises", () => {
    const { chip, model } = makeRig();
    chip.probe();
    model.faults.rackNeverSet = true;
    assert.throws(() => chip.getAgingTime(), (e: any) => e.code === "spi-timeout" && /RACK/.test(e.message));
  });

  it("times out when an ARL operation never finishes, and recovers once the chip does", () => {
    const { chip, model } = makeRig();
    chip.probe();
    model.faults.arlStartStuck = true;
    assert.throws(() => chip.arlAdd(entry(SERVER, 1)), (e: any) => e.code === "spi-timeout");
    model.clearFaults();
    chip.arlAdd(entry(SERVER, 1));
    const out = newArlEntry();
    assert.ok(chip.arlLookup(SERVER, 0, out));
  });
});

describe("BCM53125 ports, aging, counters", () => {
  it("reads link, speed and duplex per port", () => {
    const { chip, model } = makeRig();
    chip.probe();
    model.setLink(0, true, 1000, true);
    model.setLink(2, true, 100, false);
    assert.equal(chip.readLinkMask() & 0x1f, 0b00101);
    assert.deepEqual({ ...chip.readPortStatus(2, newPortStatus()) }, { link: true, speed: 100, fullDuplex: false });
    assert.deepEqual({ ...chip.readPortStatus(0, newPortStatus()) }, { link: true, speed: 1000, fullDuplex: true });
    assert.equal(chip.readPortStatus(1, newPortStatus()).link, false);
  });

  it("sets managed mode with forwarding", () => {
    const { chip, model } = makeRig();
    chip.probe();
    chip.setup();
    assert.equal(model.register(0x00, 0x0b, 1) & 0x03, 0x03);
  });

  it("sets the aging time and rejects out-of-range values without writing", () => {
    const { chip, model } = makeRig();
    chip.probe();
    chip.setAgingTime(120);
    assert.equal(chip.getAgingTime(), 120);
    for (const bad of [0, -1, 1048576, 1.5, NaN]) assert.throws(() => chip.setAgingTime(bad), /aging time/);
    assert.equal(model.register(0x02, 0x06, 4) & 0xfffff, 120);
  });

  it("fast-ages dynamic entries of one port and keeps static ones", () => {
    const { chip, model } = makeRig();
    chip.probe();
    chip.setup();
    model.setLink(1, true);
    model.setLink(2, true);
    const client = parseMac("3c:22:fb:00:00:01");
    model.ingress(2, { da: 0xffffffffffff, sa: client });
    chip.arlAdd(entry(SERVER, 1));
    chip.fastAge({ port: 2 });
    const out = newArlEntry();
    assert.equal(chip.arlLookup(client, 0, out), false, "dynamic entry flushed");
    assert.ok(chip.arlLookup(SERVER, 0, out), "static entry kept");
    chip.fastAge({ includeStatic: true });
    assert.equal(chip.arlLookup(SERVER, 0, out), false);
  });

  it("reads MIB counters", () => {
    const { chip, model } = makeRig();
    chip.probe();
    chip.setup();
    model.setLink(1, true);
    model.setLink(3, true);
    const a = parseMac("3c:22:fb:00:00:01");
    for (let i = 0; i < 5; i++) model.ingress(3, { da: 0xffffffffffff, sa: a, length: 100 });
    const c = chip.readPortCounters(3, newPortCounters());
    assert.equal(c.rxBroadcast, 5);
    assert.equal(c.rxOctets, 500);
    assert.equal(chip.readPortCounters(1, newPortCounters()).txBroadcast, 5);
  });
});

describe("BCM53125 address table", () => {
  it("adds, looks up, replaces and deletes a static entry", () => {
    const { chip, model } = makeRig();
    chip.probe();
    const out = newArlEntry();
    assert.equal(chip.arlLookup(SERVER, 0, out), false);
    chip.arlAdd(entry(SERVER, 1));
    assert.ok(chip.arlLookup(SERVER, 0, out));
    assert.deepEqual({ ...out }, { mac: SERVER, vid: 0, port: 1, isStatic: true, age: false });
    chip.arlAdd(entry(SERVER, 3));
    assert.ok(chip.arlLookup(SERVER, 0, out));
    assert.equal(out.port, 3);
    assert.equal(model.arlEntries().filter((e) => e.mac === SERVER).length, 1, "replaced in place, not duplicated");
    assert.ok(chip.arlDelete(SERVER, 0));
    assert.equal(chip.arlLookup(SERVER, 0, out), false);
    assert.equal(chip.arlDelete(SERVER, 0), false);
  });

  it("keeps VLANs apart", () => {
    const { chip } = makeRig();
    chip.probe();
    chip.arlAdd(entry(SERVER, 1, true, 10));
    chip.arlAdd(entry(SERVER, 2, true, 20));
    const out = newArlEntry();
    assert.ok(chip.arlLookup(SERVER, 20, out));
    assert.equal(out.port, 2);
    assert.ok(chip.arlLookup(SERVER, 10, out));
    assert.equal(out.port, 1);
  });

  it("refuses a fifth MAC in a full bucket and leaves the four others untouched", () => {
    const { chip, model } = makeRig();
    chip.probe();
    const macs = collidingMacs(model, 5);
    for (let i = 0; i < 4; i++) chip.arlAdd(entry(macs[i], i));
    const before = JSON.stringify(model.arlEntries());
    assert.throws(() => chip.arlAdd(entry(macs[4], 4)), (e: any) => e.code === "arl-bucket-full" && /02:00:00/.test(e.message));
    assert.equal(JSON.stringify(model.arlEntries()), before);
    // Replacing one of the four still works in a full bucket.
    chip.arlAdd(entry(macs[2], 4));
    const out = newArlEntry();
    assert.ok(chip.arlLookup(macs[2], 0, out));
    assert.equal(out.port, 4);
  });

  it("rejects bad keys and ports before touching the chip", () => {
    const { chip, bus } = makeRig();
    chip.probe();
    const log = bus.capture(() => {
      assert.throws(() => chip.arlAdd(entry(-1, 1)), /MAC/);
      assert.throws(() => chip.arlAdd(entry(2 ** 48, 1)), /MAC/);
      assert.throws(() => chip.arlAdd(entry(SERVER, 1, true, 4096)), /VID/);
      assert.throws(() => chip.arlAdd(entry(SERVER, 1.5)), /port 1.5/);
      assert.throws(() => chip.arlAdd(entry(SERVER, 9)), /port 9/);
    });
    assert.equal(log.length, 0);
  });

  it("dumps the whole table through the search registers", () => {
    const { chip, model } = makeRig();
    chip.probe();
    chip.setup();
    for (let p = 0; p < 5; p++) model.setLink(p, true);
    const learned = new Set<number>();
    for (let i = 0; i < 300; i++) {
      const mac = 0x3c22fb000000 + i * 7919;
      learned.add(mac);
      model.ingress(i % 5, { da: 0xffffffffffff, sa: mac });
    }
    chip.arlAdd(entry(SERVER, 1));
    learned.add(SERVER);
    const seen = new Map<number, number>();
    const count = chip.arlDump((e) => seen.set(e.mac, e.port));
    assert.equal(count, model.arlEntries().length);
    assert.deepEqual(new Set(seen.keys()), new Set(model.arlEntries().map((e) => e.mac)));
    assert.equal(seen.get(SERVER), 1);
    assert.ok(count >= 290, `most learned (bucket overflow may drop a few): ${count}`);
  });

  it("dumps an empty table", () => {
    const { chip } = makeRig();
    chip.probe();
    assert.equal(chip.arlDump(() => assert.fail("no entries")), 0);
  });
});

describe("BCM53125 trunk registers (facts §1.4)", () => {
  it("programs hash select and group members, and reads them back", () => {
    const { chip, model } = makeRig();
    chip.probe();
    chip.setTrunkHash(true, "sa");
    chip.setTrunkMembers(0, 0b0011);
    chip.setTrunkMembers(1, 0b1100);
    assert.equal(model.register(0x32, 0x00, 1), 0x0a);
    assert.equal(model.register(0x32, 0x10, 2), 0b0011);
    assert.equal(model.register(0x32, 0x12, 2), 0b1100);
    assert.deepEqual(chip.readTrunkConfig(), { enabled: true, hash: "sa", groups: [{ group: 0, members: 3 }, { group: 1, members: 12 }] });
    chip.setTrunkHash(false, "da");
    assert.deepEqual(chip.readTrunkConfig().hash, "da");
    assert.equal(chip.readTrunkConfig().enabled, false);
  });

  it("enforces the chip's limits with clear errors and changes nothing", () => {
    const { chip, model } = makeRig();
    chip.probe();
    chip.setTrunkMembers(0, 0b00011);
    const before = [model.register(0x32, 0x10, 2), model.register(0x32, 0x12, 2)];
    assert.throws(() => chip.setTrunkMembers(2, 0b11), (e: any) => e.code === "trunk-limit" && /groups 0 and 1/.test(e.message));
    assert.throws(() => chip.setTrunkMembers(1, 0b11111), (e: any) => e.code === "trunk-limit" && /at most 4/.test(e.message));
    assert.throws(() => chip.setTrunkMembers(1, 0x100 | 0b1100), (e: any) => e.code === "trunk-limit" && /IMP/.test(e.message));
    assert.throws(() => chip.setTrunkMembers(1, 0b00110), (e: any) => e.code === "trunk-limit" && /already members of trunk group 0/.test(e.message));
    assert.throws(() => chip.setTrunkMembers(1, 0x20 | 0b1000), (e: any) => e.code === "trunk-limit" && /port 5/.test(e.message));
    assert.throws(() => chip.setTrunkHash(true, "crc" as never), /unknown trunk hash/);
    assert.deepEqual([model.register(0x32, 0x10, 2), model.register(0x32, 0x12, 2)], before);
  });
});
