import type { RunResult } from '../contracts/run-result.ts';
import { percentileOf } from '../reports/analysis/histogram.ts';
import { budgetHistogram, findKneeInRamp, kneeBudget } from '../reports/analysis/knee.ts';
import { type PercentileInterval, percentileInterval } from '../reports/analysis/quantile-interval.ts';
import type { KneeAnalysis, LatencyBudget } from '../reports/analysis/types.ts';
import { escapeMarkdownText } from '../reports/render/escape.ts';
import { mdTable } from '../reports/render/markdown.ts';
import type { ServiceDemands } from './demands.ts';
import { DEMAND_CLASSES } from './intervals.ts';
import { predictRun } from './predict.ts';

/** The issue's goals: knee within 15%, p95 within 25% at every measured level. */
export const VALIDATION_GOALS = { kneeRelativeError: 0.15, p95RelativeError: 0.25 } as const;

/**
 * Simulations pooled into each prediction: one simulated sample of a level with a few dozen replies has a p95
 * as noisy as the measurement's, and a prediction should be the model's figure, not one draw of it.
 */
export const PREDICTION_REPLICATIONS = 5;

/**
 * How a figure compares with its goal, given what the measurement can resolve:
 * - `met` / `missed`: the error is within the goal, or not, and the measurement is tight enough to tell;
 * - `not-judged`: the measured figure rests on so few samples that its 90% interval is wider than the goal,
 *   and the prediction lies inside that interval (consistent with the measurement, not checked to the goal);
 *   a prediction outside it is `missed` whatever the sample size;
 * - `within-resolution`: the figure differs by less than the lab added to the run it was measured in (its
 *   fidelity estimate): below what the measurement can resolve;
 * - `no-data` (a side missing) and `no-goal` (printed for context).
 */
export type Judgement = 'met' | 'missed' | 'not-judged' | 'within-resolution' | 'no-data' | 'no-goal';

/** One figure predicted and measured. */
export interface Comparison {
  what: string;
  predicted: number | null;
  measured: number | null;
  /** predicted / measured - 1; null when either is missing or measured is 0. */
  error: number | null;
  goal: number | null;
  judgement: Judgement;
  /** What the measurement allows: a percentile's 90% interval, a knee's range. */
  measuredRange?: { low: number; high: number | null; basis: string };
}

/** How one run the model was not fitted on compares with its prediction. */
export interface RunValidation {
  label: string;
  /** 'fit' = in-sample (the demands came from it), 'predict' = out of sample. */
  role: 'fit' | 'predict';
  kind: 'knee' | 'burst';
  comparisons: Comparison[];
}

interface CompareOptions {
  /** The measured figure's plausible range (a confidence interval, a knee range). */
  range?: Comparison['measuredRange'];
  /** Differences up to this are below what the measurement resolves (ms figures: the run's lab delay). */
  resolution?: number;
}

export function compareFigure(
  what: string,
  predicted: number | null,
  measured: number | null,
  goal: number | null,
  options: CompareOptions = {},
): Comparison {
  const error = predicted !== null && measured !== null && measured !== 0 ? predicted / measured - 1 : null;
  const base = { what, predicted, measured, error, goal, ...(options.range ? { measuredRange: options.range } : {}) };
  if (predicted === null || measured === null) return { ...base, judgement: 'no-data' };
  if (goal === null) return { ...base, judgement: 'no-goal' };
  if (error !== null && Math.abs(error) <= goal) return { ...base, judgement: 'met' };
  if (predicted === measured) return { ...base, judgement: 'met' };
  if (options.resolution !== undefined && Math.abs(predicted - measured) <= options.resolution)
    return { ...base, judgement: 'within-resolution' };
  const range = options.range;
  if (range !== undefined) {
    const inside = predicted >= range.low && (range.high === null || predicted <= range.high);
    const wider = range.low < measured * (1 - goal) || range.high === null || range.high > measured * (1 + goal);
    if (inside && wider) return { ...base, judgement: 'not-judged' };
  }
  return { ...base, judgement: 'missed' };
}

function intervalRange(interval: PercentileInterval | null): Comparison['measuredRange'] | undefined {
  if (interval === null) return undefined;
  return {
    low: interval.lowMs,
    high: interval.highMs,
    basis: `${Math.round(interval.confidence * 100)}% interval of ${interval.samples} samples`,
  };
}

