import type { RunResult } from '../../contracts/run-result.ts';
import {
  evaluateThresholds,
  ThresholdError,
  type ThresholdMap,
  thresholdsFromScenario,
} from '../../contracts/thresholds/index.ts';
import { compareVariants } from '../analysis/compare.ts';
import { dayModelOfRun } from '../analysis/day-model.ts';
import { AnalysisError } from '../analysis/errors.ts';
import { findKneeInRamp } from '../analysis/knee.ts';
import { projectToTarget } from '../analysis/projection.ts';
import { analyzeRun } from '../analysis/run.ts';
import { adviseConcurrency, measuredClaudeRates } from '../analysis/sizing.ts';
import type { KneeAnalysis, LatencyBudget, UslFit } from '../analysis/types.ts';
import { fitUsl, USL_MIN_POINTS, uslPointsFromLevels } from '../analysis/usl.ts';
import { computeCost } from '../cost/compute.ts';
import { profileFromRun, type RunProfileOptions } from '../cost/profile.ts';
import type { Infrastructure } from '../data/infrastructure.ts';
import type { Pricing } from '../data/pricing.ts';
import { decideVerdict, REPORT_SCHEMA_VERSION, type ReportDocument, type RunReport, runFacts } from './document.ts';

export interface BuildReportOptions {
  /** Pricing data for the cost section. Default: the shipped pricing file. */
  pricing?: Pricing;
  /** Infrastructure estimates for the cost section. Default: the shipped file. */
  infrastructure?: Infrastructure;
  /** DAU the monthly cost and the projection are for. Default: the run's day model (scenario `dayModel`). */
  dau?: number;
  /** How the cost section turns a run into user-days (see RunProfileOptions). Default: the run is one day of its population. */
  costProfile?: RunProfileOptions;
  /** Report title. Default: the scenario name (and "comparison" for several runs). */
  title?: string;
  /** The botcap version printed in the footer. Default: the first run's botcapVersion. */
  generatedBy?: string;
  /** Latency budget for the knee and the comparison. Default: the analysis' (p95 <= 3000 ms). */
  budget?: LatencyBudget;
  /**
   * Thresholds to check (k6 syntax, metric -> expressions). Default: the outcomes the run recorded, else
   * the scenario's own thresholds evaluated against the result.
   */
  thresholds?: ThresholdMap;
}

/**
 * Analyses one run (capacity report) or several (comparison) into the document every renderer reads.
 *
 * @example
 * const doc = buildReport([readRunResult('out/smoke/result.json')]);
 * writeFileSync('report.html', renderHtml(doc));
 */
export function buildReport(results: readonly RunResult[], options: BuildReportOptions = {}): ReportDocument {
  if (results.length === 0) throw new RangeError('buildReport needs at least one RunResult');
  const kind = results.length === 1 ? 'capacity' : 'comparison';
  // The USL fit answers "how far does this one system scale"; a comparison page does not show it.
  const runs = results.map((result) => buildRunReport(result, options, kind === 'capacity'));
  const comparison =
    kind === 'comparison' ? compareVariants(results, options.budget ? { budget: options.budget } : {}) : null;
  const scenarios = [...new Set(results.map((r) => r.scenario.name))];
  return {
    schemaVersion: REPORT_SCHEMA_VERSION,
    kind,
    title:
      options.title ??
      (kind === 'capacity' ? `Capacity report: ${runTitle(results[0]!)}` : `Comparison: ${scenarios.join(', ')}`),
    generatedBy: options.generatedBy ?? results[0]!.botcapVersion,
    verdict: decideVerdict(runs, comparison),
    runs,
    comparison,
  };
}

function runTitle(result: RunResult): string {
  return result.variant ? `${result.scenario.name} (${result.variant})` : result.scenario.name;
}

function buildRunReport(result: RunResult, options: BuildReportOptions, withUsl: boolean): RunReport {
  const notes: string[] = [];
  // Each analysis needs a certain shape of experiment; when the run does not have it, say so and go on.
  const attempt = <T>(what: string, f: () => T): T | null => {
    try {
      return f();
    } catch (error) {
      if (!(error instanceof AnalysisError || error instanceof ThresholdError)) throw error;
      notes.push(`${what}: ${error.message}`);
      return null;
    }
  };
  const thresholds = options.thresholds
    ? evaluateThresholds(result, options.thresholds)
    : result.thresholds.length > 0
      ? result.thresholds
      : (attempt("The scenario's thresholds", () =>
          evaluateThresholds(result, thresholdsFromScenario(result.scenario.resolved)),
        ) ?? []);
  const levels = result.phases.filter((p) => p.targetVus !== undefined || p.targetRatePerS !== undefined);
  const knee: KneeAnalysis | null =
    levels.length >= 2
      ? attempt('Knee', () => findKneeInRamp(result, options.budget ? { budget: options.budget } : {}))
      : null;
  let usl: UslFit | null = null;
  if (knee && withUsl) {
    const points = uslPointsFromLevels(knee.levels);
    if (points.length >= USL_MIN_POINTS) usl = attempt('USL fit', () => fitUsl(points));
  }
  const rates = measuredClaudeRates(result);
  const sizing =
    rates.serviceTimeS !== null && rates.concurrencyLimit !== null && rates.callsPerS > 0
      ? attempt('Concurrency sizing', () =>
          adviseConcurrency({
            arrivalRatePerS: rates.callsPerS,
            serviceTimeS: rates.serviceTimeS!,
            currentServers: rates.concurrencyLimit!,
          }),
        )
      : null;
  const day = dayModelOfRun(result, options.dau !== undefined ? { dailyActiveUsers: options.dau } : {});
  const cost = computeCost(profileFromRun(result, { dayModel: day, ...options.costProfile }), {
    ...(options.pricing ? { pricing: options.pricing } : {}),
    ...(options.infrastructure ? { infrastructure: options.infrastructure } : {}),
    dau: day.dailyActiveUsers,
    daysPerMonth: day.daysPerMonth,
  });
  return {
    label: result.variant ?? result.scenario.name,
    facts: runFacts(result),
    analysis: analyzeRun(result),
    thresholds,
    knee,
    usl,
    sizing,
    projection: attempt('Projection', () => projectToTarget(result, { dayModel: day })),
    cost,
    notes,
  };
}
