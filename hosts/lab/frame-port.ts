// One port of a lab switch: an AF_PACKET socket on the port's interface (non-blocking; the frames this process writes
// out of it are not read back), its carrier as the PHY's link, and the port's frame counters.
import { readFileSync } from "node:fs";
import { closeFd, EAGAIN, ENETDOWN, EINTR, openPacketSocket, readFd, writeFd } from "../linux/team/sys";
import type { PortCounters } from "./types";

/** What read() returns when no frame is waiting (or the port has no socket). */
export const NO_FRAME = 0;

/** Kernel buffers per socket: a burst of a few hundred full-size frames waits here while XS work runs. */
const SOCKET_BUFFER_BYTES = 4 * 1024 * 1024;

export function newPortCounters(): PortCounters {
  return { rxFrames: 0, rxBytes: 0, txFrames: 0, txBytes: 0, txErrors: 0 };
}

export class FramePort {
  readonly ifname: string;
  readonly counters: PortCounters = newPortCounters();
  readonly #carrierPath: string;
  #fd: number;

  constructor(ifname: string) {
    this.ifname = ifname;
    this.#carrierPath = `/sys/class/net/${ifname}/carrier`;
    this.#fd = openPacketSocket(ifname, { ignoreOutgoing: true, bufferBytes: SOCKET_BUFFER_BYTES });
  }

  /**
   * The next frame into `buffer`: its length, or NO_FRAME when none is waiting. A link that went down since the last
   * read is reported once by the kernel (ENETDOWN) and skipped here; other errors throw.
   */
  read(buffer: Buffer): number {
    for (;;) {
      const length = readFd(this.#fd, buffer, buffer.length);
      if (length > 0) {
        this.counters.rxFrames++;
        this.counters.rxBytes += length;
        return length;
      }
      if (length === 0 || length === -EAGAIN) return NO_FRAME;
      if (length === -ENETDOWN || length === -EINTR) continue;
      throw new Error(`reading frames from ${this.ifname} failed (errno ${-length})`);
    }
  }

  /** Writes one frame out of the port; a failure (link down, buffer full) counts as a tx error. */
  write(buffer: Buffer, length: number): boolean {
    const written = writeFd(this.#fd, buffer, length);
    if (written !== length) {
      this.counters.txErrors++;
      return false;
    }
    this.counters.txFrames++;
    this.counters.txBytes += length;
    return true;
  }

  /** Whether the interface has carrier (admin up and its peer up); false when it is down or gone. */
  carrier(): boolean {
    try {
      return readFileSync(this.#carrierPath, "latin1").charCodeAt(0) === 0x31; // "1"
    } catch {
      return false; // reading carrier of an admin-down interface fails with EINVAL
    }
  }

  close(): void {
    closeFd(this.#fd);
    this.#fd = -1;
  }
}
