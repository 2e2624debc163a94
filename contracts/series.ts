import type { RunResult, TimeSeries } from './run-result.ts';

/**
 * The time series a RunResult carries, by meaning: what writers name them and what reports and thresholds
 * read from `RunResult.timeSeries`. The schema leaves names free, so each meaning lists the names
 * accepted, preferred first: the loadgen's own series
 * (loadgen/metrics/time-series.ts), then the bot's Prometheus names (bot/observability, bot/resilience),
 * then botcap's earlier spellings. A series whose name is an accepted name followed by `{labels}` also
 * matches (one series per label set). Sources name the process: `loadgen`, `bot-2`, `postgres`.
 */
export const SERIES = {
  /** Active virtual users (source `loadgen`). */
  vus: ['active_vus', 'vus'],
  /** Replies received per simulated second (source `loadgen`). */
  repliesPerS: ['replies_per_s'],
  /** Reply latency percentiles of the replies completed in each interval, simulated ms (source `loadgen`). */
  replyLatencyP50Ms: ['reply_p50_ms', 'reply_latency_p50_ms'],
  replyLatencyP95Ms: ['reply_p95_ms', 'reply_latency_p95_ms'],
  replyLatencyP99Ms: ['reply_p99_ms', 'reply_latency_p99_ms'],
  /** The same for the first visible output of each update (source `loadgen`). */
  replyFirstP50Ms: ['reply_first_p50_ms'],
  replyFirstP95Ms: ['reply_first_p95_ms'],
  replyFirstP99Ms: ['reply_first_p99_ms'],
  /** node-postgres Pool.waitingCount / totalCount per bot process (source `bot-N`). */
  pgPoolWaiting: ['bot_db_pool_waiting_clients', 'pg_pool_waiting'],
  pgPoolTotal: ['bot_db_pool_total_connections', 'pg_pool_total'],
  /** Server-side connections from pg_stat_activity (source `postgres`). */
  pgConnections: ['pg_connections', 'pg_stat_activity_connections'],
  /** Updates the fake Telegram holds for the bot (not yet fetched or delivered; source `fake-telegram`). */
  telegramPendingUpdates: ['telegram_pending_updates'],
  /** Sessions waiting on a lock, from pg_locks (source `postgres`). */
  pgLockWaits: ['pg_lock_waits'],
  /** Users above their digest slot's cap, summed over the day, read from the database (source `bot-N`, each the same figure). */
  slotUsersOverCap: ['bot_slot_users_over_cap'],
  /** Users who sent /start and have not booked a digest time, read from the database (source `bot-N`, each the same figure). */
  onboardingUnfinished: ['bot_users_onboarding_unfinished'],
  /** Upstream calls waiting for / holding a bulkhead slot (source `bot-N`). */
  bulkheadQueue: ['bot_bulkhead_queued', 'claude_bulkhead_queue'],
  bulkheadActive: ['bot_bulkhead_in_flight', 'claude_bulkhead_active'],
  /** Circuit breaker state: 0 closed, 1 half-open, 2 open (source `bot-N`). */
  breakerState: ['bot_breaker_state', 'breaker_state'],
  /** Process CPU (100 = one core), RSS and event-loop lag (source: the process name). */
  cpuPercent: ['cpu_percent'],
  rssBytes: ['rss_bytes'],
  eventLoopLagMs: ['event_loop_lag_ms'],
} as const satisfies Record<string, readonly string[]>;

export type SeriesKey = keyof typeof SERIES;

/** The name a writer should use for a meaning (the first accepted one). */
export function seriesName(key: SeriesKey): string {
  return SERIES[key][0];
}

function matches(name: string, accepted: readonly string[]): boolean {
  return accepted.some((a) => name === a || (name.startsWith(a) && name[a.length] === '{'));
}

/**
 * Every series with that meaning, one per source (and label set).
 *
 * @example
 * seriesFor(result, 'pgPoolWaiting').map((s) => s.source) // ['bot-1', 'bot-2']
 */
export function seriesFor(result: RunResult, key: SeriesKey): TimeSeries[] {
  return result.timeSeries.filter((s) => matches(s.name, SERIES[key]));
}
