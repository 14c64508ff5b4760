// A netlink socket over libc through koffi: open, one request at a time, close. Requests are synchronous and
// bounded by a receive timeout, so nothing hangs; every kernel refusal becomes a NetlinkError naming the errno
// and the operation. Replies are matched by sequence number; stray messages (other sequence numbers) are skipped.
import koffi from "koffi";
import {
  AF_NETLINK,
  NETLINK_CAP_ACK,
  NETLINK_EXT_ACK,
  NLMSG_DONE,
  NLMSG_ERROR,
  NLMSG_HEADER_LENGTH,
  NLMSG_NOOP,
  NLMSG_OVERRUN,
  NLMSGERR_ATTR_MSG,
  NLM_F_ACK_TLVS,
  NLM_F_CAPPED,
  NLM_F_MULTI,
  SOL_NETLINK,
} from "./constants";
import { NetlinkError } from "./errors";
import { alignNetlink, attributesByType, decodeString, splitMessages, type NetlinkMessage } from "./message";

const SOCK_RAW = 3;
const SOCK_CLOEXEC = 0x80000;
const SOL_SOCKET = 1;
const SO_RCVTIMEO = 20;
const SO_SNDBUF = 7;
const SO_RCVBUF = 8;
const EINTR = 4;
const EAGAIN = 11;
/** Big enough for any single datagram the kernel sends us (team option dumps come in page-sized parts). */
const RECEIVE_BUFFER_BYTES = 1 << 20;

interface Libc {
  socket(domain: number, type: number, protocol: number): number;
  bind(fd: number, address: Buffer, length: number): number;
  setsockopt(fd: number, level: number, name: number, value: Buffer, length: number): number;
  sendto(fd: number, data: Buffer, length: number, flags: number, address: Buffer, addressLength: number): number | bigint;
  recv(fd: number, buffer: Buffer, length: number, flags: number): number | bigint;
  close(fd: number): number;
}

let libc: Libc | null = null;

function loadLibc(): Libc {
  if (libc) return libc;
  const library = koffi.load("libc.so.6");
  libc = {
    socket: library.func("int socket(int domain, int type, int protocol)"),
    bind: library.func("int bind(int fd, const void *address, uint32_t length)"),
    setsockopt: library.func("int setsockopt(int fd, int level, int name, const void *value, uint32_t length)"),
    sendto: library.func("intptr_t sendto(int fd, const void *data, size_t length, int flags, const void *address, uint32_t addressLength)"),
    recv: library.func("intptr_t recv(int fd, void *buffer, size_t length, int flags)"),
    close: library.func("int close(int fd)"),
  };
  return libc;
}

/** struct sockaddr_nl { u16 nl_family; u16 nl_pad; u32 nl_pid; u32 nl_groups; } — all zero but the family: the kernel. */
function kernelAddress(): Buffer {
  const address = Buffer.alloc(12);
  address.writeUInt16LE(AF_NETLINK, 0);
  return address;
}

function intOption(value: number): Buffer {
  const buffer = Buffer.alloc(4);
  buffer.writeInt32LE(value);
  return buffer;
}

/** How a request ends. "ack": read until the NLMSG_ERROR acknowledgement. "dump": read until NLMSG_DONE. */
export type RequestEnd = "ack" | "dump";

export interface NetlinkSocketOptions {
  /** How long one request may wait for the kernel before failing with EAGAIN. Default 5000 ms. */
  readonly timeoutMs?: number;
}

export class NetlinkSocket {
  readonly protocol: number;
  #fd: number;
  #sequence: number;
  readonly #receiveBuffer = Buffer.alloc(RECEIVE_BUFFER_BYTES);
  readonly #address = kernelAddress();

