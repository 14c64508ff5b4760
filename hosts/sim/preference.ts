// Node stand-in for Moddable's `preference` module (tsconfig.json maps the bare specifier `preference` here, like
// `timer`). Same static shape: Preference.get/set/delete/keys. Values are what the ESP32 port stores: booleans,
// 32-bit integers, strings and ArrayBuffers.
//
// Where values live: in memory (the default), or one file per domain and key in a folder (usePreferenceFolder), so a
// simulated board keeps its flash across runs. Each set() writes a temporary file and renames it over the old one, so
// a crash of the simulator never leaves half a value: tearing happens only where a test asks for it.
//
// As on the device (shared/facts/moddable-and-xs.md, "Persistent storage on ESP32"): domain and key at most 15
// characters, values at most 4000 bytes; what the device refuses throws a plain Error like the SDK's xsUnknownError
// ("nvs set fail"), with the reason added.
//
// Flash time: each set() or delete() keeps the simulated CPU that makes it busy (currentTimerCpu()?.busyFor) for an
// estimate of an NVS commit on the ESP32's SPI flash; see FLASH_TIMING. Counters: preferenceStats().
//
// Power cuts (tests): cutPowerAfterWrites(n) lets n more writes (set() or delete() calls) succeed; the next one throws
// a PowerCutError and so does every later write until restorePower(). What the cut write leaves: nothing changed
// (default), a torn value ({ torn: true }: half the value, its last byte garbled; worse than NVS, whose entries carry a
// CRC), or the key gone ({ erased: true }: Moddable's ESP32 set() erases the key before writing it).
import { mkdirSync, readdirSync, readFileSync, renameSync, rmSync, writeFileSync, existsSync } from "node:fs";
import { join } from "node:path";
import { currentTimerCpu } from "./timer";

export type PreferenceValue = ArrayBuffer | string | number | boolean;

export const MAX_NAME_LENGTH = 15;
export const MAX_VALUE_BYTES = 4000;

/**
 * Estimated NVS write time on a classic ESP32 with a 4 MB SPI NOR flash (Winbond W25Q32JV class; datasheet typical
 * figures: page program 0.4 ms per 256 bytes, 4 KB sector erase 45 ms):
 *  - every set or delete: `commitMs` for the entry header, the entry-state bitmap updates and erasing the old entry
 *    (Moddable's set() erases the key before writing it);
 *  - data: `perByteMs` (page program time / 256) for each byte, in 32-byte NVS entries;
 *  - NVS fills 4 KB pages of 126 entries; each page filled costs one sector erase (`pageEraseMs`) when NVS frees a page
 *    (garbage collection keeps one page empty). It is charged on the write that fills a page, as a stall, because
 *    that is when it happens on the device (the flash cache is off during an erase: both cores wait).
 * Estimates from datasheet figures, not measurements on a board. In steady state (once NVS has used every page of its
 * partition) a save of a 1 KB config (about 35 entries) pays a page erase about every fourth save. Tests that study
 * something else may turn parts off with setFlashTiming().
 */
export const FLASH_TIMING = Object.freeze({ commitMs: 0.3, perByteMs: 0.4 / 256, entryBytes: 32, entriesPerPage: 126, pageEraseMs: 45 });

export interface FlashTiming {
  commitMs: number;
  perByteMs: number;
  entryBytes: number;
  entriesPerPage: number;
  pageEraseMs: number;
}

export interface PreferenceStats {
  /** Successful set() calls. */
  sets: number;
  /** Successful delete() calls of a key that existed. */
  deletes: number;
  /** sets + deletes: flash commits. */
  writes: number;
  /** Value bytes written by set(). */
  bytesWritten: number;
  /** NVS page erases charged. */
  pageErases: number;
  /** Virtual flash time charged, ms. */
  flashMs: number;
  /** Longest single charge, ms. */
  longestWriteMs: number;
}

/** The board lost power during a flash write. */
export class PowerCutError extends Error {
  constructor(message: string) {
    super(message);
    this.name = "PowerCutError";
  }
}

// Stored form: a type byte then the payload ("b" boolean, "i" int32 little-endian, "s" string UTF-8, "a" bytes).
const TYPE_BOOLEAN = 0x62;
const TYPE_INTEGER = 0x69;
const TYPE_STRING = 0x73;
const TYPE_BUFFER = 0x61;

let folder: string | undefined;
const memory = new Map<string, Uint8Array>();
let timing: FlashTiming = { ...FLASH_TIMING };
let stats: PreferenceStats = emptyStats();
let entriesInPage = 0;
/** Writes left before the power cut; undefined: no cut pending. */
let writesBeforeCut: number | undefined;
let cutTorn = false;
let cutErased = false;
let powerOff = false;

