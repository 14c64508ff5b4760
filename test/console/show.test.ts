// The show, clear, test and self-test commands against a simulated board: each show command's text and its `| json`
// document carry the same data (the JSON is parsed and its key values looked up in the text), and bad ports, trunks
// and MACs are refused with a "% " line that names the problem.
import { test } from "node:test";
import assert from "node:assert/strict";
import { FIRMWARE_VERSION } from "../../modules/firmware";
import { parseMac } from "../../modules/mac";
import { SHOW_COMMANDS } from "../../modules/console/commands/show";
import { OUI, sequentialClients } from "../services/rig";
import { CLIENT_PORT, configureTrunk, formatMac, MemoryStorage, SERVER, sendFromClients, showBoard } from "./show-rig";

function lineWith(text: string, pattern: RegExp): string {
  const line = text.split("\n").find((l) => pattern.test(l));
  assert.ok(line !== undefined, `no line matches ${pattern} in:\n${text}`);
  return line;
}

test("every spec is frozen, has help, and show commands take | json in any mode", () => {
  assert.ok(Object.isFrozen(SHOW_COMMANDS));
  for (const spec of SHOW_COMMANDS) {
    assert.ok(Object.isFrozen(spec), spec.pattern);
    assert.ok(spec.help.length > 0 && spec.help.length < 80, spec.pattern);
    if (spec.pattern.startsWith("show ")) {
      assert.equal(spec.mode, "any", spec.pattern);
      assert.equal(spec.json, true, spec.pattern);
    } else assert.equal(spec.mode, "exec", spec.pattern);
  }
});

test("show version: firmware, chip and SPI clock, text and JSON alike", () => {
  const { console } = showBoard();
  const data = console.json("show version");
  const text = console.text("show version");
  assert.equal(data.firmware, FIRMWARE_VERSION);
  assert.ok(text.includes(`onemac firmware ${FIRMWARE_VERSION}`));
  assert.equal(data.chip.model, "BCM53125");
  assert.ok(text.includes(data.chip.model));
  assert.ok(text.includes(`0x${data.chip.deviceId.toString(16)}`));
  assert.ok(text.includes(`revision ${data.chip.revision}`));
  assert.ok(text.includes(`ARL ${data.chip.arlEntries} entries`));
  if (data.spiHz !== null) assert.ok(text.includes(`${data.spiHz / 1e6} MHz`));
  else assert.match(text, /SPI clock: not reported/);
  assert.equal(console.text("sh ver"), text, "shortest prefixes");
});

test("show system: uptime, memory where reported, SPI counts, chip resets, configuration state", () => {
  const { board, console } = showBoard();
  board.clock.advance(61_234);
  let data = console.json("show system");
  let text = console.text("show system");
  assert.equal(data.memory, null);
  assert.match(text, /XS memory: not reported by this build/);
  assert.match(text, /Uptime: 00:01:01\.\d{3}/);
  assert.ok(data.uptimeMs >= 61_234);
  assert.ok(text.includes(`SPI: ${data.spi.transactions} transactions, ${data.spi.bytes} bytes`));
  assert.ok(data.spi.transactions > 0);
  assert.equal(data.chipResets, 0);
  assert.ok(text.includes("Chip resets seen: 0"));
  assert.equal(data.config.startupSource, "factory");
  assert.match(text, /Startup config: factory defaults \(nothing saved\)/);
  assert.equal(data.config.unsaved, false);
  assert.match(text, /same as the startup config/);

  console.memory = () => ({ slots: 1234, chunkBytes: 5678 });
  configureTrunk(board, [0, 1]);
  data = console.json("show system");
  text = console.text("show system");
  assert.deepEqual(data.memory, { slots: 1234, chunkBytes: 5678 });
  assert.match(text, /XS memory: 1234 slots, 5678 chunk bytes/);
  assert.equal(data.config.unsaved, true);
  assert.match(text, /changed since the startup config/);
});

