import type { TimeSeries } from '../../contracts/run-result.ts';
import type { Point, SeriesSummary } from './types.ts';

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
