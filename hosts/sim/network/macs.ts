// Realistic MAC addresses for simulated hosts: real vendor OUIs (IEEE registry assignments that are widely known),
// with low bits either sequential (as a vendor's production line or a hypervisor hands them out) or random (as
// seen across a mixed office). Deterministic: random low bits come from a seeded generator, so runs repeat.

/** Organisationally unique identifiers (first three octets) of vendors commonly seen on a LAN. */
export const VENDOR_OUIS = Object.freeze({
  vmware: 0x005056,
  raspberryPi: 0xb827eb,
  realtek: 0x00e04c,
  supermicro: 0x002590,
  intel: 0x001b21,
  espressif: 0x240ac4,
  broadcom: 0x001018,
  hewlettPackard: 0x001f29,
} as const);

export type VendorName = keyof typeof VENDOR_OUIS;

const TWO_24 = 0x1000000;

/** A unicast MAC from an OUI and the 24-bit device part. */
export function macFromOui(oui: number, device: number): number {
  return (oui % TWO_24) * TWO_24 + (device % TWO_24);
}

/** xorshift32: small, fast, repeatable. Not for anything but test populations. */
export class SeededRandom {
  #state: number;
  constructor(seed: number) {
    this.#state = seed >>> 0 || 0x9e3779b9;
  }
  /** Next 32-bit unsigned value. */
  nextUint32(): number {
    let x = this.#state;
    x ^= x << 13;
    x >>>= 0;
    x ^= x >>> 17;
    x ^= x << 5;
    x >>>= 0;
    this.#state = x;
    return x;
  }
  /** Integer in [0, bound). */
  below(bound: number): number {
    return this.nextUint32() % bound;
  }
}

export type LowBitPattern = "sequential" | "random";

export interface ClientPopulationOptions {
  count: number;
  pattern: LowBitPattern;
  /** Vendors cycled through for the OUI (sequential: one vendor per population unless more are given). */
  vendors?: readonly VendorName[];
  /** First device number for sequential populations. */
  firstDevice?: number;
  seed?: number;
}

/**
 * `count` distinct client MACs. Sequential: one OUI, device numbers firstDevice, firstDevice + 1, ... (the low bits
 * cycle through every value). Random: device parts drawn from a seeded generator, vendors cycled.
 */
export function clientMacs(options: ClientPopulationOptions): number[] {
  const { count, pattern } = options;
  if (!Number.isInteger(count) || count < 1 || count > 4096) throw new RangeError(`client count must be 1..4096, got ${count}`);
  const vendors = options.vendors ?? (pattern === "sequential" ? ["vmware"] : ["intel", "realtek", "raspberryPi", "espressif", "broadcom", "supermicro"]);
  const macs: number[] = [];
  const seen = new Set<number>();
  if (pattern === "sequential") {
    const first = options.firstDevice ?? 0x10a000;
    for (let i = 0; i < count; i++) macs.push(macFromOui(VENDOR_OUIS[vendors[i % vendors.length]], first + i));
    return macs;
  }
  const random = new SeededRandom(options.seed ?? 1);
  // Bounded: at most 16 draws per MAC before giving up (collisions in 2^24 are rare).
  for (let attempt = 0; macs.length < count && attempt < count * 16; attempt++) {
    const mac = macFromOui(VENDOR_OUIS[vendors[macs.length % vendors.length]], random.nextUint32() % TWO_24);
    if (seen.has(mac)) continue;
    seen.add(mac);
    macs.push(mac);
  }
  if (macs.length < count) throw new Error(`could not draw ${count} distinct MACs`);
  return macs;
}
