// The configuration schema: every field is checked and its error names the field's path; bad input changes nothing;
// encode/decode round-trips; an older document is upgraded through the migration steps, a newer one is refused.
import assert from "node:assert/strict";
import { describe, it } from "node:test";
import {
  CONFIG_LIMITS,
  CONFIG_MIGRATIONS,
  CONFIG_SCHEMA_VERSION,
  ConfigVersionError,
  cloneConfig,
  configsEqual,
  decodeConfig,
  encodeConfig,
  factoryConfig,
  migrateConfig,
  validateConfig,
  type ConfigMigration,
  type SwitchConfig,
} from "../../modules/config/schema";
import { InvalidArgumentError, OnemacError } from "../../modules/errors";

function sample(): SwitchConfig {
  const config = factoryConfig();
  config.hostname = "core-sw1";
  config.loadBalance = "src-dst-mac";
  config.trunks = [
    { group: 1, members: [3, 2], mode: "hash", indexBits: 4, servers: ["02:00:5E:10:20:31"], vid: 0, holdDownMs: 1000, interSwitchPort: null, interSwitchLearning: false },
    { group: 0, members: [0, 1], mode: "hash", indexBits: 3, servers: ["02-00-5e-10-20-30", "0200.5e10.2032"], vid: 10, holdDownMs: 500, interSwitchPort: 4, interSwitchLearning: true },
  ];
  config.ports = [
    { port: 4, enabled: false, name: "to switch B" },
    { port: 1, enabled: true, name: "" }, // the defaults: dropped
    { port: 2, enabled: true, name: "server A nic 1" },
  ];
  config.links.pollIntervalMs = 20;
  config.moves.threshold = 3;
  config.exemptMacs = ["00:11:22:33:44:55", "01:00:5e:00:00:01"];
  config.exemptVlans = [100, 7];
  config.password = { algorithm: "sha256-iterated", rounds: 256, salt: "00112233445566778899aabbccddeeff", hash: "ab".repeat(32) };
  return config;
}

function ascii(text: string): Uint8Array {
  return Uint8Array.from(text, (c) => c.charCodeAt(0));
}

describe("schema: factory and normal form", () => {
  it("the factory config is valid and version CONFIG_SCHEMA_VERSION", () => {
    const factory = factoryConfig();
    assert.equal(factory.version, CONFIG_SCHEMA_VERSION);
    assert.deepEqual(validateConfig(factory), factory);
    assert.ok(Object.isFrozen(CONFIG_MIGRATIONS) && Object.isFrozen(CONFIG_LIMITS));
  });

  it("validation normalises: trunks by group, members ascending, MACs formatted, default port entries dropped", () => {
    const input = sample();
    const before = JSON.stringify(input);
    const valid = validateConfig(input);
    assert.equal(JSON.stringify(input), before, "the argument is not modified");
    assert.deepEqual(
      valid.trunks.map((t) => t.group),
      [0, 1],
    );
    assert.deepEqual(valid.trunks[1].members, [2, 3]);
    assert.deepEqual(valid.trunks[0].servers, ["02:00:5e:10:20:30", "02:00:5e:10:20:32"]);
    assert.deepEqual(valid.trunks[1].servers, ["02:00:5e:10:20:31"]);
    assert.deepEqual(
      valid.ports.map((p) => p.port),
      [2, 4],
    );
    assert.deepEqual(valid.exemptVlans, [100, 7], "exemptions keep the order they were added in");
    assert.deepEqual(validateConfig(valid), valid, "idempotent");
  });

  it("clone is deep and configsEqual ignores key order", () => {
    const valid = validateConfig(sample());
    const copy = cloneConfig(valid);
    assert.deepEqual(copy, valid);
    copy.trunks[0].members.push(9);
    assert.notDeepEqual(copy, valid);
    const reordered = JSON.parse(JSON.stringify(valid)) as SwitchConfig;
    reordered.links = Object.fromEntries(Object.entries(valid.links).reverse()) as SwitchConfig["links"];
    assert.notEqual(JSON.stringify(reordered.links), JSON.stringify(valid.links));
    assert.ok(configsEqual(reordered, valid));
    assert.ok(!configsEqual(copy, valid));
  });
});

