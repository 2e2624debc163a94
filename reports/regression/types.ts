import type { NoiseJudgement } from './noise.ts';

/** Bump on a breaking change of RegressionReport (it is written as JSON by `botcap report --baseline`). */
export const REGRESSION_REPORT_SCHEMA_VERSION = 1;

/**
 * What happened to one compared figure:
 * - `regressed`: it moved past its allowance in its worse direction, and past the noise (or the noise is unknown);
 * - `within-noise`: it moved past its allowance, but no further than runs of the same code vary: not a regression;
 * - `ok`: within its allowance;
 * - `improved`: it moved in its better direction by more than the noise (or, noise unknown, by more than the allowance);
 * - `no-data`: a side recorded nothing for it; like a budget with no data, this fails.
 */
export type FigureStatus = 'regressed' | 'within-noise' | 'ok' | 'improved' | 'no-data';

/** Statuses that fail the gate. */
export const FAILING_STATUSES: readonly FigureStatus[] = ['regressed', 'no-data'];

export interface FigureComparison {
  /** The `--max-regression` as written, e.g. `reply_latency:p(95)+10%`. */
  check: string;
  /** `reply_latency p(95)`. */
  label: string;
  /** The metric key, with tags, e.g. `reply_latency{action:question}`. */
  metric: string;
  /** The metric's unit from the registry: `ms`, `updates`, `USD`, `fraction`, ... */
  unit: string;
  worse: 'increase' | 'decrease';
  /** The allowance as written: `+10%`, `+0`, `-5%`. */
  allowance: string;
  /** The baseline's figure (pooled over its runs), null when it recorded nothing. */
  baseline: number | null;
  candidate: number | null;
  /** Each run's own figure, per side (the noise is judged on these). */
  baselineRuns: (number | null)[];
  candidateRuns: (number | null)[];
  /** candidate - baseline, in the unit. */
  changeAbsolute: number | null;
  /** candidate / baseline - 1; null when the baseline is 0 or missing. */
  changeRelative: number | null;
  noise: NoiseJudgement;
  status: FigureStatus;
  /** One sentence: why this status. */
  explanation: string;
}

/** A candidate budget (k6 threshold), checked on every candidate run. */
export interface BudgetOutcome {
  metric: string;
  expression: string;
  /** The metric's unit from the registry. */
  unit: string;
  /** The measured value in each candidate run, in run order. */
  values: (number | null)[];
  /** Passed in every candidate run. */
  passed: boolean;
}

/** One side of the comparison, as the reports describe it. */
export interface RunSetSummary {
  label: string;
  files: string[];
  runs: number;
  seeds: number[];
  /** Distinct git commits the runs were made from, when recorded. */
  commits: string[];
  timeScales: number[];
  /** Each run's fidelity status, `unknown` for results written before it was measured. */
  fidelity: ('ok' | 'distorted' | 'unknown')[];
}

/** A distribution to overlay in the HTML report: `[value, percent of samples at or below it]` points per side. */
export interface DistributionOverlay {
  /** The metric key, e.g. `reply_latency`. */
  metric: string;
  unit: string;
  /** The percentiles the compared checks read from it, e.g. [95], to mark on the chart. */
  percentiles: number[];
  baseline: [number, number][];
  candidate: [number, number][];
}

export interface RegressionVerdict {
  status: 'pass' | 'fail';
  /** One sentence for the top of every report. */
  headline: string;
  regressed: number;
  noData: number;
  withinNoise: number;
  improved: number;
  budgetsFailed: number;
}

/** Everything every renderer of a comparison reads; pure data, written as JSON too. */
export interface RegressionReport {
  schemaVersion: typeof REGRESSION_REPORT_SCHEMA_VERSION;
  scenario: string;
  generatedBy: string;
  verdict: RegressionVerdict;
  baseline: RunSetSummary;
  candidate: RunSetSummary;
  /** The confidence a change must reach to count as larger than the noise. */
  confidence: number;
  /** How the noise was judged, in a sentence. */
  method: string;
  figures: FigureComparison[];
  budgets: BudgetOutcome[];
  /** Where the budgets came from: `--threshold` or `scenario <name>`; null when there were none. */
  budgetsFrom: string | null;
  distributions: DistributionOverlay[];
  /** What is allowed but worth saying: missing fidelity verdicts, different time scales or bot settings. */
  notes: string[];
}
