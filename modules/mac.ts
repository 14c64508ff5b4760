// MAC addresses are carried as plain numbers (48 bits fit a double exactly): no allocation on hot paths,
// and the low bits the patent indexes by are `mac % 2**m`.
import { InvalidArgumentError } from "./errors";

export const MAC_MAX = 0xffffffffffff;
export const BROADCAST_MAC = 0xffffffffffff;
const TWO_32 = 0x100000000;

export function isMac(value: number): boolean {
  return Number.isInteger(value) && value >= 0 && value <= MAC_MAX;
}

/** Multicast (and broadcast) MACs have the I/G bit, bit 0 of the first octet, set. */
export function isMulticastMac(mac: number): boolean {
  return Math.floor(mac / 0x10000000000) % 2 === 1;
}

/** The low `bits` bits of the MAC (bits <= 31). */
export function macLowBits(mac: number, bits: number): number {
  return (mac % TWO_32 >>> 0) & ((1 << bits) - 1 >>> 0);
}

/** Octet i (0 = first on the wire) of a MAC. */
export function macOctet(mac: number, index: number): number {
  return Math.floor(mac / 2 ** (8 * (5 - index))) % 256;
}

export function formatMac(mac: number): string {
  let text = "";
  for (let i = 0; i < 6; i++) {
    const octet = macOctet(mac, i);
    text += (i ? ":" : "") + (octet < 16 ? "0" : "") + octet.toString(16);
  }
  return text;
}

/** Accepts aa:bb:cc:dd:ee:ff, aa-bb-cc-dd-ee-ff and aabb.ccdd.eeff (Cisco); case-insensitive. */
export function parseMac(text: string): number {
  const hex = String(text).trim().toLowerCase();
  let digits = "";
  if (/^[0-9a-f]{2}([:-])[0-9a-f]{2}(\1[0-9a-f]{2}){4}$/.test(hex)) digits = hex.replace(/[:-]/g, "");
  else if (/^[0-9a-f]{4}\.[0-9a-f]{4}\.[0-9a-f]{4}$/.test(hex)) digits = hex.replace(/\./g, "");
  else throw new InvalidArgumentError(`"${text}" is not a MAC address (expected aa:bb:cc:dd:ee:ff)`);
  return parseInt(digits, 16);
}
