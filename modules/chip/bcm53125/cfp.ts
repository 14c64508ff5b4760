// BCM53125 Compact Field Processor (CFP) access over the SPI transport: the raw operations (TCAM, action RAM, stat
// counters, UDF selections, enable map) for self-tests, and the MemberTableAccess the trunk service uses to hold the
// patent's table in the chip. Source: shared/facts/bcm53125-cfp.md ("CFP facts §x"); registers in ./registers, the
// rule layout in ./cfp-rules, what the facts leave UNCERTAIN in ./assumptions.
//
// Every operation: stage the words, write CFP_ACC with OP_STR_DONE set, poll CFP_ACC until it reads 0 (at most
// CFP.MAX_POLLS reads, then SpiTimeoutError). CFP_ACC values are composed in full, never read-modify-written (CFP
// facts §3 "Failover": the SDK's read first can be skipped). Nothing here allocates except an error's message.

import { InvalidArgumentError, SpiTimeoutError } from "../../errors";
import { isMac } from "../../mac";
import type { MemberRule, MemberTableAccess } from "../switch-chip";
import {
  ACTION1_MEMBER_RULE,
  decodeActionPort,
  decodeMemberMatch,
  encodeActionPort,
  encodeMemberMatch,
  isCfpPort,
  MASK_WORDS,
  MAX_INDEX_BITS,
  MEMBER_RULE_UDF_OFFSETS,
  MEMBER_RULE_UDF_SLICES,
  newTcamEntry,
  TCAM_ENTRY_WORDS,
  udfRegisterValue,
} from "./cfp-rules";
import { CFP, CFP_CONTROL, TCAM_CONTROL } from "./registers";
import type { Bcm53125Transport } from "./transport";

// CFP_ACC values (CFP facts §2 "Ready-made CFP_ACC values"), without the entry index (bits 23:16).
const TCAM_WRITE = CFP.ACC_RAM_TCAM | CFP.ACC_OP_WRITE | CFP.ACC_START_DONE; // 0x0405
const TCAM_READ = CFP.ACC_RAM_TCAM | CFP.ACC_OP_READ | CFP.ACC_START_DONE; // 0x0403
const ACTION_WRITE = CFP.ACC_RAM_ACTION | CFP.ACC_OP_WRITE | CFP.ACC_START_DONE; // 0x0805
const ACTION_READ = CFP.ACC_RAM_ACTION | CFP.ACC_OP_READ | CFP.ACC_START_DONE; // 0x0803
const STAT_INBAND_READ = CFP.ACC_RAM_STAT_INBAND | CFP.ACC_OP_READ | CFP.ACC_START_DONE; // 0x2003
const STAT_OUTBAND_READ = CFP.ACC_RAM_STAT_OUTBAND | CFP.ACC_OP_READ | CFP.ACC_START_DONE; // 0x4003

function hex(value: number): string {
  return "0x" + value.toString(16);
}

function describeOperation(acc: number): string {
  if (acc & CFP.ACC_TCAM_RESET) return "a TCAM reset (TCAM_RST)";
  if (acc & CFP.ACC_RAM_CLEAR) return "a RAM clear (CFP_RAM_CLEAR)";
  const write = (acc & CFP.ACC_OP_WRITE) !== 0;
  const entry = (acc >>> CFP.ACC_ADDRESS_SHIFT) & 0xff;
  const ram =
    acc & CFP.ACC_RAM_TCAM ? "TCAM" : acc & CFP.ACC_RAM_ACTION ? "action RAM" : acc & CFP.ACC_RAM_STAT_INBAND ? "in-band stat" : "out-band stat";
  return `a ${ram} ${write ? "write" : "read"} of entry ${entry}`;
}

/** Raw CFP access. One per driver; it shares the driver's transport (and its page cache). */
export class Bcm53125Cfp {
  readonly #io: Bcm53125Transport;
  /** ACT_POL_DATA0/1 as the last readAction() found them. */
  action0 = 0;
  action1 = 0;
  /** CFP_ACC reads the last operation's poll took, and the value of the last one (self-tests: U13, U15). */
  lastPolls = 0;
  lastAccess = 0;

  constructor(io: Bcm53125Transport) {
    this.#io = io;
  }

