import { z } from 'zod';
import { type BotConfigInput, SCHEDULER_STRATEGIES } from '../bot/config/schema.ts';
import { ScenarioError } from '../common/errors.ts';
import { unreachable } from '../common/unreachable.ts';
import { formatZodIssues } from '../common/validation.ts';
import { TRANSPORTS } from '../contracts/transport.ts';
import { loadDurationMs, peakVus } from './peak-vus.ts';
import type { Scenario } from './schema.ts';
import { DURATION_HINT, parseDurationMs } from './units.ts';
import { parseScenario } from './validate.ts';

/**
 * What `botcap run` flags may change in a scenario. Every field optional; a given field replaces the
 * scenario's value, and the result is validated by the same schema as a scenario file.
 */
export const overridesSchema = z
  .object({
    /** Closed models: peak concurrent VUs (stage targets scale to it). Open models: the population (DAU). */
    users: z.number().int().min(1).optional(),
    /** Simulated length: the duration, or the stages scaled proportionally to it. */
    duration: z.union([z.string(), z.number()]).optional(),
    timeScale: z.union([z.number().positive().max(10_000), z.literal('auto')]).optional(),
    transport: z.enum(TRANSPORTS).optional(),
    instances: z.number().int().min(1).max(64).optional(),
    /** The bot's pg pool size per instance (bot config database.poolMax). */
    poolMax: z.number().int().min(1).optional(),
    /** The bot's scheduler strategy (bot config scheduler.strategy). */
    scheduler: z.enum(SCHEDULER_STRATEGIES).optional(),
    seed: z.number().int().optional(),
    /** Simulated start, `HH:MM`. */
    start: z.string().optional(),
    /** Open models: arrival rate per timeUnit (ramping: stage targets scale so the peak equals it). */
    rate: z.number().positive().optional(),
    maxConnections: z.number().int().min(5).optional(),
    /** Reply deadline (an update without a visible reply by then is lost), e.g. '30s'. */
    replyDeadline: z.union([z.string(), z.number()]).optional(),
    /** PgBouncer pool size; turns PgBouncer on. */
    pgbouncerPoolSize: z.number().int().min(1).optional(),
  })
  .strict();

export type ScenarioOverrides = z.input<typeof overridesSchema>;

/**
 * Applies flag overrides to a scenario and validates the result; errors name the override and the fix.
 *
 * @example
 * applyOverrides(await loadScenario('500-concurrent'), { users: 1000, timeScale: 2, transport: 'webhook', instances: 3 })
 */
export function applyOverrides(scenario: Scenario, overrides: ScenarioOverrides): Scenario {
  const parsed = overridesSchema.safeParse(overrides);
  if (!parsed.success) {
    const lines = formatZodIssues(parsed.error, overrides);
    throw new ScenarioError(`overrides are invalid:\n  ${lines.join('\n  ')}`);
  }
  const o = parsed.data;
  // A parsed scenario is valid input (durations in ms), so overrides edit a copy and re-validate it.
  const next = structuredClone(scenario);
  if (o.seed !== undefined) next.seed = o.seed;
  if (o.timeScale !== undefined) next.timeScale = o.timeScale;
  if (o.start !== undefined) next.start = o.start;
  if (o.transport !== undefined) next.bot.transport = o.transport;
  if (o.instances !== undefined) next.bot.instances = o.instances;
  if (o.maxConnections !== undefined) next.environment.maxConnections = o.maxConnections;
  if (o.pgbouncerPoolSize !== undefined) next.environment.pgbouncer = { poolSize: o.pgbouncerPoolSize };
  if (o.poolMax !== undefined || o.scheduler !== undefined) next.bot.config = botConfigWith(next.bot.config, o);
  if (o.replyDeadline !== undefined) next.replies.deadline = durationMs('replyDeadline', o.replyDeadline);
  if (o.duration !== undefined) setDuration(next, o.duration);
  if (o.users !== undefined) setUsers(next, o.users);
  if (o.rate !== undefined) setRate(next, o.rate);
  return parseScenario(next, 'after overrides');
}

function botConfigWith(config: BotConfigInput, o: z.output<typeof overridesSchema>): BotConfigInput {
  const out = { ...config };
  if (o.poolMax !== undefined) out.database = { ...config.database, poolMax: o.poolMax };
  if (o.scheduler !== undefined) out.scheduler = { ...config.scheduler, strategy: o.scheduler };
  return out;
}

function durationMs(flag: string, value: string | number): number {
  const ms = typeof value === 'number' ? value : parseDurationMs(value);
  if (ms === undefined || ms <= 0) {
    throw new ScenarioError(`overrides.${flag}: ${JSON.stringify(value)} is not a duration; ${DURATION_HINT}`);
  }
  return ms;
}

function setDuration(scenario: Scenario, duration: string | number): void {
  const ms = durationMs('duration', duration);
  const load = scenario.load;
  if ('stages' in load) {
    const factor = ms / loadDurationMs(load);
    load.stages = load.stages.map((stage) => ({ ...stage, duration: Math.round(stage.duration * factor) }));
  } else {
    load.duration = ms;
  }
}

function setUsers(scenario: Scenario, users: number): void {
  const load = scenario.load;
  switch (load.executor) {
    case 'constant-vus':
      load.vus = users;
      break;
    case 'ramping-vus': {
      const factor = users / Math.max(1, peakVus(load));
      load.startVUs = Math.round(load.startVUs * factor);
      load.stages = load.stages.map((stage) => ({ ...stage, target: Math.round(stage.target * factor) }));
      break;
    }
    case 'constant-arrival-rate':
    case 'ramping-arrival-rate':
    case 'scheduled-peak':
      scenario.population.size = users;
      return;
    default:
      unreachable(load);
  }
  // More concurrent users than people would fail validation; grow the population to fit instead.
  scenario.population.size = Math.max(scenario.population.size, users);
}

function setRate(scenario: Scenario, rate: number): void {
  const load = scenario.load;
  switch (load.executor) {
    case 'constant-arrival-rate':
    case 'scheduled-peak':
      load.rate = rate;
      return;
    case 'ramping-arrival-rate': {
      const peak = Math.max(load.startRate, ...load.stages.map((stage) => stage.target));
      const factor = peak > 0 ? rate / peak : 1;
      load.startRate *= factor;
      load.stages = load.stages.map((stage) => ({ ...stage, target: stage.target * factor }));
      return;
    }
    case 'constant-vus':
    case 'ramping-vus':
      throw new ScenarioError(
        `overrides.rate: ${load.executor} is a closed model (VUs, not a rate); use users instead, or an arrival-rate executor`,
      );
    default:
      unreachable(load);
  }
}
