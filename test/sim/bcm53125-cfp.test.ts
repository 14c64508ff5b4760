// The BCM53125 model's Compact Field Processor driven through raw SPI bytes (shared/facts/bcm53125-cfp.md, "cfp"):
// CFP_ACC operations and RD_STS (§1.1, §2), TCAM reset and RAM clear, UDF extraction (§1.2, §3), the patent's rule
// "DA = S and low SA bits = i -> port" (§3), priority, actions, the enable map, port-based VLAN masks (Linux
// b53_regs.h B53_PVLAN_PORT_MASK) and every UNCERTAIN point's named assumption both ways (§5 U1..U16).
import { test } from "node:test";
import assert from "node:assert/strict";
import type { SimSPI } from "../../hosts/sim/spi";
import type { Bcm53125Assumptions } from "../../hosts/sim/bcm53125";
import { BROADCAST_MAC } from "../../modules/mac";
import { makeRig, readNumber, writeNumber, type Rig } from "./rig";

const SERVER = 0x02_00_00_00_00_10;
const OTHER = 0x02_00_00_00_00_77;
const CLIENT_BASE = 0x3c_07_54_00_00_00;
const bits = (...ports: number[]) => ports.reduce((mask, port) => mask | (1 << port), 0);

const ACC = 0x00; // cfp §1.1 CFP_ACC on page 0xA0
const MAX_POLLS = 100; // cfp §2 SOC_TIMEOUT_VAL
const TCAM_WRITE = 0x0405; // cfp §2 ready-made CFP_ACC values
const ACTION_WRITE = 0x0805;
const TCAM_READ = 0x0403;
const ACTION_READ = 0x0803;
const IN_BAND_READ = 0x2003;
const OUT_BAND_READ = 0x4003;
const IN_BAND_WRITE = 0x2005;

function rig(assumptions?: Partial<Bcm53125Assumptions>, links = [0, 1, 2, 3, 4, 8]): Rig {
  const r = makeRig(assumptions);
  for (const port of links) r.chip.setLink(port, true);
  return r;
}

/** Writes CFP_ACC and polls it (at most 100 reads, cfp §2); returns the reads it took and the first value read. */
function operate(spi: SimSPI, value: number): { polls: number; first: number } {
  writeNumber(spi, 0xa0, ACC, value >>> 0, 4);
  let first = -1;
  for (let poll = 1; poll <= MAX_POLLS; poll++) {
    const read = readNumber(spi, 0xa0, ACC, 4);
    if (first < 0) first = read;
    if (!(read & 1)) return { polls: poll, first };
  }
  throw new Error("CFP_ACC OP_STR_DONE did not clear");
}

/** cfp §2 write: DATAk then MASKk interleaved, then CFP_ACC. */
function writeTcam(spi: SimSPI, index: number, data: readonly number[], mask: readonly number[]): void {
  for (let word = 0; word < 8; word++) {
    writeNumber(spi, 0xa0, 0x10 + 4 * word, (data[word] ?? 0) >>> 0, 4);
    writeNumber(spi, 0xa0, 0x30 + 4 * word, (mask[word] ?? 0) >>> 0, 4);
  }
  operate(spi, TCAM_WRITE | (index << 16));
}

function readTcam(spi: SimSPI, index: number): { data: number[]; mask: number[] } {
  operate(spi, TCAM_READ | (index << 16));
  const data: number[] = [];
  const mask: number[] = [];
  for (let word = 0; word < 8; word++) {
    data.push(readNumber(spi, 0xa0, 0x10 + 4 * word, 4));
    mask.push(readNumber(spi, 0xa0, 0x30 + 4 * word, 4));
  }
  return { data, mask };
}

/** Polls CFP_ACC until `bit` (TCAM_RST, CFP_RAM_CLEAR) self-clears; returns the reads it took. */
function waitSelfClear(spi: SimSPI, bit: number): number {
  for (let poll = 1; poll <= MAX_POLLS; poll++) if (!(readNumber(spi, 0xa0, ACC, 4) & bit)) return poll;
  throw new Error(`CFP_ACC bit ${bit} did not clear`);
}

function writeAction(spi: SimSPI, index: number, word0: number, word1 = 0): void {
  writeNumber(spi, 0xa0, 0x50, word0 >>> 0, 4);
  writeNumber(spi, 0xa0, 0x54, word1 >>> 0, 4);
  operate(spi, ACTION_WRITE | (index << 16));
}

