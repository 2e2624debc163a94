/** A uniform generator on [0, 1). */
export type Rng = () => number;

/**
 * mulberry32: a tiny seeded PRNG, fast and good enough for simulation (not for cryptography). One
 * implementation for the fakes' draws and the report fixtures, so the same seed means the same numbers.
 *
 * @example
 * const rng = createRng(42); rng(); // 0.6011...
 */
export function createRng(seed: number): Rng {
  let state = seed >>> 0;
  return () => {
    state = (state + 0x6d2b79f5) >>> 0;
    let t = state;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}
