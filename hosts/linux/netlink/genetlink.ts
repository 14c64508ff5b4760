// Generic netlink framing (include/uapi/linux/genetlink.h): nlmsghdr + struct genlmsghdr {cmd, version, reserved},
// and the controller's CTRL_CMD_GETFAMILY that turns a family name ("team") into its dynamic message type.
import {
  CTRL_ATTR_FAMILY_ID,
  CTRL_ATTR_FAMILY_NAME,
  CTRL_ATTR_MCAST_GROUPS,
  CTRL_ATTR_MCAST_GRP_ID,
  CTRL_ATTR_MCAST_GRP_NAME,
  CTRL_ATTR_VERSION,
  CTRL_CMD_GETFAMILY,
  CTRL_VERSION,
  GENL_HEADER_LENGTH,
  GENL_ID_CTRL,
  NLM_F_ACK,
  NLM_F_REQUEST,
} from "./constants";
import { NetlinkDecodeError, NetlinkMessageWriter, attributesByType, decodeString, decodeU32, parseAttributes, type NetlinkMessage } from "./message";

/** Starts a generic netlink request: header plus genlmsghdr; the caller adds attributes and calls finish(). */
export function beginGenericRequest(familyId: number, command: number, version: number, sequence: number, flags = NLM_F_REQUEST | NLM_F_ACK): NetlinkMessageWriter {
  return new NetlinkMessageWriter(familyId, flags, sequence).u8(command).u8(version).u16(0);
}

export interface GenericMessage {
  readonly familyId: number;
  readonly command: number;
  readonly version: number;
  /** Attributes after the genlmsghdr. */
  readonly attributes: Buffer;
}

export function decodeGenericMessage(message: NetlinkMessage): GenericMessage {
  if (message.payload.length < GENL_HEADER_LENGTH) throw new NetlinkDecodeError(`generic netlink payload is ${message.payload.length} bytes, shorter than genlmsghdr`);
  return {
    familyId: message.type,
    command: message.payload[0]!,
    version: message.payload[1]!,
    attributes: message.payload.subarray(GENL_HEADER_LENGTH),
  };
}

/** CTRL_CMD_GETFAMILY for one family by name. */
export function encodeGetFamily(sequence: number, familyName: string): Buffer {
  return beginGenericRequest(GENL_ID_CTRL, CTRL_CMD_GETFAMILY, CTRL_VERSION, sequence)
    .attributeString(CTRL_ATTR_FAMILY_NAME, familyName)
    .finish();
}

export interface GenericFamily {
  readonly id: number;
  readonly name: string;
  readonly version: number;
  /** Multicast group name to group id (the team family has "change_event"). */
  readonly multicastGroups: ReadonlyMap<string, number>;
}

export function decodeFamily(message: NetlinkMessage): GenericFamily {
  const generic = decodeGenericMessage(message);
  const attributes = attributesByType(generic.attributes);
  const id = attributes.get(CTRL_ATTR_FAMILY_ID);
  const name = attributes.get(CTRL_ATTR_FAMILY_NAME);
  if (!id || id.length < 2 || !name) throw new NetlinkDecodeError("CTRL_CMD_NEWFAMILY reply lacks CTRL_ATTR_FAMILY_ID or CTRL_ATTR_FAMILY_NAME");
  const version = attributes.get(CTRL_ATTR_VERSION);
  const multicastGroups = new Map<string, number>();
  const groups = attributes.get(CTRL_ATTR_MCAST_GROUPS);
  if (groups) {
    for (const group of parseAttributes(groups)) {
      const groupAttributes = attributesByType(group.payload);
      const groupName = groupAttributes.get(CTRL_ATTR_MCAST_GRP_NAME);
      const groupId = groupAttributes.get(CTRL_ATTR_MCAST_GRP_ID);
      if (groupName && groupId) multicastGroups.set(decodeString(groupName), decodeU32(groupId, "CTRL_ATTR_MCAST_GRP_ID"));
    }
  }
  return {
    id: id.readUInt16LE(0),
    name: decodeString(name),
    version: version ? decodeU32(version, "CTRL_ATTR_VERSION") : 0,
    multicastGroups,
  };
}
