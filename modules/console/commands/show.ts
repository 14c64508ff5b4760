// The show, clear, test and self-test commands. Each show command prints readable text in the style HP ProCurve and
// Cisco users know and, with `| json`, the same data as one JSON document (plain data, one line). Commands read the
// services through ctx.firmware only (never the chip driver); errors are OnemacErrors the interpreter prints as
// "% message". Formatting lives in ./show-format.ts, the trunk distribution in ./show-distribution.ts.
import type { SwitchConfig } from "../../config/schema";
import { InvalidArgumentError, OnemacError } from "../../errors";
import { FIRMWARE_VERSION, type Firmware } from "../../firmware";
import type { PortCounters } from "../../chip/switch-chip";
import { newPortCounters } from "../../chip/switch-chip";
import type { SelfTestResult } from "../../chip/bcm53125/self-test";
import {
  CFP_PROBE_DA,
  CFP_PROBE_SA_BASE,
  CFP_PROBE_SA_COUNT,
  CFP_REGISTER_CHECKS,
  CFP_TRAFFIC_CHECKS,
  type Bcm53125CfpSelfTest,
  type CfpCheckName,
} from "../../chip/bcm53125/cfp-self-test";
import { formatMac, parseMac } from "../../mac";
import type { PortView } from "../../ports/service";
import type { TrunkView } from "../../trunk/service";
import { renderRunningConfig } from "../running-config";
import type { CommandArgs, CommandSpec, ConsoleContext, ConsoleIo } from "../types";
import { trunkDistribution, writeDistribution, type TrackedAddresses } from "./show-distribution";
import {
  ascii,
  formatAge,
  formatDuration,
  formatMode,
  formatPortList,
  formatTimestamp,
  formatUptime,
  LOAD_BALANCE_NAMES,
  portsOfMask,
  trunkName,
  writeJson,
  writeTable,
} from "./show-format";

// ---- shared helpers ---------------------------------------------------------------------------------------------

function frames(counters: PortCounters, tx: boolean): number {
  return tx ? counters.txUnicast + counters.txMulticast + counters.txBroadcast : counters.rxUnicast + counters.rxMulticast + counters.rxBroadcast;
}

/** The trunk a command names, or a clear error when it is not configured. */
function configuredTrunk(firmware: Firmware, group: number): TrunkView {
  const trunks = firmware.trunks.show().trunks;
  for (let i = 0; i < trunks.length; i++) if (trunks[i].group === group) return trunks[i];
  throw new InvalidArgumentError(`${trunkName(group)} is not configured (configure it with "trunk <ports> ${trunkName(group)}")`);
}

/** A front-panel port a command names, or a clear error. */
function userPort(firmware: Firmware, port: number): number {
  const ports = firmware.ports;
  if (!ports.isPort(port)) throw new InvalidArgumentError(`port ${port} is not a front-panel port (ports ${formatPortList(ports.ports)})`);
  return port;
}

/** The move monitor's learned addresses, sorted by MAC then VID. Bounded by the tracking table's capacity. */
function trackedAddresses(firmware: Firmware): TrackedAddresses {
  const macs: number[] = [];
  const vids: number[] = [];
  const ports: number[] = [];
  firmware.moves.forEachTracked((mac, vid, port) => {
    macs.push(mac);
    vids.push(vid);
    ports.push(port);
  });
  const order: number[] = [];
  for (let i = 0; i < macs.length; i++) order.push(i);
  order.sort((a, b) => macs[a] - macs[b] || vids[a] - vids[b]);
  const sorted: TrackedAddresses = { macs: [], vids: [], ports: [] };
  for (let i = 0; i < order.length; i++) {
    sorted.macs.push(macs[order[i]]);
    sorted.vids.push(vids[order[i]]);
    sorted.ports.push(ports[order[i]]);
  }
  return sorted;
}

/** The configuration as `| json` shows it: the password hash never leaves the switch, only whether one is set. */
function publicConfig(config: SwitchConfig): Record<string, unknown> {
  const copy: Record<string, unknown> = { ...config };
  copy.password = config.password ? "set" : "unset";
  return copy;
}

/**
 * renderRunningConfig's lines (what differs from `defaults`) with the password line replaced by a comment: the console
 * never prints the hash, not even to the user who set it.
 */
function writeConfigLines(io: ConsoleIo, config: SwitchConfig, defaults: SwitchConfig): void {
  const lines = renderRunningConfig(config, defaults);
  if (lines.length === 0) io.write("! nothing differs from the factory defaults\n");
  const hash = config.password ? config.password.hash : "";
  const salt = config.password ? config.password.salt : "";
  for (let i = 0; i < lines.length; i++) {
    const line = lines[i];
    const secret = (hash !== "" && line.indexOf(hash) >= 0) || (salt !== "" && line.indexOf(salt) >= 0);
    io.write((secret ? "! password manager: set (the hash is never shown)" : line) + "\n");
  }
}

