/**
 * Seeded randomness for the fake: every draw that shapes a response (output length, text, latency,
 * fault decisions) comes from here, so a run with the same seed and the same requests repeats exactly.
 */

import { createRng, type Rng } from '../../common/random.ts';

export { createRng, type Rng };

/**
 * FNV-1a over a string, folded with a starting hash: cheap, deterministic, used to derive a per-request seed.
 *
 * @example
 * hashString('hello', 0) !== hashString('hello', 1) // true
 */
export function hashString(text: string, startHash = 0x811c9dc5): number {
  let hash = startHash >>> 0;
  for (let i = 0; i < text.length; i++) {
    hash ^= text.charCodeAt(i);
    hash = Math.imul(hash, 0x01000193);
  }
  return hash >>> 0;
}

/** A standard normal draw (Box-Muller). */
export function normal(rng: Rng): number {
  const u = Math.max(rng(), Number.EPSILON);
  return Math.sqrt(-2 * Math.log(u)) * Math.cos(2 * Math.PI * rng());
}

/**
 * A lognormal draw given its median and 95th percentile, the two figures public latency benchmarks quote.
 *
 * @example
 * lognormalFromMedianP95(rng, 600, 1500) // ~600 half the time, above 1500 one time in twenty
 */
export function lognormalFromMedianP95(rng: Rng, median: number, p95: number): number {
  if (median <= 0) return 0;
  const sigma = p95 > median ? Math.log(p95 / median) / 1.6449 : 0;
  return median * Math.exp(sigma * normal(rng));
}

const ID_ALPHABET = 'ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789';

/** A 12-character tag from a seed: one per server, so ids from two fakes in one run do not collide. */
export function idSalt(seed: number): string {
  const rng = createRng(seed ^ 0x5bd1e995);
  let out = '';
  for (let i = 0; i < 12; i++) out += ID_ALPHABET[Math.floor(rng() * ID_ALPHABET.length)];
  return out;
}

/**
 * An id in Anthropic's style (`msg_01...`, `req_01...`) from a per-server salt and a counter: unique and cheap.
 *
 * @example
 * makeId('msg', 7, idSalt(1)) // 'msg_01<salt>0000000007'
 */
export function makeId(prefix: string, counter: number, salt: string): string {
  return `${prefix}_01${salt}${counter.toString(36).padStart(10, '0')}`;
}
