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
