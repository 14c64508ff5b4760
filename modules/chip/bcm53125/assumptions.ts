// What the BCM53125 firmware assumes where shared/facts/switch-chips.md says UNCERTAIN (or says nothing), in one place
// so a self-test on real silicon can check each item by name. The driver uses these only to *predict* and to order
// its accesses; nothing here is ever presented as measured. (The simulator's model keeps its own copy of the same
// choices in hosts/sim/bcm53125/assumptions.ts: the firmware never reads the model and the model never reads this.)

/** Description of an assumption, printed beside every value derived from it. */
export interface NamedAssumption {
  readonly name: string;
  readonly statement: string;
  readonly source: string;
}

/**
 * How the chip picks a trunk member for a frame when HASH_SEL = SA (0x32/0x00 bits 1:0 = 2, facts §1.4). Facts §1.4:
 * "How the hash result maps to a member is not exposed ... UNCERTAIN: whether it is `hash mod count` or a fixed 2-bit
 * fold." Small Broadcom-based switches document the rule below; the firmware uses it only to print predictions,
 * labelled as such, beside what the port counters measure.
 */
export const TRUNK_MEMBER_BY_SA_LOW_BITS: NamedAssumption = Object.freeze({
  name: "BCM53125_TRUNK_MEMBER_BY_SA_LOW_BITS",
  statement: "low 3 bits of the SA, modulo the number of link-up members, in ascending port order",
  source: "shared/facts/switch-chips.md §1.4 (UNCERTAIN)",
});

/** Bits of the SA the hash keeps under TRUNK_MEMBER_BY_SA_LOW_BITS. */
export const TRUNK_HASH_SA_BITS = 3;

/**
 * The member port a frame with source MAC `sa` takes among the link-up members in `memberMask` (bit i = port i),
 * under TRUNK_MEMBER_BY_SA_LOW_BITS; -1 when the mask is empty. Allocation-free.
 */
export function predictTrunkMemberBySa(sa: number, memberMask: number): number {
  let count = 0;
  for (let mask = memberMask >>> 0; mask !== 0; mask &= mask - 1) count++;
  if (count === 0) return -1;
  let index = ((sa % 0x100000000) >>> 0 & ((1 << TRUNK_HASH_SA_BITS) - 1)) % count;
  for (let port = 0; port < 32; port++) {
    if (((memberMask >>> port) & 1) === 0) continue;
    if (index === 0) return port;
    index--;
  }
  return -1;
}

/**
 * ARL search stepping (facts §1.3 give only Linux's loop): the chip moves on to the next pair of results after the
 * data word of result 1 (0x05/0x78) has been read, so the driver reads result 0 then result 1, data last (as Linux
 * b53_arl_search_rd does).
 */
export const SEARCH_ADVANCES_AFTER_RESULT_1: NamedAssumption = Object.freeze({
  name: "BCM53125_SEARCH_ADVANCES_AFTER_RESULT_1",
  statement: "the ARL search presents the next two results after the driver reads search result 1's data word (0x05/0x78)",
  source: "shared/facts/switch-chips.md §1.3 (sequence from Linux b53_arl_search_rd; advance not documented)",
});

/**
 * Whether a STATIC ARL entry keeps its port when its MAC arrives as a source on another, learning port (facts §1.5:
 * UNCERTAIN). The firmware assumes it does NOT (the pessimistic answer, as the simulator's model does): so it disables
 * learning on trunk members and, by default, on the switch-to-switch port, and re-pins server entries after each ARL
 * scan. A trunk may turn learning back on for the switch-to-switch port (TrunkRequest.interSwitchLearning) where a
 * bench test on the silicon at hand shows this assumption false.
 */
export const STATIC_ENTRY_MAY_BE_RELEARNED: NamedAssumption = Object.freeze({
  name: "BCM53125_STATIC_ENTRY_MAY_BE_RELEARNED",
  statement: "a static ARL entry moves to another port when its MAC arrives there as a source on a learning port",
  source: "shared/facts/switch-chips.md §1.5 (UNCERTAIN)",
});

// ---- CFP (shared/facts/bcm53125-cfp.md, "CFP facts §x" below; U1..U16 are its UNCERTAIN points, §5) -------------

/**
 * U1: a UDF holds 16 bits of the frame with the first byte on the wire in bits [15:8] (CFP facts §3 "Byte order
 * inside a UDF", implied by the SDK only). The member rules' key layout (./cfp-rules.ts) depends on it: under the
 * other order the DA bytes of each pair and the SA index byte would sit swapped.
 */
export const CFP_UDF_FIRST_BYTE_HIGH: NamedAssumption = Object.freeze({
  name: "BCM53125_CFP_UDF_FIRST_BYTE_HIGH",
  statement: "a CFP user-defined field puts the frame byte at its offset in bits [15:8] and the next byte in bits [7:0]",
  source: "shared/facts/bcm53125-cfp.md §3 and §5 U1 (UNCERTAIN: SDK cfp.c:3975-3990 only)",
});