// ---- show version / system --------------------------------------------------------------------------------------

function showVersion(_args: CommandArgs, ctx: ConsoleContext, io: ConsoleIo, json: boolean): void {
  const firmware = ctx.firmware;
  const info = firmware.info;
  // The board's SPI clock: read where the firmware exposes it.
  const spiHz = (firmware as unknown as { spiHz?: unknown }).spiHz;
  const data = {
    firmware: FIRMWARE_VERSION,
    chip: info
      ? {
          model: info.model,
          deviceId: info.deviceId,
          revision: info.revision,
          ports: info.userPorts.slice(),
          cpuPort: info.cpuPort,
          arlEntries: info.arlEntries,
          trunkGroups: info.trunk.groups,
          trunkMaxMembers: info.trunk.maxMembers,
          trunkHashes: info.trunk.hashes.map((h) => LOAD_BALANCE_NAMES[h]),
        }
      : null,
    spiHz: typeof spiHz === "number" && spiHz > 0 ? spiHz : null,
  };
  if (json) return writeJson(io, data);
  io.write(`onemac firmware ${data.firmware}\n`);
  const chip = data.chip;
  if (chip) {
    io.write(`Switch chip: ${chip.model}, device id 0x${chip.deviceId.toString(16)}, revision ${chip.revision}\n`);
    io.write(`  front-panel ports ${formatPortList(chip.ports)}, CPU port ${chip.cpuPort}, ARL ${chip.arlEntries} entries\n`);
    io.write(`  trunks: ${chip.trunkGroups} groups of at most ${chip.trunkMaxMembers} ports, load balance ${chip.trunkHashes.join(", ")}\n`);
  } else {
    io.write("Switch chip: not found (see `show logging` for the boot error)\n");
  }
  io.write(`SPI clock: ${data.spiHz === null ? "not reported" : `${data.spiHz / 1e6} MHz`}\n`);
}

function showSystem(_args: CommandArgs, ctx: ConsoleContext, io: ConsoleIo, json: boolean): void {
  const firmware = ctx.firmware;
  const memory = ctx.memory ? ctx.memory() : undefined;
  const spi = firmware.spiStats();
  let config: Record<string, unknown> | null = null;
  if (firmware.servicesReady) {
    const manager = firmware.config;
    const startup = manager.startup;
    const revert = manager.revertPending;
    config = {
      startupSource: startup.source,
      startupSequence: startup.sequence,
      unsaved: manager.unsaved,
      saving: manager.busy,
      revertInMs: revert ? revert.remainingMs : null,
    };
  }
  const data = {
    uptimeMs: firmware.uptimeMs(),
    memory: memory ? { slots: memory.slots ?? null, chunkBytes: memory.chunkBytes ?? null } : null,
    spi: { transactions: spi.transactions, bytes: spi.bytes },
    chipResets: firmware.chipResets,
    config,
  };
  if (json) return writeJson(io, data);
  io.write(`Uptime: ${formatUptime(data.uptimeMs)}\n`);
  const m = data.memory;
  io.write(
    m
      ? `XS memory: ${m.slots === null ? "?" : m.slots} slots, ${m.chunkBytes === null ? "?" : m.chunkBytes} chunk bytes in use\n`
      : "XS memory: not reported by this build\n",
  );
  io.write(`SPI: ${spi.transactions} transactions, ${spi.bytes} bytes since start\n`);
  io.write(`Chip resets seen: ${data.chipResets}\n`);
  if (!config) {
    io.write("Configuration: not loaded (no chip)\n");
    return;
  }
  const where = config.startupSource === "factory" ? "factory defaults (nothing saved)" : `${String(config.startupSource)} (sequence ${String(config.startupSequence)})`;
  io.write(`Startup config: ${where}\n`);
  io.write(`Running config: ${config.unsaved ? 'changed since the startup config ("write memory" saves it)' : "same as the startup config"}\n`);
  if (config.saving) io.write("Flash: a save or erase is in progress\n");
  if (config.revertInMs !== null) io.write(`Auto-revert: pending, ${formatAge(Number(config.revertInMs))} left ("configure confirm" keeps the changes)\n`);
}

// ---- show interfaces ----------------------------------------------------------------------------------------------

