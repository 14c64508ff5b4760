// Configuration-mode commands. Every one goes through the configuration manager (ctx.firmware.config.change): the
// edit works on a copy, the manager validates it and applies it to the services all or nothing, and an error leaves
// the running configuration as it was. Nothing here calls a service directly.
//
// Units: settings a person thinks of in seconds (windows, recovery, scan interval) are typed in seconds with up to
// three decimals; the link poll, link debounce and trunk hold-down are typed in milliseconds, as their names say.
import { InvalidArgumentError } from "../../errors";
import { formatMac } from "../../mac";
import { LOAD_BALANCE_METHODS, TRUNK_MODES, type LoadBalance, type PortSettings, type SwitchConfig, type TrunkMode, type TrunkSettings } from "../../config/schema";
import { DEFAULT_HOLD_DOWN_MS } from "../../trunk/service";
import type { CommandArgs, CommandSpec, ConsoleContext, ConsoleIo } from "../types";

const HOSTNAME_PATTERN = /^[A-Za-z][A-Za-z0-9-]{0,31}$/;

type Edit = (draft: SwitchConfig) => void;

function change(ctx: ConsoleContext, edit: Edit): void {
  ctx.firmware.config.change(edit);
}

function trunkName(group: number): string {
  return `trk${group + 1}`;
}

/** "0-1,3" for [0, 1, 3]. */
export function formatPortList(ports: readonly number[]): string {
  const parts: string[] = [];
  for (let i = 0; i < ports.length; ) {
    let j = i;
    while (j + 1 < ports.length && ports[j + 1] === ports[j] + 1) j++;
    parts.push(j > i ? `${ports[i]}-${ports[j]}` : `${ports[i]}`);
    i = j + 1;
  }
  return parts.join(",");
}

function findTrunk(draft: SwitchConfig, group: number): TrunkSettings | undefined {
  for (const trunk of draft.trunks) if (trunk.group === group) return trunk;
  return undefined;
}

function requireTrunk(draft: SwitchConfig, group: number): TrunkSettings {
  const trunk = findTrunk(draft, group);
  if (!trunk) throw new InvalidArgumentError(`${trunkName(group)} is not configured: create it first with "trunk <ports> ${trunkName(group)}"`);
  return trunk;
}

function newTrunk(group: number): TrunkSettings {
  return {
    group,
    members: [],
    mode: "hash",
    indexBits: null,
    servers: [],
    vid: 0,
    holdDownMs: DEFAULT_HOLD_DOWN_MS,
    interSwitchPort: null,
    interSwitchLearning: false,
  };
}

/** Takes `ports` out of every trunk but `keep` (a group); trunks left empty go. */
function removeMembers(draft: SwitchConfig, ports: readonly number[], keep = -1): void {
  for (const trunk of draft.trunks) if (trunk.group !== keep) trunk.members = trunk.members.filter((port) => ports.indexOf(port) < 0);
  draft.trunks = draft.trunks.filter((trunk) => trunk.members.length > 0);
}

/** Takes a server MAC away from whichever trunk holds it. Returns whether one did. */
function removeServer(draft: SwitchConfig, mac: string): boolean {
  let found = false;
  for (const trunk of draft.trunks) {
    const index = trunk.servers.indexOf(mac);
    if (index >= 0) {
      trunk.servers.splice(index, 1);
      found = true;
    }
  }
  return found;
}

function portEntry(draft: SwitchConfig, port: number): PortSettings {
  for (const entry of draft.ports) if (entry.port === port) return entry;
  const entry: PortSettings = { port, enabled: true, name: "" };
  draft.ports.push(entry);
  draft.ports.sort((a, b) => a.port - b.port);
  return entry;
}

/** Drops port entries that hold only defaults (the schema keeps non-default ports only). */
function tidyPorts(draft: SwitchConfig): void {
  draft.ports = draft.ports.filter((entry) => !entry.enabled || entry.name !== "");
}

/**
 * Refuses ports that are not the chip's front-panel ports, naming them, before anything changes: the manager checks
 * only ports whose settings differ, so "interface 9 enable" (a no-op) would otherwise be accepted silently.
 */
function requireFrontPanel(ctx: ConsoleContext, ports: readonly number[]): void {
  const service = ctx.firmware.ports;
  const bad: number[] = [];
  for (const port of ports) if (!service.isPort(port)) bad.push(port);
  if (bad.length === 0) return;
  const known = `ports ${formatPortList(service.ports)}`;
  throw new InvalidArgumentError(
    bad.length === 1
      ? `port ${bad[0]} is not a front-panel port (${known})`
      : `ports ${formatPortList(bad)} are not front-panel ports (${known})`,
  );
}

