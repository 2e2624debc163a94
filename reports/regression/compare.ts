import { decodeHistogram, mergeHistograms } from '../../contracts/histogram.ts';
import type { RunResult } from '../../contracts/run-result.ts';
import {
  evaluateThresholds,
  type MetricData,
  metricDefinition,
  parseMetricKey,
  type ThresholdMap,
  thresholdsFromScenario,
} from '../../contracts/thresholds/index.ts';
import { type ComparableOptions, checkComparable } from './comparable.ts';
import { metricDataOf, setFigure } from './figures.ts';
import { formatChange, formatNoise } from './format.ts';
import { judgeNoise } from './noise.ts';
import type { RunSet } from './run-set.ts';
import { formatAllowance, REGRESSION_DEFAULTS, type RegressionCheck, regressionChecks } from './spec.ts';
import {
  type BudgetOutcome,
  type DistributionOverlay,
  FAILING_STATUSES,
  type FigureComparison,
  type FigureStatus,
  REGRESSION_REPORT_SCHEMA_VERSION,
  type RegressionReport,
  type RegressionVerdict,
  type RunSetSummary,
} from './types.ts';

export interface FigureOptions {
  /** Confidence a change must reach to count as larger than the run-to-run noise. Default 0.95. */
  confidence?: number;
}

export interface CompareOptions extends ComparableOptions, FigureOptions {
  /** The figures to compare. Default: REGRESSION_DEFAULTS.checks. */
  checks?: readonly RegressionCheck[];
  /**
   * Budgets (k6 thresholds) each candidate run must also meet. Default: the candidate scenario's own
   * thresholds (none is fine: the comparison is the check).
   */
  thresholds?: ThresholdMap;
  /** The botcap version named in the reports. Default: the first candidate's botcapVersion. */
  generatedBy?: string;
}

/** Percentiles a distribution overlay is drawn through (0 = the minimum, 100 = the maximum). */
const OVERLAY_PERCENTILES = [...Array.from({ length: 100 }, (_, i) => i), 99.5, 99.9, 100];

/**
 * Compares a candidate with a baseline: refuses what must not be compared (see checkComparable), then
 * judges each figure against its allowance and the run-to-run noise, checks the candidate's budgets,
 * and returns the document every renderer reads.
 *
 * @example
 * const report = compareWithBaseline(readRunSet('baseline', ['main/']), readRunSet('candidate', ['pr/']), {
 *   checks: regressionChecks(['reply_latency:p(95)+10%']),
 * });
 * report.verdict.status // 'pass' | 'fail'
 */
export function compareWithBaseline(
  baseline: RunSet,
  candidate: RunSet,
  options: CompareOptions = {},
): RegressionReport {
  const notes = checkComparable(baseline, candidate, options);
  const confidence = options.confidence ?? REGRESSION_DEFAULTS.confidence;
  const checks = options.checks ?? regressionChecks([]);
  const figures = checks.map((check) =>
    compareFigure(check, metricDataOf(check, baseline.results), metricDataOf(check, candidate.results), {
      confidence,
    }),
  );
  const scenario = candidate.results[0]!.scenario;
  const thresholds = options.thresholds ?? thresholdsFromScenario(scenario.resolved);
  const budgets = checkBudgets(candidate.results, thresholds);
  const budgetsFrom = budgets.length === 0 ? null : options.thresholds ? '--threshold' : `scenario ${scenario.name}`;
  return {
    schemaVersion: REGRESSION_REPORT_SCHEMA_VERSION,
    scenario: scenario.name,
    generatedBy: options.generatedBy ?? candidate.results[0]!.botcapVersion,
    verdict: verdictOf(figures, budgets, baseline, candidate),
    baseline: summarise(baseline),
    candidate: summarise(candidate),
    confidence,
    method: methodSentence(baseline.results.length, candidate.results.length, confidence),
    figures,
    budgets,
    budgetsFrom,
    distributions: overlays(checks, baseline.results, candidate.results),
    notes,
  };
}

/**
 * Compares one figure: the sides' pooled figures and their change, the noise judged on per-run figures,
 * and a status. A figure regresses when its change passes the allowance in its worse direction (is it big
 * enough to matter?) and, when the noise is known, the one-sided test says the worsening is larger than
 * the noise (is it real?); either alone would flag tiny real changes or large noisy ones. Works on what
 * each run recorded (MetricData), so it is testable on synthetic histograms.
 *
 * @example
 * compareFigure(parseRegressionCheck('reply_latency:p(95)+10%'), baselineData, candidateData).status // 'regressed'
 */
