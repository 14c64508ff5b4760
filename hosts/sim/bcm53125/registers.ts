// BCM53125 register map as the model implements it. Every constant names its source; "§x.y" means
// shared/facts/switch-chips.md §x.y, "cfp §x.y" means shared/facts/bcm53125-cfp.md §x.y. Widths are in bytes; values
// are little-endian on the wire (§1.1).

/** SPI framing (§1.1, restated from Linux drivers/net/dsa/b53/b53_spi.c). */
export const SPI = Object.freeze({
  COMMAND_NORMAL_READ: 0x60, // §1.1 NORMAL 0x60 | READ 0x00
  COMMAND_NORMAL_WRITE: 0x61, // §1.1 NORMAL 0x60 | WRITE 0x01
  PAGE_REGISTER: 0xff, // §1.1 page select, reachable from every page
  STATUS_REGISTER: 0xfe, // §1.1 SPI status
  STATUS_SPIF: 0x80, // §1.1 status bit7: SPI interface busy
  STATUS_RACK: 0x20, // §1.1 status bit5: read data ready
  DATA_REGISTER: 0xf0, // §1.1 data I/O 0xF0..0xF7
  DATA_REGISTER_LAST: 0xf7, // §1.1
  DATA_BYTES: 8, // §1.1 up to 8 bytes
});

/** Pages (§1.2–§1.4; MIB pages: Linux drivers/net/dsa/b53/b53_regs.h B53_MIB_PAGE(i) = 0x20 + i). */
export const PAGE = Object.freeze({
  CONTROL: 0x00, // §1.2 port control, switch mode, learning, reset, fast age
  STATUS: 0x01, // §1.2 link/speed/duplex summaries
  MANAGEMENT: 0x02, // §1.2 global management, aging, device ID
  ARL: 0x05, // §1.3 ARL access
  MIB_BASE: 0x20, // b53_regs.h B53_MIB_PAGE(i) = 0x20 + i
  PORT_VLAN: 0x31, // Linux drivers/net/dsa/b53/b53_regs.h B53_PVLAN_PAGE
  TRUNK: 0x32, // §1.4 MAC trunking
  CFP_ACCESS: 0xa0, // cfp §1.1: CFP access and data registers
  CFP_CONFIG: 0xa1, // cfp §1.2: enable map and UDFs (b53_regs.h B53_CFP_PAGE)
});

/** Page 0x00 (§1.2). */
export const CONTROL = Object.freeze({
  PORT_CONTROL_BASE: 0x00, // §1.2 port control of port i at 0x00 + i, 8 bit
  PORT_RX_DISABLE: 0x01, // §1.2 bit0
  PORT_TX_DISABLE: 0x02, // §1.2 bit1
  IMP_RX_BROADCAST_ENABLE: 0x04, // §1.2 bit2, IMP port 8 only
  IMP_RX_MULTICAST_ENABLE: 0x08, // §1.2 bit3, IMP port 8 only
  IMP_RX_UNICAST_ENABLE: 0x10, // §1.2 bit4, IMP port 8 only
  PORT_STP_SHIFT: 5, // §1.2 bits 7:5 STP state
  STP_NONE: 0, // §1.2
  STP_LEARNING: 4, // §1.2
  STP_FORWARDING: 5, // §1.2
  SWITCH_MODE: 0x0b, // §1.2 8 bit
  SWITCH_MODE_MANAGED: 0x01, // §1.2 bit0 SW_FWD_MODE
  SWITCH_MODE_FORWARD_ENABLE: 0x02, // §1.2 bit1 SW_FWD_EN
  IMP_OVERRIDE: 0x0e, // §1.2 IMP port state override, 8 bit
  LEARNING_DISABLE: 0x3c, // §1.2 16 bit, bit i = port i does not learn
  SOFTWARE_RESET: 0x79, // §1.2 8 bit
  SOFTWARE_RESET_START: 0x80, // §1.2 bit7 SW_RST
  FAST_AGE_CONTROL: 0x88, // §1.2 8 bit
  FAST_AGE_STATIC: 0x01, // §1.2 bit0 age static
  FAST_AGE_DYNAMIC: 0x02, // §1.2 bit1 age dynamic
  FAST_AGE_BY_PORT: 0x04, // §1.2 bit2
  FAST_AGE_BY_VLAN: 0x08, // §1.2 bit3
  FAST_AGE_MULTICAST: 0x20, // §1.2 bit5 MC
  FAST_AGE_START: 0x80, // §1.2 bit7 start/done, self-clearing
  FAST_AGE_PORT: 0x89, // §1.2 8 bit
  FAST_AGE_VID: 0x8a, // §1.2 16 bit
  TCAM_CONTROL: 0xe8, // cfp §1.2 TCAM_CTRL, 8 bit
  TCAM_CHECKSUM_ENABLE: 0x80, // cfp §1.2 TCAM_CTRL bit7 EN_TCAM_CHKSUM
  TCAM_CHECKSUM_STATUS: 0xea, // cfp §1.2 TCAM_CHKSUM_STS, 16 bit
  TCAM_CHECKSUM_ADDRESS_MASK: 0xff, // cfp §1.2 bits 7:0 address of the error
  TCAM_CHECKSUM_ERROR: 0x8000, // cfp §1.2 bit15 error flag, clears when that address is rewritten
});

