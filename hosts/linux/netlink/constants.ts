// Numbers of the Linux netlink ABI used by the team shim. Each group names the uapi header it comes from
// (Linux source tree, include/uapi/linux/...); values are restated from those headers, not copied code.
// All multi-byte fields are in host byte order (little-endian on every machine this runs on).

/** include/uapi/linux/socket.h and netlink.h: address family and the two protocols we speak. */
export const AF_NETLINK = 16;
export const AF_UNSPEC = 0;
/** include/uapi/linux/netlink.h: NETLINK_ROUTE (rtnetlink) and NETLINK_GENERIC. */
export const NETLINK_ROUTE = 0;
export const NETLINK_GENERIC = 16;
/** include/uapi/linux/netlink.h: socket options at level SOL_NETLINK (270). */
export const SOL_NETLINK = 270;
export const NETLINK_CAP_ACK = 10;
export const NETLINK_EXT_ACK = 11;

/** include/uapi/linux/netlink.h: struct nlmsghdr is 16 bytes; struct nlattr is 4; both align to 4. */
export const NLMSG_HEADER_LENGTH = 16;
export const NLA_HEADER_LENGTH = 4;
export const NETLINK_ALIGNMENT = 4;

/** include/uapi/linux/netlink.h: reserved message types. */
export const NLMSG_NOOP = 1;
export const NLMSG_ERROR = 2;
export const NLMSG_DONE = 3;
export const NLMSG_OVERRUN = 4;
export const NLMSG_MIN_TYPE = 0x10;

/** include/uapi/linux/netlink.h: nlmsg_flags. */
export const NLM_F_REQUEST = 0x01;
export const NLM_F_MULTI = 0x02;
export const NLM_F_ACK = 0x04;
export const NLM_F_ECHO = 0x08;
/** Modifiers of GET requests. */
export const NLM_F_ROOT = 0x100;
export const NLM_F_MATCH = 0x200;
export const NLM_F_DUMP = NLM_F_ROOT | NLM_F_MATCH;
/** Modifiers of NEW requests. */
export const NLM_F_REPLACE = 0x100;
export const NLM_F_EXCL = 0x200;
export const NLM_F_CREATE = 0x400;
/** Flags of NLMSG_ERROR (acknowledgement) messages. */
export const NLM_F_CAPPED = 0x100;
export const NLM_F_ACK_TLVS = 0x200;

/** include/uapi/linux/netlink.h: extended-ack attributes after an NLMSG_ERROR. */
export const NLMSGERR_ATTR_MSG = 1;
export const NLMSGERR_ATTR_OFFS = 2;

/** include/uapi/linux/netlink.h: nla_type flag bits and the mask that strips them. */
export const NLA_F_NESTED = 0x8000;
export const NLA_F_NET_BYTEORDER = 0x4000;
export const NLA_TYPE_MASK = ~(NLA_F_NESTED | NLA_F_NET_BYTEORDER) & 0xffff;

/** include/uapi/linux/rtnetlink.h: link messages. */
export const RTM_NEWLINK = 16;
export const RTM_DELLINK = 17;
export const RTM_GETLINK = 18;
export const RTM_SETLINK = 19;

/** include/uapi/linux/rtnetlink.h: struct ifinfomsg = family u8, pad u8, type u16, index s32, flags u32, change u32. */
export const IFINFOMSG_LENGTH = 16;

/** include/uapi/linux/if.h: net_device_flags (ifi_flags). */
export const IFF_UP = 0x1;
export const IFF_BROADCAST = 0x2;
export const IFF_LOOPBACK = 0x8;
export const IFF_RUNNING = 0x40;
export const IFF_PROMISC = 0x100;
export const IFF_MASTER = 0x400;
export const IFF_SLAVE = 0x800;
export const IFF_MULTICAST = 0x1000;
export const IFF_LOWER_UP = 0x10000;

/** include/uapi/linux/if_link.h: IFLA_* link attributes (the enum's positions). */
export const IFLA_ADDRESS = 1;
export const IFLA_BROADCAST = 2;
export const IFLA_IFNAME = 3;
export const IFLA_MTU = 4;
export const IFLA_LINK = 5;
export const IFLA_MASTER = 10;
export const IFLA_OPERSTATE = 16;
export const IFLA_LINKMODE = 17;
export const IFLA_LINKINFO = 18;
export const IFLA_STATS64 = 23;
export const IFLA_CARRIER = 33;

/** include/uapi/linux/if_link.h: nested inside IFLA_LINKINFO. */
export const IFLA_INFO_KIND = 1;
export const IFLA_INFO_DATA = 2;
export const IFLA_INFO_SLAVE_KIND = 4;