export function compareFigure(
  check: RegressionCheck,
  baselineData: readonly MetricData[],
  candidateData: readonly MetricData[],
  options: FigureOptions = {},
): FigureComparison {
  const { expression, metric, definition } = check.compiled;
  const base = setFigure(expression, baselineData);
  const cand = setFigure(expression, candidateData);
  const shared = {
    check: check.source,
    label: check.label,
    metric: metric.source,
    unit: definition.unit,
    worse: check.worse,
    allowance: formatAllowance(check),
    baseline: base.pooled,
    candidate: cand.pooled,
    baselineRuns: base.perRun,
    candidateRuns: cand.perRun,
  };
  if (base.pooled === null || cand.pooled === null) {
    const missing = [base.pooled === null ? 'baseline' : '', cand.pooled === null ? 'candidate' : ''].filter(Boolean);
    return {
      ...shared,
      changeAbsolute: null,
      changeRelative: null,
      noise: { known: false, reason: 'a side recorded nothing for this figure' },
      status: 'no-data',
      explanation: `The ${missing.join(' and ')} recorded nothing for ${metric.source}: absent evidence is not a pass.`,
    };
  }
  const changeAbsolute = cand.pooled - base.pooled;
  const changeRelative = base.pooled !== 0 ? changeAbsolute / Math.abs(base.pooled) : null;
  const noise = judgeNoise(
    base.perRun.filter((v) => v !== null),
    cand.perRun.filter((v) => v !== null),
    check.worse,
    {
      ...(options.confidence === undefined ? {} : { confidence: options.confidence }),
      logScale: check.allowance.kind === 'relative',
    },
  );
  const figure: FigureComparison = {
    ...shared,
    changeAbsolute,
    changeRelative,
    noise,
    status: 'ok',
    explanation: '',
  };
  const worseBy = movedPast(check, changeAbsolute, changeRelative, 'worse');
  const betterBy = movedPast(check, changeAbsolute, changeRelative, 'better');
  let status: FigureStatus;
  if (worseBy) status = !noise.known || noise.worseBeyondNoise ? 'regressed' : 'within-noise';
  else if (noise.known)
    status =
      noise.betterBeyondNoise && movedPast(check, changeAbsolute, changeRelative, 'better', true) ? 'improved' : 'ok';
  else status = betterBy ? 'improved' : 'ok';
  return { ...figure, status, explanation: explain(figure, status) };
}

/**
 * Whether the change went past the allowance in the `way` asked (`worse`, or `better` by as much). With
 * `anyAmount`, whether it moved that way at all.
 */
function movedPast(
  check: RegressionCheck,
  changeAbsolute: number,
  changeRelative: number | null,
  way: 'worse' | 'better',
  anyAmount = false,
): boolean {
  const towardsWorse = check.worse === 'increase' ? 1 : -1;
  const sign = way === 'worse' ? towardsWorse : -towardsWorse;
  const moved = sign * changeAbsolute;
  if (anyAmount || moved <= 0) return moved > 0;
  if (check.allowance.kind === 'absolute') return moved > check.allowance.amount;
  // From a baseline of 0 any move is an infinite relative change.
  return changeRelative === null || sign * changeRelative > check.allowance.fraction;
}

function explain(figure: FigureComparison, status: FigureStatus): string {
  const change = formatChange(figure);
  const noise = figure.noise;
  switch (status) {
    case 'regressed':
      return noise.known
        ? `${change} is past the allowed ${figure.allowance} and larger than the run-to-run noise: ${formatNoise(figure)}.`
        : `${change} is past the allowed ${figure.allowance}; with one run on each side the noise is unknown, so the allowance alone decides.`;
    case 'within-noise':
      return `${change} is past the allowed ${figure.allowance} but within the run-to-run noise (${formatNoise(figure)}): runs of the same code vary this much; more repetitions would tell.`;
    case 'improved':
      return noise.known
        ? `${change}: better, by more than the run-to-run noise (${formatNoise(figure)}).`
        : `${change}: better by more than ${figure.allowance.replace(/^[+-]/, '')} (one run each side: the noise is unknown).`;
    case 'ok':
      return `${change} is within the allowed ${figure.allowance}.`;
    case 'no-data':
      return figure.explanation;
  }
}

function checkBudgets(candidates: readonly RunResult[], thresholds: ThresholdMap): BudgetOutcome[] {
  if (Object.keys(thresholds).length === 0) return [];
  const perRun = candidates.map((result) => evaluateThresholds(result, thresholds));
  return perRun[0]!.map((first, i) => {
    const outcomes = perRun.map((outcomes) => outcomes[i]!);
    return {
      metric: first.metric,
      expression: first.expression,
      unit: metricDefinition(parseMetricKey(first.metric).name)?.unit ?? '',
      values: outcomes.map((o) => o.value),
      passed: outcomes.every((o) => o.passed),
    };
  });
}