test("show interfaces: brief, counters, one port; the same values in text and JSON", () => {
  const { board, console } = showBoard({ up: [0, 1, 2, 4] });
  configureTrunk(board, [0, 1]);
  board.firmware.ports.setName(2, "printer");
  sendFromClients(board, sequentialClients(OUI.DELL, 4), 3);

  const all = console.json("show interfaces");
  assert.equal(all.ports.length, 5);
  const text = console.text("show interfaces");
  for (const port of all.ports) {
    const head = lineWith(text, new RegExp(`^Port ${port.port}\\b`));
    assert.ok(head.includes(port.link ? "is up" : "is down"), head);
    if (port.name) assert.ok(head.includes(`"${port.name}"`));
    const rx = port.counters.rxUnicast + port.counters.rxMulticast + port.counters.rxBroadcast;
    assert.ok(text.includes(`Rx: ${rx} frames (${port.counters.rxUnicast} unicast`));
  }
  assert.equal(all.ports[0].trunk, 0);
  assert.equal(all.ports[3].link, false);
  assert.equal(all.ports[CLIENT_PORT].counters.rxUnicast, 12);

  const brief = console.json("show interfaces brief");
  assert.equal(brief.ports[0].counters, undefined);
  const briefText = console.text("show interfaces brief");
  for (const port of brief.ports) {
    const row = lineWith(briefText, new RegExp(`^\\s*${port.port}\\s`));
    assert.ok(row.includes(port.name || "-"));
    assert.ok(row.includes(port.trunk === null ? " -" : `trk${port.trunk + 1}`), row);
    assert.ok(row.includes(port.state), row);
    assert.ok(row.includes(port.link ? `${port.speed}/${port.fullDuplex ? "full" : "half"}` : "down"), row);
  }

  const one = console.json("show interfaces counters 4");
  assert.equal(one.ports.length, 1);
  const countersText = console.text("show interfaces counters 4");
  const row = lineWith(countersText, /^\s*4\s/).trim().split(/\s+/).map(Number);
  const c = one.ports[0].counters;
  assert.deepEqual(row, [4, c.rxUnicast, c.rxMulticast, c.rxBroadcast, c.rxOctets, c.txUnicast, c.txMulticast, c.txBroadcast, c.txOctets]);

  // clear counters: everything shown starts at zero again.
  assert.match(console.text("clear counters"), /cleared/);
  const cleared = console.json("show interfaces counters 4").ports[0].counters;
  assert.equal(cleared.rxUnicast, 0);
  assert.equal(cleared.rxOctets, 0);
});

test("show interfaces refuses a port that is not a front-panel port", () => {
  const { console } = showBoard();
  const out = console.run("show interfaces 7");
  assert.match(out.error!, /^% port 7 is not a front-panel port \(ports 0-4\)/);
  assert.equal(out.text, "");
  assert.match(console.run("show interfaces brief 40").error!, /^% /);
});

test("show trunks: load balancing, ProCurve's port table, servers, table and member states", () => {
  const { board, console } = showBoard();
  assert.match(console.text("show trunks"), /No trunk is configured/);
  configureTrunk(board, [0, 1, 2]);
  configureTrunk(board, [3], { group: 1, servers: ["00:1b:21:5e:00:02"], indexBits: 2 });
  board.model.setLink(2, false);
  board.clock.advance(30);
  const data = console.json("show trunks");
  const text = console.text("show trunks");
  assert.equal(data.loadBalance, "src-mac");
  assert.match(text, /Load Balancing Method: src-mac/);
  assert.deepEqual(data.trunks.map((t: { trunk: string }) => t.trunk), ["trk1", "trk2"]);
  for (const t of data.trunks) {
    for (const member of t.memberPorts) {
      const row = lineWith(text, new RegExp(`^\\s*${member.port}\\s.*\\b${t.trunk}\\s+Trunk\\s+${member.state}`));
      assert.ok(row);
    }
    assert.ok(text.includes(`Server MACs: ${t.servers.join(" ")}`));
    assert.ok(text.includes(`Table: ${t.tableSize} entries (M = ${t.indexBits}): ${t.table.join(" ")}`));
  }
  assert.equal(data.trunks[0].memberPorts[2].state, "down");
  assert.deepEqual(data.trunks[0].servers, [SERVER]);
  assert.match(text, /Members: 0 active, \d entries; 1 active, \d entries; 2 down, 0 entries/);
});

