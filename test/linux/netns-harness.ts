// Network namespaces for the Linux team tests and benchmark: every name starts with "onemac-t-" plus a random
// suffix, and only the namespaces made here are ever deleted (by name). Frames are sent and counted with
// AF_PACKET sockets opened inside those namespaces.
import { randomBytes } from "node:crypto";
import { existsSync } from "node:fs";
import { runIp } from "../../hosts/linux/team/iproute";
import { closeFd, EAGAIN, ENETDOWN, inNetworkNamespace, openPacketSocket, readFd, writeFd } from "../../hosts/linux/team/sys";

/** Reason to skip privileged tests here, or null when they can run. */
export function privilegedSkipReason(): string | null {
  if (process.platform !== "linux") return "not Linux";
  if (typeof process.getuid === "function" && process.getuid() !== 0) return "needs root (network namespaces, TAP, AF_PACKET)";
  if (!existsSync("/dev/net/tun")) return "/dev/net/tun is missing";
  return null;
}

export class NamespacePair {
  /** The server: team device and members live here. */
  readonly server: string;
  /** The far ends of the members ("the switch"). */
  readonly peer: string;
  readonly #created: string[] = [];

  constructor() {
    const suffix = randomBytes(4).toString("hex");
    this.server = `onemac-t-${suffix}-srv`;
    this.peer = `onemac-t-${suffix}-sw`;
  }

  async create(): Promise<void> {
    for (const name of [this.server, this.peer]) {
      await runIp(["netns", "add", name]);
      this.#created.push(name);
      await runIp(["link", "set", "dev", "lo", "up"], name);
    }
  }

  /** A veth pair: `member` in the server namespace, `peerName` in the peer namespace, peer up. */
  async addVeth(member: string, peerName: string, options: { memberUp?: boolean } = {}): Promise<void> {
    await runIp(["link", "add", member, "netns", this.server, "type", "veth", "peer", "name", peerName, "netns", this.peer]);
    await runIp(["link", "set", "dev", peerName, "up"], this.peer);
    if (options.memberUp) await runIp(["link", "set", "dev", member, "up"], this.server);
  }

  async destroy(): Promise<void> {
    for (const name of this.#created.splice(0).reverse()) {
      try {
        await runIp(["netns", "delete", name]);
      } catch {
        // Already gone.
      }
    }
  }
}

/** A raw socket on one interface in one namespace, for sending test frames and collecting what arrives. */
export class FrameTap {
  readonly #fd: number;
  readonly #buffer = Buffer.alloc(65536);

  constructor(netns: string, ifname: string) {
    this.#fd = inNetworkNamespace(netns, () => openPacketSocket(ifname, { ignoreOutgoing: true, bufferBytes: 8 * 1024 * 1024 }));
  }

  send(frame: Buffer): void {
    const written = writeFd(this.#fd, frame, frame.length);
    if (written !== frame.length) throw new Error(`sending a test frame failed (${written})`);
  }

  /** Every frame waiting on the socket now. */
  drain(): Buffer[] {
    const frames: Buffer[] = [];
    for (;;) {
      const length = readFd(this.#fd, this.#buffer, this.#buffer.length);
      if (length === -EAGAIN) return frames;
      if (length === -ENETDOWN) continue; // the link went down since the last read: reported once, then cleared
      if (length < 0) throw new Error(`reading test frames failed (${-length})`);
      frames.push(Buffer.from(this.#buffer.subarray(0, length)));
    }
  }

  close(): void {
    closeFd(this.#fd);
  }
}

export const TEST_ETHERTYPE = 0x88b5; // IEEE local experimental

export function macBytes(mac: string): Buffer {
  return Buffer.from(mac.split(":").map((octet) => parseInt(octet, 16)));
}

/** A frame of the test ethertype carrying a 32-bit tag, padded to `length` bytes. */
export function testFrame(destination: string, source: string, tag: number, length = 60): Buffer {
  const frame = Buffer.alloc(Math.max(length, 18));
  macBytes(destination).copy(frame, 0);
  macBytes(source).copy(frame, 6);
  frame.writeUInt16BE(TEST_ETHERTYPE, 12);
  frame.writeUInt32BE(tag, 14);
  return frame;
}

export function testTags(frames: readonly Buffer[]): number[] {
  return frames.filter((frame) => frame.length >= 18 && frame.readUInt16BE(12) === TEST_ETHERTYPE).map((frame) => frame.readUInt32BE(14));
}

export function sleep(ms: number): Promise<void> {
  return new Promise((resolve) => setTimeout(resolve, ms));
}

/** Polls `condition` every 20 ms until it holds or `timeoutMs` passes; returns whether it held. */
export async function waitFor(condition: () => boolean | Promise<boolean>, timeoutMs = 3000): Promise<boolean> {
  const deadline = Date.now() + timeoutMs;
  while (Date.now() < deadline) {
    if (await condition()) return true;
    await sleep(20);
  }
  return condition();
}

export async function linkJson(netns: string, ifname: string): Promise<{ address: string; flags: string[]; stats64?: { rx: { packets: number } } }> {
  const [entry] = JSON.parse(await runIp(["-json", "-stats", "link", "show", "dev", ifname], netns)) as {
    address: string;
    flags: string[];
    stats64?: { rx: { packets: number } };
  }[];
  return entry!;
}
