// Which ports each unicast (SA, DA) pair came in on and left on at a lab switch, and a FlowChange when that changes:
// the patent promises that a pair keeps its link while the trunk is stable.
import { formatMac } from "../../modules/mac";
import type { FlowChange } from "./types";

/** Last ports a unicast (SA, DA) pair came in on and left on (-1: not seen leaving on exactly one port). */
interface FlowEntry {
  ingress: number;
  egress: number;
}

/**
 * Tracks unicast pairs per SA (no allocation once a pair is known) and reports when one changes ports. At most
 * `maxFlows` pairs: a new SA past that drops the oldest SA's pairs.
 */
export class FlowTracker {
  readonly #bySa = new Map<number, Map<number, FlowEntry>>();
  #count = 0;

  constructor(
    readonly switchId: number,
    readonly maxFlows: number,
    readonly report: (change: FlowChange) => void,
  ) {}

  seen(sa: number, da: number, ingress: number, egress: number): void {
    let pairs = this.#bySa.get(sa);
    if (!pairs) {
      while (this.#count >= this.maxFlows && this.#bySa.size > 0) this.#evictOldest();
      pairs = new Map();
      this.#bySa.set(sa, pairs);
    }
    const entry = pairs.get(da);
    if (!entry) {
      if (this.#count >= this.maxFlows) return;
      pairs.set(da, { ingress, egress });
      this.#count++;
      return;
    }
    if (entry.ingress !== ingress) {
      this.#change("ingress", sa, da, entry.ingress, ingress);
      entry.ingress = ingress;
    }
    if (egress >= 0 && entry.egress !== egress) {
      if (entry.egress >= 0) this.#change("egress", sa, da, entry.egress, egress);
      entry.egress = egress;
    }
  }

  #evictOldest(): void {
    const [sa, pairs] = this.#bySa.entries().next().value as [number, Map<number, FlowEntry>];
    this.#count -= pairs.size;
    this.#bySa.delete(sa);
  }

  #change(kind: FlowChange["kind"], sa: number, da: number, fromPort: number, toPort: number): void {
    this.report({ switchId: this.switchId, atMs: Date.now(), kind, sa: formatMac(sa), da: formatMac(da), fromPort, toPort });
  }
}