test("test trunk load-balance: the table's member and the chip's labelled prediction, for every trunk", () => {
  const { board, console } = showBoard();
  assert.match(console.run("test trunk load-balance 3c:07:54:00:00:13").error!, /no trunk is configured/);
  configureTrunk(board, [0, 1, 2, 3]);
  configureTrunk(board, [4], { group: 1, servers: ["00:1b:21:5e:00:02"] });
  const src = "3c:07:54:00:00:13";
  const data = console.json(`test trunk load-balance ${src} ${SERVER}`);
  const text = console.text(`test trunk load-balance ${src} ${SERVER}`);
  assert.equal(data.source, src);
  assert.equal(data.destination, SERVER);
  assert.equal(data.trunks.length, 2);
  for (const t of data.trunks) {
    const expected = board.firmware.trunks.predict(t.group, src);
    assert.equal(t.tableMember, expected.tableMember);
    assert.equal(t.predictedChipMember, expected.predictedChipMember);
    assert.ok(text.includes(`${t.trunk}: table index ${t.tableIndex} (low bits of the source MAC) -> member port ${t.tableMember}`));
    assert.ok(text.includes(`chip: port ${t.predictedChipMember}, predicted (assumption BCM53125_TRUNK_MEMBER_BY_SA_LOW_BITS`));
  }
  assert.equal(data.trunks[0].tableIndex, 3);
  assert.equal(data.trunks[0].tableMember, 3);
  assert.match(text, /the destination changes nothing/);
  assert.match(console.run("test trunk load-balance 01:00:5e:00:00:01 zz").error!, /^% /);
});

test("show mac-address: Cisco's table of static server entries and learned clients, filters, count", () => {
  const { board, console } = showBoard();
  configureTrunk(board, [0, 1]);
  const clients = sequentialClients(OUI.DELL, 5, 0x30);
  sendFromClients(board, clients, 1);
  const data = console.json("show mac-address");
  const text = console.text("show mac-address");
  assert.equal(data.total, 6);
  assert.equal(data.static, 1);
  assert.equal(data.dynamic, 5);
  assert.equal(data.untrackedAddresses, 0);
  for (const entry of data.entries) {
    const row = lineWith(text, new RegExp(`\\s${entry.mac}\\s`));
    assert.ok(row.includes(entry.type), row);
    assert.ok(row.includes(entry.trunk === null ? String(entry.port) : entry.trunk), row);
  }
  assert.deepEqual(data.entries[0], { vlan: 0, mac: SERVER, type: "static", port: 0, trunk: "trk1" });
  assert.match(text, /Total Mac Addresses for this criterion: 6/);

  assert.equal(console.json(`show mac-address ${CLIENT_PORT}`).total, 5);
  assert.equal(console.json("show mac-address 0").total, 1, "a member port shows its trunk's entries");
  assert.equal(console.json("show mac-address 2").total, 0);
  const trunk = console.json("show mac-address trk1");
  assert.deepEqual(trunk.entries.map((e: { mac: string }) => e.mac), [SERVER]);
  const one = console.json(`show mac-address ${formatMac(clients[2])}`);
  assert.deepEqual(one.entries, [{ vlan: 0, mac: formatMac(clients[2]), type: "dynamic", port: CLIENT_PORT, trunk: null }]);
  assert.deepEqual(console.json("show mac-address count"), { dynamic: 5, static: 1, total: 6, untrackedAddresses: 0, arlScans: data.arlScans });
  const count = console.text("show mac-address trk1 count");
  assert.match(count, /Dynamic Address Count: 0\nStatic Address Count: 1\nTotal Mac Addresses: 1/);

  assert.match(console.run("show mac-address trk2").error!, /^% trk2 is not configured/);
  assert.match(console.run("show mac-address 6").error!, /^% port 6 is not a front-panel port/);
});

test("show mac-address says how many addresses the last scan could not track", () => {
  const { board, console } = showBoard({ firmware: { maxTrackedMacs: 4 } });
  sendFromClients(board, sequentialClients(OUI.APPLE, 10), 1);
  const data = console.json("show mac-address");
  assert.ok(data.untrackedAddresses > 0);
  assert.ok(console.text("show mac-address").includes(`could not track ${data.untrackedAddresses} addresses`));
});

