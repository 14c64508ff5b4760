// Broadcom BCM53125 driver: the SwitchChip operations over the SPI framing in ./transport.
// Register facts: ./registers (each cites shared/facts/switch-chips.md). Access sequences for the ARL follow
// facts §1.3 (restated from Linux drivers/net/dsa/b53/b53_common.c); trunking facts §1.4. The CFP (the patent's
// table in the chip, shared/facts/bcm53125-cfp.md) is reached through ./cfp: `cfp` raw, `memberTable` for services.

import type { Clock } from "../../clock";
import {
  ArlBucketFullError,
  ChipIdError,
  DeadBusError,
  InvalidArgumentError,
  OnemacError,
  SpiTimeoutError,
  TrunkLimitError,
} from "../../errors";
import { formatMac, isMac, isMulticastMac } from "../../mac";
import type { SpiIo } from "../spi-io";
import type {
  ArlEntry,
  ChipInfo,
  FastAgeOptions,
  MemberTableAccess,
  PortCounters,
  PortStatus,
  SwitchChip,
  StpState,
  TrunkConfig,
  TrunkHash,
} from "../switch-chip";
import { newArlEntry } from "../switch-chip";
import { predictTrunkMemberBySa, TRUNK_MEMBER_BY_SA_LOW_BITS } from "./assumptions";
import { Bcm53125Cfp, Bcm53125MemberTable } from "./cfp";
import { ARL, BCM53125_DEVICE_ID, CTRL, MGMT, MIB, PORT_VLAN, PORTS, STATUS, TRUNK } from "./registers";
import { Bcm53125Transport } from "./transport";

export interface Bcm53125Options {
  spi: SpiIo;
  clock: Clock;
  pollTimeoutMs?: number;
  maxPolls?: number;
}

const STP_STATES: readonly StpState[] = Object.freeze(["none", "disabled", "blocking", "listening", "learning", "forwarding"]);
const HASH_BY_CODE: readonly TrunkHash[] = Object.freeze(["da+sa", "da", "sa", "da+sa"]); // code 3 is illegal: the SDK treats it as DA+SA
const VID_MAX = 4095;

function hex(value: number): string {
  return "0x" + value.toString(16);
}

function bitCount(mask: number): number {
  let count = 0;
  for (let m = mask; m !== 0; m &= m - 1) count++;
  return count;
}

const INFO: ChipInfo = Object.freeze({
  model: "BCM53125",
  deviceId: BCM53125_DEVICE_ID,
  revision: 0,
  userPorts: PORTS.USER,
  cpuPort: PORTS.IMP,
  arlEntries: ARL.BUCKETS * ARL.BINS,
  trunk: Object.freeze({
    groups: TRUNK.GROUPS,
    maxMembers: TRUNK.MAX_MEMBERS,
    hashes: Object.freeze(["da+sa", "da", "sa"] as TrunkHash[]),
    memberPrediction: TRUNK_MEMBER_BY_SA_LOW_BITS,
  }),
});

export class Bcm53125 implements SwitchChip {
  readonly #io: Bcm53125Transport;
  readonly #entry: ArlEntry = newArlEntry();
  #info: ChipInfo = INFO;
  /**
   * Trunk group bitmaps as last written or read (-1: not known). Only this driver writes them, so a failover can
   * check the other group for overlaps without reading it back; probe() forgets them (the chip may have been reset).
   */
  readonly #groupMembers = [-1, -1];
  /** Raw CFP access (TCAM, action RAM, stats, UDFs, enable map) for self-tests. */
  readonly cfp: Bcm53125Cfp;
  /** The patent's table as CFP rules: 256 rules, one per table entry (named assumption CFP_ONE_RULE_ALL_FRAMINGS). */
  readonly memberTable: MemberTableAccess;

