// `show trunk distribution`: the patent's table made visible. For each table entry (bucket) of a trunk: the member
// the table names and, on a chip that only hashes (BCM53125), the member the chip is predicted to pick, labelled with
// its named assumption; the learned client MACs whose low M source bits select the bucket; and the bucket's load,
// estimated from the measured per-member counters. In the CFP modes the chip's rules carry the table itself: each
// bucket's member is exact (the rule that decides is named), and nothing is labelled a prediction. Then each member's share of buckets and of measured load, and a
// warning when traffic from behind a router (one source MAC) pins one member.
//
// What is measured and what is not: the member counters are the chip's MIB counters since `clear counters` (tx on a
// member = frames toward the server, the direction the source-MAC hash spreads). The chip counts per port, not per
// bucket, so a bucket's load is an ESTIMATE: each member's tx frames split evenly over the client MACs it carries
// (by the chip's predicted choice where there is one, else by the table). Both the text and the JSON say so.
import type { PortCounters } from "../../chip/switch-chip";
import { formatMac, macLowBits, parseMac } from "../../mac";
import type { MemberState, TrunkView } from "../../trunk/service";
import type { ConsoleIo } from "../types";
import { ascii, formatPercent, formatPortList, LOAD_BALANCE_NAMES, padStart, percent, trunkName, wrapItems, writeTable } from "./show-format";

/** The warning needs at least this share of the trunk's measured tx frames on one member ... */
export const ROUTER_WARNING_SHARE = 75;
/** ... and at least this many frames in all, so a few ARP broadcasts do not raise it. */
export const ROUTER_WARNING_MIN_FRAMES = 100;
/** Client MACs per text line in a bucket's row. */
const MACS_PER_LINE = 6;

export const LOAD_MEASURED =
  'measured: each member port\'s MIB frame counters since "clear counters" (tx = toward the server, the direction the source-MAC hash spreads)';
export const LOAD_ESTIMATE = "estimate: a bucket's load is its member's measured tx frames split evenly over the client MACs that member carries";

export interface DistributionBucket {
  index: number;
  /** Member port the patent's table names now (-1: no member in service). */
  member: number;
  /** Chip only hashes: the member port(s) it is predicted to pick for the source MACs of this bucket. */
  predictedMembers?: number[];
  /** CFP modes: the rule that sends this bucket to `member` (first server's block; the others' are perServer apart). */
  rule?: number;
  /** Learned client MACs whose low M bits are `index`, ascending. */
  clients: string[];
  /** ESTIMATE (see LOAD_ESTIMATE), frames toward the server. */
  estimatedTxFrames: number;
}

export interface DistributionMember {
  port: number;
  state: MemberState;
  link: boolean;
  /** Table entries the member holds now, and their share of the table (percent). */
  buckets: number;
  bucketShare: number;
  /** Chip only hashes: SA classes (of 2^saBits) predicted on this member, and their share (percent). */
  predictedClasses?: number;
  predictedShare?: number;
  /** Client MACs this member carries (by the chip's prediction where there is one, else by the table). */
  clients: number;
  /** Measured since `clear counters`: frames from the server (rx) and toward it (tx). */
  rxFrames: number;
  txFrames: number;
  /** This member's share of the trunk's measured tx frames (percent). */
  loadShare: number;
}

export interface TrunkDistribution {
  trunk: string;
  group: number;
  members: number[];
  loadBalance: string;
  indexBits: number;
  tableSize: number;
  chipProgramming: TrunkView["chipProgramming"];
  /** How the chip follows the table (TrunkView.mode). */
  mode?: TrunkView["mode"];
  /** CFP modes: the rule blocks (TrunkView.rules); the buckets' members are then exact. */
  rules?: { first: number; count: number; perServer: number };
  /** Present where the chip's member is a prediction: print the label beside every predicted value. */
  prediction?: { label: string; saBits: number };
  load: { measured: string; estimate: string; totalTxFrames: number; unattributedTxFrames: number };
  buckets: DistributionBucket[];
  memberLoad: DistributionMember[];
  /** Client MACs in the buckets (tracked ARL entries not on this trunk, servers excluded). */
  clients: number;
  /** Set when the chip does not hash on the source MAC: the buckets are then the table's, not the chip's choice. */
  note?: string;
  warning?: string;
}

/** Learned addresses (from the move monitor's tracking table), as parallel arrays sorted by MAC. */
export interface TrackedAddresses {
  macs: number[];
  vids: number[];
  ports: number[];
}

function frames(counters: PortCounters, tx: boolean): number {
  return tx ? counters.txUnicast + counters.txMulticast + counters.txBroadcast : counters.rxUnicast + counters.rxMulticast + counters.rxBroadcast;
}

/**
 * Builds one trunk's distribution. `counters(port)` gives a member's counters since `clear counters`; `tracked` are
 * the learned addresses. Pure: reads only its arguments.
 */
