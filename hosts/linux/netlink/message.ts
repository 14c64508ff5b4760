// Netlink message framing: a writer that builds one message (nlmsghdr, a fixed family header, attributes and
// nested attributes, all 4-byte aligned) and readers that split a datagram into messages and a payload into
// attributes. Layout per include/uapi/linux/netlink.h (struct nlmsghdr, struct nlattr, NLMSG_ALIGN, NLA_ALIGN).
import {
  NETLINK_ALIGNMENT,
  NLA_F_NESTED,
  NLA_HEADER_LENGTH,
  NLA_TYPE_MASK,
  NLMSG_HEADER_LENGTH,
} from "./constants";

export function alignNetlink(length: number): number {
  return (length + NETLINK_ALIGNMENT - 1) & ~(NETLINK_ALIGNMENT - 1);
}

export class NetlinkEncodeError extends Error {
  constructor(message: string) {
    super(message);
    this.name = "NetlinkEncodeError";
  }
}

/**
 * Builds one netlink message. Usage: `new NetlinkMessageWriter(type, flags, seq)`, then the family header
 * (`u8`/`u16`/`u32`/`bytes`), then attributes, then `finish()` which fills in nlmsg_len and returns the bytes.
 */
export class NetlinkMessageWriter {
  #buffer: Buffer;
  #length = NLMSG_HEADER_LENGTH;
  readonly #openNests: number[] = [];

  constructor(type: number, flags: number, sequence: number, portId = 0) {
    this.#buffer = Buffer.alloc(256);
    // struct nlmsghdr { u32 nlmsg_len; u16 nlmsg_type; u16 nlmsg_flags; u32 nlmsg_seq; u32 nlmsg_pid; }
    this.#buffer.writeUInt16LE(type, 4);
    this.#buffer.writeUInt16LE(flags, 6);
    this.#buffer.writeUInt32LE(sequence >>> 0, 8);
    this.#buffer.writeUInt32LE(portId >>> 0, 12);
  }