/** Page 0x01 (§1.2). */
export const STATUS = Object.freeze({
  LINK_SUMMARY: 0x00, // §1.2 16 bit, bit i = link up
  LINK_CHANGE: 0x02, // §1.2 16 bit, latched change bits (clear on read)
  SPEED_SUMMARY: 0x04, // §1.2 32 bit, 2 bits per port: 0 = 10M, 1 = 100M, 2 = 1000M
  DUPLEX_SUMMARY: 0x08, // §1.2 16 bit, bit i = full duplex
});

/** Page 0x02 (§1.2). */
export const MANAGEMENT = Object.freeze({
  GLOBAL_CONFIG: 0x00, // §1.2 8 bit
  GLOBAL_CONFIG_RESET_MIB: 0x01, // §1.2 bit0 reset MIB
  AGING_TIME: 0x06, // §1.2 32 bit
  AGING_TIME_MASK: 0xfffff, // §1.2 bits 19:0 seconds
  AGING_TIME_DEFAULT_SECONDS: 300, // §1.2 default 300 (brief; SDK DRV_SF_AGE_TIMER_MAX is the maximum)
  DEVICE_ID: 0x30, // §1.2 32 bit
  DEVICE_ID_BCM53125: 0x00053125, // §1.2
  REVISION: 0x40, // §1.2 8 bit
});

/** Page 0x05 (§1.3). */
export const ARL = Object.freeze({
  RW_CONTROL: 0x00, // §1.3 8 bit
  RW_READ: 0x01, // §1.3 bit0 1 = read, 0 = write
  RW_START: 0x80, // §1.3 bit7 START/DONE
  MAC_INDEX: 0x02, // §1.3 48 bit
  VID_INDEX: 0x08, // §1.3 16 bit
  ENTRY_MAC_VID_BASE: 0x10, // §1.3 entry n at 0x10 + 0x10 n, 64 bit
  ENTRY_DATA_BASE: 0x18, // §1.3 data n at 0x18 + 0x10 n, 32 bit
  ENTRY_STRIDE: 0x10, // §1.3
  SEARCH_CONTROL: 0x50, // §1.3 8 bit
  SEARCH_START: 0x80, // §1.3 bit7 START/DONE
  SEARCH_VALID: 0x01, // §1.3 bit0 result ready
  SEARCH_ADDRESS: 0x51, // §1.3 16 bit, bits 14:0
  SEARCH_RESULT_MAC_VID_0: 0x60, // §1.3 64 bit
  SEARCH_RESULT_DATA_0: 0x68, // §1.3 32 bit
  SEARCH_RESULT_MAC_VID_1: 0x70, // §1.3 64 bit
  SEARCH_RESULT_DATA_1: 0x78, // §1.3 32 bit
  DATA_PORT_MASK: 0x1ff, // §1.3 bits 8:0
  DATA_AGE: 0x4000, // §1.3 bit14
  DATA_STATIC: 0x8000, // §1.3 bit15
  DATA_VALID: 0x10000, // §1.3 bit16
  BUCKETS: 1024, // §1.3
  BINS: 4, // §1.3
});