function atLeastOneMs(ms: number, what: string): number {
  if (ms < 1) throw new InvalidArgumentError(`${what} must be at least 0.001 s`);
  return ms;
}

function say(io: ConsoleIo, text: string): void {
  io.write(`${text}\n`);
}

// ---------------------------------------------------------------------------------------------------------------

function hostname(args: CommandArgs, ctx: ConsoleContext): void {
  const name = args.word("name");
  if (!HOSTNAME_PATTERN.test(name))
    throw new InvalidArgumentError(`"${name}" is not a hostname: a letter, then up to 31 letters, digits or dashes`);
  change(ctx, (draft) => void (draft.hostname = name));
}

function noHostname(_args: CommandArgs, ctx: ConsoleContext): void {
  const factory = ctx.firmware.config.factory.hostname;
  change(ctx, (draft) => void (draft.hostname = factory));
}

function trunk(args: CommandArgs, ctx: ConsoleContext, io: ConsoleIo): void {
  if (args.has("lacp")) throw new InvalidArgumentError('LACP is not supported: this switch does static trunks only (type "trunk <ports> trkN" without "lacp")');
  const ports = args.ports();
  requireFrontPanel(ctx, ports);
  const group = args.trunk();
  const server = args.given("mac") ? formatMac(args.mac()) : "";
  const moved: string[] = [];
  change(ctx, (draft) => {
    for (const other of draft.trunks)
      if (other.group !== group && other.members.some((port) => ports.indexOf(port) >= 0)) moved.push(trunkName(other.group));
    removeMembers(draft, ports, group);
    let target = findTrunk(draft, group);
    if (!target) {
      target = newTrunk(group);
      draft.trunks.push(target);
      draft.trunks.sort((a, b) => a.group - b.group);
    }
    for (const port of ports) if (target.members.indexOf(port) < 0) target.members.push(port);
    target.members.sort((a, b) => a - b);
    if (args.given("bits")) target.indexBits = args.int("bits");
    if (server && target.servers.indexOf(server) < 0) {
      removeServer(draft, server);
      target.servers.push(server);
    }
  });
  if (moved.length > 0) say(io, `note: port(s) ${formatPortList(ports)} left ${moved.join(", ")}`);
}

function noTrunkPorts(args: CommandArgs, ctx: ConsoleContext): void {
  const ports = args.ports();
  requireFrontPanel(ctx, ports);
  change(ctx, (draft) => {
    const members = draft.trunks.some((trunk) => trunk.members.some((port) => ports.indexOf(port) >= 0));
    if (!members) throw new InvalidArgumentError(`port(s) ${formatPortList(ports)}: no trunk has them`);
    removeMembers(draft, ports);
  });
}

function loadBalance(args: CommandArgs, ctx: ConsoleContext): void {
  let method: LoadBalance | undefined;
  for (const known of LOAD_BALANCE_METHODS) if (args.has(known)) method = known;
  if (!method)
    throw new InvalidArgumentError(
      `load balancing on "${args.word("method")}" is not supported: this switch balances on ${LOAD_BALANCE_METHODS.join(", ")}`,
    );
  const chosen = method;
  change(ctx, (draft) => void (draft.loadBalance = chosen));
}

function noLoadBalance(_args: CommandArgs, ctx: ConsoleContext): void {
  const factory = ctx.firmware.config.factory.loadBalance;
  change(ctx, (draft) => void (draft.loadBalance = factory));
}

function trunkIndexBits(args: CommandArgs, ctx: ConsoleContext): void {
  const group = args.trunk();
  const bits = args.int("bits");
  change(ctx, (draft) => void (requireTrunk(draft, group).indexBits = bits));
}

function noTrunkIndexBits(args: CommandArgs, ctx: ConsoleContext): void {
  const group = args.trunk();
  change(ctx, (draft) => void (requireTrunk(draft, group).indexBits = null));
}

function trunkMode(args: CommandArgs, ctx: ConsoleContext): void {
  const group = args.trunk();
  let mode: TrunkMode | undefined;
  for (const known of TRUNK_MODES) if (args.has(known)) mode = known;
  if (!mode) throw new InvalidArgumentError(`trunk mode must be ${TRUNK_MODES.join(", ")}`);
  const chosen = mode;
  change(ctx, (draft) => void (requireTrunk(draft, group).mode = chosen));
}

