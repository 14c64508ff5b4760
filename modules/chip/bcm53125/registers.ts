// BCM53125 register map as the driver uses it. Every entry names its source: a section of
// shared/facts/switch-chips.md ("facts §x.y"), or the Linux b53 driver file the fact was read from.
// Pages and offsets are 8-bit; multi-byte values are little-endian on the wire (facts §1.1).

/** SPI framing bytes (facts §1.1, from Linux drivers/net/dsa/b53/b53_spi.c). */
export const SPI = Object.freeze({
  READ: 0x60, // normal read command
  WRITE: 0x61, // normal write command
  PAGE: 0xff, // page-select register, reachable from every page
  STATUS: 0xfe, // SPI status register
  STATUS_SPIF: 0x80, // bit 7: SPI interface busy
  STATUS_RACK: 0x20, // bit 5: read data ready
  DATA: 0xf0, // data I/O register, 0xF0..0xF7
  DATA_MAX: 8, // widest register the data window returns
});

/** Page 0x00: control (facts §1.2). */
export const CTRL = Object.freeze({
  PAGE: 0x00,
  PORT_CONTROL: 0x00, // + port, 8-bit
  PORT_RX_DISABLE: 0x01,
  PORT_TX_DISABLE: 0x02,
  PORT_STP_SHIFT: 5, // bits 7:5
  PORT_STP_MASK: 0xe0,
  SWITCH_MODE: 0x0b, // 8-bit
  SWITCH_MODE_MANAGED: 0x01, // bit 0 SW_FWD_MODE
  SWITCH_MODE_FORWARD: 0x02, // bit 1 SW_FWD_EN
  LEARNING_DISABLE: 0x3c, // 16-bit port bitmap
  FAST_AGE: 0x88, // 8-bit
  FAST_AGE_STATIC: 0x01,
  FAST_AGE_DYNAMIC: 0x02,
  FAST_AGE_BY_PORT: 0x04,
  FAST_AGE_BY_VLAN: 0x08,
  FAST_AGE_START: 0x80, // self-clearing start/done
  FAST_AGE_PORT: 0x89, // 8-bit
  FAST_AGE_VID: 0x8a, // 16-bit
});

/** Page 0x01: status (facts §1.2). */
export const STATUS = Object.freeze({
  PAGE: 0x01,
  LINK: 0x00, // 16-bit, bit i = link up on port i
  LINK_CHANGE: 0x02, // 16-bit, latched
  SPEED: 0x04, // 32-bit, 2 bits per port: 0 = 10M, 1 = 100M, 2 = 1000M
  DUPLEX: 0x08, // 16-bit, bit i = full duplex
});

/** Page 0x02: management (facts §1.2). */
export const MGMT = Object.freeze({
  PAGE: 0x02,
  AGING_TIME: 0x06, // 32-bit: bits 19:0 seconds, bit 20 AGE_CHANGE
  AGING_TIME_MASK: 0xfffff,
  AGING_TIME_MAX: 1048575, // SDK DRV_SF_AGE_TIMER_MAX (facts §1.2)
  AGE_CHANGE: 0x100000,
  DEVICE_ID: 0x30, // 32-bit, 0x00053125 for BCM53125
  REVISION: 0x40, // 8-bit
});

export const BCM53125_DEVICE_ID = 0x00053125;

/** Page 0x05: ARL access (facts §1.3). */
export const ARL = Object.freeze({
  PAGE: 0x05,
  RW_CONTROL: 0x00, // 8-bit
  RW_READ: 0x01, // bit 0: 1 = read, 0 = write
  RW_IVL_SVL: 0x40, // bit 6: shared learning (set while VLANs are off, as Linux b53_arl_rw_op does)
  RW_START: 0x80, // bit 7: start / done
  MAC_INDEX: 0x02, // 48-bit MAC key
  VID_INDEX: 0x08, // 16-bit VID key
  ENTRY_MAC_VID: 0x10, // + 0x10 * bin, 64-bit: bits 47:0 MAC, bits 59:48 VID
  ENTRY_DATA: 0x18, // + 0x10 * bin, 32-bit
  BIN_STRIDE: 0x10,
  BINS: 4,
  BUCKETS: 1024, // b53_common.c chip table: arl_buckets = 1024, arl_bins = 4
  DATA_PORT_MASK: 0x1ff, // bits 8:0
  DATA_AGE: 0x4000, // bit 14
  DATA_STATIC: 0x8000, // bit 15
  DATA_VALID: 0x10000, // bit 16
  SEARCH_CONTROL: 0x50, // 8-bit
  SEARCH_START: 0x80, // bit 7: start / done
  SEARCH_VALID: 0x01, // bit 0: result ready
  SEARCH_RESULT_MAC_VID: 0x60, // + 0x10 * result (0 or 1), 64-bit
  SEARCH_RESULT_DATA: 0x68, // + 0x10 * result, 32-bit
  SEARCH_RESULTS: 2,
});

