#!/usr/bin/env -S node --import tsx
// onemac-team up|down|status|check|help [--config FILE] [--name TEAM] [--json]
//   up      brings the team up and keeps it running in the foreground (systemd runs it); SIGTERM or `down` stops it
//   down    asks the running team to take everything down and exit
//   status  per member: link, enabled, slots, tx/rx counters, failures, last change
//   check   validates the configuration file and prints the result, changes nothing
//   help    prints the usage (as do --help and -h)
// `status` and `down` find the team by name (--name or a word after the command), by --config, or, given neither,
// as the only team running. Exit codes: 0 done, 1 failed (nothing changed), 2 bad usage or configuration.
import { readFile } from "node:fs/promises";
import { PacketArpProbers } from "./arp-prober";
import { chooseBackend } from "./backend-choice";
import { parseTeamConfigText, type TeamConfig } from "./config";
import { controlSocketPath, requestControl, runningTeams, runtimeDirectory, serveControl } from "./control-socket";
import { TeamController, type TeamStatus } from "./controller";
import { ConfigError, TeamError } from "./errors";
import { IpAddressing } from "./iproute";
import { IpMonitorLinks } from "./links";
import { SystemTimers } from "./timers";

export const DEFAULT_CONFIG_PATH = "/etc/onemac/team.json";
export const USAGE = `usage: onemac-team up     [--config FILE] [--json]   bring the team up; stays in the foreground
       onemac-team status [TEAM | --name TEAM | --config FILE] [--json]
                                                 per member: link, slots, counters; the broadcast member
       onemac-team down   [TEAM | --name TEAM | --config FILE] [--json]
                                                 ask the running team to undo everything and exit
       onemac-team check  [--config FILE] [--json]   validate the configuration file only
       onemac-team help                          this text (also --help, -h)
  --config FILE  team configuration (default ${DEFAULT_CONFIG_PATH} for up and check)
  --name TEAM    the running team's name (its device, e.g. onemac0); status and down without a name or a
                 configuration file talk to the only team running
  --json         machine-readable output
  Running teams answer on ${runtimeDirectory()}/TEAM.sock (ONEMAC_RUNTIME_DIRECTORY changes the directory).
  Exit codes: 0 done, 1 failed (nothing changed), 2 bad usage or configuration.`;

type Command = "up" | "down" | "status" | "check" | "help";
const COMMANDS: readonly Command[] = ["up", "down", "status", "check", "help"];

interface Arguments {
  readonly command: Command;
  /** --config FILE, or the default for up and check; null for status and down when not given. */
  readonly configPath: string | null;
  readonly json: boolean;
  /** status / down: the team named on the command line. */
  readonly teamName?: string;
}

class UsageError extends Error {}

export function parseArguments(argv: readonly string[]): Arguments {
  let command: Command | null = null;
  let configPath: string | null = null;
  let teamName: string | null = null;
  let json = false;
  const setName = (value: string | undefined, how: string): void => {
    if (!value) throw new UsageError(`${how} needs a team name`);
    if (teamName !== null) throw new UsageError(`two team names: ${teamName} and ${value}`);
    teamName = value;
  };
  for (let index = 0; index < argv.length; index++) {
    const argument = argv[index]!;
    if (argument === "--help" || argument === "-h") return { command: "help", configPath: null, json: false };
    if (argument === "--json") json = true;
    else if (argument === "--config") {
      const value = argv[++index];
      if (!value) throw new UsageError("--config needs a file name");
      configPath = value;
    } else if (argument.startsWith("--config=")) configPath = argument.slice("--config=".length);
    else if (argument === "--name") setName(argv[++index], "--name");
    else if (argument.startsWith("--name=")) setName(argument.slice("--name=".length), "--name");
    else if (command === null && (COMMANDS as readonly string[]).includes(argument)) command = argument as Command;
    else if ((command === "status" || command === "down") && !argument.startsWith("-")) setName(argument, command);
    else throw new UsageError(`unexpected argument ${JSON.stringify(argument)}`);
  }
  if (command === null) throw new UsageError("a command is needed");
  if (command === "help") return { command, configPath: null, json: false };
  if (teamName !== null) {
    if (command !== "status" && command !== "down") throw new UsageError(`${command} takes --config, not a team name`);
    if (configPath !== null) throw new UsageError("name the team or give its configuration file, not both");
    return { command, configPath, json, teamName };
  }
  if (configPath === null && (command === "up" || command === "check")) configPath = DEFAULT_CONFIG_PATH;
  return { command, configPath, json };
}

