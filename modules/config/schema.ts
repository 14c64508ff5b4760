// The one configuration schema: what a switch is configured to do, validated in one place. The console edits a copy,
// the manager applies it, the store saves it as ASCII JSON. Everything that reaches the services or the flash has
// been through validateConfig(), which returns a normalised copy (trunks sorted by group, ports by port, members
// ascending, MACs formatted aa:bb:cc:dd:ee:ff, port entries equal to the defaults dropped) or throws an
// InvalidArgumentError whose message starts with the path of the bad field: `trunks[0].members[2]: port 40 is not
// 0..31`. Bad input changes nothing: the argument is never modified.
//
// Limits here are the chip-agnostic ones (ports 0..31, groups 0..7, the patent's table 2^1..2^8 entries); what one
// chip can do (its front-panel ports, its trunk groups) is checked where the config is applied.
//
// Versions: every document carries `version`. A document saved by an older firmware is upgraded step by step through
// CONFIG_MIGRATIONS (version v to v+1) and then validated, never discarded; a document from a newer firmware is
// refused with a ConfigVersionError and left where it is.
//
// Version 2: a trunk has a `mode` (how the chip follows the patent's table: "hash", "cfp", "cfp-isolated";
// modules/trunk/service.ts) and `indexBits` may be null ("the mode's default": 3 in hash mode, the largest M the
// chip's free rules hold in the CFP modes). Version 1 documents become mode "hash" with the same table size.
import { DEFAULT_MOVE_MONITOR_SETTINGS, MAX_EXEMPTIONS, mergeMoveMonitorSettings, type MoveMonitorSettings } from "../arl/move-monitor";
import { InvalidArgumentError, OnemacError } from "../errors";
import { DEFAULT_LINK_MONITOR_SETTINGS, mergeLinkMonitorSettings, type LinkMonitorSettings } from "../link/monitor";
import { formatMac, isMulticastMac, parseMac } from "../mac";
import { MAX_HOLD_DOWN_MS, MAX_SERVERS_PER_TRUNK, TRUNK_MODES, type TrunkMode } from "../trunk/service";

export { TRUNK_MODES, type TrunkMode };

export const CONFIG_SCHEMA_VERSION = 2;

export type LoadBalance = "src-mac" | "dst-mac" | "src-dst-mac";

export interface TrunkSettings {
  /** Chip trunk group, 0-based (trk1 = 0). */
  group: number;
  /** Member ports, ascending. */
  members: number[];
  /** How the chip follows the patent's table (see TRUNK_MODES). */
  mode: TrunkMode;
  /** M: the patent's table has 2^M entries, 1..8; null: the mode's default (hash 3, CFP modes the largest that fits). */
  indexBits: number | null;
  /** The servers' MACs (aa:bb:cc:dd:ee:ff), in the order they were added. */
  servers: string[];
  /** VLAN of the servers' static entries (0: the chip learns without VLANs). */
  vid: number;
  /** Time a returning member waits before it rejoins, ms. */
  holdDownMs: number;
  /** The switch-to-switch port of the two-switch topology, or null. */
  interSwitchPort: number | null;
  interSwitchLearning: boolean;
}

/** A port whose settings differ from the defaults (enabled, no name); only such ports are listed. */
export interface PortSettings {
  port: number;
  enabled: boolean;
  name: string;
}

/** A console password, stored only as a salted iterated SHA-256 (modules/config/password.ts); hex fields. */
export interface PasswordHash {
  algorithm: "sha256-iterated";
  rounds: number;
  salt: string;
  hash: string;
}

export interface SwitchConfig {
  version: number;
  /** [A-Za-z][A-Za-z0-9-]{0,31} */
  hostname: string;
  loadBalance: LoadBalance;
  /** Sorted by group. */
  trunks: TrunkSettings[];
  /** Sorted by port. */
  ports: PortSettings[];
  links: LinkMonitorSettings;
  moves: MoveMonitorSettings;
  exemptMacs: string[];
  exemptVlans: number[];
  password: PasswordHash | null;
}

