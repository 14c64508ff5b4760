// Every behaviour of the BCM53125 model that shared/facts/switch-chips.md or shared/facts/bcm53125-cfp.md ("cfp")
// marks UNCERTAIN (or does not state at all) and that the model nevertheless has to decide. The CFP ones carry the
// sheet's number (cfp §5 U1..U16). They live here and nowhere else, so a bench self-test on real
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
  /**
   * cfp §5 U11: what a trunk does when a member's link is down and nothing else changed. Model: true, the hash
   * spreads over the link-up members only (see trunkMemberIndex), so nothing is lost. When false the hash spreads
   * over every member of the group and frames hashed to a link-down member are lost.
   */
  readonly trunkSkipsLinkDownMembers: boolean;
  /**
   * Power-on value of each port-based VLAN mask 0x31/2*port (b53_regs.h B53_PVLAN_PORT_MASK gives the register,
   * not its reset value). Model: 0x1ff, every port may reach every port.
   */
  readonly portVlanMaskResetValue: number;

  // --- CFP (shared/facts/bcm53125-cfp.md) ---------------------------------------------------------------------

  /**
   * U1 byte order inside a UDF. true (the SDK's packing, cfp §3): the first byte on the wire lands in bits 15:8 of
   * the 16-bit field. false: it lands in bits 7:0.
   */
  readonly udfFirstByteHigh: boolean;
  /**
   * U2 one entry for all framings. true: L3_FRAMING (key bits 217:216) is compared under its mask like any key bit,
   * so mask 00 matches IPv4, IPv6 and non-IP frames alike (their UDFs sit at the same key bits, cfp §1.3). false:
   * each framing has its own key format and an entry only ever matches frames of the framing its data names,
   * whatever its mask says.
   */
  readonly l3FramingDontCareMatchesAllFramings: boolean;
  /**
   * U3 trunk re-hash after the CFP. false: a CFP destination map is final. true: a CFP destination port that is a
   * member of an enabled trunk group is replaced by the member the trunk hash picks for the frame (as ARL
   * forwarding to that group would).
   */
  readonly cfpDestinationRehashedInTrunk: boolean;
  /**
   * U4 which band's action applies when no meter is set up (after CFP_RAM_CLEAR). Model: "in-band" (CHANGE_FWRD_MAP_IB
   * / DST_MAP_IB and the in-band hit counter); "out-band" uses the OB fields and the out-band counter.
   */
  readonly cfpBandWithoutMeters: "in-band" | "out-band";
  /**
   * U5 priority. "lowest-index": one hit per frame, the lowest-index matching entry over all slices. "per-slice":
   * each slice yields its lowest-index hit and every slice's hit applies in slice order 0, 1, 2 (a later slice's
   * replace wins); every hit is counted.
   */
  readonly cfpPriority: "lowest-index" | "per-slice";
  /** U6 SA learning on a CFP hit. true: learning proceeds as without the CFP. false: a frame that hits learns nothing. */
  readonly cfpHitLearnsSa: boolean;
  /**
   * U7 staging registers persist after an operation. true: CFP_DATA/MASK, ACT_POL_DATA, RATE_* keep their values.
   * false: a write operation leaves the staging registers of the RAM it wrote at 0.
   */
  readonly cfpStagingPersists: boolean;
  /** U8 readback where the mask is 0. false: the TCAM stores data as written. true: it stores data AND mask. */
  readonly tcamStoresMaskedData: boolean;
  /**
   * U9 MASK5 width (the MDK text says [24:0]). true: all 32 bits are stored. false: bits 31:25 are not stored (read
   * back 0, so UDF1..8_VLD are never compared).
   */
  readonly tcamMask5UpperBitsStored: boolean;
  /**
   * U10 SRC_PMAP (key bits 231:224) is one-hot: a frame from port p (0..7) sets bit p. Which bit the IMP port (8)
   * sets: 0..7, or -1 for none. Model: 7 (the self-test's first guess; it shares the bit with port 7).
   */
  readonly srcPmapImpBit: number;
  /**
   * U12 whether the ingress port's port-based VLAN mask (0x31) also masks a CFP destination. true: yes, unless the
   * action sets VLAN_BYP. false: the CFP destination ignores the port-based VLAN masks.
   */
  readonly portVlanMasksCfpDestination: boolean;
  /**
   * U13 TCAM_RST while some port has CFP_EN_MAP set (the register text allows the reset only with the CFP disabled
   * everywhere; the SDK does it enabled). "clears": the valid bits are cleared regardless. "ignored": the reset does
   * nothing (the bit still self-clears).
   */
  readonly tcamResetWhileCfpEnabled: "clears" | "ignored";
  /** U14 live action rewrite. true: hitless. false: frames hitting an entry while its action write runs are dropped. */
  readonly cfpActionRewriteHitless: boolean;
  /**
   * U13/U15 time (ms) a CFP operation (OP_STR_DONE), TCAM_RST and CFP_RAM_CLEAR take before hardware clears the
   * bit. Model: 1 µs, shorter than one CFP_ACC read over SPI at 20 MHz, so the first poll after an operation sees it
   * done, as the sheet expects of silicon (U15); tests raise it to make polls count. The operation's effect on the RAM
   * and staging registers is immediate. Infinity makes the bits never clear (a stuck engine, for timeout paths).
   */
  readonly cfpOperationMs: number;
  /**
   * U15 RD_STS (CFP_ACC bits 31:28). true: cleared by the read of CFP_ACC that returned it (facts). false: kept until
   * the next operation starts.
   */
  readonly cfpReadStatusClearedOnRead: boolean;
  /**
   * U16 UDF registers are byte-wide. true: one multi-byte write starting at a UDF register fills the following UDF
   * registers (no unmodeled access recorded). false: only the addressed byte is stored and a width mismatch is
   * recorded.
   */
  readonly udfMultiByteWritesSpanRegisters: boolean;
  /**
   * Software reset (0x00/0x79) and the CFP RAMs (cfp sheet silent). Model: true, TCAM, action, meter and stat RAMs
   * return to power-on state (firmware must reinstall its rules after a chip reset).
   */
  readonly softwareResetClearsCfp: boolean;
  /**
   * cfp §2 Init step 4 (SDK: write all 256 entries "otherwise parity error"). true: with TCAM_CTRL.EN_TCAM_CHKSUM
   * set, a lookup that scans an entry never written since power-on latches TCAM_CHKSUM_STS = 0x8000 | that index
   * (the lowest one); rewriting it clears the flag. false: no checksum errors.
   */
  readonly tcamChecksumFlagsUnwrittenEntries: boolean;
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
  trunkSkipsLinkDownMembers: true,
  portVlanMaskResetValue: 0x1ff,
  udfFirstByteHigh: true,
  l3FramingDontCareMatchesAllFramings: true,
  cfpDestinationRehashedInTrunk: false,
  cfpBandWithoutMeters: "in-band",
  cfpPriority: "lowest-index",
  cfpHitLearnsSa: true,
  cfpStagingPersists: true,
  tcamStoresMaskedData: false,
  tcamMask5UpperBitsStored: true,
  srcPmapImpBit: 7,
  portVlanMasksCfpDestination: true,
  tcamResetWhileCfpEnabled: "clears",
  cfpActionRewriteHitless: true,
  cfpOperationMs: 0.001,
  cfpReadStatusClearedOnRead: true,
  udfMultiByteWritesSpanRegisters: true,
  softwareResetClearsCfp: true,
  tcamChecksumFlagsUnwrittenEntries: true,
});
