// Stand-in for Moddable's `preference` module inside the xsnap bundle (bundle.ts aliases the bare specifier here):
// Moddable's static Preference shape over one in-memory flash (./memory-storage.ts, which keeps the ESP32 port's
// limits and its plain Error on refusal) for the life of the worker.
import { MemoryStorage } from "./memory-storage";

type Value = ArrayBuffer | string | number | boolean;

let flash = new MemoryStorage();

/** Forgets every value (a fresh flash). */
export function clearPreferences(): void {
  flash = new MemoryStorage();
}

export default class Preference {
  static get(domain: string, key: string): Value | undefined {
    return flash.get(domain, key);
  }

  static set(domain: string, key: string, value: Value): void {
    flash.set(domain, key, value);
  }

  static delete(domain: string, key: string): void {
    flash.delete(domain, key);
  }

  static keys(domain: string): string[] {
    return flash.keys(domain);
  }
}