/** A document of a schema version this firmware cannot read (newer, or older without a migration). */
export class ConfigVersionError extends OnemacError {
  readonly found: number;
  readonly supported: number;
  constructor(found: number, supported: number, message: string) {
    super("config-version", message);
    this.found = found;
    this.supported = supported;
    this.name = "ConfigVersionError";
  }
}

/** One upgrade step: turns a document of version `from` into one of version `from + 1` (the runner sets `version`). */
export interface ConfigMigration {
  readonly from: number;
  /** What changed, for the log. */
  readonly summary: string;
  migrate(document: Record<string, unknown>): Record<string, unknown>;
}

/**
 * Version 1 -> 2: every trunk gets mode "hash" (what version 1 firmware did); its table size stays, and the size
 * version 1 used by default (M = 3, the hash mode's default) becomes null, "the mode's default", so the trunk prints
 * and behaves as before and a later switch to a CFP mode gets that mode's default. Anything unexpected is left for
 * validateConfig to name.
 */
const TRUNK_MODE_MIGRATION: ConfigMigration = Object.freeze({
  from: 1,
  summary: "trunks gain a mode (version 1 trunks keep the chip's hash: mode hash)",
  migrate(document: Record<string, unknown>): Record<string, unknown> {
    const trunks = document.trunks;
    if (!Array.isArray(trunks)) return document;
    for (let i = 0; i < trunks.length; i++) {
      const trunk = trunks[i] as Record<string, unknown> | null;
      if (trunk === null || typeof trunk !== "object" || Array.isArray(trunk)) continue;
      if ("mode" in trunk) continue;
      trunk.mode = "hash";
      if (trunk.indexBits === 3) trunk.indexBits = null;
    }
    return document;
  },
});

/**
 * Upgrade steps, one per version (from 1 to 2, from 2 to 3, ...). When the schema changes, bump CONFIG_SCHEMA_VERSION
 * and append a step from the previous version; never edit a step.
 */
export const CONFIG_MIGRATIONS: readonly ConfigMigration[] = Object.freeze([TRUNK_MODE_MIGRATION]);

export const CONFIG_LIMITS = Object.freeze({
  ports: 32,
  groups: 8,
  minIndexBits: 1,
  maxIndexBits: 8,
  maxServersPerTrunk: MAX_SERVERS_PER_TRUNK,
  maxHoldDownMs: MAX_HOLD_DOWN_MS,
  maxVid: 4095,
  maxHostnameLength: 32,
  maxPortNameLength: 32,
  maxExemptMacs: MAX_EXEMPTIONS,
  maxExemptVlans: MAX_EXEMPTIONS,
  minPasswordRounds: 1,
  maxPasswordRounds: 65536,
  maxSaltBytes: 64,
  /** An encoded config is at most this long (the store's bound; the largest valid config is about 9 KB). */
  maxEncodedBytes: 32768,
});

export const LOAD_BALANCE_METHODS: readonly LoadBalance[] = Object.freeze(["src-mac", "dst-mac", "src-dst-mac"] as LoadBalance[]);

const HOSTNAME = /^[A-Za-z][A-Za-z0-9-]{0,31}$/;
/** Printable ASCII without the double quote (names are printed quoted in the running config). */
const PORT_NAME = /^[\x20\x21\x23-\x7e]*$/;
const HEX = /^(?:[0-9a-f]{2})+$/;
const SHA256_HEX = /^[0-9a-f]{64}$/;

const CONFIG_FIELDS: readonly string[] = Object.freeze(["version", "hostname", "loadBalance", "trunks", "ports", "links", "moves", "exemptMacs", "exemptVlans", "password"]);
const TRUNK_FIELDS: readonly string[] = Object.freeze(["group", "members", "mode", "indexBits", "servers", "vid", "holdDownMs", "interSwitchPort", "interSwitchLearning"]);
const PORT_FIELDS: readonly string[] = Object.freeze(["port", "enabled", "name"]);
const PASSWORD_FIELDS: readonly string[] = Object.freeze(["algorithm", "rounds", "salt", "hash"]);

