// The team driver's generic netlink messages (include/uapi/linux/if_team.h): TEAM_CMD_OPTIONS_SET,
// TEAM_CMD_OPTIONS_GET and TEAM_CMD_PORT_LIST_GET, with the nested layout
//   [TEAM_ATTR_TEAM_IFINDEX] [TEAM_ATTR_LIST_OPTION [TEAM_ATTR_ITEM_OPTION [TEAM_ATTR_OPTION_*]...]...]
//   [TEAM_ATTR_LIST_PORT [TEAM_ATTR_ITEM_PORT [TEAM_ATTR_PORT_*]...]...]
// How the kernel reads an item (drivers/net/team/team_core.c, team_nl_cmd_options_set): NAME and TYPE are
// required; DATA is required except for a flag, whose value is DATA's presence; PORT_IFINDEX selects a per-port
// option instance and ARRAY_INDEX an array element. Strings must be NUL-terminated and at most
// TEAM_STRING_MAX_LEN bytes.
import {
  TEAM_ATTR_ITEM_OPTION,
  TEAM_ATTR_ITEM_PORT,
  TEAM_ATTR_LIST_OPTION,
  TEAM_ATTR_LIST_PORT,
  TEAM_ATTR_OPTION_ARRAY_INDEX,
  TEAM_ATTR_OPTION_CHANGED,
  TEAM_ATTR_OPTION_DATA,
  TEAM_ATTR_OPTION_NAME,
  TEAM_ATTR_OPTION_PORT_IFINDEX,
  TEAM_ATTR_OPTION_REMOVED,
  TEAM_ATTR_OPTION_TYPE,
  TEAM_ATTR_PORT_CHANGED,
  TEAM_ATTR_PORT_DUPLEX,
  TEAM_ATTR_PORT_IFINDEX,
  TEAM_ATTR_PORT_LINKUP,
  TEAM_ATTR_PORT_REMOVED,
  TEAM_ATTR_PORT_SPEED,
  TEAM_ATTR_TEAM_IFINDEX,
  TEAM_CMD_OPTIONS_GET,
  TEAM_CMD_OPTIONS_SET,
  TEAM_CMD_PORT_LIST_GET,
  TEAM_GENL_VERSION,
  TEAM_OPTION_TYPE_BINARY,
  TEAM_OPTION_TYPE_FLAG,
  TEAM_OPTION_TYPE_S32,
  TEAM_OPTION_TYPE_STRING,
  TEAM_OPTION_TYPE_U32,
  TEAM_STRING_MAX_LEN,
} from "./constants";
import { beginGenericRequest, decodeGenericMessage } from "./genetlink";
import { NetlinkDecodeError, NetlinkEncodeError, attributesByType, decodeString, decodeU32, parseAttributes, type NetlinkMessage } from "./message";

export type TeamOptionValue =
  | { readonly type: "u32"; readonly value: number }
  | { readonly type: "s32"; readonly value: number }
  | { readonly type: "string"; readonly value: string }
  | { readonly type: "binary"; readonly value: Uint8Array }
  | { readonly type: "flag"; readonly value: boolean };

export interface TeamOptionItem {
  readonly name: string;
  /** For per-port options ("enabled", "lb_port_stats"): the port's ifindex. */
  readonly portIfindex?: number;
  /** For array options ("lb_tx_hash_to_port_mapping", "lb_hash_stats"): the element. */
  readonly arrayIndex?: number;
  readonly value: TeamOptionValue;
}

export interface ReceivedTeamOption extends TeamOptionItem {
  readonly changed: boolean;
  readonly removed: boolean;
}

function optionTypeNumber(value: TeamOptionValue): number {
  switch (value.type) {
    case "u32":
      return TEAM_OPTION_TYPE_U32;
    case "s32":
      return TEAM_OPTION_TYPE_S32;
    case "string":
      return TEAM_OPTION_TYPE_STRING;
    case "binary":
      return TEAM_OPTION_TYPE_BINARY;
    case "flag":
      return TEAM_OPTION_TYPE_FLAG;
  }
}