  #checkEntry(entry: number): void {
    if (!Number.isInteger(entry) || entry < 0 || entry >= CFP.ENTRIES)
      throw new InvalidArgumentError(`CFP entry ${entry} does not exist (the BCM53125 has entries 0-${CFP.ENTRIES - 1})`);
  }

  /**
   * Writes CFP_ACC = `acc` and polls until the bits in `busy` read 0: at most CFP.MAX_POLLS reads (CFP facts §2
   * step 4; named assumptions CFP_DONE_MEANS_DATA_READY and CFP_RESET_BITS_SELF_CLEAR).
   */
  #operate(acc: number, busy: number): void {
    const io = this.#io;
    io.write32(CFP.PAGE, CFP.ACC, acc);
    for (let polls = 1; polls <= CFP.MAX_POLLS; polls++) {
      const value = io.read32(CFP.PAGE, CFP.ACC);
      this.lastPolls = polls;
      this.lastAccess = value;
      if ((value & busy) === 0) return;
    }
    throw new SpiTimeoutError(
      `BCM53125 CFP did not finish ${describeOperation(acc)}: CFP_ACC (page 0xa0 offset 0x00) still had ${hex(busy)} set ` +
        `after ${CFP.MAX_POLLS} reads; the chip may be wedged (power-cycle the switch) or is not a BCM53125 with a CFP`,
    );
  }

  // ---- engine ------------------------------------------------------------------------------------------------

  /** CFP_EN_MAP (A1:00 [8:0], bit 8 = IMP; CFP facts §1.2). */
  setEnableMap(mask: number): void {
    if (!Number.isInteger(mask) || mask < 0 || (mask & ~CFP_CONTROL.ENABLE_MAP_MASK) !== 0)
      throw new InvalidArgumentError(`CFP enable map ${mask} names ports that do not exist (bits 0-8)`);
    this.#io.write16(CFP_CONTROL.PAGE, CFP_CONTROL.ENABLE_MAP, mask);
  }

  getEnableMap(): number {
    return this.#io.read16(CFP_CONTROL.PAGE, CFP_CONTROL.ENABLE_MAP) & CFP_CONTROL.ENABLE_MAP_MASK;
  }

  /**
   * Resets the engine (CFP facts §2 Init, reordered as the register text requires): CFP_EN_MAP = 0 first (MDK:3460:
   * the TCAM may be reset only while no port has the CFP enabled; the SDK enables ports first, the firmware does
   * not); TCAM_RST, polled; CFP_RAM_CLEAR (action, meter and stat RAMs), polled; the 53125's zero-fill of all 256
   * TCAM entries ("otherwise parity error"), staging zeros once and then one write operation per entry (named
   * assumption CFP_WRITE_KEEPS_OR_ZEROES_STAGING); then TCAM_CTRL.EN_TCAM_CHKSUM. Leaves the CFP enabled on no port
   * and the UDF selections as they were.
   */
  resetEngine(): void {
    const io = this.#io;
    this.setEnableMap(0);
    this.#operate(CFP.ACC_TCAM_RESET, CFP.ACC_TCAM_RESET);
    this.#operate(CFP.ACC_RAM_CLEAR, CFP.ACC_RAM_CLEAR);
    for (let k = 0; k < CFP.WORDS; k++) {
      io.write32(CFP.PAGE, CFP.DATA + CFP.WORD_STRIDE * k, 0);
      io.write32(CFP.PAGE, CFP.MASK + CFP.WORD_STRIDE * k, 0);
    }
    for (let entry = 0; entry < CFP.ENTRIES; entry++) this.#operate(TCAM_WRITE | (entry << CFP.ACC_ADDRESS_SHIFT), CFP.ACC_START_DONE);
    const control = io.read8(TCAM_CONTROL.PAGE, TCAM_CONTROL.CONTROL);
    if ((control & TCAM_CONTROL.EN_TCAM_CHKSUM) === 0)
      io.write8(TCAM_CONTROL.PAGE, TCAM_CONTROL.CONTROL, control | TCAM_CONTROL.EN_TCAM_CHKSUM);
  }

  /** TCAM_CHKSUM_STS (00:EA): [15] error flag, [7:0] the entry in error (CFP facts §1.2). */
  readChecksumStatus(): number {
    return this.#io.read16(TCAM_CONTROL.PAGE, TCAM_CONTROL.CHECKSUM_STATUS);
  }

  // ---- UDF selections (page 0xA1, byte-wide: CFP facts §1.2; 8-bit accesses only, so U16 does not matter) ------

  writeUdf(offset: number, value: number): void {
    this.#checkUdf(offset);
    if (!Number.isInteger(value) || value < 0 || value > 0xff) throw new InvalidArgumentError(`UDF value ${value} is not a byte`);
    this.#io.write8(CFP_CONTROL.PAGE, offset, value);
  }

  readUdf(offset: number): number {
    this.#checkUdf(offset);
    return this.#io.read8(CFP_CONTROL.PAGE, offset);
  }

  #checkUdf(offset: number): void {
    // UDF_n_A/B/C at A1:10..98 (9 per slice, 16 apart), UDF_0_D at A1:A0..AB (CFP facts §1.2).
    const ok =
      Number.isInteger(offset) &&
      ((offset >= 0x10 && offset < 0xa0 && (offset & 0xf) < CFP_CONTROL.UDF_PER_SLICE) || (offset >= 0xa0 && offset <= 0xab));
    if (!ok) throw new InvalidArgumentError(`${hex(Number(offset))} is not a CFP UDF register on page 0xa1`);
  }

  /** Selects the member rules' UDFs (CFP facts §3 "Proposed allocation": A1:10..13, 40..43, 70..73 = 02 01 00 05). */
  selectMemberRuleUdfs(): void {
    const io = this.#io;
    for (let s = 0; s < MEMBER_RULE_UDF_SLICES.length; s++)
      for (let n = 0; n < MEMBER_RULE_UDF_OFFSETS.length; n++)
        io.write8(CFP_CONTROL.PAGE, MEMBER_RULE_UDF_SLICES[s] + n, udfRegisterValue(MEMBER_RULE_UDF_OFFSETS[n]));
  }

  // ---- TCAM --------------------------------------------------------------------------------------------------

  /**
   * Writes TCAM entry `entry` from `words` (TCAM_ENTRY_WORDS: DATA0..7 then MASK0..7): DATAk then MASKk interleaved
   * (CFP facts §2 Write step 2), then CFP_ACC = 0x0405 | entry << 16 and the poll. 17 writes + >= 1 read.
   */
  writeTcam(entry: number, words: Uint32Array): void {
    this.#checkEntry(entry);
    if (words.length < TCAM_ENTRY_WORDS) throw new InvalidArgumentError(`a TCAM entry is ${TCAM_ENTRY_WORDS} words (data then mask)`);
    const io = this.#io;
    for (let k = 0; k < CFP.WORDS; k++) {
      io.write32(CFP.PAGE, CFP.DATA + CFP.WORD_STRIDE * k, words[k]);
      io.write32(CFP.PAGE, CFP.MASK + CFP.WORD_STRIDE * k, words[MASK_WORDS + k]);
    }
    this.#operate(TCAM_WRITE | (entry << CFP.ACC_ADDRESS_SHIFT), CFP.ACC_START_DONE);
  }

  /** Reads TCAM entry `entry` into `out` (DATA0..7 then MASK0..7; CFP facts §2 Read). */
  readTcam(entry: number, out: Uint32Array): void {
    this.#checkEntry(entry);
    if (out.length < TCAM_ENTRY_WORDS) throw new InvalidArgumentError(`a TCAM entry is ${TCAM_ENTRY_WORDS} words (data then mask)`);
    const io = this.#io;
    this.#operate(TCAM_READ | (entry << CFP.ACC_ADDRESS_SHIFT), CFP.ACC_START_DONE);
    for (let k = 0; k < CFP.WORDS; k++) {
      out[k] = io.read32(CFP.PAGE, CFP.DATA + CFP.WORD_STRIDE * k);
      out[MASK_WORDS + k] = io.read32(CFP.PAGE, CFP.MASK + CFP.WORD_STRIDE * k);
    }
  }

  /**
   * Invalidates TCAM entry `entry` as the SDK does (CFP facts §2 Invalidate): DATA0 = MASK0 = 0 (VALID = 00), then a
   * TCAM write. 3 writes + >= 1 read.
   */
  invalidateTcam(entry: number): void {
    this.#checkEntry(entry);
    const io = this.#io;
    io.write32(CFP.PAGE, CFP.DATA, 0);
    io.write32(CFP.PAGE, CFP.MASK, 0);
    this.#operate(TCAM_WRITE | (entry << CFP.ACC_ADDRESS_SHIFT), CFP.ACC_START_DONE);
  }

  // ---- action RAM and counters -------------------------------------------------------------------------------

  /**
   * Writes action entry `entry`: ACT_POL_DATA0, ACT_POL_DATA1, CFP_ACC = 0x0805 | entry << 16, poll (CFP facts §2
   * Write, §3 "Failover, per entry"). 3 writes + >= 1 read, all on page 0xA0. Allocation-free.
   */
  writeAction(entry: number, action0: number, action1: number): void {
    this.#checkEntry(entry);
    const io = this.#io;
    io.write32(CFP.PAGE, CFP.ACTION0, action0);
    io.write32(CFP.PAGE, CFP.ACTION1, action1);
    this.#operate(ACTION_WRITE | (entry << CFP.ACC_ADDRESS_SHIFT), CFP.ACC_START_DONE);
  }

  /** Reads action entry `entry` into `action0`/`action1`. */
  readAction(entry: number): void {
    this.#checkEntry(entry);
    const io = this.#io;
    this.#operate(ACTION_READ | (entry << CFP.ACC_ADDRESS_SHIFT), CFP.ACC_START_DONE);
    this.action0 = io.read32(CFP.PAGE, CFP.ACTION0);
    this.action1 = io.read32(CFP.PAGE, CFP.ACTION1);
  }

  /** Hit counter of entry `entry`, in-band (RATE_INBAND) or out-band (RATE_OUTBAND) (CFP facts §2 Stat read). */
  readStat(entry: number, outband = false): number {
    this.#checkEntry(entry);
    this.#operate((outband ? STAT_OUTBAND_READ : STAT_INBAND_READ) | (entry << CFP.ACC_ADDRESS_SHIFT), CFP.ACC_START_DONE);
    return this.#io.read32(CFP.PAGE, outband ? CFP.STAT_OUTBAND : CFP.STAT_INBAND);
  }
}