/** Page 0x32 (§1.4). */
export const TRUNK = Object.freeze({
  CONTROL: 0x00, // §1.4 8 bit
  CONTROL_ENABLE: 0x08, // §1.4 bit3 EN_TRUNK_LOCAL
  CONTROL_HASH_MASK: 0x03, // §1.4 bits 1:0 HASH_SEL 0 DA+SA, 1 DA, 2 SA, 3 = DA+SA
  GROUP_0: 0x10, // §1.4 16 bit port bitmap
  GROUP_1: 0x12, // §1.4 16 bit port bitmap
  GROUPS: 2, // §1.4
});

/** Page 0x31: port-based VLAN (Linux drivers/net/dsa/b53/b53_regs.h "Port VLAN Registers"). */
export const PORT_VLAN = Object.freeze({
  MASK_BASE: 0x00, // b53_regs.h B53_PVLAN_PORT_MASK(i) = i * 2, 16 bit, bit n = frames received on i may leave on n
  MASK_STRIDE: 2, // b53_regs.h B53_PVLAN_PORT_MASK(i) = i * 2
  MASK_BITS: 0x1ff, // b53_regs.h: "IMP port is always 8", ports 8:0
});

/** Page 0xA0 (cfp §1.1) and page 0xA1 (cfp §1.2): the Compact Field Processor. */
export const CFP = Object.freeze({
  ACCESS: 0x00, // cfp §1.1 CFP_ACC, 32 bit
  ACCESS_START_DONE: 0x1, // cfp §1.1 [0] OP_STR_DONE: set to start, hardware clears when done
  ACCESS_OP_SHIFT: 1, // cfp §1.1 [3:1] OP_SEL
  ACCESS_OP_MASK: 0x7, // cfp §1.1 [3:1] OP_SEL
  OP_READ: 0x1, // cfp §1.1 OP_SEL 001
  OP_WRITE: 0x2, // cfp §1.1 OP_SEL 010
  OP_SEARCH: 0x4, // cfp §1.1 OP_SEL 100
  ACCESS_RAM_CLEAR: 0x10, // cfp §1.1 [4] CFP_RAM_CLEAR: action, meter and stat RAMs; self-clears
  ACCESS_RAM_SHIFT: 10, // cfp §1.1 [14:10] RAM_SEL
  ACCESS_RAM_MASK: 0x1f, // cfp §1.1 [14:10] RAM_SEL
  RAM_TCAM: 0x01, // cfp §1.1 RAM_SEL 00001
  RAM_ACTION: 0x02, // cfp §1.1 RAM_SEL 00010 action/policy
  RAM_METER: 0x04, // cfp §1.1 RAM_SEL 00100
  RAM_STAT_IN_BAND: 0x08, // cfp §1.1 RAM_SEL 01000
  RAM_STAT_OUT_BAND: 0x10, // cfp §1.1 RAM_SEL 10000
  ACCESS_TCAM_RESET: 0x8000, // cfp §1.1 [15] TCAM_RST: clears every entry's valid bits; self-clears
  ACCESS_ADDRESS_SHIFT: 16, // cfp §1.1 [23:16] XCESS_ADDR
  ACCESS_ADDRESS_MASK: 0xff, // cfp §1.1 [23:16] XCESS_ADDR
  ACCESS_SEARCH_STATUS: 0x08000000, // cfp §1.1 [27] SERCH_STS
  ACCESS_READ_STATUS_SHIFT: 28, // cfp §1.1 [31:28] RD_STS, cleared when CFP_ACC is read
  READ_STATUS_TCAM: 0x1, // cfp §1.1 RD_STS 1
  READ_STATUS_ACTION: 0x2, // cfp §1.1 RD_STS 2
  READ_STATUS_METER: 0x4, // cfp §1.1 RD_STS 4
  READ_STATUS_STAT: 0x8, // cfp §1.1 RD_STS 8
  DATA_BASE: 0x10, // cfp §1.1 CFP_DATA0..7 at 0x10 + 4k
  MASK_BASE: 0x30, // cfp §1.1 CFP_MASK0..7 at 0x30 + 4k
  KEY_WORDS: 8, // cfp §1.1: a 232-bit key in 8 words
  KEY_LAST_WORD_MASK: 0xff, // cfp §1.1: DATA7 uses only [7:0]
  ACTION_0: 0x50, // cfp §1.1 ACT_POL_DATA0
  ACTION_1: 0x54, // cfp §1.1 ACT_POL_DATA1
  RATE_METER_0: 0x60, // cfp §1.1 RATE_METER0
  RATE_METER_1: 0x64, // cfp §1.1 RATE_METER1
  RATE_IN_BAND: 0x70, // cfp §1.1 RATE_INBAND: in-band hit counter staging
  RATE_OUT_BAND: 0x74, // cfp §1.1 RATE_OUTBAND: out-band hit counter staging
  ENTRIES: 256, // cfp §1.1 table sizes: TCAM, action and meter RAM 256 entries each
  // Action word 0 (cfp §1.1 ACT_POL_DATA0)
  DST_MAP_IN_BAND_SHIFT: 0, // [6:0] DST_MAP_IB
  CHANGE_MAP_IN_BAND_SHIFT: 7, // [8:7] CHANGE_FWRD_MAP_IB
  DST_MAP_OUT_BAND_SHIFT: 16, // [22:16] DST_MAP_OB
  CHANGE_MAP_OUT_BAND_SHIFT: 23, // [24:23] CHANGE_FWRD_MAP_OB
  DST_MAP_MASK: 0x7f, // 7 bits: bits 5..0 ports 5..0, bit 6 port 8 (IMP)
  DST_MAP_IMP_BIT: 6, // cfp §1.1 "bit 6 is port 8 (IMP)"
  DST_MAP_PORT_BITS: 0x3f, // cfp §1.1 bits 5..0 are ports 5..0
  CHANGE_MAP_MASK: 0x3, // 2 bits
  CHANGE_MAP_KEEP: 0, // 00 keep the ARL result (01 reserved)
  CHANGE_MAP_REPLACE: 2, // 10 replace the ARL destination with DST_MAP
  CHANGE_MAP_ADD: 3, // 11 add DST_MAP to it
  // Action word 1 (cfp §1.1 ACT_POL_DATA1)
  VLAN_BYPASS: 0x1, // [0] VLAN_BYP
  EAP_BYPASS: 0x2, // [1] EAP_BYP
  STP_BYPASS: 0x4, // [2] STP_BYP
  LOOPBACK_ENABLE: 0x200, // [9] LOOP_BK_EN: may send back to the ingress port
  // Key layout (cfp §1.3)
  KEY_VALID: 0x3, // [1:0] VALID, both bits 1
  KEY_SLICE_SHIFT: 2, // [3:2] SC_N_ID
  KEY_UDF_FIRST_BIT: 8, // UDF n at [23+16n:8+16n]
  UDFS_PER_SLICE: 9, // UDF x0..x8
  KEY_C_TAG_VID_BIT: 152, // [163:152] USR VID, [164] CFI, [167:165] PRI
  KEY_UDF_VALID_BIT: 184, // [192:184] UDF0..8_VLD
  KEY_IP_PROTOCOL_BIT: 200, // [207:200] IP_PROTO (IPv4/IPv6)
  KEY_TOS_BIT: 208, // [215:208] TOS/TC (IPv4/IPv6)
  KEY_ETHERTYPE_BIT: 200, // [215:200] ETHERTYPE (non-IP)
  KEY_L3_FRAMING_BIT: 216, // [217:216] 00 IPv4, 01 IPv6, 11 non-IP
  KEY_L2_FRAMING_BIT: 218, // [219:218] 00 DIXv2, 01 SNAP public, 10 LLC, 11 SNAP private
  KEY_C_TAGGED_BIT: 220, // [221:220] 00 no tag, 01 VID 0, 11 VID != 0
  KEY_SOURCE_PORT_MAP_BIT: 224, // [231:224] SRC_PMAP one-hot ingress port
  L3_FRAMING_IPV4: 0, // cfp §1.3
  L3_FRAMING_IPV6: 1, // cfp §1.3
  L3_FRAMING_NON_IP: 3, // cfp §1.3
  SLICES: 3, // cfp §1.3 slices 0..2 (3 = the IPv6 chain slice D)
  // Page 0xA1 (cfp §1.2)
  CONTROL: 0x00, // CFP_CTL_REG, 16 bit
  CONTROL_ENABLE_MAP: 0x1ff, // [8:0] CFP_EN_MAP: bit n = port n, bit 8 = IMP
  UDF_IPV4_BASE: 0x10, // UDF_s_A_0..8 at 0x10 + 0x10 s
  UDF_IPV6_BASE: 0x40, // UDF_s_B_0..8 at 0x40 + 0x10 s
  UDF_NON_IP_BASE: 0x70, // UDF_s_C_0..8 at 0x70 + 0x10 s
  UDF_SLICE_STRIDE: 0x10, // cfp §1.2
  UDF_CHAIN_BASE: 0xa0, // UDF_0_D_0..11 at 0xA0..0xAB
  UDF_CHAIN_COUNT: 12, // cfp §1.2
  UDF_BASE_SHIFT: 5, // UDF byte [7:5] base
  UDF_BASE_START_OF_FRAME: 0, // 000
  UDF_BASE_END_OF_L2: 2, // 010
  UDF_BASE_END_OF_L3: 3, // 011
  UDF_OFFSET_MASK: 0x1f, // UDF byte [4:0] N: 2N bytes after the base
});

