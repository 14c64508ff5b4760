// The ARL (address table) storage of the BCM53125 model: 1024 buckets x 4 bins (shared/facts/switch-chips.md §1.3).
// Flat typed arrays indexed by bucket * 4 + bin, so learning and lookups allocate nothing.
import { ARL } from "./registers";

export const ARL_ENTRIES = ARL.BUCKETS * ARL.BINS; // §1.3: 4096

export class ArlTable {
  /** 48-bit MAC per slot (a double holds it exactly). */
  readonly macs = new Float64Array(ARL_ENTRIES);
  /** 12-bit VID per slot. */
  readonly vids = new Uint16Array(ARL_ENTRIES);
  /** The 32-bit data word per slot, laid out as the data entry register (§1.3: port 8:0, AGE 14, STATIC 15, VALID 16). */
  readonly data = new Uint32Array(ARL_ENTRIES);

  constructor(readonly bucketOf: (mac: number, vid: number) => number) {}

  clear(): void {
    this.macs.fill(0);
    this.vids.fill(0);
    this.data.fill(0);
  }

  /** Slot of the valid entry for MAC+VID, or -1. */
  find(mac: number, vid: number): number {
    const first = this.bucketOf(mac, vid) * ARL.BINS;
    for (let slot = first; slot < first + ARL.BINS; slot++) {
      if (this.data[slot] & ARL.DATA_VALID && this.macs[slot] === mac && this.vids[slot] === vid) return slot;
    }
    return -1;
  }

  /** First invalid slot of the bucket MAC+VID hashes to, or -1 when all four bins hold entries. */
  freeSlot(mac: number, vid: number): number {
    const first = this.bucketOf(mac, vid) * ARL.BINS;
    for (let slot = first; slot < first + ARL.BINS; slot++) if (!(this.data[slot] & ARL.DATA_VALID)) return slot;
    return -1;
  }

  store(slot: number, mac: number, vid: number, data: number): void {
    this.macs[slot] = mac;
    this.vids[slot] = vid;
    this.data[slot] = data >>> 0;
  }

  /** Next valid slot at or after `from`, or -1. */
  nextValid(from: number): number {
    for (let slot = from; slot < ARL_ENTRIES; slot++) if (this.data[slot] & ARL.DATA_VALID) return slot;
    return -1;
  }

  isValid(slot: number): boolean {
    return (this.data[slot] & ARL.DATA_VALID) !== 0;
  }
}
