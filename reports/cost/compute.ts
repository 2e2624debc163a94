import { addUsage, scaleUsage, type TokenUsage, ZERO_USAGE } from '../../contracts/token-usage.ts';
import { DAY_MODEL_DEFAULTS } from '../../scenarios/day-model.ts';
import { defaultInfrastructure, type Infrastructure, priceInfrastructure } from '../data/infrastructure.ts';
import { defaultPricing, modelPriceWarning, type Pricing, resolveModelPrice } from '../data/pricing.ts';
import { computeMitigations } from './mitigations.ts';
import { addUsd, priceUsage, type UsdByTokenType, ZERO_USD } from './price.ts';
import type { UsageProfile } from './profile.ts';
import { COST_REPORT_SCHEMA_VERSION, type CostReport, type ModelCostLine, type RouteCostLine } from './types.ts';

export interface CostOptions {
  /** Pricing data. Default: the shipped `reports/data/pricing.json`. */
  pricing?: Pricing;
  /** Infrastructure estimates. Default: the shipped `reports/data/infrastructure.json`. */
  infrastructure?: Infrastructure;
  /** Daily active users the monthly figures are for. Default: the day model's (DAY_MODEL_DEFAULTS, 10,000). */
  dau?: number;
  /** Days in a month. Default: the day model's (30). */
  daysPerMonth?: number;
  /** Bot instances for the infrastructure lines. Default: the profile's (the run's instance count). */
  botInstances?: number;
}

/** From the day model (scenarios/day-model.ts), the one place these defaults live. */
export const COST_DEFAULTS = {
  dau: DAY_MODEL_DEFAULTS.dailyActiveUsers,
  daysPerMonth: DAY_MODEL_DEFAULTS.daysPerMonth,
} as const;

/** The production bot's own figures (capacity-methods spec), printed next to every estimate for scale. */
export const PRODUCTION_BOT_REFERENCE = { dau: 10_000, monthUsd: 5_000, llmShare: 0.96 } as const;

/** Routes printed first, in this order; others follow alphabetically. */
const ROUTE_ORDER = ['navigation', 'question', 'digest'];

/**
 * Prices a usage profile: per model, per route, per user per day, per month at a DAU, the mitigation
 * savings against a no-mitigation baseline, and the infrastructure lines that put the LLM's share in context.
 *
 * @example
 * const report = computeCost(profileFromRun(result), { dau: 10_000 });
 * console.log(report.perMonth.llmUsd, report.perMonth.llmShare);
 */
export function computeCost(profile: UsageProfile, options: CostOptions = {}): CostReport {
  const pricing = options.pricing ?? defaultPricing();
  const infrastructureData = options.infrastructure ?? defaultInfrastructure();
  const dau = options.dau ?? COST_DEFAULTS.dau;
  const daysPerMonth = options.daysPerMonth ?? COST_DEFAULTS.daysPerMonth;
  const warnings: string[] = [...(profile.warnings ?? [])];
  // Dollars over the profile's period -> dollars per month at the target DAU.
  const perUserDayFactor = profile.userDays > 0 ? 1 / profile.userDays : 0;
  const monthFactor = perUserDayFactor * dau * daysPerMonth;

  const byModel: ModelCostLine[] = Object.entries(profile.byModel)
    .map(([key, usage]) => {
      const resolved = resolveModelPrice(pricing, key);
      const warning = modelPriceWarning(resolved, pricing);
      if (warning && usage.calls + usage.inputTokens + usage.outputTokens > 0) warnings.push(warning);
      const usd = resolved.price ? priceUsage(usage, resolved.price, { batch: resolved.batch }) : { ...ZERO_USD };
      const status: ModelCostLine['status'] = resolved.price?.status ?? 'unknown';
      return {
        key,
        modelId: resolved.modelId,
        pricedAs: resolved.price?.id,
        status,
        batch: resolved.batch,
        usage,
        usd,
        monthUsd: usd.totalUsd * monthFactor,
      };
    })
    .sort((a, b) => b.usd.totalUsd - a.usd.totalUsd || a.key.localeCompare(b.key));

  const periodUsd = byModel.reduce<UsdByTokenType>((sum, line) => addUsd(sum, line.usd), { ...ZERO_USD });
  const periodUsage = addUsage(...byModel.map((line) => line.usage));
  const { lines: byRoute, method: routeMethod } = routeCosts(profile, pricing, byModel, periodUsd, {
    perUserDayFactor,
    monthFactor,
  });

  const baselinePrice = resolveModelPrice(pricing, profile.baselineModel).price;
  if (!baselinePrice) {
    warnings.push(
      `baseline model "${profile.baselineModel}" is not in the pricing data; mitigation savings are not computed.`,
    );
  }
  const mitigations = computeMitigations(profile, pricing, baselinePrice, monthFactor);

  const llmMonthUsd = periodUsd.totalUsd * monthFactor;
  const infrastructure = priceInfrastructure(infrastructureData, options.botInstances ?? profile.botInstances);
  const infrastructureUsd = infrastructure.reduce((sum, line) => sum + line.monthUsd, 0);
  const totalUsd = llmMonthUsd + infrastructureUsd;

  return {
    schemaVersion: COST_REPORT_SCHEMA_VERSION,
    kind: profile.kind,
    label: profile.label,
    pricing: { source: pricing.source, verifiedOn: pricing.verifiedOn },
    dau,
    daysPerMonth,
    userDaysInPeriod: profile.userDays,
    periodLabel: profile.periodLabel,
    period: { usage: periodUsage, usd: periodUsd },
    byModel,
    byRoute,
    routeMethod,
    perUserDay: { usage: scaleUsage(periodUsage, perUserDayFactor), usd: periodUsd.totalUsd * perUserDayFactor },
    perThousandUpdatesUsd: profile.updates > 0 ? (periodUsd.totalUsd * 1000) / profile.updates : null,
    perMonth: {
      llmUsd: llmMonthUsd,
      infrastructureUsd,
      totalUsd,
      llmShare: totalUsd > 0 ? llmMonthUsd / totalUsd : 0,
    },
    mitigations: {
      baselineModel: baselinePrice?.id ?? profile.baselineModel,
      ...mitigations,
    },
    infrastructure,
    assumptions: [
      ...profile.assumptions,
      ...(routeMethod === 'blended'
        ? [
            'Route dollars use the run-wide average price of each token type (a RunResult records usage by route ' +
              'and by model, not both), so a route served by the cheap model is shown at the blended price.',
          ]
        : []),
      `Infrastructure: ${infrastructureData.note || 'estimates; see the source of each line.'}`,
      `For scale: the production bot these questions come from reports ~$${PRODUCTION_BOT_REFERENCE.monthUsd.toLocaleString('en-US')}/month ` +
        `at ${PRODUCTION_BOT_REFERENCE.dau.toLocaleString('en-US')} DAU, ${PRODUCTION_BOT_REFERENCE.llmShare * 100}% of it Claude.`,
    ],
    warnings,
  };
}

