// xorshift32, seeded: the same "random" configurations, lines and MACs on every run, so a failing case repeats.
// The generator is the simulator's one xorshift (hosts/sim/network/macs.ts); seed 0 starts it at 1, as before.
import { SeededRandom as Xorshift32 } from "../hosts/sim/network/macs";

export function seededRandom(seed: number) {
  const generator = new Xorshift32(seed >>> 0 || 1);
  const next = (): number => generator.nextUint32() / 0x100000000;
  const int = (min: number, max: number): number => min + Math.floor(next() * (max - min + 1));
  const pick = <T>(items: readonly T[]): T => items[int(0, items.length - 1)];
  return { next, int, pick };
}

export type SeededRandom = ReturnType<typeof seededRandom>;
