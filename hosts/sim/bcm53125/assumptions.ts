// Every behaviour of the BCM53125 model that shared/facts/switch-chips.md marks UNCERTAIN (or does not state at all)
// and that the model nevertheless has to decide. They live here and nowhere else, so a bench self-test on real
// silicon can check each one by name, and a test can run the model under a different choice
// (new Bcm53125Model({ assumptions: { ... } })).
import { macLowBits } from "../../../modules/mac";

/** Trunk hash select values, shared/facts/switch-chips.md §1.4 (0x32/0x00 bits 1:0). */
export type TrunkHashSelect = 0 | 1 | 2 | 3;

export interface Bcm53125Assumptions {
  /**
   * ARL bucket (0..1023) for a {MAC, VID} key. Facts §1.3: "The exact hash polynomial is UNCERTAIN". The model
   * XOR-folds the 60-bit key {VID[11:0], MAC[47:0]} into six 10-bit pieces. Firmware must never depend on it: it
   * only sees which MACs collide (bucket full).
   */
  readonly arlBucket: (mac: number, vid: number) => number;
  /**
   * Which link-up member of a trunk group carries a frame. Facts §1.4: the hash-to-member mapping "is not exposed"
   * (UNCERTAIN: hash mod count or a fixed fold). Model: the low 3 bits of the hash key (SA for HASH_SEL = SA, DA
   * for DA, DA XOR SA for DA+SA and for the illegal value 3), modulo the number of link-up members, counted in
   * ascending port order, as small Broadcom-based switches document. Returns the index into that ordered list.
   */
  readonly trunkMemberIndex: (hashSelect: TrunkHashSelect, da: number, sa: number, linkUpMembers: number) => number;
  /**
   * Facts §1.5 (UNCERTAIN): whether a STATIC entry blocks re-learning of its MAC arriving on another port. The model
   * takes the pessimistic answer, false: learning moves the entry to the new port and it becomes dynamic. Firmware
   * that keeps a server MAC pinned must therefore also disable learning on the trunk members (0x00/0x3C), as §1.5
   * recommends.
   */
  readonly staticEntryBlocksRelearn: boolean;
  /**
   * Facts §1.4 (UNCERTAIN): whether trunk members learn as individual ports. Model: true, an SA learned on a member
   * records that member's port number, so the server MAC "moves" between members (pessimistic). When false, the
   * model records the group's lowest-numbered member instead (learning per trunk, like Ocelot's PORTID_VAL).
   */
  readonly trunkMembersLearnIndividually: boolean;
  /**
   * ARL search advance (facts §1.3 give only Linux's loop). Model: after START, each time results are ready the
   * next up-to-two valid entries (table order: bucket, then bin) sit in result 0/1 and 0x50 bit0 VALID reads 1; the
   * dummy read of result-1 data (0x05/0x78) consumes the pair and starts the next step, which becomes ready after
   * `arlSearchStepMs`. A driver must therefore read 0x78 last. At the end START and VALID read 0 and both result
   * data words read VALID = 0.
   */
  readonly arlSearchStepMs: number;
  /**
   * Time (ms) an ARL read/write operation (0x05/0x00 START) and a fast-age run (0x00/0x88 START) keep their START
   * bit set before hardware clears it. Facts §1.2/§1.3 say only that hardware clears it. Model: 4 µs.
   */
  readonly arlOperationMs: number;
  /**
   * Power-on value of switch mode 0x00/0x0B (facts §1.2 list the bits, not the reset value). Model: 0x02, forwarding
   * enabled, unmanaged mode: a fresh chip switches frames before any firmware touches it.
   */
  readonly switchModeResetValue: number;
  /**
   * Bytes the chip drives on MISO while it clocks a command byte, an address byte, the data of a dummy read, or data
   * bytes past the 8 latched ones (facts §1.1 say nothing). Model: 0x00.
   */
  readonly idleOutputByte: number;
  /**
   * A dummy read latches the addressed register's width; the remaining bytes of the 8-byte data buffer read 0x00
   * (false: it latches 8 consecutive bytes of the page from the offset). A register the model does not know is
   * always latched as 8 bytes. (Facts §1.1 describe the data register as up to 8 bytes.)
   */
  readonly dummyReadLatchesRegisterWidthOnly: boolean;
  /**
   * SPIF timing (facts §1.1 give only Linux's 10 x 1 ms poll). Model: SPIF (0xFE bit7) reads busy for this long
   * after each write or dummy read transaction ends. Default 0: never busy outside the stuck-busy fault.
   */
  readonly spifBusyMs: number;
  /** RACK (0xFE bit5) rises this long after a dummy read ends (facts §1.1: poll until RACK). Default 0. */
  readonly rackDelayMs: number;
  /**
   * Command bytes other than 0x60/0x61 (the "fast" flag 0x10 is UNCERTAIN in facts §1.1): the model ignores the rest
   * of the transaction, answers `idleOutputByte`, and records an unmodeled access of kind "command".
   */
  readonly unknownCommand: "ignore-and-record";
  /** Revision ID 0x02/0x40 value (facts §1.2 give the register, not a value). Model: 0x00. */
  readonly revisionId: number;
  /**
   * Aging (facts §1.2: aging time 0x02/0x06 bits 19:0 seconds, default 300; the sweep is not described). Model: a
   * two-phase sweep every aging time: a dynamic entry with AGE = 1 has AGE cleared, one with AGE = 0 is removed;
   * learning (an SA hit) sets AGE. An idle entry therefore disappears between 1x and 2x the aging time.
   * Aging time 0 disables aging.
   */
  readonly agingSweepPeriodFactor: number;
  /**
   * Fast-age control 0x00/0x88 (facts §1.2): bit0 flushes static entries, bit1 dynamic entries, bit2 limits to the
   * port in 0x89, bit3 to the VID in 0x8A. Multicast-MAC entries are flushed only with bit5 (MC) set; bit4 (STP) is
   * stored and otherwise ignored.
   */
  readonly fastAgeMulticastNeedsMcFlag: boolean;
  /**
   * Software reset 0x00/0x79 bit7 (facts §1.2) restores every register (MIB counters included) to its power-on
   * value; whether it also empties the ARL is not stated. Model: true.
   */
  readonly softwareResetClearsArl: boolean;
  /** A full bucket (4 valid bins, none matching the SA) does not learn the SA: no eviction. */
  readonly fullBucketLearning: "skip";
  /**
   * The IMP port may not be a trunk member (facts §1.4); what hardware does with the bit is unknown. Model: a group
   * bitmap's IMP bit is ignored.
   */
  readonly impBitInTrunkGroupIgnored: boolean;
}

