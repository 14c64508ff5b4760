// npm run bench [-- --json] [-- --only NAME]: runs every benchmark suite and prints one table
// (or a JSON array of rows {name, value, unit, target, better}). Exits non-zero when a row misses its target.
import { meets, type Row } from "./row";

interface Suite {
  name: string;
  load: () => Promise<{ run: () => Promise<Row[]> }>;
}

const SUITES: Suite[] = [
  { name: "spi", load: () => import("./spi") },
  { name: "xs", load: () => import("./xs") },
  { name: "xs-console", load: () => import("./xs-console") },
  { name: "save", load: () => import("./save") },
  { name: "trunking", load: () => import("./trunking") },
  { name: "cfp", load: () => import("./cfp") },
  { name: "linux-team", load: () => import("./linux-team") },
  { name: "lab", load: () => import("./lab") },
];

function format(value: number): string {
  if (Number.isInteger(value)) return String(value);
  return Math.abs(value) >= 100 ? value.toFixed(1) : value.toPrecision(4);
}

async function main(): Promise<void> {
  const args = process.argv.slice(2);
  const json = args.includes("--json");
  const onlyAt = args.indexOf("--only");
  const only = onlyAt >= 0 ? args[onlyAt + 1] : undefined;
  const rows: Row[] = [];
  let failures = 0;
  for (const suite of SUITES) {
    if (only && suite.name !== only) continue;
    try {
      const module = await suite.load();
      rows.push(...(await module.run()));
    } catch (error) {
      failures++;
      process.stderr.write(`bench suite ${suite.name} failed: ${error instanceof Error ? error.stack : String(error)}\n`);
    }
  }
  const missed = rows.filter((row) => meets(row) === false);
  if (json) {
    process.stdout.write(JSON.stringify(rows, null, 2) + "\n");
  } else {
    const header = ["name", "value", "unit", "target", "better", "ok"];
    const table = rows.map((row) => {
      const ok = meets(row);
      return [row.name, format(row.value), row.unit, row.target === null ? "-" : format(row.target), row.better, ok === null ? "-" : ok ? "yes" : "NO"];
    });
    const widths = header.map((h, i) => Math.max(h.length, ...table.map((r) => r[i].length)));
    const line = (cells: string[]) => cells.map((c, i) => (i === 1 || i === 3 ? c.padStart(widths[i]) : c.padEnd(widths[i]))).join("  ");
    process.stdout.write(line(header) + "\n" + widths.map((w) => "-".repeat(w)).join("  ") + "\n");
    for (const r of table) process.stdout.write(line(r) + "\n");
    process.stdout.write(`\n${rows.length} rows, ${missed.length} missed their target${failures ? `, ${failures} suites failed` : ""}\n`);
  }
  if (missed.length || failures) process.exitCode = 1;
}

await main();
