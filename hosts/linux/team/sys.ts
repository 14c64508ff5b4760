// The few Linux system calls the userspace backend needs, through koffi (FFI; its binary ships in the npm
// package). Loaded separately in every worker thread. Numbers come from the kernel's UAPI headers:
// linux/if_tun.h, linux/if_packet.h, linux/if_ether.h, linux/socket.h, bits/poll.h, sched.h.
import koffi from "koffi";
import { TeamError } from "./errors";

export const O_RDONLY = 0;
export const O_RDWR = 2;
export const O_NONBLOCK = 0o4000;
export const O_CLOEXEC = 0o2000000;
export const TUNSETIFF = 0x400454ca;
export const IFF_TAP = 0x0002;
export const IFF_NO_PI = 0x1000;
export const AF_PACKET = 17;
export const SOCK_RAW = 3;
export const SOCK_NONBLOCK = 0o4000;
export const SOCK_CLOEXEC = 0o2000000;
export const ETH_P_ALL = 0x0003;
export const ETH_P_ARP = 0x0806;
export const SOL_SOCKET = 1;
export const SO_ATTACH_FILTER = 26;
export const SO_SNDBUF = 7;
export const SO_RCVBUF = 8;
export const SOL_PACKET = 263;
export const PACKET_IGNORE_OUTGOING = 23;
export const POLLIN = 0x001;
export const CLONE_NEWNET = 0x40000000;
export const EAGAIN = 11;
export const EINTR = 4;
export const ENOBUFS = 105;
export const ENETDOWN = 100;
const IFREQ_SIZE = 40;
const SOCKADDR_LL_SIZE = 20;

const libc = koffi.load("libc.so.6");
const sysOpen = libc.func("int open(const char *path, int flags, int mode)");
const sysIoctl = libc.func("int ioctl(int fd, unsigned long request, void *argument)");
const sysSocket = libc.func("int socket(int domain, int type, int protocol)");
const sysBind = libc.func("int bind(int fd, void *address, uint32_t length)");
const sysSetsockopt = libc.func("int setsockopt(int fd, int level, int name, void *value, uint32_t length)");
const sysRead = libc.func("long read(int fd, void *buffer, unsigned long count)");
const sysWrite = libc.func("long write(int fd, void *buffer, unsigned long count)");
const sysClose = libc.func("int close(int fd)");
const sysPoll = libc.func("int poll(void *fds, unsigned long count, int timeoutMs)");
const sysSetns = libc.func("int setns(int fd, int type)");
const sysIfNameToIndex = libc.func("uint32_t if_nametoindex(const char *name)");
const sysStrerror = libc.func("const char *strerror(int errno)");

export function errno(): number {
  return koffi.errno();
}

function fail(what: string): never {
  const code = koffi.errno();
  throw new TeamError("kernel", what, `${sysStrerror(code) as string} (errno ${code})`);
}

/** htons for the 16-bit protocol numbers AF_PACKET takes in network order. */
export function networkOrder16(value: number): number {
  return ((value & 0xff) << 8) | ((value >> 8) & 0xff);
}

export function closeFd(fd: number): void {
  if (fd >= 0) sysClose(fd);
}

/** read(2); returns the byte count, or -errno (so hot loops need no exception). */
export function readFd(fd: number, buffer: Buffer, length: number): number {
  const result = Number(sysRead(fd, buffer, length));
  return result >= 0 ? result : -koffi.errno();
}

/** write(2); returns the byte count, or -errno. */
export function writeFd(fd: number, buffer: Buffer, length: number): number {
  const result = Number(sysWrite(fd, buffer, length));
  return result >= 0 ? result : -koffi.errno();
}

/** Waits until fd is readable or the timeout passes; a pollfd buffer (8 bytes) is passed in to avoid allocation. */
export function waitReadable(pollBuffer: Buffer, fd: number, timeoutMs: number): boolean {
  pollBuffer.writeInt32LE(fd, 0);
  pollBuffer.writeInt16LE(POLLIN, 4);
  pollBuffer.writeInt16LE(0, 6);
  return (sysPoll(pollBuffer, 1, timeoutMs) as number) > 0;
}

export function interfaceIndex(ifname: string): number {
  const index = sysIfNameToIndex(ifname) as number;
  if (index === 0) fail(`no interface named ${ifname}`);
  return index;
}

/** Opens /dev/net/tun and attaches a TAP device called ifname (created if missing); non-blocking fd. */
export function openTap(ifname: string): number {
  const fd = sysOpen("/dev/net/tun", O_RDWR | O_NONBLOCK | O_CLOEXEC, 0) as number;
  if (fd < 0) fail("opening /dev/net/tun");
  const request = Buffer.alloc(IFREQ_SIZE);
  request.write(ifname, 0, 15, "utf8");
  request.writeUInt16LE(IFF_TAP | IFF_NO_PI, 16);
  if ((sysIoctl(fd, TUNSETIFF, request) as number) < 0) {
    const code = koffi.errno();
    sysClose(fd);
    koffi.errno(code);
    fail(`creating TAP device ${ifname} (TUNSETIFF)`);
  }
  return fd;
}

