// Checks of the BCM53125's UNCERTAIN CFP facts (shared/facts/bcm53125-cfp.md §5, U1..U16: "CFP facts" below) on the
// silicon at hand, for `self-test cfp <check>` on the console. Each check reports a verdict about one named assumption
// ("holds", "fails" or "inconclusive") with the evidence: CFP hit counters and MIB counters. It writes only CFP entries
// that are free (VALID = 0, searched from entry 255 down, so a configured trunk's rules are never touched), and puts
// back everything it changed: those entries' TCAM and action words, the CFP enable map, UDF selections, trunk groups
// and hash, port-based VLAN masks, and the probe MACs the switch learned.
//
// Register checks (no traffic): staging (U7), masked-readback (U8), mask5-width (U9), tcam-reset (U13),
// poll-status (U15), udf-registers (U16).
// Traffic checks: the user sends frames from a host on port C (the "host" port) to the probe DA 02:6f:6e:43:46:50
// with source MACs 02:6f:6e:53:00:00 .. 02:6f:6e:53:00:0f, cycling, for the whole wait (docs/hardware.md says how):
// byte-order (U1), framings (U2), trunk-rehash (U3), bands (U4), priority (U5), learning (U6), link-down (U11),
// port-vlan (U12), hitless-rewrite (U14). They send the probe frames to two target ports P1 and P2, which need
// link up (anything plugged in) and should carry no other unicast traffic while the check runs.
//
// Not checked: U10 (SRC_PMAP and the IMP port: the reference board leaves the IMP unconnected, and the firmware's
// rules do not compare SRC_PMAP).

import type { Scheduler } from "../../clock";
import { InvalidArgumentError, OnemacError } from "../../errors";
import { formatMac } from "../../mac";
import type { ArlEntry, ChipInfo, PortCounters, SwitchChip, TrunkConfig } from "../switch-chip";
import { newArlEntry, newPortCounters } from "../switch-chip";
import {
  CFP_ACTION_REWRITE_HITLESS,
  CFP_DESTINATION_NOT_REHASHED,
  CFP_DESTINATION_OBEYS_PORT_VLAN,
  CFP_DONE_MEANS_DATA_READY,
  CFP_HIT_LEARNS_SA,
  CFP_IN_BAND_WITHOUT_METERS,
  CFP_LOWEST_INDEX_WINS,
  CFP_MASK5_FULL_WIDTH,
  CFP_ONE_RULE_ALL_FRAMINGS,
  CFP_RESET_BITS_SELF_CLEAR,
  CFP_STAGING_PERSISTS,
  CFP_TCAM_KEEPS_MASKED_OUT_DATA,
  CFP_UDF_BYTE_REGISTERS,
  CFP_UDF_FIRST_BYTE_HIGH,
  CFP_WRITE_KEEPS_OR_ZEROES_STAGING,
  TRUNK_SKIPS_LINK_DOWN_MEMBERS,
  type NamedAssumption,
} from "./assumptions";
import type { Bcm53125Cfp } from "./cfp";
import { clearField, encodeActionPort, encodeMemberMatch, getField, MASK_WORDS, MEMBER_RULE_UDF_OFFSETS, newTcamEntry, putField, udfRegisterValue } from "./cfp-rules";
import { CFP, CFP_ACTION, CFP_KEY } from "./registers";
import type { SelfTestResult, Verdict } from "./self-test";

// ---- probe frames (docs/hardware.md tells the user how to send them) -------------------------------------------

/** DA of the probe frames: locally administered, "on" + "CFP"; all six bytes differ, so a byte swap cannot match. */
export const CFP_PROBE_DA = 0x026f6e434650;
/** First SA of the probe frames; the user's generator cycles the last byte through 0x00..0x0f. */
export const CFP_PROBE_SA_BASE = 0x026f6e530000;
export const CFP_PROBE_SA_COUNT = 16;

export type CfpCheckName =
  | "byte-order"
  | "framings"
  | "trunk-rehash"
  | "bands"
  | "priority"
  | "learning"
  | "link-down"
  | "port-vlan"
  | "hitless-rewrite"
  | "staging"
  | "masked-readback"
  | "mask5-width"
  | "tcam-reset"
  | "poll-status"
  | "udf-registers";

export const CFP_TRAFFIC_CHECKS: readonly CfpCheckName[] = Object.freeze([
  "byte-order",
  "framings",
  "trunk-rehash",
  "bands",
  "priority",
  "learning",
  "link-down",
  "port-vlan",
  "hitless-rewrite",
] as CfpCheckName[]);

export const CFP_REGISTER_CHECKS: readonly CfpCheckName[] = Object.freeze([
  "staging",
  "masked-readback",
  "mask5-width",
  "tcam-reset",
  "poll-status",
  "udf-registers",
] as CfpCheckName[]);

export interface CfpTrafficRequest {
  /** Port C: where the host sending the probe frames is plugged in. */
  host: number;
  /** P1 and P2 (default: the two lowest link-up front-panel ports other than the host's; link-down: P2 may be down). */
  targets?: readonly number[];
  /** How long the check counts frames (default 10000 ms, 1000..600000), split evenly between its phases. */
  waitMs?: number;
}

export type CfpSelfTestState =
  | { state: "idle"; last?: SelfTestResult }
  | { state: "running"; check: string; endsInMs: number; host: number; targets: number[] };

// Key/action bits this file sets beyond the member rules' (CFP facts §1.3 and §1.1).
const L3_FRAMING_WORD = 6; // key [217:216] = D6[25:24]: 00 IPv4, 01 IPv6, 11 non-IP
const L3_FRAMING_SHIFT = 24;
const L3_FRAMINGS: readonly number[] = Object.freeze([0b00, 0b01, 0b11]);
const L3_FRAMING_NAMES: readonly string[] = Object.freeze(["IPv4", "IPv6", "non-IP"]);
const ACTION1_VLAN_BYPASS = 0x1; // ACT_POL_DATA1 [0] VLAN_BYP
const DROP_ACTION = ((CFP_ACTION.CHANGE_REPLACE << CFP_ACTION.CHANGE_FWRD_IB_SHIFT) | (CFP_ACTION.CHANGE_REPLACE << CFP_ACTION.CHANGE_FWRD_OB_SHIFT)) >>> 0; // DST_MAP 0: drop (§3)
const IB_HALF = 0x0000ffff; // ACT_POL_DATA0 [15:0] in-band fields, [31:16] out-band (§1.1)
/** Slice 1's UDF registers, first of 9, for IPv4 / IPv6 / non-IP (UDF_1_A/B/C, CFP facts §1.2). */
const UDF_SLICE1: readonly number[] = Object.freeze([0x20, 0x50, 0x80]);
/** Four slice-0 UDF registers the member rules leave don't-care (UDF_0_A_4..7, A1:14..17): the U16 check's scratch. */
const UDF_SCRATCH = 0x14;
const MAX_SLOTS = 4;
const MAX_PHASES = 2;
const USER_PORT_SLOTS = 9;
/** A share of the hits another port may show as background traffic before "none went there" becomes doubtful. */
const BACKGROUND_SHARE = 50;

