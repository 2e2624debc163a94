import { Mulberry32 } from '../../common/random.ts';

/**
 * A seeded random stream. Every random choice in the load generator draws from one of these, keyed by
 * the scenario seed and a stream name, so one `--seed` fixes the population, the mix and the schedule,
 * and one VU's draws never depend on how fast another VU's replies came back.
 *
 * @example
 * const rng = createStream(42, 'vu-7');
 * rng.pick(['a', 'b']); rng.weighted({ question: 1, navigation: 3 });
 */
export interface RandomStream {
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
 * The stream: mulberry32 (common/random.ts) with the helpers on the prototype, so one stream is one
 * object holding one number - a run keeps one per virtual user, and 10,000 of them cost about 300 KB.
 */
class SeededStream extends Mulberry32 implements RandomStream {
  int(min: number, max: number): number {
    return min + Math.floor(this.next() * (max - min + 1));
  }

  pick<T>(items: readonly T[]): T {
    if (items.length === 0) throw new RangeError('pick from an empty list');
    return items[Math.floor(this.next() * items.length)]!;
  }

  weighted<K extends string>(weights: Readonly<Record<K, number>>): K {
    let total = 0;
    let last: K | undefined;
    for (const key in weights) {
      const weight = weights[key];
      total += weight;
      if (weight > 0) last = key;
    }
    if (last === undefined) throw new RangeError('weighted pick needs at least one weight above 0');
    let draw = this.next() * total;
    for (const key in weights) {
      const weight = weights[key];
      if (weight <= 0) continue;
      draw -= weight;
      if (draw < 0) return key;
    }
    return last;
  }

  normal(): number {
    const u = 1 - this.next();
    const v = this.next();
    return Math.sqrt(-2 * Math.log(u)) * Math.cos(2 * Math.PI * v);
  }
}

/**
 * A stream for (seed, stream name): the same pair always gives the same sequence, and different names
 * give unrelated ones (the pair is hashed into mulberry32's 32-bit seed).
 *
 * @example
 * createStream(scenario.seed, `vu-${vu}`).next()
 */
export function createStream(seed: number, stream: string | number): RandomStream {
  return new SeededStream(streamSeed(seed, stream));
}

/**
 * Hashes the seed (all 53 bits) and the stream name into 32 bits: FNV-1a over the name's characters,
 * each step finished with murmur3's fmix32 so nearby seeds and names like `vu-1`/`vu-2` land far apart.
 */
function streamSeed(seed: number, stream: string | number): number {
  let hash = fmix32((seed >>> 0) ^ 0x9e3779b9);
  hash = fmix32(hash ^ (Math.floor(seed / 4294967296) >>> 0));
  if (typeof stream === 'number') return fmix32(hash ^ fmix32(stream >>> 0) ^ (Math.floor(stream / 4294967296) >>> 0));
  hash ^= 2166136261;
  for (let i = 0; i < stream.length; i++) hash = Math.imul(hash ^ stream.charCodeAt(i), 16777619);
  return fmix32(hash ^ stream.length);
}

function fmix32(value: number): number {
  let h = value >>> 0;
  h ^= h >>> 16;
  h = Math.imul(h, 0x85ebca6b);
  h ^= h >>> 13;
  h = Math.imul(h, 0xc2b2ae35);
  h ^= h >>> 16;
  return h >>> 0;
}