export function trunkDistribution(view: TrunkView, tracked: TrackedAddresses, counters: (port: number) => PortCounters): TrunkDistribution {
  const size = view.tableSize;
  const prediction = view.prediction;
  const memberPorts = view.memberPorts;
  const k = memberPorts.length;

  // Client MACs of this trunk: learned anywhere but on its members, and not its servers.
  const servers: number[] = [];
  for (let s = 0; s < view.servers.length; s++) servers.push(parseMac(view.servers[s]));
  const clientMacs: number[] = [];
  const carriers: number[] = [];
  const carried = new Array<number>(k).fill(0);
  for (let i = 0; i < tracked.macs.length; i++) {
    const mac = tracked.macs[i];
    if (view.members.indexOf(tracked.ports[i]) >= 0) continue;
    if (servers.indexOf(mac) >= 0) continue;
    clientMacs.push(mac);
    const carrier = prediction ? prediction.bySaLowBits[macLowBits(mac, prediction.saBits)] : view.table[macLowBits(mac, view.indexBits)];
    carriers.push(carrier);
    const m = view.members.indexOf(carrier);
    if (m >= 0) carried[m]++;
  }

  const rx: number[] = [];
  const tx: number[] = [];
  let totalTx = 0;
  for (let m = 0; m < k; m++) {
    const c = counters(memberPorts[m].port);
    rx.push(frames(c, false));
    tx.push(frames(c, true));
    totalTx += tx[m];
  }

  const buckets: DistributionBucket[] = [];
  for (let i = 0; i < size; i++) {
    const bucket: DistributionBucket = { index: i, member: view.table[i], clients: [], estimatedTxFrames: 0 };
    if (view.rules && view.rules.count > 0) bucket.rule = view.rules.first + i * view.rules.rulesPerEntry;
    if (prediction) {
      // The chip looks at saBits low bits; a bucket of M < saBits bits spans several of its classes, M > saBits one.
      const predicted: number[] = [];
      const classes = 2 ** prediction.saBits;
      for (let low = 0; low < classes; low++) {
        if (!sameClass(low, i, prediction.saBits, view.indexBits)) continue;
        const port = prediction.bySaLowBits[low];
        if (predicted.indexOf(port) < 0) predicted.push(port);
      }
      bucket.predictedMembers = predicted;
    }
    buckets.push(bucket);
  }
  let attributed = 0;
  for (let c = 0; c < clientMacs.length; c++) {
    const bucket = buckets[macLowBits(clientMacs[c], view.indexBits)];
    bucket.clients.push(formatMac(clientMacs[c]));
    const m = view.members.indexOf(carriers[c]);
    if (m < 0) continue;
    const share = tx[m] / carried[m];
    bucket.estimatedTxFrames += share;
    attributed += share;
  }
  for (let i = 0; i < size; i++) buckets[i].estimatedTxFrames = Math.round(buckets[i].estimatedTxFrames);

  const memberLoad: DistributionMember[] = [];
  for (let m = 0; m < k; m++) {
    const member = memberPorts[m];
    const entry: DistributionMember = {
      port: member.port,
      state: member.state,
      link: member.link,
      buckets: member.tableEntries,
      bucketShare: percent(member.tableEntries, size),
      clients: carried[m],
      rxFrames: rx[m],
      txFrames: tx[m],
      loadShare: percent(tx[m], totalTx),
    };
    if (prediction) {
      let classes = 0;
      for (let low = 0; low < prediction.bySaLowBits.length; low++) if (prediction.bySaLowBits[low] === member.port) classes++;
      entry.predictedClasses = classes;
      entry.predictedShare = percent(classes, prediction.bySaLowBits.length);
    }
    memberLoad.push(entry);
  }

  const result: TrunkDistribution = {
    trunk: trunkName(view.group),
    group: view.group,
    members: view.members.slice(),
    loadBalance: LOAD_BALANCE_NAMES[view.hash],
    indexBits: view.indexBits,
    tableSize: size,
    chipProgramming: view.chipProgramming,
    mode: view.mode,
    load: { measured: LOAD_MEASURED, estimate: LOAD_ESTIMATE, totalTxFrames: totalTx, unattributedTxFrames: Math.max(0, Math.round(totalTx - attributed)) },
    buckets,
    memberLoad,
    clients: clientMacs.length,
  };
  if (prediction) result.prediction = { label: prediction.label, saBits: prediction.saBits };
  if (view.rules) result.rules = { first: view.rules.first, count: view.rules.count, perServer: view.rules.perServer };
  if (view.hash !== "sa" && !view.rules)
    result.note =
      `the chip hashes on ${result.loadBalance}, not on the source MAC: the buckets show the patent's table, not where the chip sends ` +
      'frames, and the load estimate follows the table ("trunk-load-balance src-mac" restores the patent\'s choice)';
  const warning = routerWarning(result, clientMacs, carriers);
  if (warning) result.warning = warning;
  return result;
}