/** The team `status` or `down` talks to: named, from the configuration file, or the only one running. */
async function targetTeam(parsed: Arguments): Promise<string> {
  if (parsed.teamName !== undefined) return parsed.teamName;
  if (parsed.configPath !== null) return (await loadConfig(parsed.configPath)).name;
  const running = await runningTeams();
  if (running.length === 1) return running[0]!;
  if (running.length === 0) {
    throw new TeamError("not-running", `no team is running (no control socket answers in ${runtimeDirectory()}); start one with onemac-team up`);
  }
  throw new UsageError(`${running.length} teams are running (${running.join(", ")}): name one, e.g. onemac-team ${parsed.command} ${running[0]}`);
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
    formatBroadcast(status) + (status.activeMember !== null ? `  active ${status.activeMember}` : ""),
    `table ${status.table.map((owner, slot) => `${slot}:${owner ?? "-"}`).join(" ")}`,
    ...(status.txDropped !== null ? [`tx dropped ${status.txDropped} (sent through the team, taken by no member)`] : []),
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

/** Which member takes broadcasts and multicasts in, and why. */
export function formatBroadcast(status: TeamStatus): string {
  if (status.broadcastReceive === "designated") {
    return status.broadcastMember !== null
      ? `broadcast member ${status.broadcastMember} (broadcasts and multicasts are taken in on ${status.broadcastMember} only)`
      : "broadcast member (none: no member is healthy)";
  }
  const why = status.backend === "userspace" ? 'broadcastReceive "all"' : `the ${status.backend} backend has no per-member receive filter`;
  return `broadcast member (none designated, ${why}): broadcasts and multicasts are taken in on every enabled member (${status.broadcastReceivers.join(", ") || "none"})`;
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
    switch (parsed.command) {
      case "help":
        output.out(USAGE + "\n");
        return 0;
      case "check": {
        const config = await loadConfig(parsed.configPath!);
        output.out(parsed.json ? JSON.stringify(config) + "\n" : `${parsed.configPath}: valid\n`);
        return 0;
      }
      case "up":
        await up(await loadConfig(parsed.configPath!), parsed.json, output);
        return 0;
      case "down": {
        const name = await targetTeam(parsed);
        await requestControl(name, { command: "down" });
        output.out(parsed.json ? JSON.stringify({ down: name }) + "\n" : `team ${name} is going down\n`);
        return 0;
      }
      case "status": {
        const status = (await requestControl(await targetTeam(parsed), { command: "status" })) as TeamStatus;
        output.out((parsed.json ? JSON.stringify(status, null, 2) : formatStatus(status)) + "\n");
        return 0;
      }
    }
  } catch (error) {
    if (parsed.json) output.out(JSON.stringify({ error: (error as Error).message, code: error instanceof UsageError ? "usage" : ((error as TeamError).code ?? "error") }) + "\n");
    else output.err(`onemac-team: ${(error as Error).message}\n`);
    return error instanceof ConfigError || error instanceof UsageError ? 2 : 1;
  }
}

// Run directly (`node --import tsx cli.ts ...`); the installed executable (bin/onemac-team.mjs) calls main itself.
if (process.argv[1] && /cli\.ts$/.test(process.argv[1])) {
  main(process.argv.slice(2)).then((code) => process.exit(code));
}
