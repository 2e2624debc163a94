import type { RunResult } from '../../contracts/run-result.ts';
import { percentileOf } from './histogram.ts';
import { budgetName, DEFAULT_LATENCY_BUDGET, findKneeInRamp, kneeBudget } from './knee.ts';
import {
  ANALYSIS_SCHEMA_VERSION,
  type Comparison,
  type ComparisonColumn,
  type ComparisonRow,
  type LatencyBudget,
} from './types.ts';

export interface CompareOptions {
  /** Default: the first run's knee budget (kneeBudget), the one its capacity section and a matrix verdict use. */
  budget?: LatencyBudget;
}

type FigureKey =
  | 'kneeLoad'
  | 'latencyAtPeakMs'
  | 'peakLoad'
  | 'latencyP95Ms'
  | 'repliesPerS'
  | 'lostUpdates'
  | 'duplicateReplies'
  | 'outOfOrderReplies'
  | 'fallbackReplies'
  | 'claude429'
  | 'connectionErrors53300'
  | 'digestsMissing'
  | 'digestsDuplicated'
  | 'digestLatenessP95Ms';

/**
 * The columns of the comparison table, each with the direction that counts as best. The two judged on the
 * latency budget name it (metric, percentile, limit), so "held up to" never means two things.
 */
export function comparisonColumns(budget: LatencyBudget): (ComparisonColumn & { key: FigureKey })[] {
  const metric = budget.metric === 'reply_first_latency' ? 'first-output latency' : 'reply latency';
  return [
    { key: 'kneeLoad', label: `held ${budgetName(budget)} up to`, unit: 'VUs', best: 'higher' },
    { key: 'latencyAtPeakMs', label: `p${budget.percentile} ${metric} at highest load`, unit: 'ms', best: 'lower' },
    ...OTHER_COLUMNS,
  ];
}

const OTHER_COLUMNS: readonly (ComparisonColumn & { key: FigureKey })[] = [
  { key: 'peakLoad', label: 'highest load', unit: 'VUs', best: 'higher' },
  { key: 'latencyP95Ms', label: 'p95 reply latency (run)', unit: 'ms', best: 'lower' },
  { key: 'repliesPerS', label: 'throughput', unit: 'replies/s', best: 'higher' },
  { key: 'lostUpdates', label: 'lost updates', unit: 'updates', best: 'lower' },
  { key: 'duplicateReplies', label: 'duplicate replies', unit: 'replies', best: 'lower' },
  { key: 'outOfOrderReplies', label: 'out-of-order replies', unit: 'replies', best: 'lower' },
  { key: 'fallbackReplies', label: 'fallback replies', unit: 'replies', best: 'lower' },
  { key: 'claude429', label: 'Claude 429s', unit: 'responses', best: 'lower' },
  { key: 'connectionErrors53300', label: 'too many clients (53300)', unit: 'errors', best: 'lower' },
  { key: 'digestsMissing', label: 'digests missing', unit: 'digests', best: 'lower' },
  { key: 'digestsDuplicated', label: 'digests duplicated', unit: 'digests', best: 'lower' },
  { key: 'digestLatenessP95Ms', label: 'p95 digest lateness', unit: 'ms', best: 'lower' },
];

/** The comparison rules in words (a variant comparison, not a matrix verdict); `compareVariants` applies them in this order. */
export const COMPARISON_RULES: readonly string[] = [
  'a variant with lost updates, duplicate replies, missing or duplicated digests cannot win (correctness first)',
  'a variant whose latency broke the budget is named with the first load where it broke',
  'among the rest: holding the budget at every load (every level steady) beats breaking it or not settling; then the higher knee; then the lower p95 at the highest load; then the lower p95 digest lateness',
];

type Figures = Record<FigureKey, number | null> & {
  brokeAtLoad: number | null;
  /** Every level was steady and within the budget. */
  heldEveryLevel: boolean;
  /** Levels that never settled (judged neither held nor broken). */
  notSteadyLoads: number[];
  loadUnit: string;
};

