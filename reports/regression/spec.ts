import {
  type CompiledThreshold,
  compileThresholds,
  metricDefinition,
  parseMetricKey,
  splitThresholdFlag,
  ThresholdError,
} from '../../contracts/thresholds/index.ts';

/**
 * `--max-regression` in the budgets' vocabulary: a metric (with tags) as a threshold names it, its
 * aggregation, then how far it may move in its bad direction, e.g. `reply_latency:p(95)+10%`,
 * `lost_updates:+0`, `claude_cost_per_1k_updates:+5%`, `digests_delivered:-5%`.
 */
export interface RegressionCheck {
  /** As written, e.g. `reply_latency:p(95)+10%`. */
  source: string;
  /** The metric and aggregation, checked against the threshold registry (the expression's limit is unused). */
  compiled: CompiledThreshold;
  /** `reply_latency p(95)`: the figure's name in every report. */
  label: string;
  /** Which way is worse: `+` = an increase is a regression, `-` = a decrease is. */
  worse: 'increase' | 'decrease';
  /** How far the figure may move in its worse direction before it is a regression. */
  allowance: { kind: 'relative'; fraction: number } | { kind: 'absolute'; amount: number };
}

/**
 * The checks `botcap gate --baseline` makes when no `--max-regression` is given. The median is there
 * because of closed-model scenarios (each user waits for a reply before the next message): a slower bot
 * is sent fewer messages, the mix shifts towards the fast and cheap ones, and its p95 can even fall
 * (in the CI recipe's end-to-end test a planted 3 s delay on every update barely moved smoke's p95),
 * while the median of every reply moves with any slowdown. Absolute, because a fast bot's median is tens of ms, where lab noise is a large share.
 */
export const REGRESSION_DEFAULTS = {
  checks: ['reply_latency:p(95)+10%', 'reply_latency:med+500', 'lost_updates:+0', 'claude_cost_per_1k_updates:+5%'],
  /** Confidence that a change is larger than the run-to-run noise before it counts, with repetitions. */
  confidence: 0.95,
} as const;

const EXAMPLES = "e.g. 'reply_latency:p(95)+10%', 'lost_updates:+0', 'digests_delivered:-5%'";
const ALLOWANCE = /^\s*(?:([a-z]+)(?:\(\s*([^)]*)\s*\))?)?\s*([+-])\s*(\d+(?:\.\d+)?)\s*(%?)\s*$/;

/** The aggregation a metric type is compared by when none is written (a trend must name one). */
const DEFAULT_AGGREGATION = { counter: 'count', rate: 'rate', gauge: 'value' } as const;

/**
 * Parses one `--max-regression` and checks its metric, tags and aggregation against the registry the
 * budgets use; throws ThresholdError saying what is wrong and showing a right one.
 *
 * @example
 * parseRegressionCheck('reply_latency:p(95)+10%')
 * // { label: 'reply_latency p(95)', worse: 'increase', allowance: { kind: 'relative', fraction: 0.1 }, ... }
 */
export function parseRegressionCheck(text: string): RegressionCheck {
  const fail = (what: string): never => {
    throw new ThresholdError(
      `bad --max-regression '${text}': ${what}; write 'metric:aggregation+allowance', ${EXAMPLES}`,
    );
  };
  let metricKey: string;
  let change: string;
  try {
    [metricKey, change] = splitThresholdFlag(text);
  } catch {
    return fail('there is no colon between the metric and the allowed change');
  }
  const match = ALLOWANCE.exec(change);
  if (match === null) return fail(`'${change}' is not an aggregation followed by +N, +N% or -N%`);
  const [, name, argument, sign, amountText, percent] = match as unknown as [
    string,
    string | undefined,
    string | undefined,
    '+' | '-',
    string,
    string,
  ];
  if (name === undefined && argument !== undefined) return fail('an aggregation needs a name, like p(95)');
  const amount = Number(amountText);
  const definition = metricDefinition(parseMetricKey(metricKey).name);
  // An unknown metric: the budgets' compiler says so, with its "did you mean".
  if (definition === undefined) compileThresholds({ [metricKey]: ['count<0'] });
  const kind = definition!.kind;
  let aggregation: string;
  if (name !== undefined) {
    aggregation = argument === undefined ? name : `${name}(${argument.trim()})`;
  } else if (kind === 'trend') {
    return fail(
      `${definition!.name} is a distribution: name the aggregation to compare, e.g. '${metricKey}:p(95)${sign}${amountText}${percent}'`,
    );
  } else {
    aggregation = DEFAULT_AGGREGATION[kind];
  }
  if (name === 'p') {
    const percentile = Number(argument);
    if (argument === undefined || argument.trim() === '' || !(percentile > 0 && percentile <= 100)) {
      return fail(`the percentile '${argument ?? ''}' must be a number in (0, 100]`);
    }
  }
  // The registry decides which tags and aggregations the metric has (the limit of this probe is unused).
  const [compiled] = compileThresholds({ [metricKey]: [`${aggregation}<0`] });
  return {
    source: text.trim(),
    compiled: compiled!,
    // A one-value metric's aggregation goes without saying; a distribution's is part of the figure's name.
    label: name === undefined ? compiled!.metric.source : `${compiled!.metric.source} ${aggregation}`,
    worse: sign === '+' ? 'increase' : 'decrease',
    allowance: percent === '%' ? { kind: 'relative', fraction: amount / 100 } : { kind: 'absolute', amount },
  };
}

/**
 * Parses every `--max-regression`, or the defaults when none is given.
 *
 * @example
 * regressionChecks([]).map((c) => c.source) // REGRESSION_DEFAULTS.checks
 */
export function regressionChecks(flags: readonly string[]): RegressionCheck[] {
  return (flags.length > 0 ? flags : REGRESSION_DEFAULTS.checks).map(parseRegressionCheck);
}

/**
 * The allowance as written: `+10%`, `+0`, `-5%`.
 *
 * @example
 * formatAllowance(parseRegressionCheck('lost_updates:+0')) // '+0'
 */
export function formatAllowance(check: RegressionCheck): string {
  const sign = check.worse === 'increase' ? '+' : '-';
  return check.allowance.kind === 'relative'
    ? `${sign}${Number((check.allowance.fraction * 100).toPrecision(6))}%`
    : `${sign}${check.allowance.amount}`;
}

/**
 * Parses `--confidence`: a level in [0.5, 1); throws ThresholdError saying so.
 *
 * @example
 * parseConfidence('0.99') // 0.99
 */
export function parseConfidence(text: string): number {
  const confidence = Number(text);
  if (text.trim() === '' || !(confidence >= 0.5 && confidence < 1)) {
    throw new ThresholdError(`--confidence must be a number in [0.5, 1), e.g. 0.95; got '${text}'`);
  }
  return confidence;
}
