import type { EncodedHistogram, RunResult } from '../run-result.ts';
import { type SeriesKey, seriesFor } from '../series.ts';
import type { Aggregation } from './parse.ts';

/** k6's metric types, and the aggregations each supports (as in k6). */
export type MetricKind = 'trend' | 'counter' | 'rate' | 'gauge';

export const AGGREGATIONS_BY_KIND: Record<MetricKind, readonly Aggregation[]> = {
  trend: ['avg', 'min', 'max', 'med', 'p'],
  counter: ['count', 'rate'],
  rate: ['rate'],
  gauge: ['value', 'min', 'max'],
};

/** What a metric reads from a RunResult, before aggregation. */
export type MetricData =
  | { kind: 'trend'; histogram: EncodedHistogram | null }
  | { kind: 'counter'; count: number; durationS: number }
  | { kind: 'rate'; fraction: number | null }
  | { kind: 'gauge'; value: number | null; min: number | null; max: number | null };

export interface MetricDefinition {
  name: string;
  kind: MetricKind;
  unit: string;
  description: string;
  /** Tags it can be filtered by, e.g. `action` for reply_latency. */
  tags: readonly string[];
  read: (result: RunResult, tags: Record<string, string>) => MetricData;
}

function trend(
  name: string,
  description: string,
  pick: (r: RunResult) => EncodedHistogram | undefined,
): MetricDefinition {
  return {
    name,
    kind: 'trend',
    unit: 'ms',
    description,
    tags: [],
    read: (r) => ({ kind: 'trend', histogram: pick(r) ?? null }),
  };
}

function counter(name: string, unit: string, description: string, pick: (r: RunResult) => number): MetricDefinition {
  return {
    name,
    kind: 'counter',
    unit,
    description,
    tags: [],
    read: (r) => ({ kind: 'counter', count: pick(r), durationS: r.durationSimulatedS }),
  };
}

function rate(name: string, description: string, pick: (r: RunResult) => [number, number]): MetricDefinition {
  return {
    name,
    kind: 'rate',
    unit: 'fraction',
    description,
    tags: [],
    read: (r) => {
      const [part, whole] = pick(r);
      return { kind: 'rate', fraction: whole > 0 ? part / whole : null };
    },
  };
}

function value(name: string, unit: string, description: string, pick: (r: RunResult) => number): MetricDefinition {
  return {
    name,
    kind: 'gauge',
    unit,
    description,
    tags: [],
    read: (r) => {
      const v = pick(r);
      return { kind: 'gauge', value: v, min: v, max: v };
    },
  };
}

/**
 * A gauge over a time series (names as reports/analysis/series.ts accepts them): value = the highest last
 * sample over sources, min/max over all samples.
 */
function seriesGauge(name: string, key: SeriesKey, unit: string, description: string): MetricDefinition {
  return {
    name,
    kind: 'gauge',
    unit,
    description,
    tags: ['source'],
    read: (r, tags) => {
      const series = seriesFor(r, key).filter((s) => tags.source === undefined || s.source === tags.source);
      const all = series.flatMap((s) => s.points.map(([, v]) => v));
      const lasts = series.map((s) => s.points.at(-1)?.[1]).filter((v) => v !== undefined);
      return {
        kind: 'gauge',
        value: lasts.length ? Math.max(...lasts) : null,
        min: all.length ? Math.min(...all) : null,
        max: all.length ? Math.max(...all) : null,
      };
    },
  };
}

function statusCount(r: RunResult, status: string): number {
  return r.claude.statusCounts[status] ?? 0;
}