test("show mac-move and clear mac-move: records, settings, exemptions, statistics", () => {
  const { board, console } = showBoard();
  configureTrunk(board, [0, 1]);
  board.firmware.moves.exempt("02:00:00:00:00:99");
  const host = parseMac("24:0a:c4:33:aa:01");
  for (let i = 0; i < 3; i++) {
    board.model.ingress(2, { da: parseMac(SERVER), sa: host });
    board.clock.advance(1001);
    board.model.ingress(3, { da: parseMac(SERVER), sa: host });
    board.clock.advance(1001);
  }
  const data = console.json("show mac-move");
  const text = console.text("show mac-move");
  assert.ok(data.records.length >= 1);
  const record = data.records[0];
  assert.equal(record.mac, "24:0a:c4:33:aa:01");
  const row = lineWith(text, /24:0a:c4:33:aa:01/);
  assert.deepEqual(row.trim().split(/\s+/).slice(0, 5), [String(record.vlan), record.mac, String(record.fromPort), String(record.toPort), String(record.count)]);
  assert.ok(text.includes(`Exempt MACs: ${data.exemptMacs.join(" ")}`));
  assert.ok(text.includes(`Scans: ${data.stats.scans}`));
  assert.ok(text.includes(`${data.stats.movesDetected} detected`));
  assert.ok(text.includes(`${data.settings.maxRecords} records kept`));
  assert.match(console.text("clear mac-move"), /cleared/);
  assert.deepEqual(console.json("show mac-move").records, []);
  assert.match(console.text("show mac-move"), /No MAC moves recorded/);
});

test("show logging: every kept line with its time, and the dropped count", () => {
  const { board, console } = showBoard({ firmware: { logCapacity: 8 } });
  for (let i = 0; i < 10; i++) board.firmware.logs.add(`line ${i}`);
  const data = console.json("show logging");
  const text = console.text("show logging");
  assert.equal(data.entries.length, 8);
  assert.ok(data.dropped > 0);
  assert.ok(text.includes(`${data.dropped} dropped`));
  for (const entry of data.entries) assert.ok(text.includes(`] ${entry.text}\n`), entry.text);
  assert.equal(data.entries[7].text, "line 9");
  assert.match(text, /\[\s+\d+\.\d{3}\] line 9/);
});

test("show errdisable: a flapping port with its time to recovery, and the flap settings", () => {
  const { board, console } = showBoard();
  assert.match(console.text("show errdisable"), /No port is err-disabled/);
  for (let i = 0; i < 6; i++) {
    board.model.setLink(3, false);
    board.clock.advance(30);
    board.model.setLink(3, true);
    board.clock.advance(30);
  }
  const data = console.json("show errdisable");
  const text = console.text("show errdisable");
  assert.deepEqual(data.ports.map((p: { port: number }) => p.port), [3]);
  assert.equal(data.ports[0].cause, "link-flap");
  assert.ok(data.ports[0].recoveryInMs > 0);
  const row = lineWith(text, /^\s*3\s+link-flap/);
  assert.ok(row.includes(String(data.ports[0].flapsInWindow)));
  assert.ok(text.includes(`${data.settings.flapLimit} link losses within 10 s`));
  assert.ok(text.includes("automatic recovery after 5 min"));
});