/**
 * The 90% interval of each measured level's percentile, by load: from the replies of the phase the level was
 * read from; absent for results that did not record them.
 */
function levelIntervals(run: RunResult, knee: KneeAnalysis, budget: LatencyBudget): Map<number, PercentileInterval> {
  const intervals = new Map<number, PercentileInterval>();
  for (const level of knee.levels) {
    const latency = run.phases.findLast((p) => p.name === level.label)?.latency;
    const interval =
      latency === undefined ? null : percentileInterval(budgetHistogram(latency, budget), budget.percentile);
    if (interval !== null) intervals.set(level.load, interval);
  }
  return intervals;
}

/**
 * The knees the measurement allows: each level whose percentile's 90% interval straddles the budget could have
 * held or broken, so the knee lies between the one read with all of them broken and the one with all held.
 */
function kneeRange(
  knee: KneeAnalysis,
  intervals: ReadonlyMap<number, PercentileInterval>,
  budget: LatencyBudget,
): Comparison['measuredRange'] {
  const uncertain = new Set<number>();
  for (const level of knee.levels) {
    const interval = intervals.get(level.load);
    if (level.status === 'not-steady' || interval === undefined) continue;
    const couldHold = interval.lowMs <= budget.maxMs;
    const couldBreak = interval.highMs === null || interval.highMs > budget.maxMs;
    if (couldHold && couldBreak) uncertain.add(level.load);
  }
  const kneeWith = (held: (l: KneeAnalysis['levels'][number]) => boolean) => {
    let last: number | null = null;
    for (const level of knee.levels) {
      if (!held(level)) break;
      last = level.load;
    }
    return last;
  };
  const low = kneeWith((l) => l.status === 'held' && !uncertain.has(l.load)) ?? 0;
  const high = kneeWith((l) => l.status === 'held' || (l.status === 'broke' && uncertain.has(l.load)));
  return { low, high, basis: `${uncertain.size} level(s) whose 90% interval straddles the budget` };
}

/**
 * Predicts `run` with `demands` and compares: for a staircase, the knee (the scenario's budget, by the same
 * rule as every report) and the budget's percentile at every level; for a burst, digest lateness p50/p95 and
 * digests delivered. Each measured percentile carries its 90% interval, and each knee the range its levels'
 * intervals allow, so a figure the measurement cannot resolve to the goal is said to be so, not scored.
 *
 * @example
 * validateRun(demands, webhookX3, 'predict').comparisons[0] // { what: 'knee (VUs)', predicted: 30, measured: 24, ... }
 */
export function validateRun(demands: ServiceDemands, run: RunResult, role: RunValidation['role']): RunValidation {
  const { result: predicted } = predictRun(demands, run, { replications: PREDICTION_REPLICATIONS });
  const label = run.variant ?? run.scenario.name;
  const resolution = run.fidelity?.estimatedDistortionMs;
  const withRange = (interval: PercentileInterval | null): CompareOptions => {
    const range = intervalRange(interval);
    return { ...(range === undefined ? {} : { range }), ...(resolution === undefined ? {} : { resolution }) };
  };
  const staircase =
    run.phases.filter((p) => p.targetVus !== undefined).length >= 3 && run.correctness.digests.expected === 0;
  if (staircase) {
    const budget = kneeBudget(run);
    const m = findKneeInRamp(run, { budget });
    const p = findKneeInRamp(predicted, { budget });
    const intervals = levelIntervals(run, m, budget);
    const name = `p${budget.percentile} ${budget.metric === 'reply_first_latency' ? 'first output' : 'reply'}`;
    const comparisons = [
      compareFigure('knee (VUs)', p.kneeLoad, m.kneeLoad, VALIDATION_GOALS.kneeRelativeError, {
        range: kneeRange(m, intervals, budget),
      }),
    ];
    for (const level of m.levels) {
      const twin = p.levels.find((l) => l.load === level.load);
      const interval = intervals.get(level.load) ?? null;
      comparisons.push(
        compareFigure(
          `${name} at ${level.load} VUs (ms)`,
          twin?.latencyMs ?? null,
          level.latencyMs,
          VALIDATION_GOALS.p95RelativeError,
          withRange(interval),
        ),
      );
    }
    return { label, role, kind: 'knee', comparisons };
  }
  const lateness = (r: RunResult, q: number) => percentileOf(r.correctness.digests.lateness, q);
  return {
    label,
    role,
    kind: 'burst',
    comparisons: [
      compareFigure('digest lateness p50 (ms)', lateness(predicted, 50), lateness(run, 50), null),
      compareFigure(
        'digest lateness p95 (ms)',
        lateness(predicted, 95),
        lateness(run, 95),
        VALIDATION_GOALS.p95RelativeError,
        withRange(percentileInterval(run.correctness.digests.lateness, 95)),
      ),
      compareFigure(
        'digests delivered',
        predicted.correctness.digests.delivered,
        run.correctness.digests.delivered,
        null,
      ),
      compareFigure(
        'reply p95 (ms)',
        percentileOf(predicted.latency.replyFinal, 95),
        percentileOf(run.latency.replyFinal, 95),
        VALIDATION_GOALS.p95RelativeError,
        withRange(percentileInterval(run.latency.replyFinal, 95)),
      ),
    ],
  };
}

