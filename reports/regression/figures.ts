import { mergeHistograms } from '../../contracts/histogram.ts';
import type { RunResult } from '../../contracts/run-result.ts';
import { type MetricData, measure, type ThresholdExpression } from '../../contracts/thresholds/index.ts';
import type { RegressionCheck } from './spec.ts';

/** One compared figure of a set of runs: per run, and for the set as a whole. */
export interface SetFigure {
  /**
   * The set's figure. A distribution's is taken from the runs' histograms merged into one (the p95 of
   * every reply of every run: a p95 averaged over runs is not a p95); any other's is the mean over runs.
   */
  pooled: number | null;
  /** Each run's own figure, in run order (null: that run recorded nothing for it). */
  perRun: (number | null)[];
}

/**
 * What a check's metric reads from each run, before aggregation.
 *
 * @example
 * metricDataOf(check, results).length === results.length
 */
export function metricDataOf(check: RegressionCheck, results: readonly RunResult[]): MetricData[] {
  const { definition, metric } = check.compiled;
  return results.map((result) => definition.read(result, metric.tags));
}

/**
 * A figure of a set of runs from what each run recorded, aggregated as the check says.
 *
 * @example
 * setFigure(check.compiled.expression, metricDataOf(check, results)).pooled // p95 of all replies of all runs
 */
export function setFigure(expression: ThresholdExpression, data: readonly MetricData[]): SetFigure {
  const perRun = data.map((d) => measure(d, expression));
  const trends = data.flatMap((d) => (d.kind === 'trend' && d.histogram !== null ? [d.histogram] : []));
  if (data.length > 0 && data.every((d) => d.kind === 'trend')) {
    const recorded = trends.filter((h) => h.count > 0);
    const pooled =
      recorded.length === 0
        ? null
        : measure({ kind: 'trend', histogram: mergeHistograms(recorded, recorded[0]!.unit) }, expression);
    return { pooled, perRun };
  }
  const values = perRun.filter((v) => v !== null);
  return { pooled: values.length === 0 ? null : values.reduce((a, b) => a + b, 0) / values.length, perRun };
}
