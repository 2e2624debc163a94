import type { RunResult, TimeSeries } from '../../contracts/run-result.ts';
import type { Point, SeriesSummary } from './types.ts';

/**
 * The time series the analysis reads from `RunResult.timeSeries`, by meaning. The schema leaves names free,
 * so each meaning lists the names accepted, preferred first: the loadgen's own series
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

/** Every series called exactly `name`, one per source. */
export function seriesNamed(result: RunResult, name: string): TimeSeries[] {
  return result.timeSeries.filter((s) => s.name === name);
}

/** Points of `series` with `fromMs <= t < toMs`. */
export function pointsBetween(series: TimeSeries, fromMs: number, toMs: number): Point[] {
  return series.points.filter(([t]) => t >= fromMs && t < toMs);
}

/**
 * Reduces `points` to at most `maxPoints` by bucketing on time and keeping each bucket's mean,
 * except that a bucket holding the series maximum keeps that maximum (so a spike survives a chart).
 *
 * @example
 * downsample(oneHourAt1s, 600).length // 600
 */
export function downsample(points: readonly Point[], maxPoints: number): Point[] {
  if (points.length <= maxPoints || maxPoints < 1) return points.map(([t, v]) => [t, v]);
  const perBucket = points.length / maxPoints;
  let peak = Number.NEGATIVE_INFINITY;
  for (const [, v] of points) peak = Math.max(peak, v);
  const out: Point[] = [];
  for (let b = 0; b < maxPoints; b++) {
    const slice = points.slice(Math.floor(b * perBucket), Math.floor((b + 1) * perBucket));
    if (slice.length === 0) continue;
    const hasPeak = slice.some(([, v]) => v === peak);
    const mean = slice.reduce((sum, [, v]) => sum + v, 0) / slice.length;
    out.push([slice[0]![0], hasPeak ? peak : mean]);
  }
  return out;
}

/** The q-quantile (0..1) of `values` by nearest rank; null when empty. */
export function quantile(values: readonly number[], q: number): number | null {
  if (values.length === 0) return null;
  const sorted = [...values].sort((a, b) => a - b);
  const rank = Math.min(sorted.length - 1, Math.max(0, Math.ceil(q * sorted.length) - 1));
  return sorted[rank]!;
}

/**
 * Min/mean/p95/max/last of one series plus its downsampled points.
 *
 * @example
 * summariseSeries(cpuOfBot1, 300).max // 98
 */
export function summariseSeries(series: TimeSeries, maxPoints = 300): SeriesSummary {
  const values = series.points.map(([, v]) => v);
  const empty = values.length === 0;
  return {
    name: series.name,
    source: series.source,
    unit: series.unit,
    samples: values.length,
    min: empty ? null : Math.min(...values),
    mean: empty ? null : values.reduce((a, b) => a + b, 0) / values.length,
    p95: quantile(values, 0.95),
    max: empty ? null : Math.max(...values),
    last: empty ? null : values[values.length - 1]!,
    points: downsample(series.points, maxPoints),
  };
}