function readAction(spi: SimSPI, index: number): [number, number] {
  operate(spi, ACTION_READ | (index << 16));
  return [readNumber(spi, 0xa0, 0x50, 4), readNumber(spi, 0xa0, 0x54, 4)];
}

function readHits(spi: SimSPI, index: number, band: "in" | "out" = "in"): number {
  operate(spi, (band === "in" ? IN_BAND_READ : OUT_BAND_READ) | (index << 16));
  return readNumber(spi, 0xa0, band === "in" ? 0x70 : 0x74, 4);
}

/** cfp §3 UDF allocation for slice 0 of A, B and C: DA {4,2,0}, SA offset 10. */
function selectMacUdfs(spi: SimSPI, slice = 0): void {
  for (const base of [0x10, 0x40, 0x70]) {
    [0x02, 0x01, 0x00, 0x05].forEach((value, udf) => writeNumber(spi, 0xa1, base + 0x10 * slice + udf, value, 1));
  }
}

function enable(spi: SimSPI, map: number): void {
  writeNumber(spi, 0xa1, 0x00, map, 2);
}

/** cfp §3 entry for DA == da && (SA & (2^indexBits-1)) == index in `slice`. */
function macRule(da: number, indexBits: number, index: number, slice = 0): { data: number[]; mask: number[] } {
  const d = [0, 1, 2, 3, 4, 5].map((i) => Math.floor(da / 2 ** (8 * (5 - i))) & 0xff);
  const data = [0x03 | (slice << 2) | (d[5] << 8) | (d[4] << 16) | (d[3] << 24), d[2] | (d[1] << 8) | (d[0] << 16) | (index << 24), 0, 0, 0, 0x0f000000, 0, 0];
  const mask = [0xffffff0f, 0x00ffffff | (((1 << indexBits) - 1) << 24), 0, 0, 0, 0x0f000000, 0, 0];
  return { data: data.map((w) => w >>> 0), mask: mask.map((w) => w >>> 0) };
}

/** cfp §3 action: replace the destination with `port` in both bands (bit 6 of DST_MAP is IMP). */
function redirect(port: number, change = 2): number {
  const map = port === 8 ? 0x40 : 1 << port;
  return (map | (change << 7) | (map << 16) | (change << 23)) >>> 0;
}

function install(spi: SimSPI, index: number, rule: { data: number[]; mask: number[] }, word0: number, word1 = 0): void {
  writeAction(spi, index, word0, word1); // cfp §2 install order: action first
  writeTcam(spi, index, rule.data, rule.mask);
}

/** CFP on for port 0, MAC UDFs selected, entry 0: DA = SERVER and SA low nibble 1 -> `port`. */
function oneRuleRig(assumptions: Partial<Bcm53125Assumptions>, port: number): Rig {
  const r = rig(assumptions);
  selectMacUdfs(r.spi);
  enable(r.spi, bits(0));
  install(r.spi, 0, macRule(SERVER, 4, 1), redirect(port));
  return r;
}

