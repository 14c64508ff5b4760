// Register-accurate model of a Broadcom BCM53125 behind its SPI interface (shared/facts/switch-chips.md §1).
// The firmware reaches it only through SPI bytes (SpiDevice); the "board side" methods are what a test bench can do
// to real hardware: plug cables, inject frames, read counters, cut power, inject faults. Every register constant
// comes from ./registers (with its source); every behaviour the facts leave open comes from ./assumptions.
import type { ArlEntry, PortCounters, Speed } from "../../../modules/chip/switch-chip";
import { BROADCAST_MAC, isMac, isMulticastMac } from "../../../modules/mac";
import type { VirtualClock, VirtualTimer } from "../clock";
import type { SpiDevice } from "../spi";
import { ArlTable, ARL_ENTRIES } from "./arl";
import { BCM53125_ASSUMPTIONS, type Bcm53125Assumptions, type TrunkHashSelect } from "./assumptions";
import { CfpTables, type CfpFrameView, type CfpRule } from "./cfp";
import { ARL, CFP, CONTROL, MANAGEMENT, MIB, PAGE, PORTS, PORT_VLAN, SPI, STATUS, TRUNK, modeledRegisters } from "./registers";

/** A frame arriving on a port, as the test bench describes it. MACs are 48-bit numbers (modules/mac.ts). */
export interface IngressFrame {
  da: number;
  sa: number;
  /** VLAN ID 0..4095 (default 0: no VLANs, shared learning). */
  vid?: number;
  /** Frame length in octets for the octet counters and the CFP's UDF extraction (default 64). */
  length?: number;
  /**
   * EtherType after the SA (and the C-tag when tagged); default 0x0800. The CFP tells its framing from it
   * (cfp §1.3 L3_FRAMING: 0x0800 IPv4, 0x86dd IPv6, anything else non-IP; below 0x0600 LLC).
   */
  ethertype?: number;
  /** The frame carries an 802.1Q C-tag with `vid` (default: vid > 0). */
  tagged?: boolean;
  /**
   * The frame's octets from the DA on, for CFP user-defined fields at offsets 12 and up (offsets 0..11 always come
   * from da and sa). Without it (or past its end) the model uses the Ethernet header it implies (C-tag, EtherType)
   * and zeros after it.
   */
  bytes?: Uint8Array;
}

export type DeadBusLevel = "none" | "all-zeros" | "all-ones";

/** Faults a test can inject; every field can be changed at any time and takes effect on the next byte. */
export interface Bcm53125Faults {
  /** Nothing drives MISO: every byte reads 0x00 or 0xFF and the chip sees nothing. */
  deadBus: DeadBusLevel;
  /** SPI status SPIF (0xFE bit7) always reads busy. */
  spifStuckBusy: boolean;
  /** A dummy read never latches data and RACK (0xFE bit5) never rises. */
  rackNeverSet: boolean;
  /** Device ID 0x02/0x30 answers this instead of 0x00053125 (undefined: the real ID). */
  deviceId: number | undefined;
  /** ARL RW control START (0x05/0x00 bit7) and search START (0x05/0x50 bit7) never clear; the operations never run. */
  arlStartStuck: boolean;
  /**
   * CFP_ACC (0xA0/0x00) OP_STR_DONE, TCAM_RST and CFP_RAM_CLEAR never clear and what they start never runs, for as
   * long as the fault is set when they are written (a later write after clearing it runs normally).
   */
  cfpStartStuck: boolean;
}

export type UnmodeledAccessKind =
  /** Dummy read of a register the model does not implement. */
  | "read"
  /** Write to a register the model does not implement (the bytes are stored nonetheless). */
  | "write"
  /** Write to a read-only register (ignored). */
  | "read-only-write"
  /** Write whose byte count differs from the register's width (stored). */
  | "width-mismatch"
  /** Command byte other than normal read 0x60 / normal write 0x61 (offset = the command byte). */
  | "command"
  /** An operation the model does not implement, e.g. a CFP search or an unknown RAM_SEL (offset = the register). */
  | "operation";

export interface UnmodeledAccess {
  page: number;
  offset: number;
  kind: UnmodeledAccessKind;
}

export interface Bcm53125ModelOptions {
  /** Virtual time for START/DONE bits, SPIF/RACK timing and aging. */
  clock: VirtualClock;
  /** Replace named assumptions (see ./assumptions.ts), e.g. to test firmware under the other answer. */
  assumptions?: Partial<Bcm53125Assumptions>;
}

const enum Phase {
  Command,
  Address,
  WriteData,
  Status,
  DataRead,
  Idle,
}

const PORT_SLOTS = 9; // ports 0..8
const MAX_PORT_BITS = 0x1bf; // §1.2: ports 0-5, 7, 8 (no port 6 modeled)
const TWO_32 = 0x100000000;
const VID_MASK = 0xfff; // §1.3 bits 59:48 of an entry
const DEFAULT_FRAME_LENGTH = 64;
const MAX_FRAME_LENGTH = 16383;
const DEFAULT_ETHERTYPE = 0x0800; // IngressFrame.ethertype default: IPv4
const CFP_READ_STATUS_BITS = 0xf0000000; // cfp §1.1 CFP_ACC [31:28] RD_STS

function key(page: number, offset: number): number {
  return (page << 8) | offset;
}

export class Bcm53125Model implements SpiDevice {
  readonly faults: Bcm53125Faults = {
    deadBus: "none",
    spifStuckBusy: false,
    rackNeverSet: false,
    deviceId: undefined,
    arlStartStuck: false,
    cfpStartStuck: false,
  };
  /** Accesses to registers the model does not implement; tests assert it stays empty. */
  readonly unmodeledAccesses: UnmodeledAccess[] = [];
  readonly assumptions: Bcm53125Assumptions;

  readonly #clock: VirtualClock;
  /** All 256 pages x 256 offsets of register bytes. */
  readonly #memory = new Uint8Array(65536);
  /** Width in bytes of the modeled register starting at each page/offset; 0 = not modeled. */
  readonly #width = new Uint8Array(65536);
  readonly #readOnly = new Uint8Array(65536);
  /** Recomputes time-dependent register bytes (START/DONE, live values) without side effects. */
  readonly #refresh = new Map<number, () => void>();
  /** Side effects of reading (clear on read, search advance). */
  readonly #afterRead = new Map<number, () => void>();
  /** Side effects of writing (starting operations, resets). */
  readonly #afterWrite = new Map<number, () => void>();
  readonly #arl: ArlTable;

  // SPI interface state (§1.1)
  #page = 0;
  #phase = Phase.Command;
  #isWrite = false;
  #address = 0;
  readonly #writeBuffer = new Uint8Array(256);
  #writeCount = 0;
  readonly #latch = new Uint8Array(SPI.DATA_BYTES);
  #dataIndex = 0;
  #rack = false;
  #rackReadyAt = 0;
  #spifBusyUntil = 0;