  constructor(options: Bcm53125Options) {
    this.#io = new Bcm53125Transport(options);
    this.cfp = new Bcm53125Cfp(this.#io);
    this.memberTable = new Bcm53125MemberTable(this.cfp);
  }

  get info(): ChipInfo {
    return this.#info;
  }

  probe(): ChipInfo {
    const io = this.#io;
    io.invalidatePage();
    io.resetLineWatch();
    this.#groupMembers[0] = this.#groupMembers[1] = -1;
    let id: number;
    let revision: number;
    try {
      id = io.read32(MGMT.PAGE, MGMT.DEVICE_ID);
      revision = io.read8(MGMT.PAGE, MGMT.REVISION);
    } catch (error) {
      if (error instanceof SpiTimeoutError) this.#throwIfDeadBus();
      throw error;
    }
    this.#throwIfDeadBus();
    if (id !== BCM53125_DEVICE_ID) {
      throw new ChipIdError(
        id,
        `expected a BCM53125 (device ID ${hex(BCM53125_DEVICE_ID)} at page 0x02 offset 0x30) but read ${hex(id)}: ` +
          "another chip is on this SPI bus, or the board is wired for a different switch",
      );
    }
    this.#info = Object.freeze({ ...INFO, revision });
    return this.#info;
  }

  #throwIfDeadBus(): void {
    const state = this.#io.lineState();
    if (state === "high")
      throw new DeadBusError("no switch chip answers on SPI: every byte read back was 0xFF (MISO floating or pulled high; check power, reset and wiring)");
    if (state === "low")
      throw new DeadBusError("no switch chip answers on SPI: every byte read back was 0x00 (MISO held low; check power, reset and wiring)");
  }

  /**
   * Managed mode with forwarding on, and the CFP reset (memberTable.reset(): no rule valid, enabled on no port, the
   * member rules' UDFs selected), whether at boot or after a chip reset: the services then write their rules again.
   */
  setup(): void {
    const mode = this.#io.read8(CTRL.PAGE, CTRL.SWITCH_MODE);
    const want = mode | CTRL.SWITCH_MODE_MANAGED | CTRL.SWITCH_MODE_FORWARD;
    if (want !== mode) this.#io.write8(CTRL.PAGE, CTRL.SWITCH_MODE, want);
    this.memberTable.reset();
  }

  /**
   * Whether setup() is still in effect: false when the switch-mode register has lost its managed bit, i.e. the chip
   * was reset or power-cycled behind the firmware's back (its registers are at power-on values and its page register
   * at 0). Forgets every cached value first, so the check itself cannot be misled by a stale page.
   */
  checkSetup(): boolean {
    this.#forgetCachedState();
    const mode = this.#io.read8(CTRL.PAGE, CTRL.SWITCH_MODE);
    return (mode & CTRL.SWITCH_MODE_MANAGED) !== 0;
  }