test("TCAM and action entries write and read back byte for byte; RD_STS shows on the first read after a read and clears", () => {
  const { spi, chip } = rig();
  const data = [0x11223303, 0x44556677, 0x8899aabb, 0xccddeeff, 0x01020304, 0x0f000000, 0x30000000, 0xa5];
  const mask = [0xffffff0f, 0xffffffff, 0x0000ffff, 0, 0xffff0000, 0x0f000000, 0x03000000, 0xff];
  writeTcam(spi, 200, data, mask);
  writeNumber(spi, 0xa0, ACC, TCAM_READ | (200 << 16), 4);
  let status = 0;
  for (let poll = 0; poll < MAX_POLLS; poll++) {
    status = readNumber(spi, 0xa0, ACC, 4);
    if (!(status & 1)) break;
  }
  assert.equal(status >>> 28, 0x1, "RD_STS 0001: TCAM data valid");
  assert.equal(readNumber(spi, 0xa0, ACC, 4) >>> 28, 0, "cleared by the read that returned it");
  for (let word = 0; word < 8; word++) {
    assert.equal(readNumber(spi, 0xa0, 0x10 + 4 * word, 4), data[word], `DATA${word}`);
    assert.equal(readNumber(spi, 0xa0, 0x30 + 4 * word, 4), mask[word], `MASK${word}`);
  }
  writeAction(spi, 7, 0x01080108, 0x00000201);
  writeNumber(spi, 0xa0, 0x50, 0, 4);
  writeNumber(spi, 0xa0, 0x54, 0, 4);
  assert.equal(operate(spi, ACTION_READ | (7 << 16)).first >>> 28, 0x2, "RD_STS 0010: action");
  assert.deepEqual([readNumber(spi, 0xa0, 0x50, 4), readNumber(spi, 0xa0, 0x54, 4)], [0x01080108, 0x201]);
  writeNumber(spi, 0xa0, 0x70, 1234, 4);
  operate(spi, IN_BAND_WRITE | (9 << 16));
  assert.equal(operate(spi, IN_BAND_READ | (9 << 16)).first >>> 28, 0x8, "RD_STS 1000: stat");
  assert.equal(readNumber(spi, 0xa0, 0x70, 4), 1234);
  assert.deepEqual(chip.cfpRules().map((rule) => rule.index), [200]);
  assert.deepEqual(chip.cfpRule(7).action, [0x01080108, 0x201]);
  assert.equal(chip.cfpRule(9).inBandHits, 1234);
  assert.deepEqual(chip.unmodeledAccesses, []);
});

test("OP_STR_DONE clears after the modelled delay (cfpOperationMs): bounded polls see it busy first", () => {
  assert.equal(operate(rig().spi, TCAM_READ).polls, 1, "default 1 µs: done by the first poll over SPI (U15)");
  const slow = rig({ cfpOperationMs: 0.05 });
  const { polls, first } = operate(slow.spi, TCAM_READ);
  assert.ok(polls > 1 && first & 1, `busy on the first read, done after ${polls}`);
  assert.equal(first >>> 28, 0, "RD_STS appears only when the operation completes");
  const stuck = rig({ cfpOperationMs: Infinity });
  assert.throws(() => operate(stuck.spi, TCAM_READ), /did not clear/);
});

test("TCAM_RST clears only the valid bits; CFP_RAM_CLEAR clears action and stats but not the TCAM; both self-clear", () => {
  const { spi, chip } = rig();
  const rule = macRule(SERVER, 4, 5);
  install(spi, 3, rule, redirect(1));
  writeNumber(spi, 0xa0, 0x70, 42, 4);
  operate(spi, IN_BAND_WRITE | (3 << 16));
  writeNumber(spi, 0xa0, ACC, 0x8000, 4);
  waitSelfClear(spi, 0x8000);
  const after = readTcam(spi, 3);
  assert.equal(after.data[0], (rule.data[0] & ~0x3) >>> 0, "VALID bits 0");
  assert.deepEqual(after.data.slice(1), rule.data.slice(1));
  assert.deepEqual(after.mask, rule.mask);
  assert.deepEqual(readAction(spi, 3), [redirect(1), 0], "action RAM untouched by the TCAM reset");
  assert.deepEqual(chip.cfpRules(), []);
  writeNumber(spi, 0xa0, ACC, 0x0010, 4);
  waitSelfClear(spi, 0x0010);
  assert.deepEqual(readAction(spi, 3), [0, 0]);
  assert.equal(readHits(spi, 3), 0);
  assert.deepEqual(readTcam(spi, 3).mask, rule.mask, "TCAM kept");
});

test("the patent's rule: DA = server and low SA bits = i goes to table[i]; other DAs keep the ARL result", () => {
  const { spi, chip } = rig();
  selectMacUdfs(spi);
  const table = [1, 2, 3, 4];
  for (let i = 0; i < 16; i++) install(spi, i, macRule(SERVER, 4, i), redirect(table[i % 4]));
  enable(spi, bits(0, 8));
  chip.ingress(3, { da: BROADCAST_MAC, sa: SERVER }); // learned on 3: the ARL would say 3
  for (let client = 0; client < 64; client++) {
    const sa = CLIENT_BASE + client * 0x1000 + client; // low nibble = client % 16
    assert.equal(chip.ingress(0, { da: SERVER, sa }), bits(table[(client & 0xf) % 4]), `client ${client}`);
  }
  assert.equal(chip.ingress(0, { da: OTHER, sa: CLIENT_BASE + 1 }), bits(1, 2, 3, 4), "no hit: flood as before");
  for (let i = 0; i < 16; i++) assert.equal(readHits(spi, i), 4, `entry ${i} hits`);
  assert.equal(chip.cfpRules().length, 16);
});

