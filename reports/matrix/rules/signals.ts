import type { RunResult, TimeSeries } from '../../../contracts/run-result.ts';
import { seriesFor } from '../../../contracts/series.ts';
import { budgetFromScenario, DEFAULT_LATENCY_BUDGET } from '../../analysis/knee.ts';
import { counted, isUsable, ms, noData, verdictSkeleton } from '../figures.ts';
import type { MatrixVerdict, VariantOutcome, VerdictColumn, VerdictRule } from '../types.ts';

/** How a metric's baseline is taken and what counts as moving past it. */
export const SIGNAL_DETECTION = {
  /** The baseline is the first this share of the run (or up to the break, whichever is earlier). */
  baselineShare: 0.2,
  /** Moving = beyond the baseline mean by this many baseline standard deviations... */
  sigmas: 3,
  /** ...and by at least this share of the baseline's largest magnitude (flat baselines have sd 0). */
  minRelativeChange: 0.1,
  /** Intervals in a row above the budget that count as "the budget broke". */
  breakIntervals: 2,
} as const;

export const SIGNALS_RULE =
  `the budget broke at the first of ${SIGNAL_DETECTION.breakIntervals} intervals in a row whose p95 reply latency ` +
  "exceeded the scenario's latency budget; each metric's baseline is its samples in the first " +
  `${SIGNAL_DETECTION.baselineShare * 100}% of the run (before the break); a metric moved at its first sample ` +
  `more than ${SIGNAL_DETECTION.sigmas} baseline standard deviations and ${SIGNAL_DETECTION.minRelativeChange * 100}% ` +
  'away from its baseline mean; lead time = break time - move time. Metrics are ranked by lead time, largest ' +
  "first; those that moved only after the break, or never, are listed as such. The generator's own series " +
  '(latency, rates, VUs) are the outcome, not signals, and are left out.';

const COLUMNS: readonly VerdictColumn[] = [
  { key: 'leadMs', label: 'lead time', unit: 'ms' },
  { key: 'movedAtMs', label: 'moved at', unit: 'ms' },
  { key: 'baselineMean', label: 'baseline mean', unit: '' },
  { key: 'valueAtMove', label: 'value when moved', unit: '' },
];

/** One metric's movement relative to the break. */
export interface SignalLead {
  metric: string;
  source: string;
  movedAtMs: number | null;
  leadMs: number | null;
  baselineMean: number;
  valueAtMove: number | null;
}

/** The break time: the first of N intervals in a row above the budget; null when it never broke. */
export function budgetBreakMs(result: RunResult): number | null {
  const budget = budgetFromScenario(result) ?? DEFAULT_LATENCY_BUDGET;
  const points = seriesFor(result, 'replyLatencyP95Ms')[0]?.points ?? [];
  let run = 0;
  for (let i = 0; i < points.length; i++) {
    run = points[i]![1] > budget.maxMs ? run + 1 : 0;
    if (run === SIGNAL_DETECTION.breakIntervals) return points[i - run + 1]![0];
  }
  return null;
}

function leadOf(series: TimeSeries, baselineEndMs: number, breakMs: number): SignalLead | null {
  const baseline = series.points.filter(([t]) => t <= baselineEndMs).map(([, v]) => v);
  if (baseline.length < 2) return null;
  const mean = baseline.reduce((a, b) => a + b, 0) / baseline.length;
  const sd = Math.sqrt(baseline.reduce((a, b) => a + (b - mean) ** 2, 0) / baseline.length);
  const scale = Math.max(...baseline.map(Math.abs), Math.abs(mean), 1e-9);
  const threshold = Math.max(SIGNAL_DETECTION.sigmas * sd, SIGNAL_DETECTION.minRelativeChange * scale);
  const moved = series.points.find(([t, v]) => t > baselineEndMs && Math.abs(v - mean) > threshold);
  return {
    metric: series.name,
    source: series.source,
    movedAtMs: moved?.[0] ?? null,
    leadMs: moved === undefined ? null : breakMs - moved[0],
    baselineMean: mean,
    valueAtMove: moved?.[1] ?? null,
  };
}

/**
 * Lead time of every non-generator metric before the budget broke, largest first (null leads last).
 *
 * @example
 * signalLeads(result, budgetBreakMs(result)!)[0] // { metric: 'bot_db_pool_waiting_clients', leadMs: 42000, ... }
 */
