// Stand-in for Moddable's `preference` module inside the xsnap bundle (bundle.ts aliases the bare specifier here).
// xsnap has no flash: values live in memory for the life of the worker, with the ESP32 port's limits (domain and key
// at most 15 characters, values at most 4000 bytes; booleans, 32-bit integers, strings, ArrayBuffers) and its plain
// Error on refusal, so firmware code meets the same rules as on the device. ArrayBuffers are copied in and out.

type Value = ArrayBuffer | string | number | boolean;

const MAX_NAME_LENGTH = 15;
const MAX_VALUE_BYTES = 4000;

const domains = new Map<string, Map<string, Value>>();

function checkName(what: string, name: unknown, operation: string): string {
  const text = String(name);
  if (text.length === 0 || text.length > MAX_NAME_LENGTH) throw new Error(`${what === "domain" ? "nvs_open" : `nvs ${operation}`} fail (${what} "${text}" must be 1..${MAX_NAME_LENGTH} characters)`);
  return text;
}

function stored(value: unknown): Value {
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

/** Forgets every value (a fresh flash). */
export function clearPreferences(): void {
  domains.clear();
}

export default class Preference {
  static get(domain: string, key: string): Value | undefined {
    const value = domains.get(checkName("domain", domain, "get"))?.get(checkName("key", key, "get"));
    return value instanceof ArrayBuffer ? value.slice(0) : value;
  }

  static set(domain: string, key: string, value: Value): void {
    const d = checkName("domain", domain, "set");
    const k = checkName("key", key, "set");
    const copy = stored(value);
    let values = domains.get(d);
    if (!values) {
      values = new Map();
      domains.set(d, values);
    }
    values.set(k, copy);
  }

  static delete(domain: string, key: string): void {
    domains.get(checkName("domain", domain, "erase"))?.delete(checkName("key", key, "erase"));
  }

  static keys(domain: string): string[] {
    const values = domains.get(checkName("domain", domain, "keys"));
    const out: string[] = [];
    if (values) for (const key of values.keys()) out.push(key);
    return out;
  }
}
