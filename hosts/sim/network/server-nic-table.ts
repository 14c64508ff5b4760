// The server side of the patent, as the simulated server's teaming driver: N = 2^M slots holding NIC indexes; the
// outgoing NIC of a frame is slots[low M bits of its destination MAC]. When a NIC loses carrier only its slots move,
// each to the surviving NIC holding the fewest; when it returns it takes back exactly its home slots.
import { macLowBits } from "../../../modules/mac";

export class ServerNicTable {
  readonly slotBits: number;
  readonly #home: number[];
  readonly #current: number[];
  readonly #up: boolean[];

  constructor(nicCount: number, slotBits: number) {
    if (!Number.isInteger(nicCount) || nicCount < 1 || nicCount > 8) throw new RangeError(`nicCount must be 1..8, got ${nicCount}`);
    if (!Number.isInteger(slotBits) || slotBits < 1 || slotBits > 8) throw new RangeError(`slotBits must be 1..8, got ${slotBits}`);
    this.slotBits = slotBits;
    this.#home = Array.from({ length: 2 ** slotBits }, (_, slot) => slot % nicCount);
    this.#current = [...this.#home];
    this.#up = Array.from({ length: nicCount }, () => true);
  }

  get slots(): readonly number[] {
    return this.#current;
  }

  /** NIC index for a destination MAC, or -1 when every NIC is down. */
  nicFor(destination: number): number {
    return this.#current[macLowBits(destination, this.slotBits)];
  }

  /** Carrier lost on `nic`: its slots go to the survivors with the fewest slots. Returns the slots that moved. */
  nicDown(nic: number): number[] {
    if (!this.#up[nic]) return [];
    this.#up[nic] = false;
    const counts = this.#up.map((up, index) => (up ? this.#current.filter((owner) => owner === index).length : Infinity));
    const moved: number[] = [];
    for (let slot = 0; slot < this.#current.length; slot++) {
      if (this.#current[slot] !== nic) continue;
      let heir = -1;
      for (let candidate = 0; candidate < counts.length; candidate++)
        if (counts[candidate] !== Infinity && (heir < 0 || counts[candidate] < counts[heir])) heir = candidate;
      this.#current[slot] = heir;
      if (heir >= 0) counts[heir]++;
      moved.push(slot);
    }
    return moved;
  }

  /** Carrier back on `nic`: it takes back its home slots (and any slot nobody holds). */
  nicUp(nic: number): number[] {
    if (this.#up[nic]) return [];
    this.#up[nic] = true;
    const moved: number[] = [];
    for (let slot = 0; slot < this.#current.length; slot++) {
      if (this.#current[slot] !== nic && (this.#home[slot] === nic || this.#current[slot] < 0)) {
        this.#current[slot] = nic;
        moved.push(slot);
      }
    }
    return moved;
  }
}