function showInterfaces(args: CommandArgs, ctx: ConsoleContext, io: ConsoleIo, json: boolean): void {
  const firmware = ctx.firmware;
  const brief = args.has("brief");
  const countersOnly = args.has("counters");
  const withCounters = !brief;
  const ports = firmware.ports;
  const views: PortView[] = args.given("port")
    ? [ports.showPort(userPort(firmware, args.port()), { counters: withCounters })]
    : ports.show({ counters: withCounters });
  if (json) return writeJson(io, { ports: views });
  if (brief) {
    const rows: string[][] = [];
    for (const v of views)
      rows.push([String(v.port), v.name || "-", v.enabled ? "yes" : "no", v.link ? "up" : "down", formatMode(v.link, v.speed, v.fullDuplex), v.state, v.trunk === null ? "-" : trunkName(v.trunk)]);
    writeTable(io, ["Port", "Name", "Enabled", "Status", "Mode", "Monitor", "Trunk"], rows, [true]);
    return;
  }
  if (countersOnly) {
    const rows: string[][] = [];
    for (const v of views) {
      const c = v.counters!;
      rows.push([String(v.port), String(c.rxUnicast), String(c.rxMulticast), String(c.rxBroadcast), String(c.rxOctets), String(c.txUnicast), String(c.txMulticast), String(c.txBroadcast), String(c.txOctets)]);
    }
    io.write('Counters since "clear counters"\n');
    writeTable(io, ["Port", "Rx ucast", "Rx mcast", "Rx bcast", "Rx octets", "Tx ucast", "Tx mcast", "Tx bcast", "Tx octets"], rows, [true, true, true, true, true, true, true, true, true]);
    return;
  }
  for (let i = 0; i < views.length; i++) {
    const v = views[i];
    const c = v.counters!;
    if (i) io.write("\n");
    io.write(`Port ${v.port}${v.name ? ` "${v.name}"` : ""} is ${v.link ? "up" : "down"}, administratively ${v.enabled ? "enabled" : "disabled"}\n`);
    io.write(`  Mode: ${v.link ? `${v.speed} Mb/s ${v.fullDuplex ? "full" : "half"} duplex` : "no link"}; link monitor: ${v.state}\n`);
    io.write(`  Trunk: ${v.trunk === null ? "none" : trunkName(v.trunk)}\n`);
    io.write('  Counters since "clear counters":\n');
    io.write(`    Rx: ${frames(c, false)} frames (${c.rxUnicast} unicast, ${c.rxMulticast} multicast, ${c.rxBroadcast} broadcast), ${c.rxOctets} octets\n`);
    io.write(`    Tx: ${frames(c, true)} frames (${c.txUnicast} unicast, ${c.txMulticast} multicast, ${c.txBroadcast} broadcast), ${c.txOctets} octets\n`);
  }
}

// ---- show trunks / trunk distribution -----------------------------------------------------------------------------

function showTrunks(_args: CommandArgs, ctx: ConsoleContext, io: ConsoleIo, json: boolean): void {
  const firmware = ctx.firmware;
  const view = firmware.trunks.show();
  const loadBalance = LOAD_BALANCE_NAMES[firmware.trunks.hash];
  const ports = firmware.ports.show();
  const trunks = view.trunks.map((t) => ({ trunk: trunkName(t.group), ...t }));
  if (json)
    return writeJson(io, {
      loadBalance,
      trunks,
      learningDisabledPorts: portsOfMask(view.learningDisabledMask),
      reprograms: view.reprograms,
      serverEntryRepairs: view.serverEntryRepairs,
      lastReprogram: view.lastReprogram ?? null,
    });
  io.write(` Load Balancing Method: ${loadBalance}${loadBalance === "src-mac" ? " (source MAC: the patent's choice toward a server)" : ""}\n\n`);
  if (trunks.length === 0) {
    io.write('No trunk is configured ("trunk <ports> trk1" in configure mode makes one).\n');
    return;
  }
  const rows: string[][] = [];
  for (const t of trunks)
    for (const member of t.memberPorts) {
      const port = ports[ports.findIndex((p) => p.port === member.port)];
      rows.push([String(member.port), port && port.name ? port.name : "-", port ? formatMode(port.link, port.speed, port.fullDuplex) : "-", t.trunk, "Trunk", member.state]);
    }
  writeTable(io, ["Port", "Name", "Mode", "Group", "Type", "State"], rows, [true]);
  for (const t of trunks) {
    io.write(`\n${t.trunk}: ports ${formatPortList(t.members)}, in service ${formatPortList(portsOfMask(t.programmedMask))}\n`);
    if (t.servers.length === 0) io.write(`  Server MACs: none yet (flag one with "server-mac <mac> ${t.trunk}")\n`);
    else io.write(`  Server MACs: ${t.servers.join(" ")} (vlan ${t.vid}, static entries on port ${t.anchorPort < 0 ? "none (no member in service)" : t.anchorPort})\n`);
    io.write(`  Table: ${t.tableSize} entries (M = ${t.indexBits}): ${t.table.map((p) => (p < 0 ? "-" : String(p))).join(" ")}\n`);
    const states = t.memberPorts.map(
      (m) => `${m.port} ${m.state}${m.holdDownRemainingMs !== undefined ? ` (${formatAge(m.holdDownRemainingMs)} left)` : ""}, ${m.tableEntries} entries`,
    );
    io.write(`  Members: ${states.join("; ")}\n`);
    io.write(`  Hold-down: ${formatDuration(t.holdDownMs)}; chip: ${trunkChipText(t)}\n`);
    if (t.rules)
      io.write(
        `  Mode ${t.mode}: each client takes table[low ${t.indexBits} bits of its MAC] exactly (the CFP rule decides); ` +
          `rules ${t.rules.count === 0 ? "none yet" : `${t.rules.first}..${t.rules.first + t.rules.count - 1} (${t.rules.perServer} per server MAC)`}, ` +
          `${t.rules.free} of ${t.rules.capacity} free${t.mode === "cfp-isolated" ? "; server ports in no trunk group, floods kept apart by port-based VLAN masks" : ""}\n`,
      );
    if (t.interSwitchPort !== undefined) io.write(`  Switch-to-switch port: ${t.interSwitchPort} (learning ${t.interSwitchLearning ? "on" : "off"})\n`);
    if (t.prediction) io.write(`  Chip's member: ${ascii(t.prediction.label)}\n`);
  }
}

