/**
 * k6 threshold syntax: a metric (optionally with tags, `reply_latency{action:question}`) and a list of
 * expressions `aggregation operator number`, e.g. `p(95)<3000`, `rate<0.01`, `count==0`.
 */

/** A threshold is malformed or names a metric/aggregation botcap does not know. Never a silent pass. */
export class ThresholdError extends Error {
  override name = 'ThresholdError';
}

export const AGGREGATIONS = ['avg', 'min', 'max', 'med', 'p', 'count', 'rate', 'value'] as const;
export type Aggregation = (typeof AGGREGATIONS)[number];
export const OPERATORS = ['<=', '>=', '===', '==', '!=', '<', '>'] as const;
export type Operator = (typeof OPERATORS)[number];

export interface ThresholdExpression {
  /** As written, e.g. `p(95)<3000`. */
  source: string;
  aggregation: Aggregation;
  /** For `p(N)`: N in (0, 100]. */
  percentile?: number;
  operator: Operator;
  limit: number;
}

export interface MetricKey {
  /** As written, e.g. `reply_latency{action:question}`. */
  source: string;
  name: string;
  tags: Record<string, string>;
}

const EXAMPLES =
  "e.g. 'p(95)<3000', 'p(99.9)<=5000', 'avg<200', 'med<800', 'max<10000', 'count==0', 'rate<0.01', 'value>0'";
const EXPRESSION = /^\s*([a-z]+)(?:\(\s*([^)]*)\s*\))?\s*(<=|>=|===|==|!=|<|>)?\s*(.*?)\s*$/;

/**
 * Parses one k6 threshold expression; throws ThresholdError saying what is wrong and showing a right one.
 *
 * @example
 * parseThresholdExpression('p(95)<3000') // { aggregation: 'p', percentile: 95, operator: '<', limit: 3000, ... }
 */
export function parseThresholdExpression(text: string, metric = '(metric)'): ThresholdExpression {
  const fail = (what: string): never => {
    throw new ThresholdError(
      `bad threshold '${text}' for ${metric}: ${what}; write 'aggregation operator number', ${EXAMPLES}`,
    );
  };
  const match = EXPRESSION.exec(text);
  if (match === null || text.trim() === '') return fail('it is empty or not an expression');
  const [, name, argument, operator, limitText] = match as unknown as [
    string,
    string,
    string | undefined,
    string | undefined,
    string,
  ];
  if (!(AGGREGATIONS as readonly string[]).includes(name)) {
    return fail(`'${name}' is not an aggregation (known: avg, min, max, med, p(N), count, rate, value)`);
  }
  const aggregation = name as Aggregation;
  let percentile: number | undefined;
  if (aggregation === 'p') {
    if (argument === undefined) return fail("a percentile needs its value in parentheses, like 'p(95)'");
    percentile = Number(argument);
    if (argument.trim() === '' || !Number.isFinite(percentile) || percentile <= 0 || percentile > 100) {
      return fail(`the percentile '${argument}' must be a number in (0, 100]`);
    }
  } else if (argument !== undefined) {
    return fail(`'${aggregation}' takes no argument`);
  }
  if (operator === undefined) return fail('there is no comparison operator (<, <=, >, >=, ==, ===, !=)');
  const limit = Number(limitText);
  if (limitText === '' || !Number.isFinite(limit)) return fail(`'${limitText}' is not a number`);
  return {
    source: text.trim(),
    aggregation,
    ...(percentile === undefined ? {} : { percentile }),
    operator: operator as Operator,
    limit,
  };
}

/**
 * Parses a metric key with optional k6-style tags.
 *
 * @example
 * parseMetricKey('reply_latency{action:question}') // { name: 'reply_latency', tags: { action: 'question' } }
 */
export function parseMetricKey(text: string): MetricKey {
  const match = /^\s*([a-z][a-z0-9_]*)\s*(?:\{([^}]*)\})?\s*$/.exec(text);
  if (match === null) {
    throw new ThresholdError(
      `bad metric '${text}': write a metric name in snake_case, optionally with tags, e.g. 'reply_latency' or 'reply_latency{action:question}'`,
    );
  }
  const tags: Record<string, string> = {};
  for (const pair of (match[2] ?? '').split(',').filter((p) => p.trim() !== '')) {
    const [key, ...rest] = pair.split(':');
    const value = rest.join(':').trim();
    if (key === undefined || key.trim() === '' || value === '') {
      throw new ThresholdError(
        `bad tag '${pair.trim()}' in '${text}': write tags as {name:value}, e.g. {action:question}`,
      );
    }
    tags[key.trim()] = value;
  }
  return { source: text.trim(), name: match[1]!, tags };
}

/**
 * Splits a CLI threshold `metric:expression` at the first colon outside tag braces.
 *
 * @example
 * splitThresholdFlag('reply_latency{action:question}:p(95)<3000') // ['reply_latency{action:question}', 'p(95)<3000']
 */
export function splitThresholdFlag(flag: string): [string, string] {
  let depth = 0;
  for (let i = 0; i < flag.length; i++) {
    const ch = flag[i];
    if (ch === '{') depth++;
    else if (ch === '}') depth--;
    else if (ch === ':' && depth === 0) return [flag.slice(0, i).trim(), flag.slice(i + 1).trim()];
  }
  throw new ThresholdError(
    `bad --threshold '${flag}': write 'metric:expression', e.g. 'reply_latency:p(95)<3000' or 'lost_updates:count==0'`,
  );
}

/** Metric key -> expressions, as written in a scenario (k6's `thresholds` option) or collected from flags. */
export type ThresholdMap = Record<string, string[]>;

/**
 * Reads a scenario's `thresholds` (k6 shape: metric -> expression | expression[] | {threshold}[]) into a
 * ThresholdMap; throws ThresholdError on anything else. Missing -> {}.
 *
 * @example
 * thresholdsFromScenario(result.scenario.resolved) // { reply_latency: ['p(95)<3000'] }
 */
export function thresholdsFromScenario(resolved: Record<string, unknown>): ThresholdMap {
  const raw = resolved.thresholds;
  if (raw === undefined || raw === null) return {};
  if (typeof raw !== 'object' || Array.isArray(raw)) {
    throw new ThresholdError(
      `scenario thresholds must be an object of metric -> expressions, e.g. { reply_latency: ['p(95)<3000'] }; got ${JSON.stringify(raw)}`,
    );
  }
  const map: ThresholdMap = {};
  for (const [metric, value] of Object.entries(raw as Record<string, unknown>)) {
    const list = Array.isArray(value) ? value : [value];
    map[metric] = list.map((entry) => {
      if (typeof entry === 'string') return entry;
      if (
        entry !== null &&
        typeof entry === 'object' &&
        typeof (entry as { threshold?: unknown }).threshold === 'string'
      ) {
        return (entry as { threshold: string }).threshold;
      }
      throw new ThresholdError(
        `scenario threshold for ${metric} must be a string like 'p(95)<3000'; got ${JSON.stringify(entry)}`,
      );
    });
  }
  return map;
}
