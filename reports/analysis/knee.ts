import type { EncodedHistogram, PhaseLatency, RunResult } from '../../contracts/run-result.ts';
import { type SeriesKey, seriesFor, seriesName } from '../../contracts/series.ts';
import { parseThresholdExpression, ThresholdError, thresholdsFromScenario } from '../../contracts/thresholds/parse.ts';
import { detectSaturation, type LoadWindow, type SaturationOptions, saturationRules } from './bottleneck.ts';
import { dayModelOfRun, meanThinkTimeS } from './day-model.ts';
import { bucketHistogram, percentileOf } from './histogram.ts';
import { percentileInterval } from './quantile-interval.ts';
import { quantile } from './series.ts';
import {
  isOverloaded,
  levelSteadiness,
  type Point,
  type Steadiness,
  type SteadyOptions,
  steadinessRule,
  steadinessText,
} from './steady.ts';
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
  /** Default: the run's knee budget (kneeBudget: its first-output budget, else its reply budget, else the default). */
  budget?: LatencyBudget;
  /** When a ramp's level counts as steady. Default: STEADY_DEFAULTS. */
  steady?: SteadyOptions;
}

/** Queues whose growth through a level means it never settled (steady.ts). */
const QUEUE_SERIES: readonly SeriesKey[] = ['telegramPendingUpdates', 'bulkheadQueue', 'pgPoolWaiting'];

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

/**
 * The budget a run's knee is judged on, and the one every knee of a report reads (the capacity section, the
 * comparison table, a matrix verdict), so no two tables show different knees of one run under one label:
 * the scenario's first-output budget (`reply_first_latency`) when it states one - a scenario states it to
 * judge the bot's own delivery without the LLM's generation time, as the transport matrix does - else its
 * `reply_latency` budget, else DEFAULT_LATENCY_BUDGET.
 *
 * @example
 * kneeBudget(transportRun) // { percentile: 95, maxMs: 3000, metric: 'reply_first_latency' }
 */
export function kneeBudget(result: RunResult): LatencyBudget {
  return budgetFromScenario(result, 'reply_first_latency') ?? budgetFromScenario(result) ?? DEFAULT_LATENCY_BUDGET;
}

const LATENCY_SERIES: Record<LatencyMetric, Record<LatencyBudget['percentile'], SeriesKey | null>> = {
  reply_latency: { 50: 'replyLatencyP50Ms', 90: null, 95: 'replyLatencyP95Ms', 99: 'replyLatencyP99Ms' },
  reply_first_latency: { 50: 'replyFirstP50Ms', 90: null, 95: 'replyFirstP95Ms', 99: 'replyFirstP99Ms' },
};

/**
 * The budget a knee was judged on, in words: metric, percentile and limit, so every "held up to" can say
 * what it held.
 *
 * @example
 * budgetName({ percentile: 95, maxMs: 3000, metric: 'reply_first_latency' }) // 'p95 first-output latency <= 3000 ms'
 */
export function budgetName(budget: LatencyBudget): string {
  return `p${budget.percentile} ${budget.metric === 'reply_first_latency' ? 'first-output' : 'reply'} latency <= ${budget.maxMs} ms`;
}

function isOpenModel(result: RunResult): boolean {
  return result.load.model.endsWith('arrival-rate');
}

function fmtMs(ms: number | null): string {
  return ms === null ? 'no data' : `${Math.round(ms)} ms`;
}

/** The series points in (fromMs, toMs]: latency points are stamped at the end of their interval. */
function pointsIn(points: readonly Point[] | undefined, fromMs: number, toMs: number): Point[] {
  return (points ?? []).filter(([t]) => t > fromMs && t <= toMs);
}

type Phase = RunResult['phases'][number];

/** The budget's histogram of a phase's (or a half's) replies. */
export function budgetHistogram(latency: PhaseLatency, budget: LatencyBudget): EncodedHistogram {
  return budget.metric === 'reply_first_latency' ? latency.replyFirst : latency.replyFinal;
}