test("U1 UDF byte order both ways: SA's last byte lands in D1[31:24] (default) or D2[7:0]", () => {
  for (const udfFirstByteHigh of [true, false]) {
    const { spi, chip } = rig({ udfFirstByteHigh });
    selectMacUdfs(spi);
    const common = { data: [0x03, 0, 0, 0, 0, 0x08000000, 0, 0], mask: [0x0f, 0, 0, 0, 0, 0x08000000, 0, 0] };
    install(spi, 10, { data: [...common.data.slice(0, 1), 0xab000000, ...common.data.slice(2)], mask: [...common.mask.slice(0, 1), 0xff000000, ...common.mask.slice(2)] }, redirect(1));
    install(spi, 11, { data: [0x03, 0, 0xab, 0, 0, 0x08000000, 0, 0], mask: [0x0f, 0, 0xff, 0, 0, 0x08000000, 0, 0] }, redirect(2));
    enable(spi, bits(0));
    const egress = chip.ingress(0, { da: SERVER, sa: 0x02_00_00_00_00_ab });
    assert.equal(egress, udfFirstByteHigh ? bits(1) : bits(2));
    assert.equal(readHits(spi, udfFirstByteHigh ? 10 : 11), 1);
  }
});

test("lowest index wins (U5 lowest-index); per-slice: each slice hits and the later slice's replace wins", () => {
  const { spi, chip } = rig();
  selectMacUdfs(spi);
  const sa = CLIENT_BASE + 3;
  install(spi, 5, macRule(SERVER, 4, 3), redirect(1));
  install(spi, 9, macRule(SERVER, 4, 3), redirect(2));
  enable(spi, bits(0));
  assert.equal(chip.ingress(0, { da: SERVER, sa }), bits(1));
  install(spi, 3, macRule(SERVER, 4, 3), redirect(2));
  assert.equal(chip.ingress(0, { da: SERVER, sa }), bits(2));
  assert.deepEqual([readHits(spi, 3), readHits(spi, 5), readHits(spi, 9)], [1, 1, 0]);

  for (const cfpPriority of ["lowest-index", "per-slice"] as const) {
    const r = rig({ cfpPriority });
    selectMacUdfs(r.spi, 0);
    selectMacUdfs(r.spi, 1);
    install(r.spi, 5, macRule(SERVER, 4, 3, 0), redirect(1));
    install(r.spi, 9, macRule(SERVER, 4, 3, 1), redirect(2));
    enable(r.spi, bits(0));
    assert.equal(r.chip.ingress(0, { da: SERVER, sa }), cfpPriority === "per-slice" ? bits(2) : bits(1), cfpPriority);
    assert.equal(readHits(r.spi, 9), cfpPriority === "per-slice" ? 1 : 0);
  }
});

test("CHANGE_FWRD_MAP: 10 replaces the ARL destination, 11 adds to it, 00 keeps it", () => {
  const { spi, chip } = rig();
  selectMacUdfs(spi);
  chip.ingress(3, { da: BROADCAST_MAC, sa: SERVER });
  enable(spi, bits(0));
  const sa = CLIENT_BASE + 1;
  install(spi, 0, macRule(SERVER, 4, 1), redirect(1, 2));
  assert.equal(chip.ingress(0, { da: SERVER, sa }), bits(1));
  writeAction(spi, 0, redirect(1, 3));
  assert.equal(chip.ingress(0, { da: SERVER, sa }), bits(1, 3));
  writeAction(spi, 0, redirect(1, 0));
  assert.equal(chip.ingress(0, { da: SERVER, sa }), bits(3));
  writeAction(spi, 0, redirect(8, 2));
  assert.equal(chip.ingress(0, { da: SERVER, sa }), bits(8), "DST_MAP bit 6 is the IMP port");
  writeAction(spi, 0, (2 << 7) | (2 << 23));
  assert.equal(chip.ingress(0, { da: SERVER, sa }), 0, "replace with an empty map drops");
  assert.equal(readHits(spi, 0), 5);
});

