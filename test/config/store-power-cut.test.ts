// The headline property of the startup config: a power cut at EVERY storage write of a save, over several
// consecutive saves (so both slots are hit), with the cut write lost, torn or erased: the next boot finds exactly the
// old config or the new one, never a corrupt, empty or mixed one. Likewise for an erase: the old config or factory,
// never an older one. Runs on the simulated `preference` module with its files in a temporary folder, as
// `npm start` keeps them.
import assert from "node:assert/strict";
import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { after, before, describe, it } from "node:test";
import { configsEqual, factoryConfig, validateConfig, type SwitchConfig } from "../../modules/config/schema";
import { ConfigStorageError, ConfigStore } from "../../modules/config/store";
import Preference, { PowerCutError, cutPowerAfterWrites, isPowerCut, preferenceStats, restorePower, usePreferenceFolder } from "../../hosts/sim/preference";

const CHUNK_BYTES = 256;
const MODES = [
  { name: "write lost", options: {} },
  { name: "write torn", options: { torn: true } },
  { name: "key erased", options: { erased: true } },
] as const;

let folder = "";

function wipe(): void {
  rmSync(folder, { recursive: true, force: true });
  usePreferenceFolder(folder);
}

/** Configs of different sizes (1 to 6 chunks), so consecutive saves also shrink and grow a slot. */
function generation(n: number): SwitchConfig {
  const c = factoryConfig();
  c.hostname = `gen${n}`;
  const servers = [1, 12, 3, 16, 2, 9][n % 6];
  c.trunks.push({
    group: 0,
    members: [0, 1],
    mode: "hash",
    indexBits: 3,
    servers: Array.from({ length: servers }, (_, i) => `02:00:5e:00:${n.toString(16).padStart(2, "0")}:${i.toString(16).padStart(2, "0")}`),
    vid: n,
    holdDownMs: 1000,
    interSwitchPort: null,
    interSwitchLearning: false,
  });
  if (n % 2) c.ports.push({ port: 3, enabled: false, name: `generation ${n}` });
  return validateConfig(c);
}

function boot(): ConfigStore {
  return new ConfigStore({ storage: Preference, chunkBytes: CHUNK_BYTES });
}

function runToEnd(store: ConfigStore, config: SwitchConfig): number {
  const job = store.beginSave(config);
  for (let i = 0; i < 1000; i++) if (!job.step()) return job.writes;
  throw new Error("save did not finish");
}

/** Saves generations 1..n completely, each on a freshly booted store. */
function history(n: number): void {
  for (let g = 1; g <= n; g++) {
    const store = boot();
    store.load();
    runToEnd(store, generation(g));
  }
}

/** Runs a save until the power fails; returns the writes that succeeded. */
function saveUntilCut(store: ConfigStore, config: SwitchConfig): { completed: boolean; writes: number } {
  const job = store.beginSave(config);
  for (let i = 0; i < 1000; i++) {
    try {
      if (!job.step()) return { completed: true, writes: job.writes };
    } catch (error) {
      assert.ok(error instanceof ConfigStorageError, String(error));
      assert.match(error.message, /power cut|power is off/);
      return { completed: false, writes: job.writes };
    }
  }
  throw new Error("save did not finish");
}

before(() => {
  folder = mkdtempSync(join(tmpdir(), "onemac-power-cut-"));
  usePreferenceFolder(folder);
});

after(() => {
  restorePower();
  usePreferenceFolder(undefined);
  rmSync(folder, { recursive: true, force: true });
});

