// The startup config in flash, safe against a power cut at any moment.
//
// Storage is Moddable's `preference` module (or anything of its shape): values of at most 4000 bytes under a domain
// and key of at most 15 characters, each set() or delete() one commit to the ESP32's NVS. A config is larger than one
// value, so it is saved in chunks, and a save is many commits: a power cut can land between any two of them, or
// leave the one being written torn. Two slots make that harmless:
//
//   slot "a": keys a.0, a.1, ... (the config's ASCII JSON, chunkBytes each, as ArrayBuffers) and a.head
//   slot "b": the same with b.
//
// a.head (28 bytes, little-endian) is written LAST and is the commit point: magic "ONMC", header format 1, schema
// version, sequence number, length, chunk count, chunk size, CRC-32 of the config bytes, CRC-32 of the header's first
// 24 bytes. A save goes to the slot that does NOT hold the newest valid config: it deletes that slot's header first
// (from then on the slot is invalid), writes the chunks, then the header with the next sequence number. Until the
// header is complete the newest config is untouched in the other slot; after it, the new config is the newest.
//
// load() checks both slots completely (header well formed, every chunk present with the right size, CRC, decodes and
// validates) and takes the valid one with the highest sequence number; a torn or corrupt slot falls back to the
// other; with neither, factory defaults. `messages` says what happened, for the log.
//
// Saves and erases are jobs that make one storage write (set or delete) per step(), so the caller can spread them
// over scheduler ticks and never hold up the link poll for more than one flash write.
//
// The store assumes it is the only writer of its domain: between load() and a save it remembers what each slot holds
// (state and sequence number, not the config). The CRC table is built per load and per save and not kept.
import { InvalidArgumentError, OnemacError } from "../errors";
import { Crc32 } from "./crc32";
import { CONFIG_LIMITS, CONFIG_MIGRATIONS, CONFIG_SCHEMA_VERSION, ConfigVersionError, configText, decodeConfig, type ConfigMigration, type SwitchConfig } from "./schema";

/** Moddable's `preference` module has exactly this static shape (Preference.get/set/delete/keys). */
export interface KeyValueStorage {
  get(domain: string, key: string): ArrayBuffer | string | number | boolean | undefined;
  set(domain: string, key: string, value: ArrayBuffer | string | number | boolean): void;
  delete(domain: string, key: string): void;
  /** May return [] (the ESP32 port of some SDK versions does): the store never depends on it. */
  keys(domain: string): string[];
}

export type SlotName = "a" | "b";

export interface StartupLoad {
  /** undefined: factory defaults. */
  config: SwitchConfig | undefined;
  source: "slot-a" | "slot-b" | "factory";
  /** 0 when factory. */
  sequence: number;
  /** What the log should say about anything unusual ("slot b is torn (CRC mismatch); using slot a (seq 7)"). */
  messages: string[];
}

export interface SaveJob {
  /** Makes one storage write; true while more remain. Throws a ConfigStorageError when the storage fails. */
  step(): boolean;
  readonly bytesWritten: number;
  /** Storage writes (set and delete) made so far. */
  readonly writes: number;
  readonly slot: SlotName;
  readonly sequence: number;
}

export interface ConfigStoreOptions {
  storage: KeyValueStorage;
  /** Preference domain (default "onemac"), at most 15 characters. */
  domain?: string;
  /** Bytes per chunk (default 1024; 64..4000). */
  chunkBytes?: number;
  /** Upgrade steps for older documents (default CONFIG_MIGRATIONS; tests inject their own). */
  migrations?: readonly ConfigMigration[];
}

/** What one slot holds. */
export interface SlotState {
  slot: SlotName;
  /** valid: usable; newer: a config from a newer firmware (kept, not applied). */
  state: "valid" | "empty" | "torn" | "corrupt" | "newer";
  /** Why the slot is not valid ("" when valid or empty). */
  reason: string;
  /** From an intact header, else 0. */
  sequence: number;
  /** Chunk keys the slot is known to use (for cleanup). */
  chunks: number;
  schemaVersion: number;
  /** The decoded config (valid slots, in load()'s own reading only: the store does not keep configs). */
  config?: SwitchConfig;
}

/** Storage failed during a save or erase (a flash error, a power cut). The newest saved config is intact. */
export class ConfigStorageError extends OnemacError {
  constructor(message: string) {
    super("storage", message);
    this.name = "ConfigStorageError";
  }
}