export function factoryConfig(): SwitchConfig {
  return {
    version: CONFIG_SCHEMA_VERSION,
    hostname: "onemac",
    loadBalance: "src-mac",
    trunks: [],
    ports: [],
    links: { ...DEFAULT_LINK_MONITOR_SETTINGS },
    moves: { ...DEFAULT_MOVE_MONITOR_SETTINGS },
    exemptMacs: [],
    exemptVlans: [],
    password: null,
  };
}

function fail(path: string, message: string): never {
  throw new InvalidArgumentError(`${path}: ${message}`);
}

function describe(value: unknown): string {
  if (typeof value === "string") return JSON.stringify(value.length > 40 ? value.slice(0, 40) + "..." : value);
  if (Array.isArray(value)) return "a list";
  if (value === null) return "null";
  if (typeof value === "object") return "an object";
  return String(value);
}

function record(value: unknown, path: string, fields: readonly string[]): Record<string, unknown> {
  if (value === null || typeof value !== "object" || Array.isArray(value)) fail(path || "config", `must be an object, not ${describe(value)}`);
  const object = value as Record<string, unknown>;
  const prefix = path ? path + "." : "";
  for (const name of Object.keys(object)) if (fields.indexOf(name) < 0) fail(prefix + name, `unknown field (known: ${fields.join(", ")})`);
  for (const name of fields) if (!(name in object)) fail(prefix + name, "missing");
  return object;
}

function list(value: unknown, path: string, max: number): unknown[] {
  if (!Array.isArray(value)) fail(path, `must be a list, not ${describe(value)}`);
  if (value.length > max) fail(path, `at most ${max} entries, not ${value.length}`);
  return value;
}

function integer(value: unknown, path: string, min: number, max: number, what = "an integer"): number {
  if (typeof value !== "number" || !Number.isInteger(value) || value < min || value > max) fail(path, `must be ${what} ${min}..${max}, not ${describe(value)}`);
  return value;
}

function boolean(value: unknown, path: string): boolean {
  if (typeof value !== "boolean") fail(path, `must be true or false, not ${describe(value)}`);
  return value;
}

function port(value: unknown, path: string): number {
  if (typeof value !== "number" || !Number.isInteger(value) || value < 0 || value >= CONFIG_LIMITS.ports) fail(path, `port ${describe(value)} is not 0..${CONFIG_LIMITS.ports - 1}`);
  return value;
}

function mac(value: unknown, path: string): number {
  if (typeof value !== "string") fail(path, `must be a MAC address text (aa:bb:cc:dd:ee:ff), not ${describe(value)}`);
  try {
    return parseMac(value);
  } catch (error) {
    return fail(path, error instanceof Error ? error.message : String(error));
  }
}

/** Checks settings one by one through the service's own merge, so the ranges live in one place (the service). */
function settings<T extends object>(value: unknown, path: string, defaults: Readonly<T>, merge: (base: Readonly<T>, change: Partial<T>) => T): T {
  const names = Object.keys(defaults);
  const object = record(value, path, names);
  const out = {} as T;
  for (const name of names) {
    const change = { [name]: object[name] } as Partial<T>;
    try {
      merge(defaults, change);
    } catch (error) {
      let message = error instanceof Error ? error.message : String(error);
      if (message.startsWith(name + " ")) message = message.slice(name.length + 1);
      fail(`${path}.${name}`, message);
    }
    (out as Record<string, unknown>)[name] = object[name];
  }
  return out;
}

