// The member rules' TCAM and action encodings against the worked values in shared/facts/bcm53125-cfp.md §3, without
// a chip.
import assert from "node:assert/strict";
import { describe, it } from "node:test";
import {
  clearField,
  decodeActionPort,
  decodeMemberMatch,
  encodeActionPort,
  encodeMemberMatch,
  getField,
  isCfpPort,
  MASK_WORDS,
  MEMBER_RULE_UDF_OFFSETS,
  newTcamEntry,
  putField,
  udfKeyBit,
  udfRegisterValue,
} from "../../modules/chip/bcm53125/cfp-rules";
import { newMemberRule } from "../../modules/chip/switch-chip";
import { parseMac } from "../../modules/mac";

const hex32 = (value: number) => "0x" + (value >>> 0).toString(16).padStart(8, "0");

describe("BCM53125 CFP member rules: encoding (facts §3)", () => {
  it("UDF registers: DA at offsets 4, 2, 0 and the SA's low pair at 10 give 02 01 00 05", () => {
    assert.deepEqual(MEMBER_RULE_UDF_OFFSETS.map(udfRegisterValue), [0x02, 0x01, 0x00, 0x05]);
  });

  it("entry i for DA d0..d5: DATA0/MASK0, DATA1/MASK1 as the sheet spells them, every other word 0", () => {
    const words = newTcamEntry();
    const da = parseMac("00:1b:21:3a:4f:10"); // d0..d5 = 00 1b 21 3a 4f 10
    encodeMemberMatch(words, da, 6, 0x2d);
    const [d0, d1, d2, d3, d4, d5] = [0x00, 0x1b, 0x21, 0x3a, 0x4f, 0x10];
    assert.equal(hex32(words[0]), hex32(0x03 | (d5 << 8) | (d4 << 16) | (d3 << 24)));
    assert.equal(hex32(words[8]), "0xffffff0f", "VALID and slice id exact, bits 7:4 don't care");
    assert.equal(hex32(words[1]), hex32(d2 | (d1 << 8) | (d0 << 16) | (0x2d << 24)));
    assert.equal(hex32(words[9]), hex32(0x00ffffff | (0x3f << 24)));
    for (const k of [2, 3, 4, 5, 6, 7]) {
      assert.equal(words[k], 0, `DATA${k}`);
      assert.equal(words[8 + k], 0, `MASK${k}: framing, tags, UDF valid bits and ingress ports don't care`);
    }
  });

  it("data bits are zero wherever the mask is zero (U8): index bits above M are dropped", () => {
    const words = newTcamEntry();
    encodeMemberMatch(words, 0xffffffffffff, 4, 0x0f);
    assert.equal(words[1] >>> 24, 0x0f);
    assert.equal(words[9] >>> 24, 0x0f);
    encodeMemberMatch(words, 0x020000000001, 0, 0);
    assert.equal(words[1] >>> 24, 0, "M = 0: the SA is not compared");
    assert.equal(words[9] >>> 24, 0);
    for (let k = 0; k < 8; k++) assert.equal(words[k] & ~words[8 + k], 0, `word ${k}`);
  });

  it("decodes what it encodes, for every M and boundary MACs", () => {
    const words = newTcamEntry();
    const out = newMemberRule();
    for (const mac of [0, 1, 0xff, 0x10000, 0x0100_0000_0000, 0xffff_ffff_ffff, parseMac("02:aa:bb:cc:dd:ee")]) {
      for (let bits = 0; bits <= 8; bits++) {
        const index = bits === 0 ? 0 : (1 << bits) - 1 - (bits >> 1);
        encodeMemberMatch(words, mac, bits, index);
        assert.equal(decodeMemberMatch(words, out), true);
        assert.deepEqual({ mac: out.serverMac, bits: out.indexBits, index: out.index }, { mac, bits, index });
      }
    }
    words.fill(0);
    assert.equal(decodeMemberMatch(words, out), false, "VALID = 00");
    assert.equal(out.valid, false);
  });

  it("a UDF3 mask that is not a run of low bits is not a member rule (indexBits -1)", () => {
    const words = newTcamEntry();
    const out = newMemberRule();
    encodeMemberMatch(words, 1, 4, 3);
    words[9] = (words[9] & 0x00ffffff) | (0xf0 << 24);
    decodeMemberMatch(words, out);
    assert.equal(out.indexBits, -1);
  });
});

describe("BCM53125 CFP member rules: actions (facts §3 'Action for egress port p')", () => {
  it("redirect IB and OB alike: port 0 -> 0x01010101, port 3 -> 0x01080108, IMP -> 0x01400140; -1 keeps the ARL result", () => {
    assert.equal(hex32(encodeActionPort(0)), "0x01010101");
    assert.equal(hex32(encodeActionPort(3)), "0x01080108");
    assert.equal(hex32(encodeActionPort(8)), "0x01400140");
    assert.equal(hex32(encodeActionPort(5)), "0x01200120");
    assert.equal(encodeActionPort(-1), 0);
  });

  it("decodes ports, keep, and actions a member table never writes", () => {
    for (const port of [0, 1, 2, 3, 4, 5, 8, -1]) assert.equal(decodeActionPort(encodeActionPort(port)), port);
    assert.equal(decodeActionPort(0x00000100), -2, "drop: replace with an empty map");
    assert.equal(decodeActionPort(0x0000017f), -2, "flood: replace with every port");
    assert.equal(decodeActionPort(0x00000181), -2, "add, not replace");
  });

  it("ports a destination map can name: 0-5 and 8", () => {
    assert.deepEqual([-1, 0, 5, 6, 7, 8, 9, 1.5].map(isCfpPort), [false, true, true, false, false, true, false, false]);
  });
});

describe("BCM53125 CFP key fields", () => {
  it("put, get and clear a 16-bit field that straddles two words (UDF x1 = D0[31:24] + D1[7:0])", () => {
    const words = newTcamEntry();
    putField(words, MASK_WORDS, udfKeyBit(1), 0xabcd);
    assert.equal(words[8] >>> 24, 0xcd);
    assert.equal(words[9] & 0xff, 0xab);
    assert.equal(getField(words, MASK_WORDS, udfKeyBit(1)), 0xabcd);
    words[8] |= 0x00ffff00;
    words[9] |= 0xffffff00;
    clearField(words, MASK_WORDS, udfKeyBit(1));
    assert.equal(hex32(words[8]), "0x00ffff00");
    assert.equal(hex32(words[9]), "0xffffff00");
  });
});
