import tcdf from '@stdlib/stats-base-dists-t-cdf';
import tquantile from '@stdlib/stats-base-dists-t-quantile';
import ttest2 from '@stdlib/stats-ttest2';

/**
 * Is a change between a baseline and a candidate larger than the run-to-run noise?
 *
 * The method, and why:
 * - **Runs are the independent unit.** Latencies within one run are autocorrelated (a queue that builds up
 *   slows every reply behind it) and share the run's machine state (a neighbour's CPU burst, GC, where the
 *   scheduler put the processes). A test that treats a run's 10,000 replies as 10,000 independent samples -
 *   Mann-Whitney or Kolmogorov-Smirnov on replies drawn from the HDR histograms, or a bootstrap over
 *   replies - sees that between-run variation as a real difference and flags two runs of the same code
 *   several times more often than its nominal rate (noise.test.ts measures it). So each run contributes
 *   one figure (its p95, its cost per 1,000 updates, ...) and the runs' figures are compared.
 * - **Welch's two-sample t-test on those per-run figures**, on the log scale for a relative allowance
 *   (latencies and costs change multiplicatively, and their run-to-run spread is closer to symmetric in
 *   logs), on the linear scale for an absolute one or when a figure can be 0 (counts). It is what
 *   hyperfine and Mozilla's Perfherder use for the same question, and, unlike a bootstrap or a permutation
 *   test over runs, it still means something with the 3 repetitions a CI job can afford: a bootstrap of 3
 *   runs has 10 distinct resamples and under-covers, and a permutation test of 3 against 3 cannot reach a
 *   p-value below 1/20. The price is an assumption: per-run figures spread roughly normally (a percentile
 *   of thousands of replies is asymptotically normal; Welch's test tolerates moderate departures).
 * - **One run on one side, several on the other**: the single run is judged against the spread of the
 *   repeated side (the t-test's prediction form, `s * sqrt(1 + 1/n)` with `n - 1` degrees of freedom):
 *   the noise is known from one side only, and said so.
 * - **One run on each side**: nothing measures the noise; the caller falls back to the stated allowance.
 *
 * The t distribution and Welch's test come from stdlib (`@stdlib/stats-ttest2`, `@stdlib/stats-base-dists-t-*`):
 * maintained, tested against R, and the incomplete beta function under a t CDF is not something to
 * hand-write. The seeded trials in noise.test.ts measure the false-positive rate this gives.
 */

/** What the noise says about one figure's change. */
export type NoiseJudgement =
  | {
      known: false;
      /** Why not, in words, e.g. "one run on each side". */
      reason: string;
    }
  | {
      known: true;
      /** `welch`: repetitions on both sides; `prediction`: on one side only. */
      method: 'welch' | 'prediction';
      /** `log`: the test ran on ln(figure), its interval is a relative change; `linear`: an absolute one. */
      scale: 'log' | 'linear';
      /** One-sided p-value of "the candidate is worse" (0..1); the confidence that it is worse is 1 - this. */
      pWorse: number;
      /** One-sided p-value of "the candidate is better". */
      pBetter: number;
      /**
       * One-sided bounds of the change, each at `confidence`: the change is above `interval[0]` and, apart, below
       * `interval[1]` with that confidence (together the two-sided 2 x confidence - 1 interval), so a bound
       * that excludes 0 in the worse direction is exactly a change larger than the noise. A fraction
       * (0.1 = +10%) on the log scale, else in the figure's unit.
       */
      interval: [number, number];
      /** Degrees of freedom of the t distribution used (Welch-Satterthwaite for `welch`). */
      df: number;
      confidence: number;
      /** pWorse <= 1 - confidence: the worsening is larger than the noise. */
      worseBeyondNoise: boolean;
      /** pBetter <= 1 - confidence: the improvement is larger than the noise. */
      betterBeyondNoise: boolean;
    };

export interface NoiseOptions {
  /** Confidence (0.5..1) a change must reach to count as larger than the noise. Default 0.95. */
  confidence?: number;
  /** Test ln(figure) when every figure is above 0, so the interval is a relative change. Default true. */
  logScale?: boolean;
}

export const NOISE_DEFAULTS = { confidence: 0.95, logScale: true } as const;

