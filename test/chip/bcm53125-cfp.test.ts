// The BCM53125 driver's CFP access and member table against the chip model, through SPI bytes only (the board side
// of the model is used to inject frames and to read the TCAM as a logic analyser would not need to).
// Facts: shared/facts/bcm53125-cfp.md ("CFP facts §x").
import assert from "node:assert/strict";
import { describe, it } from "node:test";
import { Bcm53125 } from "../../modules/chip/bcm53125/driver";
import { CFP_ASSUMPTIONS } from "../../modules/chip/bcm53125/assumptions";
import { newTcamEntry } from "../../modules/chip/bcm53125/cfp-rules";
import { newMemberRule } from "../../modules/chip/switch-chip";
import { InvalidArgumentError, SpiTimeoutError } from "../../modules/errors";
import { parseMac } from "../../modules/mac";
import { Bcm53125Model } from "../../hosts/sim/bcm53125";
import type { Bcm53125Assumptions } from "../../hosts/sim/bcm53125/assumptions";
import { VirtualClock } from "../../hosts/sim/clock";
import { SimSPI } from "../../hosts/sim/spi";
import { hex, RecordingSpi, type Transaction } from "./rig";

const SERVER = parseMac("00:1b:21:3a:4f:10");
const CLIENT_PORT = 0;
const MEMBERS = [1, 2, 3];

function rig(assumptions: Partial<Bcm53125Assumptions> = {}) {
  const clock = new VirtualClock();
  const model = new Bcm53125Model({ clock, assumptions });
  const spi = new SimSPI({ device: model, hz: 20e6, mode: 3, time: clock });
  const bus = new RecordingSpi(spi);
  const chip = new Bcm53125({ spi: bus, clock });
  chip.probe();
  chip.setup();
  return { clock, model, spi, bus, chip, table: chip.memberTable };
}

/** Client MAC whose last byte is `low` (the table index lives in the SA's last byte, CFP facts §3). */
const client = (low: number) => 0x02_00_00_00_07_00 + low;

/** Transactions that write register `offset` (an 0x61 command, not the page register). */
const writesTo = (log: Transaction[], offset: number) => log.filter((t) => t.mosi[0] === 0x61 && t.mosi[1] === offset);
/** Dummy reads (0x60 offset 00) of `offset`, i.e. register reads started. */
const readsOf = (log: Transaction[], offset: number) => log.filter((t) => t.mosi[0] === 0x60 && t.mosi[1] === offset && t.mosi.length === 3);

describe("BCM53125 CFP reset (CFP facts §2 Init)", () => {
  it("setup() leaves no rule valid, the engine enabled on no port, the UDFs selected and EN_TCAM_CHKSUM set", () => {
    const { chip, model, table } = rig();
    assert.deepEqual(model.cfpRules(), []);
    assert.equal(table.getEnabledPorts(), 0);
    assert.equal(model.register(0xa1, 0x00, 2), 0);
    for (const base of [0x10, 0x40, 0x70])
      assert.deepEqual([0, 1, 2, 3].map((n) => model.register(0xa1, base + n, 1)), [0x02, 0x01, 0x00, 0x05], `UDFs at A1:${base.toString(16)}`);
    assert.equal(model.register(0x00, 0xe8, 1) & 0x80, 0x80, "TCAM_CTRL.EN_TCAM_CHKSUM");
    assert.equal(chip.cfp.readChecksumStatus() & 0x8000, 0, "no TCAM checksum error: every entry was written");
    assert.deepEqual(model.unmodeledAccesses, []);
  });

  for (const tcamResetWhileCfpEnabled of ["clears", "ignored"] as const) {
    for (const cfpStagingPersists of [true, false]) {
      it(`clears live rules on enabled ports (TCAM reset while enabled: ${tcamResetWhileCfpEnabled}; staging persists: ${cfpStagingPersists})`, () => {
        const { chip, model, table } = rig({ tcamResetWhileCfpEnabled, cfpStagingPersists });
        for (let i = 0; i < 16; i++) table.writeRule(i, SERVER, 4, i, MEMBERS[i % 3]);
        table.setEnabledPorts(0x1ff);
        assert.equal(model.cfpRules().length, 16);
        chip.setup();
        assert.deepEqual(model.cfpRules(), []);
        assert.equal(table.getEnabledPorts(), 0);
        for (let i = 0; i < 256; i += 51) {
          const words = newTcamEntry();
          chip.cfp.readTcam(i, words);
          assert.deepEqual(Array.from(words), new Array(16).fill(0), `entry ${i} zero-filled`);
        }
        assert.equal(chip.cfp.readChecksumStatus() & 0x8000, 0);
      });
    }
  }

  it("disables the CFP on every port before TCAM_RST, and polls TCAM_RST and CFP_RAM_CLEAR", () => {
    const { chip, bus } = rig();
    const log = bus.capture(() => chip.memberTable.reset());
    const mosi = log.map((t) => hex(t.mosi));
    const enableOff = mosi.indexOf("61 00 00 00");
    const tcamReset = mosi.indexOf("61 00 00 80 00 00");
    const ramClear = mosi.indexOf("61 00 10 00 00 00");
    assert.ok(enableOff >= 0 && tcamReset > enableOff && ramClear > tcamReset, "CFP_EN_MAP = 0, then TCAM_RST, then RAM clear");
    assert.ok(readsOf(log.slice(tcamReset, ramClear), 0x00).length >= 1, "TCAM_RST polled");
    // Zero-fill: one TCAM write operation per entry (CFP_ACC = 0x0405 | i << 16).
    const fills = writesTo(log, 0x00).filter((t) => t.mosi.length === 6 && t.mosi[2] === 0x05 && t.mosi[3] === 0x04);
    assert.deepEqual(fills.map((t) => t.mosi[4]), Array.from({ length: 256 }, (_, i) => i));
  });

  it("a chip reset's re-setup resets the CFP again", () => {
    const { chip, model, table } = rig();
    table.writeRule(0, SERVER, 4, 0, 1);
    model.powerCycle();
    assert.equal(chip.checkSetup(), false);
    chip.setup();
    assert.deepEqual(model.cfpRules(), []);
    assert.equal(chip.cfp.readChecksumStatus() & 0x8000, 0);
  });
});

