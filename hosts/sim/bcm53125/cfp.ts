// The Compact Field Processor's RAMs and lookup in the BCM53125 model (shared/facts/bcm53125-cfp.md, "cfp" below):
// 256 TCAM entries of 232-bit data and mask, 256 two-word action entries, 256 two-word meter entries, in-band and
// out-band hit counters per entry. The register side (CFP_ACC operations, staging registers) lives in ./model.ts;
// this file holds the storage and turns a frame into the slice keys (cfp §1.3) and the matching entries.
// Flat typed arrays, scratch allocated once: a lookup allocates nothing.
import type { Bcm53125Assumptions } from "./assumptions";
import { CFP } from "./registers";

const WORDS = CFP.KEY_WORDS;
const ENTRIES = CFP.ENTRIES;
const SLICES = CFP.SLICES;
const MAC_BYTES = 6;
const TWO_32 = 0x100000000;
const ETHERTYPE_IPV4 = 0x0800; // IEEE 802.3 EtherType registry
const ETHERTYPE_IPV6 = 0x86dd; // IEEE 802.3 EtherType registry
const ETHERTYPE_C_TAG = 0x8100; // IEEE 802.1Q C-tag TPID
const ETHERTYPE_MINIMUM = 0x0600; // IEEE 802.3: smaller values are a length (LLC framing)
const UNTAGGED_L2_BYTES = 14; // DA, SA, EtherType
const TAG_BYTES = 4; // 802.1Q tag
const IPV4_MIN_HEADER_BYTES = 20; // RFC 791 IHL 5
const IPV6_HEADER_BYTES = 40; // RFC 8200
const L2_FRAMING_DIX = 0; // cfp §1.3 L2_FRAMING 00
const L2_FRAMING_LLC = 2; // cfp §1.3 L2_FRAMING 10
const C_TAGGED_VID_ZERO = 1; // cfp §1.3 C_TAGGED 01
const C_TAGGED_VID_NONZERO = 3; // cfp §1.3 C_TAGGED 11
const MASK5_DOCUMENTED_BITS = 0x01ffffff; // cfp §1.1 "MASK5[24:0]" (U9)
const IMP_PORT = 8; // §1.2 imp_port = 8

/** What the key builder needs of a frame (the model's IngressFrame after defaults). */
export interface CfpFrameView {
  readonly port: number;
  readonly da: number;
  readonly sa: number;
  readonly vid: number;
  readonly tagged: boolean;
  readonly ethertype: number;
  readonly length: number;
  readonly bytes: Uint8Array | undefined;
}

/** One TCAM entry with its action and counters, as the board-side reader returns it. */
export interface CfpRule {
  index: number;
  /** Slice id (key bits 3:2, cfp §1.3). */
  slice: number;
  /** CFP_DATA0..7 / CFP_MASK0..7 words as stored (word 7: bits 7:0 only). */
  data: number[];
  mask: number[];
  /** ACT_POL_DATA0 / ACT_POL_DATA1. */
  action: [number, number];
  inBandHits: number;
  outBandHits: number;
}

export class CfpTables {
  readonly tcamData = new Uint32Array(ENTRIES * WORDS);
  readonly tcamMask = new Uint32Array(ENTRIES * WORDS);
  /** 1 once the entry was written since power-on (TCAM checksum, cfp §2 Init step 4). */
  readonly written = new Uint8Array(ENTRIES);
  readonly actions = new Uint32Array(ENTRIES * 2);
  readonly meters = new Uint32Array(ENTRIES * 2);
  readonly inBandHits = new Uint32Array(ENTRIES);
  readonly outBandHits = new Uint32Array(ENTRIES);
  /** Entries the last lookup hit, in the order their actions apply (hitCount of them). */
  readonly hits = new Int16Array(SLICES);
  hitCount = 0;
  readonly #keys = new Uint32Array(SLICES * WORDS);
  readonly #assumptions: Bcm53125Assumptions;
  /** Reads one byte of page 0xA1 (the UDF registers). */
  readonly #configByte: (offset: number) => number;
  #framing = 0;

  constructor(assumptions: Bcm53125Assumptions, configByte: (offset: number) => number) {
    this.#assumptions = assumptions;
    this.#configByte = configByte;
  }

  /** Power-on: every RAM zero, no entry written. */
  powerOn(): void {
    this.tcamData.fill(0);
    this.tcamMask.fill(0);
    this.written.fill(0);
    this.clearRams();
  }

  /** cfp §1.1 TCAM_RST: clears the valid bits (key bits 1:0) of every entry, nothing else. */
  resetValidBits(): void {
    for (let entry = 0; entry < ENTRIES; entry++) this.tcamData[entry * WORDS] &= ~CFP.KEY_VALID;
  }

  /** cfp §1.1 CFP_RAM_CLEAR: action, meter and stat RAMs. */
  clearRams(): void {
    this.actions.fill(0);
    this.meters.fill(0);
    this.inBandHits.fill(0);
    this.outBandHits.fill(0);
  }

