// The startup-config store on the simulated `preference` module: round trips, chunking, alternating slots and
// sequence numbers, a torn or corrupt slot falls back to the other, both bad fall back to factory defaults, and the
// messages say which happened. (Power cuts at every write: store-power-cut.test.ts.)
import assert from "node:assert/strict";
import { beforeEach, describe, it } from "node:test";
import { Crc32 } from "../../modules/config/crc32";
import { CONFIG_MIGRATIONS, CONFIG_SCHEMA_VERSION, factoryConfig, validateConfig, type ConfigMigration, type SwitchConfig } from "../../modules/config/schema";
import { ConfigStorageError, ConfigStore, HEADER_BYTES, type KeyValueStorage, type SaveJob } from "../../modules/config/store";
import Preference, { clearPreferenceMemory, usePreferenceFolder } from "../../hosts/sim/preference";

const DOMAIN = "onemac";

function config(hostname: string, extra: (c: SwitchConfig) => void = () => {}): SwitchConfig {
  const c = factoryConfig();
  c.hostname = hostname;
  extra(c);
  return validateConfig(c);
}

/** A config of several KB: 2 trunks, 32 server MACs, 32 port names, 64 exemptions. */
function bigConfig(hostname = "big"): SwitchConfig {
  return config(hostname, (c) => {
    for (let g = 0; g < 2; g++)
      c.trunks.push({
        group: g,
        members: [2 * g, 2 * g + 1],
        mode: "hash",
        indexBits: 3,
        servers: Array.from({ length: 16 }, (_, i) => `02:00:5e:00:0${g}:${i.toString(16).padStart(2, "0")}`),
        vid: 0,
        holdDownMs: 1000,
        interSwitchPort: null,
        interSwitchLearning: false,
      });
    for (let p = 0; p < 32; p++) c.ports.push({ port: p, enabled: true, name: `port ${p} to rack ${p % 4}` });
    c.exemptMacs = Array.from({ length: 64 }, (_, i) => `00:1b:21:00:00:${i.toString(16).padStart(2, "0")}`);
  });
}

function run(job: SaveJob): SaveJob {
  for (let i = 0; i < 10_000; i++) if (!job.step()) return job;
  throw new Error("job did not finish");
}

function save(store: ConfigStore, c: SwitchConfig): SaveJob {
  return run(store.beginSave(c));
}

function newStore(options: { chunkBytes?: number; migrations?: readonly ConfigMigration[]; storage?: KeyValueStorage } = {}): ConfigStore {
  return new ConfigStore({ storage: options.storage ?? Preference, chunkBytes: options.chunkBytes, migrations: options.migrations });
}

/** Writes a slot by hand in the documented layout (what an older or newer firmware would have left). */
function writeSlot(slot: "a" | "b", text: string, fields: { sequence: number; schemaVersion: number }): void {
  const bytes = Uint8Array.from(text, (c) => c.charCodeAt(0));
  const chunkBytes = 1024;
  const chunks = Math.ceil(bytes.length / chunkBytes);
  for (let i = 0; i < chunks; i++) Preference.set(DOMAIN, `${slot}.${i}`, bytes.slice(i * chunkBytes, (i + 1) * chunkBytes).buffer);
  const crc = new Crc32();
  const header = new ArrayBuffer(HEADER_BYTES);
  const view = new DataView(header);
  view.setUint32(0, 0x434d4e4f, true);
  view.setUint8(4, 1);
  view.setUint16(6, fields.schemaVersion, true);
  view.setUint32(8, fields.sequence, true);
  view.setUint32(12, bytes.length, true);
  view.setUint16(16, chunks, true);
  view.setUint16(18, chunkBytes, true);
  view.setUint32(20, crc.compute(bytes), true);
  view.setUint32(24, crc.compute(new Uint8Array(header, 0, 24)), true);
  Preference.set(DOMAIN, `${slot}.head`, header);
}

beforeEach(() => {
  usePreferenceFolder(undefined);
  clearPreferenceMemory();
});

describe("crc32", () => {
  it("check value of 123456789 and incremental use", () => {
    const crc = new Crc32();
    const data = Uint8Array.from("123456789", (c) => c.charCodeAt(0));
    assert.equal(crc.compute(data), 0xcbf43926);
    assert.equal(crc.finish(crc.update(crc.update(crc.begin(), data, 0, 4), data, 4)), 0xcbf43926);
    assert.equal(crc.compute(new Uint8Array(0)), 0);
  });
});