describe("schema: every field's error names the field", () => {
  const cases: Array<[string, (c: Record<string, any>) => void, RegExp]> = [
    ["not an object", (c) => Object.assign(c, { trunks: 5 }), /^trunks: must be a list/],
    ["unknown field", (c) => (c.colour = "red"), /^colour: unknown field/],
    ["missing field", (c) => delete c.hostname, /^hostname: missing/],
    ["version", (c) => (c.version = 3), /^version: must be 2, not 3/],
    ["trunk mode", (c) => (c.trunks[0].mode = "lacp"), /^trunks\[0\]\.mode: must be hash, cfp, cfp-isolated, not "lacp"/],
    ["trunk mode missing", (c) => delete c.trunks[0].mode, /^trunks\[0\]\.mode: missing/],
    ["indexBits too small for the members", (c) => (c.trunks[0].indexBits = 1) && c.trunks[0].members.push(5, 6), /^trunks\[0\]\.indexBits: 4 members do not fit a table of 2 entries/],
    ["hostname: digit first", (c) => (c.hostname = "1switch"), /^hostname: must be a letter/],
    ["hostname: too long", (c) => (c.hostname = "a".repeat(33)), /^hostname:/],
    ["hostname: space", (c) => (c.hostname = "bad host"), /^hostname:/],
    ["hostname: non-ASCII", (c) => (c.hostname = "sw\u00e9"), /^hostname:/],
    ["loadBalance", (c) => (c.loadBalance = "round-robin"), /^loadBalance: must be src-mac, dst-mac, src-dst-mac, not "round-robin"/],
    ["trunk: not an object", (c) => (c.trunks = [null]), /^trunks\[0\]: must be an object/],
    ["trunk: unknown field", (c) => (c.trunks[0].speed = 1), /^trunks\[0\]\.speed: unknown field/],
    ["trunk: missing field", (c) => delete c.trunks[1].vid, /^trunks\[1\]\.vid: missing/],
    ["trunk group", (c) => (c.trunks[0].group = 8), /^trunks\[0\]\.group: must be a trunk group 0\.\.7, not 8/],
    ["trunk group not integer", (c) => (c.trunks[0].group = 0.5), /^trunks\[0\]\.group:/],
    ["member port", (c) => (c.trunks[0].members = [0, 1, 40]), /^trunks\[0\]\.members\[2\]: port 40 is not 0\.\.31/],
    ["member not a number", (c) => (c.trunks[0].members = ["1"]), /^trunks\[0\]\.members\[0\]: port "1" is not 0\.\.31/],
    ["member twice", (c) => (c.trunks[0].members = [2, 3, 2]), /^trunks\[0\]\.members\[2\]: port 2 is listed twice/],
    ["no members", (c) => (c.trunks[0].members = []), /^trunks\[0\]\.members: a trunk needs at least one member/],
    ["too many members", (c) => (c.trunks[0].members = Array.from({ length: 33 }, (_, i) => i)), /^trunks\[0\]\.members: at most 32 entries/],
    ["indexBits", (c) => (c.trunks[0].indexBits = 9), /^trunks\[0\]\.indexBits: must be an integer 1\.\.8, not 9/],
    ["indexBits 0", (c) => (c.trunks[0].indexBits = 0), /^trunks\[0\]\.indexBits:/],
    ["server MAC text", (c) => (c.trunks[0].servers = ["02:00:5e:10:20"]), /^trunks\[0\]\.servers\[0\]: "02:00:5e:10:20" is not a MAC address/],
    ["server MAC number", (c) => (c.trunks[0].servers = [0x02005e102030]), /^trunks\[0\]\.servers\[0\]: must be a MAC address text/],
    ["server multicast", (c) => (c.trunks[0].servers = ["01:00:5e:00:00:01"]), /^trunks\[0\]\.servers\[0\]: 01:00:5e:00:00:01 is a multicast address/],
    ["server broadcast", (c) => (c.trunks[0].servers = ["ff:ff:ff:ff:ff:ff"]), /^trunks\[0\]\.servers\[0\]: .*multicast/],
    ["server zero", (c) => (c.trunks[0].servers = ["00:00:00:00:00:00"]), /^trunks\[0\]\.servers\[0\]: 00:00:00:00:00:00 is not a station address/],
    ["server twice", (c) => (c.trunks[1].servers = ["02:00:5e:10:20:30", "02-00-5E-10-20-30"]), /^trunks\[1\]\.servers\[1\]: 02:00:5e:10:20:30 is listed twice/],
    ["too many servers", (c) => (c.trunks[0].servers = Array.from({ length: 17 }, (_, i) => `02:00:00:00:00:${(i + 16).toString(16)}`)), /^trunks\[0\]\.servers: at most 16 entries/],
    ["vid", (c) => (c.trunks[0].vid = 4096), /^trunks\[0\]\.vid: must be a VID 0\.\.4095, not 4096/],
    ["holdDownMs", (c) => (c.trunks[0].holdDownMs = -1), /^trunks\[0\]\.holdDownMs: must be 0\.\.600000 ms, not -1/],
    ["holdDownMs NaN", (c) => (c.trunks[0].holdDownMs = NaN), /^trunks\[0\]\.holdDownMs:/],
    ["interSwitchPort", (c) => (c.trunks[1].interSwitchPort = 32), /^trunks\[1\]\.interSwitchPort: port 32 is not 0\.\.31/],
    ["interSwitchPort a member", (c) => (c.trunks[1].interSwitchPort = 1), /^trunks\[1\]\.interSwitchPort: port 1 cannot be both/],
    ["interSwitchLearning type", (c) => (c.trunks[1].interSwitchLearning = "yes"), /^trunks\[1\]\.interSwitchLearning: must be true or false/],
    ["interSwitchLearning without port", (c) => (c.trunks[0].interSwitchLearning = true), /^trunks\[0\]\.interSwitchLearning: needs an interSwitchPort/],
    ["same group twice", (c) => (c.trunks[1].group = 1), /^trunks\[1\]\.group: trunk group 1 is also trk2 \(trunks\[0\]\)/],
    ["port in two trunks", (c) => (c.trunks[1].members = [1, 3]), /^trunks\[1\]\.members: port 3 is already a member of trk2 \(trunks\[0\]\)/],
    ["member is another trunk's switch-to-switch port", (c) => ((c.trunks[0].interSwitchPort = 5), (c.trunks[1].members = [0, 1, 5])), /^trunks\[1\]\.members: port 5 is the switch-to-switch port of trk2/],
    ["switch-to-switch port in another trunk", (c) => (c.trunks[1].interSwitchPort = 2), /^trunks\[1\]\.interSwitchPort: port 2 is a member of trk2/],
    ["server in two trunks", (c) => (c.trunks[1].servers = ["02:00:5e:10:20:31"]), /^trunks\[1\]\.servers\[0\]: 02:00:5e:10:20:31 already belongs to trk2/],
    ["too many trunks", (c) => (c.trunks = Array.from({ length: 9 }, () => c.trunks[0])), /^trunks: at most 8 entries/],
    ["port entry not an object", (c) => (c.ports = ["1"]), /^ports\[0\]: must be an object/],
    ["port number", (c) => (c.ports[0].port = 32), /^ports\[0\]\.port: port 32 is not 0\.\.31/],
    ["port enabled", (c) => (c.ports[0].enabled = 1), /^ports\[0\]\.enabled: must be true or false, not 1/],
    ["port name type", (c) => (c.ports[0].name = 5), /^ports\[0\]\.name: must be text/],
    ["port name quote", (c) => (c.ports[0].name = 'say "hi"'), /^ports\[0\]\.name: printable ASCII only, without '"'/],
    ["port name control", (c) => (c.ports[0].name = "a\tb"), /^ports\[0\]\.name: printable ASCII only/],
    ["port name non-ASCII", (c) => (c.ports[0].name = "caf\u00e9"), /^ports\[0\]\.name: printable ASCII only/],
    ["port name long", (c) => (c.ports[0].name = "x".repeat(33)), /^ports\[0\]\.name: at most 32 characters, not 33/],
    ["port twice", (c) => (c.ports[2].port = 4), /^ports\[2\]\.port: port 4 is listed twice/],
    ["links not an object", (c) => (c.links = []), /^links: must be an object/],
    ["links range", (c) => (c.links.pollIntervalMs = 0), /^links\.pollIntervalMs: must be a number from 1 to 60000, not 0/],
    ["links integer", (c) => (c.links.flapLimit = 2.5), /^links\.flapLimit: must be an integer from 0 to 32, not 2\.5/],
    ["links unknown", (c) => (c.links.pollMs = 5), /^links\.pollMs: unknown field/],
    ["links missing", (c) => delete c.links.recoveryMs, /^links\.recoveryMs: missing/],
    ["moves range", (c) => (c.moves.threshold = 0), /^moves\.threshold: must be an integer from 1 to 1000000, not 0/],
    ["moves records", (c) => (c.moves.maxRecords = 257), /^moves\.maxRecords:/],
    ["moves type", (c) => (c.moves.windowMs = "60s"), /^moves\.windowMs:/],
    ["exempt MAC", (c) => (c.exemptMacs = ["00:11:22:33:44:55", "nope"]), /^exemptMacs\[1\]: "nope" is not a MAC address/],
    ["exempt MAC twice", (c) => (c.exemptMacs = ["00:11:22:33:44:55", "0011.2233.4455"]), /^exemptMacs\[1\]: 00:11:22:33:44:55 is listed twice/],
    ["too many exempt MACs", (c) => (c.exemptMacs = Array.from({ length: 65 }, (_, i) => `02:00:00:00:01:${i.toString(16).padStart(2, "0")}`)), /^exemptMacs: at most 64 entries, not 65/],
    ["exempt VLAN", (c) => (c.exemptVlans = [1, 4096]), /^exemptVlans\[1\]: must be a VID 0\.\.4095, not 4096/],
    ["exempt VLAN twice", (c) => (c.exemptVlans = [5, 5]), /^exemptVlans\[1\]: VLAN 5 is listed twice/],
    ["too many exempt VLANs", (c) => (c.exemptVlans = Array.from({ length: 65 }, (_, i) => i)), /^exemptVlans: at most 64 entries/],
    ["password type", (c) => (c.password = "secret"), /^password: must be an object/],
    ["password algorithm", (c) => (c.password.algorithm = "md5"), /^password\.algorithm: must be "sha256-iterated", not "md5"/],
    ["password rounds", (c) => (c.password.rounds = 0), /^password\.rounds: must be the round count 1\.\.65536, not 0/],
    ["password salt", (c) => (c.password.salt = "xyz"), /^password\.salt: must be 1\.\.64 bytes in lower-case hex/],
    ["password salt odd", (c) => (c.password.salt = "abc"), /^password\.salt:/],
    ["password hash", (c) => (c.password.hash = "ab"), /^password\.hash: must be 64 lower-case hex digits/],
    ["password unknown", (c) => (c.password.plain = "x"), /^password\.plain: unknown field/],
  ];
  for (const [name, mutate, expected] of cases) {
    it(name, () => {
      const input = JSON.parse(JSON.stringify(sample()));
      mutate(input);
      const before = JSON.stringify(input);
      assert.throws(
        () => validateConfig(input),
        (error: unknown) => {
          assert.ok(error instanceof InvalidArgumentError, `an InvalidArgumentError, got ${String(error)}`);
          assert.match(error.message, expected);
          return true;
        },
      );
      assert.equal(JSON.stringify(input), before, "bad input is not modified");
    });
  }

  it("not an object at all", () => {
    for (const value of [null, undefined, 5, "config", []]) assert.throws(() => validateConfig(value), /^InvalidArgumentError: config: must be an object/);
  });
});

