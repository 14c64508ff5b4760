// Numeric service settings (link monitor, move monitor, ...): one validator, so every service rejects unknown names
// and out-of-range values the same way and a bad change leaves the current settings untouched.
import { InvalidArgumentError } from "./errors";

/** [min, max, integer] for each setting. */
export type SettingRanges<T> = { readonly [K in keyof T]: readonly [number, number, boolean] };

/**
 * Freezes a ranges table and each of its entries: module constants must be frozen all the way down for the XS linker
 * to keep them in flash when the firmware is preloaded (manifest.json "preload").
 */
export function settingRanges<T>(ranges: SettingRanges<T>): SettingRanges<T> {
  for (const name of Object.keys(ranges)) Object.freeze(ranges[name as keyof T]);
  return Object.freeze(ranges);
}

/** Returns `base` with `change` applied, or throws naming the first bad setting; never modifies `base`. */
export function mergeSettings<T extends object>(what: string, ranges: SettingRanges<T>, base: Readonly<T>, change: Partial<T>): T {
  if (change === null || typeof change !== "object") throw new InvalidArgumentError(`${what} settings must be an object`);
  const names = Object.keys(ranges);
  for (const name of Object.keys(change))
    if (names.indexOf(name) < 0) throw new InvalidArgumentError(`unknown ${what} setting "${name}" (known: ${names.join(", ")})`);
  const merged: T = { ...base, ...change };
  for (let i = 0; i < names.length; i++) {
    const name = names[i] as keyof T & string;
    const [min, max, integer] = ranges[name];
    const value = merged[name] as unknown;
    if (typeof value !== "number" || !(value >= min && value <= max) || (integer && !Number.isInteger(value)))
      throw new InvalidArgumentError(`${name} must be ${integer ? "an integer" : "a number"} from ${min} to ${max}, not ${String(value)}`);
  }
  return merged;
}