function rxUnicast(c: PortCounters): number {
  return c.rxUnicast;
}

/** `tx` frames left a port that should have carried `hits`: all of them. */
function delivered(tx: number, hits: number): boolean {
  return hits > 0 && tx >= hits;
}

/** ...none of them (background traffic tolerated up to 2%). */
function quiet(tx: number, hits: number): boolean {
  return tx <= Math.floor(hits / BACKGROUND_SHARE);
}

function hex(value: number): string {
  return "0x" + (value >>> 0).toString(16);
}

/** Swaps the two bytes of every 16-bit UDF field 0..3 of a key (data and mask): the rule as U1's other answer needs it. */
function swapUdfBytes(entry: Uint32Array): void {
  for (let n = 0; n < 4; n++) {
    const bit = CFP_KEY.UDF0_SHIFT + 16 * n;
    for (let base = 0; base <= MASK_WORDS; base += MASK_WORDS) {
      const value = getField(entry, base, bit);
      clearField(entry, base, bit);
      putField(entry, base, bit, ((value & 0xff) << 8) | (value >>> 8));
    }
  }
}

interface Session {
  check: CfpCheckName;
  assumption: NamedAssumption;
  host: number;
  p1: number;
  p2: number;
  phases: number;
  phase: number;
  phaseMs: number;
  startedAt: number;
  endsAt: number;
  timer: unknown;
  done?: (result: SelfTestResult) => void;
  /** Entries used, ascending; slot s of a check = slots[s]. */
  slots: number[];
  /** Trunk setup before the check (trunk-rehash, link-down). */
  trunk?: TrunkConfig;
  /** Port VLAN mask of the host before (port-vlan). */
  vlanMask?: number;
  /** Slice 1 UDF registers before (priority): 3 framings x 4. */
  udf1?: number[];
  /** Counters: [phase][before/after] of hits IB (slots), hits OB (slots), tx unicast per port, rx unicast host. */
  counts: Float64Array;
}

const COUNT_WIDTH = 2 * MAX_SLOTS + USER_PORT_SLOTS + 1; // ib[4], ob[4], tx[9], rx
const IB = 0;
const OB = MAX_SLOTS;
const TX = 2 * MAX_SLOTS;
const RX = TX + USER_PORT_SLOTS;

export class Bcm53125CfpSelfTest {
  readonly #chip: SwitchChip;
  readonly #cfp: Bcm53125Cfp;
  readonly #info: ChipInfo;
  readonly #scheduler: Scheduler;
  readonly #log: (line: string) => void;
  readonly #otherBusy: () => string | undefined;
  readonly #entry = newTcamEntry();
  readonly #readBack = newTcamEntry();
  readonly #counters: PortCounters = newPortCounters();
  readonly #arl: ArlEntry = newArlEntry();
  /** Saved TCAM (16 words) and action (2 words) of each slot, for restore. */
  readonly #saved = new Uint32Array(MAX_SLOTS * 18);
  #savedEnableMap = 0;
  #running: Session | undefined;
  #last: SelfTestResult | undefined;

  constructor(options: {
    chip: SwitchChip;
    cfp: Bcm53125Cfp;
    info: ChipInfo;
    scheduler: Scheduler;
    log?: (line: string) => void;
    /** Name of another self-test that is running, if any (they share the chip). */
    otherBusy?: () => string | undefined;
  }) {
    this.#chip = options.chip;
    this.#cfp = options.cfp;
    this.#info = options.info;
    this.#scheduler = options.scheduler;
    this.#log = options.log ?? (() => {});
    this.#otherBusy = options.otherBusy ?? (() => undefined);
  }

  status(): CfpSelfTestState {
    const s = this.#running;
    if (s) return { state: "running", check: `cfp ${s.check}`, endsInMs: Math.max(0, s.endsAt - this.#scheduler.now()), host: s.host, targets: [s.p1, s.p2] };
    return this.#last ? { state: "idle", last: this.#last } : { state: "idle" };
  }

  get running(): string | undefined {
    return this.#running ? `cfp ${this.#running.check}` : undefined;
  }

  #busy(): void {
    const other = this.#otherBusy() ?? this.running;
    if (other) throw new OnemacError("chip-error", `self-test ${other} is still running`);
  }

  #finish(check: CfpCheckName, assumption: NamedAssumption, verdict: Verdict, evidence: string): SelfTestResult {
    const result: SelfTestResult = { check: `cfp ${check}`, assumption, verdict, evidence };
    this.#last = result;
    this.#log(`self-test cfp ${check}: ${assumption.name} ${verdict.toUpperCase()}: ${evidence}`);
    return result;
  }

  // ---- free entries, save and restore ------------------------------------------------------------------------

  #isValid(entry: number): boolean {
    this.#cfp.readTcam(entry, this.#readBack);
    return (this.#readBack[0] & CFP_KEY.VALID) === CFP_KEY.VALID && (this.#readBack[MASK_WORDS] & CFP_KEY.VALID) === CFP_KEY.VALID;
  }

  /** `count` free entries (VALID = 0), searched from the top, returned ascending; a clear error when too few. */
  #freeEntries(count: number): number[] {
    const found: number[] = [];
    for (let entry = CFP.ENTRIES - 1; entry >= 0 && found.length < count; entry--) if (!this.#isValid(entry)) found.push(entry);
    if (found.length < count)
      throw new OnemacError(
        "chip-error",
        `this check needs ${count} free CFP entries and the TCAM has ${found.length}: a CFP trunk's table fills it (lower its index-bits, or switch it to mode hash, while the check runs)`,
      );
    return found.reverse();
  }