function trunkChipText(t: TrunkView): string {
  if (t.chipProgramming === "group-bitmap") return "group bitmap + own hash (no writable table)";
  return t.mode === "cfp-isolated" ? "CFP rules, no trunk group (mode cfp-isolated)" : "CFP rules + group bitmap (mode cfp)";
}

function showDistribution(args: CommandArgs, ctx: ConsoleContext, io: ConsoleIo, json: boolean): void {
  const firmware = ctx.firmware;
  const views = args.given("trunk") ? [configuredTrunk(firmware, args.trunk())] : firmware.trunks.show().trunks;
  const tracked = trackedAddresses(firmware);
  const scratch = newPortCounters();
  const counters = (port: number): PortCounters => firmware.ports.counters(port, scratch);
  const stats = firmware.moves.show().stats;
  const trunks = views.map((view) => trunkDistribution(view, tracked, counters));
  if (json) return writeJson(io, { trunks, arlScans: stats.scans, untrackedAddresses: stats.untracked });
  if (trunks.length === 0) {
    io.write('No trunk is configured ("trunk <ports> trk1" in configure mode makes one).\n');
    return;
  }
  for (let i = 0; i < trunks.length; i++) {
    if (i) io.write("\n");
    writeDistribution(io, trunks[i]);
  }
  if (stats.scans === 0) io.write("Note: no ARL scan has run yet; client MACs appear after the first one.\n");
  if (stats.untracked > 0) io.write(`Note: the last ARL scan could not track ${stats.untracked} addresses (table of ${stats.capacity}); they are missing above.\n`);
}

// ---- show mac-address ----------------------------------------------------------------------------------------------

interface MacRow {
  vlan: number;
  mac: string;
  type: "static" | "dynamic";
  /** The port the address table points at (-1: none). */
  port: number;
  /** The trunk the entry belongs to (a server's MAC, or an address learned on a member), or null. */
  trunk: string | null;
}

function showMacAddress(args: CommandArgs, ctx: ConsoleContext, io: ConsoleIo, json: boolean): void {
  const firmware = ctx.firmware;
  const trunks = firmware.trunks.show().trunks;
  let wantPort = -1;
  let wantTrunk = -1;
  let wantMac = -1;
  if (args.given("port")) wantPort = userPort(firmware, args.port());
  if (args.given("trunk")) wantTrunk = configuredTrunk(firmware, args.trunk()).group;
  if (args.given("mac")) wantMac = args.mac();

  // The trunk a port filter also covers (a member port shows its trunk's entries).
  const portTrunk = wantPort >= 0 ? firmware.trunks.groupOf(wantPort) : -1;
  const wanted = (mac: number, port: number, group: number): boolean =>
    (wantMac < 0 || mac === wantMac) && (wantTrunk < 0 || group === wantTrunk) && (wantPort < 0 || port === wantPort || (portTrunk >= 0 && group === portTrunk));

  // `count` counts without building the rows.
  const countOnly = args.has("count");
  const selected: MacRow[] = [];
  let statics = 0;
  let dynamics = 0;
  const serverMacs: number[] = [];
  const serverVids: number[] = [];
  for (const t of trunks)
    for (const server of t.servers) {
      const mac = parseMac(server);
      serverMacs.push(mac);
      serverVids.push(t.vid);
      if (!wanted(mac, t.anchorPort, t.group)) continue;
      statics++;
      if (!countOnly) selected.push({ vlan: t.vid, mac: server, type: "static", port: t.anchorPort, trunk: trunkName(t.group) });
    }
  firmware.moves.forEachTracked((mac, vid, port) => {
    for (let s = 0; s < serverMacs.length; s++) if (serverMacs[s] === mac && serverVids[s] === vid) return; // listed above
    const group = firmware.trunks.groupOf(port);
    if (!wanted(mac, port, group)) return;
    dynamics++;
    if (!countOnly) selected.push({ vlan: vid, mac: formatMac(mac), type: "dynamic", port, trunk: group >= 0 ? trunkName(group) : null });
  });
  // Formatted MACs are fixed-width lower-case hex: text order is numeric order.
  selected.sort((a, b) => a.vlan - b.vlan || (a.mac < b.mac ? -1 : a.mac > b.mac ? 1 : 0));
  const stats = firmware.moves.show().stats;
  const totals = { dynamic: dynamics, static: statics, total: statics + dynamics, untrackedAddresses: stats.untracked, arlScans: stats.scans };
  if (json) return writeJson(io, countOnly ? totals : { entries: selected, ...totals });
  if (countOnly) {
    io.write(`Dynamic Address Count: ${totals.dynamic}\nStatic Address Count: ${totals.static}\nTotal Mac Addresses: ${totals.total}\n`);
  } else {
    const table: string[][] = selected.map((r) => [String(r.vlan), r.mac, r.type, r.trunk === null ? String(r.port) : r.port < 0 ? r.trunk : `${r.trunk} (port ${r.port})`]);
    writeTable(io, ["Vlan", "Mac Address", "Type", "Port(s)"], table, [true]);
    io.write(`Total Mac Addresses for this criterion: ${totals.total}\n`);
  }
  if (stats.scans === 0) io.write("Note: no ARL scan has run yet; learned addresses appear after the first one.\n");
  if (stats.untracked > 0) io.write(`Note: the last ARL scan could not track ${stats.untracked} addresses (table of ${stats.capacity}); they are not listed.\n`);
}