export interface ValidationReport {
  demands: ServiceDemands;
  runs: RunValidation[];
  /**
   * How the runs were made (the command, the machine), for the doc's header: Markdown written by the caller
   * (the command in backticks), so it is not escaped.
   */
  provenance: string[];
  /** True while the figures come from a machine that was not quiet: the doc says they await regeneration. */
  provisional: boolean;
}

function cell(value: number | null): string {
  if (value === null) return '—';
  return Math.abs(value) >= 100 ? Math.round(value).toLocaleString('en-US') : String(Math.round(value * 100) / 100);
}

const JUDGEMENT_WORDS: Record<Judgement, string> = {
  met: 'met',
  missed: 'MISSED',
  'not-judged': 'not judged: the measurement is looser than the goal, the prediction inside its range',
  'within-resolution': "within the lab's resolution",
  'no-data': 'no data',
  'no-goal': '—',
};

function rangeCell(range: Comparison['measuredRange']): string {
  if (range === undefined) return '—';
  return `${cell(range.low)}-${range.high === null ? 'unbounded' : cell(range.high)} (${range.basis})`;
}

/**
 * The out-of-sample figures by judgement: how many met, missed, could not be judged for the measurement's own
 * sampling error, or differ by less than the lab's resolution; then the misses by name.
 */
export function missSummary(runs: readonly RunValidation[]): string[] {
  const judged = runs.filter((r) => r.role === 'predict').flatMap((r) => r.comparisons);
  const withGoal = judged.filter((c) => c.judgement !== 'no-goal');
  const count = (j: Judgement) => withGoal.filter((c) => c.judgement === j).length;
  const missed = withGoal.filter((c) => c.judgement === 'missed');
  const lines = [
    `Of ${withGoal.length} out-of-sample figures with a goal: ${count('met')} met it, ${count('missed')} missed it, ` +
      `${count('not-judged')} could not be judged (the measured figure's 90% interval is wider than the goal and ` +
      `holds the prediction), ${count('within-resolution')} differ by less than the lab added to their run, ` +
      `${count('no-data')} have no data.`,
  ];
  if (missed.length > 0) lines.push('', `Missed: ${missed.map((c) => `${c.what} (${pct(c.error)})`).join('; ')}.`);
  if (count('not-judged') > 0)
    lines.push(
      '',
      'A level held for a few user cycles has a few dozen replies, and a p95 of a few dozen replies is',
      'nearly their maximum: its 90% interval spans more than the ±25% goal. Judging those figures to the',
      'goal needs runs with several hundred replies per level (longer holds or more users per instance).',
    );
  return lines;
}

function pct(error: number | null): string {
  return error === null ? '—' : `${error >= 0 ? '+' : ''}${Math.round(error * 100)}%`;
}

/**
 * docs/findings/model-validation.md: the demands fitted, then each run predicted vs measured with the error,
 * the goals, and where the model misses. Generated; nobody edits its figures by hand.
 *
 * @example
 * writeFileSync('docs/findings/model-validation.md', renderValidationMarkdown(report));
 */