function figuresOf(result: RunResult, budget: LatencyBudget): Figures {
  const knee = findKneeInRamp(result, { budget });
  const hasRamp = knee.levels.some((l) => l.latencyMs !== null);
  const histogram = budget.metric === 'reply_first_latency' ? result.latency.replyFirst : result.latency.replyFinal;
  const overall = percentileOf(histogram, budget.percentile);
  const last = hasRamp ? knee.levels.filter((l) => l.latencyMs !== null).at(-1) : undefined;
  const peakLoad = last?.load ?? (result.load.updatesInjected > 0 ? result.load.maxVus : null);
  const latencyAtPeakMs = last?.latencyMs ?? overall;
  // Without a per-interval series the whole run is one level at its peak load.
  const broke = hasRamp ? knee.brokeAtLoad : overall !== null && overall > budget.maxMs ? peakLoad : null;
  const kneeLoad = hasRamp ? knee.kneeLoad : overall === null ? null : broke === null ? peakLoad : null;
  const heldEveryLevel = hasRamp ? knee.heldEveryLevel : overall !== null && broke === null;
  const digests = result.correctness.digests;
  const replies = result.load.updatesInjected - result.correctness.lostUpdates;
  return {
    loadUnit: knee.loadUnit,
    kneeLoad,
    brokeAtLoad: broke,
    heldEveryLevel,
    notSteadyLoads: hasRamp ? knee.notSteadyLoads : [],
    latencyAtPeakMs,
    peakLoad,
    latencyP95Ms: percentileOf(result.latency.replyFinal, 95),
    repliesPerS:
      result.load.updatesInjected > 0 && result.durationSimulatedS > 0 ? replies / result.durationSimulatedS : null,
    lostUpdates: result.correctness.lostUpdates,
    duplicateReplies: result.correctness.duplicateReplies,
    outOfOrderReplies: result.correctness.outOfOrderReplies,
    fallbackReplies: result.correctness.fallbackReplies,
    claude429: result.claude.statusCounts['429'] ?? 0,
    connectionErrors53300: result.database.connectionErrors53300,
    digestsMissing: digests.expected > 0 ? digests.missing : null,
    digestsDuplicated: digests.expected > 0 ? digests.duplicated : null,
    digestLatenessP95Ms: digests.expected > 0 ? percentileOf(digests.lateness, 95) : null,
  };
}

function fmtMs(ms: number | null): string {
  if (ms === null) return 'n/a';
  return ms >= 1000 ? `${(ms / 1000).toFixed(1)} s` : `${Math.round(ms)} ms`;
}

function correctnessFaults(f: Figures): string[] {
  const faults: string[] = [];
  const add = (key: FigureKey, what: string) => {
    const v = f[key];
    if (v !== null && v > 0) faults.push(`${v} ${what}`);
  };
  add('lostUpdates', 'lost updates');
  add('duplicateReplies', 'duplicate replies');
  add('digestsMissing', 'missing digests');
  add('digestsDuplicated', 'duplicated digests');
  return faults;
}

/** Sort key: lower is better, nulls last. */
function rank(f: Figures): number[] {
  const nullLast = (v: number | null, sign: 1 | -1) => (v === null ? Number.POSITIVE_INFINITY : sign * v);
  return [
    f.heldEveryLevel ? 0 : 1,
    nullLast(f.kneeLoad, -1),
    nullLast(f.latencyAtPeakMs, 1),
    nullLast(f.digestLatenessP95Ms, 1),
  ];
}

function compareRanks(a: number[], b: number[]): number {
  for (let i = 0; i < a.length; i++) if (a[i] !== b[i]) return a[i]! < b[i]! ? -1 : 1;
  return 0;
}

/**
 * Compares variants of one scenario: a table of key figures with the best marked per column, and
 * verdict sentences produced by COMPARISON_RULES from the numbers (never hand-written).
 *
 * @example
 * compareVariants([pollingX1, webhookX1, webhookX3]).verdicts
 * // ["webhook x3 held p95 1.6 s at 500 VUs.", "polling x1 broke the budget at 160 VUs ...", ...]
 */