test("CFP_EN_MAP: only frames received on an enabled port are looked up", () => {
  const { spi, chip } = rig();
  selectMacUdfs(spi);
  chip.ingress(3, { da: BROADCAST_MAC, sa: SERVER });
  install(spi, 0, macRule(SERVER, 4, 1), redirect(1));
  const sa = CLIENT_BASE + 1;
  assert.equal(chip.ingress(0, { da: SERVER, sa }), bits(3), "enable map 0 after reset");
  enable(spi, bits(2));
  assert.equal(chip.ingress(0, { da: SERVER, sa }), bits(3));
  assert.equal(chip.ingress(2, { da: SERVER, sa }), bits(1));
  assert.equal(readHits(spi, 0), 1);
});

test("port-based VLAN masks (0x31) limit floods and unicast; reset value lets every port reach every port", () => {
  const { spi, chip } = rig();
  assert.equal(readNumber(spi, 0x31, 2 * 0, 2), 0x1ff);
  chip.ingress(2, { da: BROADCAST_MAC, sa: SERVER });
  writeNumber(spi, 0x31, 0, bits(0, 1, 3, 8), 2);
  writeNumber(spi, 0x00, 0x08, 0x1c, 1); // IMP port control: receive broadcast, multicast, unicast
  assert.equal(chip.ingress(0, { da: BROADCAST_MAC, sa: CLIENT_BASE }), bits(1, 3, 8), "flood without port 2");
  assert.equal(chip.ingress(0, { da: OTHER, sa: CLIENT_BASE }), bits(1, 3, 8), "unknown unicast too");
  writeNumber(spi, 0x31, 0, bits(0, 1, 3), 2);
  assert.equal(chip.ingress(0, { da: OTHER, sa: CLIENT_BASE }), bits(1, 3), "IMP masked (bit 8)");
  assert.equal(chip.ingress(0, { da: SERVER, sa: CLIENT_BASE }), 0, "known unicast to a masked port is dropped");
  assert.equal(chip.ingress(1, { da: SERVER, sa: CLIENT_BASE + 1 }), bits(2), "other ports keep their own mask");
  writeNumber(spi, 0x31, 2 * 8, bits(0), 2);
  assert.equal(chip.ingress(8, { da: BROADCAST_MAC, sa: CLIENT_BASE + 2 }), bits(0), "IMP's mask at 0x31/0x10");
  assert.deepEqual(chip.unmodeledAccesses, []);
});

test("U12 both ways: the ingress port's VLAN mask drops a CFP destination unless VLAN_BYP (or the assumption says it never applies)", () => {
  for (const portVlanMasksCfpDestination of [true, false]) {
    const { spi, chip } = oneRuleRig({ portVlanMasksCfpDestination }, 2);
    writeNumber(spi, 0x31, 0, bits(1, 3, 8), 2);
    const sa = CLIENT_BASE + 1;
    assert.equal(chip.ingress(0, { da: SERVER, sa }), portVlanMasksCfpDestination ? 0 : bits(2));
    writeAction(spi, 0, redirect(2), 0x1); // VLAN_BYP
    assert.equal(chip.ingress(0, { da: SERVER, sa }), bits(2));
  }
});

test("U3 both ways: a CFP destination inside a trunk group is final (default) or re-hashed across the group", () => {
  for (const cfpDestinationRehashedInTrunk of [false, true]) {
    const { spi, chip } = rig({ cfpDestinationRehashedInTrunk });
    writeNumber(spi, 0x32, 0x10, bits(1, 2), 2);
    writeNumber(spi, 0x32, 0x00, 0x08 | 2, 1); // trunk enabled, hash SA
    selectMacUdfs(spi);
    enable(spi, bits(0));
    for (let i = 0; i < 16; i++) install(spi, i, macRule(SERVER, 4, i), redirect(1));
    const seen = new Set<number>();
    for (let i = 0; i < 16; i++) seen.add(chip.ingress(0, { da: SERVER, sa: CLIENT_BASE + i }));
    assert.deepEqual([...seen].sort(), cfpDestinationRehashedInTrunk ? [bits(1), bits(2)] : [bits(1)]);
  }
});