// ---- show mac-move / logging / errdisable ----------------------------------------------------------------------------

function showMacMove(_args: CommandArgs, ctx: ConsoleContext, io: ConsoleIo, json: boolean): void {
  const view = ctx.firmware.moves.show();
  if (json) return writeJson(io, view);
  const s = view.settings;
  io.write(
    `MAC move detection: ${view.running ? "running" : "stopped"}, ARL scan every ${formatDuration(s.scanIntervalMs)}; report after ${s.threshold} move(s) ` +
      `within ${formatDuration(s.windowMs)}; ${s.maxRecords} records kept; at most ${s.maxLogLinesPerInterval} log lines per ${formatDuration(s.logIntervalMs)}\n\n`,
  );
  const now = ctx.clock.now();
  const rows = view.records.map((r) => [String(r.vlan), r.mac, String(r.fromPort), String(r.toPort), String(r.count), `${formatAge(now - r.lastMs)} ago`, r.reported ? "yes" : "no"]);
  if (rows.length === 0) io.write("No MAC moves recorded.\n");
  else writeTable(io, ["Vlan", "Mac Address", "From", "To", "Moves", "Last move", "Reported"], rows, [true, false, true, true, true]);
  io.write(`\nExempt MACs: ${view.exemptMacs.length ? view.exemptMacs.join(" ") : "none"}\n`);
  io.write(`Exempt VLANs: ${view.exemptVlans.length ? view.exemptVlans.join(" ") : "none"}\n`);
  const t = view.stats;
  io.write(
    `Scans: ${t.scans}${t.lastScanMs !== undefined ? ` (last ${formatAge(now - t.lastScanMs)} ago)` : ""}; ` +
      `last scan saw ${t.lastScanEntries} addresses; tracked ${t.tracked} of ${t.capacity}, ${t.untracked} not tracked\n`,
  );
  io.write(
    `Moves: ${t.movesDetected} detected; trunked-server moves ignored ${t.trunkedServerMovesIgnored}; exempt moves ignored ${t.exemptMovesIgnored}; ` +
      `records dropped ${t.droppedRecords}; log lines suppressed ${t.suppressedLogLines}\n`,
  );
}

function showLogging(_args: CommandArgs, ctx: ConsoleContext, io: ConsoleIo, json: boolean): void {
  const logs = ctx.firmware.logs;
  const entries = logs.entries();
  if (json) return writeJson(io, { capacity: logs.capacity, total: logs.total, dropped: logs.dropped, entries });
  io.write(`Log buffer: ${entries.length} of ${logs.capacity} lines kept, ${logs.total} written since boot, ${logs.dropped} dropped (oldest first; time in seconds)\n`);
  for (let i = 0; i < entries.length; i++) io.write(`[${formatTimestamp(entries[i].atMs)}] ${ascii(entries[i].text)}\n`);
}