  #reserve(extra: number): number {
    const offset = this.#length;
    const needed = offset + extra;
    if (needed > this.#buffer.length) {
      const grown = Buffer.alloc(Math.max(needed, this.#buffer.length * 2));
      this.#buffer.copy(grown, 0, 0, this.#length);
      this.#buffer = grown;
    }
    this.#length = needed;
    return offset;
  }

  /** Pads with zeros to the next 4-byte boundary. */
  #pad(): void {
    const padded = alignNetlink(this.#length);
    if (padded > this.#length) this.#reserve(padded - this.#length);
  }

  u8(value: number): this {
    this.#buffer.writeUInt8(value, this.#reserve(1));
    return this;
  }

  u16(value: number): this {
    this.#buffer.writeUInt16LE(value, this.#reserve(2));
    return this;
  }

  u32(value: number): this {
    this.#buffer.writeUInt32LE(value >>> 0, this.#reserve(4));
    return this;
  }

  s32(value: number): this {
    this.#buffer.writeInt32LE(value | 0, this.#reserve(4));
    return this;
  }

  bytes(data: Uint8Array): this {
    const offset = this.#reserve(data.length);
    this.#buffer.set(data, offset);
    return this;
  }

  /** An attribute with raw payload; the payload is padded to 4 bytes (the padding is not counted in nla_len). */
  attribute(type: number, payload: Uint8Array): this {
    this.#pad();
    const length = NLA_HEADER_LENGTH + payload.length;
    if (length > 0xffff) throw new NetlinkEncodeError(`attribute ${type} is ${length} bytes; nla_len is 16 bits`);
    const offset = this.#reserve(length);
    this.#buffer.writeUInt16LE(length, offset);
    this.#buffer.writeUInt16LE(type, offset + 2);
    this.#buffer.set(payload, offset + NLA_HEADER_LENGTH);
    this.#pad();
    return this;
  }

  attributeU8(type: number, value: number): this {
    return this.attribute(type, Uint8Array.of(value & 0xff));
  }

  attributeU16(type: number, value: number): this {
    const payload = Buffer.alloc(2);
    payload.writeUInt16LE(value);
    return this.attribute(type, payload);
  }

  attributeU32(type: number, value: number): this {
    const payload = Buffer.alloc(4);
    payload.writeUInt32LE(value >>> 0);
    return this.attribute(type, payload);
  }

  attributeS32(type: number, value: number): this {
    const payload = Buffer.alloc(4);
    payload.writeInt32LE(value | 0);
    return this.attribute(type, payload);
  }

  /** A NUL-terminated string (what the kernel's nla_put_string writes and NLA_STRING policies accept). */
  attributeString(type: number, value: string): this {
    return this.attribute(type, Buffer.from(`${value}\0`, "utf8"));
  }

  /** A flag: present means true; it has no payload. */
  attributeFlag(type: number): this {
    return this.attribute(type, new Uint8Array(0));
  }

  /** Opens a nested attribute (NLA_F_NESTED set); close it with endNested(). */
  beginNested(type: number): this {
    this.#pad();
    const offset = this.#reserve(NLA_HEADER_LENGTH);
    this.#buffer.writeUInt16LE(type | NLA_F_NESTED, offset + 2);
    this.#openNests.push(offset);
    return this;
  }

  endNested(): this {
    const offset = this.#openNests.pop();
    if (offset === undefined) throw new NetlinkEncodeError("endNested() without a matching beginNested()");
    const length = this.#length - offset;
    if (length > 0xffff) throw new NetlinkEncodeError(`nested attribute is ${length} bytes; nla_len is 16 bits`);
    this.#buffer.writeUInt16LE(length, offset);
    return this;
  }

  finish(): Buffer {
    if (this.#openNests.length > 0) throw new NetlinkEncodeError(`${this.#openNests.length} nested attribute(s) left open`);
    this.#pad();
    this.#buffer.writeUInt32LE(this.#length, 0);
    return Buffer.from(this.#buffer.subarray(0, this.#length));
  }
}

export interface NetlinkMessage {
  readonly length: number;
  readonly type: number;
  readonly flags: number;
  readonly sequence: number;
  readonly portId: number;
  /** Everything after the 16-byte header, up to nlmsg_len. */
  readonly payload: Buffer;
}

export class NetlinkDecodeError extends Error {
  constructor(message: string) {
    super(message);
    this.name = "NetlinkDecodeError";
  }
}

/** Splits one received datagram into its messages (NLMSG_OK / NLMSG_NEXT). */
export function splitMessages(datagram: Buffer): NetlinkMessage[] {
  const messages: NetlinkMessage[] = [];
  let offset = 0;
  while (offset + NLMSG_HEADER_LENGTH <= datagram.length) {
    const length = datagram.readUInt32LE(offset);
    if (length < NLMSG_HEADER_LENGTH || offset + length > datagram.length) {
      throw new NetlinkDecodeError(`message at byte ${offset} claims ${length} bytes; ${datagram.length - offset} remain`);
    }
    messages.push({
      length,
      type: datagram.readUInt16LE(offset + 4),
      flags: datagram.readUInt16LE(offset + 6),
      sequence: datagram.readUInt32LE(offset + 8),
      portId: datagram.readUInt32LE(offset + 12),
      payload: datagram.subarray(offset + NLMSG_HEADER_LENGTH, offset + length),
    });
    offset += alignNetlink(length);
  }
  return messages;
}

export interface NetlinkAttribute {
  /** nla_type with NLA_F_NESTED and NLA_F_NET_BYTEORDER stripped. */
  readonly type: number;
  readonly nested: boolean;
  readonly payload: Buffer;
}

/** Splits a run of attributes (nla_for_each_attr). Stops quietly at trailing padding, throws on a bad length. */
export function parseAttributes(data: Buffer): NetlinkAttribute[] {
  const attributes: NetlinkAttribute[] = [];
  let offset = 0;
  while (offset + NLA_HEADER_LENGTH <= data.length) {
    const length = data.readUInt16LE(offset);
    const rawType = data.readUInt16LE(offset + 2);
    if (length < NLA_HEADER_LENGTH || offset + length > data.length) {
      throw new NetlinkDecodeError(`attribute at byte ${offset} claims ${length} bytes; ${data.length - offset} remain`);
    }
    attributes.push({
      type: rawType & NLA_TYPE_MASK,
      nested: (rawType & NLA_F_NESTED) !== 0,
      payload: data.subarray(offset + NLA_HEADER_LENGTH, offset + length),
    });
    offset += alignNetlink(length);
  }
  return attributes;
}

/** Last attribute of each type (the kernel's nla_parse keeps the last one too). */
export function attributesByType(data: Buffer): Map<number, Buffer> {
  const byType = new Map<number, Buffer>();
  for (const attribute of parseAttributes(data)) byType.set(attribute.type, attribute.payload);
  return byType;
}

/** A string attribute without its terminating NUL (and anything after it). */
export function decodeString(payload: Buffer): string {
  const end = payload.indexOf(0);
  return payload.toString("utf8", 0, end < 0 ? payload.length : end);
}

export function decodeU32(payload: Buffer, what: string): number {
  if (payload.length < 4) throw new NetlinkDecodeError(`${what}: expected 4 bytes, got ${payload.length}`);
  return payload.readUInt32LE(0);
}

/** u64 as a number: exact up to 2^53, which byte and frame counters stay below for centuries. */
export function decodeU64(payload: Buffer, offset: number, what: string): number {
  if (payload.length < offset + 8) throw new NetlinkDecodeError(`${what}: expected 8 bytes at ${offset}, got ${payload.length - offset}`);
  return payload.readUInt32LE(offset) + payload.readUInt32LE(offset + 4) * 0x100000000;
}