function checkItem(item: TeamOptionItem): void {
  const nameBytes = Buffer.byteLength(item.name);
  if (nameBytes === 0 || nameBytes >= TEAM_STRING_MAX_LEN) throw new NetlinkEncodeError(`team option name "${item.name}" must be 1 to ${TEAM_STRING_MAX_LEN - 1} bytes`);
  if (item.value.type === "string" && Buffer.byteLength(item.value.value) >= TEAM_STRING_MAX_LEN) {
    throw new NetlinkEncodeError(`team option ${item.name}: string "${item.value.value}" must be under ${TEAM_STRING_MAX_LEN} bytes`);
  }
  if ((item.value.type === "u32" || item.value.type === "s32") && !Number.isInteger(item.value.value)) {
    throw new NetlinkEncodeError(`team option ${item.name}: ${item.value.value} is not an integer`);
  }
}

/** TEAM_CMD_OPTIONS_SET with one item per option instance, in the given order. */
export function encodeTeamOptionsSet(familyId: number, sequence: number, teamIfindex: number, items: readonly TeamOptionItem[]): Buffer {
  if (items.length === 0) throw new NetlinkEncodeError("TEAM_CMD_OPTIONS_SET needs at least one option");
  const writer = beginGenericRequest(familyId, TEAM_CMD_OPTIONS_SET, TEAM_GENL_VERSION, sequence);
  writer.attributeU32(TEAM_ATTR_TEAM_IFINDEX, teamIfindex);
  writer.beginNested(TEAM_ATTR_LIST_OPTION);
  for (const item of items) {
    checkItem(item);
    writer.beginNested(TEAM_ATTR_ITEM_OPTION);
    writer.attributeString(TEAM_ATTR_OPTION_NAME, item.name);
    writer.attributeU8(TEAM_ATTR_OPTION_TYPE, optionTypeNumber(item.value));
    switch (item.value.type) {
      case "u32":
        writer.attributeU32(TEAM_ATTR_OPTION_DATA, item.value.value);
        break;
      case "s32":
        writer.attributeS32(TEAM_ATTR_OPTION_DATA, item.value.value);
        break;
      case "string":
        writer.attributeString(TEAM_ATTR_OPTION_DATA, item.value.value);
        break;
      case "binary":
        writer.attribute(TEAM_ATTR_OPTION_DATA, item.value.value);
        break;
      case "flag":
        if (item.value.value) writer.attributeFlag(TEAM_ATTR_OPTION_DATA);
        break;
    }
    if (item.portIfindex !== undefined) writer.attributeU32(TEAM_ATTR_OPTION_PORT_IFINDEX, item.portIfindex);
    if (item.arrayIndex !== undefined) writer.attributeU32(TEAM_ATTR_OPTION_ARRAY_INDEX, item.arrayIndex);
    writer.endNested();
  }
  writer.endNested();
  return writer.finish();
}

/** TEAM_CMD_OPTIONS_GET: the kernel answers with every option instance, in one or more NLM_F_MULTI messages. */
export function encodeTeamOptionsGet(familyId: number, sequence: number, teamIfindex: number): Buffer {
  return beginGenericRequest(familyId, TEAM_CMD_OPTIONS_GET, TEAM_GENL_VERSION, sequence)
    .attributeU32(TEAM_ATTR_TEAM_IFINDEX, teamIfindex)
    .finish();
}

/** TEAM_CMD_PORT_LIST_GET: the kernel answers with every port. */
export function encodeTeamPortListGet(familyId: number, sequence: number, teamIfindex: number): Buffer {
  return beginGenericRequest(familyId, TEAM_CMD_PORT_LIST_GET, TEAM_GENL_VERSION, sequence)
    .attributeU32(TEAM_ATTR_TEAM_IFINDEX, teamIfindex)
    .finish();
}

function decodeOptionValue(typeNumber: number, data: Buffer | undefined, name: string): TeamOptionValue {
  switch (typeNumber) {
    case TEAM_OPTION_TYPE_U32:
      return { type: "u32", value: decodeU32(requireData(data, name), `team option ${name}`) };
    case TEAM_OPTION_TYPE_S32: {
      const payload = requireData(data, name);
      if (payload.length < 4) throw new NetlinkDecodeError(`team option ${name}: s32 needs 4 bytes`);
      return { type: "s32", value: payload.readInt32LE(0) };
    }
    case TEAM_OPTION_TYPE_STRING:
      return { type: "string", value: decodeString(requireData(data, name)) };
    case TEAM_OPTION_TYPE_BINARY:
      return { type: "binary", value: Uint8Array.from(data ?? []) };
    case TEAM_OPTION_TYPE_FLAG:
      return { type: "flag", value: data !== undefined };
    default:
      throw new NetlinkDecodeError(`team option ${name}: unknown TEAM_ATTR_OPTION_TYPE ${typeNumber}`);
  }
}

