// The team's configuration: types, defaults and a validator whose errors name the field.
// The JSON file (see docs/linux-team.md) is parsed by `parseTeamConfig`; everything downstream
// receives a frozen, fully defaulted `TeamConfig` and never re-checks it.
import { ConfigError, type ConfigProblem } from "./errors";

/** "table": the patent's DA-indexed table over all healthy members. "active-backup": one member carries everything. */
export type TeamMode = "table" | "active-backup";
/** "restore": a recovered member gets its original slots back. "sticky": slots stay where failover put them. */
export type FailbackPolicy = "restore" | "sticky";
/** "auto" picks "team" where the kernel team driver exists, else "userspace". "bonding" is the degraded fallback. */
export type BackendChoice = "auto" | "team" | "userspace" | "bonding";

export interface CarrierWatcherConfig {
  /** Carrier must stay up this long before a member is used (debounces flapping links). */
  readonly upDelayMs: number;
  /** Carrier must stay down this long before a member's slots move. 0 = immediately. */
  readonly downDelayMs: number;
}

export interface ArpWatcherConfig {
  /** IPv4 address probed out of every member; a member whose probes go unanswered is failed even with carrier up. */
  readonly targetIp: string;
  /** Sender IPv4 address in the probes; "0.0.0.0" (ARP probe, RFC 5227) when omitted. */
  readonly sourceIp: string;
  readonly intervalMs: number;
  /** Consecutive unanswered probes before the member is failed. */
  readonly missedMax: number;
}

export interface WatchersConfig {
  readonly carrier: CarrierWatcherConfig;
  /** null: no ARP watcher. */
  readonly arp: ArpWatcherConfig | null;
}

export interface AutoJoinConfig {
  /** Interfaces whose name matches this pattern (shell-style: `*` and `?`) join when they appear; null: none. */
  readonly namePattern: string | null;
  /** Interfaces whose permanent MAC is in this list join when they appear (lower-case aa:bb:cc:dd:ee:ff). */
  readonly macs: readonly string[];
}

export interface TeamConfig {
  /** Name of the team device the operating system sees (TAP or team netdev), e.g. "onemac0". At most 15 bytes. */
  readonly name: string;
  /** The one MAC every member and the team device carry (unicast, lower-case aa:bb:cc:dd:ee:ff). */
  readonly mac: string;
  readonly mode: TeamMode;
  /** M: the table has 2^M slots indexed by the low M bits of the destination MAC. 1..8, default 4. */
  readonly slotBits: number;
  readonly failback: FailbackPolicy;
  readonly backend: BackendChoice;
  /** Members known in advance, in order of preference (active-backup picks the first healthy one). */
  readonly members: readonly string[];
  readonly autoJoin: AutoJoinConfig;
  /** Member preferred to receive broadcasts and multicasts; null: the first healthy member in order. */
  readonly broadcastMember: string | null;
  /**
   * "designated" (default, the issue's policy): broadcasts and multicasts are taken on one member only.
   * "all": taken on every member, for a switch trunk that already sends each broadcast down exactly one member
   * picked by its own hash (then the designated member would miss the copies hashed to the others).
   */
  readonly broadcastReceive: "designated" | "all";
  readonly watchers: WatchersConfig;
  /** MTU for the team device and members; null: leave as is. */
  readonly mtu: number | null;
  /** Addresses (CIDR, IPv4 or IPv6) put on the team device once it is up. */
  readonly addresses: readonly string[];
}

export const DEFAULT_SLOT_BITS = 4;
export const MAX_SLOT_BITS = 8;
export const IFNAME_MAX_BYTES = 15;

const KNOWN_KEYS: Record<string, readonly string[]> = {
  "": ["name", "mac", "mode", "slotBits", "failback", "backend", "members", "autoJoin", "broadcastMember", "broadcastReceive", "watchers", "mtu", "addresses"],
  autoJoin: ["namePattern", "macs"],
  watchers: ["carrier", "arp"],
  "watchers.carrier": ["upDelayMs", "downDelayMs"],
  "watchers.arp": ["targetIp", "sourceIp", "intervalMs", "missedMax"],
};

export function isValidInterfaceName(name: string): boolean {
  return (
    name.length > 0 &&
    Buffer.byteLength(name) <= IFNAME_MAX_BYTES &&
    name !== "." &&
    name !== ".." &&
    !/[\s/:]/.test(name)
  );
}

