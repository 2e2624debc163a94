import type { TimeSeries } from '../../contracts/run-result.ts';
import type { FidelityInterval, ProcessInterval } from './estimate.ts';

/**
 * The series the fidelity estimate reads from a run's time series, by name. The generator writes its own
 * (loadgen/metrics/time-series.ts, the run sampler); the bots' event-loop lag is prom-client's default
 * `nodejs_eventloop_lag_p99_seconds`, which any Node bot exporting default metrics has; a bot in another
 * language contributes its CPU only.
 */
export const FIDELITY_SERIES = {
  updatesPerS: 'updates_per_s',
  digestsPerS: 'digests_sent_per_s',
  /** Bot API calls the bots made per simulated second: the hops an item makes across the event loops. */
  telegramCallsPerS: 'telegram_calls_per_s',
  /** Mean (injected - intended) of the updates injected in the bucket, simulated ms. */
  injectionLagMs: 'injection_lag_ms',
  /** Mean lag between a reply's record and the generator handing it to its VU, simulated ms. */
  replyProcessingLagMs: 'reply_processing_lag_ms',
  cpuPercent: 'cpu_percent',
  /**
   * The generator's own loop (source `loadgen`): the 99th percentile of timer delay, resolution included,
   * real ms. The tail, not the mean: a p95 budget sees the slowest updates, and those are the ones that met a
   * loop stall (a GC pause, a burst of callbacks). With the mean, a run at 4x judged itself within a 150 ms
   * bound while its first-output p95 moved 527 ms from the same run at 2x (orchestration/fidelity.e2e.test.ts).
   */
  generatorLoopLagMs: 'event_loop_lag_ms',
  /** A Node bot's loop (prom-client): the 99th percentile of timer delay, resolution included, real seconds. */
  botLoopLagS: 'nodejs_eventloop_lag_p99_seconds',
} as const;

/** monitorEventLoopDelay's resolution in both the generator and prom-client (default 10 ms): an idle loop reads ~10.3 ms. */
export const EVENT_LOOP_RESOLUTION_MS = 10;

function valueNear(series: TimeSeries | undefined, tMs: number, withinMs: number): number | undefined {
  if (series === undefined) return undefined;
  let best: number | undefined;
  let bestGap = Number.POSITIVE_INFINITY;
  for (const [t, v] of series.points) {
    const gap = Math.abs(t - tMs);
    if (gap < bestGap && gap <= withinMs) {
      bestGap = gap;
      best = v;
    }
  }
  return best;
}

/**
 * The run's fidelity intervals, one per generator bucket (one real second), with each process's CPU and
 * event-loop lag taken from the sampler tick nearest the bucket's end.
 *
 * @example
 * fidelityIntervals(result.timeSeries, { timeScale: 20, bucketMs: 20_000 })[0]
 * // { startMs: 0, endMs: 20_000, items: 31, injectionLagMs: 0.4, processes: [{ name: 'loadgen', ... }, ...] }
 */
export function fidelityIntervals(
  timeSeries: readonly TimeSeries[],
  options: { timeScale: number; bucketMs: number },
): FidelityInterval[] {
  const named = (name: string, source?: string) =>
    timeSeries.filter((s) => s.name === name && (source === undefined || s.source === source));
  const updates = named(FIDELITY_SERIES.updatesPerS, 'loadgen')[0];
  if (updates === undefined) return [];
  const digests = named(FIDELITY_SERIES.digestsPerS, 'loadgen')[0];
  const calls = named(FIDELITY_SERIES.telegramCallsPerS, 'loadgen')[0];
  const injection = named(FIDELITY_SERIES.injectionLagMs, 'loadgen')[0];
  const replyProcessing = named(FIDELITY_SERIES.replyProcessingLagMs, 'loadgen')[0];
  const cpu = named(FIDELITY_SERIES.cpuPercent);
  const generatorLag = named(FIDELITY_SERIES.generatorLoopLagMs, 'loadgen')[0];
  const botLag = new Map(named(FIDELITY_SERIES.botLoopLagS).map((s) => [s.source, s]));
  const sources = [...new Set(cpu.map((s) => s.source))];
  const lagMs = (raw: number | undefined) =>
    raw === undefined ? undefined : Math.max(0, raw - EVENT_LOOP_RESOLUTION_MS);
  const withinMs = options.bucketMs;

  return updates.points.map(([endMs, updatesPerS], i) => {
    const startMs = i === 0 ? Math.max(0, endMs - options.bucketMs) : updates.points[i - 1]![0];
    const seconds = (endMs - startMs) / 1000;
    const digestsPerS = digests?.points[i]?.[1] ?? 0;
    const processes: ProcessInterval[] = sources.map((source) => {
      const role: ProcessInterval['role'] =
        source === 'loadgen' ? 'generator' : botLag.has(source) || /^bot-\d+$/.test(source) ? 'bot' : 'other';
      const lag =
        role === 'generator'
          ? lagMs(valueNear(generatorLag, endMs, withinMs))
          : role === 'bot'
            ? lagMs(mapDefined(valueNear(botLag.get(source), endMs, withinMs), (s) => s * 1000))
            : undefined;
      return {
        name: source,
        role,
        ...optional(
          'cpuPercent',
          valueNear(
            cpu.find((s) => s.source === source),
            endMs,
            withinMs,
          ),
        ),
        ...optional('loopLagMs', lag),
      };
    });
    return {
      startMs,
      endMs,
      items: Math.round((updatesPerS + digestsPerS) * seconds),
      hopsPerItem: updatesPerS + digestsPerS > 0 ? 1 + (calls?.points[i]?.[1] ?? 0) / (updatesPerS + digestsPerS) : 1,
      injectionLagMs: (injection?.points[i]?.[1] ?? 0) / options.timeScale,
      ...optional(
        'replyProcessingLagMs',
        mapDefined(replyProcessing?.points[i]?.[1], (ms) => ms / options.timeScale),
      ),
      processes,
    };
  });
}

function mapDefined<T, U>(value: T | undefined, f: (value: T) => U): U | undefined {
  return value === undefined ? undefined : f(value);
}

function optional<K extends string>(key: K, value: number | undefined): { [P in K]?: number } {
  return (value === undefined ? {} : { [key]: value }) as { [P in K]?: number };
}