describe("BCM53125 member rules over SPI (CFP facts §2, §3)", () => {
  it("writeRule stores the sheet's words (action first, then the TCAM) and readRule reads them back", () => {
    const { model, table, bus } = rig();
    const log = bus.capture(() => table.writeRule(7, SERVER, 6, 0x2d, 3));
    const rule = model.cfpRules().find((r) => r.index === 7)!;
    assert.ok(rule);
    assert.equal(rule.data[0] >>> 0, (0x03 | (0x10 << 8) | (0x4f << 16) | (0x3a << 24)) >>> 0);
    assert.equal(rule.mask[0] >>> 0, 0xffffff0f);
    assert.equal(rule.data[1] >>> 0, (0x21 | (0x1b << 8) | (0x00 << 16) | (0x2d << 24)) >>> 0);
    assert.equal(rule.mask[1] >>> 0, (0x00ffffff | (0x3f << 24)) >>> 0);
    assert.deepEqual(rule.action.map((w) => w >>> 0), [0x01080108, 0]);
    // Order: ACT_POL_DATA0/1 and the action write before any TCAM staging.
    const mosi = log.map((t) => hex(t.mosi));
    const actionStart = mosi.indexOf("61 00 05 08 07 00");
    const firstData = mosi.findIndex((m) => m.startsWith("61 10 "));
    assert.ok(actionStart >= 0 && firstData > actionStart, "action RAM first, then the TCAM (facts §2 install order)");
    // DATAk then MASKk, interleaved (facts §2 Write step 2).
    const staging = log.filter((t) => t.mosi[0] === 0x61 && t.mosi[1] >= 0x10 && t.mosi[1] < 0x50).map((t) => t.mosi[1]);
    assert.deepEqual(staging, [0x10, 0x30, 0x14, 0x34, 0x18, 0x38, 0x1c, 0x3c, 0x20, 0x40, 0x24, 0x44, 0x28, 0x48, 0x2c, 0x4c]);

    const out = newMemberRule();
    assert.equal(table.readRule(7, out), true);
    assert.deepEqual(out, { valid: true, serverMac: SERVER, indexBits: 6, index: 0x2d, port: 3 });
    assert.equal(table.readRule(8, out), false);
    assert.equal(out.valid, false);
  });

  it("port -1 keeps the ARL result; the IMP is bit 6 of the map", () => {
    const { model, table } = rig();
    table.writeRule(0, SERVER, 4, 1, -1);
    table.writeRule(1, SERVER, 4, 2, 8);
    const rules = model.cfpRules();
    assert.deepEqual(rules.map((r) => r.action[0] >>> 0), [0, 0x01400140]);
    const out = newMemberRule();
    table.readRule(0, out);
    assert.equal(out.port, -1);
    table.readRule(1, out);
    assert.equal(out.port, 8);
  });

  it("frames to the server take table[SA & (2^M-1)] exactly, for every framing and tag (U2), and are counted per rule", () => {
    const { model, table } = rig();
    for (const port of [CLIENT_PORT, ...MEMBERS]) model.setLink(port, true);
    const bits = 4;
    const entries = Array.from({ length: 16 }, (_, i) => MEMBERS[i % 3]);
    for (let i = 0; i < 16; i++) table.writeRule(32 + i, SERVER, bits, i, entries[i]);
    table.setEnabledPorts(1 << CLIENT_PORT);
    const framings = [{}, { ethertype: 0x86dd }, { ethertype: 0x88b5 }, { vid: 5, tagged: true }];
    for (let low = 0; low < 64; low++) {
      for (const framing of framings) {
        const egress = model.ingress(CLIENT_PORT, { da: SERVER, sa: client(low), ...framing });
        assert.equal(egress, 1 << entries[low & 15], `SA low byte ${low}`);
      }
    }
    for (let i = 0; i < 16; i++) assert.equal(table.readRuleHits(32 + i), 4 * 4, `rule ${32 + i}: 4 SAs x 4 framings`);
  });

  it("setRulePort rewrites only the action: ACT_POL_DATA0, ACT_POL_DATA1, CFP_ACC, then CFP_ACC polls", (t) => {
    const { model, table, bus, spi } = rig();
    table.writeRule(5, SERVER, 4, 5, 1); // also leaves the page on 0xA0
    const before = model.cfpRules()[0];
    spi.resetStats();
    const log = bus.capture(() => table.setRulePort(5, 2));
    const mosi = log.map((t) => hex(t.mosi));
    assert.deepEqual(mosi.slice(0, 6), [
      "60 fe 00", "61 50 04 01 04 01",
      "60 fe 00", "61 54 00 00 00 00",
      "60 fe 00", "61 00 05 08 05 00",
    ]);
    // The rest: CFP_ACC reads (SPIF poll, dummy read, RACK poll, data), until OP_STR_DONE reads 0.
    const polls = (log.length - 6) / 4;
    assert.ok(Number.isInteger(polls) && polls >= 1 && polls <= 100, `${log.length - 6} poll transactions`);
    for (let i = 0; i < polls; i++) assert.deepEqual(mosi.slice(6 + 4 * i, 10 + 4 * i), ["60 fe 00", "60 00 00", "60 fe 00", "60 f0 00 00 00 00"]);
    assert.equal(log[log.length - 1].miso[2] & 1, 0, "the last poll saw OP_STR_DONE clear");
    assert.equal(spi.stats.transactions, 6 + 4 * polls, "no page write, nothing else");
    t.diagnostic(`setRulePort: ${spi.stats.transactions} SPI transactions (3 writes, ${polls} CFP_ACC reads), ${spi.stats.bytes} bytes`);
    const after = model.cfpRules()[0];
    assert.deepEqual(after.data, before.data);
    assert.deepEqual(after.mask, before.mask);
    assert.deepEqual(after.action.map((w) => w >>> 0), [0x01040104, 0]);
  });

  it("writeRule costs 20 register writes and 2 CFP_ACC operations; clearRules 3 writes and 1 operation per rule", (t) => {
    const { table, bus, spi } = rig();
    table.writeRule(0, SERVER, 4, 0, 1);
    spi.resetStats();
    const log = bus.capture(() => table.writeRule(1, SERVER, 4, 1, 2));
    assert.equal(log.filter((t) => t.mosi[0] === 0x61).length, 20);
    const polls = readsOf(log, 0x00).length;
    assert.ok(polls >= 2 && polls <= 200, `${polls} CFP_ACC reads`);
    assert.equal(log.length, 20 * 2 + polls * 4, "every write behind one SPIF poll, every read 4 transactions, nothing else");
    t.diagnostic(`writeRule: ${spi.stats.transactions} SPI transactions (20 writes, ${polls} CFP_ACC reads), ${spi.stats.bytes} bytes`);
    const clear = bus.capture(() => table.clearRules(0, 2));
    assert.equal(clear.filter((t) => t.mosi[0] === 0x61).length, 6);
    assert.ok(readsOf(clear, 0x00).length >= 2);
    const out = newMemberRule();
    assert.equal(table.readRule(0, out), false);
    assert.equal(table.readRule(1, out), false);
  });

  it("bad arguments throw InvalidArgumentError before any SPI access", () => {
    const { table, bus } = rig();
    const bad: [string, () => void][] = [
      ["rule 256", () => table.writeRule(256, SERVER, 4, 0, 1)],
      ["rule -1", () => table.setRulePort(-1, 1)],
      ["port 6", () => table.writeRule(0, SERVER, 4, 0, 6)],
      ["port 9", () => table.setRulePort(0, 9)],
      ["M = 9", () => table.writeRule(0, SERVER, 9, 0, 1)],
      ["index beyond M", () => table.writeRule(0, SERVER, 4, 16, 1)],
      ["MAC beyond 48 bits", () => table.writeRule(0, 2 ** 48, 4, 0, 1)],
      ["clear past the end", () => table.clearRules(250, 7)],
      ["enable map bit 9", () => table.setEnabledPorts(0x200)],
    ];
    for (const [what, action] of bad) {
      const log = bus.capture(() => assert.throws(action, InvalidArgumentError, what));
      assert.deepEqual(log, [], what);
    }
  });
});