  /** Opens an AF_NETLINK socket of `protocol` (NETLINK_ROUTE, NETLINK_GENERIC). */
  constructor(protocol: number, options: NetlinkSocketOptions = {}) {
    const c = loadLibc();
    this.protocol = protocol;
    const fd = c.socket(AF_NETLINK, SOCK_RAW | SOCK_CLOEXEC, protocol);
    if (fd < 0) throw new NetlinkError(`opening a netlink socket (protocol ${protocol})`, koffi.errno());
    this.#fd = fd;
    try {
      if (c.bind(fd, this.#address, this.#address.length) < 0) throw new NetlinkError("binding the netlink socket", koffi.errno());
      const timeoutMs = options.timeoutMs ?? 5000;
      const timeval = Buffer.alloc(16);
      timeval.writeBigInt64LE(BigInt(Math.floor(timeoutMs / 1000)), 0);
      timeval.writeBigInt64LE(BigInt((timeoutMs % 1000) * 1000), 8);
      if (c.setsockopt(fd, SOL_SOCKET, SO_RCVTIMEO, timeval, timeval.length) < 0) throw new NetlinkError("setting the netlink receive timeout", koffi.errno());
      // Best effort: a bigger buffer for dumps, the kernel's error text, and acks without our request echoed.
      c.setsockopt(fd, SOL_SOCKET, SO_RCVBUF, intOption(RECEIVE_BUFFER_BYTES), 4);
      c.setsockopt(fd, SOL_SOCKET, SO_SNDBUF, intOption(RECEIVE_BUFFER_BYTES), 4);
      c.setsockopt(fd, SOL_NETLINK, NETLINK_EXT_ACK, intOption(1), 4);
      c.setsockopt(fd, SOL_NETLINK, NETLINK_CAP_ACK, intOption(1), 4);
    } catch (error) {
      c.close(fd);
      throw error;
    }
    this.#sequence = (Date.now() & 0x3fffffff) >>> 0;
  }

  /** The sequence number the next request must carry. */
  nextSequence(): number {
    this.#sequence = (this.#sequence + 1) >>> 0 || 1;
    return this.#sequence;
  }

  get closed(): boolean {
    return this.#fd < 0;
  }

  /**
   * Sends one request (built with the sequence number from nextSequence()) and returns the data messages of
   * its answer. `operation` is what the caller is doing, in words; it heads every error message.
   */
  request(message: Buffer, operation: string, end: RequestEnd = "ack"): NetlinkMessage[] {
    if (this.#fd < 0) throw new NetlinkError(operation, 9 /* EBADF */, "the netlink socket is closed");
    const c = loadLibc();
    const sequence = message.readUInt32LE(8);
    const sent = Number(c.sendto(this.#fd, message, message.length, 0, this.#address, this.#address.length));
    if (sent < 0) throw new NetlinkError(operation, koffi.errno());
    if (sent !== message.length) throw new NetlinkError(operation, 5 /* EIO */, `sent ${sent} of ${message.length} bytes`);
    const answer: NetlinkMessage[] = [];
    for (;;) {
      const received = Number(c.recv(this.#fd, this.#receiveBuffer, this.#receiveBuffer.length, 0));
      if (received < 0) {
        const errno = koffi.errno();
        if (errno === EINTR) continue;
        throw new NetlinkError(operation, errno, errno === EAGAIN ? "no answer from the kernel within the timeout" : null);
      }
      for (const reply of splitMessages(this.#receiveBuffer.subarray(0, received))) {
        if (reply.sequence !== sequence) continue;
        if (reply.type === NLMSG_ERROR) {
          const { errno, kernelMessage } = decodeAcknowledgement(reply);
          if (errno !== 0) throw new NetlinkError(operation, errno, kernelMessage);
          return answer;
        }
        if (reply.type === NLMSG_DONE) {
          if (end === "dump") return answer;
          continue; // a multi-part answer to a non-dump request: its acknowledgement follows
        }
        if (reply.type === NLMSG_NOOP) continue;
        if (reply.type === NLMSG_OVERRUN) throw new NetlinkError(operation, 105 /* ENOBUFS */, "netlink overrun: messages were lost");
        answer.push({ ...reply, payload: Buffer.from(reply.payload) }); // the receive buffer is reused
        if (end === "dump" && (reply.flags & NLM_F_MULTI) === 0) return answer;
      }
    }
  }

  close(): void {
    if (this.#fd >= 0) {
      loadLibc().close(this.#fd);
      this.#fd = -1;
    }
  }
}

/**
 * struct nlmsgerr { int error; struct nlmsghdr msg; } followed by the request's payload unless NLM_F_CAPPED,
 * then extended-ack attributes when NLM_F_ACK_TLVS (include/uapi/linux/netlink.h).
 */
export function decodeAcknowledgement(message: NetlinkMessage): { errno: number; kernelMessage: string | null } {
  const payload = message.payload;
  if (payload.length < 4) return { errno: 5, kernelMessage: "truncated NLMSG_ERROR" };
  const errno = -payload.readInt32LE(0) || 0; // no negative zero for success
  let kernelMessage: string | null = null;
  if (message.flags & NLM_F_ACK_TLVS && payload.length >= 4 + NLMSG_HEADER_LENGTH) {
    const echoedLength = message.flags & NLM_F_CAPPED ? NLMSG_HEADER_LENGTH : payload.readUInt32LE(4);
    const tlvOffset = 4 + alignNetlink(echoedLength);
    if (tlvOffset < payload.length) {
      const text = attributesByType(payload.subarray(tlvOffset)).get(NLMSGERR_ATTR_MSG);
      if (text) kernelMessage = decodeString(text);
    }
  }
  return { errno, kernelMessage };
}
