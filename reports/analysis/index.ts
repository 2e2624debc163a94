/**
 * Capacity analysis over RunResults: plain-data answers (types.ts) for the renderers and `botcap` commands.
 * Pure functions; nothing here formats HTML or reads files (see reports/read.ts).
 */

export {
  detectSaturation,
  type LoadWindow,
  SATURATION_DEFAULTS,
  type SaturationOptions,
  saturationRules,
} from './bottleneck.ts';
export { COMPARISON_RULES, type CompareOptions, compareVariants, comparisonColumns } from './compare.ts';
export {
  burstDrainTimeS,
  erlangB,
  erlangC,
  littlesLaw,
  slotWindowLowerBoundS,
  smallestServersFor,
  TELEGRAM_BROADCAST_MSG_PER_S,
} from './erlang.ts';
export { AnalysisError } from './errors.ts';
export { bucketHistogram, niceEdgesMs, percentileOf, summariseHistogram } from './histogram.ts';
export {
  budgetFromScenario,
  budgetName,
  DEFAULT_LATENCY_BUDGET,
  findKneeAcrossRuns,
  findKneeInRamp,
  type KneeOptions,
  kneeBudget,
} from './knee.ts';
export { PROJECTION_DEFAULTS, type ProjectionOptions, projectToTarget } from './projection.ts';
export { ANALYZE_RUN_DEFAULTS, type AnalyzeRunOptions, analyzeRun, breakerPeriods } from './run.ts';
export { downsample, quantile, summariseSeries } from './series.ts';
export { adviseConcurrency, measuredClaudeRates, SIZING_DEFAULTS, type SizingInput } from './sizing.ts';
export type * from './types.ts';
export { ANALYSIS_SCHEMA_VERSION } from './types.ts';
export { fitUsl, USL_DEFAULTS, USL_MIN_POINTS, uslPointsFromLevels, uslThroughput } from './usl.ts';