export function renderValidationMarkdown(report: ValidationReport): string {
  const d = report.demands;
  const lines: string[] = ['# Model validation: predicted vs measured', ''];
  if (report.provisional) {
    lines.push(
      '> **Figures pending regeneration.** These figures come from a machine shared with other work; the',
      '> coordinator regenerates them on a quiet machine once runs carry a fidelity verdict. Read the method, not',
      '> the numbers.',
      '',
    );
  }
  lines.push(...report.provenance.map((p) => `${p}  `), '');
  lines.push(
    '## Method',
    '',
    'Service demands are fitted on the runs marked *fit* by the utilization law (per-interval regression of each',
    "resource's utilisation on the class throughputs, `model/demands.ts`); every other run is predicted by",
    'the discrete-event model (`model/simulate.ts`) on the same lab host (its cores, its time scale) and',
    'analysed by the same rules as a measurement (the knee of `reports/analysis/knee.ts`, digest lateness',
    `percentiles). A level's latency is the percentile over the replies to every update sent in it, measured`,
    `and predicted alike; a prediction pools ${PREDICTION_REPLICATIONS} seeded simulations, so it is the model's percentile`,
    `rather than one simulated draw. A measured percentile rests on a sample: its distribution-free 90% interval`,
    '(order statistics, `reports/analysis/quantile-interval.ts`) is in the *measured range* column, and a',
    "knee's range is what its levels' intervals allow. A figure whose range is wider than the goal and holds",
    'the prediction is *not judged* (a prediction outside it is missed); one that differs by less than the lab',
    `added to its run (the run's fidelity estimate) is *within the lab's resolution*. Goals: knee within ${VALIDATION_GOALS.kneeRelativeError * 100}%, p95 within ${VALIDATION_GOALS.p95RelativeError * 100}% at every measured level. Runs whose`,
    '`fidelity.status` is not `ok` are left out of the fit.',
    '',
    '## Demands fitted',
    '',
    ...d.sentences.map((s) => `- ${escapeMarkdownText(s)}`),
    ...d.crossChecks.map((s) => `- ${escapeMarkdownText(s)}`),
    '',
    mdTable({
      headers: [
        'class',
        'bot CPU (ms)',
        'Postgres CPU (ms)',
        'connection held (ms)',
        'Claude slot (s)',
        'Bot API calls',
        'generator CPU (ms)',
      ],
      rows: DEMAND_CLASSES.map((c) => {
        const x = d.classes[c];
        const u = d.uncertainty[c];
        const ms = (v: number, se?: number) => `${cell(v * 1000)}${se === undefined ? '' : ` ± ${cell(se * 1000)}`}`;
        return [
          c,
          ms(x.botCpuS, u.botCpuS),
          ms(x.postgresCpuS, u.postgresCpuS),
          ms(x.dbHoldS, u.dbHoldS),
          `${cell(x.claudeSlotS)}${u.claudeSlotS === undefined ? '' : ` ± ${cell(u.claudeSlotS)}`}`,
          cell(x.telegramCalls),
          ms(x.loadgenCpuS, u.loadgenCpuS),
        ];
      }),
      numeric: [1, 2, 3, 4, 5, 6],
    }),
    '',
  );
  for (const run of report.runs) {
    lines.push(
      `## ${escapeMarkdownText(run.label)} (${run.role === 'fit' ? 'fitted on: in-sample' : 'predicted: not fitted on'})`,
      '',
    );
    lines.push(
      mdTable({
        headers: ['figure', 'predicted', 'measured', 'measured range', 'error', 'goal'],
        rows: run.comparisons.map((c) => [
          c.what,
          cell(c.predicted),
          cell(c.measured),
          rangeCell(c.measuredRange),
          pct(c.error),
          c.goal === null ? '—' : `${JUDGEMENT_WORDS[c.judgement]} (±${Math.round(c.goal * 100)}%)`,
        ]),
        numeric: [1, 2, 4],
      }),
      '',
    );
  }
  lines.push('## Where the model misses', '', ...missSummary(report.runs), '');
  lines.push(
    'What the model leaves out, and so where to look first when it misses: per-chat ordering of webhook',
    "deliveries and Telegram's redelivery after a handler timeout (`throw`), GC pauses and the lab processes'",
    'CPU beyond the fitted per-update demands (event-loop lag grows non-linearly near saturation), the fake',
    "Claude's own CPU (inside the generator's), and pooled demands when the fit runs' mix did not vary enough to",
    'separate classes (then a run at another mix is predicted with the average update).',
    '',
  );
  return `${lines.join('\n')}\n`;
}
