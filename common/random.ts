/** A uniform generator on [0, 1). */
export type Rng = () => number;

/**
 * mulberry32 as an object: one 32-bit number of state and a shared `next` on the prototype, so a process
 * can hold tens of thousands of independent streams (one per virtual user) for a few bytes each.
 *
 * @example
 * const stream = new Mulberry32(42); stream.next(); // 0.6011...
 */
export class Mulberry32 {
  /** Kept as a signed 32-bit integer, which V8 stores inline (a small integer), not as a boxed double. */
  private state: number;

  constructor(seed: number) {
    this.state = seed | 0;
  }

  /** Uniform in [0, 1). */
  next(): number {
    this.state = (this.state + 0x6d2b79f5) | 0;
    let t = this.state;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  }
}

/**
 * mulberry32: a tiny seeded PRNG, fast and good enough for simulation (not for cryptography). One
 * implementation for the fakes' draws, the load generator's streams and the report fixtures, so the same
 * seed means the same numbers.
 *
 * @example
 * const rng = createRng(42); rng(); // 0.6011...
 */
export function createRng(seed: number): Rng {
  const stream = new Mulberry32(seed);
  return () => stream.next();
}
