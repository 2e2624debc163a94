import type { LatencyProfile } from '../fakes/claude/latency.ts';
import { type DayModel, describeDayModel, perUserPerDay, updatesPerSecondAt } from '../reports/analysis/day-model.ts';
import { computeCost } from '../reports/cost/compute.ts';
import type { CostReport } from '../reports/cost/types.ts';
import { parseWhatIf, profileFromWhatIf, WHAT_IF_DEFAULTS } from '../reports/cost/what-if.ts';
import type { Infrastructure } from '../reports/data/infrastructure.ts';
import type { Pricing } from '../reports/data/pricing.ts';
import { parseMinuteOfDay } from '../scenarios/units.ts';
import { type Configuration, type Host, TIER_ORDER } from './configuration.ts';
import type { ServiceDemands } from './demands.ts';
import { type EvaluateOptions, type Evaluation, evaluateConfiguration, type ServiceLevel } from './evaluate.ts';
import { type ModelKnee, modelKnee } from './knee.ts';
import { DIGEST_CACHE_KEYS } from './predict.ts';

/** One configuration tried, with its verdict and monthly cost. */
export interface PlanStep {
  configuration: Configuration;
  /** What changed from the previous step, in words. */
  change: string;
  evaluation: Evaluation;
  monthlyUsd: number;
}

export interface Plan {
  day: DayModel;
  slo: ServiceLevel;
  host: Host;
  /** The configuration given (the current one) at the target. */
  current: PlanStep;
  /** Where the current and the chosen configuration stop holding the SLO (daily and concurrent users). */
  knees: { current: ModelKnee; chosen: ModelKnee | null } | null;
  /** The configurations tried, in order: each fixes the previous one's bottleneck. */
  steps: PlanStep[];
  /** The cheapest configuration found that holds the SLO all day; null when none in the searched space does. */
  chosen: PlanStep | null;
  cost: CostReport | null;
  sentences: string[];
}

/** Options of {@link planCapacity}; every field optional. */
export interface PlanOptions extends EvaluateOptions {
  pricing?: Pricing;
  infrastructure?: Infrastructure;
  /** Configurations tried at most. Default 30. */
  maxSteps?: number;
  /** Find each configuration's knee by bisection (a dozen more simulations). Default true up to 200K DAU. */
  knees?: boolean;
  /** Cost controls to plan with (each is a config knob); default: all on (they cut cost, not capacity). */
  costControls?: Partial<Pick<Configuration, 'routing' | 'digestCache' | 'promptCaching' | 'batchDigests'>>;
}

export const PLAN_DEFAULTS = { maxSteps: 30, maxInstances: 64, maxBulkhead: 2_000, maxPool: 50 } as const;

/**
 * The day's Claude traffic under a configuration, as the cost report prices it: the demands' tokens per
 * question and per digest, the day model's counts, and the configuration's cost controls (the what-if
 * pricing of `reports/cost`, so `botcap plan` and `botcap cost` agree).
 *
 * @example
 * monthlyCost(demands, day, config).perMonth.totalUsd
 */