function requireData(data: Buffer | undefined, name: string): Buffer {
  if (!data) throw new NetlinkDecodeError(`team option ${name} has no TEAM_ATTR_OPTION_DATA`);
  return data;
}

/** Decodes the option items of one TEAM_CMD_OPTIONS_GET reply message (or a change_event). */
export function decodeTeamOptions(message: NetlinkMessage): ReceivedTeamOption[] {
  const generic = decodeGenericMessage(message);
  const options: ReceivedTeamOption[] = [];
  for (const attribute of parseAttributes(generic.attributes)) {
    if (attribute.type !== TEAM_ATTR_LIST_OPTION) continue;
    for (const item of parseAttributes(attribute.payload)) {
      if (item.type !== TEAM_ATTR_ITEM_OPTION) continue;
      const fields = attributesByType(item.payload);
      const namePayload = fields.get(TEAM_ATTR_OPTION_NAME);
      const typePayload = fields.get(TEAM_ATTR_OPTION_TYPE);
      if (!namePayload || !typePayload || typePayload.length < 1) throw new NetlinkDecodeError("team option item lacks TEAM_ATTR_OPTION_NAME or TEAM_ATTR_OPTION_TYPE");
      const name = decodeString(namePayload);
      const portIfindex = fields.get(TEAM_ATTR_OPTION_PORT_IFINDEX);
      const arrayIndex = fields.get(TEAM_ATTR_OPTION_ARRAY_INDEX);
      options.push({
        name,
        ...(portIfindex ? { portIfindex: decodeU32(portIfindex, "TEAM_ATTR_OPTION_PORT_IFINDEX") } : {}),
        ...(arrayIndex ? { arrayIndex: decodeU32(arrayIndex, "TEAM_ATTR_OPTION_ARRAY_INDEX") } : {}),
        value: decodeOptionValue(typePayload[0]!, fields.get(TEAM_ATTR_OPTION_DATA), name),
        changed: fields.has(TEAM_ATTR_OPTION_CHANGED),
        removed: fields.has(TEAM_ATTR_OPTION_REMOVED),
      });
    }
  }
  return options;
}

export interface TeamPort {
  readonly ifindex: number;
  readonly linkUp: boolean;
  /** Mbit/s as the port's driver reports it (0 when unknown). */
  readonly speed: number;
  /** 0 half, 1 full (as ethtool's DUPLEX_*). */
  readonly duplex: number;
  readonly changed: boolean;
  readonly removed: boolean;
}

export function decodeTeamPorts(message: NetlinkMessage): TeamPort[] {
  const generic = decodeGenericMessage(message);
  const ports: TeamPort[] = [];
  for (const attribute of parseAttributes(generic.attributes)) {
    if (attribute.type !== TEAM_ATTR_LIST_PORT) continue;
    for (const item of parseAttributes(attribute.payload)) {
      if (item.type !== TEAM_ATTR_ITEM_PORT) continue;
      const fields = attributesByType(item.payload);
      const ifindex = fields.get(TEAM_ATTR_PORT_IFINDEX);
      if (!ifindex) throw new NetlinkDecodeError("team port item lacks TEAM_ATTR_PORT_IFINDEX");
      const speed = fields.get(TEAM_ATTR_PORT_SPEED);
      const duplex = fields.get(TEAM_ATTR_PORT_DUPLEX);
      ports.push({
        ifindex: decodeU32(ifindex, "TEAM_ATTR_PORT_IFINDEX"),
        linkUp: fields.has(TEAM_ATTR_PORT_LINKUP),
        speed: speed ? decodeU32(speed, "TEAM_ATTR_PORT_SPEED") : 0,
        duplex: duplex && duplex.length > 0 ? duplex[0]! : 0,
        changed: fields.has(TEAM_ATTR_PORT_CHANGED),
        removed: fields.has(TEAM_ATTR_PORT_REMOVED),
      });
    }
  }
  return ports;
}