/**
 * Judges the change from `baseline` to `candidate` (one figure per run each) against their run-to-run
 * spread, in the direction that is worse.
 *
 * @example
 * judgeNoise([1000, 1040, 980], [1210, 1260, 1190], 'increase')
 * // { known: true, method: 'welch', scale: 'log', pWorse: 0.0007, interval: [0.15, 0.28], worseBeyondNoise: true, ... }
 */
export function judgeNoise(
  baseline: readonly number[],
  candidate: readonly number[],
  worse: 'increase' | 'decrease',
  options: NoiseOptions = {},
): NoiseJudgement {
  const confidence = options.confidence ?? NOISE_DEFAULTS.confidence;
  if (!(confidence >= 0.5 && confidence < 1)) {
    throw new RangeError(`confidence must be in [0.5, 1), got ${confidence}`);
  }
  if (baseline.length === 0 || candidate.length === 0) return { known: false, reason: 'a side has no figure' };
  if (baseline.length < 2 && candidate.length < 2) {
    return { known: false, reason: 'one run on each side, so nothing measures the run-to-run noise' };
  }
  const useLog = (options.logScale ?? NOISE_DEFAULTS.logScale) && [...baseline, ...candidate].every((v) => v > 0);
  const x = useLog ? candidate.map(Math.log) : [...candidate];
  const y = useLog ? baseline.map(Math.log) : [...baseline];
  const alpha = 1 - confidence;
  const diff = mean(x) - mean(y);
  const method = x.length >= 2 && y.length >= 2 ? 'welch' : 'prediction';

  let statistic: number;
  let df: number;
  let halfWidth: number;
  if (variance(x) === 0 && variance(y) === 0) {
    // Every run on each side gave the same figure (a deterministic count): any difference is real.
    statistic = diff === 0 ? 0 : diff > 0 ? Number.POSITIVE_INFINITY : Number.NEGATIVE_INFINITY;
    df = x.length + y.length - 2;
    halfWidth = 0;
  } else if (method === 'welch') {
    // The two-sided interval at 1 - 2 alpha is the pair of one-sided bounds at 1 - alpha.
    const test = ttest2(x, y, { alpha: 2 * alpha, alternative: 'two-sided', variance: 'unequal' });
    statistic = test.statistic;
    df = test.df;
    halfWidth = (test.ci[1]! - test.ci[0]!) / 2;
  } else {
    // One run against n: the spread of the repeated side is the noise, s * sqrt(1 + 1/n) its standard error.
    const repeated = x.length >= 2 ? x : y;
    const n = repeated.length;
    const se = Math.sqrt(variance(repeated)) * Math.sqrt(1 + 1 / n);
    statistic = diff / se;
    df = n - 1;
    halfWidth = tquantile(1 - alpha, df) * se;
  }
  const pGreater = pAbove(statistic, df);
  const pLess = pAbove(-statistic, df);
  const pWorse = worse === 'increase' ? pGreater : pLess;
  const pBetter = worse === 'increase' ? pLess : pGreater;
  const [lo, hi] = [diff - halfWidth, diff + halfWidth];
  return {
    known: true,
    method,
    scale: useLog ? 'log' : 'linear',
    pWorse,
    pBetter,
    interval: useLog ? [Math.expm1(lo), Math.expm1(hi)] : [lo, hi],
    df,
    confidence,
    worseBeyondNoise: pWorse <= alpha,
    betterBeyondNoise: pBetter <= alpha,
  };
}

/** P(T > t) for Student's t with `df` degrees of freedom (infinite t: 0 or 1). */
function pAbove(t: number, df: number): number {
  if (t === Number.POSITIVE_INFINITY) return 0;
  if (t === Number.NEGATIVE_INFINITY) return 1;
  if (t === 0 && df === 0) return 0.5;
  return 1 - tcdf(t, df);
}

function mean(values: readonly number[]): number {
  return values.reduce((sum, v) => sum + v, 0) / values.length;
}

/** Sample variance (n - 1); 0 for a single value. */
function variance(values: readonly number[]): number {
  if (values.length < 2) return 0;
  const m = mean(values);
  return values.reduce((sum, v) => sum + (v - m) ** 2, 0) / (values.length - 1);
}