test("U2 both ways: one entry with L3_FRAMING masked matches IPv4, IPv6, non-IP, LLC and tagged frames (or only its own framing)", () => {
  for (const l3FramingDontCareMatchesAllFramings of [true, false]) {
    const { chip } = oneRuleRig({ l3FramingDontCareMatchesAllFramings }, 1);
    const sa = CLIENT_BASE + 1;
    const results = [0x0800, 0x86dd, 0x88b5, 0x0040].flatMap((ethertype) => [
      chip.ingress(0, { da: SERVER, sa, ethertype }),
      chip.ingress(0, { da: SERVER, sa, ethertype, vid: 5 }),
    ]);
    const hit = bits(1);
    assert.deepEqual(results.map((egress) => egress === hit), l3FramingDontCareMatchesAllFramings ? new Array(8).fill(true) : [true, true, false, false, false, false, false, false]);
  }
});

test("key fields: framing, C-tag, EtherType and SRC_PMAP (U10 IMP bit) are matched from the frame", () => {
  const { spi, chip } = rig();
  enable(spi, bits(0, 1, 8));
  // non-IP (11) with EtherType 0x88b5, C-tagged VID != 0 (11), only from port 1
  install(spi, 0, { data: [0x03, 0, 0, 0, 0, 0, 0x3388b500, 0], mask: [0x0f, 0, 0, 0, 0, 0, 0x33ffff00, 0xff & ~bits(1)] }, redirect(4));
  assert.equal(chip.ingress(1, { da: OTHER, sa: CLIENT_BASE, ethertype: 0x88b5, vid: 9 }), bits(4));
  assert.notEqual(chip.ingress(1, { da: OTHER, sa: CLIENT_BASE, ethertype: 0x88b5 }), bits(4), "untagged misses");
  assert.notEqual(chip.ingress(0, { da: OTHER, sa: CLIENT_BASE, ethertype: 0x88b5, vid: 9 }), bits(4), "port 0 misses");
  for (const srcPmapImpBit of [7, 6, -1]) {
    const r = rig({ srcPmapImpBit });
    enable(r.spi, bits(8));
    install(r.spi, 0, { data: [0x03, 0, 0, 0, 0, 0, 0, 0], mask: [0x0f, 0, 0, 0, 0, 0, 0, 0xff & ~bits(7)] }, redirect(4));
    // matches when IMP sets bit 7 (unmasked) or no bit at all
    assert.equal(r.chip.ingress(8, { da: OTHER, sa: CLIENT_BASE }) === bits(4), srcPmapImpBit !== 6, `IMP bit ${srcPmapImpBit}`);
  }
  // UDF at end of L2 reads the payload from `bytes`
  const u = rig();
  writeNumber(u.spi, 0xa1, 0x70, 0x40, 1); // UDF_0_C_0: base end of L2, offset 0
  enable(u.spi, bits(0));
  install(u.spi, 0, { data: [0x03 | (0xbeef << 8), 0, 0, 0, 0, 0x01000000, 0, 0], mask: [0xffff0f, 0, 0, 0, 0, 0x01000000, 0, 0] }, redirect(2));
  const payload = new Uint8Array(64);
  payload.set([0xbe, 0xef], 14);
  assert.equal(u.chip.ingress(0, { da: OTHER, sa: CLIENT_BASE, ethertype: 0x88b5, bytes: payload }), bits(2));
  assert.notEqual(u.chip.ingress(0, { da: OTHER, sa: CLIENT_BASE, ethertype: 0x88b5 }), bits(2));
});

test("U4 both ways: the band that applies without meters and the counter it counts", () => {
  for (const cfpBandWithoutMeters of ["in-band", "out-band"] as const) {
    const { spi, chip } = rig({ cfpBandWithoutMeters });
    selectMacUdfs(spi);
    chip.ingress(3, { da: BROADCAST_MAC, sa: SERVER });
    enable(spi, bits(0));
    install(spi, 0, macRule(SERVER, 4, 1), bits(1) | (2 << 7)); // IB only: redirect to 1; OB keep
    for (let i = 0; i < 5; i++) chip.ingress(0, { da: SERVER, sa: CLIENT_BASE + 1 });
    assert.equal(chip.ingress(0, { da: SERVER, sa: CLIENT_BASE + 1 }), cfpBandWithoutMeters === "in-band" ? bits(1) : bits(3));
    assert.deepEqual([readHits(spi, 0, "in"), readHits(spi, 0, "out")], cfpBandWithoutMeters === "in-band" ? [6, 0] : [0, 6]);
  }
});