/** include/uapi/linux/if_link.h: bonding attributes inside IFLA_INFO_DATA. */
export const IFLA_BOND_MODE = 1;
export const IFLA_BOND_MIIMON = 3;
export const IFLA_BOND_UPDELAY = 4;
export const IFLA_BOND_DOWNDELAY = 5;
export const IFLA_BOND_XMIT_HASH_POLICY = 14;
/** include/uapi/linux/if_bonding.h: BOND_MODE_XOR and BOND_XMIT_POLICY_LAYER2. */
export const BOND_MODE_XOR = 2;
export const BOND_XMIT_POLICY_LAYER2 = 0;

/** include/uapi/linux/if.h: RFC 2863 operational states (IFLA_OPERSTATE values). */
export const OPERSTATE_NAMES: readonly string[] = Object.freeze([
  "unknown",
  "notpresent",
  "down",
  "lowerlayerdown",
  "testing",
  "dormant",
  "up",
]);

/** include/uapi/linux/if_link.h: struct rtnl_link_stats64, offsets of the u64 fields we read. */
export const STATS64_RX_PACKETS = 0;
export const STATS64_TX_PACKETS = 8;
export const STATS64_RX_BYTES = 16;
export const STATS64_TX_BYTES = 24;
export const STATS64_RX_DROPPED = 48;
export const STATS64_TX_DROPPED = 56;

/** include/uapi/linux/genetlink.h: struct genlmsghdr = cmd u8, version u8, reserved u16. */
export const GENL_HEADER_LENGTH = 4;
/** include/uapi/linux/genetlink.h: the controller family has the fixed id NLMSG_MIN_TYPE. */
export const GENL_ID_CTRL = NLMSG_MIN_TYPE;
export const CTRL_CMD_GETFAMILY = 3;
export const CTRL_VERSION = 2;
export const CTRL_ATTR_FAMILY_ID = 1;
export const CTRL_ATTR_FAMILY_NAME = 2;
export const CTRL_ATTR_VERSION = 3;
export const CTRL_ATTR_MCAST_GROUPS = 7;
export const CTRL_ATTR_MCAST_GRP_NAME = 1;
export const CTRL_ATTR_MCAST_GRP_ID = 2;

/** include/uapi/linux/if_team.h: the "team" generic netlink family. */
export const TEAM_GENL_NAME = "team";
export const TEAM_GENL_VERSION = 1;
export const TEAM_STRING_MAX_LEN = 32;
export const TEAM_CMD_OPTIONS_SET = 1;
export const TEAM_CMD_OPTIONS_GET = 2;
export const TEAM_CMD_PORT_LIST_GET = 3;
export const TEAM_ATTR_TEAM_IFINDEX = 1;
export const TEAM_ATTR_LIST_OPTION = 2;
export const TEAM_ATTR_LIST_PORT = 3;
export const TEAM_ATTR_ITEM_OPTION = 1;
export const TEAM_ATTR_OPTION_NAME = 1;
export const TEAM_ATTR_OPTION_CHANGED = 2;
export const TEAM_ATTR_OPTION_TYPE = 3;
export const TEAM_ATTR_OPTION_DATA = 4;
export const TEAM_ATTR_OPTION_REMOVED = 5;
export const TEAM_ATTR_OPTION_PORT_IFINDEX = 6;
export const TEAM_ATTR_OPTION_ARRAY_INDEX = 7;
export const TEAM_ATTR_ITEM_PORT = 1;
export const TEAM_ATTR_PORT_IFINDEX = 1;
export const TEAM_ATTR_PORT_CHANGED = 2;
export const TEAM_ATTR_PORT_LINKUP = 3;
export const TEAM_ATTR_PORT_SPEED = 4;
export const TEAM_ATTR_PORT_DUPLEX = 5;
export const TEAM_ATTR_PORT_REMOVED = 6;

/**
 * TEAM_ATTR_OPTION_TYPE carries the kernel's internal attribute-policy numbers (include/net/netlink.h, enum
 * starting NLA_UNSPEC), which drivers/net/team/team_core.c switches on: NLA_U32 = 3, NLA_STRING = 5,
 * NLA_FLAG = 6, NLA_BINARY = 11, NLA_S32 = 14. (Position 9 was NLA_NESTED_COMPAT and is now NLA_NESTED_ARRAY,
 * so these numbers have not moved across kernel versions; libteam sends the same ones.)
 */
export const TEAM_OPTION_TYPE_U32 = 3;
export const TEAM_OPTION_TYPE_STRING = 5;
export const TEAM_OPTION_TYPE_FLAG = 6;
export const TEAM_OPTION_TYPE_BINARY = 11;
export const TEAM_OPTION_TYPE_S32 = 14;

/** drivers/net/team/team_mode_loadbalance.c: the hash is a char, so every array option has 256 entries. */
export const TEAM_LB_HASH_BUCKETS = 256;