export function monthlyCost(
  demands: ServiceDemands,
  day: DayModel,
  config: Configuration,
  options: Pick<PlanOptions, 'pricing' | 'infrastructure'> = {},
): CostReport {
  const counts = perUserPerDay(day);
  const q = demands.classes.question;
  const dg = demands.classes.digest;
  const questionInput = q.tokensPerCall.input + q.tokensPerCall.cacheRead + q.tokensPerCall.cacheWrite;
  const system = Math.min(WHAT_IF_DEFAULTS.systemPromptTokens, questionInput);
  const digestsPerDay = day.dailyActiveUsers * day.digestsPerUserPerDay;
  const assumptions = parseWhatIf({
    dau: day.dailyActiveUsers,
    messagesPerUserPerDay: counts.question * Math.max(q.claudeCalls, 0),
    navigationPerUserPerDay: counts.navigation + counts.settings + counts.start,
    systemPromptTokens: system,
    inputTokensPerMessage: Math.max(0, questionInput - system),
    outputTokensPerMessage: q.tokensPerCall.output,
    simpleTurnShare: q.smallModelShare > 0 ? q.smallModelShare : WHAT_IF_DEFAULTS.simpleTurnShare,
    digestsPerUserPerDay: day.digestsPerUserPerDay,
    digestInputTokens: dg.tokensPerCall.input + dg.tokensPerCall.cacheRead + dg.tokensPerCall.cacheWrite,
    digestOutputTokens: dg.tokensPerCall.output,
    // The content cache generates one digest per topic, language and day.
    digestCacheHitRate: digestsPerDay > 0 ? Math.max(0, 1 - DIGEST_CACHE_KEYS / digestsPerDay) : 0,
    routing: config.routing,
    digestCache: config.digestCache,
    promptCaching: config.promptCaching,
    batchDigests: config.batchDigests,
    botInstances: config.instances,
  });
  return computeCost(profileFromWhatIf(assumptions, options.pricing), {
    dau: day.dailyActiveUsers,
    daysPerMonth: day.daysPerMonth,
    botInstances: config.instances,
    ...(options.pricing === undefined ? {} : { pricing: options.pricing }),
    ...(options.infrastructure === undefined ? {} : { infrastructure: options.infrastructure }),
  });
}

/** The next configuration to try: the knob that lifts the bottleneck, or null when none can. */
function fix(
  config: Configuration,
  evaluation: Evaluation,
  day: DayModel,
): { config: Configuration; change: string } | null {
  const remedy = evaluation.bottleneck?.remedy ?? 'none';
  const next = structuredClone(config);
  switch (remedy) {
    case 'bulkhead': {
      if (next.bulkheadConcurrency >= PLAN_DEFAULTS.maxBulkhead) return null;
      next.bulkheadConcurrency = Math.min(PLAN_DEFAULTS.maxBulkhead, next.bulkheadConcurrency * 2);
      next.bulkheadQueue = Math.max(next.bulkheadQueue, next.bulkheadConcurrency * 10);
      return {
        config: next,
        change: `Claude bulkhead ${config.bulkheadConcurrency} -> ${next.bulkheadConcurrency} per instance`,
      };
    }
    case 'tier': {
      const i = TIER_ORDER.indexOf(next.claudeTier);
      if (i < 0 || i >= TIER_ORDER.length - 1) return null;
      next.claudeTier = TIER_ORDER[i + 1]!;
      return { config: next, change: `Anthropic rate limits ${config.claudeTier} -> ${next.claudeTier}` };
    }
    case 'webhook-connections': {
      if (next.webhookMaxConnections < 100) {
        next.webhookMaxConnections = 100;
        return {
          config: next,
          change: `webhook max_connections ${config.webhookMaxConnections} -> 100 (Telegram's maximum)`,
        };
      }
      return null;
    }
    case 'instances': {
      if (next.transport === 'polling') {
        next.transport = 'webhook';
        next.instances = Math.max(2, next.instances);
        next.webhookMaxConnections = 100;
        return { config: next, change: 'polling (one instance) -> webhook x2 (max_connections 100)' };
      }
      if (next.instances >= PLAN_DEFAULTS.maxInstances) return null;
      next.instances = Math.min(PLAN_DEFAULTS.maxInstances, Math.ceil(next.instances * 1.5));
      return { config: next, change: `instances ${config.instances} -> ${next.instances}` };
    }
    case 'pool': {
      const usable = next.maxConnections - next.reservedConnections;
      if (next.pgbouncerPoolSize === null && next.instances * next.poolMax > usable) {
        next.pgbouncerPoolSize = Math.min(usable, 90);
        return {
          config: next,
          change: `PgBouncer (transaction mode, pool ${next.pgbouncerPoolSize}) in front of Postgres`,
        };
      }
      if (next.poolMax >= PLAN_DEFAULTS.maxPool) return null;
      next.poolMax = Math.min(PLAN_DEFAULTS.maxPool, next.poolMax * 2);
      if (next.pgbouncerPoolSize === null && next.instances * next.poolMax > usable)
        next.pgbouncerPoolSize = Math.min(usable, 90);
      return { config: next, change: `pg pool ${config.poolMax} -> ${next.poolMax} per instance` };
    }
    case 'slotting': {
      // Spread digests so a slot's sends fit what Telegram's 30 msg/s leaves after the replies of that hour, with room.
      const slotMinutes = next.slotting.mode === 'none' ? 5 : Math.min(30, next.slotting.slotMinutes * 3);
      const digestHour = Math.floor((parseMinuteOfDay(day.digestTimes.peak) ?? 600) / 60);
      const headroomPerS = 30 - updatesPerSecondAt(day, digestHour);
      if (headroomPerS <= 1) return null;
      const cap = Math.max(1, Math.floor(0.8 * headroomPerS * slotMinutes * 60));
      if (next.slotting.mode === 'auto' && next.slotting.slotMinutes === slotMinutes) return null;
      next.slotting = { ...next.slotting, mode: 'auto', slotMinutes, capPerSlot: cap };
      return { config: next, change: `slotting: ${slotMinutes}-min slots, cap ${cap} (auto-shift)` };
    }
    case 'send-concurrency': {
      if (next.scheduler.sendConcurrency >= 400) return null;
      next.scheduler.sendConcurrency *= 2;
      return {
        config: next,
        change: `digest send concurrency ${config.scheduler.sendConcurrency} -> ${next.scheduler.sendConcurrency}`,
      };
    }
    default:
      return null;
  }
}