/**
 * U2: one TCAM entry in slice 0 with L3_FRAMING, L2_FRAMING and tag fields masked out matches IPv4, IPv6 and non-IP
 * frames alike, because slice 0's UDFs are programmed identically for the three framings (CFP facts §3 "One entry for
 * all frame types?"). So a member-table entry costs one rule (MemberTableAccess.rulesPerEntry = 1).
 */
export const CFP_ONE_RULE_ALL_FRAMINGS: NamedAssumption = Object.freeze({
  name: "BCM53125_CFP_ONE_RULE_ALL_FRAMINGS",
  statement: "one CFP rule with L3 framing masked out matches IPv4, IPv6 and non-IP frames when slice 0's UDFs are identical for all three",
  source: "shared/facts/bcm53125-cfp.md §3 and §5 U2 (UNCERTAIN: SDK bfield.c:11995-12019 supports the mask, never stated for mixed slices)",
});

/**
 * U7 (weak form): a CFP write operation leaves the DATA/MASK staging registers either as written or cleared to zero,
 * never anything else. Init writes zeros into the staging registers once and then starts one write operation per
 * TCAM entry (CFP facts §2 Init step 4: "write all 256 TCAM entries with zero data and mask"); under either answer to
 * U7 every entry receives zeros. Clearing a rule writes only DATA0/MASK0 (CFP facts §2 Invalidate); its other words
 * are whatever the staging holds, which cannot make it match (VALID = 0).
 */
export const CFP_WRITE_KEEPS_OR_ZEROES_STAGING: NamedAssumption = Object.freeze({
  name: "BCM53125_CFP_WRITE_KEEPS_OR_ZEROES_STAGING",
  statement: "after a CFP write operation CFP_DATAk/CFP_MASKk hold what was written or zero",
  source: "shared/facts/bcm53125-cfp.md §5 U7 (UNCERTAIN; the firmware needs only this weaker form)",
});

/**
 * U13: TCAM_RST (CFP_ACC bit 15) self-clears and may be polled through CFP_ACC like OP_STR_DONE (Linux bcm_sf2_cfp_rst
 * polls it on the SF2; the SDK does not poll it at all). The firmware sets it only while CFP_EN_MAP = 0 (MDK:3460),
 * then polls it (at most CFP.MAX_POLLS reads) before the RAM clear, and the RAM clear's bit 4 likewise.
 */
export const CFP_RESET_BITS_SELF_CLEAR: NamedAssumption = Object.freeze({
  name: "BCM53125_CFP_RESET_BITS_SELF_CLEAR",
  statement: "CFP_ACC TCAM_RST (bit 15) and CFP_RAM_CLEAR (bit 4) read back 0 within 100 CFP_ACC reads once the clear is done",
  source: "shared/facts/bcm53125-cfp.md §1.1, §2 Init and §5 U13 (UNCERTAIN: timing undocumented)",
});

/**
 * U15: an operation started through CFP_ACC OP_STR_DONE finishes within 100 CFP_ACC reads with no delay between them
 * (the SDK's bound, CFP facts §2), and a read operation's staging registers hold the entry once OP_STR_DONE reads 0:
 * like the SDK, the firmware never checks RD_STS (which the poll's read of CFP_ACC clears anyway).
 */
export const CFP_DONE_MEANS_DATA_READY: NamedAssumption = Object.freeze({
  name: "BCM53125_CFP_DONE_MEANS_DATA_READY",
  statement: "CFP_ACC OP_STR_DONE reads 0 within 100 reads, and then a read operation's result is in the staging registers (RD_STS not checked)",
  source: "shared/facts/bcm53125-cfp.md §2 Read and §5 U15 (UNCERTAIN)",
});

/** Every CFP assumption the firmware makes, for self-tests and `show` output. */
export const CFP_ASSUMPTIONS: readonly NamedAssumption[] = Object.freeze([
  CFP_UDF_FIRST_BYTE_HIGH,
  CFP_ONE_RULE_ALL_FRAMINGS,
  CFP_WRITE_KEEPS_OR_ZEROES_STAGING,
  CFP_RESET_BITS_SELF_CLEAR,
  CFP_DONE_MEANS_DATA_READY,
]);

// The CFP facts the self-tests (./cfp-self-test.ts) decide on a real board, beyond those the driver depends on above.

