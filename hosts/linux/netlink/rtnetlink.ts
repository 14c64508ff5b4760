// rtnetlink link messages (RTM_NEWLINK / RTM_DELLINK / RTM_GETLINK): pure encoders and a decoder, no IO.
// Message = nlmsghdr + struct ifinfomsg (include/uapi/linux/rtnetlink.h) + IFLA_* attributes
// (include/uapi/linux/if_link.h).
import {
  AF_UNSPEC,
  IFINFOMSG_LENGTH,
  IFF_UP,
  IFLA_ADDRESS,
  IFLA_CARRIER,
  IFLA_IFNAME,
  IFLA_INFO_DATA,
  IFLA_INFO_KIND,
  IFLA_INFO_SLAVE_KIND,
  IFLA_LINKINFO,
  IFLA_MASTER,
  IFLA_MTU,
  IFLA_OPERSTATE,
  IFLA_STATS64,
  NLM_F_ACK,
  NLM_F_CREATE,
  NLM_F_DUMP,
  NLM_F_EXCL,
  NLM_F_REQUEST,
  OPERSTATE_NAMES,
  RTM_DELLINK,
  RTM_GETLINK,
  RTM_NEWLINK,
  STATS64_RX_BYTES,
  STATS64_RX_DROPPED,
  STATS64_RX_PACKETS,
  STATS64_TX_BYTES,
  STATS64_TX_DROPPED,
  STATS64_TX_PACKETS,
} from "./constants";
import {
  NetlinkDecodeError,
  NetlinkEncodeError,
  NetlinkMessageWriter,
  attributesByType,
  decodeString,
  decodeU32,
  decodeU64,
  type NetlinkMessage,
} from "./message";

/** Which link a request is about: its ifindex, or its name when the index is not known. */
export type LinkSelector = { readonly index: number } | { readonly name: string };

/** Attributes of a link kind's IFLA_INFO_DATA, written in order (bonding's IFLA_BOND_* for instance). */
export interface LinkInfoDataItem {
  readonly type: number;
  readonly size: 1 | 2 | 4;
  readonly value: number;
}

export interface NewLinkRequest {
  readonly name: string;
  /** IFLA_INFO_KIND, e.g. "team" or "bond". */
  readonly kind: string;
  readonly infoData?: readonly LinkInfoDataItem[];
  /** 6 bytes. */
  readonly address?: Uint8Array;
  readonly mtu?: number;
}

/** Changes to an existing link; only what is given is changed. */
export interface LinkChange {
  /** Bring the link up (true) or down (false). */
  readonly up?: boolean;
  /** Enslave to this ifindex; 0 releases the link from its master. */
  readonly master?: number;
  readonly address?: Uint8Array;
  readonly mtu?: number;
}

const IFNAMSIZ = 16;

function checkName(name: string): void {
  const length = Buffer.byteLength(name);
  if (length === 0 || length >= IFNAMSIZ) throw new NetlinkEncodeError(`interface name "${name}" must be 1 to ${IFNAMSIZ - 1} bytes`);
}

function checkAddress(address: Uint8Array): void {
  if (address.length !== 6) throw new NetlinkEncodeError(`a MAC address is 6 bytes, got ${address.length}`);
}

/** struct ifinfomsg: family, pad, type (ARPHRD, 0 = any), index, flags, change mask. */
function writeIfinfomsg(writer: NetlinkMessageWriter, index: number, flags: number, change: number): void {
  writer.u8(AF_UNSPEC).u8(0).u16(0).s32(index).u32(flags).u32(change);
}

function writeSelector(writer: NetlinkMessageWriter, selector: LinkSelector, flags = 0, change = 0): void {
  if ("index" in selector) {
    if (!Number.isInteger(selector.index) || selector.index <= 0) throw new NetlinkEncodeError(`ifindex must be a positive integer, got ${selector.index}`);
    writeIfinfomsg(writer, selector.index, flags, change);
  } else {
    checkName(selector.name);
    writeIfinfomsg(writer, 0, flags, change);
    writer.attributeString(IFLA_IFNAME, selector.name);
  }
}