function emptyStats(): PreferenceStats {
  return { sets: 0, deletes: 0, writes: 0, bytesWritten: 0, pageErases: 0, flashMs: 0, longestWriteMs: 0 };
}

/** Keeps values in `dir` (created if needed; one file per domain and key), or in memory with undefined. */
export function usePreferenceFolder(dir: string | undefined): void {
  folder = dir;
  if (dir) mkdirSync(dir, { recursive: true });
}

/** Forgets every value of the in-memory store (the folder, if one is used, is left alone). */
export function clearPreferenceMemory(): void {
  memory.clear();
}

export function preferenceStats(): PreferenceStats {
  return { ...stats };
}

/** Zeroes the counters, and the fill of the current NVS page (so the next page erase comes after a full page). */
export function resetPreferenceStats(): void {
  stats = emptyStats();
  entriesInPage = 0;
}

/** Changes the flash time estimate (a partial change; FLASH_TIMING is the default). */
export function setFlashTiming(change: Partial<FlashTiming>): FlashTiming {
  timing = { ...timing, ...change };
  return { ...timing };
}

/** After `writes` more successful writes the next write throws a PowerCutError, and every later one until restorePower(). */
export function cutPowerAfterWrites(writes: number, options: { torn?: boolean; erased?: boolean } = {}): void {
  if (!Number.isInteger(writes) || writes < 0) throw new RangeError(`cutPowerAfterWrites: writes must be an integer >= 0, not ${writes}`);
  writesBeforeCut = writes;
  cutTorn = options.torn ?? false;
  cutErased = options.erased ?? false;
  powerOff = false;
}

/** Power is back: writes work again (values a cut tore stay torn). */
export function restorePower(): void {
  writesBeforeCut = undefined;
  powerOff = false;
  cutTorn = false;
  cutErased = false;
}

export function isPowerCut(): boolean {
  return powerOff;
}

function checkName(what: string, name: unknown, operation: string): string {
  const text = String(name);
  if (text.length === 0 || text.length > MAX_NAME_LENGTH)
    throw new Error(`${what === "domain" ? "nvs_open" : `nvs ${operation}`} fail (${what} "${text}" must be 1..${MAX_NAME_LENGTH} characters)`);
  return text;
}

function storageKey(domain: string, key: string): string {
  return `${domain}\u0000${key}`;
}

function fileName(name: string): string {
  // Any character is allowed in a name: percent-encode everything that is not a plain letter, digit, '-' or '_'.
  let out = "";
  for (let i = 0; i < name.length; i++) {
    const c = name.charCodeAt(i);
    const plain = (c >= 0x30 && c <= 0x39) || (c >= 0x41 && c <= 0x5a) || (c >= 0x61 && c <= 0x7a) || c === 0x2d || c === 0x5f;
    out += plain ? name[i] : "%" + c.toString(16).padStart(4, "0");
  }
  return out;
}

function nameOf(file: string): string {
  return file.replace(/%([0-9a-f]{4})/g, (_, hex: string) => String.fromCharCode(parseInt(hex, 16)));
}

function domainDir(domain: string): string {
  return join(folder as string, fileName(domain));
}

function keyPath(domain: string, key: string): string {
  return join(domainDir(domain), fileName(key) + ".pref");
}

function readStored(domain: string, key: string): Uint8Array | undefined {
  if (!folder) return memory.get(storageKey(domain, key));
  const path = keyPath(domain, key);
  if (!existsSync(path)) return undefined;
  return new Uint8Array(readFileSync(path));
}

function writeStored(domain: string, key: string, bytes: Uint8Array, atomic: boolean): void {
  if (!folder) {
    memory.set(storageKey(domain, key), bytes.slice());
    return;
  }
  mkdirSync(domainDir(domain), { recursive: true });
  const path = keyPath(domain, key);
  if (!atomic) {
    writeFileSync(path, bytes);
    return;
  }
  const temporary = `${path}.${process.pid}.tmp`;
  writeFileSync(temporary, bytes);
  renameSync(temporary, path);
}

function removeStored(domain: string, key: string): boolean {
  if (!folder) return memory.delete(storageKey(domain, key));
  const path = keyPath(domain, key);
  if (!existsSync(path)) return false;
  rmSync(path);
  return true;
}