describe("schema: encoding", () => {
  it("encode/decode round-trips to the validated config, as ASCII JSON", () => {
    const valid = validateConfig(sample());
    const bytes = encodeConfig(sample());
    for (const byte of bytes) assert.ok(byte >= 0x20 && byte <= 0x7e);
    assert.deepEqual(JSON.parse(Buffer.from(bytes).toString("latin1")), valid);
    assert.deepEqual(decodeConfig(bytes), valid);
    assert.deepEqual(decodeConfig(encodeConfig(factoryConfig())), factoryConfig());
  });

  it("encoding validates first", () => {
    const bad = sample();
    bad.hostname = "caf\u00e9";
    assert.throws(() => encodeConfig(bad), /^InvalidArgumentError: hostname/);
  });

  it("a config with every list at its limit encodes within the bound", () => {
    const big = factoryConfig();
    big.hostname = "h" + "x".repeat(31);
    for (let g = 0; g < 8; g++)
      big.trunks.push({
        group: g,
        members: [g * 4, g * 4 + 1, g * 4 + 2, g * 4 + 3],
        mode: "hash",
        indexBits: 8,
        servers: Array.from({ length: 16 }, (_, i) => `02:00:00:00:${g.toString(16).padStart(2, "0")}:${i.toString(16).padStart(2, "0")}`),
        vid: 4095,
        holdDownMs: 600000,
        interSwitchPort: null,
        interSwitchLearning: false,
      });
    for (let p = 0; p < 32; p++) big.ports.push({ port: p, enabled: false, name: "n".repeat(32) });
    big.exemptMacs = Array.from({ length: 64 }, (_, i) => `02:00:00:01:00:${i.toString(16).padStart(2, "0")}`);
    big.exemptVlans = Array.from({ length: 64 }, (_, i) => 4000 + i);
    big.password = { algorithm: "sha256-iterated", rounds: 65536, salt: "ab".repeat(64), hash: "cd".repeat(32) };
    const bytes = encodeConfig(big);
    assert.ok(bytes.length < CONFIG_LIMITS.maxEncodedBytes, `${bytes.length} bytes`);
    assert.deepEqual(decodeConfig(bytes), validateConfig(big));
  });

  it("decoding refuses non-ASCII bytes, non-JSON and invalid documents, naming what is wrong", () => {
    const bytes = encodeConfig(sample());
    const garbled = bytes.slice();
    garbled[10] = 0xc3;
    assert.throws(() => decodeConfig(garbled), /byte 0xc3 at offset 10; it is not printable ASCII/);
    assert.throws(() => decodeConfig(ascii('{"version":1,')), /the stored config is not JSON/);
    assert.throws(() => decodeConfig(ascii("[1]")), /config: must be an object/);
    const doc = JSON.parse(Buffer.from(bytes).toString("latin1"));
    doc.trunks[0].members[1] = 99;
    assert.throws(() => decodeConfig(ascii(JSON.stringify(doc))), /^InvalidArgumentError: trunks\[0\]\.members\[1\]: port 99 is not 0\.\.31/);
  });
});