/** Every metric a threshold may name. Names are snake_case like k6's built-ins. */
export const METRICS: readonly MetricDefinition[] = [
  {
    name: 'reply_latency',
    kind: 'trend',
    unit: 'ms',
    description: 'intended injection -> last reply, simulated ms; tag action: per action kind',
    tags: ['action'],
    read: (r, tags) => ({
      kind: 'trend',
      histogram: tags.action === undefined ? r.latency.replyFinal : (r.latency.byAction[tags.action] ?? null),
    }),
  },
  trend('reply_first_latency', 'intended injection -> first visible output, simulated ms', (r) => r.latency.replyFirst),
  trend('digest_lateness', 'digest delivered - scheduled, simulated ms', (r) => r.correctness.digests.lateness),
  trend('pg_pool_wait', 'time waiting for a pool connection, simulated ms', (r) => r.database.poolWaitMs),
  counter('lost_updates', 'updates', 'updates with no reply within the deadline', (r) => r.correctness.lostUpdates),
  counter('duplicate_replies', 'replies', 'replies beyond the expected count', (r) => r.correctness.duplicateReplies),
  counter(
    'out_of_order_replies',
    'replies',
    'replies out of update order within a chat',
    (r) => r.correctness.outOfOrderReplies,
  ),
  counter(
    'fallback_replies',
    'replies',
    'fallback texts sent because an upstream failed',
    (r) => r.correctness.fallbackReplies,
  ),
  counter('digests_missing', 'digests', 'scheduled digests never delivered', (r) => r.correctness.digests.missing),
  counter('digests_duplicated', 'digests', 'digests delivered more than once', (r) => r.correctness.digests.duplicated),
  counter('digests_delivered', 'digests', 'digests delivered', (r) => r.correctness.digests.delivered),
  counter('users_moved', 'users', 'users whose digest slot was moved', (r) => r.correctness.digests.usersMoved),
  counter('updates_injected', 'updates', 'updates injected', (r) => r.load.updatesInjected),
  counter(
    'updates_dropped',
    'updates',
    'open models: updates not injected on time (k6 dropped_iterations)',
    (r) => r.load.updatesDropped,
  ),
  counter(
    'connection_errors',
    'errors',
    'Postgres "too many clients" (SQLSTATE 53300)',
    (r) => r.database.connectionErrors53300,
  ),
  counter('claude_calls', 'calls', 'Claude calls', (r) => r.claude.total.calls),
  counter('claude_429', 'responses', 'Claude 429 rate-limit responses', (r) => statusCount(r, '429')),
  counter('claude_529', 'responses', 'Claude 529 overloaded responses', (r) => statusCount(r, '529')),
  counter('claude_retries', 'calls', 'Claude calls that were retries', (r) => r.claude.retries),
  counter('telegram_429', 'responses', 'Telegram flood-limit 429s', (r) => r.telegram.floodLimited429),
  counter(
    'webhook_redeliveries',
    'updates',
    'webhook updates Telegram delivered again',
    (r) => r.telegram.webhookRedeliveries,
  ),
  {
    name: 'errors',
    kind: 'counter',
    unit: 'errors',
    description: 'errors by kind; tag kind: one kind (e.g. {kind:claude_429})',
    tags: ['kind'],
    read: (r, tags) => ({
      kind: 'counter',
      count:
        tags.kind === undefined
          ? Object.values(r.correctness.errorsByKind).reduce((a, b) => a + b, 0)
          : (r.correctness.errorsByKind[tags.kind] ?? 0),
      durationS: r.durationSimulatedS,
    }),
  },
  rate('failed_updates', '(lost + fallback replies) / updates injected', (r) => [
    r.correctness.lostUpdates + r.correctness.fallbackReplies,
    r.load.updatesInjected,
  ]),
  rate('claude_errors', 'Claude non-2xx responses / all responses', (r) => {
    const entries = Object.entries(r.claude.statusCounts);
    const total = entries.reduce((sum, [, n]) => sum + n, 0);
    return [entries.filter(([s]) => !s.startsWith('2')).reduce((sum, [, n]) => sum + n, 0), total];
  }),
  rate('digest_failures', '(missing + duplicated digests) / expected', (r) => [
    r.correctness.digests.missing + r.correctness.digests.duplicated,
    r.correctness.digests.expected,
  ]),
  {
    // The run's Claude cost as priced when it was made (RunResult claude.costUsd: the shipped pricing data,
    // as `botcap cost` prices it); per 1,000 updates so a slower system (fewer updates in the same time) does
    // not look cheaper. Results written before the field existed have no value.
    name: 'claude_cost_per_1k_updates',
    kind: 'gauge',
    unit: 'USD',
    description: 'Claude dollars per 1,000 updates injected (the shipped pricing data)',
    tags: [],
    read: (r) => {
      const usd = r.claude.costUsd;
      const perK = usd === undefined || r.load.updatesInjected === 0 ? null : (usd * 1000) / r.load.updatesInjected;
      return { kind: 'gauge', value: perK, min: perK, max: perK };
    },
  },
  value('max_connections_seen', 'connections', 'most server connections seen', (r) => r.database.maxConnectionsSeen),
  value('claude_peak_concurrency', 'calls', 'most Claude calls in flight', (r) => r.claude.peakConcurrency),
  seriesGauge('vus', 'vus', 'VUs', 'active virtual users'),
  seriesGauge(
    'pg_pool_waiting',
    'pgPoolWaiting',
    'clients',
    'clients waiting for a pool connection; tag source: one process',
  ),
  seriesGauge(
    'claude_bulkhead_queue',
    'bulkheadQueue',
    'calls',
    'calls waiting for a Claude slot; tag source: one process',
  ),
  seriesGauge('cpu_percent', 'cpuPercent', '%', 'process CPU (100 = one core); tag source: one process'),
  seriesGauge('rss_bytes', 'rssBytes', 'bytes', 'process resident memory; tag source: one process'),
  seriesGauge('event_loop_lag_ms', 'eventLoopLagMs', 'ms', 'event-loop lag; tag source: one process'),
];

const BY_NAME = new Map(METRICS.map((m) => [m.name, m]));

/** The definition of a metric name, or undefined. */
export function metricDefinition(name: string): MetricDefinition | undefined {
  return BY_NAME.get(name);
}
