// An in-memory flash for scenarios that run on xsnap and on Node alike (hosts/xs/console-rig.ts): the static shape of
// Moddable's `preference` module (modules/config/store.ts KeyValueStorage) on an instance, so each simulated board
// has its own flash and a Node process can hold several. Same limits as the ESP32 port (domain and key 1..15
// characters, values at most 4000 bytes, integers 32-bit) and the same plain Error on refusal. ArrayBuffers are copied
// in and out. It charges no flash time: on xsnap there is no CPU model to charge it to, and the lockstep tests need
// both sides on the same virtual time (the flash timing model lives in hosts/sim/preference.ts).
//
// dump()/restore() carry the contents across the XS/Node boundary as JSON, so a config saved on one engine can be
// booted on the other byte for byte. Plain TypeScript, no Node APIs.
import type { KeyValueStorage } from "../../modules/config/store";

type Value = ArrayBuffer | string | number | boolean;

const MAX_NAME_LENGTH = 15;
const MAX_VALUE_BYTES = 4000;

/** One stored value as JSON: ArrayBuffers as lowercase hex. */
export interface StoredEntry {
  domain: string;
  key: string;
  type: "buffer" | "string" | "number" | "boolean";
  value: string | number | boolean;
}

function checkName(what: string, name: unknown, operation: string): string {
  const text = String(name);
  if (text.length === 0 || text.length > MAX_NAME_LENGTH) throw new Error(`${what === "domain" ? "nvs_open" : `nvs ${operation}`} fail (${what} "${text}" must be 1..${MAX_NAME_LENGTH} characters)`);
  return text;
}

function copyIn(value: unknown): Value {
  if (typeof value === "boolean") return value;
  if (typeof value === "number") {
    if (!Number.isInteger(value)) throw new Error("float unsupported");
    if (value < -0x80000000 || value > 0x7fffffff) throw new Error(`nvs set fail (${value} is not a 32-bit integer)`);
    return value;
  }
  if (typeof value === "string") {
    if (value.length >= MAX_VALUE_BYTES) throw new Error(`nvs set fail (a string of ${value.length} characters; at most ${MAX_VALUE_BYTES - 1})`);
    return value;
  }
  if (value instanceof ArrayBuffer) {
    if (value.byteLength > MAX_VALUE_BYTES) throw new Error(`nvs set fail (a value of ${value.byteLength} bytes; at most ${MAX_VALUE_BYTES})`);
    return value.slice(0);
  }
  throw new Error("unsupported type");
}

const HEX = "0123456789abcdef";

function toHex(buffer: ArrayBuffer): string {
  const bytes = new Uint8Array(buffer);
  let out = "";
  for (let i = 0; i < bytes.length; i++) out += HEX.charAt(bytes[i] >> 4) + HEX.charAt(bytes[i] & 15);
  return out;
}

function fromHex(text: string): ArrayBuffer {
  if (text.length % 2 !== 0 || !/^[0-9a-f]*$/.test(text)) throw new Error("a stored buffer must be lowercase hex");
  const bytes = new Uint8Array(text.length / 2);
  for (let i = 0; i < bytes.length; i++) bytes[i] = parseInt(text.substr(2 * i, 2), 16);
  return bytes.buffer;
}

export class MemoryStorage implements KeyValueStorage {
  readonly #values = new Map<string, Value>();
  /** Successful set() calls and delete() calls of a key that existed. */
  writes = 0;
  bytesWritten = 0;

  get(domain: string, key: string): Value | undefined {
    const value = this.#values.get(`${checkName("domain", domain, "get")}/${checkName("key", key, "get")}`);
    return value instanceof ArrayBuffer ? value.slice(0) : value;
  }

  set(domain: string, key: string, value: Value): void {
    const name = `${checkName("domain", domain, "set")}/${checkName("key", key, "set")}`;
    const copy = copyIn(value);
    this.#values.set(name, copy);
    this.writes++;
    this.bytesWritten += copy instanceof ArrayBuffer ? copy.byteLength : typeof copy === "string" ? copy.length : 4;
  }

  delete(domain: string, key: string): void {
    if (this.#values.delete(`${checkName("domain", domain, "erase")}/${checkName("key", key, "erase")}`)) this.writes++;
  }

  keys(domain: string): string[] {
    const prefix = `${checkName("domain", domain, "keys")}/`;
    const out: string[] = [];
    this.#values.forEach((_value, name) => {
      if (name.startsWith(prefix)) out.push(name.slice(prefix.length));
    });
    return out;
  }

  /** Every value, sorted by domain and key. */
  dump(): StoredEntry[] {
    const out: StoredEntry[] = [];
    this.#values.forEach((value, name) => {
      const slash = name.indexOf("/");
      const domain = name.slice(0, slash);
      const key = name.slice(slash + 1);
      if (value instanceof ArrayBuffer) out.push({ domain, key, type: "buffer", value: toHex(value) });
      else out.push({ domain, key, type: typeof value as "string" | "number" | "boolean", value });
    });
    out.sort((a, b) => (a.domain < b.domain ? -1 : a.domain > b.domain ? 1 : a.key < b.key ? -1 : a.key > b.key ? 1 : 0));
    return out;
  }

  /** Replaces the contents with a dump (a flash image). */
  restore(entries: readonly StoredEntry[]): void {
    this.#values.clear();
    for (const entry of entries) {
      const value = entry.type === "buffer" ? fromHex(String(entry.value)) : entry.value;
      this.#values.set(`${checkName("domain", entry.domain, "set")}/${checkName("key", entry.key, "set")}`, copyIn(value));
    }
  }
}