/** MIB counters per port, Linux drivers/net/dsa/b53/b53_common.c table b53_mibs (offset, width). */
export const MIB = Object.freeze({
  TX_OCTETS: 0x00, // b53_mibs TxOctets, 64 bit
  TX_BROADCAST: 0x10, // b53_mibs TxBroadcastPkts, 32 bit
  TX_MULTICAST: 0x14, // b53_mibs TxMulticastPkts, 32 bit
  TX_UNICAST: 0x18, // b53_mibs TxUnicastPkts, 32 bit
  RX_OCTETS: 0x50, // b53_mibs RxOctets, 64 bit
  RX_UNICAST: 0x94, // b53_mibs RxUnicastPkts, 32 bit
  RX_MULTICAST: 0x98, // b53_mibs RxMulticastPkts, 32 bit
  RX_BROADCAST: 0x9c, // b53_mibs RxBroadcastPkts, 32 bit
});

/** Ports (§1.2: ports 0–4 GPHY, 5 and 7 RGMII, 8 IMP; enabled_ports = 0x1ff, no port 6 is used here). */
export const PORTS = Object.freeze({
  ALL: Object.freeze([0, 1, 2, 3, 4, 5, 7, 8]),
  IMP: 8, // §1.2 imp_port = 8
});

export type RegisterAccess = "rw" | "ro";