/** RTM_NEWLINK with NLM_F_CREATE | NLM_F_EXCL: create a virtual link of `kind` (fails with EEXIST if the name is taken). */
export function encodeNewLink(sequence: number, request: NewLinkRequest): Buffer {
  checkName(request.name);
  const writer = new NetlinkMessageWriter(RTM_NEWLINK, NLM_F_REQUEST | NLM_F_ACK | NLM_F_CREATE | NLM_F_EXCL, sequence);
  writeIfinfomsg(writer, 0, 0, 0);
  writer.attributeString(IFLA_IFNAME, request.name);
  if (request.address) {
    checkAddress(request.address);
    writer.attribute(IFLA_ADDRESS, request.address);
  }
  if (request.mtu !== undefined) writer.attributeU32(IFLA_MTU, request.mtu);
  writer.beginNested(IFLA_LINKINFO);
  writer.attributeString(IFLA_INFO_KIND, request.kind);
  if (request.infoData && request.infoData.length > 0) {
    writer.beginNested(IFLA_INFO_DATA);
    for (const item of request.infoData) {
      if (item.size === 1) writer.attributeU8(item.type, item.value);
      else if (item.size === 2) writer.attributeU16(item.type, item.value);
      else writer.attributeU32(item.type, item.value);
    }
    writer.endNested();
  }
  writer.endNested();
  return writer.finish();
}

/**
 * RTM_NEWLINK without NLM_F_CREATE on an existing link (what `ip link set` sends): up/down through
 * ifi_flags/ifi_change, IFLA_MASTER, IFLA_ADDRESS, IFLA_MTU.
 */
export function encodeSetLink(sequence: number, selector: LinkSelector, change: LinkChange): Buffer {
  const writer = new NetlinkMessageWriter(RTM_NEWLINK, NLM_F_REQUEST | NLM_F_ACK, sequence);
  const flags = change.up === true ? IFF_UP : 0;
  const changeMask = change.up === undefined ? 0 : IFF_UP;
  writeSelector(writer, selector, flags, changeMask);
  if (change.address) {
    checkAddress(change.address);
    writer.attribute(IFLA_ADDRESS, change.address);
  }
  if (change.mtu !== undefined) writer.attributeU32(IFLA_MTU, change.mtu);
  if (change.master !== undefined) writer.attributeU32(IFLA_MASTER, change.master);
  return writer.finish();
}

/** RTM_DELLINK: delete a link. */
export function encodeDeleteLink(sequence: number, selector: LinkSelector): Buffer {
  const writer = new NetlinkMessageWriter(RTM_DELLINK, NLM_F_REQUEST | NLM_F_ACK, sequence);
  writeSelector(writer, selector);
  return writer.finish();
}

/** RTM_GETLINK for one link (answered by one RTM_NEWLINK, then the ack). */
export function encodeGetLink(sequence: number, selector: LinkSelector): Buffer {
  const writer = new NetlinkMessageWriter(RTM_GETLINK, NLM_F_REQUEST | NLM_F_ACK, sequence);
  writeSelector(writer, selector);
  return writer.finish();
}

/** RTM_GETLINK dump of every link (answered by RTM_NEWLINK messages, then NLMSG_DONE). */
export function encodeDumpLinks(sequence: number): Buffer {
  const writer = new NetlinkMessageWriter(RTM_GETLINK, NLM_F_REQUEST | NLM_F_DUMP, sequence);
  writeIfinfomsg(writer, 0, 0, 0);
  return writer.finish();
}

export interface LinkCounters {
  readonly rxPackets: number;
  readonly txPackets: number;
  readonly rxBytes: number;
  readonly txBytes: number;
  readonly rxDropped: number;
  readonly txDropped: number;
}

export interface LinkInfo {
  readonly index: number;
  readonly name: string;
  readonly flags: number;
  readonly up: boolean;
  /** "up", "down", "lowerlayerdown", ... (IFLA_OPERSTATE), or "unknown". */
  readonly operState: string;
  /** IFLA_CARRIER, or null when the kernel did not say. */
  readonly carrier: boolean | null;
  /** Master's ifindex, 0 when none. */
  readonly master: number;
  /** Lower-case aa:bb:cc:dd:ee:ff, or null for links without one. */
  readonly address: string | null;
  readonly mtu: number | null;
  /** IFLA_INFO_KIND ("team", "bond", "veth", ...), or null for a physical or kind-less link. */
  readonly kind: string | null;
  /** IFLA_INFO_SLAVE_KIND ("team", "bond") when the link is enslaved. */
  readonly slaveKind: string | null;
  readonly counters: LinkCounters | null;
}