describe("a power cut at every write of a save", () => {
  const SAVES = 5;
  for (const mode of MODES) {
    it(`${mode.name}: every save of ${SAVES}, every cut point: the old config or the new one`, () => {
      let cases = 0;
      const slotsHit = new Set<string>();
      for (let g = 1; g <= SAVES; g++) {
        const previous = g > 1 ? generation(g - 1) : undefined;
        const next = generation(g);
        // How many writes this save makes, and where its commit (the header) is.
        wipe();
        history(g - 1);
        const probe = boot();
        probe.load();
        const job = probe.beginSave(next);
        slotsHit.add(job.slot);
        let total = 0;
        while (job.step()) total++;
        total = job.writes;
        const commitIndex = 1 + Math.ceil(JSON.stringify(next).length / CHUNK_BYTES); // 0-based index of the header write
        for (let cut = 0; cut <= total; cut++) {
          wipe();
          history(g - 1);
          const store = boot();
          store.load();
          cutPowerAfterWrites(cut, mode.options);
          const outcome = saveUntilCut(store, next);
          assert.equal(outcome.completed, cut >= total, `save ${g}, cut after ${cut} writes`);
          if (!outcome.completed) assert.ok(isPowerCut());
          restorePower();
          const load = boot().load();
          const where = `save ${g} (${mode.name}), power cut after ${cut} of ${total} writes`;
          const expectNew = cut > commitIndex;
          if (expectNew) assert.ok(load.config && configsEqual(load.config, next), `${where}: the new config`);
          else if (previous) assert.ok(load.config && configsEqual(load.config, previous), `${where}: the old config, got ${load.config?.hostname}`);
          else assert.equal(load.config, undefined, `${where}: factory defaults (nothing saved before)`);
          // The log explains an interrupted save (unless it left nothing behind): the slot being written is reported as
          // torn, the other used.
          for (const message of load.messages) assert.match(message, previous ? /^slot [ab] is torn \(.*\); using slot [ab] \(seq \d+\)$/ : /^slot a is torn \(.*\); using factory defaults$/, where);
          if (!expectNew && cut >= 3 && previous) assert.equal(load.messages.length, 1, `${where}: the interrupted save is reported`);
          // And the board goes on: the next save on that flash succeeds and is what boots.
          const after = boot();
          after.load();
          runToEnd(after, generation(g + 100));
          assert.equal(boot().load().config?.hostname, `gen${g + 100}`, `${where}: a save afterwards`);
          cases++;
        }
      }
      assert.deepEqual([...slotsHit].sort(), ["a", "b"], "both slots were written");
      assert.ok(cases > SAVES * 4, `${cases} cut points`);
    });
  }

  it("consecutive interrupted saves without a completed one in between never lose the last good config", () => {
    wipe();
    history(2); // gen2 in slot b, gen1 in slot a
    for (let attempt = 0; attempt < 12; attempt++) {
      const store = boot();
      const before = store.load();
      assert.equal(before.config?.hostname, "gen2", `attempt ${attempt}`);
      cutPowerAfterWrites(attempt % 6, { torn: attempt % 2 === 0 });
      const outcome = saveUntilCut(store, generation(10 + attempt));
      assert.equal(outcome.completed, false);
      restorePower();
    }
    assert.equal(boot().load().config?.hostname, "gen2");
  });

  it("a power cut at every write of an erase: the saved config or factory defaults, never an older one", () => {
    wipe();
    history(2);
    const probe = boot();
    probe.load();
    const job = probe.beginErase();
    while (job.step());
    const total = job.writes;
    for (const mode of MODES)
      for (let cut = 0; cut <= total; cut++) {
        wipe();
        history(2);
        const store = boot();
        store.load();
        cutPowerAfterWrites(cut, mode.options);
        const erase = store.beginErase();
        try {
          for (let i = 0; i < 1000 && erase.step(); i++);
        } catch (error) {
          assert.ok(error instanceof ConfigStorageError);
        }
        restorePower();
        const load = boot().load();
        const where = `erase, ${mode.name}, cut after ${cut} of ${total}`;
        if (load.config) assert.equal(load.config.hostname, "gen2", where);
        if (cut >= 2) assert.equal(load.config, undefined, `${where}: both headers gone`);
      }
  });

  it("the simulated flash refuses every write while the power is off, and counts what it wrote", () => {
    wipe();
    const start = preferenceStats();
    cutPowerAfterWrites(1);
    Preference.set("onemac", "x", 1);
    assert.throws(() => Preference.set("onemac", "y", 2), PowerCutError);
    assert.throws(() => Preference.delete("onemac", "x"), PowerCutError);
    assert.equal(Preference.get("onemac", "x"), 1);
    assert.equal(Preference.get("onemac", "y"), undefined);
    restorePower();
    Preference.set("onemac", "y", 2);
    const stats = preferenceStats();
    assert.equal(stats.sets - start.sets, 2);
  });
});
