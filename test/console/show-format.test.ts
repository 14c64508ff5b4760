// The show commands' formatting helpers and the distribution arithmetic on hand-made views (no board): durations,
// port lists, tables, and how buckets, predicted members, load estimates and the router warning are derived.
import { test } from "node:test";
import assert from "node:assert/strict";
import type { PortCounters } from "../../modules/chip/switch-chip";
import { newPortCounters } from "../../modules/chip/switch-chip";
import type { TrunkView } from "../../modules/trunk/service";
import type { ConsoleIo } from "../../modules/console/types";
import {
  ascii,
  formatAge,
  formatDuration,
  formatPortList,
  formatUptime,
  percent,
  portsOfMask,
  trunkName,
  wrapItems,
  writeJson,
  writeTable,
} from "../../modules/console/commands/show-format";
import { ROUTER_WARNING_MIN_FRAMES, trunkDistribution } from "../../modules/console/commands/show-distribution";

function collect(): { io: ConsoleIo; text: () => string } {
  let out = "";
  return {
    io: { write: (t) => (out += t), readSecret: () => {}, hold: () => () => {} },
    text: () => out,
  };
}

test("durations, ages, uptimes, percentages, port lists", () => {
  assert.equal(formatDuration(250), "250 ms");
  assert.equal(formatDuration(10_000), "10 s");
  assert.equal(formatDuration(1500), "1.5 s");
  assert.equal(formatDuration(300_000), "5 min");
  assert.equal(formatDuration(7_200_000), "2 h");
  assert.equal(formatAge(362.9), "363 ms");
  assert.equal(formatAge(12_345), "12.3 s");
  assert.equal(formatAge(298_887), "4 min 58 s");
  assert.equal(formatAge(7_500_000), "2 h 5 min");
  assert.equal(formatAge(-5), "0 ms");
  assert.equal(formatUptime(3_723_456), "01:02:03.456");
  assert.equal(formatUptime(90_061_001), "1d 01:01:01.001");
  assert.equal(percent(1, 3), 33.3);
  assert.equal(percent(5, 0), 0);
  assert.equal(formatPortList([0, 1, 2, 4]), "0-2,4");
  assert.equal(formatPortList([]), "none");
  assert.deepEqual(portsOfMask(0b10110), [1, 2, 4]);
  assert.equal(trunkName(0), "trk1");
});

test("tables: columns as wide as their widest cell, numbers right-aligned, no trailing blanks", () => {
  const out = collect();
  writeTable(out.io, ["Port", "Name", "Frames"], [["0", "uplink", "12"], ["14", "-", "3"]], [true, false, true]);
  assert.equal(out.text(), "Port  Name    Frames\n----  ------  ------\n   0  uplink      12\n  14  -            3\n");
  assert.deepEqual(wrapItems(["a", "b", "c"], 2, "> ", "  "), ["> a b", "  c"]);
});

function view(members: number[], indexBits: number, table: number[], bySaLowBits: number[]): TrunkView {
  return {
    group: 0,
    mode: "hash",
    members,
    indexBits,
    tableSize: 2 ** indexBits,
    hash: "sa",
    vid: 0,
    holdDownMs: 1000,
    servers: ["00:1b:21:5e:00:01"],
    programmedMask: members.reduce((m, p) => m | (1 << p), 0),
    groupMask: members.reduce((m, p) => m | (1 << p), 0),
    anchorPort: members[0],
    chipProgramming: "group-bitmap",
    memberPorts: members.map((port) => ({ port, link: true, state: "active" as const, tableEntries: table.filter((p) => p === port).length })),
    table,
    homeTable: table,
    prediction: {
      label: "predicted (assumption TEST)",
      assumption: { name: "TEST", statement: "s", source: "x" },
      saBits: 3,
      bySaLowBits,
      classesPerMember: members.map((port) => ({ port, classes: bySaLowBits.filter((p) => p === port).length })),
    },
  };
}

function counters(tx: Record<number, number>): (port: number) => PortCounters {
  return (port) => ({ ...newPortCounters(), txUnicast: tx[port] ?? 0 });
}

