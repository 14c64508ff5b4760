// BCM53125 register map as the model implements it. Every constant names its source; "§x.y" means
// shared/facts/switch-chips.md §x.y. Widths are in bytes; values are little-endian on the wire (§1.1).

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
  TRUNK: 0x32, // §1.4 MAC trunking
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