/** A classic BPF instruction for SO_ATTACH_FILTER: code u16, jt u8, jf u8, k u32. */
export interface SocketFilterInstruction {
  readonly code: number;
  readonly jumpTrue: number;
  readonly jumpFalse: number;
  readonly k: number;
}

/** "Accept only frames whose ethertype (bytes 12-13) is `ethertype`": ldh [12]; jeq #type, 0, 1; ret #max; ret #0. */
export function ethertypeFilter(ethertype: number): SocketFilterInstruction[] {
  return [
    { code: 0x28, jumpTrue: 0, jumpFalse: 0, k: 12 },
    { code: 0x15, jumpTrue: 0, jumpFalse: 1, k: ethertype },
    { code: 0x06, jumpTrue: 0, jumpFalse: 0, k: 0xffff },
    { code: 0x06, jumpTrue: 0, jumpFalse: 0, k: 0 },
  ];
}

export interface PacketSocketOptions {
  /** Ethertype the socket takes (ETH_P_ALL for everything). */
  readonly protocol?: number;
  /** Leave out frames this host sends on the interface (PACKET_IGNORE_OUTGOING). */
  readonly ignoreOutgoing?: boolean;
  readonly filter?: readonly SocketFilterInstruction[];
  readonly bufferBytes?: number;
}

/** An AF_PACKET raw socket bound to one interface; non-blocking. */
export function openPacketSocket(ifname: string, options: PacketSocketOptions = {}): number {
  const protocol = networkOrder16(options.protocol ?? ETH_P_ALL);
  const ifindex = interfaceIndex(ifname);
  // Bound to protocol 0 first (receives nothing), filter attached, then bound to the real protocol:
  // no frame slips in before the filter.
  const fd = sysSocket(AF_PACKET, SOCK_RAW | SOCK_NONBLOCK | SOCK_CLOEXEC, 0) as number;
  if (fd < 0) fail(`opening an AF_PACKET socket for ${ifname}`);
  try {
    const integer = Buffer.alloc(4);
    if (options.ignoreOutgoing) {
      integer.writeInt32LE(1, 0);
      if ((sysSetsockopt(fd, SOL_PACKET, PACKET_IGNORE_OUTGOING, integer, 4) as number) < 0) fail(`PACKET_IGNORE_OUTGOING on ${ifname}`);
    }
    if (options.bufferBytes) {
      integer.writeInt32LE(options.bufferBytes, 0);
      sysSetsockopt(fd, SOL_SOCKET, SO_RCVBUF, integer, 4);
      sysSetsockopt(fd, SOL_SOCKET, SO_SNDBUF, integer, 4);
    }
    if (options.filter) {
      const program = Buffer.alloc(options.filter.length * 8);
      options.filter.forEach((instruction, index) => {
        program.writeUInt16LE(instruction.code, index * 8);
        program.writeUInt8(instruction.jumpTrue, index * 8 + 2);
        program.writeUInt8(instruction.jumpFalse, index * 8 + 3);
        program.writeUInt32LE(instruction.k >>> 0, index * 8 + 4);
      });
      // struct sock_fprog { unsigned short len; struct sock_filter *filter; } (pointer at offset 8 on 64-bit)
      const programHeader = Buffer.alloc(16);
      programHeader.writeUInt16LE(options.filter.length, 0);
      programHeader.writeBigUInt64LE(koffi.address(program), 8);
      if ((sysSetsockopt(fd, SOL_SOCKET, SO_ATTACH_FILTER, programHeader, 16) as number) < 0) fail(`attaching a socket filter on ${ifname}`);
    }
    const address = Buffer.alloc(SOCKADDR_LL_SIZE);
    address.writeUInt16LE(AF_PACKET, 0);
    address.writeUInt16LE(protocol, 2);
    address.writeInt32LE(ifindex, 4);
    if ((sysBind(fd, address, SOCKADDR_LL_SIZE) as number) < 0) fail(`binding an AF_PACKET socket to ${ifname}`);
    return fd;
  } catch (error) {
    sysClose(fd);
    throw error;
  }
}

/**
 * Runs `work` with the calling thread inside the named network namespace (/run/netns/NAME), then returns.
 * Sockets and TAP devices made inside stay in that namespace. `work` must be synchronous: nothing else may
 * run on this thread while it is switched. null: run in place.
 */
export function inNetworkNamespace<T>(netns: string | null, work: () => T): T {
  if (netns === null) return work();
  const original = sysOpen("/proc/thread-self/ns/net", O_RDONLY | O_CLOEXEC, 0) as number;
  if (original < 0) fail("opening this thread's network namespace");
  const target = sysOpen(`/run/netns/${netns}`, O_RDONLY | O_CLOEXEC, 0) as number;
  if (target < 0) {
    sysClose(original);
    fail(`opening network namespace ${netns}`);
  }
  try {
    if ((sysSetns(target, CLONE_NEWNET) as number) < 0) fail(`entering network namespace ${netns}`);
    try {
      return work();
    } finally {
      if ((sysSetns(original, CLONE_NEWNET) as number) < 0) {
        // Staying in the wrong namespace would be silently wrong for everything after: stop here.
        process.abort();
      }
    }
  } finally {
    sysClose(target);
    sysClose(original);
  }
}