export const DEFAULT_CONFIG_DOMAIN = "onemac";
export const DEFAULT_CHUNK_BYTES = 1024;
/** Moddable Preference limits on the ESP32 (shared/facts/moddable-and-xs.md "Persistent storage on ESP32"). */
export const PREFERENCE_MAX_NAME_LENGTH = 15;
export const PREFERENCE_MAX_VALUE_BYTES = 4000;
export const MIN_CHUNK_BYTES = 64;
export const HEADER_BYTES = 28;
const HEADER_FORMAT = 1;
/** "ONMC" */
const MAGIC = 0x434d4e4f;
const MAX_SEQUENCE = 0xffffffff;
/** Chunks a slot may have: the largest config at the smallest chunk size. */
const MAX_CHUNKS = Math.ceil(CONFIG_LIMITS.maxEncodedBytes / MIN_CHUNK_BYTES);
const SLOTS: readonly SlotName[] = Object.freeze(["a", "b"] as SlotName[]);

interface Header {
  schemaVersion: number;
  sequence: number;
  length: number;
  chunks: number;
  chunkBytes: number;
  crc: number;
}

function messageOf(error: unknown): string {
  return error instanceof Error ? error.message : String(error);
}

function headKey(slot: SlotName): string {
  return `${slot}.head`;
}

function chunkKey(slot: SlotName, index: number): string {
  return `${slot}.${index}`;
}

function other(slot: SlotName): SlotName {
  return slot === "a" ? "b" : "a";
}

type Op = { kind: "set"; key: string; value: () => ArrayBuffer } | { kind: "delete"; key: string };

class StorageJob implements SaveJob {
  readonly slot: SlotName;
  readonly sequence: number;
  bytesWritten = 0;
  writes = 0;
  readonly #storage: KeyValueStorage;
  readonly #domain: string;
  readonly #ops: Op[];
  readonly #done: (ok: boolean) => void;
  #next = 0;
  #failed = false;

  constructor(storage: KeyValueStorage, domain: string, slot: SlotName, sequence: number, ops: Op[], done: (ok: boolean) => void) {
    this.#storage = storage;
    this.#domain = domain;
    this.slot = slot;
    this.sequence = sequence;
    this.#ops = ops;
    this.#done = done;
  }

