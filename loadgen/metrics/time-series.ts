import type { TimeSeries } from '../../contracts/run-result.ts';
import { createHistogram, recordValue } from './histogram.ts';

/** Inputs of the run's own time series, all on the run's axis (simulated ms since start). */
export interface TimeSeriesInput {
  durationMs: number;
  /** Bucket width, simulated ms (the runner uses one real second: timeScale x 1000). */
  bucketMs: number;
  /** Intended times of injected updates. */
  updatesAtMs: readonly number[];
  /** Reply times with their latency (replyFinal), simulated ms. */
  replies: ReadonlyArray<readonly [atMs: number, latencyMs: number]>;
  /** Updates with no reply by the deadline, at their deadline with the deadline as latency (a lower bound). */
  timedOut?: ReadonlyArray<readonly [atMs: number, latencyMs: number]>;
  /** First visible output of each update (replyFirst), at the time it appeared (or the deadline). */
  firsts?: ReadonlyArray<readonly [atMs: number, latencyMs: number]>;
  /** Times of errors: failed bot calls, lost updates (at their deadline), dropped arrivals. */
  errorsAtMs: readonly number[];
  /** Samples of busy VUs, [tMs, vus], in time order. */
  activeVus: ReadonlyArray<readonly [atMs: number, vus: number]>;
  /** Intended times of injected updates with their action kind: one `updates_per_s{action="..."}` series each. */
  updatesByAction?: ReadonlyArray<readonly [atMs: number, action: string]>;
  /** Times digests were delivered (the bot's digest sends). */
  digestsAtMs?: readonly number[];
  /** Times of every Bot API call the bot made (replies, chat actions, digests, ...). */
  botCallsAtMs?: readonly number[];
  /**
   * Each injected update's intended time and how late the generator injected it (actual - intended,
   * simulated ms): the generator's own lag, one input of the fidelity estimate (loadgen/fidelity).
   */
  injectionLags?: ReadonlyArray<readonly [atMs: number, lagMs: number]>;
  /** Intended send times of the updates that were lost, and of those answered with the fallback. */
  lostAtMs?: readonly number[];
  fallbacksAtMs?: readonly number[];
  /** Per reply a VU took: [recorded at, lag until the generator took it], simulated ms. */
  replyProcessingLags?: ReadonlyArray<readonly [atMs: number, lagMs: number]>;
}

/**
 * Per-bucket series for the report's charts: updates/s, replies/s, p50/p95/p99 of the replies completed
 * in the bucket (updates that timed out count in the bucket of their deadline, at the deadline, so a stall
 * shows as slow intervals rather than empty, "fast" ones), the same for the first visible output, active
 * VUs, errors/s (names as reports/analysis/series.ts reads them), and - for the capacity model's
 * utilization-law regression, which needs each interval's mix - updates/s per action kind
 * (`updates_per_s{action="question"}`), digests delivered/s and Bot API calls/s. Rates are per simulated
 * second, points at each bucket's end; a bucket without any reply has latency 0. With `injectionLags`, also
 * `injection_lag_ms`: the mean lateness of the updates injected in the bucket (simulated ms).
 *
 * @example
 * buildTimeSeries({ durationMs: 10_000, bucketMs: 1000, updatesAtMs: [0, 10], replies: [[120, 110]], errorsAtMs: [], activeVus: [] })
 * // [{ name: 'updates_per_s', unit: '1/s', source: 'loadgen', points: [[1000, 2], [2000, 0], ...] }, ...]
 */