function trunk(value: unknown, path: string): TrunkSettings {
  const object = record(value, path, TRUNK_FIELDS);
  const group = integer(object.group, `${path}.group`, 0, CONFIG_LIMITS.groups - 1, "a trunk group");
  const memberList = list(object.members, `${path}.members`, CONFIG_LIMITS.ports);
  if (memberList.length === 0) fail(`${path}.members`, "a trunk needs at least one member port");
  const members: number[] = [];
  for (let i = 0; i < memberList.length; i++) {
    const member = port(memberList[i], `${path}.members[${i}]`);
    if (members.indexOf(member) >= 0) fail(`${path}.members[${i}]`, `port ${member} is listed twice`);
    members.push(member);
  }
  members.sort((a, b) => a - b);
  const mode = object.mode;
  if (typeof mode !== "string" || TRUNK_MODES.indexOf(mode as TrunkMode) < 0) fail(`${path}.mode`, `must be ${TRUNK_MODES.join(", ")}, not ${describe(mode)}`);
  const indexBits =
    object.indexBits === null ? null : integer(object.indexBits, `${path}.indexBits`, CONFIG_LIMITS.minIndexBits, CONFIG_LIMITS.maxIndexBits);
  if (indexBits !== null && members.length > 2 ** indexBits)
    fail(`${path}.indexBits`, `${members.length} members do not fit a table of ${2 ** indexBits} entries (M = ${indexBits})`);
  const serverList = list(object.servers, `${path}.servers`, CONFIG_LIMITS.maxServersPerTrunk);
  const servers: string[] = [];
  for (let i = 0; i < serverList.length; i++) {
    const where = `${path}.servers[${i}]`;
    const value = mac(serverList[i], where);
    if (isMulticastMac(value)) fail(where, `${formatMac(value)} is a multicast address; a server MAC must be unicast`);
    if (value === 0) fail(where, "00:00:00:00:00:00 is not a station address");
    const text = formatMac(value);
    if (servers.indexOf(text) >= 0) fail(where, `${text} is listed twice`);
    servers.push(text);
  }
  const vid = integer(object.vid, `${path}.vid`, 0, CONFIG_LIMITS.maxVid, "a VID");
  const holdDownMs = object.holdDownMs;
  if (typeof holdDownMs !== "number" || !(holdDownMs >= 0 && holdDownMs <= CONFIG_LIMITS.maxHoldDownMs))
    fail(`${path}.holdDownMs`, `must be 0..${CONFIG_LIMITS.maxHoldDownMs} ms, not ${describe(holdDownMs)}`);
  let interSwitchPort: number | null = null;
  if (object.interSwitchPort !== null) {
    interSwitchPort = port(object.interSwitchPort, `${path}.interSwitchPort`);
    if (members.indexOf(interSwitchPort) >= 0) fail(`${path}.interSwitchPort`, `port ${interSwitchPort} cannot be both a member and the switch-to-switch port`);
  }
  const interSwitchLearning = boolean(object.interSwitchLearning, `${path}.interSwitchLearning`);
  if (interSwitchLearning && interSwitchPort === null) fail(`${path}.interSwitchLearning`, "needs an interSwitchPort");
  return { group, members, mode: mode as TrunkMode, indexBits, servers, vid, holdDownMs, interSwitchPort, interSwitchLearning };
}

function portSettings(value: unknown, path: string): PortSettings {
  const object = record(value, path, PORT_FIELDS);
  const number = port(object.port, `${path}.port`);
  const enabled = boolean(object.enabled, `${path}.enabled`);
  const name = object.name;
  if (typeof name !== "string") fail(`${path}.name`, `must be text, not ${describe(name)}`);
  if (name.length > CONFIG_LIMITS.maxPortNameLength) fail(`${path}.name`, `at most ${CONFIG_LIMITS.maxPortNameLength} characters, not ${name.length}`);
  if (!PORT_NAME.test(name)) fail(`${path}.name`, "printable ASCII only, without '\"'");
  return { port: number, enabled, name };
}