function verdictOf(
  figures: readonly FigureComparison[],
  budgets: readonly BudgetOutcome[],
  baseline: RunSet,
  candidate: RunSet,
): RegressionVerdict {
  const count = (status: FigureStatus) => figures.filter((f) => f.status === status).length;
  const failing = figures.filter((f) => FAILING_STATUSES.includes(f.status));
  const budgetsFailed = budgets.filter((b) => !b.passed);
  const runs = `${baseline.results.length} baseline run${baseline.results.length === 1 ? '' : 's'}, ${candidate.results.length} candidate run${candidate.results.length === 1 ? '' : 's'}`;
  const parts: string[] = [];
  if (failing.length > 0) {
    parts.push(
      `Regression: ${failing
        .slice(0, 3)
        .map((f) =>
          f.status === 'no-data' ? `${f.label} has no data` : `${f.label} ${formatChange(f)} (allowed ${f.allowance})`,
        )
        .join('; ')}${failing.length > 3 ? `; and ${failing.length - 3} more` : ''}`,
    );
  }
  if (budgetsFailed.length > 0) {
    parts.push(
      `${budgetsFailed.length} budget${budgetsFailed.length === 1 ? '' : 's'} failed (${budgetsFailed.map((b) => `${b.metric} ${b.expression}`).join(', ')})`,
    );
  }
  const improved = count('improved');
  const withinNoise = count('within-noise');
  const headline =
    parts.length > 0
      ? `${parts.join('. ')} (${runs}).`
      : `No regression: ${figures.length} figure${figures.length === 1 ? '' : 's'} within ${figures.length === 1 ? 'its allowance' : 'their allowances'}` +
        `${withinNoise > 0 ? ` or the noise (${withinNoise} within noise)` : ''}${improved > 0 ? `, ${improved} improved` : ''}` +
        `${budgets.length > 0 ? `, ${budgets.length} budget${budgets.length === 1 ? '' : 's'} met` : ''} (${runs}).`;
  return {
    status: parts.length > 0 ? 'fail' : 'pass',
    headline,
    regressed: count('regressed'),
    noData: count('no-data'),
    withinNoise,
    improved,
    budgetsFailed: budgetsFailed.length,
  };
}

function methodSentence(baselineRuns: number, candidateRuns: number, confidence: number): string {
  const level = `${Math.round(confidence * 1000) / 10}%`;
  if (baselineRuns < 2 && candidateRuns < 2) {
    return (
      'One run on each side: the run-to-run noise is unknown, so each figure is judged on its allowance alone. ' +
      'Run both sides with --repeat 3 (or more) to measure the noise.'
    );
  }
  const test =
    baselineRuns >= 2 && candidateRuns >= 2
      ? "Welch's t-test on the per-run figures"
      : 'a t prediction interval: the single run against the spread of the repeated side';
  return (
    `A figure regresses when it moves past its allowance and the move is larger than the run-to-run noise at ${level} ` +
    `confidence (${test}; runs are the independent unit, replies within a run are not; latency and cost on the log scale).`
  );
}

function summarise(set: RunSet): RunSetSummary {
  const distinct = <T>(values: readonly T[]) => [...new Set(values)];
  return {
    label: set.label,
    files: set.files,
    runs: set.results.length,
    seeds: set.results.map((r) => r.seed),
    commits: distinct(set.results.flatMap((r) => (r.environment.gitCommit ? [r.environment.gitCommit] : []))),
    timeScales: distinct(set.results.map((r) => r.timeScale)),
    fidelity: set.results.map((r) => r.fidelity?.status ?? 'unknown'),
  };
}

/** Each compared distribution's pooled percentiles per side, once per metric. */
function overlays(
  checks: readonly RegressionCheck[],
  baseline: readonly RunResult[],
  candidate: readonly RunResult[],
): DistributionOverlay[] {
  const byMetric = new Map<string, DistributionOverlay>();
  for (const check of checks) {
    const { definition, metric, expression } = check.compiled;
    if (definition.kind !== 'trend') continue;
    const percentile =
      expression.aggregation === 'p' ? expression.percentile : expression.aggregation === 'med' ? 50 : undefined;
    const existing = byMetric.get(metric.source);
    if (existing) {
      if (percentile !== undefined && !existing.percentiles.includes(percentile)) existing.percentiles.push(percentile);
      continue;
    }
    const curve = (results: readonly RunResult[]): [number, number][] => {
      const recorded = metricDataOf(check, results).flatMap((d) =>
        d.kind === 'trend' && d.histogram !== null && d.histogram.count > 0 ? [d.histogram] : [],
      );
      if (recorded.length === 0) return [];
      const merged = decodeHistogram(mergeHistograms(recorded, recorded[0]!.unit));
      return OVERLAY_PERCENTILES.map((p) => [p === 0 ? merged.minNonZeroValue : merged.getValueAtPercentile(p), p]);
    };
    byMetric.set(metric.source, {
      metric: metric.source,
      unit: definition.unit,
      percentiles: percentile === undefined ? [] : [percentile],
      baseline: curve(baseline),
      candidate: curve(candidate),
    });
  }
  return [...byMetric.values()];
}