  /** Stores one TCAM entry from the staging words (U8 masked data, U9 MASK5 width, DATA7/MASK7 bits 7:0). */
  writeTcam(entry: number, data: (word: number) => number, mask: (word: number) => number): void {
    const at = entry * WORDS;
    for (let word = 0; word < WORDS; word++) {
      let maskWord = mask(word);
      if (word === 5 && !this.#assumptions.tcamMask5UpperBitsStored) maskWord &= MASK5_DOCUMENTED_BITS;
      let dataWord = data(word);
      if (this.#assumptions.tcamStoresMaskedData) dataWord &= maskWord;
      if (word === WORDS - 1) {
        maskWord &= CFP.KEY_LAST_WORD_MASK;
        dataWord &= CFP.KEY_LAST_WORD_MASK;
      }
      this.tcamData[at + word] = dataWord >>> 0;
      this.tcamMask[at + word] = maskWord >>> 0;
    }
    this.written[entry] = 1;
  }

  isValid(entry: number): boolean {
    return (this.tcamData[entry * WORDS] & CFP.KEY_VALID) === CFP.KEY_VALID; // cfp §1.3: both VALID bits 1
  }

  rule(entry: number): CfpRule {
    const at = entry * WORDS;
    return {
      index: entry,
      slice: (this.tcamData[at] >>> CFP.KEY_SLICE_SHIFT) & 0x3,
      data: Array.from(this.tcamData.subarray(at, at + WORDS)),
      mask: Array.from(this.tcamMask.subarray(at, at + WORDS)),
      action: [this.actions[2 * entry], this.actions[2 * entry + 1]],
      inBandHits: this.inBandHits[entry],
      outBandHits: this.outBandHits[entry],
    };
  }

  /** Lowest entry never written since power-on, or -1 (TCAM checksum, assumption tcamChecksumFlagsUnwrittenEntries). */
  firstUnwritten(): number {
    return this.written.indexOf(0);
  }

  /**
   * Builds the three slice keys for `frame` and finds the entries that hit (assumption cfpPriority); returns the
   * number of hits, whose indexes are in `hits`.
   */
  lookup(frame: CfpFrameView): number {
    this.#buildKeys(frame);
    const data = this.tcamData;
    const mask = this.tcamMask;
    const keys = this.#keys;
    const perSlice = this.#assumptions.cfpPriority === "per-slice";
    const framingExact = !this.#assumptions.l3FramingDontCareMatchesAllFramings;
    const hits = this.hits;
    hits.fill(-1);
    let found = 0;
    for (let entry = 0; entry < ENTRIES; entry++) {
      const at = entry * WORDS;
      if ((data[at] & CFP.KEY_VALID) !== CFP.KEY_VALID) continue;
      if (framingExact && ((data[at + 6] >>> (CFP.KEY_L3_FRAMING_BIT - 192)) & 0x3) !== this.#framing) continue; // U2
      for (let slice = 0; slice < SLICES; slice++) {
        if (perSlice && hits[slice] >= 0) continue;
        const keyAt = slice * WORDS;
        let word = 0;
        while (word < WORDS && ((keys[keyAt + word] ^ data[at + word]) & mask[at + word]) === 0) word++;
        if (word < WORDS) continue;
        if (!perSlice) {
          hits[0] = entry;
          this.hitCount = 1;
          return 1;
        }
        hits[slice] = entry;
        found++;
        break;
      }
    }
    if (perSlice) {
      // compact in slice order: actions apply slice 0, 1, 2
      let count = 0;
      for (let slice = 0; slice < SLICES; slice++) if (hits[slice] >= 0) hits[count++] = hits[slice];
      for (let rest = count; rest < SLICES; rest++) hits[rest] = -1;
    }
    this.hitCount = found;
    return found;
  }

  /** cfp §1.3 key of each slice 0..2 for `frame`, with the UDFs of its framing (A IPv4, B IPv6, C non-IP). */
  #buildKeys(frame: CfpFrameView): void {
    const keys = this.#keys;
    keys.fill(0);
    const ethertype = frame.ethertype;
    const framing = ethertype === ETHERTYPE_IPV4 ? CFP.L3_FRAMING_IPV4 : ethertype === ETHERTYPE_IPV6 ? CFP.L3_FRAMING_IPV6 : CFP.L3_FRAMING_NON_IP;
    this.#framing = framing;
    const udfBase = framing === CFP.L3_FRAMING_IPV4 ? CFP.UDF_IPV4_BASE : framing === CFP.L3_FRAMING_IPV6 ? CFP.UDF_IPV6_BASE : CFP.UDF_NON_IP_BASE;
    const l2End = UNTAGGED_L2_BYTES + (frame.tagged ? TAG_BYTES : 0);
    let l3End = -1; // non-IP: no end of L3, UDFs based there are not valid
    if (framing === CFP.L3_FRAMING_IPV4) l3End = l2End + Math.max(IPV4_MIN_HEADER_BYTES, (frameByte(frame, l2End) & 0xf) * 4);
    else if (framing === CFP.L3_FRAMING_IPV6) l3End = l2End + IPV6_HEADER_BYTES;
    let protocol = 0;
    let trafficClass = 0;
    if (framing === CFP.L3_FRAMING_IPV4) {
      protocol = frameByte(frame, l2End + 9); // RFC 791 protocol
      trafficClass = frameByte(frame, l2End + 1); // RFC 791 TOS
    } else if (framing === CFP.L3_FRAMING_IPV6) {
      protocol = frameByte(frame, l2End + 6); // RFC 8200 next header
      trafficClass = ((frameByte(frame, l2End) & 0xf) << 4) | (frameByte(frame, l2End + 1) >>> 4); // RFC 8200
    }
    const cTagged = frame.tagged ? (frame.vid === 0 ? C_TAGGED_VID_ZERO : C_TAGGED_VID_NONZERO) : 0;
    const imp = this.#assumptions.srcPmapImpBit;
    const sourceMap = frame.port === IMP_PORT ? (imp >= 0 && imp <= 7 ? 1 << imp : 0) : 1 << frame.port; // U10
    for (let slice = 0; slice < SLICES; slice++) {
      const at = slice * WORDS;
      setBits(keys, at, 0, 2, CFP.KEY_VALID);
      setBits(keys, at, CFP.KEY_SLICE_SHIFT, 2, slice);
      let udfValid = 0;
      for (let udf = 0; udf < CFP.UDFS_PER_SLICE; udf++) {
        const selection = this.#configByte(udfBase + CFP.UDF_SLICE_STRIDE * slice + udf);
        const base = selection >>> CFP.UDF_BASE_SHIFT;
        const start = base === CFP.UDF_BASE_START_OF_FRAME ? 0 : base === CFP.UDF_BASE_END_OF_L2 ? l2End : base === CFP.UDF_BASE_END_OF_L3 ? l3End : -1;
        if (start < 0) continue; // reserved base (cfp §1.2) or no L3: field 0, not valid
        const offset = start + 2 * (selection & CFP.UDF_OFFSET_MASK);
        if (offset + 2 > frame.length) continue;
        const first = frameByte(frame, offset);
        const second = frameByte(frame, offset + 1);
        const value = this.#assumptions.udfFirstByteHigh ? (first << 8) | second : (second << 8) | first; // U1
        setBits(keys, at, CFP.KEY_UDF_FIRST_BIT + 16 * udf, 16, value);
        udfValid |= 1 << udf;
      }
      if (frame.tagged) setBits(keys, at, CFP.KEY_C_TAG_VID_BIT, 12, frame.vid);
      setBits(keys, at, CFP.KEY_UDF_VALID_BIT, 9, udfValid);
      if (framing === CFP.L3_FRAMING_NON_IP) setBits(keys, at, CFP.KEY_ETHERTYPE_BIT, 16, ethertype);
      else {
        setBits(keys, at, CFP.KEY_IP_PROTOCOL_BIT, 8, protocol);
        setBits(keys, at, CFP.KEY_TOS_BIT, 8, trafficClass);
      }
      setBits(keys, at, CFP.KEY_L3_FRAMING_BIT, 2, framing);
      setBits(keys, at, CFP.KEY_L2_FRAMING_BIT, 2, ethertype >= ETHERTYPE_MINIMUM ? L2_FRAMING_DIX : L2_FRAMING_LLC);
      setBits(keys, at, CFP.KEY_C_TAGGED_BIT, 2, cTagged);
      setBits(keys, at, CFP.KEY_SOURCE_PORT_MAP_BIT, 8, sourceMap);
    }
  }
}

/** ORs `value` (width <= 16 bits) into the key at `bit`, which may straddle two 32-bit words. */
function setBits(words: Uint32Array, at: number, bit: number, width: number, value: number): void {
  const word = bit >>> 5;
  const shift = bit & 31;
  const field = value & ((1 << width) - 1);
  words[at + word] |= field << shift;
  if (shift + width > 32) words[at + word + 1] |= field >>> (32 - shift);
}

/** The frame's byte at `offset` on the wire: DA and SA from the MACs (big-endian), else `bytes`, else the header. */
function frameByte(frame: CfpFrameView, offset: number): number {
  if (offset < MAC_BYTES) return macByte(frame.da, offset);
  if (offset < 2 * MAC_BYTES) return macByte(frame.sa, offset - MAC_BYTES);
  const bytes = frame.bytes;
  if (bytes && offset < bytes.length) return bytes[offset];
  // no bytes given: the Ethernet header the frame has (C-tag from vid/tagged, then the EtherType), zeros after it
  let at = offset - 2 * MAC_BYTES;
  if (frame.tagged) {
    if (at < TAG_BYTES) return at < 2 ? (ETHERTYPE_C_TAG >>> (8 * (1 - at))) & 0xff : (frame.vid >>> (8 * (3 - at))) & 0xff;
    at -= TAG_BYTES;
  }
  return at < 2 ? (frame.ethertype >>> (8 * (1 - at))) & 0xff : 0;
}

function macByte(mac: number, index: number): number {
  // byte 0 is the most significant of the 48-bit number (modules/mac.ts)
  if (index < 2) return (Math.floor(mac / TWO_32) >>> (8 * (1 - index))) & 0xff;
  return ((mac % TWO_32) >>> (8 * (5 - index))) & 0xff;
}
