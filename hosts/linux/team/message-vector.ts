// Batched socket I/O for the userspace backend's read loops: sendmmsg(2) / recvmmsg(2) move many frames per
// system call. On this kind of machine a system call costs well over a microsecond while a koffi crossing costs
// tens of nanoseconds, so the number of system calls per frame is what limits throughput.
// Layouts are the 64-bit Linux ABI (x86_64, aarch64; linux/socket.h, bits/uio.h):
//   struct iovec   { void *iov_base; size_t iov_len; }                                    16 bytes
//   struct msghdr  { void *msg_name; socklen_t msg_namelen; struct iovec *msg_iov; size_t msg_iovlen;
//                    void *msg_control; size_t msg_controllen; int msg_flags; }            56 bytes
//   struct mmsghdr { struct msghdr msg_hdr; unsigned int msg_len; }                       64 bytes
import koffi from "koffi";

const IOVEC_BYTES = 16;
const MMSGHDR_BYTES = 64;
const MSGHDR_IOV_OFFSET = 16;
const MSGHDR_IOVLEN_OFFSET = 24;
const MSGHDR_FLAGS_OFFSET = 48;
const MMSGHDR_LENGTH_OFFSET = 56;
export const MSG_DONTWAIT = 0x40;
export const MSG_TRUNC = 0x20;

const libc = koffi.load("libc.so.6");
const sysSendmmsg = libc.func("int sendmmsg(int fd, void *vector, unsigned int count, int flags)");
const sysRecvmmsg = libc.func("int recvmmsg(int fd, void *vector, unsigned int count, int flags, void *timeout)");

/** `count` frame buffers of `frameBytes` each in one block of memory that never moves, with their addresses. */
export class FramePool {
  readonly frames: readonly Buffer[];
  readonly frameBytes: number;
  /** Address of each frame, split in 32-bit halves so that pointing a message at it allocates nothing. */
  readonly #addressLow: Uint32Array;
  readonly #addressHigh: Uint32Array;

  constructor(count: number, frameBytes: number) {
    const block = Buffer.alloc(count * frameBytes);
    const base = koffi.address(block);
    this.frameBytes = frameBytes;
    this.frames = Array.from({ length: count }, (_, index) => block.subarray(index * frameBytes, (index + 1) * frameBytes));
    this.#addressLow = new Uint32Array(count);
    this.#addressHigh = new Uint32Array(count);
    for (let index = 0; index < count; index++) {
      const address = base + BigInt(index * frameBytes);
      this.#addressLow[index] = Number(address & 0xffffffffn);
      this.#addressHigh[index] = Number(address >> 32n);
    }
  }

  addressLow(index: number): number {
    return this.#addressLow[index]!;
  }

  addressHigh(index: number): number {
    return this.#addressHigh[index]!;
  }
}

/** A vector of `capacity` messages of one buffer each, for sendmmsg and recvmmsg; made once, reused per batch. */
export class MessageVector {
  readonly capacity: number;
  readonly #messages: Buffer;
  readonly #messageWords: Uint32Array;
  readonly #iovecWords: Uint32Array;
  /** The iovecs the messages point at; held here so the block lives as long as the messages. */
  readonly iovecBlock: Buffer;

  constructor(capacity: number) {
    this.capacity = capacity;
    this.#messages = Buffer.alloc(capacity * MMSGHDR_BYTES);
    const iovecs = Buffer.alloc(capacity * IOVEC_BYTES);
    const iovecBase = koffi.address(iovecs);
    for (let entry = 0; entry < capacity; entry++) {
      this.#messages.writeBigUInt64LE(iovecBase + BigInt(entry * IOVEC_BYTES), entry * MMSGHDR_BYTES + MSGHDR_IOV_OFFSET);
      this.#messages.writeBigUInt64LE(1n, entry * MMSGHDR_BYTES + MSGHDR_IOVLEN_OFFSET);
    }
    this.iovecBlock = iovecs;
    this.#messageWords = new Uint32Array(this.#messages.buffer, this.#messages.byteOffset, this.#messages.length / 4);
    this.#iovecWords = new Uint32Array(iovecs.buffer, iovecs.byteOffset, iovecs.length / 4);
  }

  /** Message `entry` carries frame `frameIndex` of `pool`, `length` bytes (to send, or room to receive into). */
  point(entry: number, pool: FramePool, frameIndex: number, length: number): void {
    const words = entry * (IOVEC_BYTES / 4);
    this.#iovecWords[words] = pool.addressLow(frameIndex);
    this.#iovecWords[words + 1] = pool.addressHigh(frameIndex);
    this.#iovecWords[words + 2] = length;
    this.#iovecWords[words + 3] = 0;
  }

  /** Bytes received into message `entry` by the last receiveFrom. */
  receivedLength(entry: number): number {
    return this.#messageWords[(entry * MMSGHDR_BYTES + MMSGHDR_LENGTH_OFFSET) / 4]!;
  }

  /** Whether message `entry` was cut short by the last receiveFrom (frame larger than its buffer). */
  truncated(entry: number): boolean {
    return (this.#messageWords[(entry * MMSGHDR_BYTES + MSGHDR_FLAGS_OFFSET) / 4]! & MSG_TRUNC) !== 0;
  }

  /** sendmmsg of messages first .. first+count-1 without blocking: how many were sent, or -errno if none was. */
  sendTo(fd: number, first: number, count: number): number {
    const vector = first === 0 ? this.#messages : this.#messages.subarray(first * MMSGHDR_BYTES);
    const sent = sysSendmmsg(fd, vector, count, MSG_DONTWAIT) as number;
    return sent >= 0 ? sent : -koffi.errno();
  }

  /** recvmmsg into the first `count` messages without blocking: how many arrived, or -errno if none did. */
  receiveFrom(fd: number, count: number): number {
    const received = sysRecvmmsg(fd, this.#messages, count, MSG_DONTWAIT, null) as number;
    return received >= 0 ? received : -koffi.errno();
  }
}