  #forgetCachedState(): void {
    this.#io.invalidatePage();
    this.#groupMembers[0] = this.#groupMembers[1] = -1;
  }

  // ---- ports -------------------------------------------------------------------------------------------------

  #checkPort(port: number, allowImp: boolean): void {
    if (!Number.isInteger(port) || port < 0 || port > PORTS.IMP || ((PORTS.ALL_MASK >> port) & 1) === 0)
      throw new InvalidArgumentError(`port ${port} does not exist on the BCM53125 (ports 0-4 user, 8 IMP)`);
    if (!allowImp && port === PORTS.IMP) throw new InvalidArgumentError("port 8 is the IMP (management) port");
  }

  /**
   * The link poll selects its page every time (one 3-byte write more than a cached read): if the chip was reset since
   * the last access, its page register is back at 0, and a poll through a stale cache would read port control bits
   * as link states and fail trunk members over for nothing.
   */
  readLinkMask(): number {
    this.#io.invalidatePage();
    return this.#io.read16(STATUS.PAGE, STATUS.LINK) & PORTS.ALL_MASK;
  }

  readPortStatus(port: number, out: PortStatus): PortStatus {
    this.#checkPort(port, true);
    const io = this.#io;
    out.link = ((io.read16(STATUS.PAGE, STATUS.LINK) >> port) & 1) === 1;
    const speedCode = (io.read32(STATUS.PAGE, STATUS.SPEED) >>> (2 * port)) & 3;
    out.speed = speedCode === 2 ? 1000 : speedCode === 1 ? 100 : 10;
    out.fullDuplex = ((io.read16(STATUS.PAGE, STATUS.DUPLEX) >> port) & 1) === 1;
    return out;
  }

  setPortEnabled(port: number, rx: boolean, tx: boolean): void {
    this.#checkPort(port, false);
    const reg = CTRL.PORT_CONTROL + port;
    const value = this.#io.read8(CTRL.PAGE, reg);
    let next = value & ~(CTRL.PORT_RX_DISABLE | CTRL.PORT_TX_DISABLE);
    if (!rx) next |= CTRL.PORT_RX_DISABLE;
    if (!tx) next |= CTRL.PORT_TX_DISABLE;
    if (next !== value) this.#io.write8(CTRL.PAGE, reg, next);
  }

  setStpState(port: number, state: StpState): void {
    this.#checkPort(port, false);
    const code = STP_STATES.indexOf(state);
    if (code < 0) throw new InvalidArgumentError(`unknown STP state "${state}"`);
    const reg = CTRL.PORT_CONTROL + port;
    const value = this.#io.read8(CTRL.PAGE, reg);
    this.#io.write8(CTRL.PAGE, reg, (value & ~CTRL.PORT_STP_MASK) | (code << CTRL.PORT_STP_SHIFT));
  }

  getStpState(port: number): StpState {
    this.#checkPort(port, false);
    const code = (this.#io.read8(CTRL.PAGE, CTRL.PORT_CONTROL + port) & CTRL.PORT_STP_MASK) >> CTRL.PORT_STP_SHIFT;
    return STP_STATES[code] ?? "none";
  }

  setLearningDisabled(mask: number): void {
    if (!Number.isInteger(mask) || mask < 0 || (mask & ~PORTS.ALL_MASK) !== 0)
      throw new InvalidArgumentError(`learning-disable mask ${hex(mask)} names ports that do not exist`);
    this.#io.write16(CTRL.PAGE, CTRL.LEARNING_DISABLE, mask);
  }

  getLearningDisabled(): number {
    return this.#io.read16(CTRL.PAGE, CTRL.LEARNING_DISABLE) & PORTS.ALL_MASK;
  }

  setAgingTime(seconds: number): void {
    if (!Number.isInteger(seconds) || seconds < 1 || seconds > MGMT.AGING_TIME_MAX)
      throw new InvalidArgumentError(`aging time must be 1..${MGMT.AGING_TIME_MAX} seconds, not ${seconds}`);
    // Linux b53_set_ageing_time writes the time with AGE_CHANGE set (facts §1.2).
    this.#io.write32(MGMT.PAGE, MGMT.AGING_TIME, seconds | MGMT.AGE_CHANGE);
  }

  getAgingTime(): number {
    return this.#io.read32(MGMT.PAGE, MGMT.AGING_TIME) & MGMT.AGING_TIME_MASK;
  }

  fastAge(options: FastAgeOptions): void {
    const io = this.#io;
    let control = CTRL.FAST_AGE_START | CTRL.FAST_AGE_DYNAMIC;
    if (options.includeStatic) control |= CTRL.FAST_AGE_STATIC;
    if (options.port !== undefined) {
      this.#checkPort(options.port, true);
      control |= CTRL.FAST_AGE_BY_PORT;
    }
    if (options.vid !== undefined) {
      if (!Number.isInteger(options.vid) || options.vid < 0 || options.vid > VID_MAX)
        throw new InvalidArgumentError(`VID must be 0..${VID_MAX}, not ${options.vid}`);
      control |= CTRL.FAST_AGE_BY_VLAN;
    }
    if (options.port !== undefined) io.write8(CTRL.PAGE, CTRL.FAST_AGE_PORT, options.port);
    if (options.vid !== undefined) io.write16(CTRL.PAGE, CTRL.FAST_AGE_VID, options.vid);
    io.write8(CTRL.PAGE, CTRL.FAST_AGE, control);
    this.#pollBitClear(CTRL.PAGE, CTRL.FAST_AGE, CTRL.FAST_AGE_START, "finish a fast age");
    // Leave the control register as Linux b53_flush_arl does: age dynamic entries only.
    io.write8(CTRL.PAGE, CTRL.FAST_AGE, CTRL.FAST_AGE_DYNAMIC);
  }

  /** Polls a self-clearing start bit, bounded like the SPI status polls. */
  #pollBitClear(page: number, offset: number, bit: number, what: string): number {
    // Each register read is already bounded; bound the number of reads as well. An ARL operation completes within
    // microseconds; 64 reads (at least ~250 us at 20 MHz) is generous.
    for (let i = 0; i < 64; i++) {
      const value = this.#io.read8(page, offset);
      if ((value & bit) === 0) return value;
    }
    throw new SpiTimeoutError(`BCM53125 did not ${what} (page ${hex(page)} offset ${hex(offset)} kept bit ${hex(bit)} set)`);
  }

  /** Port-based VLAN egress mask of `port` (page 0x31, offset 2 * port, 16-bit; bit i = may forward to port i). */
  setPortVlanMask(port: number, mask: number): void {
    this.#checkPort(port, true);
    if (!Number.isInteger(mask) || mask < 0 || (mask & ~PORTS.ALL_MASK) !== 0)
      throw new InvalidArgumentError(`port VLAN mask ${hex(mask)} names ports that do not exist`);
    this.#io.write16(PORT_VLAN.PAGE, PORT_VLAN.MASK + PORT_VLAN.MASK_STRIDE * port, mask);
  }

  getPortVlanMask(port: number): number {
    this.#checkPort(port, true);
    return this.#io.read16(PORT_VLAN.PAGE, PORT_VLAN.MASK + PORT_VLAN.MASK_STRIDE * port) & PORTS.ALL_MASK;
  }

  // ---- address table -------------------------------------------------------------------------------------------

  #checkKey(mac: number, vid: number): void {
    if (!isMac(mac)) throw new InvalidArgumentError(`${mac} is not a 48-bit MAC address`);
    if (!Number.isInteger(vid) || vid < 0 || vid > VID_MAX) throw new InvalidArgumentError(`VID must be 0..${VID_MAX}, not ${vid}`);
  }

  /** Loads the bucket of MAC+VID into the entry registers (facts §1.3 "Lookup / read", steps 1-3). */
  #loadBucket(mac: number, vid: number): void {
    const io = this.#io;
    io.write48(ARL.PAGE, ARL.MAC_INDEX, mac);
    io.write16(ARL.PAGE, ARL.VID_INDEX, vid);
    io.write8(ARL.PAGE, ARL.RW_CONTROL, ARL.RW_START | ARL.RW_IVL_SVL | ARL.RW_READ);
    this.#pollBitClear(ARL.PAGE, ARL.RW_CONTROL, ARL.RW_START, "finish an ARL read");
  }

  /** Stores the entry registers back into the bucket (facts §1.3 "Add static entry", step 4). */
  #storeBucket(): void {
    this.#io.write8(ARL.PAGE, ARL.RW_CONTROL, ARL.RW_START | ARL.RW_IVL_SVL);
    this.#pollBitClear(ARL.PAGE, ARL.RW_CONTROL, ARL.RW_START, "finish an ARL write");
  }

  /**
   * Finds MAC+VID in the loaded bucket. Returns the matching bin, or -(first free bin + 1), or -(BINS + 1) when the
   * bucket is full. Reads a bin's MAC only when its data word is valid.
   */
  #findBin(mac: number, vid: number): number {
    const io = this.#io;
    let free = -1;
    for (let bin = 0; bin < ARL.BINS; bin++) {
      const data = io.read32(ARL.PAGE, ARL.ENTRY_DATA + ARL.BIN_STRIDE * bin);
      if ((data & ARL.DATA_VALID) === 0) {
        if (free < 0) free = bin;
        continue;
      }
      io.read64(ARL.PAGE, ARL.ENTRY_MAC_VID + ARL.BIN_STRIDE * bin);
      if (io.low48() === mac && (io.high32() >>> 16) % 4096 === vid) {
        this.#fillEntry(this.#entry, io.low48(), vid, data);
        return bin;
      }
    }
    return free >= 0 ? -(free + 1) : -(ARL.BINS + 1);
  }

  #fillEntry(out: ArlEntry, mac: number, vid: number, data: number): void {
    out.mac = mac;
    out.vid = vid;
    out.port = data & ARL.DATA_PORT_MASK;
    out.isStatic = (data & ARL.DATA_STATIC) !== 0;
    out.age = (data & ARL.DATA_AGE) !== 0;
  }

  arlLookup(mac: number, vid: number, out: ArlEntry): boolean {
    this.#checkKey(mac, vid);
    this.#loadBucket(mac, vid);
    const bin = this.#findBin(mac, vid);
    if (bin < 0) return false;
    const e = this.#entry;
    out.mac = e.mac;
    out.vid = e.vid;
    out.port = e.port;
    out.isStatic = e.isStatic;
    out.age = e.age;
    return true;
  }

  arlAdd(entry: ArlEntry): void {
    this.#checkKey(entry.mac, entry.vid);
    const multicast = isMulticastMac(entry.mac);
    if (multicast) {
      if (!Number.isInteger(entry.port) || entry.port < 0 || (entry.port & ~PORTS.ALL_MASK) !== 0)
        throw new InvalidArgumentError(`multicast entry port bitmap ${hex(entry.port)} names ports that do not exist`);
    } else {
      this.#checkPort(entry.port, true);
    }
    this.#loadBucket(entry.mac, entry.vid);
    let bin = this.#findBin(entry.mac, entry.vid);
    if (bin === -(ARL.BINS + 1)) {
      throw new ArlBucketFullError(
        `cannot add ${formatMac(entry.mac)} vid ${entry.vid}: its ARL bucket already holds 4 other addresses ` +
          "(the chip hashes MAC+VID to a bucket of 4); delete one of them or let dynamic ones age out",
      );
    }
    const replacing = bin >= 0;
    if (bin < 0) bin = -bin - 1;
    let data = (entry.port & ARL.DATA_PORT_MASK) | ARL.DATA_VALID;
    if (entry.isStatic) data |= ARL.DATA_STATIC;
    const io = this.#io;
    // A matching bin already holds this MAC/VID; only a free bin needs it written.
    if (!replacing) io.write64(ARL.PAGE, ARL.ENTRY_MAC_VID + ARL.BIN_STRIDE * bin, entry.mac, entry.vid);
    io.write32(ARL.PAGE, ARL.ENTRY_DATA + ARL.BIN_STRIDE * bin, data);
    this.#storeBucket();
  }

  arlDelete(mac: number, vid: number): boolean {
    this.#checkKey(mac, vid);
    this.#loadBucket(mac, vid);
    const bin = this.#findBin(mac, vid);
    if (bin < 0) return false;
    const io = this.#io;
    io.write64(ARL.PAGE, ARL.ENTRY_MAC_VID + ARL.BIN_STRIDE * bin, 0, 0);
    io.write32(ARL.PAGE, ARL.ENTRY_DATA + ARL.BIN_STRIDE * bin, 0);
    this.#storeBucket();
    return true;
  }

  arlDump(visit: (entry: ArlEntry) => void): number {
    const io = this.#io;
    const entry = this.#entry;
    let count = 0;
    io.invalidatePage(); // a scan starts from a timer, possibly after an unnoticed chip reset (see readLinkMask)
    io.write8(ARL.PAGE, ARL.SEARCH_CONTROL, ARL.SEARCH_START);
    // facts §1.3 "Dump": at most 4096/2 steps of two results each; one more step sees the search finish.
    const steps = (ARL.BUCKETS * ARL.BINS) / ARL.SEARCH_RESULTS + 1;
    for (let step = 0; step < steps; step++) {
      if (!this.#waitSearchResult()) return count;
      let valid = 0;
      // Linux b53_arl_search_rd reads MAC/VID then data, result 0 then result 1; the chip moves on after the
      // last of them (a named assumption: modules/chip/bcm53125/assumptions.ts SEARCH_ADVANCES_AFTER_RESULT_1).
      for (let result = 0; result < ARL.SEARCH_RESULTS; result++) {
        io.read64(ARL.PAGE, ARL.SEARCH_RESULT_MAC_VID + ARL.BIN_STRIDE * result);
        const mac = io.low48();
        const vid = (io.high32() >>> 16) % 4096;
        const data = io.read32(ARL.PAGE, ARL.SEARCH_RESULT_DATA + ARL.BIN_STRIDE * result);
        if ((data & ARL.DATA_VALID) === 0) continue;
        valid++;
        count++;
        this.#fillEntry(entry, mac, vid, data);
        visit(entry);
      }
      if (valid === 0) return count;
    }
    throw new OnemacError("chip-error", `BCM53125 ARL search did not finish after ${steps} steps; the table holds at most ${ARL.BUCKETS * ARL.BINS} entries`);
  }

  /** Waits until the search has results (true) or has finished (false). */
  #waitSearchResult(): boolean {
    for (let i = 0; i < 64; i++) {
      const control = this.#io.read8(ARL.PAGE, ARL.SEARCH_CONTROL);
      if ((control & ARL.SEARCH_VALID) !== 0) return true;
      if ((control & ARL.SEARCH_START) === 0) return false;
    }
    throw new SpiTimeoutError("BCM53125 ARL search produced no result and did not finish");
  }

  // ---- trunking ------------------------------------------------------------------------------------------------

  readTrunkConfig(): TrunkConfig {
    const io = this.#io;
    const control = io.read8(TRUNK.PAGE, TRUNK.CONTROL);
    const groups = [];
    for (let group = 0; group < TRUNK.GROUPS; group++) {
      const members = io.read16(TRUNK.PAGE, TRUNK.GROUP_MEMBERS + 2 * group) & PORTS.ALL_MASK;
      this.#groupMembers[group] = members;
      groups.push({ group, members });
    }
    return {
      enabled: (control & TRUNK.CONTROL_ENABLE) !== 0,
      hash: HASH_BY_CODE[control & TRUNK.CONTROL_HASH_MASK],
      groups,
    };
  }

  setTrunkHash(enabled: boolean, hash: TrunkHash): void {
    const code = HASH_BY_CODE.indexOf(hash);
    if (code < 0) throw new InvalidArgumentError(`unknown trunk hash "${hash}" (da+sa, da or sa)`);
    const io = this.#io;
    const control = io.read8(TRUNK.PAGE, TRUNK.CONTROL);
    const next = (control & ~(TRUNK.CONTROL_ENABLE | TRUNK.CONTROL_HASH_MASK)) | (enabled ? TRUNK.CONTROL_ENABLE : 0) | code;
    if (next !== control) io.write8(TRUNK.PAGE, TRUNK.CONTROL, next);
  }

  setTrunkMembers(group: number, members: number): void {
    if (!Number.isInteger(group) || group < 0 || group >= TRUNK.GROUPS)
      throw new TrunkLimitError(`the BCM53125 has trunk groups 0 and 1 only, not ${group}`);
    if (!Number.isInteger(members) || members < 0 || members > PORTS.ALL_MASK)
      throw new InvalidArgumentError(`trunk member bitmap ${members} names ports that do not exist`);
    if ((members >> PORTS.IMP) & 1) throw new TrunkLimitError("the IMP port (8) cannot be a trunk member");
    for (let port = 0; port < PORTS.IMP; port++)
      if ((members >> port) & 1 && PORTS.USER.indexOf(port) < 0)
        throw new TrunkLimitError(`port ${port} is not a front-panel port of the BCM53125 and cannot join a trunk`);
    const count = bitCount(members);
    if (count > TRUNK.MAX_MEMBERS) throw new TrunkLimitError(`a BCM53125 trunk group holds at most ${TRUNK.MAX_MEMBERS} ports, not ${count}`);
    const io = this.#io;
    const otherGroup = 1 - group;
    if (this.#groupMembers[otherGroup] < 0)
      this.#groupMembers[otherGroup] = io.read16(TRUNK.PAGE, TRUNK.GROUP_MEMBERS + 2 * otherGroup) & PORTS.ALL_MASK;
    const other = this.#groupMembers[otherGroup];
    if ((other & members) !== 0)
      throw new TrunkLimitError(`ports ${hex(other & members)} are already members of trunk group ${otherGroup}`);
    this.#groupMembers[group] = -1; // unknown until the write has gone through
    io.write16(TRUNK.PAGE, TRUNK.GROUP_MEMBERS + 2 * group, members);
    this.#groupMembers[group] = members;
  }

  /**
   * Predicted member for SA among the link-up members in `memberMask` (facts §1.4 UNCERTAIN: the named assumption
   * TRUNK_MEMBER_BY_SA_LOW_BITS in ./assumptions). No register access.
   */
  predictMember(sa: number, memberMask: number): number {
    if (!isMac(sa)) throw new InvalidArgumentError(`${sa} is not a 48-bit MAC address`);
    if (!Number.isInteger(memberMask) || memberMask < 0 || (memberMask & ~PORTS.ALL_MASK) !== 0)
      throw new InvalidArgumentError(`trunk member bitmap ${memberMask} names ports that do not exist`);
    return predictTrunkMemberBySa(sa, memberMask);
  }

  // ---- counters ------------------------------------------------------------------------------------------------

  readPortCounters(port: number, out: PortCounters): PortCounters {
    this.#checkPort(port, true);
    const io = this.#io;
    const page = MIB.PAGE_BASE + port;
    out.rxUnicast = io.read32(page, MIB.RX_UNICAST);
    out.rxMulticast = io.read32(page, MIB.RX_MULTICAST);
    out.rxBroadcast = io.read32(page, MIB.RX_BROADCAST);
    out.txUnicast = io.read32(page, MIB.TX_UNICAST);
    out.txMulticast = io.read32(page, MIB.TX_MULTICAST);
    out.txBroadcast = io.read32(page, MIB.TX_BROADCAST);
    io.read64(page, MIB.RX_OCTETS);
    out.rxOctets = io.low32() + io.high32() * 0x100000000;
    io.read64(page, MIB.TX_OCTETS);
    out.txOctets = io.low32() + io.high32() * 0x100000000;
    return out;
  }
}