function trunkHoldDown(args: CommandArgs, ctx: ConsoleContext): void {
  const group = args.trunk();
  const ms = args.int("ms");
  change(ctx, (draft) => void (requireTrunk(draft, group).holdDownMs = ms));
}

function trunkVlan(args: CommandArgs, ctx: ConsoleContext): void {
  const group = args.trunk();
  const vid = args.vid();
  change(ctx, (draft) => void (requireTrunk(draft, group).vid = vid));
}

function trunkInterSwitch(args: CommandArgs, ctx: ConsoleContext): void {
  const group = args.trunk();
  const port = args.port();
  requireFrontPanel(ctx, [port]);
  const learning = args.has("learning");
  change(ctx, (draft) => {
    const target = requireTrunk(draft, group);
    target.interSwitchPort = port;
    target.interSwitchLearning = learning;
  });
}

function noTrunkInterSwitch(args: CommandArgs, ctx: ConsoleContext): void {
  const group = args.trunk();
  change(ctx, (draft) => {
    const target = requireTrunk(draft, group);
    target.interSwitchPort = null;
    target.interSwitchLearning = false;
  });
}

function serverMac(args: CommandArgs, ctx: ConsoleContext): void {
  const mac = formatMac(args.mac());
  const group = args.trunk();
  change(ctx, (draft) => {
    const target = requireTrunk(draft, group);
    if (target.servers.indexOf(mac) >= 0) return;
    removeServer(draft, mac);
    target.servers.push(mac);
  });
}

function noServerMac(args: CommandArgs, ctx: ConsoleContext): void {
  const mac = formatMac(args.mac());
  change(ctx, (draft) => {
    if (!removeServer(draft, mac)) throw new InvalidArgumentError(`${mac} is not a server MAC of any trunk`);
  });
}

function exemptMac(args: CommandArgs, ctx: ConsoleContext): void {
  const mac = formatMac(args.mac());
  change(ctx, (draft) => {
    if (draft.exemptMacs.indexOf(mac) < 0) draft.exemptMacs.push(mac);
  });
}

function noExemptMac(args: CommandArgs, ctx: ConsoleContext): void {
  const mac = formatMac(args.mac());
  change(ctx, (draft) => {
    const index = draft.exemptMacs.indexOf(mac);
    if (index < 0) throw new InvalidArgumentError(`${mac} is not exempt from MAC move reports`);
    draft.exemptMacs.splice(index, 1);
  });
}

function exemptVlan(args: CommandArgs, ctx: ConsoleContext): void {
  const vid = args.vid();
  change(ctx, (draft) => {
    if (draft.exemptVlans.indexOf(vid) < 0) draft.exemptVlans.push(vid);
  });
}

function noExemptVlan(args: CommandArgs, ctx: ConsoleContext): void {
  const vid = args.vid();
  change(ctx, (draft) => {
    const index = draft.exemptVlans.indexOf(vid);
    if (index < 0) throw new InvalidArgumentError(`VLAN ${vid} is not exempt from MAC move reports`);
    draft.exemptVlans.splice(index, 1);
  });
}

function moveWindow(args: CommandArgs, ctx: ConsoleContext): void {
  const ms = atLeastOneMs(args.int("window"), "the window");
  change(ctx, (draft) => void (draft.moves.windowMs = ms));
}

function moveThreshold(args: CommandArgs, ctx: ConsoleContext): void {
  const count = args.int("count");
  change(ctx, (draft) => void (draft.moves.threshold = count));
}

function moveRecords(args: CommandArgs, ctx: ConsoleContext): void {
  const count = args.int("count");
  change(ctx, (draft) => void (draft.moves.maxRecords = count));
}

function moveScanInterval(args: CommandArgs, ctx: ConsoleContext): void {
  const ms = args.int("interval");
  if (ms < 10) throw new InvalidArgumentError("the scan interval must be at least 0.01 s");
  change(ctx, (draft) => void (draft.moves.scanIntervalMs = ms));
}

function moveLogLimit(args: CommandArgs, ctx: ConsoleContext): void {
  const lines = args.int("lines");
  const ms = args.int("interval");
  change(ctx, (draft) => {
    draft.moves.maxLogLinesPerInterval = lines;
    draft.moves.logIntervalMs = ms;
  });
}

function noMoveSetting(args: CommandArgs, ctx: ConsoleContext): void {
  const factory = ctx.firmware.config.factory.moves;
  change(ctx, (draft) => {
    const moves = draft.moves;
    if (args.has("window")) moves.windowMs = factory.windowMs;
    if (args.has("threshold")) moves.threshold = factory.threshold;
    if (args.has("records")) moves.maxRecords = factory.maxRecords;
    if (args.has("scan-interval")) moves.scanIntervalMs = factory.scanIntervalMs;
    if (args.has("log-limit")) {
      moves.maxLogLinesPerInterval = factory.maxLogLinesPerInterval;
      moves.logIntervalMs = factory.logIntervalMs;
    }
  });
}

