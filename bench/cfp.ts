// Issue 9 benchmark rows: the patent's table in the BCM53125's CFP rules (trunk modes cfp / cfp-isolated), measured on
// the model through the firmware, beside hash mode.
//
// * Flows moved on a failover, measured with frames (one switch, k = 2, 3, 4 server NICs, 64 random clients, the
//   last NIC pulled): in CFP mode exactly the flows the patent's table had on the failed member (target: that share,
//   about 1/k), beside hash mode (no target: the chip's own hash).
// * SPI cost of a CFP failover beside its protocol floor (shared/facts/bcm53125-cfp.md §3 "Failover, per entry", and
//   shared/facts/switch-chips.md §1.1 for the transaction framing; page already selected unless it must change):
//     the poll that sees the loss          = one 16-bit read of the link summary                 = 4 transactions, 13 B
//     page write to 0xA0                   = 1 transaction, 3 B
//     per rule of the failed member        = ACT_POL_DATA0, ACT_POL_DATA1, CFP_ACC writes (SPIF poll + 32-bit write:
//                                            2 transactions, 3 + 6 = 9 B each) + one CFP_ACC read (SPIF poll, dummy
//                                            read, RACK poll, data: 4 transactions, 3+3+3+6 = 15 B) = 10 transactions, 42 B
//     mode cfp only: the group bitmap      = page write to 0x32 (1, 3 B) + 16-bit write (2, 7 B)   = 3 transactions, 10 B
//   Target 1.25x. Link loss -> table rewritten, worst case over pull times: target one poll interval + the floor's SPI
//   time + the chip's own time for each action write (the model's named cfpOperationMs).
// * Table balance for 3 members at M = 3, 4, 6, 8, read back from the chip's rules (model.cfpRules(), board side).
// * TCAM entries per server and the largest M that fits for 1..4 servers (the trunk service's default M).
// * XS heap after boot with a CFP trunk configured, on the real XS engine: half the classic-ESP32 budget (bench/xs.ts).
import { oneSwitchScenario, SERVER_MAC, startTrunkingTraffic, type TrunkingScenario } from "../hosts/sim/network/trunking-scenarios";
import { BCM53125_ASSUMPTIONS } from "../hosts/sim/bcm53125";
import { TrunkTable } from "../modules/trunk/table";
import type { TrunkMode } from "../modules/trunk/service";
import { decodeActionPort } from "../modules/chip/bcm53125/cfp-rules";
import { ESP32_CHUNK_BYTES, ESP32_HEAP_SLOTS, makeBench } from "./xs";
import { XsBoard } from "../hosts/xs/board";
import type { Row } from "./row";
import { measurePull } from "./trunking";

const SPI_HZ = 20e6;
const POLL_MS = 10;
const PHASES = 10;
const TARGET_RATIO = 1.25;
const spiMs = (bytes: number) => (bytes * 8 * 1000) / SPI_HZ;
const FLOOR = {
  fixed: { transactions: 4 + 1, bytes: 13 + 3 },
  perRule: { transactions: 10, bytes: 42 },
  group: { transactions: 3, bytes: 10 },
};

// ---- flows moved, measured with frames ------------------------------------------------------------------------

function flowsMoved(k: number, mode: TrunkMode): { moved: number; onFailed: number; flows: number } {
  const scenario = oneSwitchScenario({ nics: k, clients: 64, pattern: "random", seed: 14, settings: { holdDownMs: 200, mode } });
  const started = scenario.network.now;
  startTrunkingTraffic(scenario, { clientIntervalMs: 0.5, serverIntervalMs: 1, count: 100 });
  scenario.network.run(20);
  const pullAt = scenario.network.now;
  const failed = k - 1;
  scenario.network.pull(scenario.server.nics[failed].cable!);
  scenario.network.run(30);
  const before = new Map<number, number>();
  const after = new Map<number, number>();
  for (const arrival of scenario.server.arrivals) {
    if (!arrival.accepted || arrival.atMs < started) continue;
    (arrival.atMs < pullAt ? before : after).set(arrival.frame.sa, arrival.nic);
  }
  let moved = 0;
  for (const [sa, nic] of before) if (after.get(sa) !== nic) moved++;
  // The patent's table over the same members (ports 0..k-1, the default M of the mode): flows on the failed member.
  const view = scenario.switches[0].trunks.show().trunks[0];
  const table = new TrunkTable({ members: Array.from({ length: k }, (_, i) => i), indexBits: view.indexBits });
  let onFailed = 0;
  for (const sa of before.keys()) if (table.memberFor(sa) === failed) onFailed++;
  return { moved, onFailed, flows: before.size };
}

