#!/usr/bin/env -S node --import tsx
// onemac-team up|down|status|check [--config FILE] [--json]
//   up      brings the team up and keeps it running in the foreground (systemd runs it); SIGTERM or `down` stops it
//   down    asks the running team to take everything down and exit
//   status  per member: link, enabled, slots, tx/rx counters, failures, last change
//   check   validates the configuration file and prints the result, changes nothing
// Exit codes: 0 done, 1 failed (nothing changed), 2 bad usage or configuration.
import { readFile } from "node:fs/promises";
import { PacketArpProbers } from "./arp-prober";
import { chooseBackend } from "./backend-choice";
import { parseTeamConfigText, type TeamConfig } from "./config";
import { controlSocketPath, requestControl, serveControl } from "./control-socket";
import { TeamController, type TeamStatus } from "./controller";
import { ConfigError, TeamError } from "./errors";
import { IpAddressing } from "./iproute";
import { IpMonitorLinks } from "./links";
import { SystemTimers } from "./timers";

export const DEFAULT_CONFIG_PATH = "/etc/onemac/team.json";
const USAGE = `usage: onemac-team up|down|status|check [--config FILE] [--json]
  --config FILE  team configuration (default ${DEFAULT_CONFIG_PATH})
  --json         machine-readable output`;

interface Arguments {
  readonly command: "up" | "down" | "status" | "check";
  readonly configPath: string;
  readonly json: boolean;
}

class UsageError extends Error {}

export function parseArguments(argv: readonly string[]): Arguments {
  let command: Arguments["command"] | null = null;
  let configPath = DEFAULT_CONFIG_PATH;
  let json = false;
  for (let index = 0; index < argv.length; index++) {
    const argument = argv[index]!;
    if (argument === "--json") json = true;
    else if (argument === "--config") {
      const value = argv[++index];
      if (!value) throw new UsageError("--config needs a file name");
      configPath = value;
    } else if (argument.startsWith("--config=")) configPath = argument.slice("--config=".length);
    else if (argument === "--help" || argument === "-h") throw new UsageError("");
    else if (command === null && ["up", "down", "status", "check"].includes(argument)) command = argument as Arguments["command"];
    else throw new UsageError(`unexpected argument ${JSON.stringify(argument)}`);
  }
  if (command === null) throw new UsageError("a command is needed");
  return { command, configPath, json };
}

async function loadConfig(path: string): Promise<TeamConfig> {
  let text: string;
  try {
    text = await readFile(path, "utf8");
  } catch (error) {
    throw new ConfigError([{ field: "(file)", message: `cannot read ${path}: ${(error as Error).message}` }], path);
  }
  return parseTeamConfigText(text, path);
}

export function formatStatus(status: TeamStatus): string {
  const lines = [
    `team ${status.name}  mac ${status.mac}  mode ${status.mode}  backend ${status.backend}  slots ${2 ** status.slotBits} (M=${status.slotBits})  failback ${status.failback}`,
    ...(status.degradedMode
      ? [status.degradedMode.summary, ...status.degradedMode.differences.map((difference) => `  - ${difference}`), `  (see ${status.degradedMode.documentation})`]
      : []),
    ...(status.backendReason ? [`backend chosen: ${status.backendReason}`] : []),
    `broadcasts on ${status.broadcastMember ?? "(none)"}${status.activeMember !== null ? `  active ${status.activeMember}` : ""}`,
    `table ${status.table.map((owner, slot) => `${slot}:${owner ?? "-"}`).join(" ")}`,
  ];
  const header = ["member", "link", "enabled", "slots", "tx frames", "tx bytes", "rx frames", "rx bytes", "rx dropped", "failures", "last change"];
  const rows = status.members.map((member) => [
    member.ifname,
    member.link,
    member.enabled ? "yes" : "no",
    member.slots.join(",") || "-",
    String(member.txFrames),
    String(member.txBytes),
    String(member.rxFrames),
    String(member.rxBytes),
    String(member.rxDropped),
    String(member.failures),
    `${member.lastChange} (${member.lastReason})`,
  ]);
  const widths = header.map((title, column) => Math.max(title.length, ...rows.map((row) => row[column]!.length)));
  for (const row of [header, ...rows]) lines.push(row.map((cell, column) => cell.padEnd(widths[column]!)).join("  ").trimEnd());
  if (status.lastError) lines.push(`last error: ${status.lastError}`);
  return lines.join("\n");
}