/**
 * Route dollars. Exact when the profile knows each route's models; otherwise each route's tokens are
 * priced at the period's average dollars per token of each type, which sums to the period total.
 */
function routeCosts(
  profile: UsageProfile,
  pricing: Pricing,
  byModel: readonly ModelCostLine[],
  periodUsd: UsdByTokenType,
  factors: { perUserDayFactor: number; monthFactor: number },
): { lines: RouteCostLine[]; method: 'exact' | 'blended' } {
  const method = profile.byRouteModel ? 'exact' : 'blended';
  const totals = addUsage(...byModel.filter((line) => line.pricedAs !== undefined).map((line) => line.usage));
  const avg = (usd: number, tokens: number) => (tokens > 0 ? usd / tokens : 0);
  const blended = {
    input: avg(periodUsd.inputUsd, totals.inputTokens),
    write5m: avg(periodUsd.cacheWrite5mUsd, totals.cacheWrite5mTokens),
    write1h: avg(periodUsd.cacheWrite1hUsd, totals.cacheWrite1hTokens),
    read: avg(periodUsd.cacheReadUsd, totals.cacheReadTokens),
    output: avg(periodUsd.outputUsd, totals.outputTokens),
  };
  const priceRoute = (route: string, usage: TokenUsage): number => {
    const models = profile.byRouteModel?.[route];
    if (models) {
      return Object.entries(models).reduce((sum, [key, modelUsage]) => {
        const resolved = resolveModelPrice(pricing, key);
        return sum + (resolved.price ? priceUsage(modelUsage, resolved.price, { batch: resolved.batch }).totalUsd : 0);
      }, 0);
    }
    return (
      usage.inputTokens * blended.input +
      usage.cacheWrite5mTokens * blended.write5m +
      usage.cacheWrite1hTokens * blended.write1h +
      usage.cacheReadTokens * blended.read +
      usage.outputTokens * blended.output
    );
  };

  const entries = Object.entries(profile.byRoute).sort(([a], [b]) => routeRank(a) - routeRank(b) || a.localeCompare(b));
  const lines = entries.map(([route, usage]) => line(route, usage, priceRoute(route, usage)));
  // Usage the bot did not attribute to a route (or a route it does not export) still costs money.
  const attributedUsd = lines.reduce((sum, l) => sum + l.periodUsd, 0);
  const restUsd = periodUsd.totalUsd - attributedUsd;
  if (lines.length > 0 && restUsd > periodUsd.totalUsd * 1e-9 && restUsd > 1e-12) {
    const routed = addUsage(...entries.map(([, usage]) => usage));
    const rest = addUsage(totals, scaleUsage(routed, -1));
    lines.push(line('(not attributed to a route)', clampUsage(rest), restUsd));
  }
  return { lines, method };

  function line(route: string, usage: TokenUsage, routePeriodUsd: number): RouteCostLine {
    return {
      route,
      usage,
      periodUsd: routePeriodUsd,
      perUserDayUsd: routePeriodUsd * factors.perUserDayFactor,
      monthUsd: routePeriodUsd * factors.monthFactor,
      share: periodUsd.totalUsd > 0 ? routePeriodUsd / periodUsd.totalUsd : 0,
    };
  }
}

function routeRank(route: string): number {
  const index = ROUTE_ORDER.indexOf(route);
  return index === -1 ? ROUTE_ORDER.length : index;
}

function clampUsage(usage: TokenUsage): TokenUsage {
  const out = { ...ZERO_USAGE };
  for (const key of Object.keys(out) as (keyof TokenUsage)[]) out[key] = Math.max(0, usage[key]);
  return out;
}
