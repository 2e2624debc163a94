import { describe, expect, it } from 'vitest';
import { encodeHistogram } from '../fixtures/synth.ts';
import { orderStatisticRanks, percentileInterval } from './quantile-interval.ts';

describe('a percentile measured from a sample has an interval', () => {
  it('gives the textbook ranks: the median of 100 at 95% lies between the 40th and 61st values', () => {
    expect(orderStatisticRanks(100, 0.5, 0.95)).toEqual({ lower: 40, upper: 61 });
  });

  it('has no upper bound when too few samples sit above the percentile (a p95 of 7)', () => {
    // Binomial(7, 0.95): P(B <= 5) = 0.044, so X(6) bounds it below at 90%; nothing bounds it above.
    expect(orderStatisticRanks(7, 0.95, 0.9)).toEqual({ lower: 6, upper: null });
  });

  it('narrows as the sample grows', () => {
    const values = (n: number) => Array.from({ length: n }, (_, i) => 1 + (i * 1000) / n);
    const small = percentileInterval(encodeHistogram(values(40)), 95)!;
    const large = percentileInterval(encodeHistogram(values(4000)), 95)!;
    expect(small.samples).toBe(40);
    expect(large.highMs! - large.lowMs).toBeLessThan(((small.highMs ?? 1000) - small.lowMs) / 3);
    // The true p95 of the uniform spread, ~950, is inside both.
    for (const i of [small, large]) {
      expect(i.lowMs).toBeLessThanOrEqual(950);
      expect(i.highMs ?? Number.POSITIVE_INFINITY).toBeGreaterThanOrEqual(950);
    }
  });

  it('is null for an empty histogram', () => {
    expect(percentileInterval(encodeHistogram([]), 95)).toBeNull();
  });
});
