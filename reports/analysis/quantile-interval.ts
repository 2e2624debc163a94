import { decodeHistogram } from '../../contracts/histogram.ts';
import type { EncodedHistogram } from '../../contracts/run-result.ts';

/**
 * A confidence interval of a percentile measured from `samples` values: the true percentile of what was
 * sampled lies in [lowMs, highMs] with the stated confidence. `highMs` is null when there are too few samples
 * for any of them to bound it from above (a p95 of 7 replies may be anything above the lowest bound).
 */
export interface PercentileInterval {
  lowMs: number;
  highMs: number | null;
  samples: number;
  confidence: number;
}

/** ln(n choose k), by sums of logs: exact enough for the ranks of a few hundred thousand samples. */
function logChoose(n: number, k: number, logFactorial: readonly number[]): number {
  return logFactorial[n]! - logFactorial[k]! - logFactorial[n - k]!;
}

/**
 * The ranks (1-based) of the order statistics that bound the q-quantile of n samples with at least the given
 * confidence, distribution-free: the number of samples below the true quantile is Binomial(n, q), so
 * [X(l), X(u)] covers it with probability P(l <= B < u) (Conover, Practical Nonparametric Statistics, 3.2).
 * `upper` is null when even X(n) is not high enough.
 *
 * @example
 * orderStatisticRanks(100, 0.95, 0.9) // { lower: 91, upper: 99 }
 */
export function orderStatisticRanks(
  n: number,
  q: number,
  confidence: number,
): { lower: number | null; upper: number | null } {
  if (n <= 0) return { lower: null, upper: null };
  const logFactorial = [0];
  for (let i = 1; i <= n; i++) logFactorial.push(logFactorial[i - 1]! + Math.log(i));
  const tail = (1 - confidence) / 2;
  // cdf[k] = P(B <= k).
  const cdf: number[] = [];
  let sum = 0;
  for (let k = 0; k <= n; k++) {
    const logP = logChoose(n, k, logFactorial) + k * Math.log(q) + (n - k) * Math.log1p(-q);
    sum += Number.isFinite(logP) ? Math.exp(logP) : 0;
    cdf.push(Math.min(1, sum));
  }
  // Lower: the largest l with P(B < l) = cdf[l-1] <= tail; upper: the smallest u with P(B < u) >= 1 - tail.
  let lower: number | null = null;
  for (let l = 1; l <= n && cdf[l - 1]! <= tail; l++) lower = l;
  let upper: number | null = null;
  for (let u = 1; u <= n; u++) {
    if (cdf[u - 1]! >= 1 - tail) {
      upper = u;
      break;
    }
  }
  return { lower, upper };
}

/**
 * The distribution-free confidence interval of a histogram's percentile (0..100), from the order statistics at
 * the ranks above; null when the histogram is empty. With few samples it is wide, and that is the point: a
 * level's p95 measured from a few dozen replies cannot be compared with a prediction to within 25%.
 *
 * @example
 * percentileInterval(phase.latency.replyFinal, 95) // { lowMs: 6100, highMs: null, samples: 7, confidence: 0.9 }
 */
export function percentileInterval(
  encoded: EncodedHistogram,
  percentile: number,
  confidence = 0.9,
): PercentileInterval | null {
  if (encoded.count === 0) return null;
  const histogram = decodeHistogram(encoded);
  const n = histogram.totalCount;
  if (n === 0) return null;
  const { lower, upper } = orderStatisticRanks(n, percentile / 100, confidence);
  const atRank = (rank: number) => histogram.getValueAtPercentile((100 * rank) / n);
  return {
    lowMs: lower === null ? 0 : atRank(lower),
    highMs: upper === null ? null : atRank(upper),
    samples: n,
    confidence,
  };
}