/**
 * The share of a phase's updates with no final reply by the reply deadline: measure.ts records those at the
 * deadline (HDR keeps 3 significant digits, so anything within 0.1% of it counts). A first-output budget reads
 * the first visible output, often a typing indicator sent before any work, so without this a level could
 * hold it while its answers never came (polling x1 at 500 users in the transport matrix: first output p95
 * 78 ms with 8% of its updates unanswered behind a full Claude queue).
 */
function unansweredShare(phase: Phase, deadlineMs: number | undefined): number | undefined {
  const replies = phase.latency?.replyFinal;
  if (deadlineMs === undefined || replies === undefined || replies.count === 0) return undefined;
  const [, atDeadline] = bucketHistogram(replies, [0, deadlineMs * 0.999]);
  return (atDeadline?.count ?? 0) / replies.count;
}

/** The run's reply deadline (ms) from its resolved scenario; undefined when it does not state one. */
function replyDeadlineMs(result: RunResult): number | undefined {
  const replies = result.scenario.resolved.replies as { deadline?: unknown } | undefined;
  return typeof replies?.deadline === 'number' ? replies.deadline : undefined;
}

/**
 * A level's latency: the budget's percentile over the replies to the updates sent in the phase when the run
 * recorded them (every reply counts once, however few arrive per interval), else the median of the
 * per-interval percentile points inside it (results written before phases carried their replies).
 */
function levelLatencyMs(phase: Phase, latencyPoints: readonly Point[], budget: LatencyBudget): number | null {
  if (phase.latency !== undefined) return percentileOf(budgetHistogram(phase.latency, budget), budget.percentile);
  return quantile(
    latencyPoints.map(([, v]) => v),
    0.5,
  );
}

/**
 * Whether one level (a phase) settled: its hold against the user cycle (think time + the level's median
 * reply time; an open model has no think time), its latency halves and its queues.
 */
function phaseSteadiness(
  result: RunResult,
  phase: Phase,
  latencyPoints: readonly Point[],
  budget: LatencyBudget,
  thinkMs: number,
  options: SteadyOptions,
): Steadiness {
  const replyMedian =
    phase.latency !== undefined
      ? percentileOf(phase.latency.replyFinal, 50)
      : quantile(
          pointsIn(seriesFor(result, 'replyLatencyP50Ms')[0]?.points, phase.startMs, phase.endMs).map(([, v]) => v),
          0.5,
        );
  const halves = phase.latency?.halves.map((half) => {
    const histogram = budgetHistogram(half, budget);
    return {
      latencyMs: percentileOf(histogram, budget.percentile),
      interval: percentileInterval(histogram, budget.percentile),
    };
  });
  const queues = new Map<string, Point[]>();
  // Gauges are sampled at their timestamp, so a level's are [start, end), as in bottleneck.ts.
  for (const key of QUEUE_SERIES)
    for (const series of seriesFor(result, key))
      queues.set(
        `${series.name}@${series.source}`,
        series.points.filter(([t]) => t >= phase.startMs && t < phase.endMs),
      );
  return levelSteadiness(
    {
      fromMs: phase.startMs,
      toMs: phase.endMs,
      latency: latencyPoints,
      ...(halves === undefined ? {} : { halves: [halves[0]!, halves[1]!] as const }),
      queues,
      budgetMs: budget.maxMs,
      cycleMs:
        thinkMs +
        (replyMedian ??
          quantile(
            latencyPoints.map(([, v]) => v),
            0.5,
          ) ??
          0),
    },
    options,
  );
}

/**
 * The knee within one ramp run: each phase with a target load is a level (of phases with the same target,
 * the last: a staircase's hold, not its ramp); its latency is the budget's percentile over the replies to the
 * updates sent in it (older results without per-phase replies: the median of the per-interval
 * `reply_latency_pXX_ms` points inside it). A level is judged only when it was
 * steady (steady.ts: held for enough user cycles, its halves agree, no queue grew); one that never settled
 * is "not steady", neither held nor broken, unless it was overloaded (steady.ts: past the budget in its
 * second half while its latency rose, a queue grew, or its first half was past it too), which is broken. A
 * level whose unanswered updates exceed what the percentile leaves out is broken too. The knee is the
 * highest level at which it and every lower level held the budget.
 *
 * @example
 * findKneeInRamp(readRunResult('ramp.json')).kneeLoad // 140
 */