/**
 * The patent's table in the CFP: rule r = TCAM entry r + action entry r (named assumption CFP_ONE_RULE_ALL_FRAMINGS:
 * one rule per table entry). Arguments are checked before the first SPI access, so bad input changes nothing.
 */
export class Bcm53125MemberTable implements MemberTableAccess {
  readonly capacity = CFP.ENTRIES;
  readonly rulesPerEntry = 1;
  readonly #cfp: Bcm53125Cfp;
  readonly #entry = newTcamEntry();

  constructor(cfp: Bcm53125Cfp) {
    this.#cfp = cfp;
  }

  #checkRule(rule: number): void {
    if (!Number.isInteger(rule) || rule < 0 || rule >= CFP.ENTRIES)
      throw new InvalidArgumentError(`CFP rule ${rule} does not exist (the BCM53125 holds rules 0-${CFP.ENTRIES - 1})`);
  }

  #checkPort(port: number): void {
    if (port !== -1 && !isCfpPort(port))
      throw new InvalidArgumentError(`a CFP rule can send to ports 0-5 or 8 (IMP), or -1 to keep the address table's port, not ${port}`);
  }

  reset(): void {
    this.#cfp.resetEngine();
    this.#cfp.selectMemberRuleUdfs();
  }

  setEnabledPorts(mask: number): void {
    this.#cfp.setEnableMap(mask);
  }

  getEnabledPorts(): number {
    return this.#cfp.getEnableMap();
  }

  /** Action first, then the match (CFP facts §2 install order): 3 + 17 writes and >= 2 CFP_ACC reads. */
  writeRule(rule: number, serverMac: number, indexBits: number, index: number, port: number): void {
    this.#checkRule(rule);
    if (!isMac(serverMac)) throw new InvalidArgumentError(`${serverMac} is not a 48-bit MAC address`);
    if (!Number.isInteger(indexBits) || indexBits < 0 || indexBits > MAX_INDEX_BITS)
      throw new InvalidArgumentError(`a CFP rule compares 0-${MAX_INDEX_BITS} low bits of the source MAC, not ${indexBits}`);
    if (!Number.isInteger(index) || index < 0 || index >= 1 << indexBits)
      throw new InvalidArgumentError(`table index ${index} does not fit in ${indexBits} bits`);
    this.#checkPort(port);
    encodeMemberMatch(this.#entry, serverMac, indexBits, index);
    this.#cfp.writeAction(rule, encodeActionPort(port), ACTION1_MEMBER_RULE);
    this.#cfp.writeTcam(rule, this.#entry);
  }

  /** ACT_POL_DATA0, ACT_POL_DATA1, CFP_ACC, poll (CFP facts §3 "Failover, per entry"). Allocation-free. */
  setRulePort(rule: number, port: number): void {
    this.#checkRule(rule);
    this.#checkPort(port);
    this.#cfp.writeAction(rule, encodeActionPort(port), ACTION1_MEMBER_RULE);
  }

  clearRules(first: number, count: number): void {
    if (!Number.isInteger(count) || count < 0) throw new InvalidArgumentError(`rule count ${count} is not a whole number >= 0`);
    if (count === 0) return;
    this.#checkRule(first);
    this.#checkRule(first + count - 1);
    for (let rule = first; rule < first + count; rule++) this.#cfp.invalidateTcam(rule);
  }

  readRule(rule: number, out: MemberRule): boolean {
    this.#checkRule(rule);
    const cfp = this.#cfp;
    cfp.readTcam(rule, this.#entry);
    if (!decodeMemberMatch(this.#entry, out)) {
      out.port = -1;
      return false;
    }
    cfp.readAction(rule);
    out.port = decodeActionPort(cfp.action0);
    return true;
  }

  readRuleHits(rule: number): number {
    this.#checkRule(rule);
    return this.#cfp.readStat(rule, false);
  }
}