export function formatAddress(bytes: Uint8Array): string {
  return Array.from(bytes, (byte) => byte.toString(16).padStart(2, "0")).join(":");
}

/** Decodes an RTM_NEWLINK message (a reply to RTM_GETLINK, or an event). */
export function decodeLink(message: NetlinkMessage): LinkInfo {
  if (message.type !== RTM_NEWLINK) throw new NetlinkDecodeError(`expected RTM_NEWLINK (${RTM_NEWLINK}), got message type ${message.type}`);
  if (message.payload.length < IFINFOMSG_LENGTH) throw new NetlinkDecodeError(`RTM_NEWLINK payload is ${message.payload.length} bytes, shorter than ifinfomsg`);
  const payload = message.payload;
  const index = payload.readInt32LE(4);
  const flags = payload.readUInt32LE(8);
  const attributes = attributesByType(payload.subarray(IFINFOMSG_LENGTH));
  const name = attributes.get(IFLA_IFNAME);
  const operState = attributes.get(IFLA_OPERSTATE);
  const carrier = attributes.get(IFLA_CARRIER);
  const master = attributes.get(IFLA_MASTER);
  const address = attributes.get(IFLA_ADDRESS);
  const mtu = attributes.get(IFLA_MTU);
  const stats = attributes.get(IFLA_STATS64);
  let kind: string | null = null;
  let slaveKind: string | null = null;
  const linkInfo = attributes.get(IFLA_LINKINFO);
  if (linkInfo) {
    const info = attributesByType(linkInfo);
    const kindPayload = info.get(IFLA_INFO_KIND);
    const slaveKindPayload = info.get(IFLA_INFO_SLAVE_KIND);
    if (kindPayload) kind = decodeString(kindPayload);
    if (slaveKindPayload) slaveKind = decodeString(slaveKindPayload);
  }
  return {
    index,
    name: name ? decodeString(name) : "",
    flags,
    up: (flags & IFF_UP) !== 0,
    operState: operState && operState.length > 0 ? (OPERSTATE_NAMES[operState[0]!] ?? "unknown") : "unknown",
    carrier: carrier && carrier.length > 0 ? carrier[0] !== 0 : null,
    master: master ? decodeU32(master, "IFLA_MASTER") : 0,
    address: address && address.length > 0 ? formatAddress(address) : null,
    mtu: mtu ? decodeU32(mtu, "IFLA_MTU") : null,
    kind,
    slaveKind,
    counters: stats
      ? {
          rxPackets: decodeU64(stats, STATS64_RX_PACKETS, "IFLA_STATS64"),
          txPackets: decodeU64(stats, STATS64_TX_PACKETS, "IFLA_STATS64"),
          rxBytes: decodeU64(stats, STATS64_RX_BYTES, "IFLA_STATS64"),
          txBytes: decodeU64(stats, STATS64_TX_BYTES, "IFLA_STATS64"),
          rxDropped: decodeU64(stats, STATS64_RX_DROPPED, "IFLA_STATS64"),
          txDropped: decodeU64(stats, STATS64_TX_DROPPED, "IFLA_STATS64"),
        }
      : null,
  };
}

/** "aa:bb:cc:dd:ee:ff" (or aa-bb-...) to 6 bytes. */
export function parseAddress(text: string): Uint8Array {
  const parts = text.trim().split(/[:-]/);
  if (parts.length !== 6 || parts.some((part) => !/^[0-9a-fA-F]{2}$/.test(part))) {
    throw new NetlinkEncodeError(`"${text}" is not a MAC address (expected aa:bb:cc:dd:ee:ff)`);
  }
  return Uint8Array.from(parts, (part) => parseInt(part, 16));
}
