import type { RunResult } from '../../contracts/run-result.ts';
import { type SeriesKey, seriesFor, seriesName } from '../../contracts/series.ts';
import { parseThresholdExpression, ThresholdError, thresholdsFromScenario } from '../../contracts/thresholds/parse.ts';
import { detectSaturation, type LoadWindow, type SaturationOptions, saturationRules } from './bottleneck.ts';
import { percentileOf } from './histogram.ts';
import { quantile } from './series.ts';
import {
  ANALYSIS_SCHEMA_VERSION,
  type KneeAnalysis,
  type LatencyBudget,
  type LatencyMetric,
  type LoadLevel,
} from './types.ts';

/** The budget used when none is given: p95 reply latency within 3 s. */
export const DEFAULT_LATENCY_BUDGET: LatencyBudget = { percentile: 95, maxMs: 3000 };

export interface KneeOptions extends SaturationOptions {
  /** Default: the scenario's `reply_latency` threshold (budgetFromScenario), else DEFAULT_LATENCY_BUDGET. */
  budget?: LatencyBudget;
}

const BUDGET_PERCENTILES: readonly number[] = [50, 90, 95, 99];

/**
 * The latency budget a scenario states as a `reply_latency` threshold (or `reply_first_latency` when asked
 * for: `p(95)<2000`, `med<=800`; the first upper bound on p50/p90/p95/p99 wins), so the knee is judged by
 * the same budget the gate checks; null when the scenario states none the knee can use.
 *
 * @example
 * budgetFromScenario(result) // { percentile: 95, maxMs: 3000 }
 * budgetFromScenario(result, 'reply_first_latency') // { percentile: 95, maxMs: 3000, metric: 'reply_first_latency' }
 */
export function budgetFromScenario(result: RunResult, metric: LatencyMetric = 'reply_latency'): LatencyBudget | null {
  try {
    for (const text of thresholdsFromScenario(result.scenario.resolved)[metric] ?? []) {
      const e = parseThresholdExpression(text, metric);
      const percentile = e.aggregation === 'med' ? 50 : e.aggregation === 'p' ? e.percentile : undefined;
      if (percentile === undefined || !BUDGET_PERCENTILES.includes(percentile)) continue;
      if (e.operator !== '<' && e.operator !== '<=') continue;
      const budget: LatencyBudget = { percentile: percentile as LatencyBudget['percentile'], maxMs: e.limit };
      return metric === 'reply_latency' ? budget : { ...budget, metric };
    }
  } catch (error) {
    // A malformed threshold is the gate's to report; the knee falls back to the default budget.
    if (!(error instanceof ThresholdError)) throw error;
  }
  return null;
}

const LATENCY_SERIES: Record<LatencyMetric, Record<LatencyBudget['percentile'], SeriesKey | null>> = {
  reply_latency: { 50: 'replyLatencyP50Ms', 90: null, 95: 'replyLatencyP95Ms', 99: 'replyLatencyP99Ms' },
  reply_first_latency: { 50: 'replyFirstP50Ms', 90: null, 95: 'replyFirstP95Ms', 99: 'replyFirstP99Ms' },
};

function isOpenModel(result: RunResult): boolean {
  return result.load.model.endsWith('arrival-rate');
}

function fmtMs(ms: number | null): string {
  return ms === null ? 'no data' : `${Math.round(ms)} ms`;
}

/**
 * The knee within one ramp run: each phase with a target load is a level (of phases with the same target,
 * the last: a staircase's hold, not its ramp); its latency is the median of the per-interval
 * `reply_latency_pXX_ms` points inside it (robust to one slow interval). The knee is the
 * highest level at which it and every lower level held the budget.
 *
 * @example
 * findKneeInRamp(readRunResult('ramp.json')).kneeLoad // 140
 */
export function findKneeInRamp(result: RunResult, options: KneeOptions = {}): KneeAnalysis {
  const budget = options.budget ?? budgetFromScenario(result) ?? DEFAULT_LATENCY_BUDGET;
  const open = isOpenModel(result);
  const loadUnit = open ? 'updates/s' : 'VUs';
  const latencyKey = LATENCY_SERIES[budget.metric ?? 'reply_latency'][budget.percentile];
  const latency = latencyKey === null ? undefined : seriesFor(result, latencyKey)[0];
  const rate = seriesFor(result, 'repliesPerS')[0];
  const windows: LoadWindow[] = [];
  // One level per target load. A staircase has two phases per step with the same target - the ramp to
  // it and the hold at it - and the later one (the hold, with every VU there) is the level: judging both
  // read "held up to 500 VUs, broke at 500 VUs" when the ramp held and the hold did not.
  const byLoad = new Map<number, LoadLevel>();
  for (const phase of result.phases) {
    const load = open ? phase.targetRatePerS : phase.targetVus;
    if (load === undefined) continue;
    // Latency points are stamped at the end of their interval: (start, end] belongs to this phase.
    const inPhase = (t: number) => t > phase.startMs && t <= phase.endMs;
    const latencyMs = quantile(latency?.points.filter(([t]) => inPhase(t)).map(([, v]) => v) ?? [], 0.5);
    const rates = rate?.points.filter(([t]) => inPhase(t)).map(([, v]) => v) ?? [];
    byLoad.set(load, {
      load,
      label: phase.name,
      latencyMs,
      throughputPerS: rates.length ? rates.reduce((a, b) => a + b, 0) / rates.length : null,
      withinBudget: latencyMs !== null && latencyMs <= budget.maxMs,
    });
    windows.push({ load, result, fromMs: phase.startMs, toMs: phase.endMs });
  }
  const levels = [...byLoad.values()].sort((a, b) => a.load - b.load);
  windows.sort((a, b) => a.load - b.load);
  const missing =
    latency === undefined
      ? `the run has no per-interval ${latencyKey === null ? `p${budget.percentile}` : seriesName(latencyKey)} latency series; the knee needs one`
      : null;
  return assemble('ramp', loadUnit, budget, levels, detectSaturation(windows, loadUnit, options), options, missing);
}

