import { generateMersenne53Randomizer } from '@faker-js/faker';

/**
 * A seeded random stream. Every random choice in the load generator draws from one of these, keyed by
 * the scenario seed and a stream name, so one `--seed` fixes the population, the mix and the schedule,
 * and one VU's draws never depend on how fast another VU's replies came back.
 *
 * @example
 * const rng = createRng(42, 'vu-7');
 * rng.pick(['a', 'b']); rng.weighted({ question: 1, navigation: 3 });
 */
export interface Rng {
  /** Uniform in [0, 1). */
  next(): number;
  /** Uniform integer in [min, max], both inclusive. */
  int(min: number, max: number): number;
  pick<T>(items: readonly T[]): T;
  /** A key drawn with probability proportional to its weight (weights >= 0, at least one > 0). */
  weighted<K extends string>(weights: Readonly<Record<K, number>>): K;
  /** Standard normal (Box-Muller). */
  normal(): number;
}

/**
 * Mersenne Twister from faker (the same generator faker's own seeded data uses); no home-made PRNG.
 *
 * @example
 * createRng(scenario.seed, `vu-${vu}`).next()
 */
export function createRng(seed: number, stream: string | number): Rng {
  const randomizer = generateMersenne53Randomizer();
  randomizer.seed([seed, ...streamKey(stream)]);
  const next = () => randomizer.next();
  return {
    next,
    int: (min, max) => min + Math.floor(next() * (max - min + 1)),
    pick: <T>(items: readonly T[]): T => {
      if (items.length === 0) throw new RangeError('pick from an empty list');
      return items[Math.floor(next() * items.length)]!;
    },
    weighted: <K extends string>(weights: Readonly<Record<K, number>>): K => {
      const entries = Object.entries(weights) as [K, number][];
      const total = entries.reduce((sum, [, w]) => sum + w, 0);
      let draw = next() * total;
      for (const [key, w] of entries) {
        if (w <= 0) continue;
        draw -= w;
        if (draw < 0) return key;
      }
      const last = entries.filter(([, w]) => w > 0).at(-1);
      if (last === undefined) throw new RangeError('weighted pick needs at least one weight above 0');
      return last[0];
    },
    normal: () => {
      const u = 1 - next();
      const v = next();
      return Math.sqrt(-2 * Math.log(u)) * Math.cos(2 * Math.PI * v);
    },
  };
}

/** Stream names become numbers so `createRng(1, 'a')` and `createRng(1, 'b')` are unrelated sequences. */
function streamKey(stream: string | number): number[] {
  if (typeof stream === 'number') return [stream];
  let hash = 2166136261;
  for (let i = 0; i < stream.length; i++) {
    hash ^= stream.charCodeAt(i);
    hash = Math.imul(hash, 16777619) >>> 0;
  }
  return [hash, stream.length];
}