function showErrdisable(_args: CommandArgs, ctx: ConsoleContext, io: ConsoleIo, json: boolean): void {
  const view = ctx.firmware.links.show();
  const s = view.settings;
  const ports = view.ports
    .filter((p) => p.state === "err-disabled")
    .map((p) => ({ port: p.port, cause: "link-flap", flapsInWindow: p.flapsInWindow, linkLosses: p.linkLosses, recoveryInMs: p.recoveryInMs ?? 0 }));
  const settings = { flapLimit: s.flapLimit, flapWindowMs: s.flapWindowMs, recoveryMs: s.recoveryMs, upDebounceMs: s.upDebounceMs, pollIntervalMs: s.pollIntervalMs };
  if (json) return writeJson(io, { settings, ports });
  io.write(
    s.flapLimit === 0
      ? "Flap damping: off (link-flap err-disable is disabled)\n"
      : `Flap damping: ${s.flapLimit} link losses within ${formatDuration(s.flapWindowMs)} err-disable a port; automatic recovery after ${formatDuration(s.recoveryMs)}\n`,
  );
  io.write(`Link poll every ${formatDuration(s.pollIntervalMs)}; a link must stay up ${formatDuration(s.upDebounceMs)} before trunks use it\n\n`);
  if (ports.length === 0) {
    io.write("No port is err-disabled.\n");
    return;
  }
  writeTable(
    io,
    ["Port", "Cause", "Losses in window", "Losses since boot", "Recovery in"],
    ports.map((p) => [String(p.port), p.cause, String(p.flapsInWindow), String(p.linkLosses), formatAge(p.recoveryInMs)]),
    [true, false, true, true],
  );
}

// ---- show running-config / startup-config --------------------------------------------------------------------------

function showRunningConfig(_args: CommandArgs, ctx: ConsoleContext, io: ConsoleIo, json: boolean): void {
  const manager = ctx.firmware.config;
  const config = manager.running;
  if (json) return writeJson(io, publicConfig(config));
  io.write(`! running configuration${manager.unsaved ? ' (not saved: "write memory" saves it)' : ""}\n`);
  writeConfigLines(io, config, manager.factory);
}

function showStartupConfig(_args: CommandArgs, ctx: ConsoleContext, io: ConsoleIo, json: boolean): void {
  const manager = ctx.firmware.config;
  const startup = manager.startup;
  const saved = startup.config !== undefined;
  const config = startup.config ?? manager.factory;
  const from = saved ? `${startup.source} (sequence ${startup.sequence})` : "factory defaults (nothing saved)";
  if (json)
    return writeJson(io, { source: startup.source, sequence: startup.sequence, saved, messages: startup.messages, config: publicConfig(config) });
  io.write(`! startup configuration: ${from}\n`);
  for (let i = 0; i < startup.messages.length; i++) io.write(`! ${startup.messages[i]}\n`);
  writeConfigLines(io, config, manager.factory);
}

// ---- clear / test / self-test -----------------------------------------------------------------------------------------

function clearCounters(_args: CommandArgs, ctx: ConsoleContext, io: ConsoleIo): void {
  ctx.firmware.ports.clearCounters();
  io.write("Counters cleared on every port.\n");
}

function clearMacMove(_args: CommandArgs, ctx: ConsoleContext, io: ConsoleIo): void {
  ctx.firmware.moves.clearRecords();
  io.write("MAC move records cleared.\n");
}

function testLoadBalance(args: CommandArgs, ctx: ConsoleContext, io: ConsoleIo, json: boolean): void {
  const firmware = ctx.firmware;
  const source = args.mac("src");
  const destination = args.given("dst") ? formatMac(args.mac("dst")) : null;
  const loadBalance = LOAD_BALANCE_NAMES[firmware.trunks.hash];
  const trunks = firmware.trunks.show().trunks.map((t) => ({ trunk: trunkName(t.group), ...firmware.trunks.predict(t.group, source) }));
  if (json) return writeJson(io, { source: formatMac(source), destination, loadBalance, trunks });
  if (trunks.length === 0) throw new InvalidArgumentError('no trunk is configured ("trunk <ports> trk1" in configure mode makes one)');
  io.write(`Source ${formatMac(source)}${destination ? `, destination ${destination}` : ""}; load balance ${loadBalance}\n`);
  if (destination && loadBalance === "src-mac") io.write("  (with src-mac only the source MAC picks the member; the destination changes nothing)\n");
  for (const t of trunks) {
    io.write(`${t.trunk}: table index ${t.tableIndex} (low bits of the source MAC) -> member port ${t.tableMember < 0 ? "none" : t.tableMember}\n`);
    if (t.predictedChipMember !== undefined)
      io.write(`  chip: port ${t.predictedChipMember < 0 ? "none" : t.predictedChipMember}, ${ascii(t.label ?? "")}\n`);
    else if (t.exact) io.write(`  chip: port ${t.tableMember < 0 ? "none" : t.tableMember}, exact (CFP rule ${t.rule} decides)\n`);
    else if (!t.exact && loadBalance !== "src-mac") io.write(`  chip: no prediction for ${loadBalance} (the named assumption describes the source-MAC hash only)\n`);
  }
}