test("show running-config and show startup-config: text from the config, JSON is the config, never the password hash", () => {
  const storage = new MemoryStorage();
  const { board, console } = showBoard({ firmware: { storage } });
  const factory = console.json("show startup-config");
  assert.equal(factory.source, "factory");
  assert.equal(factory.saved, false);
  assert.match(console.text("show startup-config"), /^! startup configuration: factory defaults \(nothing saved\)/);
  assert.deepEqual(console.json("show config"), factory);

  configureTrunk(board, [0, 1]);
  board.firmware.config.change((draft) => {
    draft.hostname = "rack7";
    draft.password = { algorithm: "sha256-iterated", rounds: 1000, salt: "a1".repeat(16), hash: "b2".repeat(32) };
  });
  const running = console.json("show running-config");
  assert.equal(running.hostname, "rack7");
  assert.equal(running.password, "set");
  assert.deepEqual(running.trunks[0].members, [0, 1]);
  const text = console.text("show running-config");
  assert.doesNotMatch(text, /b2b2b2/);
  assert.doesNotMatch(text, /a1a1a1/);
  assert.match(text, /rack7/);
  assert.match(text, /trk1/);
  assert.ok(text.includes(SERVER));

  let saved = false;
  board.firmware.config.save((error) => {
    assert.equal(error, undefined);
    saved = true;
  });
  for (let i = 0; i < 200 && !saved; i++) board.clock.advance(5);
  assert.ok(saved);
  const startup = console.json("show startup-config");
  assert.notEqual(startup.source, "factory");
  assert.ok(startup.sequence > 0);
  assert.equal(startup.config.hostname, "rack7");
  assert.equal(startup.config.password, "set");
  const startupText = console.text("show startup-config");
  assert.ok(startupText.startsWith(`! startup configuration: ${startup.source} (sequence ${startup.sequence})`));
  assert.doesNotMatch(startupText, /b2b2b2/);
});

test("self-test arl-search answers at once; static-relearn holds the prompt until its verdict", () => {
  const { board, console } = showBoard();
  const search = console.json("self-test arl-search");
  assert.equal(search.verdict, "holds");
  assert.match(console.text("self-test arl-search"), /BCM53125_SEARCH_ADVANCES_AFTER_RESULT_1 HOLDS/);

  const host = parseMac("24:0a:c4:33:aa:02");
  sendFromClients(board, [host], 1);
  const out = console.run("self-test static-relearn 24:0a:c4:33:aa:02");
  assert.equal(out.error, undefined);
  assert.equal(out.held, 1);
  assert.equal(out.released, 0);
  assert.match(out.text, /running for 5 s/);
  for (let t = 0; t < 60 && out.released === 0; t++) {
    board.model.ingress(CLIENT_PORT, { da: parseMac(SERVER), sa: host });
    board.clock.advance(100);
  }
  assert.equal(out.released, 1);
  assert.match(out.text, /self-test static-relearn: BCM53125_STATIC_ENTRY_MAY_BE_RELEARNED (HOLDS|FAILS|INCONCLUSIVE)/);
  assert.match(out.text, /evidence: /);

  // Bad input: refused before anything is held.
  const bad = console.run("self-test static-relearn 02:00:00:00:00:01");
  assert.match(bad.error!, /^% 02:00:00:00:00:01 is not a learned/);
  assert.equal(bad.held, 0);
});

test("| json is refused on clear commands and misplaced, by the grammar", () => {
  const { console } = showBoard();
  assert.match(console.run("clear counters | json").error!, /only accepted at the end of a show command/);
  assert.match(console.run("show version | json extra").error!, /only accepted at the end/);
});

test("every command's output is ASCII (the UART sends nothing else) in lines of at most 240 characters", () => {
  const { board, console } = showBoard({ firmware: { storage: new MemoryStorage() } });
  configureTrunk(board, [0, 1, 2, 3]);
  board.firmware.ports.setName(0, "x".repeat(32));
  sendFromClients(board, sequentialClients(OUI.DELL, 64), 2);
  const lines = [
    "show version", "show system", "show interfaces", "show interfaces brief", "show interfaces counters", "show trunks",
    "show trunk distribution", "show mac-address", "show mac-address count", "show mac-move", "show logging",
    "show running-config", "show startup-config", "show errdisable", "test trunk load-balance 3c:07:54:00:00:13",
    "self-test arl-search",
  ];
  for (const line of lines) {
    const text = console.text(line);
    assert.ok(text.endsWith("\n"), line);
    for (const printed of text.split("\n")) assert.ok(printed.length <= 240, `${line}: ${printed.length} characters: ${printed}`);
    assert.doesNotMatch(text, /[^\x00-\x7f]/, line);
    const json = console.text(`${line} | json`);
    assert.doesNotMatch(json, /[^\x00-\x7f]/, `${line} | json`);
    JSON.parse(json);
  }
});