/** {VID, MAC} folded into 10 bits. Exported so tests can build colliding keys without going through SPI. */
export function xorFoldArlBucket(mac: number, vid: number): number {
  const low = mac % 0x100000000 >>> 0; // MAC bits 31:0
  const high = Math.floor(mac / 0x100000000) & 0xffff; // MAC bits 47:32
  // 60-bit key = vid[11:0] << 48 | mac; six 10-bit slices.
  const slice0 = low & 0x3ff;
  const slice1 = (low >>> 10) & 0x3ff;
  const slice2 = (low >>> 20) & 0x3ff;
  const slice3 = ((low >>> 30) | (high << 2)) & 0x3ff;
  const slice4 = (high >>> 8) & 0xff | ((vid & 0x3) << 8);
  const slice5 = (vid >>> 2) & 0x3ff;
  return slice0 ^ slice1 ^ slice2 ^ slice3 ^ slice4 ^ slice5;
}

export function lowBitsModuloMemberIndex(hashSelect: TrunkHashSelect, da: number, sa: number, linkUpMembers: number): number {
  if (linkUpMembers <= 0) return -1;
  const daBits = macLowBits(da, 3);
  const saBits = macLowBits(sa, 3);
  const key = hashSelect === 1 ? daBits : hashSelect === 2 ? saBits : daBits ^ saBits;
  return key % linkUpMembers;
}

export const BCM53125_ASSUMPTIONS: Bcm53125Assumptions = Object.freeze({
  arlBucket: xorFoldArlBucket,
  trunkMemberIndex: lowBitsModuloMemberIndex,
  staticEntryBlocksRelearn: false,
  trunkMembersLearnIndividually: true,
  arlSearchStepMs: 0.004,
  arlOperationMs: 0.004,
  switchModeResetValue: 0x02,
  idleOutputByte: 0x00,
  dummyReadLatchesRegisterWidthOnly: true,
  spifBusyMs: 0,
  rackDelayMs: 0,
  unknownCommand: "ignore-and-record",
  revisionId: 0x00,
  agingSweepPeriodFactor: 1,
  fastAgeMulticastNeedsMcFlag: true,
  softwareResetClearsArl: true,
  fullBucketLearning: "skip",
  impBitInTrunkGroupIgnored: true,
});