/**
 * Searches the configurations an architect can change for the cheapest that holds the SLO all day at the
 * day model's DAU: starting from `base` with the cost controls on, it evaluates (operational analysis, then
 * simulation of the busiest hour and of the digest peak), turns the knob of the first resource to saturate -
 * bulkhead before instances (slots cost nothing, instances cost money), a higher rate-limit tier, the pool or
 * PgBouncer, slotting for Telegram's 30 msg/s - and stops at the first configuration that holds. Each step adds
 * only what the bottleneck needs, so the first that holds is the cheapest on that path; the monthly cost comes
 * from `reports/cost` with the same day model.
 *
 * @example
 * const plan = planCapacity(demands, resolveDayModel({ overrides: { dailyActiveUsers: 100_000 } }), current, PRODUCTION_HOST, slo, latency);
 * plan.chosen?.configuration.instances
 */
export function planCapacity(
  demands: ServiceDemands,
  day: DayModel,
  base: Configuration,
  host: Host,
  slo: ServiceLevel,
  latency: LatencyProfile,
  options: PlanOptions = {},
): Plan {
  const maxSteps = options.maxSteps ?? PLAN_DEFAULTS.maxSteps;
  const price = (config: Configuration) => monthlyCost(demands, day, config, options).perMonth.totalUsd;
  const evaluate = (config: Configuration) => evaluateConfiguration(demands, day, config, host, slo, latency, options);
  const current: PlanStep = {
    configuration: base,
    change: 'the current configuration',
    evaluation: evaluate(base),
    monthlyUsd: price(base),
  };
  let config: Configuration = {
    ...base,
    routing: options.costControls?.routing ?? true,
    digestCache: options.costControls?.digestCache ?? true,
    promptCaching: options.costControls?.promptCaching ?? true,
    batchDigests: options.costControls?.batchDigests ?? true,
  };
  const steps: PlanStep[] = [];
  let change = 'cost controls on (routing, digest cache, prompt caching, batch digests)';
  let chosen: PlanStep | null = null;
  for (let i = 0; i < maxSteps; i++) {
    const step: PlanStep = { configuration: config, change, evaluation: evaluate(config), monthlyUsd: price(config) };
    steps.push(step);
    if (step.evaluation.holds) {
      chosen = step;
      break;
    }
    const next = fix(config, step.evaluation, day);
    if (next === null) break;
    config = next.config;
    change = next.change;
  }
  const cost = chosen === null ? null : monthlyCost(demands, day, chosen.configuration, options);
  const knees =
    (options.knees ?? day.dailyActiveUsers <= 200_000)
      ? {
          current: modelKnee(demands, day, base, host, slo, latency),
          chosen: chosen === null ? null : modelKnee(demands, day, chosen.configuration, host, slo, latency),
        }
      : null;
  const sentences = planSentences(day, slo, current, chosen, steps);
  if (knees !== null) {
    const k = (x: ModelKnee) =>
      `${Math.round(x.dailyActiveUsers).toLocaleString('en-US')} DAU (~${Math.round(x.concurrentUsers).toLocaleString('en-US')} concurrent users at the busiest hour)`;
    sentences.splice(
      3,
      0,
      `Knee of the current configuration: it holds the SLO up to ${k(knees.current)}${knees.chosen === null ? '' : `; the chosen one up to ${k(knees.chosen)}`}.`,
    );
  }
  return { day, slo, host, current, knees, steps, chosen, cost, sentences };
}

