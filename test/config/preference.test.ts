// hosts/sim/preference.ts, the `preference` module of the simulated board: the ESP32 port's value types and limits,
// values in files that survive a restart of the simulator, atomic set(), flash time charged to the simulated CPU, and
// the power-cut injection the store tests use. The xsnap stand-in (hosts/xs/preference.ts) keeps the same rules.
import assert from "node:assert/strict";
import { mkdtempSync, readdirSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterEach, describe, it } from "node:test";
import { VirtualClock } from "../../hosts/sim/clock";
import Preference, {
  FLASH_TIMING,
  MAX_VALUE_BYTES,
  PowerCutError,
  clearPreferenceMemory,
  cutPowerAfterWrites,
  preferenceStats,
  resetPreferenceStats,
  restorePower,
  setFlashTiming,
  usePreferenceFolder,
} from "../../hosts/sim/preference";
import XsPreference, { clearPreferences } from "../../hosts/xs/preference";
import { useClock } from "../../hosts/sim/timer";

afterEach(() => {
  restorePower();
  useClock(undefined);
  usePreferenceFolder(undefined);
  clearPreferenceMemory();
  clearPreferences();
  setFlashTiming(FLASH_TIMING);
});

for (const [name, store] of [
  ["sim", Preference],
  ["xsnap", XsPreference],
] as const) {
  describe(`${name} preference: values and limits as on the ESP32`, () => {
    it("stores booleans, 32-bit integers, strings and ArrayBuffers (copies)", () => {
      store.set("dom", "b", true);
      store.set("dom", "i", -123456);
      store.set("dom", "s", "hello");
      const buffer = Uint8Array.of(1, 2, 3).buffer;
      store.set("dom", "a", buffer);
      new Uint8Array(buffer)[0] = 9;
      assert.equal(store.get("dom", "b"), true);
      assert.equal(store.get("dom", "i"), -123456);
      assert.equal(store.get("dom", "s"), "hello");
      assert.deepEqual([...new Uint8Array(store.get("dom", "a") as ArrayBuffer)], [1, 2, 3]);
      assert.deepEqual(store.keys("dom").sort(), ["a", "b", "i", "s"]);
      assert.equal(store.get("dom", "none"), undefined);
      store.delete("dom", "a");
      store.delete("dom", "a");
      assert.equal(store.get("dom", "a"), undefined);
      assert.deepEqual(store.keys("other"), []);
    });

    it("refuses what the device refuses, with its kind of error", () => {
      assert.throws(() => store.set("domain-of-16-char", "k", 1), (e: unknown) => e instanceof Error && /^nvs_open fail/.test(e.message));
      assert.throws(() => store.set("dom", "a-key-of-16-char", 1), /^Error: nvs set fail \(key "a-key-of-16-char" must be 1\.\.15 characters\)/);
      store.set("fifteen-chars-d", "fifteen-chars-k", 1);
      assert.throws(() => store.set("dom", "k", new ArrayBuffer(MAX_VALUE_BYTES + 1)), /nvs set fail \(a value of 4001 bytes; at most 4000\)/);
      store.set("dom", "k", new ArrayBuffer(MAX_VALUE_BYTES));
      assert.throws(() => store.set("dom", "k", 1.5), /float unsupported/);
      assert.throws(() => store.set("dom", "k", 2 ** 31), /not a 32-bit integer/);
      assert.throws(() => store.set("dom", "k", {} as never), /unsupported type/);
      assert.equal((store.get("dom", "k") as ArrayBuffer).byteLength, MAX_VALUE_BYTES, "a refused set changes nothing");
    });
  });
}