  #save(slots: readonly number[]): void {
    const cfp = this.#cfp;
    for (let s = 0; s < slots.length; s++) {
      cfp.readTcam(slots[s], this.#readBack);
      this.#saved.set(this.#readBack, s * 18);
      cfp.readAction(slots[s]);
      this.#saved[s * 18 + 16] = cfp.action0;
      this.#saved[s * 18 + 17] = cfp.action1;
    }
  }

  /** TCAM first (the saved words are invalid: the entries were free), then the action (CFP facts §2 install order, reversed). */
  #restore(slots: readonly number[]): void {
    const cfp = this.#cfp;
    for (let s = 0; s < slots.length; s++) {
      cfp.writeTcam(slots[s], this.#saved.subarray(s * 18, s * 18 + 16));
      cfp.writeAction(slots[s], this.#saved[s * 18 + 16], this.#saved[s * 18 + 17]);
    }
  }

  /** The probe key: DA = CFP_PROBE_DA and the SA's low `indexBits` bits = `index` (the member rules' layout). */
  #probeKey(indexBits = 0, index = 0): Uint32Array {
    encodeMemberMatch(this.#entry, CFP_PROBE_DA, indexBits, index);
    return this.#entry;
  }

  #writeRule(entry: number, key: Uint32Array, action0: number, action1 = 0): void {
    this.#cfp.writeAction(entry, action0, action1);
    this.#cfp.writeTcam(entry, key);
  }

