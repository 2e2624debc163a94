import type { TimeSeries } from '../contracts/run-result.ts';
import type { FakeClaude } from '../fakes/claude/index.ts';
import type { FakeTelegram } from '../fakes/telegram/index.ts';
import {
  type BotMetricsSample,
  type BotTarget,
  botMetricsSource,
  connectionProbeSource,
  eventLoopLagSource,
  type ProcessTarget,
  postgresActivitySource,
  processStatsSource,
  Sampler,
  type SampleSource,
} from '../loadgen/sampler/index.ts';

/** The fakes' counters, once a tick. */
export interface FakesSample {
  telegramPendingUpdates: number;
  webhookInFlight: number;
  claudeCalls: number;
  claudeErrors: number;
}

/** Where the run's sampler reads from. */
export interface RunSamplerInputs {
  bots: () => readonly BotTarget[];
  processes: () => readonly ProcessTarget[];
  /** Superuser URL for pg_stat_activity. */
  postgresAdminUrl: string;
  /** The bots' database URL, for the per-tick connection probe. */
  postgresAppUrl: string;
  telegram: FakeTelegram;
  claude: FakeClaude;
  /** Instances up now (a killed one drops out). */
  instancesUp: () => number;
}

function fakesSource(telegram: FakeTelegram, claude: FakeClaude): SampleSource<FakesSample> {
  return {
    collect() {
      const bot = telegram.stats().bots[0];
      const usage = claude.usage();
      return {
        telegramPendingUpdates: bot?.pending_update_count ?? 0,
        webhookInFlight: bot?.webhook?.in_flight ?? 0,
        claudeCalls: usage.standard.calls + usage.batch.calls,
        claudeErrors: usage.standard.errors + usage.batch.errors,
      };
    },
  };
}

/**
 * The run's sampler: bots' /metrics, Postgres activity and a connection probe, CPU/RSS of every process,
 * the generator's event-loop lag, the fakes' counters and the number of live instances.
 *
 * @example
 * const sampler = createRunSampler(inputs); await sampler.warmUp(); sampler.start(); ...; const samples = await sampler.stop();
 */
export function createRunSampler(inputs: RunSamplerInputs) {
  const sources = {
    bots: botMetricsSource(inputs.bots),
    processes: processStatsSource(inputs.processes),
    eventLoop: eventLoopLagSource(),
    fakes: fakesSource(inputs.telegram, inputs.claude),
    instances: { collect: () => inputs.instancesUp() } satisfies SampleSource<number>,
    postgres: postgresActivitySource({ adminUrl: inputs.postgresAdminUrl }),
    probe: connectionProbeSource({ url: inputs.postgresAppUrl }),
  };
  // t=0 of the series is when start() is called: the load's start.
  return new Sampler(sources);
}

export type RunSampler = ReturnType<typeof createRunSampler>;
export type RunSample = RunSampler['series'][number];

/** Labels as Prometheus writes them, without the `instance` label (the series' source says that). */
function labelSuffix(labels: Readonly<Record<string, string>>): string {
  const parts = Object.entries(labels)
    .filter(([key]) => key !== 'instance')
    .map(([key, value]) => `${key}="${value}"`);
  return parts.length === 0 ? '' : `{${parts.join(',')}}`;
}

/**
 * Converts the sampler's ticks into RunResult time series on the run's simulated axis, with the names
 * reports/analysis/series.ts reads: every bot gauge (`bot_db_pool_waiting_clients`, `bot_bulkhead_queued{upstream="claude"}`,
 * `bot_breaker_state{...}`, ...) per instance, `pg_connections`, `cpu_percent` / `rss_bytes` per process,
 * `event_loop_lag_ms` (p99) and `event_loop_lag_mean_ms` of the generator, the fakes' counters and `instances_up`.
 *
 * @example
 * samplesToSeries(samples, 20).find((s) => s.name === 'cpu_percent' && s.source === 'bot-1')
 */