export function compareVariants(results: readonly RunResult[], options: CompareOptions = {}): Comparison {
  const first = results[0];
  const budget = options.budget ?? (first === undefined ? DEFAULT_LATENCY_BUDGET : kneeBudget(first));
  const variants = results.map((r, i) => ({
    name: r.variant ?? `${r.scenario.name} #${i + 1}`,
    f: figuresOf(r, budget),
  }));
  const columns = comparisonColumns(budget).filter((c) => variants.some((v) => v.f[c.key] !== null));
  const rows: ComparisonRow[] = variants.map((v) => ({
    variant: v.name,
    values: Object.fromEntries(columns.map((c) => [c.key, v.f[c.key]])),
    bestIn: [],
  }));
  for (const column of columns) {
    const values = rows.map((r) => r.values[column.key]).filter((v): v is number => v !== null && v !== undefined);
    if (values.length < 2) continue;
    const best = column.best === 'lower' ? Math.min(...values) : Math.max(...values);
    // A column where every variant ties says nothing: mark nobody.
    if (values.every((v) => v === best)) continue;
    for (const row of rows) if (row.values[column.key] === best) row.bestIn.push(column.key);
  }

  const p = `p${budget.percentile}`;
  const verdicts: string[] = [];
  for (const v of variants) {
    const unit = v.f.loadUnit;
    if (v.f.brokeAtLoad !== null) {
      const held = v.f.kneeLoad === null ? 'it broke at its lowest load' : `it held up to ${v.f.kneeLoad} ${unit}`;
      verdicts.push(`${v.name} broke ${budgetName(budget)} at ${v.f.brokeAtLoad} ${unit}; ${held}.`);
    } else if (v.f.heldEveryLevel && v.f.latencyAtPeakMs !== null && v.f.peakLoad !== null) {
      verdicts.push(`${v.name} held ${p} ${fmtMs(v.f.latencyAtPeakMs)} at ${v.f.peakLoad} ${unit}.`);
    }
    if (v.f.notSteadyLoads.length > 0) {
      const held = v.f.kneeLoad === null ? 'no level held before them' : `it held up to ${v.f.kneeLoad} ${unit}`;
      verdicts.push(
        `${v.name} never settled at ${v.f.notSteadyLoads.join(', ')} ${unit} (judged neither held nor broken); ${held}.`,
      );
    }
    const faults = correctnessFaults(v.f);
    if (faults.length > 0) verdicts.push(`${v.name} is disqualified: ${faults.join(', ')}.`);
  }
  const qualified = variants.filter((v) => correctnessFaults(v.f).length === 0);
  const ordered = [...qualified].sort((a, b) => compareRanks(rank(a.f), rank(b.f)));
  const winner = ordered[0] ?? null;
  if (winner === null) {
    verdicts.push('No variant wins: every one lost, duplicated or missed something.');
  } else {
    const why: string[] = ['zero lost or duplicated updates and digests'];
    if (winner.f.heldEveryLevel && winner.f.latencyAtPeakMs !== null) {
      why.push(
        `held ${budgetName(budget)} at every load (${p} ${fmtMs(winner.f.latencyAtPeakMs)} at ${winner.f.peakLoad} ${winner.f.loadUnit})`,
      );
    } else if (winner.f.kneeLoad !== null) {
      why.push(`the highest knee among the rest (${winner.f.kneeLoad} ${winner.f.loadUnit})`);
    }
    if (winner.f.digestLatenessP95Ms !== null) why.push(`p95 digest lateness ${fmtMs(winner.f.digestLatenessP95Ms)}`);
    verdicts.push(`${winner.name} wins: ${why.join('; ')}.`);
  }
  return {
    schemaVersion: ANALYSIS_SCHEMA_VERSION,
    scenario: results[0]?.scenario.name ?? '',
    budget,
    columns,
    rows,
    winner: winner?.name ?? null,
    rules: [...COMPARISON_RULES],
    verdicts,
  };
}
