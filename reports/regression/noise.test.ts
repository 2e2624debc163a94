import ttest2 from '@stdlib/stats-ttest2';
import { describe, expect, it } from 'vitest';
import { createRng } from '../../common/random.ts';
import type { MetricData } from '../../contracts/thresholds/index.ts';
import { encodeHistogram } from '../fixtures/synth.ts';
import { compareFigure } from './compare.ts';
import { judgeNoise } from './noise.ts';
import { parseRegressionCheck, type RegressionCheck } from './spec.ts';
import { type SyntheticRunOptions, syntheticLatencies, syntheticRuns } from './testing/synthetic.ts';

/**
 * The statistics on synthetic runs whose truth is known: latencies drawn from a log-normal with
 * autocorrelated replies (AR(1) in log space, as a queue makes them) and a run-level factor (the machine's
 * run-to-run noise), with or without a planted shift. Every trial is seeded, so the rates below are the
 * same on every machine; each test prints the rate it measured.
 */

const LATENCY: Omit<SyntheticRunOptions, 'samples'> = {
  medianMs: 800,
  sdLog: 0.8,
  autocorrelation: 0.9,
  runNoiseSdLog: 0.03,
};
const P95_WITHIN_10 = parseRegressionCheck('reply_latency:p(95)+10%');
const P95_ANY_RISE = parseRegressionCheck('reply_latency:p(95)+0%');
const CONFIDENCE = 0.95;
const ALPHA = 1 - CONFIDENCE;

/**
 * Runs `trials` seeded comparisons of `runs` baseline runs against `runs` candidate runs (the candidate's
 * latencies multiplied by `shift`) and returns, per check, the share of trials flagged as regressed.
 */
function flaggedShares(
  seed: number,
  trials: number,
  runs: number,
  options: SyntheticRunOptions,
  shift: number,
  checks: readonly RegressionCheck[],
): number[] {
  const random = createRng(seed);
  const flagged = checks.map(() => 0);
  for (let trial = 0; trial < trials; trial++) {
    const baseline = syntheticRuns(random, runs, options);
    const candidate = syntheticRuns(random, runs, { ...options, shift });
    checks.forEach((check, i) => {
      if (compareFigure(check, baseline, candidate, { confidence: CONFIDENCE }).status === 'regressed') flagged[i]!++;
    });
  }
  return flagged.map((n) => n / trials);
}

/** The standard error of a rate measured in `n` trials, for tolerances that follow from the trial count. */
function binomialSe(rate: number, n: number): number {
  return Math.sqrt((rate * (1 - rate)) / n);
}

