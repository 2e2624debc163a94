import { parseMetricKey, parseThresholdExpression, type ThresholdMap } from '../../contracts/thresholds/index.ts';
import { FIDELITY_DEFAULTS } from './estimate.ts';

/** The latency metrics a user reads as answers; the fidelity bound is a share of the tightest budget on them. */
export const FIDELITY_BUDGET_METRICS = ['reply_first_latency', 'reply_latency', 'digest_lateness'] as const;

/** A scenario's own say over the bound (scenario field `fidelity`). */
export interface FidelityBoundSettings {
  /** A fixed bound, simulated ms; wins over the share. */
  boundMs?: number;
  /** Share of the tightest latency budget. Default {@link FIDELITY_DEFAULTS}.boundShare. */
  boundShare?: number;
}

/** The bound and the budget it came from, for the report's sentence. */
export interface FidelityBound {
  boundMs: number;
  /** `reply_first_latency p(95)<3000`, `default budget 3000 ms` or `the scenario's fidelity.boundMs`. */
  basis: string;
}

/**
 * The tightest upper bound on a user-facing latency among the thresholds (`p(95)<3000` on
 * `reply_first_latency` -> 3000), or undefined when none bounds one from above.
 *
 * @example
 * tightestLatencyBudget({ reply_latency: ['p(95)<15000'], reply_first_latency: ['p(95)<3000'] })
 * // { metric: 'reply_first_latency', expression: 'p(95)<3000', limitMs: 3000 }
 */
export function tightestLatencyBudget(
  thresholds: ThresholdMap,
): { metric: string; expression: string; limitMs: number } | undefined {
  let tightest: { metric: string; expression: string; limitMs: number } | undefined;
  for (const [key, expressions] of Object.entries(thresholds)) {
    const metric = parseMetricKey(key).name;
    if (!(FIDELITY_BUDGET_METRICS as readonly string[]).includes(metric)) continue;
    for (const text of expressions) {
      const e = parseThresholdExpression(text, key);
      if ((e.operator !== '<' && e.operator !== '<=') || e.aggregation === 'min' || e.limit <= 0) continue;
      if (tightest === undefined || e.limit < tightest.limitMs)
        tightest = { metric: key, expression: text, limitMs: e.limit };
    }
  }
  return tightest;
}

/**
 * The fidelity bound of a run: the scenario's fixed bound, else a share (5%) of the tightest latency budget
 * (or of a 3 s default budget), never below the floor (50 ms).
 *
 * @example
 * fidelityBound({ reply_first_latency: ['p(95)<3000'] }) // { boundMs: 150, basis: 'reply_first_latency p(95)<3000' }
 */
export function fidelityBound(thresholds: ThresholdMap, settings: FidelityBoundSettings = {}): FidelityBound {
  if (settings.boundMs !== undefined) return { boundMs: settings.boundMs, basis: "the scenario's fidelity.boundMs" };
  const share = settings.boundShare ?? FIDELITY_DEFAULTS.boundShare;
  const budget = tightestLatencyBudget(thresholds);
  const budgetMs = budget?.limitMs ?? FIDELITY_DEFAULTS.defaultBudgetMs;
  return {
    boundMs: Math.max(FIDELITY_DEFAULTS.boundFloorMs, Math.round(share * budgetMs)),
    basis: budget === undefined ? `default budget ${budgetMs} ms` : `${budget.metric} ${budget.expression}`,
  };
}
