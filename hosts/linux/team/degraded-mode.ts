// What `status` says when the team runs on a backend that is not the patent's table (docs/linux-bonding-degraded.md).
import type { BackendKind } from "./backend";

export interface DegradedMode {
  /** One line: which mode, and that it is degraded. */
  readonly summary: string;
  /** How it differs from the patent's table, one sentence each. */
  readonly differences: readonly string[];
  readonly documentation: string;
}

const BONDING_DEGRADED_MODE: DegradedMode = {
  summary: "DEGRADED MODE: Linux bonding balance-xor, xmit_hash_policy layer2 (not the patent's table)",
  differences: [
    "member = (DA[5] XOR SA[5] XOR ethertype) mod usable members: a fixed formula; the table shown is recorded, not enforced",
    "ARP, IPv4 and IPv6 to one peer can leave on different members (the ethertype is hashed)",
    "a member failure changes the modulus: about 3 in 4 destinations move (4 -> 3 members), not only the failed member's",
    "broadcasts are accepted on every member (the broadcast member is not enforced); no per-slot byte counts",
    "carrier sampled by miimon every 100 ms; up/down delays rounded to 100 ms",
  ],
  documentation: "docs/linux-bonding-degraded.md",
};

/** The degraded-mode description of a backend, or null when it runs the patent's table. */
export function degradedModeOf(kind: BackendKind): DegradedMode | null {
  return kind === "bonding" ? BONDING_DEGRADED_MODE : null;
}
