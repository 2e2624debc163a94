import type { BehaviourSpec } from '../../scenarios/schema.ts';
import type { RandomStream } from './random.ts';

/** z of the 95th percentile of a standard normal: lognormal sigma = ln(p95 / median) / 1.6449. */
const Z_95 = 1.6448536269514722;

/**
 * Draws think times (simulated ms) with the scenario's median and p95: lognormal by default (human
 * pauses are skewed: most short, a long tail), exponential (memoryless, p95 follows from the median),
 * or constant.
 *
 * @example
 * const draw = thinkTimeSampler({ distribution: 'lognormal', median: 15_000, p95: 90_000 });
 * draw(rng) // e.g. 11_734
 */
export function thinkTimeSampler(spec: BehaviourSpec['thinkTime']): (rng: RandomStream) => number {
  const { median, p95 } = spec;
  switch (spec.distribution) {
    case 'constant':
      return () => median;
    case 'exponential': {
      const meanMs = median / Math.LN2;
      return (rng) => -meanMs * Math.log(1 - rng.next());
    }
    case 'lognormal': {
      const mu = Math.log(Math.max(median, 1));
      const sigma = median > 0 && p95 > median ? Math.log(p95 / median) / Z_95 : 0;
      return (rng) => Math.exp(mu + sigma * rng.normal());
    }
  }
}

/**
 * Draws conversation lengths (actions per conversation, >= 1, capped at `max`): geometric with the given
 * mean (most conversations short), or constant.
 *
 * @example
 * conversationLengthSampler({ distribution: 'geometric', mean: 4, max: 20 })(rng) // 1..20
 */
export function conversationLengthSampler(spec: BehaviourSpec['conversationLength']): (rng: RandomStream) => number {
  if (spec.distribution === 'constant') return () => Math.min(Math.round(spec.mean), spec.max);
  const p = 1 / spec.mean;
  return (rng) => {
    if (p >= 1) return 1;
    const length = 1 + Math.floor(Math.log(1 - rng.next()) / Math.log(1 - p));
    return Math.min(length, spec.max);
  };
}
