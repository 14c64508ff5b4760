// A minimal AF_PACKET raw socket for the in-VM test: send frames out of one interface, read what another got.
// struct sockaddr_ll (include/uapi/linux/if_packet.h): family u16, protocol u16 (network order), ifindex s32,
// hatype u16, pkttype u8, halen u8, addr[8] = 20 bytes.
import koffi from "koffi";

const AF_PACKET = 17;
const SOCK_RAW = 3;
const SOCK_CLOEXEC = 0x80000;
const ETH_P_ALL_NETWORK_ORDER = 0x0300;
const MSG_DONTWAIT = 0x40;
const EAGAIN = 11;

interface PacketLibc {
  socket(domain: number, type: number, protocol: number): number;
  bind(fd: number, address: Buffer, length: number): number;
  send(fd: number, data: Buffer, length: number, flags: number): number | bigint;
  recv(fd: number, buffer: Buffer, length: number, flags: number): number | bigint;
  close(fd: number): number;
}

let libc: PacketLibc | null = null;
function packetLibc(): PacketLibc {
  if (libc) return libc;
  const library = koffi.load("libc.so.6");
  libc = {
    socket: library.func("int socket(int domain, int type, int protocol)"),
    bind: library.func("int bind(int fd, const void *address, uint32_t length)"),
    send: library.func("intptr_t send(int fd, const void *data, size_t length, int flags)"),
    recv: library.func("intptr_t recv(int fd, void *buffer, size_t length, int flags)"),
    close: library.func("int close(int fd)"),
  };
  return libc;
}

export class PacketSocket {
  readonly #fd: number;
  readonly #buffer = Buffer.alloc(65536);

  constructor(ifindex: number) {
    const c = packetLibc();
    const fd = c.socket(AF_PACKET, SOCK_RAW | SOCK_CLOEXEC, ETH_P_ALL_NETWORK_ORDER);
    if (fd < 0) throw new Error(`AF_PACKET socket failed: errno ${koffi.errno()}`);
    const address = Buffer.alloc(20);
    address.writeUInt16LE(AF_PACKET, 0);
    address.writeUInt16LE(ETH_P_ALL_NETWORK_ORDER, 2);
    address.writeInt32LE(ifindex, 4);
    if (c.bind(fd, address, address.length) < 0) {
      const errno = koffi.errno();
      c.close(fd);
      throw new Error(`binding AF_PACKET to ifindex ${ifindex} failed: errno ${errno}`);
    }
    this.#fd = fd;
  }

  send(frame: Buffer): void {
    const sent = Number(packetLibc().send(this.#fd, frame, frame.length, 0));
    if (sent !== frame.length) throw new Error(`AF_PACKET send returned ${sent} (errno ${koffi.errno()})`);
  }

  /** Every frame queued now, without waiting. */
  drain(): Buffer[] {
    const frames: Buffer[] = [];
    for (;;) {
      const received = Number(packetLibc().recv(this.#fd, this.#buffer, this.#buffer.length, MSG_DONTWAIT));
      if (received < 0) {
        const errno = koffi.errno();
        if (errno === EAGAIN) return frames;
        throw new Error(`AF_PACKET recv failed: errno ${errno}`);
      }
      frames.push(Buffer.from(this.#buffer.subarray(0, received)));
    }
  }

  close(): void {
    packetLibc().close(this.#fd);
  }
}
