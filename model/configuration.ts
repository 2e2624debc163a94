import { BOT_DEFAULTS } from '../bot/config/index.ts';
import { type BotConfig, botConfigSchema } from '../bot/config/schema.ts';
import type { RunResult } from '../contracts/run-result.ts';
import { LATENCY_PROFILES, type LatencyProfile, resolveLatency } from '../fakes/claude/latency.ts';
import { RATE_LIMIT_TIERS, resolveTier, type TierLimits, type TierName } from '../fakes/claude/tiers.ts';
import { fakesSchema } from '../scenarios/schema.ts';

/**
 * What an architect can change, as the queueing model sees it: the resources of the whole bot. Defaults are
 * the reference bot's own (bot/config/schema.ts) and a small managed Postgres; `configurationOfRun` reads a
 * run's.
 */
export interface Configuration {
  instances: number;
  transport: 'polling' | 'webhook';
  /** Telegram's webhook max_connections, shared by every instance behind one URL (1-100). */
  webhookMaxConnections: number;
  webhookOnTimeout: 'throw' | 'return';
  /** Handler time before onTimeout applies, real ms. */
  webhookTimeoutMs: number;
  /** Polling: updates the runner handles at once. */
  sinkConcurrency: number;
  /** Claude bulkhead per instance: slots and queue. */
  bulkheadConcurrency: number;
  bulkheadQueue: number;
  retryMaxAttempts: number;
  retryInitialDelayMs: number;
  retryMaxDelayMs: number;
  /** pg Pool size per instance and its wait limit (real ms). */
  poolMax: number;
  poolConnectionTimeoutMs: number;
  /** The server's max_connections and the slots reserved for superusers. */
  maxConnections: number;
  reservedConnections: number;
  /** PgBouncer's server pool (transaction mode) in front of Postgres; null = direct connections. */
  pgbouncerPoolSize: number | null;
  /** Anthropic rate-limit tier (fakes/claude/tiers.ts). */
  claudeTier: TierName;
  routing: boolean;
  digestCache: boolean;
  promptCaching: boolean;
  batchDigests: boolean;
  slotting: BotConfig['slotting'];
  scheduler: {
    /** skip-locked: every instance sends; the leader strategies send from one. */
    senders: 'all' | 'leader';
    sendConcurrency: number;
    tickMs: number;
    claimMode: 'lease' | 'transaction';
  };
}

/**
 * Where the work runs. `lab`: every process shares `cores` of one machine and the clock runs `timeScale`
 * times fast, so every real ms of CPU reads as `timeScale` simulated ms (how a replay is predicted).
 * `production`: each instance has its own vCPUs, Postgres its own, no time compression.
 */
export type Host =
  | { kind: 'lab'; cores: number; timeScale: number }
  | { kind: 'production'; vcpuPerInstance: number; postgresVcpu: number };

export const CONFIGURATION_DEFAULTS: Configuration = {
  instances: 1,
  transport: BOT_DEFAULTS.telegram.transport,
  webhookMaxConnections: BOT_DEFAULTS.telegram.webhookMaxConnections,
  webhookOnTimeout: BOT_DEFAULTS.telegram.webhookOnTimeout,
  webhookTimeoutMs: BOT_DEFAULTS.telegram.webhookTimeoutMs,
  sinkConcurrency: BOT_DEFAULTS.telegram.sinkConcurrency,
  bulkheadConcurrency: BOT_DEFAULTS.resilience.bulkheadConcurrency,
  bulkheadQueue: BOT_DEFAULTS.resilience.bulkheadQueue,
  retryMaxAttempts: BOT_DEFAULTS.resilience.retryMaxAttempts,
  retryInitialDelayMs: BOT_DEFAULTS.resilience.retryInitialDelayMs,
  retryMaxDelayMs: BOT_DEFAULTS.resilience.retryMaxDelayMs,
  poolMax: BOT_DEFAULTS.database.poolMax,
  poolConnectionTimeoutMs: BOT_DEFAULTS.database.connectionTimeoutMs,
  maxConnections: 100,
  reservedConnections: 3,
  pgbouncerPoolSize: null,
  claudeTier: 'start',
  routing: BOT_DEFAULTS.cost.routing,
  digestCache: BOT_DEFAULTS.cost.digestCache,
  promptCaching: BOT_DEFAULTS.cost.promptCaching,
  batchDigests: BOT_DEFAULTS.cost.batchDigests,
  slotting: BOT_DEFAULTS.slotting,
  scheduler: {
    senders: 'all',
    sendConcurrency: BOT_DEFAULTS.scheduler.sendConcurrency,
    tickMs: BOT_DEFAULTS.scheduler.tickMs,
    claimMode: BOT_DEFAULTS.scheduler.claimMode,
  },
};

