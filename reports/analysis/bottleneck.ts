import type { RunResult } from '../../contracts/run-result.ts';
import { type SeriesKey, seriesFor, seriesName } from '../../contracts/series.ts';
import { quantile } from './series.ts';
import type { SaturationSignal } from './types.ts';

/** One load level's slice of a run: a ramp phase, or a whole run of a set of runs. */
export interface LoadWindow {
  load: number;
  result: RunResult;
  fromMs: number;
  toMs: number;
}

/** The saturation thresholds; every option optional, defaults below. */
export interface SaturationOptions {
  /** CPU percent (100 = one core) at which a process counts as saturated. Default 90. */
  cpuPercent?: number;
  /** Event-loop lag at which a Node process counts as saturated, ms. Default 100. */
  eventLoopLagMs?: number;
  /** Share of max_connections at which Postgres counts as saturated. Default 0.9. */
  connectionsFraction?: number;
}

export const SATURATION_DEFAULTS = { cpuPercent: 90, eventLoopLagMs: 100, connectionsFraction: 0.9 } as const;

function resolveSaturation(options: SaturationOptions): Required<SaturationOptions> {
  return {
    cpuPercent: options.cpuPercent ?? SATURATION_DEFAULTS.cpuPercent,
    eventLoopLagMs: options.eventLoopLagMs ?? SATURATION_DEFAULTS.eventLoopLagMs,
    connectionsFraction: options.connectionsFraction ?? SATURATION_DEFAULTS.connectionsFraction,
  };
}

interface Rule {
  resource: SaturationSignal['resource'];
  series: SeriesKey;
  /** The rule in words, for reports. */
  text: (o: Required<SaturationOptions>) => string;
  holds: (value: number, o: Required<SaturationOptions>, result: RunResult) => boolean;
  /** `max` for states (one open sample counts), `median` for gauges (one spike does not). */
  reduce: 'median' | 'max';
  sentence: (source: string, value: number, load: string, result: RunResult) => string;
}

/** In order of precedence when two resources saturate at the same load. */
const RULES: readonly Rule[] = [
  {
    resource: 'pg-pool',
    series: 'pgPoolWaiting',
    text: () => `pg pool: median of ${seriesName('pgPoolWaiting')} over the level > 0 (clients queue for a connection)`,
    holds: (v) => v > 0,
    reduce: 'median',
    sentence: (source, v, load) => `pg pool waiting > 0 from ${load} (${source}: ${fmt(v)} waiting)`,
  },
  {
    resource: 'pg-connections',
    series: 'pgConnections',
    text: (o) =>
      `Postgres: median of ${seriesName('pgConnections')} >= ${o.connectionsFraction * 100}% of max_connections`,
    holds: (v, o, r) => v >= o.connectionsFraction * r.environment.postgres.maxConnections,
    reduce: 'median',
    sentence: (_s, v, load, r) =>
      `Postgres connections at ${fmt(v)} of max_connections ${r.environment.postgres.maxConnections} from ${load}`,
  },
  {
    resource: 'claude-bulkhead',
    series: 'bulkheadQueue',
    text: () => `Claude bulkhead: median of ${seriesName('bulkheadQueue')} over the level > 0 (calls wait for a slot)`,
    holds: (v) => v > 0,
    reduce: 'median',
    sentence: (source, v, load) => `Claude bulkhead queue grew from ${load} (${source}: ${fmt(v)} waiting)`,
  },
  {
    resource: 'cpu',
    series: 'cpuPercent',
    text: (o) => `CPU: median of ${seriesName('cpuPercent')} of a process >= ${o.cpuPercent}%`,
    holds: (v, o) => v >= o.cpuPercent,
    reduce: 'median',
    sentence: (source, v, load) => `CPU of ${source} at ${Math.round(v)}% from ${load}`,
  },
  {
    resource: 'event-loop',
    series: 'eventLoopLagMs',
    text: (o) => `event loop: median of ${seriesName('eventLoopLagMs')} of a process >= ${o.eventLoopLagMs} ms`,
    holds: (v, o) => v >= o.eventLoopLagMs,
    reduce: 'median',
    sentence: (source, v, load) => `event-loop lag of ${source} at ${Math.round(v)} ms from ${load}`,
  },
  {
    resource: 'breaker',
    series: 'breakerState',
    text: () => `breaker: ${seriesName('breakerState')} reaches 2 (open) at any sample of the level`,
    holds: (v) => v >= 2,
    reduce: 'max',
    sentence: (source, _v, load) => `circuit breaker of ${source} open from ${load}`,
  },
];

function fmt(value: number): string {
  return Number.isInteger(value) ? String(value) : value.toFixed(1);
}

/** The saturation rules in words, as `detectSaturation` applies them. */
export function saturationRules(options: SaturationOptions = {}): string[] {
  const o = resolveSaturation(options);
  return [
    ...RULES.map((rule) => rule.text(o)),
    'bottleneck = the resource whose rule held at the lowest load (ties: the order above)',
  ];
}

/**
 * For each resource rule and each source, the lowest load whose window satisfies it. Windows must be in
 * ascending load order. Gauges are sampled at their timestamp, so a window is `[fromMs, toMs)`.
 *
 * @example
 * detectSaturation(windows, 'VUs')[0]?.sentence // "pg pool waiting > 0 from 140 VUs (bot-1: 2 waiting)"
 */
export function detectSaturation(
  windows: readonly LoadWindow[],
  loadUnit: string,
  options: SaturationOptions = {},
): SaturationSignal[] {
  const o = resolveSaturation(options);
  const signals: SaturationSignal[] = [];
  for (const rule of RULES) {
    const found = new Map<string, SaturationSignal>();
    for (const window of windows) {
      for (const series of seriesFor(window.result, rule.series)) {
        if (found.has(series.source)) continue;
        const values = series.points.filter(([t]) => t >= window.fromMs && t < window.toMs).map(([, v]) => v);
        const value = rule.reduce === 'max' ? (values.length ? Math.max(...values) : null) : quantile(values, 0.5);
        if (value === null || !rule.holds(value, o, window.result)) continue;
        const load = `${fmt(window.load)} ${loadUnit}`;
        found.set(series.source, {
          resource: rule.resource,
          source: series.source,
          metric: series.name,
          fromLoad: window.load,
          value,
          sentence: rule.sentence(series.source, value, load, window.result),
        });
      }
    }
    // One signal per resource: the source that saturated first (e.g. the busiest bot instance).
    const first = [...found.values()].sort((a, b) => a.fromLoad - b.fromLoad)[0];
    if (first !== undefined) signals.push(first);
  }
  return signals.sort((a, b) => a.fromLoad - b.fromLoad);
}
