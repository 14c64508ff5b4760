// `show running-config` as CLI lines: typed in configuration mode on a board running factory defaults, they give the
// same running configuration. Only settings that differ from the defaults are printed, in an order that replays:
// global settings, exemptions, ports, then each trunk (created with its table size on one line, since a trunk's table
// must fit its members, and with its first server MAC when it has one: a trunk without servers is just
// "trunk <ports> trkN trunk"; then its mode when not hash, then its other settings), then the password hash. A table
// size of null (the mode's default) prints nothing.
import type { SwitchConfig, TrunkSettings } from "../config/schema";
import { factoryConfig } from "../config/schema";
import { InvalidArgumentError } from "../errors";
import type { PasswordHash } from "../config/schema";
import { DEFAULT_HOLD_DOWN_MS } from "../trunk/service";
import { formatPortList } from "./commands/configure";

/** "sha256-iterated$rounds$salt$hash" (what `show running-config` prints) -> PasswordHash; validated by the schema. */
export function parsePasswordHash(text: string): PasswordHash {
  const parts = text.trim().split("$");
  if (parts.length !== 4 || parts[0] !== "sha256-iterated" || !/^\d{1,9}$/.test(parts[1]) || !/^[0-9a-f]+$/.test(parts[2]) || !/^[0-9a-f]+$/.test(parts[3]))
    throw new InvalidArgumentError("a password hash looks like sha256-iterated$ROUNDS$SALTHEX$HASHHEX (as show running-config prints it)");
  return { algorithm: "sha256-iterated", rounds: Number(parts[1]), salt: parts[2], hash: parts[3] };
}

export function formatPasswordHash(hash: PasswordHash): string {
  return `${hash.algorithm}$${hash.rounds}$${hash.salt}$${hash.hash}`;
}

/** Seconds with up to three decimals, as the CLI reads them ("1.5", "300"). */
function seconds(ms: number): string {
  const whole = Math.round(ms);
  const text = String(Math.floor(whole / 1000));
  const fraction = whole % 1000;
  if (fraction === 0) return text;
  return `${text}.${String(1000 + fraction).slice(1).replace(/0+$/, "")}`;
}

function ms(value: number): string {
  return String(Math.round(value));
}

function quote(text: string): string {
  return `"${text}"`;
}

function trunkLines(trunk: TrunkSettings, out: string[]): void {
  const name = `trk${trunk.group + 1}`;
  let create = `trunk ${formatPortList(trunk.members)} ${name} trunk`;
  if (trunk.servers.length > 0) create += ` server-mac ${trunk.servers[0]}`;
  if (trunk.indexBits !== null) create += ` index-bits ${trunk.indexBits}`;
  out.push(create);
  if (trunk.mode !== "hash") out.push(`trunk ${name} mode ${trunk.mode}`);
  for (let i = 1; i < trunk.servers.length; i++) out.push(`server-mac ${trunk.servers[i]} ${name}`);
  if (trunk.holdDownMs !== DEFAULT_HOLD_DOWN_MS) out.push(`trunk ${name} hold-down ${ms(trunk.holdDownMs)}`);
  if (trunk.vid !== 0) out.push(`trunk ${name} vlan ${trunk.vid}`);
  if (trunk.interSwitchPort !== null) out.push(`trunk ${name} inter-switch-port ${trunk.interSwitchPort}${trunk.interSwitchLearning ? " learning" : ""}`);
}

/**
 * The running configuration as replayable CLI lines. `defaults` is what the board runs before any configuration
 * (ConfigManager.factory: the schema's defaults with the board's wired-in service settings); lines are printed for
 * what differs from it.
 */
export function renderRunningConfig(config: SwitchConfig, defaults: SwitchConfig = factoryConfig()): string[] {
  const out: string[] = [];
  if (config.hostname !== defaults.hostname) out.push(`hostname ${config.hostname}`);
  if (config.loadBalance !== defaults.loadBalance) out.push(`trunk-load-balance ${config.loadBalance}`);
  const links = config.links;
  const linkDefaults = defaults.links;
  if (links.pollIntervalMs !== linkDefaults.pollIntervalMs) out.push(`link-poll ${ms(links.pollIntervalMs)}`);
  if (links.upDebounceMs !== linkDefaults.upDebounceMs) out.push(`link-debounce ${ms(links.upDebounceMs)}`);
  if (links.flapLimit !== linkDefaults.flapLimit || links.flapWindowMs !== linkDefaults.flapWindowMs)
    out.push(`link-flap limit ${links.flapLimit} window ${seconds(links.flapWindowMs)}`);
  if (links.recoveryMs !== linkDefaults.recoveryMs) out.push(`errdisable recovery interval ${seconds(links.recoveryMs)}`);
  const moves = config.moves;
  const moveDefaults = defaults.moves;
  if (moves.windowMs !== moveDefaults.windowMs) out.push(`mac-move window ${seconds(moves.windowMs)}`);
  if (moves.threshold !== moveDefaults.threshold) out.push(`mac-move threshold ${moves.threshold}`);
  if (moves.maxRecords !== moveDefaults.maxRecords) out.push(`mac-move records ${moves.maxRecords}`);
  if (moves.scanIntervalMs !== moveDefaults.scanIntervalMs) out.push(`mac-move scan-interval ${seconds(moves.scanIntervalMs)}`);
  if (moves.maxLogLinesPerInterval !== moveDefaults.maxLogLinesPerInterval || moves.logIntervalMs !== moveDefaults.logIntervalMs)
    out.push(`mac-move log-limit ${moves.maxLogLinesPerInterval} per ${seconds(moves.logIntervalMs)}`);
  for (const mac of defaults.exemptMacs) if (config.exemptMacs.indexOf(mac) < 0) out.push(`no mac-move exempt ${mac}`);
  for (const mac of config.exemptMacs) if (defaults.exemptMacs.indexOf(mac) < 0) out.push(`mac-move exempt ${mac}`);
  for (const vid of defaults.exemptVlans) if (config.exemptVlans.indexOf(vid) < 0) out.push(`no mac-move exempt vlan ${vid}`);
  for (const vid of config.exemptVlans) if (defaults.exemptVlans.indexOf(vid) < 0) out.push(`mac-move exempt vlan ${vid}`);
  for (const entry of config.ports) {
    if (entry.name !== "") out.push(`interface ${entry.port} name ${quote(entry.name)}`);
    if (!entry.enabled) out.push(`interface ${entry.port} disable`);
  }
  for (const trunk of config.trunks) trunkLines(trunk, out);
  if (config.password) out.push(`password manager hashed ${formatPasswordHash(config.password)}`);
  return out;
}