function describeConfiguration(c: Configuration): string {
  const transport =
    c.transport === 'polling' ? 'polling x1' : `webhook x${c.instances} (max_connections ${c.webhookMaxConnections})`;
  const db =
    c.pgbouncerPoolSize === null ? `pool ${c.poolMax}` : `pool ${c.poolMax} via PgBouncer ${c.pgbouncerPoolSize}`;
  const slotting =
    c.slotting.mode === 'none' ? 'no slotting' : `${c.slotting.slotMinutes}-min slots cap ${c.slotting.capPerSlot}`;
  const controls = (['routing', 'digestCache', 'promptCaching', 'batchDigests'] as const).filter((k) => c[k]);
  return `${transport}, Claude bulkhead ${c.bulkheadConcurrency}, ${db}, tier ${c.claudeTier}, ${slotting}, cost controls: ${controls.join(' + ') || 'none'}`;
}

function planSentences(
  day: DayModel,
  slo: ServiceLevel,
  current: PlanStep,
  chosen: PlanStep | null,
  steps: readonly PlanStep[],
): string[] {
  const dau = day.dailyActiveUsers.toLocaleString('en-US');
  const usd = (x: number) => `$${Math.round(x).toLocaleString('en-US')}`;
  const sloText = `p${slo.latency.percentile} ${slo.latency.metric === 'reply_first_latency' ? 'first output' : 'reply'} < ${slo.latency.maxMs} ms and digest lateness p95 < ${Math.round(slo.digestLatenessP95Ms / 1000)} s`;
  const sentences = [...describeDayModel(day).slice(0, 2)];
  const b = current.evaluation.bottleneck;
  sentences.push(
    current.evaluation.holds
      ? `The current configuration (${describeConfiguration(current.configuration)}) holds ${sloText} at ${dau} DAU.`
      : `The current configuration (${describeConfiguration(current.configuration)}) does not hold ${sloText} at ${dau} DAU: ${current.evaluation.reasons.join('; ')}. First to saturate: ${b?.resource ?? 'unknown'}.`,
  );
  if (chosen !== null) {
    sentences.push(
      `Cheapest configuration found that holds it all day: ${describeConfiguration(chosen.configuration)}, ${usd(chosen.monthlyUsd)}/month (${steps.length} configurations tried).`,
    );
  } else {
    const last = steps.at(-1);
    sentences.push(
      `No configuration in the searched space holds it at ${dau} DAU: the last tried (${last ? describeConfiguration(last.configuration) : 'none'}) is limited by ${last?.evaluation.bottleneck?.resource ?? 'unknown'}, which no knob of the reference bot lifts further.`,
    );
  }
  return sentences;
}

export { describeConfiguration };