/** A production host as `reports/data/infrastructure.json` prices one: 0.5 vCPU per instance, Neon 0.25 CU. */
export const PRODUCTION_HOST: Host = { kind: 'production', vcpuPerInstance: 0.5, postgresVcpu: 0.25 };

/**
 * The configuration a run had (its bot config, instances, transport, Postgres, PgBouncer, Claude tier).
 *
 * @example
 * configurationOfRun(result).bulkheadConcurrency // 10
 */
export function configurationOfRun(result: RunResult): Configuration {
  const parsed = botConfigSchema.safeParse(result.environment.bot.config ?? {});
  const bot = parsed.success ? parsed.data : BOT_DEFAULTS;
  const fakes = fakesSchema.safeParse(result.scenario.resolved.fakes ?? {});
  const tier = fakes.success && typeof fakes.data.claude.tier === 'string' ? fakes.data.claude.tier : 'unlimited';
  return {
    instances: Math.max(1, result.environment.bot.instances),
    transport: result.environment.bot.transport,
    webhookMaxConnections: bot.telegram.webhookMaxConnections,
    webhookOnTimeout: bot.telegram.webhookOnTimeout,
    webhookTimeoutMs: bot.telegram.webhookTimeoutMs,
    sinkConcurrency: bot.telegram.sinkConcurrency,
    bulkheadConcurrency: bot.resilience.bulkheadConcurrency,
    bulkheadQueue: bot.resilience.bulkheadQueue,
    retryMaxAttempts: bot.resilience.retryMaxAttempts,
    retryInitialDelayMs: bot.resilience.retryInitialDelayMs,
    retryMaxDelayMs: bot.resilience.retryMaxDelayMs,
    poolMax: bot.database.poolMax,
    poolConnectionTimeoutMs: bot.database.connectionTimeoutMs,
    maxConnections: result.environment.postgres.maxConnections,
    reservedConnections: CONFIGURATION_DEFAULTS.reservedConnections,
    pgbouncerPoolSize: result.environment.pgbouncer?.defaultPoolSize ?? null,
    claudeTier: tier,
    routing: bot.cost.routing,
    digestCache: bot.cost.digestCache,
    promptCaching: bot.cost.promptCaching,
    batchDigests: bot.cost.batchDigests,
    slotting: bot.slotting,
    scheduler: {
      senders: bot.scheduler.strategy === 'skip-locked' || bot.scheduler.strategy === 'none' ? 'all' : 'leader',
      sendConcurrency: bot.scheduler.sendConcurrency,
      tickMs: bot.scheduler.tickMs,
      claimMode: bot.scheduler.claimMode,
    },
  };
}

/** The lab host a run had: its machine's cores and its time scale. */
export function hostOfRun(result: RunResult): Host {
  return { kind: 'lab', cores: result.environment.machine.cpuCount, timeScale: result.timeScale };
}

/** The fake Claude's latency profile a run used (the API's, as the lab models it). */
export function latencyOfRun(result: RunResult): LatencyProfile {
  const fakes = fakesSchema.safeParse(result.scenario.resolved.fakes ?? {});
  return fakes.success ? resolveLatency(fakes.data.claude.latency) : LATENCY_PROFILES.realistic;
}

/** The rate limits of a tier; undefined = none. */
export function tierLimits(tier: TierName): TierLimits {
  return resolveTier(tier);
}

/** Tier names, smallest first, for the plan's search. */
export const TIER_ORDER: readonly TierName[] = ['tier-1', 'tier-2', 'start', 'unlimited'];

/** Connections the configuration asks of the server: pools (or the bouncer's) plus the lab's two sampler connections. */
export function serverConnectionsNeeded(config: Configuration): number {
  return config.pgbouncerPoolSize ?? config.instances * config.poolMax;
}

/** Whether the pools fit max_connections - reserved (else SQLSTATE 53300 under load). */
export function connectionsFit(config: Configuration): boolean {
  return serverConnectionsNeeded(config) <= config.maxConnections - config.reservedConnections;
}

export { RATE_LIMIT_TIERS };
