import type { RunResult, TimeSeries } from '../../contracts/run-result.ts';
import { type SeriesKey, seriesFor } from '../../contracts/series.ts';
import { bucketHistogram, niceEdgesMs, summariseHistogram } from './histogram.ts';
import { downsample, summariseSeries } from './series.ts';
import { ANALYSIS_SCHEMA_VERSION, type BreakerPeriod, type Point, type RunAnalysis } from './types.ts';

export interface AnalyzeRunOptions {
  /** Points kept per time series for charts. Default 300. */
  maxPoints?: number;
}

export const ANALYZE_RUN_DEFAULTS = { maxPoints: 300 } as const;

const BREAKER_STATES = ['closed', 'half-open', 'open'] as const;

/**
 * Everything one run says about capacity, as plain data (see RunAnalysis).
 *
 * @example
 * const analysis = analyzeRun(readRunResult('out/run.json'));
 * analysis.latency.replyFinal.p95Ms // 2350
 */
export function analyzeRun(result: RunResult, options: AnalyzeRunOptions = {}): RunAnalysis {
  const maxPoints = options.maxPoints ?? ANALYZE_RUN_DEFAULTS.maxPoints;
  const durationS = result.durationSimulatedS;
  const replies = Math.max(0, result.load.updatesInjected - result.correctness.lostUpdates);
  const summaries = (key: SeriesKey) => seriesFor(result, key).map((s) => summariseSeries(s, maxPoints));
  const firstPoints = (key: SeriesKey): Point[] => downsample(seriesFor(result, key)[0]?.points ?? [], maxPoints);
  const digests = result.correctness.digests;
  const lateness = summariseHistogram(digests.lateness);
  const vus = seriesFor(result, 'vus')[0];
  const status = result.claude.statusCounts;
  return {
    schemaVersion: ANALYSIS_SCHEMA_VERSION,
    scenario: result.scenario.name,
    variant: result.variant ?? null,
    status: result.status,
    timeScale: result.timeScale,
    durationSimulatedS: durationS,
    load: {
      model: result.load.model,
      maxVus: result.load.maxVus,
      population: result.load.population,
      updatesInjected: result.load.updatesInjected,
      updatesDropped: result.load.updatesDropped,
      updatesByAction: result.load.updatesByAction,
    },
    throughput: {
      repliesPerS: durationS > 0 ? replies / durationS : 0,
      updatesInjectedPerS: durationS > 0 ? result.load.updatesInjected / durationS : 0,
      overTime: firstPoints('repliesPerS'),
    },
    latency: {
      replyFinal: summariseHistogram(result.latency.replyFinal),
      replyFirst: summariseHistogram(result.latency.replyFirst),
      byAction: Object.fromEntries(
        Object.entries(result.latency.byAction).map(([action, h]) => [action, summariseHistogram(h)]),
      ),
      overTime: {
        p50: firstPoints('replyLatencyP50Ms'),
        p95: firstPoints('replyLatencyP95Ms'),
        p99: firstPoints('replyLatencyP99Ms'),
      },
    },
    concurrency: {
      peakVus: vus === undefined ? result.load.maxVus : Math.max(0, ...vus.points.map(([, v]) => v)),
      vusOverTime: downsample(vus?.points ?? [], maxPoints),
      claudePeakConcurrency: result.claude.peakConcurrency,
    },
    errors: {
      byKind: result.correctness.errorsByKind,
      claudeStatusCounts: status,
      claude429: status['429'] ?? 0,
      claude529: status['529'] ?? 0,
      claudeRetries: result.claude.retries,
      telegram429: result.telegram.floodLimited429,
      connectionErrors53300: result.database.connectionErrors53300,
    },
    correctness: {
      lostUpdates: result.correctness.lostUpdates,
      duplicateReplies: result.correctness.duplicateReplies,
      outOfOrderReplies: result.correctness.outOfOrderReplies,
      fallbackReplies: result.correctness.fallbackReplies,
      digests: {
        expected: digests.expected,
        delivered: digests.delivered,
        missing: digests.missing,
        duplicated: digests.duplicated,
        usersMoved: digests.usersMoved,
        lateness,
        latenessBuckets: bucketHistogram(digests.lateness, niceEdgesMs(lateness.maxMs ?? 0)),
      },
    },
    database: {
      maxConnections: result.environment.postgres.maxConnections,
      maxConnectionsSeen: result.database.maxConnectionsSeen,
      connectionsUsedFraction:
        result.environment.postgres.maxConnections > 0
          ? result.database.maxConnectionsSeen / result.environment.postgres.maxConnections
          : 0,
      poolWait: result.database.poolWaitMs === undefined ? null : summariseHistogram(result.database.poolWaitMs),
      poolWaiting: summaries('pgPoolWaiting'),
      connections: summaries('pgConnections'),
    },
    bulkhead: { queue: summaries('bulkheadQueue'), active: summaries('bulkheadActive') },
    breaker: seriesFor(result, 'breakerState').flatMap(breakerPeriods),
    processes: {
      cpuPercent: summaries('cpuPercent'),
      rssBytes: summaries('rssBytes'),
      eventLoopLagMs: summaries('eventLoopLagMs'),
    },
  };
}

/** Contiguous periods of one breaker state; a period ends where the next sample shows another state. */
export function breakerPeriods(series: TimeSeries): BreakerPeriod[] {
  const periods: BreakerPeriod[] = [];
  for (const [t, v] of series.points) {
    const state = BREAKER_STATES[Math.max(0, Math.min(2, Math.round(v)))]!;
    const last = periods[periods.length - 1];
    if (last !== undefined && last.state === state) {
      last.endMs = t;
      continue;
    }
    if (last !== undefined) last.endMs = t;
    periods.push({ source: series.source, state, startMs: t, endMs: t });
  }
  return periods;
}
