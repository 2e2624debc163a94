import type { Command } from 'commander';
import { ConfigError } from '../common/errors.ts';
import { parseThresholdExpression, ThresholdError } from '../contracts/thresholds/parse.ts';
import type { TierName } from '../fakes/claude/tiers.ts';
import {
  CONFIGURATION_DEFAULTS,
  type Configuration,
  type Host,
  PRODUCTION_HOST,
  TIER_ORDER,
} from '../model/configuration.ts';
import type { ServiceLevel } from '../model/evaluate.ts';

/**
 * The flags `botcap plan` and `botcap calibrate` share: the configuration production runs today, its host,
 * and the service level. Each is declared once here with its default.
 */
export interface ConfigurationFlags {
  instances?: string;
  transport?: string;
  webhookMaxConnections?: string;
  bulkhead?: string;
  poolMax?: string;
  pgbouncerPool?: string;
  maxConnections?: string;
  tier?: string;
  sendConcurrency?: string;
  vcpuPerInstance?: string;
  postgresVcpu?: string;
  slo: string[];
}

/** The service level when none is given: the transport matrix's final-reply budget and peak-10am's digests. */
export const SLO_DEFAULTS = ['reply_latency:p(95)<15000', 'digest_lateness:p(95)<300000'] as const;

/** Adds the shared flags to a command. */
export function addConfigurationFlags(command: Command): Command {
  const d = CONFIGURATION_DEFAULTS;
  const host = PRODUCTION_HOST.kind === 'production' ? PRODUCTION_HOST : undefined;
  return command
    .option('--instances <n>', `bot instances today (default ${d.instances})`)
    .option('--transport <kind>', `polling or webhook (default ${d.transport})`)
    .option('--webhook-max-connections <n>', `webhook max_connections (default ${d.webhookMaxConnections})`)
    .option('--bulkhead <n>', `Claude bulkhead slots per instance (default ${d.bulkheadConcurrency})`)
    .option('--pool-max <n>', `pg pool per instance (default ${d.poolMax})`)
    .option('--pgbouncer-pool <n>', 'PgBouncer server pool in front of Postgres (default: none, direct)')
    .option('--max-connections <n>', `Postgres max_connections (default ${d.maxConnections})`)
    .option('--tier <name>', `Anthropic rate-limit tier: ${TIER_ORDER.join(', ')} (default ${d.claudeTier})`)
    .option('--send-concurrency <n>', `digests sent at once per instance (default ${d.scheduler.sendConcurrency})`)
    .option('--vcpu-per-instance <n>', `vCPUs of one bot instance (default ${host?.vcpuPerInstance})`)
    .option('--postgres-vcpu <n>', `Postgres vCPUs (default ${host?.postgresVcpu})`)
    .option(
      '--slo <metric:expression>',
      `the service level, repeatable, k6 syntax (default ${SLO_DEFAULTS.join(' and ')})`,
      (value: string, previous: string[]) => [...previous, value],
      [] as string[],
    );
}

function number(flag: string, value: string | undefined, integer = false): number | undefined {
  if (value === undefined) return undefined;
  const n = Number(value);
  if (!Number.isFinite(n) || n <= 0 || (integer && !Number.isInteger(n)))
    throw new ConfigError(`--${flag}: expected a positive ${integer ? 'whole ' : ''}number, got '${value}'`);
  return n;
}

/**
 * The configuration the flags describe, on top of the reference bot's defaults.
 *
 * @example
 * configurationFromFlags({ instances: '1', transport: 'polling', poolMax: '50', slo: [] })
 */
export function configurationFromFlags(flags: ConfigurationFlags): Configuration {
  const c = structuredClone(CONFIGURATION_DEFAULTS);
  c.instances = number('instances', flags.instances, true) ?? c.instances;
  if (flags.transport !== undefined) {
    if (flags.transport !== 'polling' && flags.transport !== 'webhook')
      throw new ConfigError(`--transport: expected polling or webhook, got '${flags.transport}'`);
    c.transport = flags.transport;
  }
  c.webhookMaxConnections =
    number('webhook-max-connections', flags.webhookMaxConnections, true) ?? c.webhookMaxConnections;
  c.bulkheadConcurrency = number('bulkhead', flags.bulkhead, true) ?? c.bulkheadConcurrency;
  c.poolMax = number('pool-max', flags.poolMax, true) ?? c.poolMax;
  c.pgbouncerPoolSize = number('pgbouncer-pool', flags.pgbouncerPool, true) ?? c.pgbouncerPoolSize;
  c.maxConnections = number('max-connections', flags.maxConnections, true) ?? c.maxConnections;
  c.scheduler.sendConcurrency = number('send-concurrency', flags.sendConcurrency, true) ?? c.scheduler.sendConcurrency;
  if (flags.tier !== undefined) {
    if (!(TIER_ORDER as readonly string[]).includes(flags.tier))
      throw new ConfigError(`--tier: expected one of ${TIER_ORDER.join(', ')}, got '${flags.tier}'`);
    c.claudeTier = flags.tier as TierName;
  }
  if (c.transport === 'polling' && c.instances > 1)
    throw new ConfigError('--transport polling with --instances > 1: only one poller per bot token works (409)');
  return c;
}

/** The production host the flags describe. */
export function hostFromFlags(flags: ConfigurationFlags): Host {
  const base = PRODUCTION_HOST.kind === 'production' ? PRODUCTION_HOST : { vcpuPerInstance: 0.5, postgresVcpu: 0.25 };
  return {
    kind: 'production',
    vcpuPerInstance: number('vcpu-per-instance', flags.vcpuPerInstance) ?? base.vcpuPerInstance,
    postgresVcpu: number('postgres-vcpu', flags.postgresVcpu) ?? base.postgresVcpu,
  };
}

/**
 * The service level from `--slo` flags (reply_latency / reply_first_latency and digest_lateness, as `p(N)<ms`).
 *
 * @example
 * serviceLevelFromFlags(['reply_latency:p(95)<15000']).latency.maxMs // 15000
 */
export function serviceLevelFromFlags(values: readonly string[]): ServiceLevel {
  const level: ServiceLevel = {
    latency: { percentile: 95, maxMs: 15_000, metric: 'reply_latency' },
    digestLatenessP95Ms: 300_000,
  };
  for (const text of values.length > 0 ? values : SLO_DEFAULTS) {
    const colon = text.indexOf(':');
    const metric = text.slice(0, colon);
    try {
      const expression = parseThresholdExpression(text.slice(colon + 1), metric);
      if (expression.aggregation !== 'p' || (expression.operator !== '<' && expression.operator !== '<='))
        throw new ConfigError(`--slo ${text}: write an upper bound on a percentile, e.g. '${metric}:p(95)<15000'`);
      if (metric === 'reply_latency' || metric === 'reply_first_latency')
        level.latency = { percentile: expression.percentile ?? 95, maxMs: expression.limit, metric };
      else if (metric === 'digest_lateness') level.digestLatenessP95Ms = expression.limit;
      else
        throw new ConfigError(`--slo ${text}: the plan knows reply_latency, reply_first_latency and digest_lateness`);
    } catch (error) {
      if (error instanceof ThresholdError) throw new ConfigError(`--slo ${text}: ${error.message}`);
      throw error;
    }
  }
  return level;
}