export function samplesToSeries(samples: readonly RunSample[], timeScale: number): TimeSeries[] {
  const series = new Map<string, TimeSeries>();
  const push = (name: string, unit: string, source: string, tMs: number, value: number) => {
    if (!Number.isFinite(value)) return;
    const key = `${source}\u0000${name}`;
    let one = series.get(key);
    if (one === undefined) {
      one = { name, unit, source, points: [] };
      series.set(key, one);
    }
    one.points.push([tMs, value]);
  };
  for (const sample of samples) {
    const t = Math.round(sample.tMs * timeScale);
    if (t < 0) continue;
    for (const bot of sample.bots ?? []) {
      push('bot_up', 'bool', bot.instance, t, bot.up ? 1 : 0);
      for (const s of bot.samples) {
        if (s.type === 'gauge') push(`${s.name}${labelSuffix(s.labels)}`, gaugeUnit(s.name), bot.instance, t, s.value);
      }
      push(ERRORS_COUNTED_SERIES, 'count', bot.instance, t, errorsCounted(bot.samples));
      if (bot.connectionErrorsTotal !== undefined)
        push('bot_db_connection_errors_total', 'count', bot.instance, t, bot.connectionErrorsTotal);
    }
    for (const p of sample.processes ?? []) {
      const source = p.name === 'generator' ? 'loadgen' : p.name;
      push('cpu_percent', '%', source, t, p.cpuPercent);
      push('rss_bytes', 'bytes', source, t, p.rssBytes);
    }
    if (sample.eventLoop !== undefined) {
      push('event_loop_lag_ms', 'ms', 'loadgen', t, sample.eventLoop.p99Ms);
      // The mean beside the p99 (the fidelity estimate reads the p99: loadgen/fidelity/signals.ts).
      push('event_loop_lag_mean_ms', 'ms', 'loadgen', t, sample.eventLoop.meanMs);
    }
    if (sample.postgres !== undefined) {
      push('pg_connections', 'connections', 'postgres', t, sample.postgres.clientConnections);
      push('pg_lock_waits', 'connections', 'postgres', t, sample.postgres.lockWaits);
    }
    if (sample.probe !== undefined) push('pg_connect_ms', 'ms', 'postgres', t, sample.probe.connectMs);
    if (sample.fakes !== undefined) {
      push('telegram_pending_updates', 'updates', 'fake-telegram', t, sample.fakes.telegramPendingUpdates);
      push('webhook_in_flight', 'requests', 'fake-telegram', t, sample.fakes.webhookInFlight);
      push('claude_calls_total', 'count', 'fake-claude', t, sample.fakes.claudeCalls);
      push('claude_errors_total', 'count', 'fake-claude', t, sample.fakes.claudeErrors);
    }
    if (sample.instances !== undefined) push('instances_up', 'instances', 'run', t, sample.instances);
  }
  return [...series.values()];
}

/**
 * The series of what a Prometheus alert on the bot's error counters reads: failed or fallback updates, upstream
 * calls answered by a fallback, failed queries. The monitoring matrix's "metrics only" variant is told when it
 * first moves.
 */
export const ERRORS_COUNTED_SERIES = 'bot_errors_counted_total';

function errorsCounted(samples: BotMetricsSample['samples']): number {
  let total = 0;
  for (const s of samples) {
    const failedUpdate =
      s.name === 'bot_updates_total' && (s.labels.outcome === 'error' || s.labels.outcome === 'fallback');
    if (failedUpdate || s.name === 'bot_upstream_fallbacks_total' || s.name === 'bot_db_query_errors_total')
      total += s.value;
  }
  return total;
}

function gaugeUnit(name: string): string {
  if (name.endsWith('_bytes')) return 'bytes';
  if (name.endsWith('_seconds')) return 's';
  if (name.includes('connections')) return 'connections';
  return 'count';
}

/** What the database section of RunResult needs from the samples. */
export function databaseFigures(samples: readonly RunSample[]): {
  maxConnectionsSeen: number;
  connectionErrors53300: number;
} {
  let maxConnectionsSeen = 0;
  let probe53300 = 0;
  const bot53300 = new Map<string, number>();
  for (const sample of samples) {
    if (sample.postgres !== undefined)
      maxConnectionsSeen = Math.max(maxConnectionsSeen, sample.postgres.clientConnections);
    if (sample.probe !== undefined) probe53300 = Math.max(probe53300, sample.probe.tooManyClientsTotal);
    for (const bot of sample.bots ?? []) {
      const count = bot.samples
        .filter((s) => s.name === 'bot_db_connection_errors_total' && s.labels.sqlstate === '53300')
        .reduce((sum, s) => sum + s.value, 0);
      if (bot.up) bot53300.set(bot.instance, Math.max(bot53300.get(bot.instance) ?? 0, count));
    }
  }
  const fromBots = [...bot53300.values()].reduce((a, b) => a + b, 0);
  // The bots' own counter is what users felt; the probe only stands in for a bot that exports nothing.
  return { maxConnectionsSeen, connectionErrors53300: bot53300.size > 0 ? fromBots : probe53300 };
}

/** Each instance's last successful scrape: counters at the end of the run (a killed instance keeps its last). */
export function lastScrapes(samples: readonly RunSample[]): Map<string, BotMetricsSample> {
  const last = new Map<string, BotMetricsSample>();
  for (const sample of samples) for (const bot of sample.bots ?? []) if (bot.up) last.set(bot.instance, bot);
  return last;
}
