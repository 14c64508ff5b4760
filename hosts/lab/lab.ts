// npm run lab -- [options]: the whole patent with real TCP (see docs/lab.md). Needs root: it makes network namespaces.
import { execFileSync } from "node:child_process";
import { existsSync, mkdirSync, writeFileSync } from "node:fs";
import { dirname, join, resolve } from "node:path";
import { fileURLToPath } from "node:url";
import { LabAborted, runLab, type LabOptions } from "./run";

const here = dirname(fileURLToPath(import.meta.url));

const USAGE = `usage: npm run lab -- [options]      (as root: it makes network namespaces, veths and bridges)
  --switches 1|2       one switch, or two joined by a switch-to-switch link with the server's NICs split (default 1)
  --members K          server NICs, 2..4 (default 2 with one switch, 4 with two: two trunk ports on each)
  --clients N          client namespaces, 1..24 (default 8)
  --seconds S          seconds of traffic with the pulls (default 30, at least 10)
  --rate KBPS          kilobytes per second each connection sends each way (default 500; 0: as fast as TCP goes)
  --throughput S       seconds of bulk TCP through a Linux bridge, then through the simulated switch (default 0: skip)
  --index-bits M       M of both tables (2^M entries; default 3)
  --trunk-mode MODE    how the switches follow the patent's table: hash (the chip's own trunk hash; default),
                       cfp (CFP rules beside the trunk group: exact) or cfp-isolated (CFP rules, no trunk group)
  --server-backend B   onemac-team's backend: auto (the kernel team driver where the kernel has it, else
                       userspace; default), userspace or team
  --report FILE        where the HTML report goes (default lab-report/onemac-lab-<time>.html)
  --summary FILE       also write the checks and measurements as JSON
  --plain              no live screen: one line per event (default when stdout is not a terminal)
  -h, --help           this text`;

class UsageError extends Error {}

function integer(name: string, value: string | undefined, min: number, max: number): number {
  const parsed = Number(value);
  if (value === undefined || !Number.isInteger(parsed) || parsed < min || parsed > max) throw new UsageError(`${name} takes a whole number ${min}..${max}, not ${JSON.stringify(value ?? "")}`);
  return parsed;
}

export function parseLabArguments(argv: readonly string[], now = new Date()): Omit<LabOptions, "print" | "live" | "signal"> & { summaryPath: string | null; plain: boolean; help: boolean } {
  const stamp = now.toISOString().replace(/[:.]/g, "-").slice(0, 19);
  const parsed = {
    switches: 1 as 1 | 2,
    members: 2,
    clients: 8,
    seconds: 30,
    rateBytesPerSecond: 500_000,
    throughputSeconds: 0,
    indexBits: 3,
    serverBackend: "auto" as "auto" | "userspace" | "team",
    trunkMode: "hash" as "hash" | "cfp" | "cfp-isolated",
    reportPath: resolve("lab-report", `onemac-lab-${stamp}.html`),
    summaryPath: null as string | null,
    plain: !process.stdout.isTTY,
    help: false,
  };
  let membersGiven = false;
  for (let i = 0; i < argv.length; i++) {
    const arg = argv[i];
    const value = (): string | undefined => argv[++i];
    switch (arg) {
      case "--switches":
        parsed.switches = integer(arg, value(), 1, 2) as 1 | 2;
        break;
      case "--members":
        parsed.members = integer(arg, value(), 2, 4);
        membersGiven = true;
        break;
      case "--clients":
        parsed.clients = integer(arg, value(), 1, 24);
        break;
      case "--seconds":
        parsed.seconds = integer(arg, value(), 10, 3600);
        break;
      case "--rate":
        parsed.rateBytesPerSecond = integer(arg, value(), 0, 1_000_000) * 1000;
        break;
      case "--throughput":
        parsed.throughputSeconds = integer(arg, value(), 0, 600);
        break;
      case "--index-bits":
        parsed.indexBits = integer(arg, value(), 1, 8);
        break;
      case "--server-backend": {
        const backend = value();
        if (backend !== "auto" && backend !== "userspace" && backend !== "team") throw new UsageError(`--server-backend takes auto, userspace or team, not ${JSON.stringify(backend ?? "")}`);
        parsed.serverBackend = backend;
        break;
      }
      case "--trunk-mode": {
        const mode = value();
        if (mode !== "hash" && mode !== "cfp" && mode !== "cfp-isolated") throw new UsageError(`--trunk-mode takes hash, cfp or cfp-isolated, not ${JSON.stringify(mode ?? "")}`);
        parsed.trunkMode = mode;
        break;
      }
      case "--report": {
        const file = value();
        if (!file) throw new UsageError("--report takes a file name");
        parsed.reportPath = resolve(file);
        break;
      }
      case "--summary": {
        const file = value();
        if (!file) throw new UsageError("--summary takes a file name");
        parsed.summaryPath = resolve(file);
        break;
      }
      case "--plain":
        parsed.plain = true;
        break;
      case "-h":
      case "--help":
        parsed.help = true;
        break;
      default:
        throw new UsageError(`unknown option ${JSON.stringify(arg)}`);
    }
  }
  if (!membersGiven && parsed.switches === 2) parsed.members = 4;
  if (parsed.members > 2 ** parsed.indexBits) throw new UsageError(`${parsed.members} members do not fit a table of ${2 ** parsed.indexBits} entries: raise --index-bits`);
  return parsed;
}