describe("schema: versions and migration", () => {
  /** A made-up version 0, before version 1: hostname was "name", trunks were numbered from 1, no password field. */
  const fromZero: ConfigMigration = {
    from: 0,
    summary: "name -> hostname; trunk numbers -> 0-based groups; password added",
    migrate(document) {
      const { name, trunks, ...rest } = document as { name: string; trunks: Array<Record<string, unknown>> };
      return { ...rest, hostname: name, trunks: trunks.map(({ trunk, ...t }) => ({ ...t, group: (trunk as number) - 1 })), password: null };
    },
  };

  function versionZero(): Record<string, unknown> {
    const current = JSON.parse(JSON.stringify(validateConfig(sample())));
    const { hostname, trunks, password: _password, ...rest } = current;
    return { ...rest, version: 0, name: hostname, trunks: trunks.map(({ group, ...t }: { group: number }) => ({ ...t, trunk: group + 1 })) };
  }

  it("an older document is upgraded step by step, then validated, never discarded", () => {
    const old = versionZero();
    const before = JSON.stringify(old);
    const upgraded = decodeConfig(ascii(JSON.stringify(old)), { migrations: [fromZero, ...CONFIG_MIGRATIONS] });
    const expected = validateConfig(sample());
    expected.password = null;
    assert.deepEqual(upgraded, expected);
    assert.equal(JSON.stringify(old), before);
    assert.deepEqual(migrateConfig(old, [fromZero, ...CONFIG_MIGRATIONS]).version, CONFIG_SCHEMA_VERSION);
  });

  it("an older document without an upgrade step is refused with a ConfigVersionError (kept for a firmware that can)", () => {
    assert.throws(
      () => decodeConfig(ascii(JSON.stringify(versionZero()))),
      (error: unknown) => error instanceof ConfigVersionError && error.found === 0 && /no upgrade from version 0 to 1/.test(error.message),
    );
  });

  it("a failing step is reported with its versions", () => {
    const broken: ConfigMigration = { from: 0, summary: "", migrate: () => { throw new Error("boom"); } };
    assert.throws(() => migrateConfig({ version: 0 }, [broken]), /upgrading the config from version 0 to 1 failed \(boom\)/);
  });

  it("a document newer than the firmware is refused with a typed error saying it is kept and not applied", () => {
    const newer = { ...JSON.parse(JSON.stringify(validateConfig(sample()))), version: CONFIG_SCHEMA_VERSION + 1, vlans: [] };
    assert.throws(
      () => decodeConfig(ascii(JSON.stringify(newer))),
      (error: unknown) => {
        assert.ok(error instanceof ConfigVersionError && error instanceof OnemacError);
        assert.equal(error.found, CONFIG_SCHEMA_VERSION + 1);
        assert.equal(error.supported, CONFIG_SCHEMA_VERSION);
        assert.match(error.message, new RegExp(`schema version ${CONFIG_SCHEMA_VERSION + 1}, newer than this firmware's ${CONFIG_SCHEMA_VERSION}: it is kept in flash and not applied`));
        return true;
      },
    );
  });

  it("version 1 -> 2: trunks become mode hash; the old default table size becomes the mode's default, others stay", () => {
    const current = JSON.parse(JSON.stringify(validateConfig(sample())));
    const v1 = { ...current, version: 1, trunks: current.trunks.map(({ mode: _mode, ...t }: { mode: string }) => t) };
    v1.trunks[0].indexBits = 3;
    v1.trunks[1].indexBits = 5;
    const before = JSON.stringify(v1);
    const upgraded = decodeConfig(ascii(JSON.stringify(v1)));
    assert.equal(upgraded.version, 2);
    assert.deepEqual(upgraded.trunks.map((t) => [t.group, t.mode, t.indexBits]), [[0, "hash", null], [1, "hash", 5]]);
    assert.equal(JSON.stringify(v1), before, "the document itself is not modified");
    assert.ok(CONFIG_MIGRATIONS.some((step) => step.from === 1 && /mode hash/.test(step.summary)));
  });

  it("CFP modes and a null table size validate, and survive the text round trip", () => {
    const config = validateConfig(sample());
    config.trunks[0].mode = "cfp";
    config.trunks[0].indexBits = null;
    config.trunks[1].mode = "cfp-isolated";
    const again = decodeConfig(encodeConfig(config));
    assert.deepEqual(again.trunks.map((t) => [t.mode, t.indexBits]), [["cfp", null], ["cfp-isolated", 4]]);
  });

  it("a version that is not a whole number is refused", () => {
    for (const version of [-1, 1.5, "1", null]) assert.throws(() => decodeConfig(ascii(JSON.stringify({ version }))), /^InvalidArgumentError: version: /);
  });

  it("the shipped migration table: frozen, one step per older version", () => {
    const froms = CONFIG_MIGRATIONS.map((m) => m.from).sort((a, b) => a - b);
    assert.ok(Object.isFrozen(CONFIG_MIGRATIONS));
    for (const from of froms) assert.ok(from < CONFIG_SCHEMA_VERSION);
    assert.equal(new Set(froms).size, froms.length);
  });
});