export function findKneeInRamp(result: RunResult, options: KneeOptions = {}): KneeAnalysis {
  const budget = options.budget ?? kneeBudget(result);
  const open = isOpenModel(result);
  const loadUnit = open ? 'updates/s' : 'VUs';
  const latencyKey = LATENCY_SERIES[budget.metric ?? 'reply_latency'][budget.percentile];
  const latency = latencyKey === null ? undefined : seriesFor(result, latencyKey)[0];
  const rate = seriesFor(result, 'repliesPerS')[0];
  // A closed-model user goes round think -> send -> wait for the reply; an open model's arrivals do not think.
  const thinkMs = open ? 0 : meanThinkTimeS(dayModelOfRun(result)) * 1000;
  const windows: Array<LoadWindow & { steady: boolean }> = [];
  const deadlineMs = replyDeadlineMs(result);
  // One level per target load. A staircase has two phases per step with the same target - the ramp to
  // it and the hold at it - and the later one (the hold, with every VU there) is the level: judging both
  // read "held up to 500 VUs, broke at 500 VUs" when the ramp held and the hold did not.
  const byLoad = new Map<number, LoadLevel>();
  for (const phase of result.phases) {
    const load = open ? phase.targetRatePerS : phase.targetVus;
    if (load === undefined) continue;
    const latencyPoints = pointsIn(latency?.points, phase.startMs, phase.endMs);
    const latencyMs = levelLatencyMs(phase, latencyPoints, budget);
    const rates = pointsIn(rate?.points, phase.startMs, phase.endMs).map(([, v]) => v);
    const steadiness = phaseSteadiness(result, phase, latencyPoints, budget, thinkMs, options.steady ?? {});
    const unanswered = unansweredShare(phase, deadlineMs);
    // More unanswered updates than the percentile leaves out: the percentile's answer never came.
    const answered = unanswered === undefined || unanswered <= 1 - budget.percentile / 100;
    byLoad.set(load, {
      load,
      label: phase.name,
      latencyMs,
      throughputPerS: rates.length ? rates.reduce((a, b) => a + b, 0) / rates.length : null,
      status: isOverloaded(steadiness)
        ? 'broke'
        : !steadiness.steady
          ? 'not-steady'
          : latencyMs !== null && latencyMs <= budget.maxMs && answered
            ? 'held'
            : 'broke',
      steadiness,
      ...(unanswered === undefined ? {} : { unansweredShare: unanswered }),
    });
    // An overloaded level is judged (broken), and its busiest resource is the one that ran out.
    const judged = steadiness.steady || isOverloaded(steadiness);
    windows.push({ load, result, fromMs: phase.startMs, toMs: phase.endMs, steady: judged });
  }
  const levels = [...byLoad.values()].sort((a, b) => a.load - b.load);
  // The bottleneck is judged on the levels that settled, like the knee: a level still climbing (a burst of
  // first messages, a queue still filling) would name whatever was busiest during the climb.
  const judged = windows.filter((w) => w.steady).sort((a, b) => a.load - b.load);
  const everyPhaseRecorded = result.phases.every((p) => p.latency !== undefined);
  const missing =
    latency === undefined && !everyPhaseRecorded
      ? `the run has no per-interval ${latencyKey === null ? `p${budget.percentile}` : seriesName(latencyKey)} latency series; the knee needs one`
      : null;
  const levelRule = everyPhaseRecorded
    ? 'per level: the percentile over the replies to every update sent in the phase'
    : 'per level: median of the per-interval percentiles in the phase';
  return assemble(
    'ramp',
    loadUnit,
    budget,
    levels,
    detectSaturation(judged, loadUnit, options),
    options,
    missing,
    levelRule,
  );
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
  const budget = options.budget ?? (first === undefined ? DEFAULT_LATENCY_BUDGET : kneeBudget(first));
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
      status: latencyMs !== null && latencyMs <= budget.maxMs ? 'held' : 'broke',
      // A whole run is one level: its ramps are part of it, so the halves test would always fail.
      steadiness: null,
    };
  });
  const windows = runs.map(({ result, load }) => ({ load, result, fromMs: 0, toMs: Number.POSITIVE_INFINITY }));
  return assemble(
    'runs',
    loadUnit,
    budget,
    levels,
    detectSaturation(windows, loadUnit, options),
    options,
    null,
    'per run: the whole run',
  );
}

