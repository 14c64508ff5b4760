// ARP probes for the ARP watcher: one AF_PACKET socket per member that sees only ARP frames (a socket filter on
// the ethertype) and sends a who-has for the target from the team MAC. Replies are drained on a timer.
import type { ArpProberFactory, ArpProberHandle } from "./controller";
import type { TeamConfig } from "./config";
import { closeFd, EAGAIN, ENETDOWN, ETH_P_ARP, ETH_P_ALL, ethertypeFilter, inNetworkNamespace, openPacketSocket, readFd, writeFd } from "./sys";

function ipv4Bytes(text: string): number[] {
  return text.split(".").map(Number);
}

function macOctets(mac: string): number[] {
  return mac.split(":").map((octet) => parseInt(octet, 16));
}

/** An ARP request (who-has targetIp tell sourceIp) from the team MAC, padded to 60 bytes. */
export function arpRequest(teamMac: string, sourceIp: string, targetIp: string): Buffer {
  const frame = Buffer.alloc(60);
  frame.fill(0xff, 0, 6);
  Buffer.from(macOctets(teamMac)).copy(frame, 6);
  frame.writeUInt16BE(ETH_P_ARP, 12);
  frame.writeUInt16BE(1, 14); // Ethernet
  frame.writeUInt16BE(0x0800, 16); // IPv4
  frame[18] = 6;
  frame[19] = 4;
  frame.writeUInt16BE(1, 20); // request
  Buffer.from(macOctets(teamMac)).copy(frame, 22);
  Buffer.from(ipv4Bytes(sourceIp)).copy(frame, 28);
  Buffer.from(ipv4Bytes(targetIp)).copy(frame, 38);
  return frame;
}

/** Is this frame an ARP reply whose sender is targetIp? */
export function isReplyFrom(frame: Buffer, length: number, targetIp: string): boolean {
  if (length < 42 || frame.readUInt16BE(12) !== ETH_P_ARP || frame.readUInt16BE(20) !== 2) return false;
  const sender = ipv4Bytes(targetIp);
  return frame[28] === sender[0] && frame[29] === sender[1] && frame[30] === sender[2] && frame[31] === sender[3];
}

export class PacketArpProbers implements ArpProberFactory {
  readonly #netns: string | null;
  constructor(netns: string | null = null) {
    this.#netns = netns;
  }

  async open(config: TeamConfig, onReply: (ifname: string) => void): Promise<ArpProberHandle> {
    const arp = config.watchers.arp!;
    const request = arpRequest(config.mac, arp.sourceIp, arp.targetIp);
    const sockets = new Map<string, number>();
    const buffer = Buffer.alloc(2048);
    const netns = this.#netns;
    const drain = (): void => {
      for (const [ifname, fd] of sockets) {
        for (;;) {
          const length = readFd(fd, buffer, buffer.length);
          if (length === -EAGAIN) break;
          if (length === -ENETDOWN) continue;
          if (length < 0) break;
          if (isReplyFrom(buffer, length, arp.targetIp)) onReply(ifname);
        }
      }
    };
    const timer = setInterval(drain, Math.max(10, Math.floor(arp.intervalMs / 4)));
    timer.unref();
    return {
      async addMember(ifname: string): Promise<void> {
        if (sockets.has(ifname)) return;
        // ETH_P_ALL taps see frames before ingress handling, so the filter keeps the copy to ARP alone.
        sockets.set(ifname, inNetworkNamespace(netns, () => openPacketSocket(ifname, { protocol: ETH_P_ALL, ignoreOutgoing: true, filter: ethertypeFilter(ETH_P_ARP) })));
      },
      removeMember(ifname: string): void {
        closeFd(sockets.get(ifname) ?? -1);
        sockets.delete(ifname);
      },
      sendProbe(ifname: string): void {
        const fd = sockets.get(ifname);
        if (fd === undefined) return;
        if (writeFd(fd, request, request.length) !== request.length) throw new Error(`ARP probe on ${ifname} not sent`);
      },
      close(): void {
        clearInterval(timer);
        for (const fd of sockets.values()) closeFd(fd);
        sockets.clear();
      },
    };
  }
}
