// A test bench for the simulated BCM53125: clock + chip model + SPI controller, and raw-byte register access
// following the sequence of shared/facts/switch-chips.md §1.1 (status poll, page select, dummy read, RACK poll, data).
import { VirtualClock } from "../../hosts/sim/clock";
import { SimSPI } from "../../hosts/sim/spi";
import { Bcm53125Model, type Bcm53125Assumptions } from "../../hosts/sim/bcm53125";

export interface Rig {
  clock: VirtualClock;
  chip: Bcm53125Model;
  spi: SimSPI;
}

export const SPI_HZ = 20e6; // facts §1.1 max SPI clock in the Broadcom SDK

export function makeRig(assumptions?: Partial<Bcm53125Assumptions>): Rig {
  const clock = new VirtualClock();
  const chip = new Bcm53125Model({ clock, assumptions });
  const spi = new SimSPI({ clock: 18, out: 23, in: 19, select: 5, hz: SPI_HZ, mode: 3, device: chip, time: clock });
  return { clock, chip, spi };
}

/** One transaction: the bytes sent, returning the bytes received. */
export function transaction(spi: SimSPI, bytes: readonly number[]): number[] {
  const buffer = Uint8Array.from(bytes);
  spi.transfer(buffer);
  spi.flush(true);
  return Array.from(buffer);
}

const STATUS_POLLS = 10; // facts §1.1: Linux polls 10 times

function pollStatus(spi: SimSPI, mask: number, wanted: number, what: string): void {
  for (let i = 0; i < STATUS_POLLS; i++) {
    if ((transaction(spi, [0x60, 0xfe, 0])[2] & mask) === wanted) return;
  }
  throw new Error(`timed out waiting for ${what}`);
}

export function selectPage(spi: SimSPI, page: number): void {
  pollStatus(spi, 0x80, 0, "SPIF clear");
  transaction(spi, [0x61, 0xff, page]);
}

/** Writes `width` bytes little-endian. */
export function writeRegister(spi: SimSPI, page: number, offset: number, value: bigint | number, width: number): void {
  selectPage(spi, page);
  const bytes = [0x61, offset];
  let rest = BigInt(value);
  for (let i = 0; i < width; i++) {
    bytes.push(Number(rest & 0xffn));
    rest >>= 8n;
  }
  transaction(spi, bytes);
}

export function readRegister(spi: SimSPI, page: number, offset: number, width: number): bigint {
  selectPage(spi, page);
  transaction(spi, [0x60, offset, 0]);
  pollStatus(spi, 0x20, 0x20, "RACK");
  const data = transaction(spi, [0x60, 0xf0, ...new Array<number>(width).fill(0)]).slice(2);
  let value = 0n;
  for (let i = width - 1; i >= 0; i--) value = (value << 8n) | BigInt(data[i]);
  return value;
}

export function readNumber(spi: SimSPI, page: number, offset: number, width: number): number {
  return Number(readRegister(spi, page, offset, width));
}

export function writeNumber(spi: SimSPI, page: number, offset: number, value: number, width: number): void {
  writeRegister(spi, page, offset, BigInt(value), width);
}

// ARL through raw registers (facts §1.3)

export interface RawArlBin {
  mac: number;
  vid: number;
  data: number;
}

function waitArlDone(spi: SimSPI): void {
  for (let i = 0; i < 10; i++) if (!(readNumber(spi, 0x05, 0x00, 1) & 0x80)) return;
  throw new Error("ARL START did not clear");
}

export function arlReadBucket(spi: SimSPI, mac: number, vid: number): RawArlBin[] {
  writeNumber(spi, 0x05, 0x02, mac, 6);
  writeNumber(spi, 0x05, 0x08, vid, 2);
  writeNumber(spi, 0x05, 0x00, 0x81, 1);
  waitArlDone(spi);
  const bins: RawArlBin[] = [];
  for (let bin = 0; bin < 4; bin++) {
    const macVid = readRegister(spi, 0x05, 0x10 + 0x10 * bin, 8);
    bins.push({
      mac: Number(macVid & 0xffffffffffffn),
      vid: Number((macVid >> 48n) & 0xfffn),
      data: readNumber(spi, 0x05, 0x18 + 0x10 * bin, 4),
    });
  }
  return bins;
}

/** Adds (or with valid=false removes) an entry the way Linux b53_arl_op does: read bucket, pick bin, write. */
export function arlWriteEntry(spi: SimSPI, mac: number, vid: number, data: number): number {
  const bins = arlReadBucket(spi, mac, vid);
  let bin = bins.findIndex((b) => b.data & 0x10000 && b.mac === mac && b.vid === vid);
  if (bin < 0) bin = bins.findIndex((b) => !(b.data & 0x10000));
  if (bin < 0) return -1;
  writeRegister(spi, 0x05, 0x10 + 0x10 * bin, (BigInt(vid) << 48n) | BigInt(mac), 8);
  writeNumber(spi, 0x05, 0x18 + 0x10 * bin, data, 4);
  writeNumber(spi, 0x05, 0x00, 0x80, 1);
  waitArlDone(spi);
  return bin;
}

/** Dump through the search engine as facts §1.3 describe it; returns [mac, vid, data] per valid result. */
export function arlSearchDump(spi: SimSPI): RawArlBin[] {
  const found: RawArlBin[] = [];
  writeNumber(spi, 0x05, 0x50, 0x80, 1);
  for (let iteration = 0; iteration < 4096 / 2 + 1; iteration++) {
    let control = 0;
    for (let i = 0; i < 10; i++) {
      control = readNumber(spi, 0x05, 0x50, 1);
      if (!(control & 0x80) || control & 0x01) break;
    }
    let valid = 0;
    for (const [macVidOffset, dataOffset] of [[0x60, 0x68], [0x70, 0x78]]) {
      const macVid = readRegister(spi, 0x05, macVidOffset, 8);
      const data = readNumber(spi, 0x05, dataOffset, 4);
      if (data & 0x10000) {
        valid++;
        found.push({ mac: Number(macVid & 0xffffffffffffn), vid: Number((macVid >> 48n) & 0xfffn), data });
      }
    }
    if (!valid) return found;
  }
  throw new Error("search did not end");
}

export const DATA_VALID = 0x10000;
export const DATA_STATIC = 0x8000;
export const DATA_AGE = 0x4000;
