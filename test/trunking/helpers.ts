// Shared checks of the trunking proofs: what arrived where, what was lost, and when.
import type { Arrival, Cable, Frame, Network } from "../../hosts/sim/network";
import { memberOf, type TrunkingScenario, type TrunkingSwitch } from "../../hosts/sim/network/trunking-scenarios";

/** Steps virtual time in 2 us steps (at most `maxMs`) until `cable` carries a frame, then pulls it. */
export function pullWhileBusy(network: Network, cable: Cable, maxMs = 5): { atMs: number; inFlight: Frame[] } {
  const steps = Math.ceil(maxMs / 0.002);
  for (let step = 0; step < steps && cable.framesInFlight().length === 0; step++) network.run(0.002);
  const inFlight = cable.framesInFlight();
  const atMs = network.now;
  network.pull(cable);
  return { atMs, inFlight };
}

export interface MemberUse {
  sa: number;
  /** "switch:port" of every member this SA's frames arrived on, in order of first use. */
  members: string[];
  arrivals: Arrival[];
}

export function memberKey(sw: TrunkingSwitch, port: number): string {
  return `${sw.name}:${port}`;
}

/** Accepted frames from clients that reached the server in [fromMs, toMs), grouped by SA. */
export function serverArrivalsBySa(scenario: TrunkingScenario, fromMs: number, toMs: number, filter: (arrival: Arrival) => boolean = () => true): Map<number, MemberUse> {
  const bySa = new Map<number, MemberUse>();
  for (const arrival of scenario.server.arrivals) {
    if (!arrival.accepted || arrival.atMs < fromMs || arrival.atMs >= toMs || !filter(arrival)) continue;
    const member = memberOf(scenario, arrival);
    const key = memberKey(member.switch, member.port);
    let use = bySa.get(arrival.frame.sa);
    if (!use) bySa.set(arrival.frame.sa, (use = { sa: arrival.frame.sa, members: [], arrivals: [] }));
    if (!use.members.includes(key)) use.members.push(key);
    use.arrivals.push(arrival);
  }
  return bySa;
}

/** Sequence numbers of each flow as received (accepted copies at `arrivals`), checked strictly increasing. */
export function outOfOrderFlows(arrivals: readonly Arrival[]): number[] {
  const last = new Map<number, number>();
  const bad = new Set<number>();
  for (const arrival of arrivals) {
    if (!arrival.accepted || arrival.frame.flow === 0) continue;
    const previous = last.get(arrival.frame.flow);
    if (previous !== undefined && arrival.frame.sequence <= previous) bad.add(arrival.frame.flow);
    last.set(arrival.frame.flow, arrival.frame.sequence);
  }
  return [...bad];
}