function writeVerdict(io: ConsoleIo, result: SelfTestResult): void {
  io.write(`self-test ${result.check}: ${result.assumption.name} ${result.verdict.toUpperCase()}\n`);
  io.write(`  assumption: ${ascii(result.assumption.statement)} (${ascii(result.assumption.source)})\n`);
  io.write(`  evidence: ${ascii(result.evidence)}\n`);
}

function selfTestArlSearch(_args: CommandArgs, ctx: ConsoleContext, io: ConsoleIo, json: boolean): void {
  const result = ctx.firmware.selfTest.searchAdvance();
  if (json) return writeJson(io, result);
  writeVerdict(io, result);
}

/**
 * Runs a self-test that answers through a callback, now or after a while: `start` begins it (validation errors are
 * thrown there, before the prompt is held) and hands it the callback; a verdict given at once is written at once,
 * otherwise `announce` says what is running (text output only) and the prompt is held until the verdict is written.
 */
function runHeldSelfTest<State extends { state: string }>(
  io: ConsoleIo,
  json: boolean,
  start: (done: (result: SelfTestResult) => void) => State,
  announce: (state: Extract<State, { state: "running" }>) => void,
): void {
  let release: (() => void) | undefined;
  let early: SelfTestResult | undefined;
  const finish = (result: SelfTestResult): void => {
    if (json) writeJson(io, result);
    else writeVerdict(io, result);
  };
  const state = start((result) => {
    if (!release) {
      early = result;
      return;
    }
    const done = release;
    release = undefined;
    try {
      finish(result);
    } finally {
      done();
    }
  });
  if (early) return finish(early);
  if (!json && state.state === "running") announce(state as Extract<State, { state: "running" }>);
  release = io.hold();
}

function selfTestStaticRelearn(args: CommandArgs, ctx: ConsoleContext, io: ConsoleIo, json: boolean): void {
  const selfTest = ctx.firmware.selfTest;
  runHeldSelfTest(
    io,
    json,
    (done) => selfTest.startStaticRelearn({ mac: args.mac() }, done),
    (state) => io.write(`self-test static-relearn: running for ${formatDuration(state.endsInMs)}; the verdict follows\n`),
  );
}

// ---- self-test cfp: the CFP's UNCERTAIN facts, modules/chip/bcm53125/cfp-self-test.ts ----------------------

const CFP_CHECK_HELP: Readonly<Record<string, string>> = Object.freeze({
  cfp: "The CFP's UNCERTAIN facts (shared/facts/bcm53125-cfp.md U1..U16)",
  "byte-order": "U1: byte order inside a user-defined field",
  framings: "U2: one rule matches IPv4, IPv6 and non-IP frames",
  "trunk-rehash": "U3: is a CFP destination re-hashed in a trunk (mode cfp or cfp-isolated?)",
  bands: "U4: in-band or out-band action without meters",
  priority: "U5: lowest index wins, one hit per frame",
  learning: "U6: source MACs are learned on a CFP hit",
  "link-down": "U11: a trunk skips a member whose link is down",
  "port-vlan": "U12: port-based VLAN masks apply to CFP destinations",
  "hitless-rewrite": "U14: rewriting a live action loses no frame",
  staging: "U7: staging registers keep their values after a write",
  "masked-readback": "U8: the TCAM reads back data where the mask is 0",
  "mask5-width": "U9: CFP_MASK5 stores 32 bits",
  "tcam-reset": "U13: TCAM reset self-clears and clears the rules",
  "poll-status": "U15: operations finish within the poll bound, data ready",
  "udf-registers": "U16: UDF selection registers are byte-wide",
});

function cfpSelfTest(ctx: ConsoleContext): Bcm53125CfpSelfTest {
  const cfp = ctx.firmware.selfTest.cfp;
  if (!cfp) throw new OnemacError("chip-error", "this switch chip's driver has no CFP checks");
  return cfp;
}

function cfpCheckTyped(args: CommandArgs, names: readonly CfpCheckName[]): CfpCheckName {
  for (let i = 0; i < names.length; i++) if (args.has(names[i])) return names[i];
  throw new InvalidArgumentError("name a CFP check");
}

function selfTestCfpRegisters(args: CommandArgs, ctx: ConsoleContext, io: ConsoleIo, json: boolean): void {
  const result = cfpSelfTest(ctx).run(cfpCheckTyped(args, CFP_REGISTER_CHECKS));
  if (json) return writeJson(io, result);
  writeVerdict(io, result);
}