  step(): boolean {
    if (this.#failed || this.#next >= this.#ops.length) return false;
    const op = this.#ops[this.#next];
    try {
      if (op.kind === "set") {
        const value = op.value();
        this.#storage.set(this.#domain, op.key, value);
        this.bytesWritten += value.byteLength;
      } else {
        this.#storage.delete(this.#domain, op.key);
      }
    } catch (error) {
      this.#failed = true;
      this.#done(false);
      const action = op.kind === "set" ? "writing" : "deleting";
      throw new ConfigStorageError(`${action} ${this.#domain}/${op.key} failed (${messageOf(error)})`);
    }
    this.writes++;
    this.#next++;
    if (this.#next < this.#ops.length) return true;
    this.#done(true);
    return false;
  }
}

export class ConfigStore {
  readonly #storage: KeyValueStorage;
  readonly #domain: string;
  readonly #chunkBytes: number;
  readonly #migrations: readonly ConfigMigration[];
  /** What each slot holds, as of the last load or job (undefined until the first load). */
  #slots: SlotState[] | undefined;
  #job: SaveJob | undefined;

  constructor(options: ConfigStoreOptions) {
    if (!options || !options.storage) throw new InvalidArgumentError("a config store needs a storage (Moddable's Preference)");
    const domain = options.domain ?? DEFAULT_CONFIG_DOMAIN;
    if (typeof domain !== "string" || domain.length === 0 || domain.length > PREFERENCE_MAX_NAME_LENGTH)
      throw new InvalidArgumentError(`the storage domain must be 1..${PREFERENCE_MAX_NAME_LENGTH} characters, not ${JSON.stringify(domain)}`);
    const chunkBytes = options.chunkBytes ?? DEFAULT_CHUNK_BYTES;
    if (!Number.isInteger(chunkBytes) || chunkBytes < MIN_CHUNK_BYTES || chunkBytes > PREFERENCE_MAX_VALUE_BYTES)
      throw new InvalidArgumentError(`chunkBytes must be ${MIN_CHUNK_BYTES}..${PREFERENCE_MAX_VALUE_BYTES}, not ${String(chunkBytes)}`);
    this.#storage = options.storage;
    this.#domain = domain;
    this.#chunkBytes = chunkBytes;
    this.#migrations = options.migrations ?? CONFIG_MIGRATIONS;
  }

  /** Reads both slots and picks the newest valid config; never throws for what the flash holds. */
  load(): StartupLoad {
    // A CRC table for this load only: nothing of it stays in the heap after boot.
    const crc = new Crc32();
    const slots = [this.#scan("a", crc), this.#scan("b", crc)];
    // Remember what the slots hold, not the configs (the caller keeps the one it runs).
    this.#slots = slots.map((slot) => ({ slot: slot.slot, state: slot.state, reason: slot.reason, sequence: slot.sequence, chunks: slot.chunks, schemaVersion: slot.schemaVersion }));
    let chosen: SlotState | undefined;
    for (const slot of slots) if (slot.state === "valid" && (!chosen || slot.sequence > chosen.sequence)) chosen = slot;
    const problems: string[] = [];
    for (const slot of slots) {
      if (slot === chosen || slot.state === "empty") continue;
      if (slot.state === "valid") continue; // an older valid config: normal, the previous save
      problems.push(`slot ${slot.slot} ${slot.reason}`);
    }
    const messages: string[] = [];
    if (chosen && chosen.schemaVersion < CONFIG_SCHEMA_VERSION)
      messages.push(`slot ${chosen.slot} was saved with schema version ${chosen.schemaVersion}; upgraded to version ${CONFIG_SCHEMA_VERSION} (saved as such by the next write memory)`);
    if (problems.length > 0) messages.push(`${problems.join("; ")}; ${chosen ? `using slot ${chosen.slot} (seq ${chosen.sequence})` : "using factory defaults"}`);
    if (!chosen || !chosen.config) return { config: undefined, source: "factory", sequence: 0, messages };
    return { config: chosen.config, source: chosen.slot === "a" ? "slot-a" : "slot-b", sequence: chosen.sequence, messages };
  }

  /** Both slots as of the last load, save or erase (load() first if there was none). */
  slots(): SlotState[] {
    const slots = this.#known();
    return slots.map((slot) => ({ ...slot }));
  }

  /**
   * Starts saving `config` (validated here: an invalid config throws and nothing is written). Nothing is written until
   * step(). The job writes to the slot not holding the newest valid config.
   */
  beginSave(config: SwitchConfig): SaveJob {
    this.#checkIdle();
    const text = configText(config);
    const slots = this.#known();
    const newest = this.#newestValid(slots);
    let target: SlotName;
    if (newest) target = other(newest.slot);
    else {
      // Nothing valid: keep a config from a newer firmware if there is one.
      const a = slots[0];
      target = a.state === "newer" && slots[1].state !== "newer" ? "b" : "a";
    }
    let sequence = 0;
    for (const slot of slots) if (slot.sequence > sequence) sequence = slot.sequence;
    if (sequence >= MAX_SEQUENCE) throw new ConfigStorageError("the save sequence number is exhausted; erase the startup config first");
    sequence++;
    const chunkBytes = this.#chunkBytes;
    const length = text.length;
    const count = Math.ceil(length / chunkBytes);
    const crc = new Crc32(); // this save's own table, built here rather than in a flash-write step
    crc.prepare();
    let running = crc.begin();
    const ops: Op[] = [{ kind: "delete", key: headKey(target) }];
    for (let i = 0; i < count; i++) {
      const start = i * chunkBytes;
      const end = Math.min(start + chunkBytes, length);
      ops.push({
        kind: "set",
        key: chunkKey(target, i),
        value: () => {
          const buffer = new ArrayBuffer(end - start);
          running = crc.updateText(running, text, start, end, new Uint8Array(buffer));
          return buffer;
        },
      });
    }
    ops.push({
      kind: "set",
      key: headKey(target),
      value: () =>
        this.#header({ schemaVersion: CONFIG_SCHEMA_VERSION, sequence, length, chunks: count, chunkBytes, crc: crc.finish(running) }, crc),
    });
    // After the commit: chunks an earlier, longer config left in the target slot.
    const stale = this.#staleChunks(slots[target === "a" ? 0 : 1], count);
    for (let i = 0; i < stale.length; i++) ops.push({ kind: "delete", key: chunkKey(target, stale[i]) });
    const job = new StorageJob(this.#storage, this.#domain, target, sequence, ops, (ok) => {
      this.#job = undefined;
      const index = target === "a" ? 0 : 1;
      const base = this.#slots ?? slots; // a load() during the job may have read the slots again
      const before = base[index];
      const after: SlotState = ok
        ? { slot: target, state: "valid", reason: "", sequence, chunks: count, schemaVersion: CONFIG_SCHEMA_VERSION }
        : { slot: target, state: "torn", reason: "is torn (a save was interrupted)", sequence: 0, chunks: Math.max(before.chunks, count), schemaVersion: 0 };
      const next = base.slice();
      next[index] = after;
      this.#slots = next;
    });
    this.#job = job;
    return job;
  }

  /** Starts erasing the startup config: the next load gives factory defaults. One storage write per step(). */
  beginErase(): SaveJob {
    this.#checkIdle();
    const slots = this.#known();
    const newest = this.#newestValid(slots);
    // The older slot's header goes first: a cut between the two deletes leaves the newest config, never an older one.
    const first: SlotName = newest ? other(newest.slot) : "a";
    const ops: Op[] = [
      { kind: "delete", key: headKey(first) },
      { kind: "delete", key: headKey(other(first)) },
    ];
    for (const slot of SLOTS) {
      const stale = this.#staleChunks(slots[slot === "a" ? 0 : 1], 0);
      // Chunk 0 last, so a slot whose cleanup was cut short still reads as interrupted, not empty.
      for (let i = stale.length - 1; i >= 0; i--) ops.push({ kind: "delete", key: chunkKey(slot, stale[i]) });
    }
    const job = new StorageJob(this.#storage, this.#domain, newest ? newest.slot : "a", 0, ops, (ok) => {
      this.#job = undefined;
      // Even a failed erase may have deleted headers: read again at the next use.
      this.#slots = ok
        ? [
            { slot: "a", state: "empty", reason: "", sequence: 0, chunks: 0, schemaVersion: 0 },
            { slot: "b", state: "empty", reason: "", sequence: 0, chunks: 0, schemaVersion: 0 },
          ]
        : undefined;
    });
    this.#job = job;
    return job;
  }

  #checkIdle(): void {
    if (this.#job) throw new InvalidArgumentError("a save or erase of the startup config is already running");
  }

  #known(): SlotState[] {
    if (!this.#slots) this.load();
    return this.#slots as SlotState[];
  }

  #newestValid(slots: SlotState[]): SlotState | undefined {
    let newest: SlotState | undefined;
    for (const slot of slots) if (slot.state === "valid" && (!newest || slot.sequence > newest.sequence)) newest = slot;
    return newest;
  }

