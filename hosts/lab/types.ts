// What the lab's parts tell each other (hosts/lab): the switch processes, the traffic agents, the orchestrator and the
// HTML report. Times are wall-clock epoch milliseconds (Date.now()) in every process, so one timeline lines them up.

/** Cumulative counters of one switch port as the switch saw them: rx = frames that came in on the port from its cable,
 * tx = frames the switch wrote out of it. */
export interface PortCounters {
  rxFrames: number;
  rxBytes: number;
  txFrames: number;
  txBytes: number;
  /** Frames the switch chose for this port but could not write (interface down, kernel buffer full). */
  txErrors: number;
}

/** Sent by a switch process every 100 ms. */
export interface SwitchStats {
  switchId: number;
  atMs: number;
  /** Index = chip port 0..4. */
  ports: PortCounters[];
  /** Bit p set: port p has link (the PHY sees carrier), as the model holds it. */
  linkMask: number;
  /** Frames read from all ports, and how many of them the forwarding engine dropped (no egress port). */
  framesIn: number;
  framesFiltered: number;
}

/** A unicast (SA, DA) pair was seen on another port than the last time. */
export interface FlowChange {
  switchId: number;
  atMs: number;
  /** "egress": the pair left the switch on another port. "ingress": the pair came in on another port. */
  kind: "egress" | "ingress";
  sa: string;
  da: string;
  fromPort: number;
  toPort: number;
}

/** One byte stream of one TCP connection, as one end sees it (traffic agents). */
export interface StreamStats {
  /** The client's name (c1, c2 ...), known to both ends. */
  client: string;
  /** Bytes this end wrote / received and verified against the pattern so far. */
  sent: number;
  received: number;
  /** Longest time between two reads that delivered data (ms), and when that gap ended. */
  longestGapMs: number;
  longestGapEndedAtMs: number;
  /** First byte that did not match the expected pattern (-1: none). */
  firstCorruptOffset: number;
  /** "open", "closed" (orderly, after stop), "reset" or "error" (with `error`). */
  state: "connecting" | "open" | "closed" | "reset" | "error";
  error: string | null;
  /** Connections this end made or accepted for this client (the lab expects exactly 1). */
  connections: number;
  /** Every stretch of at least 20 ms without received data (the last 256), for failover measurements. */
  gaps?: { endedAtMs: number; ms: number }[];
}

export interface LinkRole {
  /** "trunk": toward a server NIC; "clients": a LAN segment with clients; "inter-switch": the switch-to-switch link. */
  role: "trunk" | "clients" | "inter-switch" | "unused";
  /** Server NIC name on the far end (role trunk). */
  serverNic?: string;
  /** Client names behind it (role clients). */
  clients?: string[];
  /** The other switch and port (role inter-switch). */
  peer?: { switchId: number; port: number };
}
