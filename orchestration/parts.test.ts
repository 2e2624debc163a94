import { describe, expect, it } from 'vitest';
import { BOT_DEFAULTS } from '../bot/config/index.ts';
import type { CallRecord } from '../fakes/claude/index.ts';
import { loadScenario } from '../scenarios/registry.ts';
import { knobEnvironment, publicBotConfig, resolveBotConfig } from './bot-config.ts';
import { peakConcurrency, usageByRoute } from './claude-usage.ts';
import { killAtMs, mergedThresholds, scenarioStartEpochMs } from './run.ts';
import { databaseFigures, type RunSample, samplesToSeries } from './sampling.ts';

const call = (atMs: number, latencyMs: number): CallRecord => ({
  seq: 0,
  atMs,
  endpoint: 'messages',
  model: 'claude-haiku-4-5',
  stream: false,
  status: 200,
  errorType: undefined,
  fault: undefined,
  usage: undefined,
  retryCount: 0,
  batch: false,
  latencyMs,
});

const botScrape = (
  instance: string,
  samples: Array<{ name: string; labels: Record<string, string>; value: number }>,
) => ({
  instance,
  up: true,
  scrapeMs: 1,
  connectionErrorsTotal: undefined,
  samples: samples.map((s) => ({
    ...s,
    family: s.name,
    type: s.name.endsWith('_total') ? ('counter' as const) : ('gauge' as const),
  })),
});

describe('orchestration parts', () => {
  it("resolves a scenario's bot config once: its knobs over the bot's defaults, with the scenario's transport", async () => {
    const scenario = await loadScenario('smoke');
    const config = resolveBotConfig({
      ...scenario,
      bot: { ...scenario.bot, transport: 'webhook', config: { scheduler: { strategy: 'cron-http' } } },
    });
    expect(config.telegram.transport).toBe('webhook');
    expect(config.scheduler.strategy).toBe('cron-http');
    expect(config.slotting.slotMinutes).toBe(BOT_DEFAULTS.slotting.slotMinutes);
  });

  it("passes a scenario's bot knobs to `botcap bot` as BOTCAP_* variables and hides secrets in the result", () => {
    const env = knobEnvironment({ database: { poolMax: 20 }, scheduler: { strategy: 'advisory-lock' }, unknown: 1 });
    expect(env).toEqual({ BOTCAP_DATABASE_POOL_MAX: '20', BOTCAP_SCHEDULER_STRATEGY: 'advisory-lock' });
    const config = publicBotConfig({
      ...env,
      BOT_TOKEN: '123456:SECRET-token-value-000000000',
      DATABASE_URL: 'postgres://a:pw@h/d',
    });
    expect(config.database).toMatchObject({ poolMax: 20 });
    expect(JSON.stringify(config)).not.toMatch(/SECRET|pw@/);
  });

  it('counts Claude calls in flight at once from their start and duration', () => {
    expect(peakConcurrency([call(0, 100), call(50, 100), call(100, 10), call(200, 5)])).toBe(2);
    expect(peakConcurrency([])).toBe(0);
  });

  it('sums Claude usage per route over the instances', () => {
    const scrapes = ['bot-1', 'bot-2'].map((instance) =>
      botScrape(instance, [
        { name: 'bot_claude_tokens_total', labels: { model: 'm', kind: 'input', route: 'question' }, value: 100 },
        { name: 'bot_claude_calls_total', labels: { model: 'm', route: 'question', outcome: 'ok' }, value: 2 },
      ]),
    );
    expect(usageByRoute(scrapes).question).toMatchObject({ calls: 4, inputTokens: 200, outputTokens: 0 });
  });

  it("turns samples into series on the simulated axis and reads the database figures from the bots' counters", () => {
    const sample = {
      tMs: 1000,
      collectMs: 3,
      errors: [],
      bots: [
        botScrape('bot-1', [
          { name: 'bot_db_pool_waiting_clients', labels: {}, value: 3 },
          { name: 'bot_breaker_state', labels: { upstream: 'claude', instance: 'bot-1' }, value: 2 },
          { name: 'bot_db_connection_errors_total', labels: { sqlstate: '53300' }, value: 4 },
        ]),
      ],
      processes: [{ name: 'generator', pid: 1, cpuPercent: 50, rssBytes: 1e8, processCount: 1 }],
      eventLoop: { meanMs: 1, p99Ms: 12, maxMs: 20 },
      fakes: { telegramPendingUpdates: 0, webhookInFlight: 0, claudeCalls: 5, claudeErrors: 0 },
      instances: 1,
      postgres: { clientConnections: 17, maxConnections: 100, byState: [], byApplication: [], lockWaits: 0 },
      probe: { ok: true, connectMs: 2, tooManyClientsTotal: 0, failuresTotal: 0 },
    } as unknown as RunSample;
    const series = samplesToSeries([sample], 20);
    const find = (name: string, source: string) => series.find((s) => s.name === name && s.source === source);
    expect(find('bot_db_pool_waiting_clients', 'bot-1')?.points).toEqual([[20_000, 3]]);
    expect(find('bot_breaker_state{upstream="claude"}', 'bot-1')?.points).toEqual([[20_000, 2]]);
    expect(find('cpu_percent', 'loadgen')?.points).toEqual([[20_000, 50]]);
    expect(find('pg_connections', 'postgres')?.points).toEqual([[20_000, 17]]);
    expect(databaseFigures([sample])).toEqual({ maxConnectionsSeen: 17, connectionErrors53300: 4 });
  });

  it('places the run on the simulated calendar, merges thresholds and resolves the kill time', async () => {
    const peak = await loadScenario('peak-10am');
    expect(new Date(scenarioStartEpochMs(peak)).toISOString()).toBe('2026-11-30T09:45:00.000Z');
    expect(mergedThresholds(peak, { reply_latency: ['p(99)<9000'] }).reply_latency).toEqual([
      'p(95)<5000',
      'p(99)<9000',
    ]);
    expect(killAtMs({ fraction: 0.5 }, 60_000)).toBe(30_000);
    expect(killAtMs({ atMs: 1_000 }, 60_000)).toBe(1_000);
  });
});