/** U3: trunk mode "cfp" depends on it; "cfp-isolated" does not. */
export const CFP_DESTINATION_NOT_REHASHED: NamedAssumption = Object.freeze({
  name: "BCM53125_CFP_DESTINATION_NOT_REHASHED",
  statement: "a CFP destination naming one member of a trunk group is final: the trunk hash does not pick another member",
  source: "shared/facts/bcm53125-cfp.md §4 Trunk and §5 U3 (UNCERTAIN); trunk mode cfp depends on it, cfp-isolated does not",
});
/** U4: the firmware writes both bands alike, but reads the in-band hit counter. */
export const CFP_IN_BAND_WITHOUT_METERS: NamedAssumption = Object.freeze({
  name: "BCM53125_CFP_IN_BAND_WITHOUT_METERS",
  statement: "with no meter set up, the in-band action (CHANGE_FWRD_MAP_IB, DST_MAP_IB) and the in-band hit counter apply",
  source: "shared/facts/bcm53125-cfp.md §4 Meters and §5 U4 (UNCERTAIN); rules set both bands alike, hit counts read RATE_INBAND",
});
/** U5: a member rule must win over any other rule below it (and lose to none above it unless meant to). */
export const CFP_LOWEST_INDEX_WINS: NamedAssumption = Object.freeze({
  name: "BCM53125_CFP_LOWEST_INDEX_WINS",
  statement: "one CFP hit per frame: the lowest-index matching entry, across slices",
  source: "shared/facts/bcm53125-cfp.md §2 Priority and §5 U5 (UNCERTAIN, inferred from the SDK's ordering)",
});
/** U6: the trunk service keeps learning as without the CFP (server MAC pinned statically, clients learned). */
export const CFP_HIT_LEARNS_SA: NamedAssumption = Object.freeze({
  name: "BCM53125_CFP_HIT_LEARNS_SA",
  statement: "a frame that hits a CFP rule still has its source MAC learned on its ingress port",
  source: "shared/facts/bcm53125-cfp.md §4 Learning and §5 U6 (UNCERTAIN: the action word has no learn bit)",
});
/** U7, strong form (the firmware needs only CFP_WRITE_KEEPS_OR_ZEROES_STAGING). */
export const CFP_STAGING_PERSISTS: NamedAssumption = Object.freeze({
  name: "BCM53125_CFP_STAGING_PERSISTS",
  statement: "CFP_DATAk/CFP_MASKk keep the values written after a write operation (a failover could then skip unchanged words)",
  source: "shared/facts/bcm53125-cfp.md §5 U7 (UNCERTAIN); the firmware relies only on BCM53125_CFP_WRITE_KEEPS_OR_ZEROES_STAGING",
});
/** U8: the firmware writes data pre-masked, so it works either way; the simulator needs the answer. */
export const CFP_TCAM_KEEPS_MASKED_OUT_DATA: NamedAssumption = Object.freeze({
  name: "BCM53125_CFP_TCAM_KEEPS_MASKED_OUT_DATA",
  statement: "the TCAM reads back data bits where the mask is 0 as written (not data AND mask)",
  source: "shared/facts/bcm53125-cfp.md §5 U8 (UNCERTAIN); the firmware writes data pre-masked, so it works either way",
});
/** U9. */
export const CFP_MASK5_FULL_WIDTH: NamedAssumption = Object.freeze({
  name: "BCM53125_CFP_MASK5_FULL_WIDTH",
  statement: "CFP_MASK5 stores all 32 bits (the MDK text says [24:0]), so the rules' UDF1..3 valid bits are compared",
  source: "shared/facts/bcm53125-cfp.md §1.1 and §5 U9 (UNCERTAIN); if not, those valid bits are don't-care, which the rules tolerate",
});
/** U11: the firmware removes a down member from the group anyway; this decides what is lost before it does. */
export const TRUNK_SKIPS_LINK_DOWN_MEMBERS: NamedAssumption = Object.freeze({
  name: "BCM53125_TRUNK_SKIPS_LINK_DOWN_MEMBERS",
  statement: "a trunk group whose member has link down hashes frames over the link-up members only (none lost before the firmware edits the group)",
  source: "shared/facts/bcm53125-cfp.md §4 Trunk and §5 U11 (UNCERTAIN)",
});
/** U12. */
export const CFP_DESTINATION_OBEYS_PORT_VLAN: NamedAssumption = Object.freeze({
  name: "BCM53125_CFP_DESTINATION_OBEYS_PORT_VLAN",
  statement: "the ingress port's port-based VLAN mask (page 0x31) also masks a CFP destination unless the action sets VLAN_BYP",
  source: "shared/facts/bcm53125-cfp.md §4 VLAN and §5 U12 (UNCERTAIN); rules keep VLAN_BYP = 0, clients' masks include every member",
});
/** U14: a failover rewrites live action entries. */
export const CFP_ACTION_REWRITE_HITLESS: NamedAssumption = Object.freeze({
  name: "BCM53125_CFP_ACTION_REWRITE_HITLESS",
  statement: "rewriting a live rule's action loses and duplicates no frame that hits it",
  source: "shared/facts/bcm53125-cfp.md §5 U14 (UNCERTAIN); failover rewrites only action words",
});
/** U16: the firmware writes UDF selections with 8-bit accesses only. */
export const CFP_UDF_BYTE_REGISTERS: NamedAssumption = Object.freeze({
  name: "BCM53125_CFP_UDF_BYTE_REGISTERS",
  statement: "each UDF selection register is one byte: an 8-bit write changes it and no neighbour, and reads back as written",
  source: "shared/facts/bcm53125-cfp.md §1.2 and §5 U16 (UNCERTAIN); the firmware uses 8-bit accesses only",
});