describe("BCM53125 CFP polls are bounded (CFP facts §2: at most 100 CFP_ACC reads)", () => {
  it("a stuck OP_STR_DONE gives SpiTimeoutError naming CFP_ACC after exactly 100 reads", () => {
    const { model, table, bus } = rig();
    table.writeRule(3, SERVER, 4, 3, 1);
    model.faults.cfpStartStuck = true;
    let error: unknown;
    const log = bus.capture(() => {
      try {
        table.setRulePort(3, 2);
      } catch (caught) {
        error = caught;
      }
    });
    assert.ok(error instanceof SpiTimeoutError, String(error));
    assert.match((error as Error).message, /CFP_ACC \(page 0xa0 offset 0x00\)/);
    assert.match((error as Error).message, /action RAM write of entry 3/);
    assert.equal(readsOf(log, 0x00).length, 100);
    model.faults.cfpStartStuck = false;
    table.setRulePort(3, 2);
    const out = newMemberRule();
    table.readRule(3, out);
    assert.equal(out.port, 2);
  });

  it("setup() fails with SpiTimeoutError rather than hang when the CFP never finishes", () => {
    const { chip, model } = rig();
    model.faults.cfpStartStuck = true;
    assert.throws(() => chip.setup(), SpiTimeoutError);
  });
});