function password(value: unknown, path: string): PasswordHash | null {
  if (value === null) return null;
  const object = record(value, path, PASSWORD_FIELDS);
  if (object.algorithm !== "sha256-iterated") fail(`${path}.algorithm`, `must be "sha256-iterated", not ${describe(object.algorithm)}`);
  const rounds = integer(object.rounds, `${path}.rounds`, CONFIG_LIMITS.minPasswordRounds, CONFIG_LIMITS.maxPasswordRounds, "the round count");
  const salt = object.salt;
  if (typeof salt !== "string" || !HEX.test(salt) || salt.length > 2 * CONFIG_LIMITS.maxSaltBytes)
    fail(`${path}.salt`, `must be 1..${CONFIG_LIMITS.maxSaltBytes} bytes in lower-case hex, not ${describe(salt)}`);
  const hash = object.hash;
  if (typeof hash !== "string" || !SHA256_HEX.test(hash)) fail(`${path}.hash`, `must be 64 lower-case hex digits, not ${describe(hash)}`);
  return { algorithm: "sha256-iterated", rounds, salt, hash };
}

/**
 * Checks every field of a configuration document of the current version and returns a normalised copy; throws an
 * InvalidArgumentError naming the path of the first bad field. Never modifies `value`.
 */
export function validateConfig(value: unknown): SwitchConfig {
  const object = record(value, "", CONFIG_FIELDS);
  if (object.version !== CONFIG_SCHEMA_VERSION) fail("version", `must be ${CONFIG_SCHEMA_VERSION}, not ${describe(object.version)}`);
  const hostname = object.hostname;
  if (typeof hostname !== "string" || !HOSTNAME.test(hostname))
    fail("hostname", `must be a letter then up to 31 letters, digits or '-', not ${describe(hostname)}`);
  const loadBalance = object.loadBalance;
  if (typeof loadBalance !== "string" || LOAD_BALANCE_METHODS.indexOf(loadBalance as LoadBalance) < 0)
    fail("loadBalance", `must be ${LOAD_BALANCE_METHODS.join(", ")}, not ${describe(loadBalance)}`);

  const trunkList = list(object.trunks, "trunks", CONFIG_LIMITS.groups);
  const trunks: TrunkSettings[] = [];
  for (let i = 0; i < trunkList.length; i++) trunks.push(trunk(trunkList[i], `trunks[${i}]`));
  // Across trunks: a group, a port or a server belongs to one trunk only. Compare in the order given, so the path
  // names the entry the user added last.
  for (let i = 1; i < trunks.length; i++) {
    const path = `trunks[${i}]`;
    const current = trunks[i];
    for (let j = 0; j < i; j++) {
      const other = trunks[j];
      const name = `trk${other.group + 1} (trunks[${j}])`;
      if (other.group === current.group) fail(`${path}.group`, `trunk group ${current.group} is also ${name}`);
      for (let k = 0; k < current.members.length; k++) {
        const member = current.members[k];
        if (other.members.indexOf(member) >= 0) fail(`${path}.members`, `port ${member} is already a member of ${name}`);
        if (other.interSwitchPort === member) fail(`${path}.members`, `port ${member} is the switch-to-switch port of ${name}`);
      }
      if (current.interSwitchPort !== null && other.members.indexOf(current.interSwitchPort) >= 0)
        fail(`${path}.interSwitchPort`, `port ${current.interSwitchPort} is a member of ${name}`);
      for (let k = 0; k < current.servers.length; k++)
        if (other.servers.indexOf(current.servers[k]) >= 0) fail(`${path}.servers[${k}]`, `${current.servers[k]} already belongs to ${name}`);
    }
  }
  trunks.sort((a, b) => a.group - b.group);

  const portList = list(object.ports, "ports", CONFIG_LIMITS.ports);
  const ports: PortSettings[] = [];
  const seenPorts: number[] = [];
  for (let i = 0; i < portList.length; i++) {
    const entry = portSettings(portList[i], `ports[${i}]`);
    if (seenPorts.indexOf(entry.port) >= 0) fail(`ports[${i}].port`, `port ${entry.port} is listed twice`);
    seenPorts.push(entry.port);
    if (!entry.enabled || entry.name !== "") ports.push(entry);
  }
  ports.sort((a, b) => a.port - b.port);

  const links = settings(object.links, "links", DEFAULT_LINK_MONITOR_SETTINGS, mergeLinkMonitorSettings);
  const moves = settings(object.moves, "moves", DEFAULT_MOVE_MONITOR_SETTINGS, mergeMoveMonitorSettings);

  const macList = list(object.exemptMacs, "exemptMacs", CONFIG_LIMITS.maxExemptMacs);
  const exemptMacs: string[] = [];
  for (let i = 0; i < macList.length; i++) {
    const text = formatMac(mac(macList[i], `exemptMacs[${i}]`));
    if (exemptMacs.indexOf(text) >= 0) fail(`exemptMacs[${i}]`, `${text} is listed twice`);
    exemptMacs.push(text);
  }
  const vlanList = list(object.exemptVlans, "exemptVlans", CONFIG_LIMITS.maxExemptVlans);
  const exemptVlans: number[] = [];
  for (let i = 0; i < vlanList.length; i++) {
    const vid = integer(vlanList[i], `exemptVlans[${i}]`, 0, CONFIG_LIMITS.maxVid, "a VID");
    if (exemptVlans.indexOf(vid) >= 0) fail(`exemptVlans[${i}]`, `VLAN ${vid} is listed twice`);
    exemptVlans.push(vid);
  }
  return {
    version: CONFIG_SCHEMA_VERSION,
    hostname,
    loadBalance: loadBalance as LoadBalance,
    trunks,
    ports,
    links,
    moves,
    exemptMacs,
    exemptVlans,
    password: password(object.password, "password"),
  };
}