/** Lower-case colon form, or null when the text is not a MAC. */
export function normalizeMac(text: string): string | null {
  const hex = text.trim().toLowerCase();
  let digits: string;
  if (/^[0-9a-f]{2}([:-])[0-9a-f]{2}(\1[0-9a-f]{2}){4}$/.test(hex)) digits = hex.replace(/[:-]/g, "");
  else if (/^[0-9a-f]{4}\.[0-9a-f]{4}\.[0-9a-f]{4}$/.test(hex)) digits = hex.replace(/\./g, "");
  else if (/^[0-9a-f]{12}$/.test(hex)) digits = hex;
  else return null;
  return digits.match(/../g)!.join(":");
}

export function isIpv4(text: string): boolean {
  const parts = text.split(".");
  return parts.length === 4 && parts.every((part) => /^\d{1,3}$/.test(part) && Number(part) <= 255);
}

function isCidr(text: string): boolean {
  const slash = text.lastIndexOf("/");
  if (slash < 0) return false;
  const address = text.slice(0, slash);
  const prefixText = text.slice(slash + 1);
  if (!/^\d{1,3}$/.test(prefixText)) return false;
  const prefix = Number(prefixText);
  if (isIpv4(address)) return prefix <= 32;
  return /^[0-9a-fA-F:]+$/.test(address) && address.includes(":") && prefix <= 128;
}

/** Shell-style pattern (`*`, `?`) to an anchored regular expression. */
export function namePatternToRegExp(pattern: string): RegExp {
  const escaped = pattern.replace(/[.+^${}()|[\]\\]/g, "\\$&").replace(/\*/g, ".*").replace(/\?/g, ".");
  return new RegExp(`^${escaped}$`);
}

/** Does an interface that appeared (name, permanent MAC) match the team's auto-join rules? */
export function matchesAutoJoin(config: TeamConfig, ifname: string, permanentMac: string | null): boolean {
  if (ifname === config.name) return false;
  if (config.members.includes(ifname)) return true;
  if (config.autoJoin.namePattern !== null && namePatternToRegExp(config.autoJoin.namePattern).test(ifname)) return true;
  if (permanentMac !== null) {
    const mac = normalizeMac(permanentMac);
    if (mac !== null && config.autoJoin.macs.includes(mac)) return true;
  }
  return false;
}

class ProblemCollector {
  readonly problems: ConfigProblem[] = [];
  add(field: string, message: string): void {
    this.problems.push({ field: field || "(root)", message });
  }
}

function typeName(value: unknown): string {
  if (value === null) return "null";
  if (Array.isArray(value)) return "an array";
  return typeof value === "object" ? "an object" : `${typeof value} ${JSON.stringify(value)}`;
}

function isPlainObject(value: unknown): value is Record<string, unknown> {
  return typeof value === "object" && value !== null && !Array.isArray(value);
}

function checkUnknownKeys(collector: ProblemCollector, path: string, value: Record<string, unknown>): void {
  const known = KNOWN_KEYS[path] ?? [];
  for (const key of Object.keys(value)) {
    if (!known.includes(key)) {
      collector.add(path ? `${path}.${key}` : key, `unknown field (expected one of: ${known.join(", ")})`);
    }
  }
}

function readInteger(
  collector: ProblemCollector,
  source: Record<string, unknown>,
  field: string,
  path: string,
  fallback: number,
  min: number,
  max: number,
): number {
  const value = source[field];
  if (value === undefined) return fallback;
  if (typeof value !== "number" || !Number.isInteger(value) || value < min || value > max) {
    collector.add(path, `must be an integer from ${min} to ${max}, got ${typeName(value)}`);
    return fallback;
  }
  return value;
}

function readEnum<T extends string>(
  collector: ProblemCollector,
  source: Record<string, unknown>,
  field: string,
  allowed: readonly T[],
  fallback: T,
): T {
  const value = source[field];
  if (value === undefined) return fallback;
  if (typeof value !== "string" || !(allowed as readonly string[]).includes(value)) {
    collector.add(field, `must be one of ${allowed.map((item) => `"${item}"`).join(", ")}, got ${typeName(value)}`);
    return fallback;
  }
  return value as T;
}

function readObject(collector: ProblemCollector, source: Record<string, unknown>, field: string, path: string): Record<string, unknown> | null {
  const value = source[field];
  if (value === undefined || value === null) return null;
  if (!isPlainObject(value)) {
    collector.add(path, `must be an object, got ${typeName(value)}`);
    return null;
  }
  checkUnknownKeys(collector, path, value);
  return value;
}