async function main(): Promise<number> {
  let parsed: ReturnType<typeof parseLabArguments>;
  try {
    parsed = parseLabArguments(process.argv.slice(2));
  } catch (error) {
    if (error instanceof UsageError) {
      process.stderr.write(`lab: ${error.message}\n${USAGE}\n`);
      return 2;
    }
    throw error;
  }
  if (parsed.help) {
    process.stdout.write(`${USAGE}\n`);
    return 0;
  }
  if (process.platform !== "linux" || process.getuid?.() !== 0) {
    process.stderr.write("lab: needs root on Linux (it makes network namespaces, veths, bridges and raw sockets); try: sudo npm run lab\n");
    return 2;
  }
  const setup = join(here, "setup.sh");
  if (existsSync(setup)) execFileSync("bash", [setup], { stdio: ["ignore", "ignore", "inherit"] });

  const controller = new AbortController();
  let interrupts = 0;
  const onSignal = (name: string): void => {
    interrupts++;
    if (interrupts === 1) {
      process.stderr.write(`\nlab: ${name}: stopping and removing everything the lab made (again to force)\n`);
      controller.abort();
    } else process.exit(130); // the exit handler still removes the namespaces by name
  };
  process.on("SIGINT", () => onSignal("SIGINT"));
  process.on("SIGTERM", () => onSignal("SIGTERM"));
  mkdirSync(dirname(parsed.reportPath), { recursive: true });

  const interactive = !parsed.plain;
  let liveShown = false;
  const print = (line: string): void => {
    if (liveShown) process.stdout.write("\x1b[J");
    process.stdout.write(`${line}\n`);
    liveShown = false;
  };
  const live = interactive
    ? (screen: string): void => {
        const rows = screen.split("\n").length;
        process.stdout.write(`\x1b[J${screen}\n\x1b[${rows}A`);
        liveShown = true;
      }
    : (() => {
        let last = 0;
        return (screen: string): void => {
          if (Date.now() - last < 5000) return;
          last = Date.now();
          process.stdout.write(`${screen}\n`);
        };
      })();
  try {
    const summary = await runLab({ ...parsed, print, live, signal: controller.signal });
    if (parsed.summaryPath) {
      mkdirSync(dirname(parsed.summaryPath), { recursive: true });
      writeFileSync(parsed.summaryPath, JSON.stringify(summary, null, 2));
    }
    print(summary.ok ? "lab: every check passed" : "lab: some checks FAILED (see above and the report)");
    return summary.ok ? 0 : 1;
  } catch (error) {
    if (error instanceof LabAborted) {
      print("lab: interrupted; everything it made is removed");
      return 130;
    }
    print(`lab: ${(error as Error).stack ?? String(error)}`);
    return 1;
  }
}

if (process.argv[1] && fileURLToPath(import.meta.url) === resolve(process.argv[1])) {
  main().then(
    (code) => process.exit(code),
    (error) => {
      process.stderr.write(`lab: ${(error as Error).stack ?? String(error)}\n`);
      process.exit(1);
    },
  );
}