function linkPoll(args: CommandArgs, ctx: ConsoleContext): void {
  const ms = args.int("ms");
  change(ctx, (draft) => void (draft.links.pollIntervalMs = ms));
}

function linkDebounce(args: CommandArgs, ctx: ConsoleContext): void {
  const ms = args.int("ms");
  change(ctx, (draft) => void (draft.links.upDebounceMs = ms));
}

function linkFlap(args: CommandArgs, ctx: ConsoleContext): void {
  const limit = args.int("limit");
  const ms = atLeastOneMs(args.int("window"), "the flap window");
  change(ctx, (draft) => {
    draft.links.flapLimit = limit;
    draft.links.flapWindowMs = ms;
  });
}

function noLinkFlap(_args: CommandArgs, ctx: ConsoleContext): void {
  change(ctx, (draft) => void (draft.links.flapLimit = 0));
}

function noLinkSetting(args: CommandArgs, ctx: ConsoleContext): void {
  const factory = ctx.firmware.config.factory.links;
  change(ctx, (draft) => {
    if (args.has("link-poll")) draft.links.pollIntervalMs = factory.pollIntervalMs;
    if (args.has("link-debounce")) draft.links.upDebounceMs = factory.upDebounceMs;
  });
}

function recoveryInterval(args: CommandArgs, ctx: ConsoleContext): void {
  const ms = atLeastOneMs(args.int("interval"), "the recovery interval");
  change(ctx, (draft) => void (draft.links.recoveryMs = ms));
}

function noRecoveryInterval(_args: CommandArgs, ctx: ConsoleContext): void {
  const factory = ctx.firmware.config.factory.links.recoveryMs;
  change(ctx, (draft) => void (draft.links.recoveryMs = factory));
}

function interfaceState(args: CommandArgs, ctx: ConsoleContext): void {
  const ports = args.ports();
  requireFrontPanel(ctx, ports);
  const enabled = args.has("enable");
  change(ctx, (draft) => {
    for (const port of ports) portEntry(draft, port).enabled = enabled;
    tidyPorts(draft);
  });
}

function interfaceName(args: CommandArgs, ctx: ConsoleContext): void {
  const port = args.port();
  requireFrontPanel(ctx, [port]);
  const name = args.text();
  change(ctx, (draft) => {
    portEntry(draft, port).name = name;
    tidyPorts(draft);
  });
}

function noInterfaceName(args: CommandArgs, ctx: ConsoleContext): void {
  const ports = args.ports();
  requireFrontPanel(ctx, ports);
  change(ctx, (draft) => {
    for (const port of ports) portEntry(draft, port).name = "";
    tidyPorts(draft);
  });
}

function noInterfaceDisable(args: CommandArgs, ctx: ConsoleContext): void {
  const ports = args.ports();
  requireFrontPanel(ctx, ports);
  change(ctx, (draft) => {
    for (const port of ports) portEntry(draft, port).enabled = true;
    tidyPorts(draft);
  });
}

function config(
  pattern: string,
  help: string,
  run: (args: CommandArgs, ctx: ConsoleContext, io: ConsoleIo) => void,
  words?: Readonly<Record<string, string>>,
): CommandSpec {
  return Object.freeze({ pattern, help, mode: "config" as const, run, words: words ? Object.freeze(words) : undefined });
}