/** Whether SA class `low` (of `saBits` bits) and bucket `index` (of `indexBits` bits) can hold the same MAC. */
function sameClass(low: number, index: number, saBits: number, indexBits: number): boolean {
  const common = Math.min(saBits, indexBits);
  const mask = (1 << common) - 1;
  return (low & mask) === (index & mask);
}

/** Traffic from behind a router: most measured load on one member whose buckets hold a single client MAC. */
function routerWarning(d: TrunkDistribution, clientMacs: readonly number[], carriers: readonly number[]): string | undefined {
  const total = d.load.totalTxFrames;
  if (total < ROUTER_WARNING_MIN_FRAMES) return undefined;
  let inService = 0;
  for (const member of d.memberLoad) if (member.state === "active") inService++;
  if (inService < 2) return undefined;
  for (const member of d.memberLoad) {
    if (member.loadShare < ROUTER_WARNING_SHARE || member.clients !== 1) continue;
    let mac = "";
    for (let c = 0; c < carriers.length; c++) if (carriers[c] === member.port) mac = formatMac(clientMacs[c]);
    return (
      `${formatPercent(member.loadShare)} of the measured load is on port ${member.port}, whose buckets hold a single client MAC (${mac}): ` +
      "traffic from behind a router carries the router's MAC as its source, so it always takes one member and the others stay idle"
    );
  }
  return undefined;
}

/** The text form of one trunk's distribution. */
export function writeDistribution(io: ConsoleIo, d: TrunkDistribution): void {
  io.write(
    `${d.trunk}: ports ${formatPortList(d.members)}, load balance ${d.loadBalance}, table ${d.tableSize} entries (M = ${d.indexBits}), ` +
      `chip programmed with ${chipText(d)}\n`,
  );
  if (d.rules) io.write("Members are exact: the chip's CFP rules carry the table (bucket i -> rule i of each server's block).\n");
  const predicted = d.prediction !== undefined;
  if (d.prediction) io.write(`Chip's member: ${ascii(d.prediction.label)}\n`);
  io.write(`Load ${d.load.measured}.\nEst. frames are an ${d.load.estimate}.\n\n`);

  const ruled = d.rules !== undefined && d.rules.count > 0;
  const headers = predicted
    ? ["Bucket", "Table", "Predicted", "Est. frames", "Client MACs"]
    : ruled
      ? ["Bucket", "Rule", "Member", "Est. frames", "Client MACs"]
      : ["Bucket", "Member", "Est. frames", "Client MACs"];
  const rows: string[][] = [];
  for (const bucket of d.buckets) {
    const lines = bucket.clients.length ? wrapItems(bucket.clients, MACS_PER_LINE, "", "") : ["-"];
    for (let l = 0; l < lines.length; l++) {
      const first = l === 0;
      const row = [first ? String(bucket.index) : ""];
      if (ruled) row.push(first ? String(bucket.rule) : "");
      row.push(first ? memberText(bucket.member) : "");
      if (predicted) row.push(first ? (bucket.predictedMembers ?? []).map(memberText).join("/") : "");
      row.push(first ? `~${bucket.estimatedTxFrames}` : "", lines[l]);
      rows.push(row);
    }
  }
  writeTable(io, headers, rows, predicted || ruled ? [true, true, true, true] : [true, true, true]);
  io.write("\n");

  const memberHeaders = ["Port", "State", "Buckets"];
  if (predicted) memberHeaders.push("Predicted");
  memberHeaders.push("Clients", "Rx frames", "Tx frames", "Load share");
  const memberRows: string[][] = [];
  for (const member of d.memberLoad) {
    const row = [String(member.port), member.state, `${member.buckets}/${d.tableSize} ${padStart(formatPercent(member.bucketShare), 7)}`];
    if (predicted) row.push(`${member.predictedClasses}/${2 ** (d.prediction?.saBits ?? 0)} ${padStart(formatPercent(member.predictedShare ?? 0), 7)}`);
    row.push(String(member.clients), String(member.rxFrames), String(member.txFrames), formatPercent(member.loadShare));
    memberRows.push(row);
  }
  const numeric = predicted ? [true, false, false, false, true, true, true, true] : [true, false, false, true, true, true, true];
  writeTable(io, memberHeaders, memberRows, numeric);
  io.write(`${d.clients} client MACs; ${d.load.totalTxFrames} tx frames measured toward the server`);
  io.write(d.load.unattributedTxFrames > 0 ? `, ${d.load.unattributedTxFrames} on members carrying no learned client MAC\n` : "\n");
  if (d.note) io.write(`Note: ${d.note}\n`);
  if (d.warning) io.write(`WARNING: ${d.warning}\n`);
}

function chipText(d: TrunkDistribution): string {
  if (d.chipProgramming === "group-bitmap") return "the group bitmap and its own hash";
  const rules = d.rules;
  const where = rules && rules.count > 0 ? `rules ${rules.first}..${rules.first + rules.count - 1}` : "no rule yet (no server MAC flagged)";
  return `CFP rules, mode ${d.mode} (${where})`;
}

function memberText(port: number): string {
  return port < 0 ? "none" : String(port);
}