/**
 * The knee across runs at increasing load (one level per run): load = the run's peak target (VUs, or
 * updates/s for open models), latency = the budget's percentile of the whole run's reply latency.
 *
 * @example
 * findKneeAcrossRuns([run100, run200, run300]).brokeAtLoad // 300
 */
export function findKneeAcrossRuns(results: readonly RunResult[], options: KneeOptions = {}): KneeAnalysis {
  const first = results[0];
  const budget = options.budget ?? (first === undefined ? null : budgetFromScenario(first)) ?? DEFAULT_LATENCY_BUDGET;
  const open = results.length > 0 && results.every(isOpenModel);
  const loadUnit = open ? 'updates/s' : 'VUs';
  const runs = results.map((result) => {
    const targets = result.phases.map((p) => (open ? p.targetRatePerS : p.targetVus)).filter((v) => v !== undefined);
    const load = targets.length ? Math.max(...targets) : open ? 0 : result.load.maxVus;
    return { result, load };
  });
  runs.sort((a, b) => a.load - b.load);
  const levels: LoadLevel[] = runs.map(({ result, load }) => {
    const histogram = budget.metric === 'reply_first_latency' ? result.latency.replyFirst : result.latency.replyFinal;
    const latencyMs = percentileOf(histogram, budget.percentile);
    const replies = result.load.updatesInjected - result.correctness.lostUpdates;
    return {
      load,
      label: result.variant ?? result.scenario.name,
      latencyMs,
      throughputPerS: result.durationSimulatedS > 0 ? replies / result.durationSimulatedS : null,
      withinBudget: latencyMs !== null && latencyMs <= budget.maxMs,
    };
  });
  const windows = runs.map(({ result, load }) => ({ load, result, fromMs: 0, toMs: Number.POSITIVE_INFINITY }));
  return assemble('runs', loadUnit, budget, levels, detectSaturation(windows, loadUnit, options), options, null);
}

function assemble(
  basis: KneeAnalysis['basis'],
  loadUnit: KneeAnalysis['loadUnit'],
  budget: LatencyBudget,
  levels: LoadLevel[],
  signals: KneeAnalysis['signals'],
  options: SaturationOptions,
  missing: string | null,
): KneeAnalysis {
  const firstBreak = levels.findIndex((l) => !l.withinBudget);
  const kneeLevel = firstBreak === -1 ? levels[levels.length - 1] : levels[firstBreak - 1];
  const brokeLevel = firstBreak === -1 ? undefined : levels[firstBreak];
  const bottleneck = signals[0] ?? null;
  const name = `p${budget.percentile} ${budget.metric === 'reply_first_latency' ? 'first-output' : 'reply'} latency`;
  const sentences: string[] = [];
  if (missing !== null) sentences.push(`No knee: ${missing}.`);
  else if (levels.length === 0) sentences.push('No knee: no load levels (phases with a target load) to compare.');
  else if (kneeLevel === undefined && brokeLevel !== undefined)
    sentences.push(
      `${name} broke the ${budget.maxMs} ms budget already at the lowest load, ${brokeLevel.load} ${loadUnit} (${fmtMs(brokeLevel.latencyMs)}).`,
    );
  else if (brokeLevel === undefined && kneeLevel !== undefined)
    sentences.push(
      `${name} held the ${budget.maxMs} ms budget at every load up to ${kneeLevel.load} ${loadUnit} (${fmtMs(kneeLevel.latencyMs)}); no knee within the tested range.`,
    );
  else if (kneeLevel !== undefined && brokeLevel !== undefined)
    sentences.push(
      `${name} held the ${budget.maxMs} ms budget up to ${kneeLevel.load} ${loadUnit} (${fmtMs(kneeLevel.latencyMs)}) and broke it at ${brokeLevel.load} ${loadUnit} (${fmtMs(brokeLevel.latencyMs)}).`,
    );
  if (bottleneck !== null) sentences.push(`Bottleneck: ${bottleneck.sentence} - the first resource to saturate.`);
  else if (levels.length > 0) sentences.push('No resource crossed its saturation rule in the tested range.');
  return {
    schemaVersion: ANALYSIS_SCHEMA_VERSION,
    basis,
    loadUnit,
    budget,
    levels,
    kneeLoad: missing === null ? (kneeLevel?.load ?? null) : null,
    brokeAtLoad: brokeLevel?.load ?? null,
    bottleneck,
    signals,
    rules: [
      `knee = the highest load at which ${name} <= ${budget.maxMs} ms held at it and at every lower load` +
        (basis === 'ramp'
          ? ' (per level: median of the per-interval percentiles in the phase)'
          : ' (per run: the whole run)'),
      ...saturationRules(options),
    ],
    sentences,
  };
}
