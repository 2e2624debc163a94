import type { TokenUsage } from '../../contracts/token-usage.ts';
import type { InfrastructureCost } from '../data/infrastructure.ts';
import type { UsdByTokenType } from './price.ts';

/** Version of the cost report's JSON shape; bump on a breaking change. */
export const COST_REPORT_SCHEMA_VERSION = 1;

/** One model key's usage and price over the priced period. */
export interface ModelCostLine {
  /** The key as recorded (`batch:` prefix for Batch API usage). */
  key: string;
  modelId: string;
  /** The pricing entry it resolved to; undefined when unknown (then `usd` is zero and a warning says so). */
  pricedAs: string | undefined;
  status: 'active' | 'deprecated' | 'retired' | 'unknown';
  batch: boolean;
  usage: TokenUsage;
  usd: UsdByTokenType;
  /** Monthly dollars at the report's DAU. */
  monthUsd: number;
}

/** One route's usage and cost. */
export interface RouteCostLine {
  route: string;
  usage: TokenUsage;
  /** Over the priced period (the run, or one what-if day). */
  periodUsd: number;
  perUserDayUsd: number;
  monthUsd: number;
  /** Share of the LLM total, 0..1. */
  share: number;
}

/** What one cost control saved, as a step from the no-mitigation baseline towards the actual cost. */
export interface MitigationStep {
  id: 'digest-cache' | 'routing' | 'prompt-caching' | 'batch';
  label: string;
  /** Whether the run had it on (undefined when the run's bot config does not say). */
  enabled: boolean | undefined;
  savedMonthUsd: number;
  /** Saved / baseline, 0..1; negative when the control cost more than it saved (cache writes with few reads). */
  savedShare: number;
}

/**
 * A complete cost breakdown, from a run or from what-if assumptions. Renderers print it; `--json` writes it.
 *
 * @example
 * const report = computeCost(profileFromRun(result), { pricing, infrastructure, dau: 10_000 });
 * report.perMonth.totalUsd
 */
export interface CostReport {
  schemaVersion: typeof COST_REPORT_SCHEMA_VERSION;
  kind: 'run' | 'what-if';
  label: string;
  pricing: { source: string; verifiedOn: string };
  dau: number;
  daysPerMonth: number;
  /** User-days the measured (or assumed) usage covers. */
  userDaysInPeriod: number;
  /** What the period is, in words: "the run (600 s simulated, 100 users)" or "one day". */
  periodLabel: string;
  period: { usage: TokenUsage; usd: UsdByTokenType };
  byModel: ModelCostLine[];
  byRoute: RouteCostLine[];
  /** How route dollars were attributed: exact (route x model known) or blended (the run's average price per token type). */
  routeMethod: 'exact' | 'blended';
  perUserDay: { usage: TokenUsage; usd: number };
  /** Claude dollars per 1,000 updates served, in the period's mix of actions; null when no updates. */
  perThousandUpdatesUsd: number | null;
  perMonth: { llmUsd: number; infrastructureUsd: number; totalUsd: number; llmShare: number };
  mitigations: {
    baselineModel: string;
    baselineMonthUsd: number;
    actualMonthUsd: number;
    steps: MitigationStep[];
    method: string;
  };
  infrastructure: InfrastructureCost[];
  assumptions: string[];
  warnings: string[];
}