function copyInOrder<T extends object>(value: Readonly<T>, order: Readonly<T>): T {
  const out = {} as Record<string, unknown>;
  for (const name of Object.keys(order)) out[name] = (value as Record<string, unknown>)[name];
  return out as T;
}

/** A deep copy, with keys in the schema's order (so two equal configs print the same JSON). */
export function cloneConfig(config: SwitchConfig): SwitchConfig {
  const trunks: TrunkSettings[] = [];
  for (const t of config.trunks)
    trunks.push({
      group: t.group,
      members: t.members.slice(),
      mode: t.mode,
      indexBits: t.indexBits,
      servers: t.servers.slice(),
      vid: t.vid,
      holdDownMs: t.holdDownMs,
      interSwitchPort: t.interSwitchPort,
      interSwitchLearning: t.interSwitchLearning,
    });
  const ports: PortSettings[] = [];
  for (const p of config.ports) ports.push({ port: p.port, enabled: p.enabled, name: p.name });
  const pw = config.password;
  return {
    version: config.version,
    hostname: config.hostname,
    loadBalance: config.loadBalance,
    trunks,
    ports,
    links: copyInOrder(config.links, DEFAULT_LINK_MONITOR_SETTINGS),
    moves: copyInOrder(config.moves, DEFAULT_MOVE_MONITOR_SETTINGS),
    exemptMacs: config.exemptMacs.slice(),
    exemptVlans: config.exemptVlans.slice(),
    password: pw ? { algorithm: pw.algorithm, rounds: pw.rounds, salt: pw.salt, hash: pw.hash } : null,
  };
}

export function configsEqual(a: SwitchConfig, b: SwitchConfig): boolean {
  return JSON.stringify(cloneConfig(a)) === JSON.stringify(cloneConfig(b));
}

/** The config as the text the store saves: JSON of the validated config, ASCII only (validation guarantees it). */
export function configText(config: SwitchConfig): string {
  const text = JSON.stringify(validateConfig(config));
  if (!/^[\x20-\x7e]*$/.test(text)) throw new InvalidArgumentError("the config holds a character outside printable ASCII");
  if (text.length > CONFIG_LIMITS.maxEncodedBytes) throw new InvalidArgumentError(`the config is ${text.length} bytes, more than ${CONFIG_LIMITS.maxEncodedBytes}`);
  return text;
}

/** ASCII JSON bytes (XS has no TextEncoder: one byte per character, non-ASCII refused). */
export function encodeConfig(config: SwitchConfig): Uint8Array {
  const text = configText(config);
  const bytes = new Uint8Array(text.length);
  for (let i = 0; i < text.length; i++) bytes[i] = text.charCodeAt(i);
  return bytes;
}