describe('is a change larger than the noise (synthetic runs, seeded trials)', () => {
  it('catches a 20% slowdown with enough samples: 3 runs of 20,000 replies per side', () => {
    const trials = 100;
    const [caught] = flaggedShares(18, trials, 3, { ...LATENCY, autocorrelation: 0.5, samples: 20_000 }, 1.2, [
      P95_WITHIN_10,
    ]);
    console.log(
      `20% shift, 3 vs 3 runs of 20,000 replies: caught in ${(caught! * 100).toFixed(1)}% of ${trials} trials`,
    );
    expect(caught).toBeGreaterThanOrEqual(0.95);
  });

  it('does not flag two draws of the same distribution in at least 95% of trials', () => {
    const trials = 500;
    const [flagged, bare] = flaggedShares(95, trials, 3, { ...LATENCY, samples: 2_000 }, 1, [
      P95_WITHIN_10,
      P95_ANY_RISE,
    ]);
    console.log(
      `same distribution, 3 vs 3 runs, allowance +10%: flagged in ${(flagged! * 100).toFixed(1)}% of ${trials} trials`,
    );
    expect(flagged).toBeLessThanOrEqual(0.05);

    // With no allowance the noise test alone decides: it must flag at about its nominal rate (alpha), and
    // not above it by more than the trials' own sampling error allows.
    console.log(
      `same distribution, 3 vs 3 runs, allowance +0%: flagged in ${(bare! * 100).toFixed(1)}% of ${trials} trials (alpha ${ALPHA})`,
    );
    expect(bare).toBeLessThanOrEqual(ALPHA + 3 * binomialSe(ALPHA, trials));
  });

  it('treats runs, not replies, as the independent unit: a per-reply test would flag the same code often', () => {
    // The test botcap does not use, for contrast: Welch's t-test on every reply's log latency, as if the
    // replies were independent. Autocorrelation and the run-level factor make it see differences that are not there.
    const random = createRng(7);
    const trials = 100;
    const options = { ...LATENCY, samples: 2_000 };
    let naive = 0;
    for (let trial = 0; trial < trials; trial++) {
      const side = () => Array.from({ length: 3 }, () => syntheticLatencies(random, options).map(Math.log)).flat();
      if (ttest2(side(), side(), { alternative: 'greater', alpha: ALPHA }).pValue <= ALPHA) naive++;
    }
    const [ours] = flaggedShares(7, trials, 3, options, 1, [P95_ANY_RISE]);
    console.log(`same distribution: per-reply t-test flags ${naive}% of trials, per-run (ours) ${ours! * 100}%`);
    expect(naive / trials).toBeGreaterThan(ALPHA + 3 * binomialSe(ALPHA, trials));
    expect(ours).toBeLessThan(naive / trials);
  });

  it('says the noise is unknown with one run a side, and lets the allowance decide', () => {
    const random = createRng(1);
    const quiet = { ...LATENCY, autocorrelation: 0, runNoiseSdLog: 0, samples: 20_000 };
    const slower = compareFigure(
      P95_WITHIN_10,
      syntheticRuns(random, 1, quiet),
      syntheticRuns(random, 1, { ...quiet, shift: 1.2 }),
    );
    expect(slower.noise).toMatchObject({ known: false, reason: expect.stringMatching(/one run on each side/) });
    expect(slower.status).toBe('regressed');
    expect(slower.changeRelative).toBeGreaterThan(0.1);
    expect(slower.explanation).toMatch(/noise is unknown, so the allowance alone decides/);

    const same = compareFigure(P95_WITHIN_10, syntheticRuns(random, 1, quiet), syntheticRuns(random, 1, quiet));
    expect(same.status).toBe('ok');
  });

  it('judges one run against the spread of the repeated side', () => {
    const random = createRng(2);
    const options = { ...LATENCY, samples: 20_000, autocorrelation: 0.5 };
    const figure = compareFigure(
      P95_WITHIN_10,
      syntheticRuns(random, 5, options),
      syntheticRuns(random, 1, { ...options, shift: 1.5 }),
    );
    expect(figure.noise).toMatchObject({ known: true, method: 'prediction', scale: 'log', df: 4 });
    expect(figure.status).toBe('regressed');
  });

  it('keeps a change past the allowance but within the noise from failing', () => {
    // Two runs a side with a large run-to-run spread: a 15% difference is what such runs do by chance.
    const runs = (values: number[]): MetricData[] =>
      values.map((ms) => ({ kind: 'trend', histogram: encodeHistogram(Array.from({ length: 100 }, () => ms)) }));
    const figure = compareFigure(P95_WITHIN_10, runs([1000, 1400]), runs([1100, 1650]));
    expect(figure.changeRelative).toBeGreaterThan(0.1);
    expect(figure.status).toBe('within-noise');
    expect(figure.explanation).toMatch(/within the run-to-run noise/);
  });

  it('compares counts on the linear scale: a deterministic rise is real, a single lost update is noise', () => {
    const lost = parseRegressionCheck('lost_updates:+0');
    const counts = (values: number[]): MetricData[] =>
      values.map((count) => ({ kind: 'counter', count, durationS: 60 }));
    expect(compareFigure(lost, counts([0, 0, 0]), counts([2, 2, 2])).status).toBe('regressed');
    const once = compareFigure(lost, counts([0, 0, 0]), counts([0, 1, 0]));
    expect(once.status).toBe('within-noise');
    expect(once.noise).toMatchObject({ known: true, scale: 'linear' });
    expect(compareFigure(lost, counts([0]), counts([1])).status).toBe('regressed');
    expect(compareFigure(lost, counts([3, 3]), counts([0, 0])).status).toBe('improved');
  });

  it('reads a decrease as the worse direction when the allowance says -', () => {
    const delivered = parseRegressionCheck('digests_delivered:-5%');
    const counts = (values: number[]): MetricData[] =>
      values.map((count) => ({ kind: 'counter', count, durationS: 60 }));
    expect(compareFigure(delivered, counts([1000, 1010, 990]), counts([800, 790, 810])).status).toBe('regressed');
    expect(compareFigure(delivered, counts([1000, 1010, 990]), counts([1200, 1190, 1210])).status).toBe('improved');
    expect(compareFigure(delivered, counts([1000, 1010, 990]), counts([980, 990, 985])).status).toBe('ok');
  });

  it('fails a figure a side has no data for, as a budget does', () => {
    const empty: MetricData[] = [{ kind: 'trend', histogram: null }];
    const some = syntheticRuns(createRng(3), 1, { ...LATENCY, samples: 100 });
    const figure = compareFigure(P95_WITHIN_10, some, empty);
    expect(figure.status).toBe('no-data');
    expect(figure.explanation).toMatch(/candidate recorded nothing for reply_latency/);
  });

  it('rejects a confidence outside [0.5, 1)', () => {
    expect(() => judgeNoise([1, 2], [3, 4], 'increase', { confidence: 1 })).toThrow(/confidence must be in/);
  });
});
