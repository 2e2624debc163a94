import * as hdr from 'hdr-histogram-js';
import { decodeHistogram } from '../../contracts/histogram.ts';
import type { EncodedHistogram } from '../../contracts/run-result.ts';
import type { HistogramBucket, LatencySummary } from './types.ts';

const EMPTY_SUMMARY: LatencySummary = {
  count: 0,
  minMs: null,
  meanMs: null,
  p50Ms: null,
  p90Ms: null,
  p95Ms: null,
  p99Ms: null,
  maxMs: null,
};

/**
 * Value at a percentile (0..100) of an encoded histogram; null when nothing was recorded.
 *
 * @example
 * percentileOf(result.latency.replyFinal, 95) // 2350
 */
export function percentileOf(encoded: EncodedHistogram, percentile: number): number | null {
  if (encoded.count === 0) return null;
  const histogram = decodeHistogram(encoded);
  return histogram.totalCount === 0 ? null : histogram.getValueAtPercentile(percentile);
}

/**
 * count/min/mean/p50/p90/p95/p99/max of an encoded histogram, in its own unit.
 *
 * @example
 * summariseHistogram(result.latency.replyFinal).p95Ms
 */
export function summariseHistogram(encoded: EncodedHistogram): LatencySummary {
  if (encoded.count === 0) return { ...EMPTY_SUMMARY };
  const h = decodeHistogram(encoded);
  if (h.totalCount === 0) return { ...EMPTY_SUMMARY };
  return {
    count: h.totalCount,
    minMs: h.minNonZeroValue,
    meanMs: Math.round(h.mean * 10) / 10,
    p50Ms: h.getValueAtPercentile(50),
    p90Ms: h.getValueAtPercentile(90),
    p95Ms: h.getValueAtPercentile(95),
    p99Ms: h.getValueAtPercentile(99),
    maxMs: h.maxValue,
  };
}

/**
 * Counts per bucket for a chart, from the recorded values (HDR precision: 3 significant digits).
 * `edgesMs` are ascending bucket starts; the last bucket is open-ended.
 *
 * @example
 * bucketHistogram(lateness, [0, 60_000, 300_000, 900_000]) // [{fromMs: 0, toMs: 60000, count: 75}, ...]
 */
export function bucketHistogram(encoded: EncodedHistogram, edgesMs: readonly number[]): HistogramBucket[] {
  const buckets: HistogramBucket[] = edgesMs.map((fromMs, i) => ({ fromMs, toMs: edgesMs[i + 1] ?? null, count: 0 }));
  if (encoded.count === 0 || buckets.length === 0) return buckets;
  const h = decodeHistogram(encoded);
  if (!(h instanceof hdr.JsHistogram))
    throw new Error('bucketHistogram needs a JS histogram (WebAssembly is not used)');
  const iterator = h.recordedValuesIterator;
  iterator.reset();
  while (iterator.hasNext()) {
    const step = iterator.next();
    const value = h.medianEquivalentValue(step.valueIteratedTo);
    let index = buckets.length - 1;
    while (index > 0 && value < buckets[index]!.fromMs) index--;
    buckets[index]!.count += step.countAtValueIteratedTo;
  }
  return buckets;
}

/**
 * Bucket edges for a lateness-like histogram: minute-ish steps up to its max, at most `maxBuckets`,
 * rounded to 1/2/5 x 10^k ms so axis labels read well.
 */
export function niceEdgesMs(maxMs: number, maxBuckets = 12): number[] {
  if (maxMs <= 0) return [0];
  const raw = maxMs / maxBuckets;
  const power = 10 ** Math.floor(Math.log10(raw));
  const width = [1, 2, 5, 10].map((m) => m * power).find((w) => w >= raw) ?? 10 * power;
  const edges: number[] = [];
  for (let edge = 0; edge <= maxMs; edge += width) edges.push(edge);
  return edges;
}
