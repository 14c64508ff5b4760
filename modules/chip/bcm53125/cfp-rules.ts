// The patent's table as BCM53125 CFP rules, encoded and decoded without touching the chip, so the driver, the
// self-tests and the tests share one definition. Source: shared/facts/bcm53125-cfp.md ("CFP facts §x").
//
// Rule i of a server: DA == server MAC && (SA & (2^M - 1)) == i -> replace the destination with port table[i].
// The key uses slice 0 and four user-defined fields (UDFs), programmed identically for IPv4, IPv6 and non-IP frames
// (CFP facts §3 "Proposed allocation"):
//   UDF0 = DA[4]DA[5], UDF1 = DA[2]DA[3], UDF2 = DA[0]DA[1], UDF3 = SA[4]SA[5]   (each 16 bits, first byte high: U1)
// Everything else in the key is "don't care" (mask 0), so one rule matches every framing, tagged or not (U2).
// Pure and allocation-free: callers pass buffers made once.

import type { MemberRule } from "../switch-chip";
import { CFP, CFP_ACTION, CFP_CONTROL, CFP_KEY } from "./registers";

/** A TCAM entry as the firmware stages it: words 0..7 = CFP_DATA0..7, words 8..15 = CFP_MASK0..7 (CFP facts §1.3). */
export const TCAM_ENTRY_WORDS = 2 * CFP.WORDS;
/** Index of CFP_MASK0 in a TCAM entry buffer. */
export const MASK_WORDS = CFP.WORDS;

export function newTcamEntry(): Uint32Array {
  return new Uint32Array(TCAM_ENTRY_WORDS);
}

/**
 * UDF register values of the member rules, UDF 0..3 of slice 0 (CFP facts §3 "SDK mapping of MAC fields to UDFs":
 * MAC_DA byte offsets {4, 2, 0} -> 0x02, 0x01, 0x00; the SA's low pair at offset 10 -> 0x05). A register value is
 * `(offset / 2) | base << 5` with base 000 = start of frame (CFP facts §1.2, cfp.c:4880).
 */
export const MEMBER_RULE_UDF_OFFSETS: readonly number[] = Object.freeze([4, 2, 0, 10]);

export function udfRegisterValue(byteOffset: number): number {
  return (byteOffset >>> 1) | (CFP_CONTROL.UDF_BASE_START_OF_FRAME << CFP_CONTROL.UDF_BASE_SHIFT);
}

/** The first UDF register of slice 0 for each framing, all programmed the same (CFP facts §3, U2). */
export const MEMBER_RULE_UDF_SLICES: readonly number[] = Object.freeze([
  CFP_CONTROL.UDF_SLICE0_IPV4,
  CFP_CONTROL.UDF_SLICE0_IPV6,
  CFP_CONTROL.UDF_SLICE0_NON_IP,
]);

/** Largest M: the index is compared in the SA's last byte only (UDF3's low byte, CFP facts §3). */
export const MAX_INDEX_BITS = 8;

const TWO_16 = 0x10000;
const TWO_32 = 0x100000000;

/** The 16-bit UDF value (first byte high, U1) a frame with this 48-bit MAC shows at MAC byte `offset` 0, 2 or 4. */
function macPair(mac: number, offset: number): number {
  // MAC byte 0 is the most significant byte of the number (modules/mac.ts).
  if (offset === 0) return Math.floor(mac / TWO_32) & 0xffff;
  if (offset === 2) return Math.floor(mac / TWO_16) & 0xffff;
  return mac % TWO_16;
}

/**
 * Key bit where UDF `n` starts: UDF x0 = key [23:8], then 16 bits per UDF (CFP facts §1.3 table: [39:24], [55:40] ...).
 */
export function udfKeyBit(n: number): number {
  return CFP_KEY.UDF0_SHIFT + 16 * n;
}

// 16-bit key fields at key bit `bit` of the words starting at `base` (0 = data, MASK_WORDS = mask); a field may
// straddle two words (UDF x1 = D0[31:24] + D1[7:0], CFP facts §1.3).

/** ORs a 16-bit field into a TCAM entry buffer. */
export function putField(words: Uint32Array, base: number, bit: number, value: number): void {
  const word = bit >>> 5;
  const shift = bit & 31;
  words[base + word] |= value << shift;
  if (shift > 16) words[base + word + 1] |= value >>> (32 - shift);
}

/** Reads a 16-bit field of a TCAM entry buffer. */
export function getField(words: Uint32Array, base: number, bit: number): number {
  const word = bit >>> 5;
  const shift = bit & 31;
  let value = words[base + word] >>> shift;
  if (shift > 16) value |= words[base + word + 1] << (32 - shift);
  return value & 0xffff;
}

/** Clears a 16-bit field of a TCAM entry buffer. */
export function clearField(words: Uint32Array, base: number, bit: number): void {
  const word = bit >>> 5;
  const shift = bit & 31;
  words[base + word] &= ~(0xffff << shift);
  if (shift > 16) words[base + word + 1] &= ~(0xffff >>> (32 - shift));
}