  /** Chunk indexes >= `from` the slot may still hold: from its last header, and from keys() where it works. */
  #staleChunks(slot: SlotState, from: number): number[] {
    const indexes: number[] = [];
    for (let i = from; i < slot.chunks && i < MAX_CHUNKS; i++) indexes.push(i);
    let keys: string[] = [];
    try {
      keys = this.#storage.keys(this.#domain);
    } catch {
      keys = [];
    }
    const prefix = `${slot.slot}.`;
    for (let k = 0; k < keys.length && k < 4 * MAX_CHUNKS; k++) {
      const key = keys[k];
      if (!key.startsWith(prefix)) continue;
      const rest = key.slice(prefix.length);
      if (!/^(0|[1-9][0-9]{0,3})$/.test(rest)) continue;
      const index = Number(rest);
      if (index >= from && index < MAX_CHUNKS && indexes.indexOf(index) < 0) indexes.push(index);
    }
    indexes.sort((x, y) => x - y);
    return indexes;
  }

  #header(h: Header, crc: Crc32): ArrayBuffer {
    const buffer = new ArrayBuffer(HEADER_BYTES);
    const view = new DataView(buffer);
    view.setUint32(0, MAGIC, true);
    view.setUint8(4, HEADER_FORMAT);
    view.setUint8(5, 0);
    view.setUint16(6, h.schemaVersion, true);
    view.setUint32(8, h.sequence, true);
    view.setUint32(12, h.length, true);
    view.setUint16(16, h.chunks, true);
    view.setUint16(18, h.chunkBytes, true);
    view.setUint32(20, h.crc, true);
    view.setUint32(24, crc.compute(new Uint8Array(buffer, 0, 24)), true);
    return buffer;
  }

  #get(key: string): ArrayBuffer | string | number | boolean | undefined {
    return this.#storage.get(this.#domain, key);
  }

  #scan(slot: SlotName, crc: Crc32): SlotState {
    const state: SlotState = { slot, state: "torn", reason: "", sequence: 0, chunks: 0, schemaVersion: 0 };
    const bad = (kind: "torn" | "corrupt" | "newer", reason: string): SlotState => {
      state.state = kind;
      state.reason = reason;
      return state;
    };
    let raw: ArrayBuffer | string | number | boolean | undefined;
    try {
      raw = this.#get(headKey(slot));
      if (raw === undefined) {
        if (this.#get(chunkKey(slot, 0)) === undefined) {
          state.state = "empty";
          return state;
        }
        return bad("torn", "is torn (chunks without a header: a save or erase was interrupted)");
      }
    } catch (error) {
      return bad("corrupt", `is unreadable (reading flash failed: ${messageOf(error)})`);
    }
    if (!(raw instanceof ArrayBuffer)) return bad("corrupt", `is corrupt (its header is a ${typeof raw}, not binary)`);
    if (raw.byteLength !== HEADER_BYTES) return bad("torn", `is torn (header is ${raw.byteLength} bytes, expected ${HEADER_BYTES})`);
    const view = new DataView(raw);
    if (view.getUint32(0, true) !== MAGIC) return bad("corrupt", "is corrupt (header magic mismatch)");
    if (view.getUint32(24, true) !== crc.compute(new Uint8Array(raw, 0, 24))) return bad("torn", "is torn (header checksum mismatch)");
    const format = view.getUint8(4);
    if (format !== HEADER_FORMAT) return bad("corrupt", `is corrupt (header format ${format}; this firmware reads ${HEADER_FORMAT})`);
    const header: Header = {
      schemaVersion: view.getUint16(6, true),
      sequence: view.getUint32(8, true),
      length: view.getUint32(12, true),
      chunks: view.getUint16(16, true),
      chunkBytes: view.getUint16(18, true),
      crc: view.getUint32(20, true),
    };
    state.sequence = header.sequence;
    state.schemaVersion = header.schemaVersion;
    state.chunks = Math.min(header.chunks, MAX_CHUNKS);
    if (header.length < 1 || header.length > CONFIG_LIMITS.maxEncodedBytes) return bad("corrupt", `is corrupt (length ${header.length} is not 1..${CONFIG_LIMITS.maxEncodedBytes})`);
    if (header.chunkBytes < 1 || header.chunkBytes > PREFERENCE_MAX_VALUE_BYTES) return bad("corrupt", `is corrupt (chunk size ${header.chunkBytes})`);
    if (header.chunks !== Math.ceil(header.length / header.chunkBytes) || header.chunks > MAX_CHUNKS)
      return bad("corrupt", `is corrupt (${header.chunks} chunks cannot hold ${header.length} bytes of ${header.chunkBytes})`);
    const bytes = new Uint8Array(header.length);
    let running = crc.begin();
    for (let i = 0; i < header.chunks; i++) {
      const start = i * header.chunkBytes;
      const expected = Math.min(header.chunkBytes, header.length - start);
      let chunk: ArrayBuffer | string | number | boolean | undefined;
      try {
        chunk = this.#get(chunkKey(slot, i));
      } catch (error) {
        return bad("corrupt", `is unreadable (reading chunk ${i} failed: ${messageOf(error)})`);
      }
      if (chunk === undefined) return bad("torn", `is torn (chunk ${i} missing)`);
      if (!(chunk instanceof ArrayBuffer)) return bad("corrupt", `is corrupt (chunk ${i} is a ${typeof chunk}, not binary)`);
      if (chunk.byteLength !== expected) return bad("torn", `is torn (chunk ${i} is ${chunk.byteLength} bytes, expected ${expected})`);
      const piece = new Uint8Array(chunk);
      bytes.set(piece, start);
      running = crc.update(running, piece);
    }
    if (crc.finish(running) !== header.crc) return bad("torn", "is torn (CRC mismatch)");
    try {
      state.config = decodeConfig(bytes, { migrations: this.#migrations });
    } catch (error) {
      if (error instanceof ConfigVersionError && error.found > error.supported)
        return bad("newer", `holds a config of schema version ${error.found}, newer than this firmware's ${error.supported}: kept in flash, not applied (write memory replaces it)`);
      return bad("corrupt", `is corrupt (${messageOf(error)})`);
    }
    state.state = "valid";
    return state;
  }
}