test("a table of 4 entries (M = 2) under a 3-bit chip hash: each bucket names every member the chip may pick", () => {
  // 3 members: table 0 1 2 0; chip: low 3 bits mod 3 -> 0 1 2 0 1 2 0 1
  const v = view([0, 1, 2], 2, [0, 1, 2, 0], [0, 1, 2, 0, 1, 2, 0, 1]);
  const d = trunkDistribution(v, { macs: [], vids: [], ports: [] }, counters({}));
  assert.deepEqual(d.buckets.map((b) => b.predictedMembers), [[0, 1], [1, 2], [2, 0], [0, 1]]);
});

test("a table of 16 entries (M = 4): bucket i and bucket i + 8 share the chip's class", () => {
  const table = Array.from({ length: 16 }, (_, i) => [0, 1][i % 2]);
  const v = view([0, 1], 4, table, [0, 1, 0, 1, 0, 1, 0, 1]);
  const d = trunkDistribution(v, { macs: [], vids: [], ports: [] }, counters({}));
  for (const bucket of d.buckets) assert.deepEqual(bucket.predictedMembers, [bucket.index % 2]);
});

test("load estimate: each member's frames split over the clients it carries; servers and member-port MACs are not clients", () => {
  const v = view([0, 1], 3, [0, 1, 0, 1, 0, 1, 0, 1], [0, 1, 0, 1, 0, 1, 0, 1]);
  const base = 0x3c0754000000;
  const tracked = {
    macs: [0x001b215e0001, base + 0, base + 2, base + 1, base + 9],
    vids: [0, 0, 0, 0, 0],
    ports: [0, 4, 4, 4, 0], // the server (static, on a member) and a MAC seen on member 0 are not clients
  };
  const d = trunkDistribution(v, tracked, counters({ 0: 300, 1: 50 }));
  assert.equal(d.clients, 3);
  assert.deepEqual(d.buckets[0].clients, ["3c:07:54:00:00:00"]);
  assert.deepEqual(d.buckets[1].clients, ["3c:07:54:00:00:01"]);
  assert.equal(d.buckets[0].estimatedTxFrames, 150);
  assert.equal(d.buckets[2].estimatedTxFrames, 150);
  assert.equal(d.buckets[1].estimatedTxFrames, 50);
  assert.equal(d.memberLoad[0].loadShare, 85.7);
  assert.equal(d.warning, undefined, "port 0 carries two client MACs");
});

test("router warning needs >= 75 % on one member, a single client MAC there, two members in service and enough frames", () => {
  const v = view([0, 1], 3, [0, 1, 0, 1, 0, 1, 0, 1], [0, 1, 0, 1, 0, 1, 0, 1]);
  const base = 0x3c0754000000;
  const tracked = { macs: [base + 0, base + 1, base + 3], vids: [0, 0, 0], ports: [4, 4, 4] };
  assert.match(trunkDistribution(v, tracked, counters({ 0: 750, 1: 250 })).warning!, /75\.0 % of the measured load is on port 0.*\(3c:07:54:00:00:00\)/);
  assert.equal(trunkDistribution(v, tracked, counters({ 0: 740, 1: 260 })).warning, undefined);
  assert.equal(trunkDistribution(v, tracked, counters({ 0: ROUTER_WARNING_MIN_FRAMES - 1, 1: 0 })).warning, undefined);
  const oneUp = { ...v, memberPorts: [v.memberPorts[0], { ...v.memberPorts[1], state: "down" as const }] };
  assert.equal(trunkDistribution(oneUp, tracked, counters({ 0: 1000 })).warning, undefined);
});

test("ASCII for the UART: the facts' section sign spelled out in text, escaped in JSON", () => {
  assert.equal(ascii("switch-chips.md \u00a71.4 (UNCERTAIN)"), "switch-chips.md section 1.4 (UNCERTAIN)");
  assert.equal(ascii("caf\u00e9"), "caf?");
  assert.equal(ascii("plain"), "plain");
  const out = collect();
  writeJson(out.io, { source: "md \u00a71.4", name: "caf\u00e9" });
  assert.equal(out.text(), '{"source":"md \\u00a71.4","name":"caf\\u00e9"}\n');
  assert.deepEqual(JSON.parse(out.text()), { source: "md \u00a71.4", name: "caf\u00e9" });
});