/** Page 0x32: trunking (facts §1.4). */
export const TRUNK = Object.freeze({
  PAGE: 0x32,
  CONTROL: 0x00, // 8-bit
  CONTROL_ENABLE: 0x08, // bit 3 EN_TRUNK_LOCAL
  CONTROL_HASH_MASK: 0x03, // bits 1:0 HASH_SEL: 0 = DA+SA, 1 = DA, 2 = SA, 3 = illegal (treated as DA+SA)
  GROUP_MEMBERS: 0x10, // + 2 * group, 16-bit port bitmap, 0 = group disabled
  GROUPS: 2, // DRV_SF_TRUNK_GROUP_NUM
  MAX_MEMBERS: 4, // DRV_SF_TRUNK_MAX_PORT_NUM
});

/**
 * MIB counters: page 0x20 + port (Linux b53_regs.h `B53_MIB_PAGE(i)`), offsets from the `b53_mibs` table in
 * Linux drivers/net/dsa/b53/b53_common.c (the table b53 uses for BCM53125).
 */
export const MIB = Object.freeze({
  PAGE_BASE: 0x20,
  TX_OCTETS: 0x00, // 64-bit
  TX_BROADCAST: 0x10,
  TX_MULTICAST: 0x14,
  TX_UNICAST: 0x18,
  RX_OCTETS: 0x50, // 64-bit
  RX_UNICAST: 0x94,
  RX_MULTICAST: 0x98,
  RX_BROADCAST: 0x9c,
});

/** Ports (facts §1.2: imp_port = 8, enabled_ports = 0x1ff; ports 0..4 carry the integrated GPHYs). */
export const PORTS = Object.freeze({
  USER: Object.freeze([0, 1, 2, 3, 4]) as readonly number[],
  IMP: 8,
  ALL_MASK: 0x1ff,
});

/**
 * Port-based VLAN: one 16-bit egress mask per ingress port, bit i = the port may forward to port i (IMP = bit 8).
 * Linux drivers/net/dsa/b53/b53_regs.h: B53_PVLAN_PAGE 0x31, B53_PVLAN_PORT_MASK(i) = i * 2 ("Port VLAN mask (16
 * bit) IMP port is always 8").
 */
export const PORT_VLAN = Object.freeze({
  PAGE: 0x31,
  MASK: 0x00, // + 2 * port, 16-bit
  MASK_STRIDE: 2,
});

// ---- Compact Field Processor (CFP). Source: shared/facts/bcm53125-cfp.md ("CFP facts §x" below). ----------------

/** CFP access and staging registers, page 0xA0 (CFP facts §1.1). All 32-bit, little-endian. */
export const CFP = Object.freeze({
  PAGE: 0xa0,
  /** CFP_ACC A0:00 (CFP facts §1.1, MDK:3449-3466). */
  ACC: 0x00,
  ACC_START_DONE: 0x01, // [0] OP_STR_DONE: software sets it to start, hardware clears it when done
  ACC_OP_READ: 0x02, // [3:1] OP_SEL = 001
  ACC_OP_WRITE: 0x04, // [3:1] OP_SEL = 010
  ACC_RAM_CLEAR: 0x10, // [4] CFP_RAM_CLEAR: clears action, meter and stat RAMs; self-clears
  ACC_RAM_TCAM: 0x0400, // [14:10] RAM_SEL = 00001
  ACC_RAM_ACTION: 0x0800, // RAM_SEL = 00010 (action/policy)
  ACC_RAM_STAT_INBAND: 0x2000, // RAM_SEL = 01000
  ACC_RAM_STAT_OUTBAND: 0x4000, // RAM_SEL = 10000
  ACC_TCAM_RESET: 0x8000, // [15] TCAM_RST: clears every entry's valid bits; self-clears; needs no OP_STR_DONE
  ACC_ADDRESS_SHIFT: 16, // [23:16] XCESS_ADDR: entry 0..255
  /** CFP_DATA0..7 A0:10 + 4k: TCAM key staging, word k = key bits k*32..k*32+31 (CFP facts §1.1, §1.3; MDK:3791). */
  DATA: 0x10,
  /** CFP_MASK0..7 A0:30 + 4k: TCAM mask staging, same layout (CFP facts §1.1; MDK:3857). */
  MASK: 0x30,
  WORD_STRIDE: 4,
  WORDS: 8, // 232-bit key: DATA7 uses bits [7:0] only
  /** ACT_POL_DATA0 A0:50 / ACT_POL_DATA1 A0:54: action-RAM staging, one 64-bit entry (CFP facts §1.1; MDK:62-77, 161-179). */
  ACTION0: 0x50,
  ACTION1: 0x54,
  /** RATE_INBAND A0:70 / RATE_OUTBAND A0:74: per-entry hit counter staging (CFP facts §1.1; MDK:32616). */
  STAT_INBAND: 0x70,
  STAT_OUTBAND: 0x74,
  /** TCAM, action RAM and meter RAM each hold 256 entries (CFP facts §1.1 "Table sizes"). */
  ENTRIES: 256,
  /** A CFP_ACC poll reads at most 100 times (CFP facts §2 Write step 4: SDK SOC_TIMEOUT_VAL = 100). */
  MAX_POLLS: 100,
});