/** Text of ASCII bytes, decoded 256 characters at a time (no TextDecoder on XS, no quadratic concatenation). */
function asciiText(bytes: Uint8Array): string {
  const parts: string[] = [];
  const piece: number[] = [];
  for (let start = 0; start < bytes.length; start += 256) {
    const end = Math.min(start + 256, bytes.length);
    piece.length = 0;
    for (let i = start; i < end; i++) {
      const byte = bytes[i];
      if (byte < 0x20 || byte > 0x7e) throw new InvalidArgumentError(`the stored config has a byte 0x${byte.toString(16)} at offset ${i}; it is not printable ASCII`);
      piece.push(byte);
    }
    parts.push(String.fromCharCode.apply(null, piece));
  }
  return parts.join("");
}

export interface DecodeOptions {
  /** Upgrade steps (default CONFIG_MIGRATIONS; tests inject their own). */
  migrations?: readonly ConfigMigration[];
}

/**
 * Brings a parsed document up to CONFIG_SCHEMA_VERSION through `migrations` (one step per version). Throws a
 * ConfigVersionError for a document newer than this firmware, or one no step can upgrade. Returns a new object when
 * any step ran; never modifies its argument.
 */
export function migrateConfig(document: unknown, migrations: readonly ConfigMigration[] = CONFIG_MIGRATIONS): Record<string, unknown> {
  if (document === null || typeof document !== "object" || Array.isArray(document)) fail("config", `must be an object, not ${describe(document)}`);
  let current = document as Record<string, unknown>;
  const version = current.version;
  if (typeof version !== "number" || !Number.isInteger(version) || version < 0) fail("version", `must be a whole number, not ${describe(version)}`);
  if (version > CONFIG_SCHEMA_VERSION)
    throw new ConfigVersionError(
      version,
      CONFIG_SCHEMA_VERSION,
      `the config has schema version ${version}, newer than this firmware's ${CONFIG_SCHEMA_VERSION}: it is kept in flash and not applied`,
    );
  // One step per version: at most CONFIG_SCHEMA_VERSION - version iterations.
  for (let from = version; from < CONFIG_SCHEMA_VERSION; from++) {
    let step: ConfigMigration | undefined;
    for (let i = 0; i < migrations.length; i++) if (migrations[i].from === from) step = migrations[i];
    if (!step)
      throw new ConfigVersionError(version, CONFIG_SCHEMA_VERSION, `the config has schema version ${version} and this firmware has no upgrade from version ${from} to ${from + 1}`);
    let next: Record<string, unknown>;
    try {
      next = step.migrate(JSON.parse(JSON.stringify(current)) as Record<string, unknown>);
    } catch (error) {
      throw new ConfigVersionError(version, CONFIG_SCHEMA_VERSION, `upgrading the config from version ${from} to ${from + 1} failed (${error instanceof Error ? error.message : String(error)})`);
    }
    if (next === null || typeof next !== "object") throw new ConfigVersionError(version, CONFIG_SCHEMA_VERSION, `upgrading the config from version ${from} to ${from + 1} produced no document`);
    next.version = from + 1;
    current = next;
  }
  return current;
}

/** Parses ASCII JSON bytes, upgrades an older document, validates. Throws InvalidArgumentError or ConfigVersionError. */
export function decodeConfig(bytes: Uint8Array, options: DecodeOptions = {}): SwitchConfig {
  if (bytes.length > CONFIG_LIMITS.maxEncodedBytes) throw new InvalidArgumentError(`the stored config is ${bytes.length} bytes, more than ${CONFIG_LIMITS.maxEncodedBytes}`);
  const text = asciiText(bytes);
  let document: unknown;
  try {
    document = JSON.parse(text);
  } catch (error) {
    throw new InvalidArgumentError(`the stored config is not JSON (${error instanceof Error ? error.message : String(error)})`);
  }
  return validateConfig(migrateConfig(document, options.migrations ?? CONFIG_MIGRATIONS));
}