export function buildTimeSeries(input: TimeSeriesInput): TimeSeries[] {
  const buckets = Math.max(1, Math.ceil(input.durationMs / input.bucketMs));
  const perS = 1000 / input.bucketMs;
  const index = (atMs: number) => Math.min(buckets - 1, Math.max(0, Math.floor(atMs / input.bucketMs)));
  const count = (times: readonly number[]) => {
    const counts = new Array<number>(buckets).fill(0);
    for (const atMs of times) counts[index(atMs)]! += 1;
    return counts;
  };
  const end = (i: number) => Math.min((i + 1) * input.bucketMs, input.durationMs);
  const series = (name: string, unit: string, values: readonly number[]): TimeSeries => ({
    name,
    unit,
    source: 'loadgen',
    points: values.map((value, i) => [end(i), value] as [number, number]),
  });

  const percentiles = (samples: ReadonlyArray<readonly [number, number]>) => {
    const histograms = new Map<number, ReturnType<typeof createHistogram>>();
    for (const [atMs, latencyMs] of samples) {
      const i = index(atMs);
      let histogram = histograms.get(i);
      if (histogram === undefined) {
        histogram = createHistogram();
        histograms.set(i, histogram);
      }
      recordValue(histogram, latencyMs);
    }
    const at = (percentile: number) => {
      const values = new Array<number>(buckets).fill(0);
      for (const [i, histogram] of histograms) values[i] = histogram.getValueAtPercentile(percentile);
      return values;
    };
    return { p50: at(50), p95: at(95), p99: at(99) };
  };
  const final = percentiles([...input.replies, ...(input.timedOut ?? [])]);
  const first = percentiles(input.firsts ?? []);

  const active = new Array<number>(buckets).fill(0);
  let sample = 0;
  let last = 0;
  for (let i = 0; i < buckets; i++) {
    while (sample < input.activeVus.length && input.activeVus[sample]![0] <= end(i))
      last = input.activeVus[sample++]![1];
    active[i] = last;
  }

  return [
    series(
      'updates_per_s',
      '1/s',
      count(input.updatesAtMs).map((c) => c * perS),
    ),
    series(
      'replies_per_s',
      '1/s',
      count(input.replies.map(([atMs]) => atMs)).map((c) => c * perS),
    ),
    series('reply_p50_ms', 'ms', final.p50),
    series('reply_p95_ms', 'ms', final.p95),
    series('reply_p99_ms', 'ms', final.p99),
    ...(input.firsts === undefined
      ? []
      : [
          series('reply_first_p50_ms', 'ms', first.p50),
          series('reply_first_p95_ms', 'ms', first.p95),
          series('reply_first_p99_ms', 'ms', first.p99),
        ]),
    series('active_vus', 'vus', active),
    series(
      'errors_per_s',
      '1/s',
      count(input.errorsAtMs).map((c) => c * perS),
    ),
    ...byActionSeries(input.updatesByAction ?? []).map(([action, times]) =>
      series(
        `updates_per_s{action="${action}"}`,
        '1/s',
        count(times).map((c) => c * perS),
      ),
    ),
    ...(input.digestsAtMs === undefined
      ? []
      : [
          series(
            'digests_sent_per_s',
            '1/s',
            count(input.digestsAtMs).map((c) => c * perS),
          ),
        ]),
    ...(input.botCallsAtMs === undefined
      ? []
      : [
          series(
            'telegram_calls_per_s',
            '1/s',
            count(input.botCallsAtMs).map((c) => c * perS),
          ),
        ]),
    ...(input.injectionLags === undefined ? [] : [series('injection_lag_ms', 'ms', meanByBucket(input.injectionLags))]),
    ...(input.lostAtMs === undefined
      ? []
      : [
          series(
            'lost_per_s',
            '1/s',
            count(input.lostAtMs).map((c) => c * perS),
          ),
        ]),
    ...(input.fallbacksAtMs === undefined
      ? []
      : [
          series(
            'fallbacks_per_s',
            '1/s',
            count(input.fallbacksAtMs).map((c) => c * perS),
          ),
        ]),
    ...(input.replyProcessingLags === undefined
      ? []
      : [series('reply_processing_lag_ms', 'ms', meanByBucket(input.replyProcessingLags))]),
  ];

  /** The mean value of the samples in each bucket (0 for a bucket without any). */
  function meanByBucket(samples: ReadonlyArray<readonly [number, number]>): number[] {
    const sums = new Array<number>(buckets).fill(0);
    const counts = new Array<number>(buckets).fill(0);
    for (const [atMs, value] of samples) {
      sums[index(atMs)]! += value;
      counts[index(atMs)]! += 1;
    }
    return sums.map((sum, i) => (counts[i]! > 0 ? sum / counts[i]! : 0));
  }
}

/** Injection times grouped by action kind, kinds in first-seen order. */
function byActionSeries(updates: ReadonlyArray<readonly [number, string]>): Array<[string, number[]]> {
  const byAction = new Map<string, number[]>();
  for (const [atMs, action] of updates) {
    let times = byAction.get(action);
    if (times === undefined) {
      times = [];
      byAction.set(action, times);
    }
    times.push(atMs);
  }
  return [...byAction];
}
