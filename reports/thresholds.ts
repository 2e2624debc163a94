/**
 * Thresholds in k6's vocabulary over RunResult metrics: parse, check against the metric registry, evaluate.
 * `botcap gate` and the reports use this barrel.
 */
export { type CompiledThreshold, compileThresholds, evaluateThresholds, measure } from './thresholds/evaluate.ts';
export {
  AGGREGATIONS,
  type Aggregation,
  type MetricKey,
  OPERATORS,
  type Operator,
  parseMetricKey,
  parseThresholdExpression,
  splitThresholdFlag,
  ThresholdError,
  type ThresholdExpression,
  type ThresholdMap,
  thresholdsFromScenario,
} from './thresholds/parse.ts';
export {
  AGGREGATIONS_BY_KIND,
  METRICS,
  type MetricData,
  type MetricDefinition,
  type MetricKind,
  metricDefinition,
} from './thresholds/registry.ts';
