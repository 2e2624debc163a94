import { BOT_KNOBS, type BotConfig, loadBotConfig } from '../bot/config/index.ts';
import { valueAt } from '../common/path.ts';
import type { Scenario } from '../scenarios/schema.ts';

/**
 * The reference bot's config for a run, resolved once: the scenario's knobs over the bot's own defaults,
 * with the run's transport (`scenario.bot.transport`, that knob's one home). The orchestrator reads knobs
 * here (the scheduler's strategy, the slot length) rather than re-supplying a default.
 *
 * @example
 * resolveBotConfig(scenario).slotting.slotMinutes // 5 unless the scenario sets it
 */
export function resolveBotConfig(scenario: Scenario): BotConfig {
  return loadBotConfig({ overrides: scenario.bot.config, flags: { 'telegram.transport': scenario.bot.transport } });
}

/**
 * A scenario's bot config (any subset of the reference bot's knobs) as the `BOTCAP_*` variables
 * `botcap bot` reads, so a child process gets exactly the scenario's knobs without a flag per knob.
 *
 * @example
 * knobEnvironment({ database: { poolMax: 20 } }) // { BOTCAP_DATABASE_POOL_MAX: '20' }
 */
export function knobEnvironment(config: Readonly<Record<string, unknown>>): Record<string, string> {
  const env: Record<string, string> = {};
  for (const knob of BOT_KNOBS) {
    const value = valueAt(config, knob.path);
    if (value !== undefined && value !== null) env[knob.env] = String(value);
  }
  return env;
}

/**
 * The config the reference bot resolves from that environment, with secret knobs removed, for the
 * RunResult's environment description.
 *
 * @example
 * publicBotConfig(env).database.poolMax // 10
 */
export function publicBotConfig(env: Readonly<Record<string, string>>): Record<string, unknown> {
  const config: BotConfig = loadBotConfig({ env });
  const copy: Record<string, unknown> = structuredClone(config);
  for (const knob of BOT_KNOBS) {
    if (!knob.secret) continue;
    const parts = knob.path.split('.');
    const parent = parts.length === 1 ? copy : valueAt(copy, parts.slice(0, -1).join('.'));
    if (parent !== null && typeof parent === 'object') delete (parent as Record<string, unknown>)[parts.at(-1)!];
  }
  return copy;
}
