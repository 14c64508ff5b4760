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