/**
 * Validates parsed JSON and returns a frozen, fully defaulted configuration.
 * Throws ConfigError listing every problem (not just the first), each naming its field.
 */
export function parseTeamConfig(input: unknown, source = "configuration"): TeamConfig {
  const collector = new ProblemCollector();
  if (!isPlainObject(input)) {
    throw new ConfigError([{ field: "(root)", message: `must be a JSON object, got ${typeName(input)}` }], source);
  }
  checkUnknownKeys(collector, "", input);

  let name = "onemac0";
  if (input.name !== undefined) {
    if (typeof input.name !== "string" || !isValidInterfaceName(input.name)) {
      collector.add("name", `must be an interface name of 1 to ${IFNAME_MAX_BYTES} bytes without spaces, "/" or ":", got ${typeName(input.name)}`);
    } else name = input.name;
  }

  let mac = "";
  if (input.mac === undefined) collector.add("mac", "is required: the one MAC the team carries (e.g. \"02:00:00:00:00:01\")");
  else if (typeof input.mac !== "string" || normalizeMac(input.mac) === null) {
    collector.add("mac", `must be a MAC address like 02:00:00:00:00:01, got ${typeName(input.mac)}`);
  } else {
    mac = normalizeMac(input.mac)!;
    const firstOctet = parseInt(mac.slice(0, 2), 16);
    if (firstOctet & 1) collector.add("mac", `${mac} is a multicast MAC; the team needs a unicast MAC`);
    else if (mac === "00:00:00:00:00:00") collector.add("mac", "must not be all zeros");
  }

  const mode = readEnum<TeamMode>(collector, input, "mode", ["table", "active-backup"], "table");
  const slotBits = readInteger(collector, input, "slotBits", "slotBits", DEFAULT_SLOT_BITS, 1, MAX_SLOT_BITS);
  const failback = readEnum<FailbackPolicy>(collector, input, "failback", ["restore", "sticky"], "restore");
  const backend = readEnum<BackendChoice>(collector, input, "backend", ["auto", "team", "userspace", "bonding"], "auto");

  const members: string[] = [];
  if (input.members !== undefined) {
    if (!Array.isArray(input.members)) collector.add("members", `must be an array of interface names, got ${typeName(input.members)}`);
    else {
      input.members.forEach((member: unknown, index: number) => {
        if (typeof member !== "string" || !isValidInterfaceName(member)) {
          collector.add(`members[${index}]`, `must be an interface name of 1 to ${IFNAME_MAX_BYTES} bytes, got ${typeName(member)}`);
        } else if (members.includes(member)) collector.add(`members[${index}]`, `"${member}" is listed twice`);
        else if (member === name) collector.add(`members[${index}]`, `"${member}" is the team device itself`);
        else members.push(member);
      });
    }
  }

  let namePattern: string | null = null;
  const macs: string[] = [];
  const autoJoin = readObject(collector, input, "autoJoin", "autoJoin");
  if (autoJoin) {
    if (autoJoin.namePattern !== undefined && autoJoin.namePattern !== null) {
      if (typeof autoJoin.namePattern !== "string" || autoJoin.namePattern.length === 0 || autoJoin.namePattern.length > IFNAME_MAX_BYTES || /[\s/:]/.test(autoJoin.namePattern)) {
        collector.add("autoJoin.namePattern", `must be a shell-style interface name pattern like "eth*", got ${typeName(autoJoin.namePattern)}`);
      } else if (autoJoin.namePattern === "*") {
        collector.add("autoJoin.namePattern", `"*" would capture every interface (including loopback); narrow it, e.g. "enp*"`);
      } else if (namePatternToRegExp(autoJoin.namePattern).test(name)) {
        collector.add("autoJoin.namePattern", `"${autoJoin.namePattern}" matches the team device "${name}" itself`);
      } else namePattern = autoJoin.namePattern;
    }
    if (autoJoin.macs !== undefined) {
      if (!Array.isArray(autoJoin.macs)) collector.add("autoJoin.macs", `must be an array of MAC addresses, got ${typeName(autoJoin.macs)}`);
      else {
        autoJoin.macs.forEach((item: unknown, index: number) => {
          const normalized = typeof item === "string" ? normalizeMac(item) : null;
          if (normalized === null) collector.add(`autoJoin.macs[${index}]`, `must be a MAC address, got ${typeName(item)}`);
          else if (!macs.includes(normalized)) macs.push(normalized);
        });
      }
    }
  }
  if (members.length === 0 && namePattern === null && macs.length === 0 && input.members !== undefined && Array.isArray(input.members) && input.members.length === 0) {
    collector.add("members", "is empty and autoJoin names nothing: the team would never have a member");
  }
  if (input.members === undefined && namePattern === null && macs.length === 0) {
    collector.add("members", "is required unless autoJoin.namePattern or autoJoin.macs name the members");
  }

  let broadcastMember: string | null = null;
  if (input.broadcastMember !== undefined && input.broadcastMember !== null) {
    if (typeof input.broadcastMember !== "string" || !isValidInterfaceName(input.broadcastMember)) {
      collector.add("broadcastMember", `must be an interface name or null, got ${typeName(input.broadcastMember)}`);
    } else if (!members.includes(input.broadcastMember)) {
      collector.add("broadcastMember", `"${input.broadcastMember}" is not in members`);
    } else broadcastMember = input.broadcastMember;
  }

  const broadcastReceive = readEnum<"designated" | "all">(collector, input, "broadcastReceive", ["designated", "all"], "designated");

  let carrier: CarrierWatcherConfig = { upDelayMs: 0, downDelayMs: 0 };
  let arp: ArpWatcherConfig | null = null;
  const watchers = readObject(collector, input, "watchers", "watchers");
  if (watchers) {
    const carrierInput = readObject(collector, watchers, "carrier", "watchers.carrier");
    if (carrierInput) {
      carrier = {
        upDelayMs: readInteger(collector, carrierInput, "upDelayMs", "watchers.carrier.upDelayMs", 0, 0, 600_000),
        downDelayMs: readInteger(collector, carrierInput, "downDelayMs", "watchers.carrier.downDelayMs", 0, 0, 600_000),
      };
    }
    const arpInput = readObject(collector, watchers, "arp", "watchers.arp");
    if (arpInput) {
      let targetIp = "";
      if (typeof arpInput.targetIp !== "string" || !isIpv4(arpInput.targetIp)) {
        collector.add("watchers.arp.targetIp", `is required: an IPv4 address that answers ARP, got ${typeName(arpInput.targetIp)}`);
      } else targetIp = arpInput.targetIp;
      let sourceIp = "0.0.0.0";
      if (arpInput.sourceIp !== undefined) {
        if (typeof arpInput.sourceIp !== "string" || !isIpv4(arpInput.sourceIp)) {
          collector.add("watchers.arp.sourceIp", `must be an IPv4 address, got ${typeName(arpInput.sourceIp)}`);
        } else sourceIp = arpInput.sourceIp;
      }
      arp = {
        targetIp,
        sourceIp,
        intervalMs: readInteger(collector, arpInput, "intervalMs", "watchers.arp.intervalMs", 1000, 10, 600_000),
        missedMax: readInteger(collector, arpInput, "missedMax", "watchers.arp.missedMax", 3, 1, 1000),
      };
    }
  }

  let mtu: number | null = null;
  if (input.mtu !== undefined && input.mtu !== null) mtu = readInteger(collector, input, "mtu", "mtu", 1500, 68, 65535);

  const addresses: string[] = [];
  if (input.addresses !== undefined) {
    if (!Array.isArray(input.addresses)) collector.add("addresses", `must be an array of CIDR addresses, got ${typeName(input.addresses)}`);
    else {
      input.addresses.forEach((item: unknown, index: number) => {
        if (typeof item !== "string" || !isCidr(item)) collector.add(`addresses[${index}]`, `must be an address with prefix like 192.0.2.10/24, got ${typeName(item)}`);
        else addresses.push(item);
      });
    }
  }

  if (collector.problems.length > 0) throw new ConfigError(collector.problems, source);
  return deepFreeze({
    name,
    mac,
    mode,
    slotBits,
    failback,
    backend,
    members,
    autoJoin: { namePattern, macs },
    broadcastMember,
    broadcastReceive,
    watchers: { carrier, arp },
    mtu,
    addresses,
  });
}

/** Parses JSON text (syntax errors become a ConfigError too) and validates it. */
export function parseTeamConfigText(text: string, source = "configuration"): TeamConfig {
  let parsed: unknown;
  try {
    parsed = JSON.parse(text);
  } catch (error) {
    throw new ConfigError([{ field: "(root)", message: `is not valid JSON: ${(error as Error).message}` }], source);
  }
  return parseTeamConfig(parsed, source);
}

function deepFreeze<T>(value: T): T {
  if (typeof value === "object" && value !== null) {
    for (const inner of Object.values(value)) deepFreeze(inner);
    Object.freeze(value);
  }
  return value;
}