export interface RegisterSpec {
  readonly page: number;
  readonly offset: number;
  /** Bytes: 1, 2, 4, 6 or 8. */
  readonly width: number;
  readonly name: string;
  readonly access: RegisterAccess;
}

function reg(page: number, offset: number, width: number, name: string, access: RegisterAccess = "rw"): RegisterSpec {
  return Object.freeze({ page, offset, width, name, access });
}

/** Every register the model implements. Reads or writes elsewhere are recorded as unmodeled accesses. */
export function modeledRegisters(): RegisterSpec[] {
  const list: RegisterSpec[] = [];
  for (const port of PORTS.ALL) list.push(reg(PAGE.CONTROL, CONTROL.PORT_CONTROL_BASE + port, 1, `port ${port} control`)); // §1.2
  list.push(reg(PAGE.CONTROL, CONTROL.SWITCH_MODE, 1, "switch mode")); // §1.2
  list.push(reg(PAGE.CONTROL, CONTROL.IMP_OVERRIDE, 1, "IMP port state override")); // §1.2
  list.push(reg(PAGE.CONTROL, CONTROL.LEARNING_DISABLE, 2, "learning disable")); // §1.2
  list.push(reg(PAGE.CONTROL, CONTROL.SOFTWARE_RESET, 1, "software reset")); // §1.2
  list.push(reg(PAGE.CONTROL, CONTROL.FAST_AGE_CONTROL, 1, "fast age control")); // §1.2
  list.push(reg(PAGE.CONTROL, CONTROL.FAST_AGE_PORT, 1, "fast age port")); // §1.2
  list.push(reg(PAGE.CONTROL, CONTROL.FAST_AGE_VID, 2, "fast age VID")); // §1.2
  list.push(reg(PAGE.STATUS, STATUS.LINK_SUMMARY, 2, "link status summary", "ro")); // §1.2
  list.push(reg(PAGE.STATUS, STATUS.LINK_CHANGE, 2, "link status change", "ro")); // §1.2
  list.push(reg(PAGE.STATUS, STATUS.SPEED_SUMMARY, 4, "port speed summary", "ro")); // §1.2
  list.push(reg(PAGE.STATUS, STATUS.DUPLEX_SUMMARY, 2, "duplex summary", "ro")); // §1.2
  list.push(reg(PAGE.MANAGEMENT, MANAGEMENT.GLOBAL_CONFIG, 1, "global management config")); // §1.2
  list.push(reg(PAGE.MANAGEMENT, MANAGEMENT.AGING_TIME, 4, "aging time")); // §1.2
  list.push(reg(PAGE.MANAGEMENT, MANAGEMENT.DEVICE_ID, 4, "device ID", "ro")); // §1.2
  list.push(reg(PAGE.MANAGEMENT, MANAGEMENT.REVISION, 1, "revision ID", "ro")); // §1.2
  list.push(reg(PAGE.ARL, ARL.RW_CONTROL, 1, "ARL table RW control")); // §1.3
  list.push(reg(PAGE.ARL, ARL.MAC_INDEX, 6, "ARL MAC address index")); // §1.3
  list.push(reg(PAGE.ARL, ARL.VID_INDEX, 2, "ARL VID index")); // §1.3
  for (let bin = 0; bin < ARL.BINS; bin++) {
    list.push(reg(PAGE.ARL, ARL.ENTRY_MAC_VID_BASE + ARL.ENTRY_STRIDE * bin, 8, `ARL MAC/VID entry ${bin}`)); // §1.3
    list.push(reg(PAGE.ARL, ARL.ENTRY_DATA_BASE + ARL.ENTRY_STRIDE * bin, 4, `ARL data entry ${bin}`)); // §1.3
  }
  list.push(reg(PAGE.ARL, ARL.SEARCH_CONTROL, 1, "ARL search control")); // §1.3
  list.push(reg(PAGE.ARL, ARL.SEARCH_ADDRESS, 2, "ARL search address", "ro")); // §1.3
  list.push(reg(PAGE.ARL, ARL.SEARCH_RESULT_MAC_VID_0, 8, "ARL search result MAC/VID 0", "ro")); // §1.3
  list.push(reg(PAGE.ARL, ARL.SEARCH_RESULT_DATA_0, 4, "ARL search result data 0", "ro")); // §1.3
  list.push(reg(PAGE.ARL, ARL.SEARCH_RESULT_MAC_VID_1, 8, "ARL search result MAC/VID 1", "ro")); // §1.3
  list.push(reg(PAGE.ARL, ARL.SEARCH_RESULT_DATA_1, 4, "ARL search result data 1", "ro")); // §1.3
  list.push(reg(PAGE.CONTROL, CONTROL.TCAM_CONTROL, 1, "TCAM control")); // cfp §1.2
  list.push(reg(PAGE.CONTROL, CONTROL.TCAM_CHECKSUM_STATUS, 2, "TCAM checksum status", "ro")); // cfp §1.2
  for (const port of PORTS.ALL) {
    list.push(reg(PAGE.PORT_VLAN, PORT_VLAN.MASK_BASE + PORT_VLAN.MASK_STRIDE * port, 2, `port ${port} VLAN mask`)); // b53_regs.h B53_PVLAN_PORT_MASK
  }
  list.push(reg(PAGE.CFP_ACCESS, CFP.ACCESS, 4, "CFP access")); // cfp §1.1
  for (let word = 0; word < CFP.KEY_WORDS; word++) {
    list.push(reg(PAGE.CFP_ACCESS, CFP.DATA_BASE + 4 * word, 4, `CFP data ${word}`)); // cfp §1.1
    list.push(reg(PAGE.CFP_ACCESS, CFP.MASK_BASE + 4 * word, 4, `CFP mask ${word}`)); // cfp §1.1
  }
  list.push(reg(PAGE.CFP_ACCESS, CFP.ACTION_0, 4, "CFP action/policy data 0")); // cfp §1.1
  list.push(reg(PAGE.CFP_ACCESS, CFP.ACTION_1, 4, "CFP action/policy data 1")); // cfp §1.1
  list.push(reg(PAGE.CFP_ACCESS, CFP.RATE_METER_0, 4, "CFP rate meter 0")); // cfp §1.1
  list.push(reg(PAGE.CFP_ACCESS, CFP.RATE_METER_1, 4, "CFP rate meter 1")); // cfp §1.1
  list.push(reg(PAGE.CFP_ACCESS, CFP.RATE_IN_BAND, 4, "CFP in-band statistic")); // cfp §1.1
  list.push(reg(PAGE.CFP_ACCESS, CFP.RATE_OUT_BAND, 4, "CFP out-band statistic")); // cfp §1.1
  list.push(reg(PAGE.CFP_CONFIG, CFP.CONTROL, 2, "CFP control (enable map)")); // cfp §1.2
  for (let slice = 0; slice < CFP.SLICES; slice++) {
    for (let udf = 0; udf < CFP.UDFS_PER_SLICE; udf++) {
      const at = CFP.UDF_SLICE_STRIDE * slice + udf;
      list.push(reg(PAGE.CFP_CONFIG, CFP.UDF_IPV4_BASE + at, 1, `UDF_${slice}_A_${udf}`)); // cfp §1.2
      list.push(reg(PAGE.CFP_CONFIG, CFP.UDF_IPV6_BASE + at, 1, `UDF_${slice}_B_${udf}`)); // cfp §1.2
      list.push(reg(PAGE.CFP_CONFIG, CFP.UDF_NON_IP_BASE + at, 1, `UDF_${slice}_C_${udf}`)); // cfp §1.2
    }
  }
  for (let udf = 0; udf < CFP.UDF_CHAIN_COUNT; udf++) list.push(reg(PAGE.CFP_CONFIG, CFP.UDF_CHAIN_BASE + udf, 1, `UDF_0_D_${udf}`)); // cfp §1.2
  list.push(reg(PAGE.TRUNK, TRUNK.CONTROL, 1, "MAC trunk control")); // §1.4
  list.push(reg(PAGE.TRUNK, TRUNK.GROUP_0, 2, "trunk group 0 members")); // §1.4
  list.push(reg(PAGE.TRUNK, TRUNK.GROUP_1, 2, "trunk group 1 members")); // §1.4
  for (const port of PORTS.ALL) {
    const page = PAGE.MIB_BASE + port; // b53_regs.h B53_MIB_PAGE(i)
    list.push(reg(page, MIB.TX_OCTETS, 8, `port ${port} TxOctets`, "ro")); // b53_common.c b53_mibs
    list.push(reg(page, MIB.TX_BROADCAST, 4, `port ${port} TxBroadcastPkts`, "ro")); // b53_common.c b53_mibs
    list.push(reg(page, MIB.TX_MULTICAST, 4, `port ${port} TxMulticastPkts`, "ro")); // b53_common.c b53_mibs
    list.push(reg(page, MIB.TX_UNICAST, 4, `port ${port} TxUnicastPkts`, "ro")); // b53_common.c b53_mibs
    list.push(reg(page, MIB.RX_OCTETS, 8, `port ${port} RxOctets`, "ro")); // b53_common.c b53_mibs
    list.push(reg(page, MIB.RX_UNICAST, 4, `port ${port} RxUnicastPkts`, "ro")); // b53_common.c b53_mibs
    list.push(reg(page, MIB.RX_MULTICAST, 4, `port ${port} RxMulticastPkts`, "ro")); // b53_common.c b53_mibs
    list.push(reg(page, MIB.RX_BROADCAST, 4, `port ${port} RxBroadcastPkts`, "ro")); // b53_common.c b53_mibs
  }
  return list;
}