  // Engines
  #arlDoneAt = 0;
  #fastAgeDoneAt = 0;
  #searching = false;
  #searchCursor = 0;
  #searchReadyAt = 0;
  #agingTimer: VirtualTimer | undefined;
  readonly #cfp: CfpTables;
  /** The frame the CFP looks at (one object, refilled per frame). */
  readonly #cfpFrame: { -readonly [K in keyof CfpFrameView]: CfpFrameView[K] } = {
    port: 0, da: 0, sa: 0, vid: 0, tagged: false, ethertype: DEFAULT_ETHERTYPE, length: DEFAULT_FRAME_LENGTH, bytes: undefined,
  };
  #cfpOperationDoneAt = 0;
  #cfpResetDoneAt = 0;
  #cfpClearDoneAt = 0;
  /** RD_STS bits the running operation sets when it completes; RD_STS as CFP_ACC reads now. */
  #cfpPendingReadStatus = 0;
  #cfpReadStatus = 0;
  /** Action entry being rewritten and until when (assumption cfpActionRewriteHitless). */
  #cfpActionWriteEntry = -1;
  #cfpActionWriteUntil = 0;

  // Board state (survives resets: cables stay plugged)
  readonly #linkUp = new Uint8Array(PORT_SLOTS);
  readonly #speed = new Uint16Array(PORT_SLOTS).fill(1000);
  readonly #fullDuplex = new Uint8Array(PORT_SLOTS).fill(1);

  constructor(options: Bcm53125ModelOptions) {
    if (!options?.clock) throw new TypeError("Bcm53125Model needs a clock");
    this.#clock = options.clock;
    this.assumptions = Object.freeze({ ...BCM53125_ASSUMPTIONS, ...options.assumptions });
    this.#arl = new ArlTable(this.assumptions.arlBucket);
    this.#cfp = new CfpTables(this.assumptions, (offset) => this.#memory[key(PAGE.CFP_CONFIG, offset)]);
    for (const spec of modeledRegisters()) {
      const at = key(spec.page, spec.offset);
      this.#width[at] = spec.width;
      this.#readOnly[at] = spec.access === "ro" ? 1 : 0;
    }
    this.#installHooks();
    this.#powerOn();
  }

  // ---------------------------------------------------------------------------------------------------------------
  // SpiDevice: the SPI framing of §1.1

  select(): void {
    this.#phase = Phase.Command;
    this.#writeCount = 0;
  }

  exchange(byteIn: number): number {
    const deadBus = this.faults.deadBus;
    if (deadBus !== "none") return deadBus === "all-ones" ? 0xff : 0x00;
    switch (this.#phase) {
      case Phase.Command:
        if (byteIn === SPI.COMMAND_NORMAL_READ || byteIn === SPI.COMMAND_NORMAL_WRITE) {
          this.#phase = Phase.Address;
        } else {
          // assumptions.unknownCommand: ignore the rest of the transaction, record it
          this.#record(this.#page, byteIn, "command");
          this.#phase = Phase.Idle;
        }
        this.#isWrite = byteIn === SPI.COMMAND_NORMAL_WRITE;
        return this.assumptions.idleOutputByte;
      case Phase.Address:
        this.#startAccess(this.#isWrite, byteIn);
        return this.assumptions.idleOutputByte;
      case Phase.WriteData:
        if (this.#writeCount < this.#writeBuffer.length) this.#writeBuffer[this.#writeCount++] = byteIn;
        return this.assumptions.idleOutputByte;
      case Phase.Status:
        return this.#statusByte();
      case Phase.DataRead:
        return this.#dataIndex < SPI.DATA_BYTES ? this.#latch[this.#dataIndex++] : this.assumptions.idleOutputByte;
      default:
        return this.assumptions.idleOutputByte;
    }
  }

  deselect(): void {
    if (this.faults.deadBus !== "none") return;
    if (this.#phase === Phase.WriteData && this.#writeCount > 0) {
      this.#commitWrite();
      this.#spifBusyUntil = this.#clock.now() + this.assumptions.spifBusyMs;
    }
    this.#phase = Phase.Command;
  }

  #startAccess(isWrite: boolean, offset: number): void {
    this.#address = offset;
    if (isWrite) {
      this.#phase = Phase.WriteData;
      this.#writeCount = 0;
    } else if (offset === SPI.STATUS_REGISTER) {
      this.#phase = Phase.Status; // §1.1 status byte for every byte clocked
    } else if (offset >= SPI.DATA_REGISTER && offset <= SPI.DATA_REGISTER_LAST) {
      this.#phase = Phase.DataRead; // §1.1 data bytes from the latch; reading them clears RACK
      this.#dataIndex = offset - SPI.DATA_REGISTER;
      this.#rack = false;
    } else {
      this.#phase = Phase.Idle; // §1.1 dummy read: latch the register, raise RACK
      this.#dummyRead(offset);
      this.#spifBusyUntil = this.#clock.now() + this.assumptions.spifBusyMs;
    }
  }

  #statusByte(): number {
    const now = this.#clock.now();
    let status = 0;
    if (this.faults.spifStuckBusy || now < this.#spifBusyUntil) status |= SPI.STATUS_SPIF;
    if (this.#rack && !this.faults.rackNeverSet && now >= this.#rackReadyAt) status |= SPI.STATUS_RACK;
    return status;
  }

  #dummyRead(offset: number): void {
    const page = this.#page;
    const at = key(page, offset);
    const width = offset === SPI.PAGE_REGISTER ? 1 : this.#width[at];
    if (width === 0) this.#record(page, offset, "read");
    if (this.faults.rackNeverSet) return;
    const latch = this.#latch;
    latch.fill(0);
    if (offset === SPI.PAGE_REGISTER) {
      latch[0] = page; // §1.1 page register, readable from every page
    } else {
      this.#refresh.get(at)?.();
      const count = width === 0 || !this.assumptions.dummyReadLatchesRegisterWidthOnly ? SPI.DATA_BYTES : width;
      for (let i = 0; i < count && offset + i < 256; i++) latch[i] = this.#memory[at + i];
      this.#afterRead.get(at)?.();
    }
    this.#rack = true;
    this.#rackReadyAt = this.#clock.now() + this.assumptions.rackDelayMs;
  }

  #commitWrite(): void {
    const offset = this.#address;
    const count = this.#writeCount;
    const page = this.#page;
    if (offset === SPI.PAGE_REGISTER) {
      this.#page = this.#writeBuffer[0]; // §1.1 "0x61 0xFF page"
      if (count !== 1) this.#record(page, offset, "width-mismatch");
      return;
    }
    if (offset === SPI.STATUS_REGISTER || (offset >= SPI.DATA_REGISTER && offset <= SPI.DATA_REGISTER_LAST)) {
      this.#record(page, offset, "write");
      return;
    }
    const at = key(page, offset);
    const width = this.#width[at];
    if (width === 0) this.#record(page, offset, "write");
    else if (this.#readOnly[at]) {
      this.#record(page, offset, "read-only-write");
      return;
    } else if (count !== width && !this.#spansByteRegisters(page, offset, count)) {
      this.#record(page, offset, "width-mismatch");
      if (this.#isUdfRegister(page, offset)) {
        this.#memory[at] = this.#writeBuffer[0]; // assumptions.udfMultiByteWritesSpanRegisters false: one byte only
        return;
      }
    }
    const stored = Math.min(count, 256 - offset);
    for (let i = 0; i < stored; i++) this.#memory[at + i] = this.#writeBuffer[i];
    this.#afterWrite.get(at)?.();
  }

  /** cfp §1.2 UDF registers (page 0xA1, one byte each). */
  #isUdfRegister(page: number, offset: number): boolean {
    return page === PAGE.CFP_CONFIG && offset >= CFP.UDF_IPV4_BASE && this.#width[key(page, offset)] === 1;
  }

  /** assumptions.udfMultiByteWritesSpanRegisters (U16): a longer write over consecutive UDF registers fills each. */
  #spansByteRegisters(page: number, offset: number, count: number): boolean {
    if (!this.assumptions.udfMultiByteWritesSpanRegisters || count > 256 - offset) return false;
    for (let i = 0; i < count; i++) if (!this.#isUdfRegister(page, offset + i)) return false;
    return true;
  }

  #record(page: number, offset: number, kind: UnmodeledAccessKind): void {
    this.unmodeledAccesses.push({ page, offset, kind });
  }

  // ---------------------------------------------------------------------------------------------------------------
  // Register behaviour

  #installHooks(): void {
    const { CONTROL: control, STATUS: status, MANAGEMENT: management, ARL: arl } = PAGE;
    // §1.2 software reset: bit7 SW_RST resets the switch core; the bit reads 0 afterwards
    this.#afterWrite.set(key(control, CONTROL.SOFTWARE_RESET), () => {
      if (this.#byte(control, CONTROL.SOFTWARE_RESET) & CONTROL.SOFTWARE_RESET_START) this.#resetCore();
    });
    // §1.2 fast aging: bit7 start, self-clearing once the flush is done
    this.#afterWrite.set(key(control, CONTROL.FAST_AGE_CONTROL), () => {
      const flags = this.#byte(control, CONTROL.FAST_AGE_CONTROL);
      if (flags & CONTROL.FAST_AGE_START) {
        this.#fastAge(flags);
        this.#fastAgeDoneAt = this.#clock.now() + this.assumptions.arlOperationMs;
      }
    });
    this.#refresh.set(key(control, CONTROL.FAST_AGE_CONTROL), () => {
      const at = key(control, CONTROL.FAST_AGE_CONTROL);
      if (this.#memory[at] & CONTROL.FAST_AGE_START && this.#clock.now() >= this.#fastAgeDoneAt) {
        this.#memory[at] &= ~CONTROL.FAST_AGE_START;
      }
    });
    // §1.2 link status change: latched, cleared by reading
    this.#afterRead.set(key(status, STATUS.LINK_CHANGE), () => this.#write16(status, STATUS.LINK_CHANGE, 0));
    // §1.2 global management config bit0: reset MIB counters
    this.#afterWrite.set(key(management, MANAGEMENT.GLOBAL_CONFIG), () => {
      if (this.#byte(management, MANAGEMENT.GLOBAL_CONFIG) & MANAGEMENT.GLOBAL_CONFIG_RESET_MIB) this.#clearCounters();
    });
    // §1.2 aging time: a new value restarts the aging sweep
    this.#afterWrite.set(key(management, MANAGEMENT.AGING_TIME), () => this.#scheduleAging());
    // §1.2 device ID (fault: another chip answers)
    this.#refresh.set(key(management, MANAGEMENT.DEVICE_ID), () => {
      this.#write32(management, MANAGEMENT.DEVICE_ID, this.faults.deviceId ?? MANAGEMENT.DEVICE_ID_BCM53125);
    });
    // §1.3 ARL read/write operation
    this.#afterWrite.set(key(arl, ARL.RW_CONTROL), () => {
      if (this.#byte(arl, ARL.RW_CONTROL) & ARL.RW_START) this.#startArlOperation();
    });
    this.#refresh.set(key(arl, ARL.RW_CONTROL), () => {
      const at = key(arl, ARL.RW_CONTROL);
      if (this.#memory[at] & ARL.RW_START && !this.faults.arlStartStuck && this.#clock.now() >= this.#arlDoneAt) {
        this.#memory[at] &= ~ARL.RW_START;
      }
    });
    // §1.3 ARL search
    this.#afterWrite.set(key(arl, ARL.SEARCH_CONTROL), () => {
      if (this.#byte(arl, ARL.SEARCH_CONTROL) & ARL.SEARCH_START) this.#startSearch();
      else this.#endSearch();
    });
    this.#refresh.set(key(arl, ARL.SEARCH_CONTROL), () => {
      let value = 0;
      if (this.#searching) {
        value = ARL.SEARCH_START;
        if (!this.faults.arlStartStuck && this.#clock.now() >= this.#searchReadyAt) value |= ARL.SEARCH_VALID;
      }
      this.#memory[key(arl, ARL.SEARCH_CONTROL)] = value;
    });
    // assumptions.arlSearchStepMs: reading result-1 data consumes the pair
    this.#afterRead.set(key(arl, ARL.SEARCH_RESULT_DATA_1), () => {
      if (this.#searching && !this.faults.arlStartStuck && this.#clock.now() >= this.#searchReadyAt) this.#loadSearchResults();
    });
    // cfp §1.1 CFP_ACC: operations, TCAM reset, RAM clear; RD_STS cleared by reading (assumption U15)
    const access = key(PAGE.CFP_ACCESS, CFP.ACCESS);
    this.#afterWrite.set(access, () => this.#cfpAccessWritten());
    this.#refresh.set(access, () => this.#cfpAccessStatus());
    this.#afterRead.set(access, () => {
      if (!this.assumptions.cfpReadStatusClearedOnRead) return;
      this.#cfpReadStatus = 0;
      this.#cfpAccessStatus();
    });
  }

  #powerOn(): void {
    this.#page = 0;
    this.#phase = Phase.Command;
    this.#latch.fill(0);
    this.#rack = false;
    this.#rackReadyAt = 0;
    this.#spifBusyUntil = 0;
    this.#arl.clear();
    this.#cfp.powerOn();
    this.#resetCore();
  }

  /** Power-on register values (§1.2–§1.4); the SPI interface (page register, latch) is not part of the core. */
  #resetCore(): void {
    this.#memory.fill(0);
    this.#memory[key(PAGE.CONTROL, CONTROL.SWITCH_MODE)] = this.assumptions.switchModeResetValue;
    this.#write32(PAGE.MANAGEMENT, MANAGEMENT.AGING_TIME, MANAGEMENT.AGING_TIME_DEFAULT_SECONDS);
    this.#write32(PAGE.MANAGEMENT, MANAGEMENT.DEVICE_ID, MANAGEMENT.DEVICE_ID_BCM53125);
    this.#memory[key(PAGE.MANAGEMENT, MANAGEMENT.REVISION)] = this.assumptions.revisionId;
    if (this.assumptions.softwareResetClearsArl) this.#arl.clear();
    for (const port of PORTS.ALL) {
      this.#write16(PAGE.PORT_VLAN, PORT_VLAN.MASK_BASE + PORT_VLAN.MASK_STRIDE * port, this.assumptions.portVlanMaskResetValue);
    }
    if (this.assumptions.softwareResetClearsCfp) this.#cfp.powerOn();
    this.#cfpOperationDoneAt = 0;
    this.#cfpResetDoneAt = 0;
    this.#cfpClearDoneAt = 0;
    this.#cfpPendingReadStatus = 0;
    this.#cfpReadStatus = 0;
    this.#cfpActionWriteEntry = -1;
    this.#searching = false;
    this.#arlDoneAt = 0;
    this.#fastAgeDoneAt = 0;
    this.#clearSearchResults();
    this.#updateLinkRegisters();
    this.#scheduleAging();
  }

  #startArlOperation(): void {
    if (this.faults.arlStartStuck) return; // START stays set, nothing happens
    const page = PAGE.ARL;
    const mac = this.#readMac(page, ARL.MAC_INDEX);
    const vid = this.#read16(page, ARL.VID_INDEX) & VID_MASK;
    const first = this.assumptions.arlBucket(mac, vid) * ARL.BINS;
    const table = this.#arl;
    const isRead = (this.#byte(page, ARL.RW_CONTROL) & ARL.RW_READ) !== 0;
    for (let bin = 0; bin < ARL.BINS; bin++) {
      const macVidOffset = ARL.ENTRY_MAC_VID_BASE + ARL.ENTRY_STRIDE * bin;
      const dataOffset = ARL.ENTRY_DATA_BASE + ARL.ENTRY_STRIDE * bin;
      const slot = first + bin;
      if (isRead) {
        this.#writeMacVid(page, macVidOffset, table.macs[slot], table.vids[slot]);
        this.#write32(page, dataOffset, table.data[slot]);
      } else {
        const entryMac = this.#readMac(page, macVidOffset);
        const entryVid = this.#read16(page, macVidOffset + 6) & VID_MASK;
        table.store(slot, entryMac, entryVid, this.#read32(page, dataOffset));
      }
    }
    this.#arlDoneAt = this.#clock.now() + this.assumptions.arlOperationMs;
  }

  #startSearch(): void {
    this.#searching = true;
    this.#searchCursor = 0;
    if (this.faults.arlStartStuck) {
      this.#searchReadyAt = Infinity;
      return;
    }
    this.#loadSearchResults();
  }

  /** Puts the next up-to-two valid entries into result 0/1, or ends the search (assumptions.arlSearchStepMs). */
  #loadSearchResults(): void {
    const table = this.#arl;
    const first = table.nextValid(this.#searchCursor);
    if (first < 0) {
      this.#endSearch();
      return;
    }
    const second = table.nextValid(first + 1);
    this.#clearSearchResults();
    this.#writeSearchResult(ARL.SEARCH_RESULT_MAC_VID_0, ARL.SEARCH_RESULT_DATA_0, first);
    if (second >= 0) this.#writeSearchResult(ARL.SEARCH_RESULT_MAC_VID_1, ARL.SEARCH_RESULT_DATA_1, second);
    this.#searchCursor = second >= 0 ? second + 1 : ARL_ENTRIES;
    this.#write16(PAGE.ARL, ARL.SEARCH_ADDRESS, (second >= 0 ? second : first) & 0x7fff); // §1.3 bits 14:0
    this.#searchReadyAt = this.#clock.now() + this.assumptions.arlSearchStepMs;
  }

  #writeSearchResult(macVidOffset: number, dataOffset: number, slot: number): void {
    const table = this.#arl;
    this.#writeMacVid(PAGE.ARL, macVidOffset, table.macs[slot], table.vids[slot]);
    this.#write32(PAGE.ARL, dataOffset, table.data[slot]);
  }

  #endSearch(): void {
    this.#searching = false;
    this.#memory[key(PAGE.ARL, ARL.SEARCH_CONTROL)] = 0;
    this.#clearSearchResults();
  }

  #clearSearchResults(): void {
    this.#memory.fill(0, key(PAGE.ARL, ARL.SEARCH_RESULT_MAC_VID_0), key(PAGE.ARL, ARL.SEARCH_RESULT_DATA_0) + 4);
    this.#memory.fill(0, key(PAGE.ARL, ARL.SEARCH_RESULT_MAC_VID_1), key(PAGE.ARL, ARL.SEARCH_RESULT_DATA_1) + 4);
  }

  /** §1.2 fast aging: flush entries by static/dynamic, port and VID (assumptions.fastAgeMulticastNeedsMcFlag). */
  #fastAge(flags: number): void {
    const port = this.#byte(PAGE.CONTROL, CONTROL.FAST_AGE_PORT);
    const vid = this.#read16(PAGE.CONTROL, CONTROL.FAST_AGE_VID) & VID_MASK;
    const table = this.#arl;
    for (let slot = 0; slot < ARL_ENTRIES; slot++) {
      const data = table.data[slot];
      if (!(data & ARL.DATA_VALID)) continue;
      const isStatic = (data & ARL.DATA_STATIC) !== 0;
      if (isStatic ? !(flags & CONTROL.FAST_AGE_STATIC) : !(flags & CONTROL.FAST_AGE_DYNAMIC)) continue;
      const multicast = isMulticastMac(table.macs[slot]);
      if (multicast && this.assumptions.fastAgeMulticastNeedsMcFlag && !(flags & CONTROL.FAST_AGE_MULTICAST)) continue;
      if (flags & CONTROL.FAST_AGE_BY_PORT && (multicast || (data & ARL.DATA_PORT_MASK) !== port)) continue;
      if (flags & CONTROL.FAST_AGE_BY_VLAN && table.vids[slot] !== vid) continue;
      table.data[slot] = data & ~ARL.DATA_VALID;
    }
  }

  #scheduleAging(): void {
    if (this.#agingTimer) this.#clock.clear(this.#agingTimer);
    this.#agingTimer = undefined;
    const seconds = this.#read32(PAGE.MANAGEMENT, MANAGEMENT.AGING_TIME) & MANAGEMENT.AGING_TIME_MASK;
    if (seconds === 0) return; // assumptions.agingSweepPeriodFactor: 0 disables aging
    const period = seconds * 1000 * this.assumptions.agingSweepPeriodFactor;
    this.#agingTimer = this.#clock.repeat(() => this.#agingSweep(), period);
  }

  /** Two-phase sweep (assumptions.agingSweepPeriodFactor): AGE 1 -> 0, AGE 0 -> removed; statics untouched. */
  #agingSweep(): void {
    const data = this.#arl.data;
    for (let slot = 0; slot < ARL_ENTRIES; slot++) {
      const word = data[slot];
      if (!(word & ARL.DATA_VALID) || word & ARL.DATA_STATIC) continue;
      data[slot] = word & ARL.DATA_AGE ? word & ~ARL.DATA_AGE : word & ~ARL.DATA_VALID;
    }
  }

  // ---------------------------------------------------------------------------------------------------------------
  // CFP access (cfp §1.1, §2)

  /** A write to CFP_ACC: start what its bits ask for; the status bits stay hardware's. */
  #cfpAccessWritten(): void {
    const value = this.#read32(PAGE.CFP_ACCESS, CFP.ACCESS);
    const stuck = this.faults.cfpStartStuck;
    const done = stuck ? Infinity : this.#clock.now() + this.assumptions.cfpOperationMs;
    if (value & CFP.ACCESS_TCAM_RESET) {
      // cfp §1.1 TCAM_RST, no OP_STR_DONE needed; assumption tcamResetWhileCfpEnabled (U13)
      const enabled = this.#read16(PAGE.CFP_CONFIG, CFP.CONTROL) & CFP.CONTROL_ENABLE_MAP;
      if (!stuck && (!enabled || this.assumptions.tcamResetWhileCfpEnabled === "clears")) this.#cfp.resetValidBits();
      this.#cfpResetDoneAt = done;
    }
    if (value & CFP.ACCESS_RAM_CLEAR) {
      if (!stuck) this.#cfp.clearRams(); // cfp §1.1 CFP_RAM_CLEAR
      this.#cfpClearDoneAt = done;
    }
    if (value & CFP.ACCESS_START_DONE) {
      if (!this.assumptions.cfpReadStatusClearedOnRead) this.#cfpReadStatus = 0; // U15 other answer
      this.#cfpPendingReadStatus = stuck ? 0 : this.#cfpOperation(value, done);
      this.#cfpOperationDoneAt = done;
    }
    this.#cfpAccessStatus();
  }

  /** Runs the read or write of `value` (OP_SEL, RAM_SEL, XCESS_ADDR); returns the RD_STS bits a read sets. */
  #cfpOperation(value: number, done: number): number {
    const operation = (value >>> CFP.ACCESS_OP_SHIFT) & CFP.ACCESS_OP_MASK;
    const ram = (value >>> CFP.ACCESS_RAM_SHIFT) & CFP.ACCESS_RAM_MASK;
    const entry = (value >>> CFP.ACCESS_ADDRESS_SHIFT) & CFP.ACCESS_ADDRESS_MASK;
    const page = PAGE.CFP_ACCESS;
    const cfp = this.#cfp;
    const isRead = operation === CFP.OP_READ;
    if (!isRead && operation !== CFP.OP_WRITE) {
      this.#record(page, CFP.ACCESS, "operation"); // search (OP_SEL 100) and undefined codes are not modeled
      return 0;
    }
    const persists = this.assumptions.cfpStagingPersists; // U7
    switch (ram) {
      case CFP.RAM_TCAM:
        if (isRead) {
          for (let word = 0; word < CFP.KEY_WORDS; word++) {
            this.#write32(page, CFP.DATA_BASE + 4 * word, cfp.tcamData[entry * CFP.KEY_WORDS + word]);
            this.#write32(page, CFP.MASK_BASE + 4 * word, cfp.tcamMask[entry * CFP.KEY_WORDS + word]);
          }
          return CFP.READ_STATUS_TCAM;
        }
        cfp.writeTcam(entry, (word) => this.#read32(page, CFP.DATA_BASE + 4 * word), (word) => this.#read32(page, CFP.MASK_BASE + 4 * word));
        this.#clearChecksumError(entry);
        if (!persists) this.#memory.fill(0, key(page, CFP.DATA_BASE), key(page, CFP.MASK_BASE + 4 * CFP.KEY_WORDS));
        return 0;
      case CFP.RAM_ACTION:
      case CFP.RAM_METER: {
        const words = ram === CFP.RAM_ACTION ? cfp.actions : cfp.meters;
        const first = ram === CFP.RAM_ACTION ? CFP.ACTION_0 : CFP.RATE_METER_0;
        const second = ram === CFP.RAM_ACTION ? CFP.ACTION_1 : CFP.RATE_METER_1;
        if (isRead) {
          this.#write32(page, first, words[2 * entry]);
          this.#write32(page, second, words[2 * entry + 1]);
          return ram === CFP.RAM_ACTION ? CFP.READ_STATUS_ACTION : CFP.READ_STATUS_METER;
        }
        words[2 * entry] = this.#read32(page, first);
        words[2 * entry + 1] = this.#read32(page, second);
        if (ram === CFP.RAM_ACTION && !this.assumptions.cfpActionRewriteHitless) {
          this.#cfpActionWriteEntry = entry; // U14 other answer: hits drop until the write completes
          this.#cfpActionWriteUntil = done;
        }
        if (!persists) {
          this.#write32(page, first, 0);
          this.#write32(page, second, 0);
        }
        return 0;
      }
      case CFP.RAM_STAT_IN_BAND:
      case CFP.RAM_STAT_OUT_BAND: {
        const counters = ram === CFP.RAM_STAT_IN_BAND ? cfp.inBandHits : cfp.outBandHits;
        const register = ram === CFP.RAM_STAT_IN_BAND ? CFP.RATE_IN_BAND : CFP.RATE_OUT_BAND;
        if (isRead) {
          this.#write32(page, register, counters[entry]);
          return CFP.READ_STATUS_STAT;
        }
        counters[entry] = this.#read32(page, register);
        if (!persists) this.#write32(page, register, 0);
        return 0;
      }
      default:
        this.#record(page, CFP.ACCESS, "operation"); // RAM_SEL with no or several bits set
        return 0;
    }
  }

  /** Brings CFP_ACC's hardware bits up to date: OP_STR_DONE, CFP_RAM_CLEAR, TCAM_RST, SERCH_STS, RD_STS. */
  #cfpAccessStatus(): void {
    const now = this.#clock.now();
    if (this.#cfpPendingReadStatus && now >= this.#cfpOperationDoneAt) {
      this.#cfpReadStatus |= this.#cfpPendingReadStatus;
      this.#cfpPendingReadStatus = 0;
    }
    let value = this.#read32(PAGE.CFP_ACCESS, CFP.ACCESS);
    value &= ~(CFP_READ_STATUS_BITS | CFP.ACCESS_SEARCH_STATUS | CFP.ACCESS_START_DONE | CFP.ACCESS_RAM_CLEAR | CFP.ACCESS_TCAM_RESET);
    if (now < this.#cfpOperationDoneAt) value |= CFP.ACCESS_START_DONE;
    if (now < this.#cfpClearDoneAt) value |= CFP.ACCESS_RAM_CLEAR;
    if (now < this.#cfpResetDoneAt) value |= CFP.ACCESS_TCAM_RESET;
    value |= this.#cfpReadStatus << CFP.ACCESS_READ_STATUS_SHIFT;
    this.#write32(PAGE.CFP_ACCESS, CFP.ACCESS, value >>> 0);
  }

  /** cfp §1.2 TCAM_CHKSUM_STS: the error flag clears when its address is rewritten. */
  #clearChecksumError(entry: number): void {
    const status = this.#read16(PAGE.CONTROL, CONTROL.TCAM_CHECKSUM_STATUS);
    if (status & CONTROL.TCAM_CHECKSUM_ERROR && (status & CONTROL.TCAM_CHECKSUM_ADDRESS_MASK) === entry) {
      this.#write16(PAGE.CONTROL, CONTROL.TCAM_CHECKSUM_STATUS, 0);
    }
  }

  /** The CFP lookup for a frame on `port` (CFP_EN_MAP bit set); returns the number of hits (cfp §2 Priority, U5). */
  #cfpLookup(port: number, frame: IngressFrame, vid: number, length: number): number {
    if (!(this.#read16(PAGE.CFP_CONFIG, CFP.CONTROL) & CFP.CONTROL_ENABLE_MAP & (1 << port))) return 0;
    if (this.assumptions.tcamChecksumFlagsUnwrittenEntries && this.#byte(PAGE.CONTROL, CONTROL.TCAM_CONTROL) & CONTROL.TCAM_CHECKSUM_ENABLE) {
      const unwritten = this.#cfp.firstUnwritten();
      if (unwritten >= 0 && !(this.#read16(PAGE.CONTROL, CONTROL.TCAM_CHECKSUM_STATUS) & CONTROL.TCAM_CHECKSUM_ERROR)) {
        this.#write16(PAGE.CONTROL, CONTROL.TCAM_CHECKSUM_STATUS, CONTROL.TCAM_CHECKSUM_ERROR | unwritten);
      }
    }
    const view = this.#cfpFrame;
    view.port = port;
    view.da = frame.da;
    view.sa = frame.sa;
    view.vid = vid;
    view.tagged = frame.tagged ?? vid > 0;
    view.ethertype = frame.ethertype ?? DEFAULT_ETHERTYPE;
    view.length = length;
    view.bytes = frame.bytes;
    const hits = this.#cfp.lookup(view);
    view.bytes = undefined;
    return hits;
  }

  /**
   * Applies the actions of the CFP's hits to the ARL result `egress` (cfp §1.1 ACT_POL_DATA0/1; band per U4) and
   * counts the hits: CHANGE_FWRD_MAP 00 keep, 10 replace, 11 add; the CFP destination then goes through the trunk
   * (U3), the port-based VLAN mask (U12, VLAN_BYP) and the egress checks (link, TX disable, STP unless STP_BYP).
   */
  #applyCfp(ingressPort: number, egress: number, da: number, sa: number): number {
    const cfp = this.#cfp;
    const inBand = this.assumptions.cfpBandWithoutMeters === "in-band";
    const mapShift = inBand ? CFP.DST_MAP_IN_BAND_SHIFT : CFP.DST_MAP_OUT_BAND_SHIFT;
    const changeShift = inBand ? CFP.CHANGE_MAP_IN_BAND_SHIFT : CFP.CHANGE_MAP_OUT_BAND_SHIFT;
    const counters = inBand ? cfp.inBandHits : cfp.outBandHits;
    let result = egress;
    for (let i = 0; i < cfp.hitCount; i++) {
      const entry = cfp.hits[i];
      counters[entry] = (counters[entry] + 1) % TWO_32;
      if (entry === this.#cfpActionWriteEntry && this.#clock.now() < this.#cfpActionWriteUntil) return 0; // U14
      const word0 = cfp.actions[2 * entry];
      const word1 = cfp.actions[2 * entry + 1];
      const change = (word0 >>> changeShift) & CFP.CHANGE_MAP_MASK;
      if (change !== CFP.CHANGE_MAP_REPLACE && change !== CFP.CHANGE_MAP_ADD) continue; // 00 keep, 01 reserved
      const destination = this.#cfpDestination(ingressPort, (word0 >>> mapShift) & CFP.DST_MAP_MASK, word1, da, sa);
      result = change === CFP.CHANGE_MAP_REPLACE ? destination : result | destination;
    }
    return result;
  }

  #cfpDestination(ingressPort: number, dstMap: number, word1: number, da: number, sa: number): number {
    // cfp §1.1: bits 5..0 are ports 5..0, bit 6 is port 8 (IMP)
    let ports = (dstMap & CFP.DST_MAP_PORT_BITS) | ((dstMap >>> CFP.DST_MAP_IMP_BIT) & 1) << PORTS.IMP;
    if (!(word1 & CFP.LOOPBACK_ENABLE)) ports &= ~(1 << ingressPort);
    if (this.assumptions.cfpDestinationRehashedInTrunk && this.#byte(PAGE.TRUNK, TRUNK.CONTROL) & TRUNK.CONTROL_ENABLE) {
      for (let group = 0; group < TRUNK.GROUPS; group++) {
        const members = this.#groupMembers(TRUNK.GROUP_0 + 2 * group);
        if (!(ports & members)) continue;
        ports &= ~members;
        const member = this.#pickMember(members, da, sa); // U3: the trunk hash re-picks the member
        if (member >= 0) ports |= 1 << member;
      }
    }
    if (this.assumptions.portVlanMasksCfpDestination && !(word1 & CFP.VLAN_BYPASS)) ports &= this.#portVlanMask(ingressPort); // U12
    let egress = 0;
    for (let port = 0; port < PORT_SLOTS; port++) {
      if (ports & (1 << port) && this.#canEgress(port, (word1 & CFP.STP_BYPASS) !== 0)) egress |= 1 << port;
    }
    return egress;
  }

  /** b53_regs.h B53_PVLAN_PORT_MASK(port): where frames received on `port` may go. */
  #portVlanMask(port: number): number {
    return this.#read16(PAGE.PORT_VLAN, PORT_VLAN.MASK_BASE + PORT_VLAN.MASK_STRIDE * port) & PORT_VLAN.MASK_BITS;
  }

  // ---------------------------------------------------------------------------------------------------------------
  // Board side

  /** Plugs or pulls the cable of `port`; the summaries on page 0x01 follow and the change is latched (§1.2). */
  setLink(port: number, up: boolean, speed: Speed = 1000, fullDuplex = true): void {
    checkPort(port);
    if (speed !== 10 && speed !== 100 && speed !== 1000) throw new RangeError(`speed must be 10, 100 or 1000, got ${speed}`);
    const wasUp = this.#linkUp[port] === 1;
    this.#linkUp[port] = up ? 1 : 0;
    this.#speed[port] = speed;
    this.#fullDuplex[port] = fullDuplex ? 1 : 0;
    if (wasUp !== up) {
      this.#write16(PAGE.STATUS, STATUS.LINK_CHANGE, this.#read16(PAGE.STATUS, STATUS.LINK_CHANGE) | (1 << port));
    }
    this.#updateLinkRegisters();
  }

  isLinkUp(port: number): boolean {
    checkPort(port);
    return this.#linkUp[port] === 1;
  }

  /**
   * A frame arrives on `port`. Returns the bitmap of ports it leaves on, after learning its SA and looking up its DA;
   * updates the MIB counters of the ingress and every egress port.
   */
  ingress(port: number, frame: IngressFrame): number {
    checkPort(port);
    const { da, sa } = frame;
    const vid = frame.vid ?? 0;
    const length = frame.length ?? DEFAULT_FRAME_LENGTH;
    const ethertype = frame.ethertype ?? DEFAULT_ETHERTYPE;
    if (!isMac(da) || !isMac(sa)) throw new RangeError("frame da and sa must be 48-bit MACs");
    if (!Number.isInteger(vid) || vid < 0 || vid > VID_MASK) throw new RangeError(`vid must be 0..4095, got ${vid}`);
    if (!Number.isInteger(length) || length < 1 || length > MAX_FRAME_LENGTH) throw new RangeError(`length must be 1..${MAX_FRAME_LENGTH}, got ${length}`);
    if (!Number.isInteger(ethertype) || ethertype < 0 || ethertype > 0xffff) throw new RangeError(`ethertype must be 0..0xffff, got ${ethertype}`);
    if (frame.tagged !== undefined && typeof frame.tagged !== "boolean") throw new TypeError("tagged must be a boolean");
    if (frame.bytes !== undefined && !(frame.bytes instanceof Uint8Array)) throw new TypeError("bytes must be a Uint8Array");
    if (!this.#linkUp[port]) return 0;
    const control = this.#byte(PAGE.CONTROL, CONTROL.PORT_CONTROL_BASE + port);
    if (control & CONTROL.PORT_RX_DISABLE) return 0; // §1.2 bit0 RX disable
    const page = PAGE.MIB_BASE + port;
    this.#addCounter64(page, MIB.RX_OCTETS, length);
    this.#addCounter32(page, daCounter(da, MIB.RX_UNICAST, MIB.RX_MULTICAST, MIB.RX_BROADCAST), 1);
    const stp = control >>> CONTROL.PORT_STP_SHIFT;
    const learns = stp === CONTROL.STP_NONE || stp === CONTROL.STP_FORWARDING || stp === CONTROL.STP_LEARNING;
    if (!learns) return 0;
    const forwards = stp !== CONTROL.STP_LEARNING && (this.#byte(PAGE.CONTROL, CONTROL.SWITCH_MODE) & CONTROL.SWITCH_MODE_FORWARD_ENABLE) !== 0;
    const cfpHits = forwards ? this.#cfpLookup(port, frame, vid, length) : 0;
    const learnsSa = cfpHits === 0 || this.assumptions.cfpHitLearnsSa; // U6
    if (learnsSa && !(this.#read16(PAGE.CONTROL, CONTROL.LEARNING_DISABLE) & (1 << port)) && !isMulticastMac(sa)) this.#learn(port, sa, vid);
    if (!forwards) return 0;
    let egress = this.#forward(port, da, sa, vid) & this.#portVlanMask(port);
    if (cfpHits) egress = this.#applyCfp(port, egress, da, sa);
    for (let egressPort = 0; egressPort < PORT_SLOTS; egressPort++) {
      if (!(egress & (1 << egressPort))) continue;
      const outPage = PAGE.MIB_BASE + egressPort;
      this.#addCounter64(outPage, MIB.TX_OCTETS, length);
      this.#addCounter32(outPage, daCounter(da, MIB.TX_UNICAST, MIB.TX_MULTICAST, MIB.TX_BROADCAST), 1);
    }
    return egress;
  }

  /** The MIB counters of `port` (b53_mibs offsets), as the registers hold them. */
  counters(port: number): PortCounters {
    checkPort(port);
    const page = PAGE.MIB_BASE + port;
    return {
      rxUnicast: this.#read32(page, MIB.RX_UNICAST),
      rxMulticast: this.#read32(page, MIB.RX_MULTICAST),
      rxBroadcast: this.#read32(page, MIB.RX_BROADCAST),
      txUnicast: this.#read32(page, MIB.TX_UNICAST),
      txMulticast: this.#read32(page, MIB.TX_MULTICAST),
      txBroadcast: this.#read32(page, MIB.TX_BROADCAST),
      rxOctets: this.#read64(page, MIB.RX_OCTETS),
      txOctets: this.#read64(page, MIB.TX_OCTETS),
    };
  }

  /** Cuts and restores power: every register and the ARL to power-on values; cables and faults stay as they are. */
  powerCycle(): void {
    this.#powerOn();
  }

  clearFaults(): void {
    this.faults.deadBus = "none";
    this.faults.spifStuckBusy = false;
    this.faults.rackNeverSet = false;
    this.faults.deviceId = undefined;
    this.faults.arlStartStuck = false;
    this.faults.cfpStartStuck = false;
  }

  /** Peek: every valid ARL entry in table order (a copy). */
  arlEntries(): ArlEntry[] {
    const table = this.#arl;
    const entries: ArlEntry[] = [];
    for (let slot = table.nextValid(0); slot >= 0; slot = table.nextValid(slot + 1)) {
      const data = table.data[slot];
      entries.push({
        mac: table.macs[slot],
        vid: table.vids[slot],
        port: data & ARL.DATA_PORT_MASK,
        isStatic: (data & ARL.DATA_STATIC) !== 0,
        age: (data & ARL.DATA_AGE) !== 0,
      });
    }
    return entries;
  }

  /**
   * Peek: every valid CFP rule (TCAM VALID bits 11, cfp §1.3) in index order, with its action words and hit counters
   * (copies). Invalid entries are left out; cfpRule() reads any one.
   */
  cfpRules(): CfpRule[] {
    const rules: CfpRule[] = [];
    for (let entry = 0; entry < CFP.ENTRIES; entry++) if (this.#cfp.isValid(entry)) rules.push(this.#cfp.rule(entry));
    return rules;
  }

  /** Peek: TCAM entry `index` (valid or not), its action words and hit counters. */
  cfpRule(index: number): CfpRule & { valid: boolean } {
    if (!Number.isInteger(index) || index < 0 || index >= CFP.ENTRIES) throw new RangeError(`CFP index must be 0..${CFP.ENTRIES - 1}, got ${index}`);
    return { ...this.#cfp.rule(index), valid: this.#cfp.isValid(index) };
  }

  /** The bucket the model files MAC+VID under (assumptions.arlBucket), for tests that need colliding MACs. */
  arlBucketOf(mac: number, vid: number): number {
    return this.assumptions.arlBucket(mac, vid);
  }

  /** The SPI page register's current value. */
  get currentPage(): number {
    return this.#page;
  }

  /**
   * Peek a register value without read side effects (time-driven bits are brought up to date). Width defaults to the
   * modeled register's width (8 for unknown ones). Values above 2^53 lose precision: use registerBytes().
   */
  register(page: number, offset: number, width?: number): number {
    const bytes = this.registerBytes(page, offset, width);
    let value = 0;
    for (let i = bytes.length - 1; i >= 0; i--) value = value * 256 + bytes[i];
    return value;
  }

  registerBytes(page: number, offset: number, width?: number): Uint8Array {
    if (!Number.isInteger(page) || page < 0 || page > 0xff || !Number.isInteger(offset) || offset < 0 || offset > 0xff) {
      throw new RangeError(`page and offset must be 0..255, got ${page}/${offset}`);
    }
    const at = key(page, offset);
    this.#refresh.get(at)?.();
    const count = Math.min(width ?? (this.#width[at] || SPI.DATA_BYTES), 256 - offset);
    return this.#memory.slice(at, at + count);
  }

  // ---------------------------------------------------------------------------------------------------------------
  // Switching

  #learn(port: number, sa: number, vid: number): void {
    const table = this.#arl;
    const learnedPort = this.assumptions.trunkMembersLearnIndividually ? port : this.#trunkRepresentative(port);
    const slot = table.find(sa, vid);
    if (slot >= 0) {
      const data = table.data[slot];
      if (data & ARL.DATA_STATIC && this.assumptions.staticEntryBlocksRelearn) return;
      if (data & ARL.DATA_STATIC && (data & ARL.DATA_PORT_MASK) === learnedPort) return; // nothing moves
      // a hit refreshes AGE; a move (or a static overwritten, per the assumption) becomes a dynamic entry on `port`
      table.data[slot] = ARL.DATA_VALID | ARL.DATA_AGE | (data & ~(ARL.DATA_PORT_MASK | ARL.DATA_STATIC | ARL.DATA_VALID | ARL.DATA_AGE)) | learnedPort;
      return;
    }
    const free = table.freeSlot(sa, vid);
    if (free < 0) return; // assumptions.fullBucketLearning "skip"
    table.store(free, sa, vid, ARL.DATA_VALID | ARL.DATA_AGE | learnedPort);
  }

  /** Lowest-numbered member of the enabled trunk group holding `port`, or `port` itself. */
  #trunkRepresentative(port: number): number {
    const group = this.#groupOf(port);
    if (!group) return port;
    return 31 - Math.clz32(group & -group);
  }

  /** Member bitmap of the enabled trunk group holding `port` (0 when trunking is off or the port is in none). */
  #groupOf(port: number): number {
    if (!(this.#byte(PAGE.TRUNK, TRUNK.CONTROL) & TRUNK.CONTROL_ENABLE)) return 0;
    const bit = 1 << port;
    const group0 = this.#groupMembers(TRUNK.GROUP_0);
    if (group0 & bit) return group0;
    const group1 = this.#groupMembers(TRUNK.GROUP_1);
    return group1 & bit ? group1 : 0;
  }

  #groupMembers(offset: number): number {
    let members = this.#read16(PAGE.TRUNK, offset) & MAX_PORT_BITS;
    if (this.assumptions.impBitInTrunkGroupIgnored) members &= ~(1 << PORTS.IMP);
    return members;
  }

  /** One member of `group` for this frame (assumptions.trunkMemberIndex), or -1 when no member has link. */
  #pickMember(group: number, da: number, sa: number): number {
    const allMembers = !this.assumptions.trunkSkipsLinkDownMembers; // cfp U11
    let candidates = 0;
    for (let port = 0; port < PORT_SLOTS; port++) if (group & (1 << port) && (allMembers || this.#linkUp[port])) candidates++;
    const hashSelect = (this.#byte(PAGE.TRUNK, TRUNK.CONTROL) & TRUNK.CONTROL_HASH_MASK) as TrunkHashSelect;
    let index = this.assumptions.trunkMemberIndex(hashSelect, da, sa, candidates);
    if (index < 0) return -1;
    for (let port = 0; port < PORT_SLOTS; port++) {
      if (group & (1 << port) && (allMembers || this.#linkUp[port]) && index-- === 0) return port;
    }
    return -1;
  }

  #forward(ingressPort: number, da: number, sa: number, vid: number): number {
    const ingressGroup = this.#groupOf(ingressPort);
    const ingressMask = ingressGroup || 1 << ingressPort;
    if (!isMulticastMac(da)) {
      const slot = this.#arl.find(da, vid);
      if (slot >= 0) {
        const target = this.#arl.data[slot] & ARL.DATA_PORT_MASK;
        if (target >= PORT_SLOTS || !(MAX_PORT_BITS & (1 << target))) return 0;
        const targetGroup = this.#groupOf(target);
        if (targetGroup) {
          if (targetGroup & ingressMask) return 0; // never back into the ingress port's own group
          const member = this.#pickMember(targetGroup, da, sa);
          return member >= 0 && this.#canEgress(member) ? 1 << member : 0;
        }
        if (ingressMask & (1 << target)) return 0;
        return this.#canEgress(target) ? 1 << target : 0;
      }
      return this.#flood(ingressMask, da, sa, CONTROL.IMP_RX_UNICAST_ENABLE, MAX_PORT_BITS);
    }
    if (da !== BROADCAST_MAC) {
      const slot = this.#arl.find(da, vid); // §1.3: a multicast entry's port field is a port bitmap
      const candidates = slot >= 0 ? this.#arl.data[slot] & ARL.DATA_PORT_MASK & MAX_PORT_BITS : MAX_PORT_BITS;
      return this.#flood(ingressMask, da, sa, CONTROL.IMP_RX_MULTICAST_ENABLE, candidates);
    }
    return this.#flood(ingressMask, da, sa, CONTROL.IMP_RX_BROADCAST_ENABLE, MAX_PORT_BITS);
  }

  /** Every candidate port that can send, minus the ingress port/group; each other trunk group gets one member. */
  #flood(ingressMask: number, da: number, sa: number, impEnableBit: number, candidates: number): number {
    let egress = 0;
    for (let port = 0; port < PORT_SLOTS; port++) {
      const bit = 1 << port;
      if (!(candidates & bit) || ingressMask & bit || !this.#canEgress(port)) continue;
      if (port === PORTS.IMP && !(this.#byte(PAGE.CONTROL, CONTROL.PORT_CONTROL_BASE + PORTS.IMP) & impEnableBit)) continue; // §1.2 bits 2..4
      egress |= bit;
    }
    if (!(this.#byte(PAGE.TRUNK, TRUNK.CONTROL) & TRUNK.CONTROL_ENABLE)) return egress;
    for (let group = 0; group < TRUNK.GROUPS; group++) {
      const members = this.#groupMembers(TRUNK.GROUP_0 + 2 * group); // §1.4 groups at 0x10, 0x12
      if (!members) continue;
      const reached = egress & members;
      egress &= ~members;
      if (!reached || members & ingressMask) continue;
      const member = this.#pickMember(members, da, sa);
      if (member >= 0 && reached & (1 << member)) egress |= 1 << member;
    }
    return egress;
  }

  /** Link up, TX enabled and STP forwarding (or no STP, or `ignoreStp`: CFP STP_BYP) (§1.2 port control). */
  #canEgress(port: number, ignoreStp = false): boolean {
    if (!this.#linkUp[port]) return false;
    const control = this.#byte(PAGE.CONTROL, CONTROL.PORT_CONTROL_BASE + port);
    if (control & CONTROL.PORT_TX_DISABLE) return false;
    if (ignoreStp) return true;
    const stp = control >>> CONTROL.PORT_STP_SHIFT;
    return stp === CONTROL.STP_NONE || stp === CONTROL.STP_FORWARDING;
  }

  // ---------------------------------------------------------------------------------------------------------------
  // Live registers and counters

  #updateLinkRegisters(): void {
    let links = 0;
    let speeds = 0;
    let duplex = 0;
    for (let port = 0; port < PORT_SLOTS; port++) {
      if (this.#linkUp[port]) {
        links |= 1 << port;
        if (this.#fullDuplex[port]) duplex |= 1 << port;
        const code = this.#speed[port] === 1000 ? 2 : this.#speed[port] === 100 ? 1 : 0; // §1.2 speed summary
        speeds |= code << (2 * port);
      }
    }
    this.#write16(PAGE.STATUS, STATUS.LINK_SUMMARY, links);
    this.#write32(PAGE.STATUS, STATUS.SPEED_SUMMARY, speeds >>> 0);
    this.#write16(PAGE.STATUS, STATUS.DUPLEX_SUMMARY, duplex);
  }

  #clearCounters(): void {
    for (const port of PORTS.ALL) this.#memory.fill(0, key(PAGE.MIB_BASE + port, 0), key(PAGE.MIB_BASE + port, 0) + 256);
  }

  #addCounter32(page: number, offset: number, amount: number): void {
    this.#write32(page, offset, (this.#read32(page, offset) + amount) % TWO_32);
  }

  #addCounter64(page: number, offset: number, amount: number): void {
    const low = this.#read32(page, offset) + amount;
    this.#write32(page, offset, low % TWO_32);
    this.#write32(page, offset + 4, (this.#read32(page, offset + 4) + Math.floor(low / TWO_32)) % TWO_32);
  }

  // ---------------------------------------------------------------------------------------------------------------
  // Little-endian register memory (§1.1)

  #byte(page: number, offset: number): number {
    return this.#memory[key(page, offset)];
  }

  #read16(page: number, offset: number): number {
    const at = key(page, offset);
    return this.#memory[at] | (this.#memory[at + 1] << 8);
  }

  #read32(page: number, offset: number): number {
    const at = key(page, offset);
    const memory = this.#memory;
    return (memory[at] | (memory[at + 1] << 8) | (memory[at + 2] << 16) | (memory[at + 3] << 24)) >>> 0;
  }

  #read64(page: number, offset: number): number {
    return this.#read32(page, offset) + this.#read32(page, offset + 4) * TWO_32;
  }

  /** §1.3: a 48-bit MAC register holds the MAC as a little-endian number, MAC[0] in the most significant byte. */
  #readMac(page: number, offset: number): number {
    return this.#read32(page, offset) + this.#read16(page, offset + 4) * TWO_32;
  }

  #write16(page: number, offset: number, value: number): void {
    const at = key(page, offset);
    this.#memory[at] = value & 0xff;
    this.#memory[at + 1] = (value >>> 8) & 0xff;
  }

  #write32(page: number, offset: number, value: number): void {
    const at = key(page, offset);
    const memory = this.#memory;
    memory[at] = value & 0xff;
    memory[at + 1] = (value >>> 8) & 0xff;
    memory[at + 2] = (value >>> 16) & 0xff;
    memory[at + 3] = (value >>> 24) & 0xff;
  }

  /** §1.3 entry layout: bits 47:0 MAC, bits 59:48 VID. */
  #writeMacVid(page: number, offset: number, mac: number, vid: number): void {
    this.#write32(page, offset, mac % TWO_32);
    this.#write16(page, offset + 4, Math.floor(mac / TWO_32));
    this.#write16(page, offset + 6, vid & VID_MASK);
  }
}

function checkPort(port: number): void {
  if (!Number.isInteger(port) || port < 0 || port >= PORT_SLOTS || !(MAX_PORT_BITS & (1 << port))) {
    throw new RangeError(`port must be one of ${PORTS.ALL.join(", ")}, got ${port}`);
  }
}

function daCounter(da: number, unicast: number, multicast: number, broadcast: number): number {
  if (da === BROADCAST_MAC) return broadcast;
  return isMulticastMac(da) ? multicast : unicast;
}