describe("ConfigStore", () => {
  it("an empty flash loads as factory defaults, quietly", () => {
    assert.deepEqual(newStore().load(), { config: undefined, source: "factory", sequence: 0, messages: [] });
  });

  it("save then load round-trips; slots alternate and sequence numbers count up", () => {
    const store = newStore();
    const seen: Array<[string, number]> = [];
    for (let i = 1; i <= 5; i++) {
      const c = config(`sw${i}`);
      const job = save(store, c);
      seen.push([job.slot, job.sequence]);
      const load = newStore().load();
      assert.deepEqual(load.config, c);
      assert.equal(load.source, `slot-${job.slot}`);
      assert.equal(load.sequence, i);
      assert.deepEqual(load.messages, []);
    }
    assert.deepEqual(seen, [
      ["a", 1],
      ["b", 2],
      ["a", 3],
      ["b", 4],
      ["a", 5],
    ]);
  });

  it("a job makes one storage write per step and counts writes and bytes", () => {
    const store = newStore({ chunkBytes: 256 });
    const c = bigConfig();
    const length = JSON.stringify(c).length;
    const chunks = Math.ceil(length / 256);
    const job = store.beginSave(c);
    assert.deepEqual(Preference.keys(DOMAIN), [], "nothing written before step()");
    let steps = 0;
    let keysBefore = 0;
    while (job.step()) {
      steps++;
      assert.equal(job.writes, steps);
      const keys = Preference.keys(DOMAIN).length;
      assert.ok(keys - keysBefore <= 1, "at most one new key per step");
      keysBefore = keys;
    }
    assert.equal(job.writes, 1 + chunks + 1, "delete the header, the chunks, the header");
    assert.equal(job.bytesWritten, length + HEADER_BYTES);
    assert.equal(job.step(), false, "a finished job does nothing");
  });

  it("chunks a config larger than one chunk into values within the Preference limits", () => {
    const store = newStore({ chunkBytes: 1024 });
    const c = bigConfig();
    const length = JSON.stringify(c).length;
    assert.ok(length > 3 * 1024, `${length} bytes`);
    save(store, c);
    const keys = Preference.keys(DOMAIN).sort();
    const chunks = Math.ceil(length / 1024);
    assert.deepEqual(keys, [...Array.from({ length: chunks }, (_, i) => `a.${i}`), "a.head"].sort());
    for (const key of keys) {
      assert.ok(key.length <= 15);
      const value = Preference.get(DOMAIN, key);
      assert.ok(value instanceof ArrayBuffer && value.byteLength <= 1024);
    }
    assert.deepEqual(newStore().load().config, c);
  });

  it("reads slots written with another chunk size", () => {
    save(newStore({ chunkBytes: 100 }), bigConfig());
    assert.deepEqual(newStore({ chunkBytes: 4000 }).load().config, bigConfig());
  });

  it("a shorter config deletes the chunks a longer one left in its slot", () => {
    const store = newStore({ chunkBytes: 256 });
    save(store, bigConfig("one"));
    save(store, bigConfig("two"));
    save(store, config("small"));
    const aChunks = Preference.keys(DOMAIN).filter((k) => /^a\.\d+$/.test(k)).sort();
    const chunks = Math.ceil(JSON.stringify(config("small")).length / 256);
    assert.ok(chunks < Math.ceil(JSON.stringify(bigConfig("one")).length / 256));
    assert.deepEqual(aChunks, Array.from({ length: chunks }, (_, i) => `a.${i}`));
    assert.equal(newStore().load().config?.hostname, "small");
  });

  it("an invalid config is refused before anything is written", () => {
    const store = newStore();
    save(store, config("first"));
    const before = Preference.keys(DOMAIN).map((k) => [k, Buffer.from(Preference.get(DOMAIN, k) as ArrayBuffer).toString("hex")]);
    const bad = config("x");
    bad.hostname = "no spaces";
    assert.throws(() => store.beginSave(bad), /^InvalidArgumentError: hostname/);
    assert.deepEqual(
      Preference.keys(DOMAIN).map((k) => [k, Buffer.from(Preference.get(DOMAIN, k) as ArrayBuffer).toString("hex")]),
      before,
    );
    save(store, config("second"));
    assert.equal(newStore().load().config?.hostname, "second");
  });

  it("one job at a time", () => {
    const store = newStore();
    const job = store.beginSave(config("a"));
    assert.throws(() => store.beginSave(config("b")), /already running/);
    assert.throws(() => store.beginErase(), /already running/);
    run(job);
    save(store, config("b"));
  });

  describe("falls back from a bad slot and says so", () => {
    function twoSaves(): ConfigStore {
      const store = newStore({ chunkBytes: 256 });
      save(store, bigConfig("old")); // slot a, seq 1
      save(store, bigConfig("new")); // slot b, seq 2
      return store;
    }
    const damage: Array<[string, () => void, RegExp]> = [
      [
        "a flipped byte",
        () => {
          const value = new Uint8Array(Preference.get(DOMAIN, "b.1") as ArrayBuffer);
          value[7] ^= 1;
          Preference.set(DOMAIN, "b.1", value.buffer);
        },
        /^slot b is torn \(CRC mismatch\); using slot a \(seq 1\)$/,
      ],
      ["a missing chunk", () => Preference.delete(DOMAIN, "b.2"), /^slot b is torn \(chunk 2 missing\); using slot a \(seq 1\)$/],
      [
        "a short chunk",
        () => Preference.set(DOMAIN, "b.0", new ArrayBuffer(10)),
        /^slot b is torn \(chunk 0 is 10 bytes, expected 256\); using slot a \(seq 1\)$/,
      ],
      ["a chunk of the wrong type", () => Preference.set(DOMAIN, "b.0", "text"), /^slot b is corrupt \(chunk 0 is a string, not binary\)/],
      [
        "a truncated header",
        () => Preference.set(DOMAIN, "b.head", (Preference.get(DOMAIN, "b.head") as ArrayBuffer).slice(0, 20)),
        /^slot b is torn \(header is 20 bytes, expected 28\); using slot a \(seq 1\)$/,
      ],
      [
        "a garbled header",
        () => {
          const head = new Uint8Array(Preference.get(DOMAIN, "b.head") as ArrayBuffer);
          head[9] ^= 0x80;
          Preference.set(DOMAIN, "b.head", head.buffer);
        },
        /^slot b is torn \(header checksum mismatch\); using slot a \(seq 1\)$/,
      ],
      [
        "a header of another format",
        () => Preference.set(DOMAIN, "b.head", new ArrayBuffer(HEADER_BYTES)),
        /^slot b is corrupt \(header magic mismatch\); using slot a \(seq 1\)$/,
      ],
      ["no header", () => Preference.delete(DOMAIN, "b.head"), /^slot b is torn \(chunks without a header: a save or erase was interrupted\); using slot a \(seq 1\)$/],
    ];
    for (const [name, hurt, message] of damage) {
      it(name, () => {
        twoSaves();
        hurt();
        const load = newStore().load();
        assert.equal(load.config?.hostname, "old");
        assert.equal(load.source, "slot-a");
        assert.equal(load.sequence, 1);
        assert.equal(load.messages.length, 1);
        assert.match(load.messages[0], message);
      });
    }

    it("a bad older slot is reported, the newer one used", () => {
      twoSaves();
      Preference.delete(DOMAIN, "a.0");
      const load = newStore().load();
      assert.equal(load.config?.hostname, "new");
      assert.deepEqual(load.messages, ["slot a is torn (chunk 0 missing); using slot b (seq 2)"]);
    });

    it("both bad: factory defaults, and both reasons", () => {
      twoSaves();
      Preference.delete(DOMAIN, "a.1");
      Preference.set(DOMAIN, "b.head", new ArrayBuffer(3));
      const load = newStore().load();
      assert.equal(load.config, undefined);
      assert.equal(load.source, "factory");
      assert.equal(load.sequence, 0);
      assert.deepEqual(load.messages, ["slot a is torn (chunk 1 missing); slot b is torn (header is 3 bytes, expected 28); using factory defaults"]);
    });

    it("the next save goes to the bad slot and keeps the good one", () => {
      const store = twoSaves();
      Preference.delete(DOMAIN, "b.2");
      const fresh = newStore({ chunkBytes: 256 });
      assert.equal(fresh.load().config?.hostname, "old");
      const job = save(fresh, config("third"));
      assert.equal(job.slot, "b");
      assert.equal(job.sequence, 3);
      assert.equal(newStore().load().config?.hostname, "third");
      void store;
    });
  });

  it("a document that decodes but is invalid is reported as corrupt, with the field", () => {
    const doc = JSON.parse(JSON.stringify(config("bad")));
    doc.trunks = [{ group: 0, members: [40], mode: "hash", indexBits: 3, servers: [], vid: 0, holdDownMs: 0, interSwitchPort: null, interSwitchLearning: false }];
    writeSlot("a", JSON.stringify(doc), { sequence: 4, schemaVersion: 1 });
    const load = newStore().load();
    assert.equal(load.config, undefined);
    assert.deepEqual(load.messages, ["slot a is corrupt (trunks[0].members[0]: port 40 is not 0..31); using factory defaults"]);
  });

  it("a config of a newer schema is kept and not applied; the older slot is used", () => {
    save(newStore(), config("current")); // slot a, seq 1
    const newer = { ...JSON.parse(JSON.stringify(config("future"))), version: CONFIG_SCHEMA_VERSION + 1, vlans: [10] };
    writeSlot("b", JSON.stringify(newer), { sequence: 2, schemaVersion: CONFIG_SCHEMA_VERSION + 1 });
    const store = newStore();
    const load = store.load();
    assert.equal(load.config?.hostname, "current");
    assert.deepEqual(load.messages, [
      `slot b holds a config of schema version ${CONFIG_SCHEMA_VERSION + 1}, newer than this firmware's ${CONFIG_SCHEMA_VERSION}: kept in flash, not applied (write memory replaces it); using slot a (seq 1)`,
    ]);
    assert.ok(Preference.get(DOMAIN, "b.head") instanceof ArrayBuffer, "still there");
    // A save keeps the config this firmware can read: it replaces the newer one, with a higher sequence number.
    const job = save(store, config("saved"));
    assert.deepEqual([job.slot, job.sequence], ["b", 3]);
    assert.equal(newStore().load().config?.hostname, "saved");
  });

  it("a config of a newer schema alone: factory defaults, and a save does not overwrite it", () => {
    writeSlot("a", JSON.stringify({ ...JSON.parse(JSON.stringify(config("future"))), version: 5 }), { sequence: 9, schemaVersion: 5 });
    const store = newStore();
    const load = store.load();
    assert.equal(load.config, undefined);
    assert.match(load.messages[0], /^slot a holds a config of schema version 5, newer than this firmware's 2: kept in flash, not applied .*; using factory defaults$/);
    const job = save(store, config("mine"));
    assert.deepEqual([job.slot, job.sequence], ["b", 10]);
    assert.ok(Preference.get(DOMAIN, "a.head") instanceof ArrayBuffer);
  });

  it("a config saved by an older schema is upgraded, not discarded, and the log says so", () => {
    const current = config("legacy", (c) => void (c.exemptVlans = [3]));
    const { hostname, ...rest } = JSON.parse(JSON.stringify(current));
    writeSlot("a", JSON.stringify({ ...rest, version: 0, name: hostname }), { sequence: 1, schemaVersion: 0 });
    const migrations: ConfigMigration[] = [
      {
        from: 0,
        summary: "name -> hostname",
        migrate: ({ name, ...others }) => ({ ...others, hostname: name }),
      },
      ...CONFIG_MIGRATIONS,
    ];
    const load = newStore({ migrations }).load();
    assert.deepEqual(load.config, current);
    assert.deepEqual(load.messages, ["slot a was saved with schema version 0; upgraded to version 2 (saved as such by the next write memory)"]);
    // Without the step the document is not thrown away: it is reported and left in flash.
    const without = newStore().load();
    assert.equal(without.config, undefined);
    assert.match(without.messages[0], /^slot a is corrupt \(the config has schema version 0 and this firmware has no upgrade from version 0 to 1\)/);
    assert.ok(Preference.get(DOMAIN, "a.head") instanceof ArrayBuffer);
  });

  it("erase: the next load is factory defaults; keys are gone", () => {
    const store = newStore({ chunkBytes: 256 });
    save(store, bigConfig("one"));
    save(store, bigConfig("two"));
    const job = run(store.beginErase());
    assert.ok(job.writes > 2);
    assert.deepEqual(Preference.keys(DOMAIN), []);
    assert.deepEqual(newStore().load(), { config: undefined, source: "factory", sequence: 0, messages: [] });
    const again = save(store, config("after"));
    assert.deepEqual([again.slot, again.sequence], ["a", 1]);
  });

  it("a storage failure during a save is a ConfigStorageError; the saved config stays and the store recovers", () => {
    let failAt = -1;
    let calls = 0;
    const flaky: KeyValueStorage = {
      get: (d, k) => Preference.get(d, k),
      set: (d, k, v) => {
        if (calls++ === failAt) throw new Error("nvs set fail");
        Preference.set(d, k, v);
      },
      delete: (d, k) => Preference.delete(d, k),
      keys: () => [], // as on SDK versions whose ESP32 keys() returns nothing
    };
    const store = newStore({ storage: flaky, chunkBytes: 256 });
    save(store, bigConfig("kept"));
    calls = 0;
    failAt = 2;
    const job = store.beginSave(bigConfig("lost"));
    assert.throws(() => run(job), (error: unknown) => error instanceof ConfigStorageError && /writing onemac\/b\.2 failed \(nvs set fail\)/.test(error.message));
    assert.equal(job.step(), false);
    assert.equal(newStore().load().config?.hostname, "kept");
    failAt = -1;
    const retry = save(store, bigConfig("retried"));
    assert.deepEqual([retry.slot, retry.sequence], ["b", 2]);
    assert.equal(newStore().load().config?.hostname, "retried");
  });

  it("refuses a bad domain or chunk size", () => {
    assert.throws(() => new ConfigStore({ storage: Preference, domain: "a-domain-too-long" }), /domain must be 1\.\.15 characters/);
    assert.throws(() => new ConfigStore({ storage: Preference, chunkBytes: 4001 }), /chunkBytes must be 64\.\.4000/);
    assert.throws(() => new ConfigStore({ storage: Preference, chunkBytes: 10 }), /chunkBytes must be 64\.\.4000/);
  });
});