/** What else a broken level's figure needs said: its overload, its unanswered updates. */
function whyBroke(l: LoadLevel, budget: LatencyBudget, options: KneeOptions): string[] {
  if (l.status !== 'broke') return [];
  const why: string[] = [];
  if (l.steadiness !== null && isOverloaded(l.steadiness)) why.push(steadinessText(l.steadiness, options.steady));
  if (l.unansweredShare !== undefined && l.unansweredShare > 1 - budget.percentile / 100)
    why.push(`${(l.unansweredShare * 100).toFixed(1)}% of its updates unanswered by the deadline`);
  return why;
}

function assemble(
  basis: KneeAnalysis['basis'],
  loadUnit: KneeAnalysis['loadUnit'],
  budget: LatencyBudget,
  levels: LoadLevel[],
  signals: KneeAnalysis['signals'],
  options: KneeOptions,
  missing: string | null,
  levelRule: string,
): KneeAnalysis {
  // The knee needs every level up to it judged held: a level that never settled ends the run of held ones
  // as surely as a broken one, but it is not a break.
  const firstNotHeld = levels.findIndex((l) => l.status !== 'held');
  const kneeLevel = firstNotHeld === -1 ? levels.at(-1) : levels[firstNotHeld - 1];
  const stopLevel = firstNotHeld === -1 ? undefined : levels[firstNotHeld];
  const brokeLevel = levels.find((l) => l.status === 'broke');
  const notSteady = levels.filter((l) => l.status === 'not-steady');
  const bottleneck = signals[0] ?? null;
  const name = budgetName(budget);
  const at = (l: LoadLevel) =>
    `${l.load} ${loadUnit} (${[fmtMs(l.latencyMs), ...whyBroke(l, budget, options)].join('; ')})`;
  const sentences: string[] = [];
  if (missing !== null) sentences.push(`No knee: ${missing}.`);
  else if (levels.length === 0) sentences.push('No knee: no load levels (phases with a target load) to compare.');
  else if (stopLevel === undefined && kneeLevel !== undefined)
    sentences.push(`${name} held at every load up to ${at(kneeLevel)}; no knee within the tested range.`);
  else if (stopLevel?.status === 'broke')
    sentences.push(
      kneeLevel === undefined
        ? `${name} broke already at the lowest load, ${at(stopLevel)}.`
        : `${name} held up to ${at(kneeLevel)} and broke at ${at(stopLevel)}.`,
    );
  else if (stopLevel !== undefined)
    sentences.push(
      (kneeLevel === undefined
        ? `${name}: the first level, ${stopLevel.load} ${loadUnit}, was not steady, so no level counts as held`
        : `${name} held up to ${at(kneeLevel)}; above it, ${stopLevel.load} ${loadUnit} was not steady, so nothing higher counts as held`) +
        (brokeLevel === undefined ? '.' : `; it broke at ${at(brokeLevel)}.`),
    );
  if (notSteady.length > 0)
    sentences.push(
      `Not steady (judged neither held nor broken): ${notSteady
        .map(
          (l) =>
            `${l.load} ${loadUnit}, ${l.steadiness === null || l.steadiness.steady ? 'unknown' : steadinessText(l.steadiness, options.steady)}`,
        )
        .join('; ')}.`,
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
    notSteadyLoads: notSteady.map((l) => l.load),
    heldEveryLevel: missing === null && levels.length > 0 && firstNotHeld === -1,
    bottleneck,
    signals,
    rules: [
      `knee = the highest load at which ${name} held at it and at every lower load (${levelRule})`,
      ...(basis === 'ramp'
        ? [
            steadinessRule(options.steady),
            `a level also broke when more than ${100 - budget.percentile}% of its updates had no final reply by the deadline (the p${budget.percentile}'s answer never came, whatever the first output)`,
          ]
        : []),
      ...saturationRules(options),
    ],
    sentences,
  };
}
