import { decodeHistogram } from '../histogram.ts';
import type { RunResult, ThresholdOutcome } from '../run-result.ts';
import {
  type MetricKey,
  parseMetricKey,
  parseThresholdExpression,
  ThresholdError,
  type ThresholdExpression,
  type ThresholdMap,
} from './parse.ts';
import { AGGREGATIONS_BY_KIND, METRICS, type MetricData, type MetricDefinition, metricDefinition } from './registry.ts';

/** One threshold, parsed and checked against the registry. */
export interface CompiledThreshold {
  metric: MetricKey;
  definition: MetricDefinition;
  expression: ThresholdExpression;
}

/** The known metric within edit distance 3 of `name`, for "did you mean". */
function closestMetric(name: string): string | null {
  let best: { name: string; distance: number } | null = null;
  for (const m of METRICS) {
    const d = editDistance(name, m.name);
    if (d <= 3 && (best === null || d < best.distance)) best = { name: m.name, distance: d };
  }
  return best?.name ?? null;
}

function editDistance(a: string, b: string): number {
  let previous = Array.from({ length: b.length + 1 }, (_, j) => j);
  for (let i = 1; i <= a.length; i++) {
    const current = [i];
    for (let j = 1; j <= b.length; j++) {
      current[j] = Math.min(previous[j]! + 1, current[j - 1]! + 1, previous[j - 1]! + (a[i - 1] === b[j - 1] ? 0 : 1));
    }
    previous = current;
  }
  return previous[b.length]!;
}

function aggregationLabel(e: ThresholdExpression): string {
  return e.aggregation === 'p' ? `p(${e.percentile})` : e.aggregation;
}

/**
 * Parses and checks every threshold before any is evaluated: an unknown metric, tag or an aggregation the
 * metric's type does not support throws ThresholdError listing what is known.
 *
 * @example
 * compileThresholds({ reply_latency: ['p(95)<3000'], lost_updates: ['count==0'] })
 */
export function compileThresholds(thresholds: ThresholdMap): CompiledThreshold[] {
  const compiled: CompiledThreshold[] = [];
  for (const [key, expressions] of Object.entries(thresholds)) {
    const metric = parseMetricKey(key);
    const definition = metricDefinition(metric.name);
    if (definition === undefined) {
      const guess = closestMetric(metric.name);
      throw new ThresholdError(
        `unknown metric '${metric.name}'${guess === null ? '' : ` (did you mean '${guess}'?)`}; ` +
          `known metrics: ${METRICS.map((m) => m.name).join(', ')}`,
      );
    }
    for (const tag of Object.keys(metric.tags)) {
      if (!definition.tags.includes(tag)) {
        const known = definition.tags.length ? `it takes ${definition.tags.join(', ')}` : 'it takes no tags';
        throw new ThresholdError(`metric '${metric.name}' has no tag '${tag}'; ${known}`);
      }
    }
    for (const text of expressions) {
      const expression = parseThresholdExpression(text, key);
      const allowed = AGGREGATIONS_BY_KIND[definition.kind];
      if (!allowed.includes(expression.aggregation)) {
        throw new ThresholdError(
          `'${aggregationLabel(expression)}' does not apply to ${metric.name} (a ${definition.kind}); ` +
            `use ${allowed.map((a) => (a === 'p' ? 'p(N)' : a)).join(', ')}`,
        );
      }
      compiled.push({ metric, definition, expression });
    }
  }
  return compiled;
}

/** The aggregated value a threshold compares, or null when the run recorded nothing for it. */
export function measure(data: MetricData, expression: ThresholdExpression): number | null {
  switch (data.kind) {
    case 'trend': {
      if (data.histogram === null || data.histogram.count === 0) return null;
      const h = decodeHistogram(data.histogram);
      if (h.totalCount === 0) return null;
      switch (expression.aggregation) {
        case 'avg':
          return h.mean;
        case 'min':
          return h.minNonZeroValue;
        case 'max':
          return h.maxValue;
        case 'med':
          return h.getValueAtPercentile(50);
        default:
          return h.getValueAtPercentile(expression.percentile ?? 50);
      }
    }
    case 'counter':
      if (expression.aggregation === 'count') return data.count;
      // k6: a counter's rate is per second (here per simulated second).
      return data.durationS > 0 ? data.count / data.durationS : null;
    case 'rate':
      return data.fraction;
    case 'gauge':
      return expression.aggregation === 'min' ? data.min : expression.aggregation === 'max' ? data.max : data.value;
  }
}

function compare(value: number, operator: ThresholdExpression['operator'], limit: number): boolean {
  switch (operator) {
    case '<':
      return value < limit;
    case '<=':
      return value <= limit;
    case '>':
      return value > limit;
    case '>=':
      return value >= limit;
    case '!=':
      return value !== limit;
    default:
      return value === limit;
  }
}

/**
 * Evaluates k6-style thresholds on a RunResult. A threshold with no data (e.g. an empty histogram) fails:
 * absent evidence is not a pass. Throws ThresholdError on bad syntax or an unknown metric.
 *
 * @example
 * evaluateThresholds(result, { reply_latency: ['p(95)<3000'] })
 * // [{ metric: 'reply_latency', expression: 'p(95)<3000', value: 2350, passed: true }]
 */
export function evaluateThresholds(result: RunResult, thresholds: ThresholdMap): ThresholdOutcome[] {
  return compileThresholds(thresholds).map(({ metric, definition, expression }) => {
    const value = measure(definition.read(result, metric.tags), expression);
    return {
      metric: metric.source,
      expression: expression.source,
      value,
      passed: value !== null && compare(value, expression.operator, expression.limit),
    };
  });
}