export function signalLeads(result: RunResult, breakMs: number): SignalLead[] {
  const baselineEndMs = Math.min(result.durationSimulatedS * 1000 * SIGNAL_DETECTION.baselineShare, breakMs);
  return result.timeSeries
    .filter((s) => s.source !== 'loadgen')
    .flatMap((s) => leadOf(s, baselineEndMs, breakMs) ?? [])
    .sort((a, b) => (b.leadMs ?? Number.NEGATIVE_INFINITY) - (a.leadMs ?? Number.NEGATIVE_INFINITY));
}

const label = (l: SignalLead) => `${l.metric} (${l.source})`;

/**
 * The signals verdict: which metrics moved before the latency budget broke, and by how much lead time.
 *
 * @example
 * signalsRule.decide(outcomes, question).answer
 * // '3 metrics moved before the budget broke at 2.5 min; first: bot_db_pool_waiting_clients (bot-1), 40 s ahead.'
 */
export const signalsRule: VerdictRule = {
  rule: SIGNALS_RULE,
  decidingFigure: { column: 'leadMs', better: 'higher' },
  decide(outcomes: readonly VariantOutcome[], question: string): MatrixVerdict {
    const usable = outcomes.filter(isUsable);
    const run = usable[0];
    const breakMs = run === undefined ? null : budgetBreakMs(run.result);
    const leads = run === undefined || breakMs === null ? [] : signalLeads(run.result, breakMs);
    const base = verdictSkeleton('signals', question, SIGNALS_RULE, outcomes, COLUMNS, () => ({
      leadMs: null,
      movedAtMs: null,
      baselineMean: null,
      valueAtMove: null,
    }));
    // One run, many metrics: the table has a row per metric rather than per variant.
    const v: MatrixVerdict = {
      ...base,
      rows: [
        ...base.rows.filter((r) => r.status === 'failed'),
        ...leads.map((l) => ({
          variant: label(l),
          status: 'ok' as const,
          error: null,
          values: {
            leadMs: l.leadMs,
            movedAtMs: l.movedAtMs,
            baselineMean: l.baselineMean,
            valueAtMove: l.valueAtMove,
          },
        })),
      ],
    };
    if (run === undefined) return noData(v, 'the ramp did not complete');
    if (breakMs === null) {
      return noData(
        v,
        `the latency budget never broke in the ramp (up to ${run.result.load.maxVus} VUs), so no metric can lead a break`,
        "A ramp that goes past this machine's knee (more users, or a higher time scale) breaks the budget and gives the metrics a break to lead.",
      );
    }
    const ahead = leads.filter((l) => l.leadMs !== null && l.leadMs > 0);
    const late = leads.filter((l) => l.leadMs !== null && l.leadMs <= 0);
    const never = leads.filter((l) => l.leadMs === null);
    for (const l of ahead) {
      v.sentences.push(
        `${label(l)} moved ${ms(l.leadMs)} before the break (at ${ms(l.movedAtMs)}, baseline ${l.baselineMean.toPrecision(3)} -> ${l.valueAtMove?.toPrecision(3)}).`,
      );
    }
    if (late.length > 0) v.sentences.push(`Moved only at or after the break: ${late.map(label).join(', ')}.`);
    if (never.length > 0) v.sentences.push(`Never moved past their baseline: ${never.map(label).join(', ')}.`);
    const first = ahead[0];
    return {
      ...v,
      status: 'answered',
      answer:
        first === undefined
          ? `No metric moved before the budget broke at ${ms(breakMs)}: none of them would have warned.`
          : `${counted(ahead.length, 'metric')} moved before the budget broke at ${ms(breakMs)}; first: ${label(first)}, ${ms(first.leadMs)} ahead.`,
      recommendation:
        first === undefined
          ? 'Alert on reply latency itself: no metric moved before the latency budget broke, so none would have warned earlier.'
          : `Alert on ${label(first)}: it moved ${ms(first.leadMs)} before the latency budget broke${ahead[1] === undefined ? '' : `, ahead of ${label(ahead[1])} (${ms(ahead[1].leadMs)})`}.`,
      figure:
        ahead
          .slice(0, 3)
          .map((l) => `${label(l)} ${ms(l.leadMs)}`)
          .join('; ') || 'no lead',
      changesIf:
        'The ranking is for this bottleneck on this machine: a different first bottleneck (more instances, a ' +
        `bigger pool, another Claude tier) moves other metrics first. ${never.length === 0 ? 'Every metric moved here.' : `${counted(never.length, 'metric')} never moved here.`}`,
      winner: first === undefined ? null : label(first),
    };
  },
};