describe("BCM53125 port-based VLAN masks (Linux b53_regs.h B53_PVLAN_PAGE 0x31, B53_PVLAN_PORT_MASK(i) = 2i)", () => {
  it("writes and reads 31:2*port, 16-bit", () => {
    const { chip, model, bus } = rig();
    assert.equal(chip.getPortVlanMask(2), 0x1ff, "power-on: every port");
    const log = bus.capture(() => chip.setPortVlanMask(2, 0x103));
    assert.deepEqual(log.map((t) => hex(t.mosi)).slice(-2), ["60 fe 00", "61 04 03 01"]);
    assert.equal(model.register(0x31, 0x04, 2), 0x103);
    assert.equal(chip.getPortVlanMask(2), 0x103);
    assert.throws(() => chip.setPortVlanMask(2, 0x200), InvalidArgumentError);
    assert.throws(() => chip.setPortVlanMask(9, 0x1), InvalidArgumentError);
    assert.equal(chip.getPortVlanMask(2), 0x103, "unchanged");
  });

  it("a flood from a port reaches only the ports in its mask", () => {
    const { chip, model } = rig();
    for (const port of [0, 1, 2, 3]) model.setLink(port, true);
    chip.setPortVlanMask(1, 0b0001);
    assert.equal(model.ingress(1, { da: 0xffffffffffff, sa: client(1) }) & 0x1f, 0b0001);
    assert.equal(model.ingress(0, { da: 0xffffffffffff, sa: client(2) }) & 0x1f, 0b1110);
  });
});

describe("BCM53125 CFP named assumptions", () => {
  it("each names its UNCERTAIN point in the facts sheet", () => {
    for (const assumption of CFP_ASSUMPTIONS) {
      assert.match(assumption.name, /^BCM53125_CFP_/);
      assert.match(assumption.source, /shared\/facts\/bcm53125-cfp\.md .*U\d+/);
    }
  });
});
