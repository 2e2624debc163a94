import type { Rng } from '../../../common/random.ts';
import type { EncodedHistogram, RunResult } from '../../../contracts/run-result.ts';
import type { MetricData } from '../../../contracts/thresholds/index.ts';
import { computeCost } from '../../cost/compute.ts';
import { profileFromRun } from '../../cost/profile.ts';
import { encodeHistogram, normal } from '../../fixtures/synth.ts';

/** The shape of a synthetic run's latencies. */
export interface SyntheticRunOptions {
  /** Median latency of the distribution, ms (the run's own factor multiplies it). */
  medianMs: number;
  /** Log-space standard deviation of one reply's latency (0.8: p95 about 3.7x the median). */
  sdLog: number;
  /** Replies recorded in the run. */
  samples: number;
  /**
   * Lag-1 autocorrelation of consecutive replies' log latency (AR(1)): a queue that builds up slows
   * every reply behind it, so neighbours are alike. 0 = independent replies.
   */
  autocorrelation: number;
  /** Log-space standard deviation of the whole run's factor: the machine's run-to-run noise. */
  runNoiseSdLog: number;
  /** A planted change: every latency of the run is multiplied by this (1.2 = 20% slower). */
  shift?: number;
}

/**
 * One run's reply latencies: `samples` draws from a log-normal whose log follows an AR(1) process, times a
 * run-level factor (the run-to-run noise), times the planted shift.
 *
 * @example
 * syntheticLatencies(createRng(1), { medianMs: 800, sdLog: 0.8, samples: 5000, autocorrelation: 0.9, runNoiseSdLog: 0.03 })
 */
export function syntheticLatencies(random: Rng, options: SyntheticRunOptions): number[] {
  const factor = options.medianMs * (options.shift ?? 1) * Math.exp(options.runNoiseSdLog * normal(random));
  const rho = options.autocorrelation;
  const innovation = Math.sqrt(1 - rho * rho);
  const values: number[] = [];
  let z = normal(random);
  for (let i = 0; i < options.samples; i++) {
    values.push(factor * Math.exp(options.sdLog * z));
    z = rho * z + innovation * normal(random);
  }
  return values;
}

/** One synthetic run's latencies as RunResult carries them: an HDR histogram (3 significant digits). */
export function syntheticRunHistogram(random: Rng, options: SyntheticRunOptions): EncodedHistogram {
  return encodeHistogram(syntheticLatencies(random, options));
}

/** `runs` synthetic runs as the registry's trend data. */
export function syntheticRuns(random: Rng, runs: number, options: SyntheticRunOptions): MetricData[] {
  return Array.from({ length: runs }, () => ({ kind: 'trend', histogram: syntheticRunHistogram(random, options) }));
}

/**
 * A copy of `base` whose reply latencies are `replyFinal` (overall and for every action), with the seed
 * and fields given: a RunResult for the gate's tests, with a known latency distribution.
 *
 * @example
 * withLatency(loadFixture('smoke'), syntheticRunHistogram(rng, options), { seed: 2 })
 */
export function withLatency(base: RunResult, replyFinal: EncodedHistogram, fields: Partial<RunResult> = {}): RunResult {
  const byAction = Object.fromEntries(Object.keys(base.latency.byAction).map((action) => [action, replyFinal]));
  return priced({ ...base, ...fields, latency: { ...base.latency, replyFinal, byAction } });
}

/**
 * `run` with `claude.costUsd` as a run prices itself at its end (the shipped pricing data), for fixtures
 * written before that field existed; a run that has it is returned unchanged.
 *
 * @example
 * priced(loadFixture('smoke')).claude.costUsd
 */
export function priced(run: RunResult): RunResult {
  if (run.claude.costUsd !== undefined) return run;
  return { ...run, claude: { ...run.claude, costUsd: computeCost(profileFromRun(run)).period.usd.totalUsd } };
}