test("U6 both ways: a frame that hits learns its SA (default) or not", () => {
  for (const cfpHitLearnsSa of [true, false]) {
    const { chip } = oneRuleRig({ cfpHitLearnsSa }, 1);
    chip.ingress(0, { da: SERVER, sa: CLIENT_BASE + 1 });
    assert.equal(chip.arlEntries().some((entry) => entry.mac === CLIENT_BASE + 1), cfpHitLearnsSa);
  }
});

test("U7 staging registers persist after an operation (default) or read 0 after a write", () => {
  for (const cfpStagingPersists of [true, false]) {
    const { spi } = rig({ cfpStagingPersists });
    const rule = macRule(SERVER, 4, 2);
    writeTcam(spi, 20, rule.data, rule.mask);
    writeNumber(spi, 0xa0, 0x14, 0x55, 4); // only DATA1 for entry 21
    operate(spi, TCAM_WRITE | (21 << 16));
    const entry21 = readTcam(spi, 21);
    assert.deepEqual(entry21.mask, cfpStagingPersists ? rule.mask : new Array(8).fill(0));
    assert.equal(entry21.data[0], cfpStagingPersists ? rule.data[0] : 0);
    assert.equal(entry21.data[1], 0x55);
  }
});

test("U8 and U9: data stored raw or AND mask; MASK5 bits 31:25 stored or dropped", () => {
  for (const tcamStoresMaskedData of [false, true]) {
    const { spi } = rig({ tcamStoresMaskedData });
    writeTcam(spi, 1, [3, 0, 0xffffffff], [0, 0, 0x0000ffff]);
    assert.equal(readTcam(spi, 1).data[2], tcamStoresMaskedData ? 0xffff : 0xffffffff);
  }
  for (const tcamMask5UpperBitsStored of [true, false]) {
    const { spi, chip } = rig({ tcamMask5UpperBitsStored });
    writeTcam(spi, 1, [3], [0x0f, 0, 0, 0, 0, 0xffffffff]);
    assert.equal(readTcam(spi, 1).mask[5], tcamMask5UpperBitsStored ? 0xffffffff : 0x01ffffff);
    // functional: an entry that requires UDF1_VLD = 0 (key bit 185); every UDF is valid on a 64-byte frame
    writeTcam(spi, 1, [3], [0x0f, 0, 0, 0, 0, 0x02000000]);
    writeAction(spi, 1, redirect(1));
    enable(spi, bits(0));
    assert.equal(chip.ingress(0, { da: OTHER, sa: CLIENT_BASE }) === bits(1), !tcamMask5UpperBitsStored);
  }
});

test("U11 both ways: the trunk hash skips a link-down member (default) or frames hashed to it are lost", () => {
  for (const trunkSkipsLinkDownMembers of [true, false]) {
    const { spi, chip } = rig({ trunkSkipsLinkDownMembers });
    writeNumber(spi, 0x32, 0x10, bits(1, 2), 2);
    writeNumber(spi, 0x32, 0x00, 0x08 | 2, 1);
    chip.ingress(1, { da: BROADCAST_MAC, sa: SERVER });
    chip.setLink(2, false);
    let delivered = 0;
    for (let i = 0; i < 8; i++) if (chip.ingress(0, { da: SERVER, sa: CLIENT_BASE + i }) === bits(1)) delivered++;
    assert.equal(delivered, trunkSkipsLinkDownMembers ? 8 : 4);
  }
});

test("U13 both ways: TCAM_RST with the CFP enabled clears (default) or is ignored; EN_TCAM_CHKSUM flags entries never written", () => {
  for (const tcamResetWhileCfpEnabled of ["clears", "ignored"] as const) {
    const { spi, chip } = rig({ tcamResetWhileCfpEnabled });
    install(spi, 0, macRule(SERVER, 4, 1), redirect(1));
    enable(spi, bits(0));
    writeNumber(spi, 0xa0, ACC, 0x8000, 4);
    assert.equal(chip.cfpRules().length, tcamResetWhileCfpEnabled === "clears" ? 0 : 1);
    enable(spi, 0);
    writeNumber(spi, 0xa0, ACC, 0x8000, 4);
    assert.equal(chip.cfpRules().length, 0, "with CFP_EN_MAP = 0 the reset always clears");
  }
  const { spi, chip } = rig();
  enable(spi, bits(0));
  writeNumber(spi, 0x00, 0xe8, 0x80, 1);
  chip.ingress(0, { da: OTHER, sa: CLIENT_BASE });
  assert.equal(readNumber(spi, 0x00, 0xea, 2), 0x8000, "entry 0 never written");
  for (let i = 0; i < 256; i++) writeTcam(spi, i, [], []);
  assert.equal(readNumber(spi, 0x00, 0xea, 2), 0, "rewriting the address clears the flag");
  chip.ingress(0, { da: OTHER, sa: CLIENT_BASE });
  assert.equal(readNumber(spi, 0x00, 0xea, 2), 0);
});