function log(message: string): void {
  process.stderr.write(`onemac-team: ${message}\n`);
}

async function up(config: TeamConfig, json: boolean, output: Output): Promise<void> {
  const decision = await chooseBackend(config);
  log(`backend ${decision.backend.kind} (${decision.reason})`);
  const controller = new TeamController({
    config,
    backend: decision.backend,
    links: new IpMonitorLinks(),
    timers: new SystemTimers(),
    addressing: new IpAddressing(),
    arpProbers: new PacketArpProbers(),
    log,
    backendReason: decision.reason,
  });
  if (decision.backend.kind === "bonding") log("running in the DEGRADED bonding mode (balance-xor, layer2): see docs/linux-bonding-degraded.md");
  await controller.start();
  let stopping: Promise<void> | null = null;
  const stop = (): Promise<void> => (stopping ??= controller.stop().finally(() => server.close()));
  const server = await serveControl(config.name, async (request) => {
    if (request.command === "status") return controller.status();
    setImmediate(() => void stop());
    return { stopping: config.name };
  });
  for (const signal of ["SIGTERM", "SIGINT"] as const) process.once(signal, () => void stop());
  const status = await controller.status();
  output.out((json ? JSON.stringify(status) : formatStatus(status)) + "\n");
  log(`running; control socket ${controlSocketPath(config.name)}`);
  await new Promise<void>((resolve) => server.once("close", () => resolve()));
  await stopping;
  log(`team ${config.name} is down`);
}

export interface Output {
  out(text: string): void;
  err(text: string): void;
}

const processOutput: Output = {
  out: (text) => void process.stdout.write(text),
  err: (text) => void process.stderr.write(text),
};

export async function main(argv: readonly string[], output: Output = processOutput): Promise<number> {
  let parsed: Arguments;
  try {
    parsed = parseArguments(argv);
  } catch (error) {
    const message = (error as Error).message;
    output.err((message ? `onemac-team: ${message}\n` : "") + USAGE + "\n");
    return 2;
  }
  try {
    const config = await loadConfig(parsed.configPath);
    switch (parsed.command) {
      case "check":
        output.out(parsed.json ? JSON.stringify(config) + "\n" : `${parsed.configPath}: valid\n`);
        return 0;
      case "up":
        await up(config, parsed.json, output);
        return 0;
      case "down":
        await requestControl(config.name, { command: "down" });
        output.out(parsed.json ? JSON.stringify({ down: config.name }) + "\n" : `team ${config.name} is going down\n`);
        return 0;
      case "status": {
        const status = (await requestControl(config.name, { command: "status" })) as TeamStatus;
        output.out((parsed.json ? JSON.stringify(status, null, 2) : formatStatus(status)) + "\n");
        return 0;
      }
    }
  } catch (error) {
    if (parsed.json) output.out(JSON.stringify({ error: (error as Error).message, code: (error as TeamError).code ?? "error" }) + "\n");
    else output.err(`onemac-team: ${(error as Error).message}\n`);
    return error instanceof ConfigError ? 2 : 1;
  }
}

// Run directly (`node --import tsx cli.ts ...`); the installed executable (bin/onemac-team.mjs) calls main itself.
if (process.argv[1] && /cli\.ts$/.test(process.argv[1])) {
  main(process.argv.slice(2)).then((code) => process.exit(code));
}