function flowRows(): Row[] {
  const rows: Row[] = [];
  for (const k of [2, 3, 4]) {
    const cfp = flowsMoved(k, "cfp");
    const hash = flowsMoved(k, "hash");
    rows.push(
      { name: `cfp failover k=${k} with frames: flows moved, mode cfp`, value: cfp.moved / cfp.flows, unit: "fraction", target: cfp.onFailed / cfp.flows, better: "lower" },
      { name: `cfp failover k=${k} with frames: flows on the failed member (patent table)`, value: cfp.onFailed / cfp.flows, unit: "fraction", target: null, better: "lower" },
      { name: `cfp failover k=${k} with frames: flows moved, mode hash`, value: hash.moved / hash.flows, unit: "fraction", target: null, better: "lower" },
    );
  }
  return rows;
}

// ---- SPI cost and latency of a CFP failover ---------------------------------------------------------------------

interface Sample {
  transactions: number;
  bytes: number;
  latencyMs: number;
  rules: number;
}

function measureFailover(mode: TrunkMode, phaseMs: number): Sample {
  const scenario: TrunkingScenario = oneSwitchScenario({ nics: 4, clients: 8, pattern: "sequential", settings: { holdDownMs: 200, mode } });
  const sw = scenario.switches[0];
  const failedPort = 2; // not the member the server's static entry points at (that one also moves the entry)
  let rules = 0;
  for (const rule of sw.managed.model.cfpRules()) if (decodeActionPort(rule.action[0]) === failedPort) rules++;
  const pull = measurePull(scenario, failedPort, phaseMs);
  for (const rule of sw.managed.model.cfpRules()) if (decodeActionPort(rule.action[0]) === failedPort) throw new Error(`mode ${mode}: rule ${rule.index} still sends to the failed port`);
  return { transactions: pull.transactions, bytes: pull.bytes, latencyMs: pull.latencyMs, rules };
}

function failoverRows(): Row[] {
  const rows: Row[] = [];
  for (const mode of ["cfp", "cfp-isolated"] as TrunkMode[]) {
    const samples: Sample[] = [];
    for (let phase = 0; phase < PHASES; phase++) samples.push(measureFailover(mode, (phase * POLL_MS) / PHASES + 0.0005));
    samples.push(measureFailover(mode, -1));
    const rules = samples[0].rules;
    const group = mode === "cfp" ? FLOOR.group : { transactions: 0, bytes: 0 };
    const floor = {
      transactions: FLOOR.fixed.transactions + rules * FLOOR.perRule.transactions + group.transactions,
      bytes: FLOOR.fixed.bytes + rules * FLOOR.perRule.bytes + group.bytes,
    };
    const worst = (pick: (s: Sample) => number) => Math.max(...samples.map(pick));
    const prefix = `cfp failover of a member (mode ${mode}, ${rules} rules)`;
    rows.push(
      { name: `${prefix}: SPI transactions`, value: worst((s) => s.transactions), unit: "transactions", target: null, better: "lower" },
      { name: `${prefix}: floor`, value: floor.transactions, unit: "transactions", target: null, better: "lower" },
      { name: `${prefix}: transactions / floor`, value: worst((s) => s.transactions) / floor.transactions, unit: "ratio", target: TARGET_RATIO, better: "lower" },
      { name: `${prefix}: SPI bytes / floor`, value: worst((s) => s.bytes) / floor.bytes, unit: "ratio", target: TARGET_RATIO, better: "lower" },
      {
        name: `${prefix}: link loss -> table rewritten, worst case`,
        value: Math.round(worst((s) => s.latencyMs) * 1e6) / 1e6,
        unit: "ms",
        target: Math.round((POLL_MS + spiMs(floor.bytes) + rules * BCM53125_ASSUMPTIONS.cfpOperationMs) * 1e6) / 1e6,
        better: "lower",
      },
    );
  }
  return rows;
}