/** Configuration commands (mode "config"). `password manager` and the mode commands live in interpreter.ts. */
export const CONFIGURE_COMMANDS: readonly CommandSpec[] = Object.freeze([
  config("hostname <word:name>", "Name the switch (shown in the prompt)", hostname),
  config("no hostname", "Back to the factory hostname", noHostname),
  config(
    "trunk <ports> <trunk> [{trunk|lacp}] [server-mac <mac>] [index-bits <int:bits:1-8>]",
    "Add ports to a static trunk (created when new; ports leave any other trunk)",
    trunk,
    {
      trunk: "A static trunk (the default; ProCurve's word)",
      lacp: "Not supported: this switch does static trunks only",
      "server-mac": "Also flag a server's MAC on the trunk (the same as \"server-mac <mac> <trunk>\")",
      "index-bits": "Table size of the trunk: 2^M entries (default: M = 3 in mode hash, the largest that fits in the CFP modes)",
    },
  ),
  config("no trunk <ports>", "Take ports out of their trunk (a trunk left empty is removed)", noTrunkPorts),
  config("trunk <trunk> index-bits <int:bits:1-8>", "Table size of the trunk: 2^M entries (the patent's M)", trunkIndexBits),
  config("no trunk <trunk> index-bits", "Back to the mode's table size (hash: M = 3; CFP modes: the largest the free rules hold, at least 4)", noTrunkIndexBits),
  config("trunk <trunk> mode {hash|cfp|cfp-isolated}", "How the chip follows the trunk's table: its own hash, or CFP rules (exact)", trunkMode, {
    hash: "The chip's trunk hash on the source MAC; the member a client takes is a labelled prediction (the default)",
    cfp: "One CFP rule per table entry and server MAC, beside the trunk group: the table decides, exactly",
    "cfp-isolated": "CFP rules with the server's ports in no trunk group (for a chip that re-hashes CFP destinations: self-test cfp)",
  }),
  config("trunk <trunk> hold-down <int:ms:0-600000>", "Milliseconds a member that came back waits before taking traffic", trunkHoldDown),
  config("trunk <trunk> vlan <vid>", "VLAN of the servers' static address entries (default 0)", trunkVlan),
  config("trunk <trunk> inter-switch-port <port> [learning]", "The switch-to-switch link of a two-switch trunk", trunkInterSwitch, {
    learning: "Let the switch-to-switch port learn source MACs (default: it does not)",
  }),
  config("no trunk <trunk> inter-switch-port", "Remove the trunk's switch-to-switch link", noTrunkInterSwitch),
  config(
    "trunk-load-balance {src-mac|dst-mac|src-dst-mac|<word:method>}",
    "How frames spread over trunk members (src-mac, dst-mac or src-dst-mac)",
    loadBalance,
  ),
  config("no trunk-load-balance", "Back to the factory load balancing", noLoadBalance),
  config("server-mac <mac> <trunk>", "Flag a server's MAC on a trunk: static entry, never a station move", serverMac),
  config("no server-mac <mac>", "Remove a server MAC from its trunk", noServerMac),
  config("mac-move exempt <mac>", "Never report moves of this MAC", exemptMac),
  config("mac-move exempt vlan <vid>", "Never report moves in this VLAN", exemptVlan),
  config("no mac-move exempt <mac>", "Report moves of this MAC again", noExemptMac),
  config("no mac-move exempt vlan <vid>", "Report moves in this VLAN again", noExemptVlan),
  config("mac-move window <seconds:window:0-86400>", "Seconds over which moves are counted", moveWindow),
  config("mac-move threshold <int:count:1-1000000>", "Moves within the window before a MAC is reported", moveThreshold),
  config("mac-move records <int:count:1-256>", "Move records kept", moveRecords),
  config("mac-move scan-interval <seconds:interval:0-3600>", "Seconds between address-table scans", moveScanInterval),
  config("mac-move log-limit <int:lines:1-1000> per <seconds:interval:0-86400>", "At most this many move log lines per interval (seconds)", moveLogLimit, {
    per: "Seconds of the interval",
  }),
  config("no mac-move {window|threshold|records|scan-interval|log-limit}", "Back to the factory MAC move setting", noMoveSetting),
  config("link-poll <int:ms:1-60000>", "Milliseconds between link polls", linkPoll),
  config("link-debounce <int:ms:0-600000>", "Milliseconds a link must stay up before a trunk uses it", linkDebounce),
  config("no {link-poll|link-debounce}", "Back to the factory link setting", noLinkSetting),
  config("link-flap limit <int:limit:0-32> window <seconds:window:0-86400>", "Err-disable a port after this many link losses within the window (seconds); 0 turns it off", linkFlap, {
    window: "Seconds over which link losses are counted",
  }),
  config("no link-flap", "Turn flap damping off (limit 0)", noLinkFlap),
  config("errdisable recovery interval <seconds:interval:0-86400>", "Seconds before an err-disabled port recovers", recoveryInterval),
  config("no errdisable recovery interval", "Back to the factory recovery interval", noRecoveryInterval),
  config("interface <ports> {enable|disable}", "Turn ports on or off (a disabled trunk member fails over)", interfaceState),
  config("interface <port> name <text>", 'Name a port (up to 32 printable characters without ")', interfaceName),
  config("no interface <ports> name", "Remove the ports' names", noInterfaceName),
  config("no interface <ports> disable", "Turn ports on again", noInterfaceDisable),
]);