function encode(value: unknown): Uint8Array {
  if (typeof value === "boolean") return Uint8Array.of(TYPE_BOOLEAN, value ? 1 : 0);
  if (typeof value === "number") {
    if (!Number.isInteger(value)) throw new Error("float unsupported");
    if (value < -0x80000000 || value > 0x7fffffff) throw new Error(`nvs set fail (${value} is not a 32-bit integer)`);
    const out = new Uint8Array(5);
    out[0] = TYPE_INTEGER;
    new DataView(out.buffer).setInt32(1, value, true);
    return out;
  }
  if (typeof value === "string") {
    const text = Buffer.from(value, "utf8");
    if (text.length + 1 > MAX_VALUE_BYTES) throw new Error(`nvs set fail (a string of ${text.length} bytes; at most ${MAX_VALUE_BYTES - 1})`);
    const out = new Uint8Array(1 + text.length);
    out[0] = TYPE_STRING;
    out.set(text, 1);
    return out;
  }
  if (value instanceof ArrayBuffer) {
    if (value.byteLength > MAX_VALUE_BYTES) throw new Error(`nvs set fail (a value of ${value.byteLength} bytes; at most ${MAX_VALUE_BYTES})`);
    const out = new Uint8Array(1 + value.byteLength);
    out[0] = TYPE_BUFFER;
    out.set(new Uint8Array(value), 1);
    return out;
  }
  throw new Error("unsupported type");
}

function decode(stored: Uint8Array): PreferenceValue | undefined {
  if (stored.length === 0) return undefined;
  const payload = stored.subarray(1);
  switch (stored[0]) {
    case TYPE_BOOLEAN:
      return payload.length >= 1 ? payload[0] !== 0 : undefined;
    case TYPE_INTEGER:
      return payload.length >= 4 ? new DataView(payload.buffer, payload.byteOffset, 4).getInt32(0, true) : undefined;
    case TYPE_STRING:
      return Buffer.from(payload).toString("utf8");
    case TYPE_BUFFER:
      return payload.slice().buffer;
    default:
      return undefined;
  }
}

/**
 * Time of one commit of `bytes` value bytes (undefined: a delete, which only marks entries erased and uses no new
 * entry), with the page erase when the write fills an NVS page.
 */
function charge(bytes: number | undefined): void {
  const entries = bytes === undefined ? 0 : 1 + Math.ceil(bytes / timing.entryBytes);
  bytes ??= 0;
  let ms = timing.commitMs + bytes * timing.perByteMs;
  entriesInPage += entries;
  while (entriesInPage >= timing.entriesPerPage) {
    entriesInPage -= timing.entriesPerPage;
    ms += timing.pageEraseMs;
    stats.pageErases++;
  }
  stats.flashMs += ms;
  if (ms > stats.longestWriteMs) stats.longestWriteMs = ms;
  currentTimerCpu()?.busyFor(ms);
}

/** Counts a write against a pending power cut; throws when the power is (or goes) off. */
function powerCheck(tear: () => void, erase: () => void, what: string): void {
  if (powerOff) throw new PowerCutError(`power is off: ${what} not written`);
  if (writesBeforeCut === undefined) return;
  if (writesBeforeCut > 0) {
    writesBeforeCut--;
    return;
  }
  powerOff = true;
  if (cutTorn) tear();
  else if (cutErased) erase();
  throw new PowerCutError(`power cut while writing ${what}`);
}

/** A torn value: the type byte and the first half of the payload, its last byte garbled (worse than NVS, whose entries carry a CRC). */
function torn(bytes: Uint8Array): Uint8Array {
  const payload = bytes.length - 1;
  const out = bytes.slice(0, 1 + Math.ceil(payload / 2));
  if (payload > 0) out[out.length - 1] ^= 0x5a;
  return out;
}

export default class Preference {
  static get(domain: string, key: string): PreferenceValue | undefined {
    const d = checkName("domain", domain, "get");
    const k = checkName("key", key, "get");
    const stored = readStored(d, k);
    return stored ? decode(stored) : undefined;
  }

  static set(domain: string, key: string, value: PreferenceValue): void {
    const d = checkName("domain", domain, "set");
    const k = checkName("key", key, "set");
    const bytes = encode(value);
    powerCheck(
      () => writeStored(d, k, torn(bytes), false),
      () => removeStored(d, k),
      `${d}/${k}`,
    );
    writeStored(d, k, bytes, true);
    stats.sets++;
    stats.writes++;
    stats.bytesWritten += bytes.length - 1;
    charge(bytes.length - 1);
  }

  static delete(domain: string, key: string): void {
    const d = checkName("domain", domain, "erase");
    const k = checkName("key", key, "erase");
    powerCheck(
      () => {},
      () => removeStored(d, k),
      `the deletion of ${d}/${k}`,
    );
    if (!removeStored(d, k)) return;
    stats.deletes++;
    stats.writes++;
    charge(undefined);
  }

  static keys(domain: string): string[] {
    const d = checkName("domain", domain, "keys");
    if (!folder) {
      const prefix = `${d}\u0000`;
      const out: string[] = [];
      for (const name of memory.keys()) if (name.startsWith(prefix)) out.push(name.slice(prefix.length));
      return out;
    }
    const dir = domainDir(d);
    if (!existsSync(dir)) return [];
    return readdirSync(dir)
      .filter((file) => file.endsWith(".pref"))
      .map((file) => nameOf(file.slice(0, -".pref".length)));
  }
}