/**
 * Writes into `out` (TCAM_ENTRY_WORDS long) the key and mask of the member rule
 * "DA == serverMac && (SA & (2^indexBits - 1)) == index". Arguments are not checked here (the driver does).
 *   VALID D0[1:0] = 11, mask 11; slice id D0[3:2] = 0 (slice 0), mask 11 (CFP facts §1.3, cfp.c:4037, gfield.c:2338);
 *   UDF0..2 = DA, mask 0xFFFF; UDF3 = SA[4]SA[5], mask 2^indexBits - 1 (the SA's last byte, CFP facts §3 "Entry i").
 * The UDF valid bits (D5[31:24]) are masked out rather than required: offsets 0..11 exist in every frame, and a
 * zero mask there keeps the rule independent of U9 (whether MASK5 bits above 24 stick). Framing, tags and the
 * ingress port map are masked out (U2). Data bits are zero wherever the mask is zero (CFP facts §3, U8).
 */
export function encodeMemberMatch(out: Uint32Array, serverMac: number, indexBits: number, index: number): void {
  out.fill(0);
  out[0] = CFP_KEY.VALID; // slice 0: data 00
  out[MASK_WORDS] = CFP_KEY.VALID | CFP_KEY.SLICE_MASK;
  for (let n = 0; n < 3; n++) {
    const bit = udfKeyBit(n);
    putField(out, 0, bit, macPair(serverMac, MEMBER_RULE_UDF_OFFSETS[n]));
    putField(out, MASK_WORDS, bit, 0xffff);
  }
  const indexMask = (1 << indexBits) - 1;
  putField(out, 0, udfKeyBit(3), index & indexMask);
  putField(out, MASK_WORDS, udfKeyBit(3), indexMask);
}

/**
 * Reads a TCAM entry (as encodeMemberMatch lays it out) into `out`'s valid, serverMac, indexBits and index; returns
 * `out.valid` (VALID D0[1:0] = 11). For a valid entry whose UDF3 mask is not a run of low bits (not a member rule),
 * indexBits is -1. Leaves `out.port` alone.
 */
export function decodeMemberMatch(words: Uint32Array, out: MemberRule): boolean {
  out.valid = (words[0] & CFP_KEY.VALID) === CFP_KEY.VALID;
  const low = getField(words, 0, udfKeyBit(0));
  const middle = getField(words, 0, udfKeyBit(1));
  const high = getField(words, 0, udfKeyBit(2));
  out.serverMac = high * TWO_32 + middle * TWO_16 + low;
  const indexMask = getField(words, MASK_WORDS, udfKeyBit(3));
  let bits = 0;
  while (bits < MAX_INDEX_BITS && ((indexMask >>> bits) & 1) === 1) bits++;
  out.indexBits = indexMask === (1 << bits) - 1 ? bits : -1;
  out.index = getField(words, 0, udfKeyBit(3)) & indexMask;
  return out.valid;
}

/** Ports a CFP destination map can name: 0..5 (bits 5..0) and the IMP, 8 (bit 6) (CFP facts §1.1 DST_MAP_IB). */
export function isCfpPort(port: number): boolean {
  return Number.isInteger(port) && ((port >= 0 && port <= 5) || port === 8);
}

function destinationBit(port: number): number {
  return port === 8 ? CFP_ACTION.DST_MAP_IMP_BIT : 1 << port;
}

/**
 * ACT_POL_DATA0 for "replace the destination with `port`", in-band and out-band alike as the SDK's redirect does
 * (CFP facts §3 "Action for egress port p": port 0 -> 0x01010101, port 3 -> 0x01080108, IMP -> 0x01400140). Port -1:
 * 0, CHANGE_FWRD_MAP = 00, keep the ARL result. ACT_POL_DATA1 is always ACTION1_MEMBER_RULE.
 */
export function encodeActionPort(port: number): number {
  if (port < 0) return 0;
  const bit = destinationBit(port);
  return (
    ((bit << CFP_ACTION.DST_MAP_IB_SHIFT) |
      (CFP_ACTION.CHANGE_REPLACE << CFP_ACTION.CHANGE_FWRD_IB_SHIFT) |
      (bit << CFP_ACTION.DST_MAP_OB_SHIFT) |
      (CFP_ACTION.CHANGE_REPLACE << CFP_ACTION.CHANGE_FWRD_OB_SHIFT)) >>>
    0
  );
}

/** ACT_POL_DATA1 of a member rule: no VLAN/EAP/STP bypass, no loopback, no TC change (CFP facts §4 VLAN, STP/EAP). */
export const ACTION1_MEMBER_RULE = 0;

/**
 * The port an ACT_POL_DATA0 value sends to, from its in-band half: -1 for CHANGE_FWRD_MAP_IB = 00 (keep the ARL
 * result), the port for a replace with exactly one port, -2 for anything else (add, drop, several ports: not a
 * member-table action).
 */
export function decodeActionPort(action0: number): number {
  const change = (action0 >>> CFP_ACTION.CHANGE_FWRD_IB_SHIFT) & CFP_ACTION.CHANGE_FWRD_MASK;
  if (change === CFP_ACTION.CHANGE_KEEP) return -1;
  const map = (action0 >>> CFP_ACTION.DST_MAP_IB_SHIFT) & CFP_ACTION.DST_MAP_MASK;
  if (change !== CFP_ACTION.CHANGE_REPLACE || map === 0 || (map & (map - 1)) !== 0) return -2;
  if (map === CFP_ACTION.DST_MAP_IMP_BIT) return 8;
  return 31 - Math.clz32(map);
}