describe("sim preference: files, flash time, power cuts", () => {
  it("keeps values in files, one per key, written atomically, readable after a restart", () => {
    const folder = mkdtempSync(join(tmpdir(), "onemac-preference-"));
    try {
      usePreferenceFolder(folder);
      Preference.set("onemac", "a.head", Uint8Array.of(7, 8).buffer);
      Preference.set("onemac", "odd/key..", "x");
      usePreferenceFolder(undefined);
      assert.equal(Preference.get("onemac", "a.head"), undefined, "memory is another flash");
      usePreferenceFolder(folder);
      assert.deepEqual([...new Uint8Array(Preference.get("onemac", "a.head") as ArrayBuffer)], [7, 8]);
      assert.equal(Preference.get("onemac", "odd/key.."), "x");
      assert.deepEqual(Preference.keys("onemac").sort(), ["a.head", "odd/key.."]);
      const files = readdirSync(join(folder, "onemac"));
      assert.equal(files.length, 2);
      assert.ok(files.every((f) => f.endsWith(".pref")), "no temporary files left");
    } finally {
      usePreferenceFolder(undefined);
      rmSync(folder, { recursive: true, force: true });
    }
  });

  it("charges the documented NVS write time to the simulated CPU and counts writes and bytes", () => {
    const clock = new VirtualClock();
    useClock(clock);
    resetPreferenceStats();
    setFlashTiming({ pageEraseMs: 0 });
    Preference.set("onemac", "k", new ArrayBuffer(1024));
    const expected = FLASH_TIMING.commitMs + 1024 * FLASH_TIMING.perByteMs;
    assert.ok(Math.abs(clock.now() - expected) < 1e-9, `${clock.now()} ms`);
    Preference.delete("onemac", "k");
    Preference.delete("onemac", "k"); // nothing to delete: no commit
    const stats = preferenceStats();
    assert.deepEqual([stats.sets, stats.deletes, stats.writes, stats.bytesWritten], [1, 1, 2, 1024]);
    assert.ok(Math.abs(clock.now() - (expected + FLASH_TIMING.commitMs)) < 1e-9);
  });

  it("a write that fills an NVS page also pays the page erase", () => {
    const clock = new VirtualClock();
    useClock(clock);
    resetPreferenceStats();
    for (let i = 0; i < 10; i++) Preference.set("onemac", `k${i}`, new ArrayBuffer(1024));
    const stats = preferenceStats();
    assert.equal(stats.pageErases, Math.floor((10 * (1 + 1024 / 32)) / FLASH_TIMING.entriesPerPage));
    assert.ok(stats.longestWriteMs >= FLASH_TIMING.pageEraseMs);
    assert.ok(Math.abs(clock.now() - stats.flashMs) < 1e-9);
  });

  it("cutPowerAfterWrites: n writes succeed, then every write fails until restorePower", () => {
    cutPowerAfterWrites(2);
    Preference.set("d", "one", 1);
    Preference.delete("d", "nothing"); // a delete is a write too
    assert.throws(() => Preference.set("d", "two", 2), PowerCutError);
    assert.throws(() => Preference.set("d", "three", 3), /power is off/);
    assert.throws(() => Preference.delete("d", "one"), /power is off/);
    assert.deepEqual(Preference.keys("d"), ["one"]);
    restorePower();
    Preference.set("d", "two", 2);
    assert.equal(Preference.get("d", "two"), 2);
  });

  it("the cut write is lost (default), torn, or its key erased", () => {
    const old = Uint8Array.of(1, 2, 3, 4).buffer;
    const next = Uint8Array.of(9, 8, 7, 6).buffer;
    const after = (options: { torn?: boolean; erased?: boolean }) => {
      clearPreferenceMemory();
      restorePower();
      Preference.set("d", "v", old);
      cutPowerAfterWrites(0, options);
      assert.throws(() => Preference.set("d", "v", next), PowerCutError);
      restorePower();
      const value = Preference.get("d", "v");
      return value instanceof ArrayBuffer ? [...new Uint8Array(value)] : value;
    };
    assert.deepEqual(after({}), [1, 2, 3, 4]);
    assert.deepEqual(after({ torn: true }), [9, 8 ^ 0x5a]);
    assert.equal(after({ erased: true }), undefined);
  });
});