function selfTestCfpTraffic(args: CommandArgs, ctx: ConsoleContext, io: ConsoleIo, json: boolean): void {
  const cfp = cfpSelfTest(ctx);
  const check = cfpCheckTyped(args, CFP_TRAFFIC_CHECKS);
  const request = {
    host: args.port(),
    targets: args.given("ports") ? args.ports() : undefined,
    waitMs: args.given("wait") ? args.int("wait") * 1000 : undefined,
  };
  runHeldSelfTest(
    io,
    json,
    (done) => cfp.start(check, request, done),
    (state) =>
      io.write(
        `self-test cfp ${check}: send frames to ${formatMac(CFP_PROBE_DA)} from port ${state.host} with source MACs ` +
          `${formatMac(CFP_PROBE_SA_BASE)}..${formatMac(CFP_PROBE_SA_BASE + CFP_PROBE_SA_COUNT - 1)} for ${(request.waitMs ?? 10000) / 1000} s; ` +
          `ports ${state.targets.join(" and ")} are the targets; the verdict follows\n`,
      ),
  );
}

// ---- the command table ---------------------------------------------------------------------------------------------

function spec(pattern: string, help: string, mode: CommandSpec["mode"], json: boolean, run: CommandSpec["run"], words?: Record<string, string>): CommandSpec {
  return Object.freeze({ pattern, help, mode, json, run, words: words ? Object.freeze(words) : undefined });
}

/** Guards every show command: a board whose chip did not boot has no services to show. */
function needsServices(run: CommandSpec["run"]): CommandSpec["run"] {
  return (args, ctx, io, json) => {
    if (!ctx.firmware.servicesReady) throw new OnemacError("chip-error", "the switch chip did not boot, so there is nothing to show: see `show logging`");
    run(args, ctx, io, json);
  };
}

export const SHOW_COMMANDS: readonly CommandSpec[] = Object.freeze([
  spec("show version", "Firmware version, switch chip and SPI clock", "any", true, showVersion),
  spec("show system", "Uptime, memory, SPI statistics, chip resets, configuration state", "any", true, showSystem),
  spec("show interfaces [{brief|counters}] [<port>]", "Ports: link, speed/duplex, link monitor, trunk, counters", "any", true, needsServices(showInterfaces)),
  // "show trunk" alone is "show trunks" (ProCurve users type it); "show trunk distribution" is its own command.
  spec("show {trunks|trunk}", "Trunks: load balancing, members and their state, server MACs, table", "any", true, needsServices(showTrunks), {
    trunk: 'Trunks (alone: the same as "show trunks"; "show trunk distribution": buckets and load)',
  }),
  spec("show trunk distribution [<trunk>]", "Each table bucket: member, client MACs, load; members' shares", "any", true, needsServices(showDistribution)),
  spec("show mac-address [{<port>|<trunk>|<mac>}] [count]", "Learned and static MAC addresses", "any", true, needsServices(showMacAddress)),
  spec("show mac-move", "MAC move (flapping) records, settings, exemptions, statistics", "any", true, needsServices(showMacMove)),
  spec("show logging", "The log buffer, oldest first", "any", true, showLogging),
  spec("show running-config", "The configuration in use, as commands", "any", true, needsServices(showRunningConfig)),
  spec("show startup-config", "The configuration saved in flash, as commands", "any", true, needsServices(showStartupConfig)),
  spec("show config", "The configuration saved in flash (same as show startup-config)", "any", true, needsServices(showStartupConfig)),
  spec("show errdisable", "Err-disabled ports (link flapping) and recovery", "any", true, needsServices(showErrdisable)),
  spec("clear counters", "Port counters start again from zero", "exec", false, needsServices(clearCounters)),
  spec("clear mac-move", "Forget the MAC move records", "exec", false, needsServices(clearMacMove)),
  spec("test trunk load-balance <mac:src> [<mac:dst>]", "Which trunk member a source MAC takes", "exec", true, needsServices(testLoadBalance)),
  spec("self-test static-relearn <mac>", "Check on this chip whether static ARL entries are re-learned", "exec", true, needsServices(selfTestStaticRelearn)),
  spec("self-test arl-search", "Check on this chip that the ARL search visits every entry once", "exec", true, needsServices(selfTestArlSearch)),
  // ---- self-test cfp: the CFP checks, modules/chip/bcm53125/cfp-self-test.ts; run functions above --------
  spec(`self-test cfp {${CFP_REGISTER_CHECKS.join("|")}}`, "Check a CFP register fact on this chip (no traffic needed)", "exec", true, needsServices(selfTestCfpRegisters), CFP_CHECK_HELP),
  spec(
    `self-test cfp {${CFP_TRAFFIC_CHECKS.join("|")}} <port> [<ports>] [wait <int:wait:1-600>]`,
    "Check a CFP fact with probe frames a host on <port> sends (docs/hardware.md)",
    "exec",
    true,
    needsServices(selfTestCfpTraffic),
    { ...CFP_CHECK_HELP, wait: "Seconds to count probe frames (default 10)" },
  ),
  // ---- end of the self-test cfp block
]);