  #forgetProbeSas(): void {
    for (let i = 0; i < CFP_PROBE_SA_COUNT; i++) this.#chip.arlDelete(CFP_PROBE_SA_BASE + i, 0);
  }

  // ---- traffic checks ----------------------------------------------------------------------------------------

  /**
   * Starts a traffic check; the result arrives after the wait (status(), the log, and `done`). Validates and
   * refuses (InvalidArgumentError / OnemacError with what to do) before it changes anything.
   */
  start(check: CfpCheckName, request: CfpTrafficRequest, done?: (result: SelfTestResult) => void): CfpSelfTestState {
    this.#busy();
    if (CFP_TRAFFIC_CHECKS.indexOf(check) < 0) throw new InvalidArgumentError(`"${check}" is not a CFP traffic check (${CFP_TRAFFIC_CHECKS.join(", ")})`);
    const chip = this.#chip;
    const ports = this.#info.userPorts;
    const host = request.host;
    if (ports.indexOf(host) < 0) throw new InvalidArgumentError(`port ${host} is not a front-panel port (ports ${ports.join(",")})`);
    const waitMs = request.waitMs ?? 10000;
    if (!Number.isFinite(waitMs) || waitMs < 1000 || waitMs > 600000) throw new InvalidArgumentError(`the wait must be 1..600 s, not ${waitMs / 1000} s`);
    const links = chip.readLinkMask();
    let targets = request.targets ? request.targets.slice() : [];
    if (!request.targets)
      for (let i = 0; i < ports.length && targets.length < 2; i++) if (ports[i] !== host && ((links >>> ports[i]) & 1) === 1) targets.push(ports[i]);
    if (targets.length !== 2 || targets[0] === targets[1] || targets.indexOf(host) >= 0 || ports.indexOf(targets[0]) < 0 || ports.indexOf(targets[1]) < 0)
      throw new InvalidArgumentError(`give two front-panel target ports other than the host's port ${host} (found ${targets.join(",") || "none"} with link up)`);
    const [p1, p2] = targets;
    if (((links >>> host) & 1) === 0) throw new InvalidArgumentError(`port ${host} (the host sending the probe frames) has no link`);
    if (((links >>> p1) & 1) === 0) throw new InvalidArgumentError(`target port ${p1} has no link: plug something in (its receive side only counts)`);
    const p2Up = ((links >>> p2) & 1) === 1;
    if (check === "link-down" ? p2Up : !p2Up)
      throw new InvalidArgumentError(check === "link-down" ? `unplug port ${p2} first: this check needs one trunk member with link down` : `target port ${p2} has no link: plug something in`);
    if (check === "learning" && ((chip.getLearningDisabled() >>> host) & 1) === 1)
      throw new InvalidArgumentError(`port ${host} does not learn (a trunk member?): send from a plain port`);
    if (check === "port-vlan" && (!chip.setPortVlanMask || !chip.getPortVlanMask))
      throw new OnemacError("chip-error", "this chip driver has no port-based VLAN masks");
    let trunk: TrunkConfig | undefined;
    if (check === "trunk-rehash" || check === "link-down") trunk = this.#trunkPlan(p1, p2, check === "link-down");

    const slotCount = check === "byte-order" || check === "framings" ? 4 : check === "priority" ? 3 : 1;
    const slots = this.#freeEntries(slotCount);
    const phases = check === "framings" || check === "trunk-rehash" || check === "port-vlan" || check === "hitless-rewrite" ? 2 : 1;
    const now = this.#scheduler.now();
    const session: Session = {
      check,
      assumption: this.#assumptionOf(check),
      host,
      p1,
      p2,
      phases,
      phase: 0,
      phaseMs: waitMs / phases,
      startedAt: now,
      endsAt: now + waitMs,
      timer: undefined,
      done,
      slots,
      counts: new Float64Array(MAX_PHASES * 2 * COUNT_WIDTH),
    };
    this.#save(slots);
    this.#savedEnableMap = this.#cfp.getEnableMap();
    this.#running = session;
    try {
      if (trunk) this.#applyTrunk(session, trunk);
      if (check === "port-vlan") {
        session.vlanMask = chip.getPortVlanMask!(host);
        chip.setPortVlanMask!(host, session.vlanMask & ~(1 << p2));
      }
      if (check === "priority") this.#selectSlice1Udfs(session);
      if (check === "learning") this.#forgetProbeSas();
      this.#cfp.setEnableMap(this.#savedEnableMap | (1 << host));
      this.#arm(session);
      this.#snapshot(session, 0);
    } catch (error) {
      this.#putBack(session);
      this.#running = undefined;
      throw error;
    }
    this.#log(
      `self-test cfp ${check}: send frames to ${formatMac(CFP_PROBE_DA)} from port ${host} (source MACs ${formatMac(CFP_PROBE_SA_BASE)}..` +
        `${formatMac(CFP_PROBE_SA_BASE + CFP_PROBE_SA_COUNT - 1)}) for ${waitMs / 1000} s; targets ports ${p1} and ${p2}; CFP entries ${slots.join(",")}`,
    );
    session.timer = this.#scheduler.repeat(() => this.#tick(session), Math.min(100, session.phaseMs));
    return this.status();
  }

  /** Stops a running traffic check and puts everything back. */
  cancel(): boolean {
    const session = this.#running;
    if (!session) return false;
    this.#scheduler.clear(session.timer);
    this.#running = undefined;
    this.#putBack(session);
    this.#log(`self-test cfp ${session.check}: cancelled`);
    return true;
  }

  #assumptionOf(check: CfpCheckName): NamedAssumption {
    switch (check) {
      case "byte-order":
        return CFP_UDF_FIRST_BYTE_HIGH;
      case "framings":
        return CFP_ONE_RULE_ALL_FRAMINGS;
      case "trunk-rehash":
        return CFP_DESTINATION_NOT_REHASHED;
      case "bands":
        return CFP_IN_BAND_WITHOUT_METERS;
      case "priority":
        return CFP_LOWEST_INDEX_WINS;
      case "learning":
        return CFP_HIT_LEARNS_SA;
      case "link-down":
        return TRUNK_SKIPS_LINK_DOWN_MEMBERS;
      case "port-vlan":
        return CFP_DESTINATION_OBEYS_PORT_VLAN;
      case "hitless-rewrite":
        return CFP_ACTION_REWRITE_HITLESS;
      case "staging":
        return CFP_STAGING_PERSISTS;
      case "masked-readback":
        return CFP_TCAM_KEEPS_MASKED_OUT_DATA;
      case "mask5-width":
        return CFP_MASK5_FULL_WIDTH;
      case "tcam-reset":
        return CFP_RESET_BITS_SELF_CLEAR;
      case "poll-status":
        return CFP_DONE_MEANS_DATA_READY;
      case "udf-registers":
        return CFP_UDF_BYTE_REGISTERS;
    }
  }

  /**
   * The trunk setup a check needs: P1 and P2 in one group with hash SA. A group that already holds both is used as it
   * is (only the hash may change); otherwise a free group takes {P1, P2} for the check (link-down: always a group of
   * its own, so no trunk service reacts to the unplugged member). Returns the configuration to put back.
   */
  #trunkPlan(p1: number, p2: number, ownGroupOnly: boolean): TrunkConfig {
    const config = this.#chip.readTrunkConfig();
    const both = (1 << p1) | (1 << p2);
    for (let g = 0; g < config.groups.length; g++) {
      const members = config.groups[g].members;
      if ((members & both) === both && !ownGroupOnly) return config;
      if (members & both)
        throw new InvalidArgumentError(
          ownGroupOnly
            ? `ports ${p1} and ${p2} must be in no trunk for this check (port ${members & (1 << p1) ? p1 : p2} is in trk${g + 1}); pick two plain ports`
            : `ports ${p1} and ${p2} are not in one trunk group (trk${g + 1} holds only one of them): pick two members of one trunk, or two plain ports`,
        );
    }
    for (let g = 0; g < config.groups.length; g++) if (config.groups[g].members === 0) return config;
    throw new InvalidArgumentError(`both trunk groups are in use and neither holds ports ${p1} and ${p2}: pick two members of one trunk`);
  }

  #applyTrunk(session: Session, config: TrunkConfig): void {
    const chip = this.#chip;
    session.trunk = config;
    const both = (1 << session.p1) | (1 << session.p2);
    let group = -1;
    for (let g = 0; g < config.groups.length && group < 0; g++) if ((config.groups[g].members & both) === both) group = g;
    for (let g = 0; g < config.groups.length && group < 0; g++) if (config.groups[g].members === 0) group = g;
    if ((config.groups[group].members & both) !== both) chip.setTrunkMembers(config.groups[group].group, both);
    if (!config.enabled || config.hash !== "sa") chip.setTrunkHash(true, "sa");
  }

  #selectSlice1Udfs(session: Session): void {
    const cfp = this.#cfp;
    session.udf1 = [];
    for (let f = 0; f < UDF_SLICE1.length; f++)
      for (let n = 0; n < MEMBER_RULE_UDF_OFFSETS.length; n++) {
        session.udf1.push(cfp.readUdf(UDF_SLICE1[f] + n));
        cfp.writeUdf(UDF_SLICE1[f] + n, udfRegisterValue(MEMBER_RULE_UDF_OFFSETS[n]));
      }
  }

  /** Puts back everything a traffic check changed (entries, enable map, trunk, VLAN mask, UDFs, learned probe SAs). */
  #putBack(session: Session): void {
    const chip = this.#chip;
    this.#restore(session.slots);
    this.#cfp.setEnableMap(this.#savedEnableMap);
    const trunk = session.trunk;
    if (trunk) {
      for (let g = 0; g < trunk.groups.length; g++) chip.setTrunkMembers(trunk.groups[g].group, trunk.groups[g].members);
      chip.setTrunkHash(trunk.enabled, trunk.hash);
    }
    if (session.vlanMask !== undefined) chip.setPortVlanMask!(session.host, session.vlanMask);
    if (session.udf1)
      for (let f = 0, i = 0; f < UDF_SLICE1.length; f++)
        for (let n = 0; n < MEMBER_RULE_UDF_OFFSETS.length; n++, i++) this.#cfp.writeUdf(UDF_SLICE1[f] + n, session.udf1[i]);
    this.#forgetProbeSas();
  }

  /** Writes the rules of `session.phase`. */
  #arm(session: Session): void {
    const { slots, p1, p2, phase } = session;
    const toP1 = encodeActionPort(p1);
    const toP2 = encodeActionPort(p2);
    switch (session.check) {
      case "byte-order": {
        // 0: the firmware's order, odd SAs -> P1; 1: the other order, odd SAs -> P2; 2, 3: the rest of each, dropped.
        this.#writeRule(slots[0], this.#probeKey(1, 1), toP1);
        swapUdfBytes(this.#probeKey(1, 1));
        this.#writeRule(slots[1], this.#entry, toP2);
        this.#writeRule(slots[2], this.#probeKey(), DROP_ACTION);
        swapUdfBytes(this.#probeKey());
        this.#writeRule(slots[3], this.#entry, DROP_ACTION);
        return;
      }
      case "framings": {
        // Phase 0: slot 0 (framing don't-care) -> P1, slots 1..3 (IPv4, IPv6, non-IP only) count what it misses.
        // Phase 1: slot 0 invalid, slots 1..3 count what the user sent of each framing.
        if (phase === 0) {
          this.#writeRule(slots[0], this.#probeKey(), toP1);
          for (let f = 0; f < 3; f++) {
            const key = this.#probeKey();
            key[L3_FRAMING_WORD] |= L3_FRAMINGS[f] << L3_FRAMING_SHIFT;
            key[MASK_WORDS + L3_FRAMING_WORD] |= 0x3 << L3_FRAMING_SHIFT;
            this.#writeRule(slots[1 + f], key, DROP_ACTION);
          }
        } else {
          this.#cfp.invalidateTcam(slots[0]);
        }
        return;
      }
      case "trunk-rehash":
      case "hitless-rewrite":
        // Phase 0 -> P1; phase 1 -> P2, rewriting only the action as a failover does.
        if (phase === 0) this.#writeRule(slots[0], this.#probeKey(), toP1);
        else this.#cfp.writeAction(slots[0], toP2, 0);
        return;
      case "bands":
        // In-band half -> P1, out-band half -> P2: where the frames go says which band applies.
        this.#writeRule(slots[0], this.#probeKey(), ((toP1 & IB_HALF) | (toP2 & ~IB_HALF)) >>> 0);
        return;
      case "priority": {
        // Slot 0 (slice 0) -> P1, slot 1 (slice 0, higher index) -> P2, slot 2 (slice 1, highest index) -> P2.
        this.#writeRule(slots[0], this.#probeKey(), toP1);
        this.#writeRule(slots[1], this.#probeKey(), toP2);
        const key = this.#probeKey();
        key[0] |= 1 << CFP_KEY.SLICE_SHIFT;
        this.#writeRule(slots[2], key, toP2);
        return;
      }
      case "learning":
        this.#writeRule(slots[0], this.#probeKey(), toP1);
        return;
      case "link-down":
        // Counts the probe frames and keeps the address table's result (an unknown DA: flooded, one trunk member).
        this.#writeRule(slots[0], this.#probeKey(), encodeActionPort(-1));
        return;
      case "port-vlan":
        // -> P2, which the host's port VLAN mask now excludes; phase 0 without VLAN_BYP, phase 1 with it.
        this.#writeRule(slots[0], this.#probeKey(), toP2, phase === 0 ? 0 : ACTION1_VLAN_BYPASS);
        return;
      default:
        return;
    }
  }

  #snapshot(session: Session, side: 0 | 1): void {
    const cfp = this.#cfp;
    const counts = session.counts;
    const at = (session.phase * 2 + side) * COUNT_WIDTH;
    for (let s = 0; s < session.slots.length; s++) {
      counts[at + IB + s] = cfp.readStat(session.slots[s], false);
      counts[at + OB + s] = cfp.readStat(session.slots[s], true);
    }
    const ports = this.#info.userPorts;
    for (let i = 0; i < ports.length; i++) {
      const c = this.#chip.readPortCounters(ports[i], this.#counters);
      counts[at + TX + ports[i]] = c.txUnicast;
      if (ports[i] === session.host) counts[at + RX] = rxUnicast(c);
    }
  }

  /** Counter delta of `phase` at `field` (32-bit counters wrap). */
  #delta(session: Session, phase: number, field: number): number {
    const counts = session.counts;
    return (counts[(phase * 2 + 1) * COUNT_WIDTH + field] - counts[phase * 2 * COUNT_WIDTH + field] + 0x100000000) % 0x100000000;
  }

  #tick(session: Session): void {
    if (this.#running !== session) return;
    const now = this.#scheduler.now();
    if (now - session.startedAt < session.phaseMs * (session.phase + 1)) return;
    let result: SelfTestResult;
    try {
      this.#snapshot(session, 1);
      if (session.phase + 1 < session.phases) {
        session.phase++;
        this.#arm(session);
        this.#snapshot(session, 0);
        return;
      }
      this.#scheduler.clear(session.timer);
      const learned = session.check === "learning" ? this.#probeSasLearnedOn(session.host) : 0;
      this.#running = undefined;
      this.#putBack(session);
      result = this.#conclude(session, learned);
    } catch (error) {
      this.#scheduler.clear(session.timer);
      if (this.#running === session) {
        this.#running = undefined;
        try {
          this.#putBack(session);
        } catch {
          // the chip is not answering; the firmware's chip check will reprogram it after a reset
        }
      }
      result = this.#finish(session.check, session.assumption, "inconclusive", `the check stopped: ${error instanceof Error ? error.message : String(error)}`);
    }
    if (session.done) session.done(result);
  }

  #probeSasLearnedOn(port: number): number {
    let learned = 0;
    for (let i = 0; i < CFP_PROBE_SA_COUNT; i++)
      if (this.#chip.arlLookup(CFP_PROBE_SA_BASE + i, 0, this.#arl) && this.#arl.port === port && !this.#arl.isStatic) learned++;
    return learned;
  }

  #conclude(s: Session, learned: number): SelfTestResult {
    const d = (phase: number, field: number) => this.#delta(s, phase, field);
    const tx1 = (phase: number) => d(phase, TX + s.p1);
    const tx2 = (phase: number) => d(phase, TX + s.p2);
    const ib = (phase: number, slot: number) => d(phase, IB + slot);
    const ob = (phase: number, slot: number) => d(phase, OB + slot);
    const finish = (verdict: Verdict, evidence: string) => this.#finish(s.check, s.assumption, verdict, evidence);
    const none = (what: string) =>
      finish("inconclusive", `${what}: no probe frame hit the check's rules (port ${s.host} received ${d(0, RX)} unicast frames); send frames to ${formatMac(CFP_PROBE_DA)} from port ${s.host} during the whole check`);
    switch (s.check) {
      case "byte-order": {
        const ours = ib(0, 0);
        const other = ib(0, 1);
        const oursRest = ib(0, 2);
        const otherRest = ib(0, 3);
        const seen = `firmware's order: ${ours} odd-SA hits (port ${s.p1} sent ${tx1(0)}), ${oursRest} others; swapped order: ${other} odd-SA hits (port ${s.p2} sent ${tx2(0)}), ${otherRest} others`;
        if (ours + other + oursRest + otherRest === 0) return none(seen);
        if (ours > 0 && other === 0 && otherRest === 0 && delivered(tx1(0), ours) && quiet(tx2(0), ours))
          return finish("holds", `${seen}: the first byte on the wire is in bits 15:8, as the member rules are laid out`);
        if (ours === 0 && oursRest === 0 && other > 0)
          return finish("fails", `${seen}: the bytes inside each UDF are swapped; the member rules cannot match (use trunk mode hash) until the rule layout follows this chip`);
        return finish("inconclusive", `${seen}: the probe frames did not all match in one order (other traffic to the probe DA, or SAs outside the probe range?)`);
      }
      case "framings": {
        const any = ib(0, 0);
        const missed = ib(0, 1) + ib(0, 2) + ib(0, 3);
        const sent = [ib(1, 1), ib(1, 2), ib(1, 3)];
        const list = (values: number[]) => values.map((v, i) => `${L3_FRAMING_NAMES[i]} ${v}`).join(", ");
        const seen = `one rule for all framings: ${any} hits (port ${s.p1} sent ${tx1(0)}), missed ${list([ib(0, 1), ib(0, 2), ib(0, 3)])}; then by framing alone: ${list(sent)}`;
        if (any + missed + sent[0] + sent[1] + sent[2] === 0) return none(seen);
        if (missed > 0)
          return finish("fails", `${seen}: one rule does not match every framing; use trunk mode hash (the member table would need one rule per framing, 3x the entries)`);
        const absent = [0, 1, 2].filter((f) => sent[f] === 0).map((f) => L3_FRAMING_NAMES[f]);
        if (absent.length > 0) return finish("inconclusive", `${seen}: send ${absent.join(" and ")} frames too (see docs/hardware.md)`);
        if (delivered(tx1(0), any)) return finish("holds", `${seen}: one rule matches IPv4, IPv6 and non-IP frames`);
        return finish("inconclusive", `${seen}: port ${s.p1} sent fewer frames than hit the rule`);
      }
      case "trunk-rehash": {
        const h0 = ib(0, 0);
        const h1 = ib(1, 0);
        const seen = `rule -> port ${s.p1}: ${h0} hits, ports ${s.p1}/${s.p2} sent ${tx1(0)}/${tx2(0)}; rule -> port ${s.p2}: ${h1} hits, sent ${tx1(1)}/${tx2(1)}`;
        if (h0 === 0 || h1 === 0) return none(seen);
        if (delivered(tx1(0), h0) && quiet(tx2(0), h0) && delivered(tx2(1), h1) && quiet(tx1(1), h1))
          return finish("holds", `${seen}: the CFP destination is final inside a trunk group; trunk mode cfp works on this board`);
        if (tx2(0) > Math.floor(h0 / 10) || tx1(1) > Math.floor(h1 / 10))
          return finish("fails", `${seen}: the trunk hash re-picks the member after the CFP; use trunk mode cfp-isolated on this board`);
        return finish("inconclusive", `${seen}: neither clear delivery nor a clear split (background traffic on the members?)`);
      }
      case "bands": {
        const hits = Math.max(ib(0, 0), ob(0, 0));
        const seen = `in-band counter ${ib(0, 0)}, out-band counter ${ob(0, 0)}; in-band target port ${s.p1} sent ${tx1(0)}, out-band target port ${s.p2} sent ${tx2(0)}`;
        if (hits === 0) return none(seen);
        if (delivered(tx1(0), hits) && quiet(tx2(0), hits) && ib(0, 0) > 0)
          return finish("holds", `${seen}: without meters the in-band action and counter apply`);
        if (delivered(tx2(0), hits) && quiet(tx1(0), hits))
          return finish("fails", `${seen}: the out-band action applies; the rules still work (both bands are written alike) but hit counts shown by the firmware read the in-band counter`);
        return finish("inconclusive", seen);
      }
      case "priority": {
        const [a, b, c] = [ib(0, 0), ib(0, 1), ib(0, 2)];
        const seen = `entry ${s.slots[0]} (slice 0, -> port ${s.p1}) ${a} hits, entry ${s.slots[1]} (slice 0, -> port ${s.p2}) ${b}, entry ${s.slots[2]} (slice 1, -> port ${s.p2}) ${c}; ports ${s.p1}/${s.p2} sent ${tx1(0)}/${tx2(0)}`;
        if (a + b + c === 0) return none(seen);
        if (a > 0 && b === 0 && c === 0 && delivered(tx1(0), a) && quiet(tx2(0), a)) return finish("holds", `${seen}: one hit per frame, the lowest index wins across slices`);
        if (b > 0 || c > 0)
          return finish("fails", `${seen}: a higher-index entry also hit or won; member rules must be the only rules matching the server MAC`);
        return finish("inconclusive", seen);
      }
      case "learning": {
        const hits = ib(0, 0);
        const seen = `${hits} hits (port ${s.p1} sent ${tx1(0)}); ${learned} of the ${CFP_PROBE_SA_COUNT} probe source MACs were learned on port ${s.host}`;
        if (hits === 0) return none(seen);
        if (learned > 0) return finish("holds", `${seen}: a CFP hit does not stop learning`);
        return finish("fails", `${seen}: frames that hit a rule are not learned; clients that talk only to the server stay unknown to the switch (it floods replies to them)`);
      }
      case "link-down": {
        const hits = ib(0, 0);
        const seen = `${hits} probe frames (unknown destination, flooded); trunk member port ${s.p1} (up) sent ${tx1(0)}, port ${s.p2} is down`;
        if (hits === 0) return none(seen);
        if (delivered(tx1(0), hits)) return finish("holds", `${seen}: the group skips the down member by itself`);
        return finish("fails", `${seen}: frames hashed to the down member are lost until the firmware takes it out of the group (it does so on the link poll)`);
      }
      case "port-vlan": {
        const h0 = ib(0, 0);
        const h1 = ib(1, 0);
        const seen = `rule -> port ${s.p2} (outside port ${s.host}'s port VLAN mask): without VLAN_BYP ${h0} hits, port ${s.p2} sent ${tx2(0)}; with VLAN_BYP ${h1} hits, sent ${tx2(1)}`;
        if (h0 === 0 || h1 === 0) return none(seen);
        if (quiet(tx2(0), h0) && delivered(tx2(1), h1)) return finish("holds", `${seen}: port VLAN masks apply to CFP destinations, VLAN_BYP lifts them`);
        if (delivered(tx2(0), h0)) return finish("fails", `${seen}: CFP destinations ignore port VLAN masks (trunk mode cfp-isolated keeps floods apart with the masks; CFP rules never flood, so it still works)`);
        return finish("inconclusive", seen);
      }
      case "hitless-rewrite": {
        const hits = ib(0, 0) + ib(1, 0);
        const sent = tx1(0) + tx1(1) + tx2(0) + tx2(1);
        const seen = `${hits} hits while the action moved from port ${s.p1} to port ${s.p2}; sent: port ${s.p1} ${tx1(0)} + ${tx1(1)}, port ${s.p2} ${tx2(0)} + ${tx2(1)} (before + after the rewrite)`;
        if (ib(0, 0) === 0 || ib(1, 0) === 0) return none(seen);
        if (sent < hits) return finish("fails", `${seen}: ${hits - sent} frames lost around the rewrite`);
        if (sent - hits <= Math.floor(hits / BACKGROUND_SHARE)) return finish("holds", `${seen}: every frame left exactly once`);
        return finish("inconclusive", `${seen}: ${sent - hits} frames more than hits (duplicates, or other traffic on the targets)`);
      }
      default:
        return finish("inconclusive", "not a traffic check");
    }
  }

  // ---- register checks (synchronous, no traffic) ----------------------------------------------------------------

  /** Runs one register check now. */
  run(check: CfpCheckName): SelfTestResult {
    this.#busy();
    if (CFP_REGISTER_CHECKS.indexOf(check) < 0) throw new InvalidArgumentError(`"${check}" is not a CFP register check (${CFP_REGISTER_CHECKS.join(", ")})`);
    const assumption = this.#assumptionOf(check);
    if (check === "udf-registers") return this.#udfRegisters(assumption);
    if (check === "tcam-reset") return this.#tcamReset(assumption);
    const slots = this.#freeEntries(check === "staging" ? 2 : 1);
    this.#save(slots);
    try {
      switch (check) {
        case "staging":
          return this.#staging(assumption, slots[0], slots[1]);
        case "masked-readback":
        case "mask5-width":
          return this.#readBackCheck(check, assumption, slots[0]);
        default:
          return this.#pollStatus(assumption, slots[0]);
      }
    } finally {
      this.#restore(slots);
    }
  }

  /** A recognisable invalid entry (VALID = 00 in the data, so it never matches): every word differs. */
  #pattern(seed: number): Uint32Array {
    const entry = this.#entry;
    for (let k = 0; k < CFP.WORDS; k++) {
      entry[k] = ((0x5a000000 + seed * 0x10101 + k * 0x01020304) & ~CFP_KEY.VALID) >>> 0;
      entry[MASK_WORDS + k] = 0xffffffff;
    }
    entry[CFP.WORDS - 1] &= 0xff; // DATA7/MASK7 use bits [7:0] only (CFP facts §1.1)
    entry[MASK_WORDS + CFP.WORDS - 1] = 0xff;
    return entry;
  }

  /** U7: entry i written in full, then entry j through invalidateTcam (DATA0/MASK0 only): j's other words = the staging. */
  #staging(assumption: NamedAssumption, i: number, j: number): SelfTestResult {
    const cfp = this.#cfp;
    const written = this.#pattern(7).slice();
    cfp.writeTcam(i, written);
    cfp.invalidateTcam(j);
    cfp.readTcam(j, this.#readBack);
    let kept = 0;
    let zero = 0;
    let compared = 0;
    for (let w = 0; w < 2 * CFP.WORDS; w++) {
      if (w === 0 || w === MASK_WORDS) continue; // DATA0/MASK0 were written (0)
      compared++;
      if (this.#readBack[w] === written[w]) kept++;
      else if (this.#readBack[w] === 0) zero++;
    }
    const seen = `entry ${i} written in full, entry ${j} written with only DATA0/MASK0 staged: ${kept} of its other ${compared} words equal entry ${i}'s, ${zero} are 0`;
    if (kept === compared) return this.#finish("staging", assumption, "holds", `${seen}: the staging registers persist (and ${CFP_WRITE_KEEPS_OR_ZEROES_STAGING.name}, which the firmware needs, holds)`);
    if (zero === compared)
      return this.#finish("staging", assumption, "fails", `${seen}: a write clears the staging registers; ${CFP_WRITE_KEEPS_OR_ZEROES_STAGING.name}, which the firmware needs, holds, so nothing to do`);
    return this.#finish("staging", assumption, "fails", `${seen}: the staging registers hold neither the written words nor 0; ${CFP_WRITE_KEEPS_OR_ZEROES_STAGING.name} FAILS too: use trunk mode hash and report this board`);
  }

  /** U8 (data 0xffffffff under mask 0x0000ffff in word 2) and U9 (MASK5 = 0xffffffff) on one invalid entry. */
  #readBackCheck(check: CfpCheckName, assumption: NamedAssumption, entry: number): SelfTestResult {
    const cfp = this.#cfp;
    const words = this.#entry;
    words.fill(0);
    const word = check === "masked-readback" ? 2 : 5;
    const data = check === "masked-readback" ? 0xffffffff : 0;
    const mask = check === "masked-readback" ? 0x0000ffff : 0xffffffff;
    words[word] = data;
    words[MASK_WORDS + word] = mask;
    cfp.writeTcam(entry, words);
    cfp.readTcam(entry, this.#readBack);
    const got = check === "masked-readback" ? this.#readBack[word] : this.#readBack[MASK_WORDS + word];
    if (check === "masked-readback") {
      const seen = `entry ${entry}: DATA2 = 0xffffffff under MASK2 = 0x0000ffff reads back ${hex(got)}`;
      if (got === 0xffffffff) return this.#finish(check, assumption, "holds", `${seen}: the TCAM keeps data as written`);
      if (got === 0x0000ffff) return this.#finish(check, assumption, "fails", `${seen}: the TCAM keeps data AND mask; the firmware writes data pre-masked, so nothing to do`);
      return this.#finish(check, assumption, "inconclusive", `${seen}: neither answer`);
    }
    const seen = `entry ${entry}: MASK5 = 0xffffffff reads back ${hex(got)}`;
    if (got === 0xffffffff) return this.#finish(check, assumption, "holds", `${seen}: all 32 bits are stored`);
    if (got === 0x01ffffff) return this.#finish(check, assumption, "fails", `${seen}: only bits 24:0 are stored; the rules' UDF1..3 valid bits are not compared, which they tolerate`);
    return this.#finish(check, assumption, "inconclusive", `${seen}: neither 32 nor 25 bits`);
  }

  /** U15: poll counts of each kind of operation, RD_STS as the poll saw it, and a read returning what was written. */
  #pollStatus(assumption: NamedAssumption, entry: number): SelfTestResult {
    const cfp = this.#cfp;
    const written = this.#pattern(3).slice();
    cfp.writeTcam(entry, written);
    const tcamWrite = cfp.lastPolls;
    cfp.readTcam(entry, this.#readBack);
    const tcamRead = cfp.lastPolls;
    const readStatus = cfp.lastAccess >>> 28;
    let same = 0;
    for (let w = 0; w < 2 * CFP.WORDS; w++) if (this.#readBack[w] === written[w]) same++;
    cfp.writeAction(entry, 0x00000100, 0);
    const actionWrite = cfp.lastPolls;
    cfp.readAction(entry);
    const actionRead = cfp.lastPolls;
    const actionOk = cfp.action0 === 0x00000100 && cfp.action1 === 0;
    cfp.readStat(entry, false);
    const statRead = cfp.lastPolls;
    const most = Math.max(tcamWrite, tcamRead, actionWrite, actionRead, statRead);
    const seen =
      `CFP_ACC reads until done: TCAM write ${tcamWrite}, TCAM read ${tcamRead}, action write ${actionWrite}, action read ${actionRead}, stat read ${statRead}; ` +
      `RD_STS in the TCAM read's last poll ${hex(readStatus)}; read back ${same} of ${2 * CFP.WORDS} TCAM words and the action ${actionOk ? "as written" : "wrong"}`;
    if (most <= CFP.MAX_POLLS && same === 2 * CFP.WORDS && actionOk) return this.#finish("poll-status", assumption, "holds", `${seen}: done means the data is ready`);
    return this.#finish("poll-status", assumption, "fails", `${seen}: a read right after done returned other data; report this board (the firmware would misread rules)`);
  }

  /** U13: the engine's reset (as the firmware does it, CFP_EN_MAP = 0 first) clears a valid entry, polls bounded. */
  #tcamReset(assumption: NamedAssumption): SelfTestResult {
    const cfp = this.#cfp;
    // The reset clears every entry and the action and stat RAMs: only with no rule in use.
    let valid = 0;
    for (let entry = 0; entry < CFP.ENTRIES; entry++) if (this.#isValid(entry)) valid++;
    if (valid > 0)
      throw new OnemacError(
        "chip-error",
        `the TCAM reset clears every CFP rule and ${valid} are in use (a CFP trunk): switch the trunks to mode hash while this check runs`,
      );
    const enableMap = cfp.getEnableMap();
    const entry = CFP.ENTRIES - 1;
    this.#writeRule(entry, this.#probeKey(), DROP_ACTION);
    const before = this.#isValid(entry);
    let error = "";
    try {
      cfp.resetEngine();
    } catch (caught) {
      if (!(caught instanceof OnemacError)) throw caught;
      error = caught.message;
    }
    const after = error ? true : this.#isValid(entry);
    const checksum = cfp.readChecksumStatus();
    cfp.invalidateTcam(entry);
    cfp.setEnableMap(enableMap);
    const seen = `entry ${entry} valid before: ${before ? "yes" : "no"}; reset with the CFP disabled everywhere ${error ? `failed: ${error}` : `done, entry valid after: ${after ? "yes" : "no"}`}; TCAM_CHKSUM_STS ${hex(checksum)}`;
    if (!before) return this.#finish("tcam-reset", assumption, "inconclusive", `${seen}: the test entry did not become valid`);
    if (error) return this.#finish("tcam-reset", assumption, "fails", `${seen}: the reset bits did not clear within ${CFP.MAX_POLLS} reads; the firmware cannot set up the CFP: use trunk mode hash`);
    if (after) return this.#finish("tcam-reset", assumption, "fails", `${seen}: TCAM_RST did not clear the entry; use trunk mode hash`);
    return this.#finish("tcam-reset", assumption, "holds", `${seen}: TCAM_RST and CFP_RAM_CLEAR self-clear within ${CFP.MAX_POLLS} reads and clear the entries`);
  }

  /** U16: four scratch UDF registers (don't-care in the member rules) written byte by byte, each read back. */
  #udfRegisters(assumption: NamedAssumption): SelfTestResult {
    const cfp = this.#cfp;
    const saved = [0, 0, 0, 0];
    for (let n = 0; n < 4; n++) saved[n] = cfp.readUdf(UDF_SCRATCH + n);
    let ok = 0;
    const values = [0x00, 0x00, 0x00, 0x00];
    try {
      for (let n = 0; n < 4; n++) cfp.writeUdf(UDF_SCRATCH + n, 0);
      for (let n = 0; n < 4; n++) {
        cfp.writeUdf(UDF_SCRATCH + n, 0x41 + n * 0x11);
        let neighbours = true;
        for (let m = 0; m < 4; m++) {
          const want = m < n ? 0x41 + m * 0x11 : m === n ? 0x41 + n * 0x11 : 0;
          values[m] = cfp.readUdf(UDF_SCRATCH + m);
          if (values[m] !== want) neighbours = false;
        }
        if (neighbours) ok++;
      }
    } finally {
      for (let n = 0; n < 4; n++) cfp.writeUdf(UDF_SCRATCH + n, saved[n]);
    }
    const seen = `UDF_0_A_4..7 (page 0xa1 offsets 0x14-0x17) written one byte at a time: ${ok} of 4 writes changed only their own register; last read ${values.map(hex).join(" ")}`;
    if (ok === 4) return this.#finish("udf-registers", assumption, "holds", `${seen}: byte-wide registers, as the firmware writes them`);
    return this.#finish("udf-registers", assumption, "fails", `${seen}: the UDF selections cannot be written as the firmware does; use trunk mode hash and report this board`);
  }
}
