import * as hdr from 'hdr-histogram-js';
import { HISTOGRAM_DEFAULTS } from '../../contracts/histogram.ts';

export { mergeHistograms } from '../../contracts/histogram.ts';

/** The HDR histogram type the recorder uses. */
export type Histogram = hdr.Histogram;

/**
 * A new HDR histogram (hdr-histogram-js, as autocannon uses). Values above the range grow it rather
 * than fail, so one absurd latency never loses the run.
 *
 * @example
 * const h = createHistogram(); h.recordValue(120);
 */
export function createHistogram(): Histogram {
  return hdr.build({ ...HISTOGRAM_DEFAULTS, autoResize: true });
}

/**
 * Records a value, rounding to whole units and clamping below at 0 (a reply recorded a hair before the
 * intended time, from clock granularity, is 0 ms, not an error).
 *
 * @example
 * recordValue(h, reply.timeMs - update.intendedMs);
 */
export function recordValue(histogram: Histogram, value: number): void {
  histogram.recordValue(Math.max(0, Math.round(value)));
}

/** Percentiles and extremes of a histogram, for progress events and tests (not for reports' formatting). */
export interface HistogramStats {
  count: number;
  min: number;
  mean: number;
  p50: number;
  p95: number;
  p99: number;
  max: number;
}

/**
 * @example
 * histogramStats(decodeHistogram(result.latency.replyFinal)).p95
 */
export function histogramStats(histogram: Histogram): HistogramStats {
  if (histogram.totalCount === 0) return { count: 0, min: 0, mean: 0, p50: 0, p95: 0, p99: 0, max: 0 };
  return {
    count: histogram.totalCount,
    min:
      histogram.minNonZeroValue === Number.MAX_SAFE_INTEGER
        ? 0
        : Math.min(histogram.minNonZeroValue, histogram.getValueAtPercentile(0)),
    mean: histogram.mean,
    p50: histogram.getValueAtPercentile(50),
    p95: histogram.getValueAtPercentile(95),
    p99: histogram.getValueAtPercentile(99),
    max: histogram.maxValue,
  };
}