// ---- table balance and TCAM use, read back from the chip ----------------------------------------------------------

function balanceRows(): Row[] {
  const rows: Row[] = [];
  for (const m of [3, 4, 6, 8]) {
    const scenario = oneSwitchScenario({ nics: 3, clients: 8, pattern: "sequential", settings: { mode: "cfp", indexBits: m } });
    const counts = [0, 0, 0];
    for (const rule of scenario.switches[0].managed.model.cfpRules()) {
      const port = decodeActionPort(rule.action[0]);
      if (port >= 0 && port < 3) counts[port]++;
    }
    const total = counts[0] + counts[1] + counts[2];
    if (total !== 1 << m) throw new Error(`M=${m}: ${total} rules on the chip, expected ${1 << m}`);
    rows.push(
      { name: `cfp balance 3 members M=${m}: rules per member ${counts.join(":")}, largest`, value: Math.max(...counts), unit: "rules", target: Math.ceil((1 << m) / 3), better: "lower" },
      { name: `cfp balance 3 members M=${m}: smallest`, value: Math.min(...counts), unit: "rules", target: Math.floor((1 << m) / 3), better: "higher" },
    );
  }
  return rows;
}

function tcamRows(): Row[] {
  const rows: Row[] = [];
  for (let servers = 1; servers <= 4; servers++) {
    const scenario = oneSwitchScenario({ nics: 2, clients: 2, pattern: "sequential", settings: { mode: "cfp" } });
    const sw = scenario.switches[0];
    const macs = Array.from({ length: servers }, (_, i) => SERVER_MAC + i);
    sw.run(() => sw.trunks.configure({ group: 0, members: [0, 1], servers: macs, mode: "cfp" }));
    const view = sw.trunks.show().trunks[0];
    const used = sw.managed.model.cfpRules().length;
    rows.push(
      { name: `cfp TCAM, ${servers} server MAC(s): largest M that fits (default)`, value: view.indexBits, unit: "bits", target: 4, better: "higher" },
      { name: `cfp TCAM, ${servers} server MAC(s): entries per server`, value: used / servers, unit: "entries", target: null, better: "lower" },
      { name: `cfp TCAM, ${servers} server MAC(s): entries used of 256`, value: used, unit: "entries", target: 256, better: "lower" },
    );
  }
  return rows;
}

// ---- XS heap after boot with a CFP trunk --------------------------------------------------------------------------

async function xsRows(): Promise<Row[]> {
  const bench = makeBench();
  for (const port of [0, 1, 2, 3]) bench.model.setLink(port, true);
  const board = await XsBoard.start({ spi: bench.spi, clock: bench.clock });
  try {
    await board.run("spi-spin", { count: 10 });
    await board.run("spi-spin", { count: 0 });
    const baseline = await board.markBaseline();
    const boot = await board.run<{ ok: boolean; error?: { message: string } }>("boot");
    if (!boot.result.ok) throw new Error(`the firmware did not boot on XS: ${boot.result.error?.message}`);
    await board.run("trunk-configure", { group: 0, members: [0, 1, 2, 3], servers: [0x02_00_5e_10_20_30], mode: "cfp" });
    await board.run("poll", { count: 50 });
    await board.run("spi-spin", { count: 0 });
    const memory = await board.memory();
    const rules = bench.model.cfpRules().length;
    if (rules === 0) throw new Error("no CFP rule on the chip after configuring a CFP trunk on XS");
    return [
      { name: `cfp xs.boot+cfp-trunk.heap-slots (${rules} rules)`, value: memory.slots - baseline.slots, unit: "slots", target: ESP32_HEAP_SLOTS / 2, better: "lower" },
      { name: `cfp xs.boot+cfp-trunk.chunk-bytes (${rules} rules)`, value: memory.chunkBytes - baseline.chunkBytes, unit: "B", target: ESP32_CHUNK_BYTES / 2, better: "lower" },
    ];
  } finally {
    await board.close();
  }
}

export async function run(): Promise<Row[]> {
  return [...flowRows(), ...failoverRows(), ...balanceRows(), ...tcamRows(), ...(await xsRows())];
}