test("U14 both ways: frames hitting an entry while its action is rewritten are delivered (default) or dropped", () => {
  for (const cfpActionRewriteHitless of [true, false]) {
    const { spi, chip } = oneRuleRig({ cfpActionRewriteHitless, cfpOperationMs: 0.05 }, 1);
    writeNumber(spi, 0xa0, 0x50, redirect(2), 4);
    writeNumber(spi, 0xa0, ACC, ACTION_WRITE, 4); // no poll yet: the write is running
    assert.equal(chip.ingress(0, { da: SERVER, sa: CLIENT_BASE + 1 }), cfpActionRewriteHitless ? bits(2) : 0);
  }
});

test("U15 both ways: RD_STS is cleared by the read that returned it (default) or kept until the next operation", () => {
  for (const cfpReadStatusClearedOnRead of [true, false]) {
    const { spi } = rig({ cfpReadStatusClearedOnRead });
    operate(spi, TCAM_READ);
    assert.equal(readNumber(spi, 0xa0, ACC, 4) >>> 28, cfpReadStatusClearedOnRead ? 0 : 1);
    writeNumber(spi, 0xa0, 0x50, 0, 4);
    operate(spi, ACTION_WRITE);
    assert.equal(readNumber(spi, 0xa0, ACC, 4) >>> 28, 0, "a write sets no RD_STS");
  }
});

test("U16 both ways: one 32-bit write fills four UDF registers (default) or only the first, recorded as a width mismatch", () => {
  for (const udfMultiByteWritesSpanRegisters of [true, false]) {
    const { spi, chip } = rig({ udfMultiByteWritesSpanRegisters });
    writeNumber(spi, 0xa1, 0x10, 0x05000102, 4);
    const read = [0x10, 0x11, 0x12, 0x13].map((offset) => readNumber(spi, 0xa1, offset, 1));
    assert.deepEqual(read, udfMultiByteWritesSpanRegisters ? [0x02, 0x01, 0x00, 0x05] : [0x02, 0, 0, 0]);
    assert.deepEqual(chip.unmodeledAccesses, udfMultiByteWritesSpanRegisters ? [] : [{ page: 0xa1, offset: 0x10, kind: "width-mismatch" }]);
  }
});

test("a CFP search (OP_SEL 100) is recorded as an unmodeled operation; a software reset clears the CFP (softwareResetClearsCfp)", () => {
  const { spi, chip } = rig();
  operate(spi, 0x0409);
  assert.deepEqual(chip.unmodeledAccesses, [{ page: 0xa0, offset: 0x00, kind: "operation" }]);
  for (const softwareResetClearsCfp of [true, false]) {
    const r = rig({ softwareResetClearsCfp });
    install(r.spi, 4, macRule(SERVER, 4, 1), redirect(1));
    writeNumber(r.spi, 0x00, 0x79, 0x80, 1);
    assert.equal(r.chip.cfpRules().length, softwareResetClearsCfp ? 0 : 1);
    assert.equal(readNumber(r.spi, 0xa1, 0x00, 2), 0, "CFP_EN_MAP back to 0");
  }
});

test("fault cfpStartStuck: OP_STR_DONE never clears and nothing runs; after clearing the fault the next operation runs", () => {
  const { spi, chip } = rig();
  chip.faults.cfpStartStuck = true;
  writeNumber(spi, 0xa0, 0x50, redirect(1), 4);
  assert.throws(() => operate(spi, ACTION_WRITE | (2 << 16)), /did not clear/);
  assert.deepEqual(chip.cfpRule(2).action, [0, 0]);
  chip.faults.cfpStartStuck = false;
  operate(spi, ACTION_WRITE | (2 << 16));
  assert.deepEqual(chip.cfpRule(2).action, [redirect(1), 0]);
});
