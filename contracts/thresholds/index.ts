/**
 * Thresholds in k6's vocabulary over RunResult metrics: parse, check against the metric registry, evaluate.
 * One contract for `botcap gate`, the orchestrator (a run judges itself), scenario validation and the reports.
 */
export { type CompiledThreshold, compileThresholds, evaluateThresholds, measure } from './evaluate.ts';
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
} from './parse.ts';
export {
  AGGREGATIONS_BY_KIND,
  METRICS,
  type MetricData,
  type MetricDefinition,
  type MetricKind,
  metricDefinition,
} from './registry.ts';