/** ACT_POL_DATA0 fields (CFP facts §1.1; MDK:62-77). ACT_POL_DATA1 stays 0: no filter bypass, no TC or DSCP change. */
export const CFP_ACTION = Object.freeze({
  DST_MAP_IB_SHIFT: 0, // [6:0] DST_MAP_IB: bits 5..0 = ports 5..0, bit 6 = port 8 (IMP)
  DST_MAP_MASK: 0x7f,
  DST_MAP_IMP_BIT: 0x40,
  DST_MAP_PORTS: 0x3f, // ports 0..5 have their own bit
  CHANGE_FWRD_IB_SHIFT: 7, // [8:7] CHANGE_FWRD_MAP_IB
  DST_MAP_OB_SHIFT: 16, // [22:16] DST_MAP_OB
  CHANGE_FWRD_OB_SHIFT: 23, // [24:23] CHANGE_FWRD_MAP_OB
  CHANGE_FWRD_MASK: 0x3,
  CHANGE_KEEP: 0b00, // keep the ARL result
  CHANGE_REPLACE: 0b10, // replace the ARL destination with DST_MAP
  CHANGE_ADD: 0b11, // add DST_MAP to it
});

/**
 * TCAM key fields the member rules use (CFP facts §1.3; MDK CFP_TCAM_IPV4_SCm 4853 / IPV6_SCm 5377 / NONIP_SCm 5876).
 * Positions as word index + bit within DATAk/MASKk.
 */
export const CFP_KEY = Object.freeze({
  VALID: 0x3, // D0[1:0]: both bits 1 = valid (the SDK writes 11 in data and mask, cfp.c:4037)
  SLICE_SHIFT: 2, // D0[3:2] SC_N_ID: slice 0..2 (3 = chain); data = slice, mask = 11
  SLICE_MASK: 0xc,
  UDF0_SHIFT: 8, // UDF x0 = key [23:8] = D0[23:8]; UDF xn for n >= 1 follows at 16-bit steps
  UDF_VALID_WORD: 5, // UDF0..8_VLD = key [192:184] = D5[31:24] + D6[0]
  UDF_VALID_SHIFT: 24,
});

/** CFP enable map and UDF selections, page 0xA1 (CFP facts §1.2). */
export const CFP_CONTROL = Object.freeze({
  PAGE: 0xa1,
  /** CFP_CTL_REG A1:00, 16-bit: [8:0] CFP_EN_MAP, bit n = port n, bit 8 = IMP (MDK:3710-3721). */
  ENABLE_MAP: 0x00,
  ENABLE_MAP_MASK: 0x1ff,
  /**
   * First UDF register of slice 0 for IPv4 (UDF_0_A_0 A1:10), IPv6 (UDF_0_B_0 A1:40) and non-IP (UDF_0_C_0 A1:70)
   * frames; 9 byte-wide registers each (MDK:43233-43240, 43306, 43372).
   */
  UDF_SLICE0_IPV4: 0x10,
  UDF_SLICE0_IPV6: 0x40,
  UDF_SLICE0_NON_IP: 0x70,
  UDF_PER_SLICE: 9,
  /** UDF register byte: [7:5] base (000 = start of frame), [4:0] N = offset / 2 bytes (CFP facts §1.2; cfp.c:4880). */
  UDF_BASE_SHIFT: 5,
  UDF_BASE_START_OF_FRAME: 0b000,
});

/** TCAM parity checking, page 0x00 (CFP facts §1.2; MDK:40170-40178, 40092-40103). */
export const TCAM_CONTROL = Object.freeze({
  PAGE: 0x00,
  CONTROL: 0xe8, // TCAM_CTRL, 8-bit
  EN_TCAM_CHKSUM: 0x80, // [7]
  CHECKSUM_STATUS: 0xea, // TCAM_CHKSUM_STS, 16-bit: [7:0] address of the error, [15] error flag
  CHECKSUM_ERROR: 0x8000,
  CHECKSUM_ADDRESS_MASK: 0xff,
});
