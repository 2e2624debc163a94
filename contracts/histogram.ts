import * as hdr from 'hdr-histogram-js';
import type { EncodedHistogram } from './run-result.ts';

/**
 * Range and precision of every histogram a RunResult carries, stated once: 1 ms to 1 day of simulated time,
 * 3 significant digits (values above the range grow a recorder rather than fail).
 */
export const HISTOGRAM_DEFAULTS = {
  lowestDiscernibleValue: 1,
  highestTrackableValue: 24 * 3_600_000,
  numberOfSignificantValueDigits: 3,
} as const;

/**
 * Encodes a histogram for RunResult: compressed base64, kept encoded until one aggregate step so runs
 * and generators merge without losing precision.
 *
 * @example
 * encodeHistogram(h, 'ms') // { encoding: 'hdr-base64', unit: 'ms', data: 'HISTFAA...', count: 1 }
 */
export function encodeHistogram(histogram: hdr.Histogram, unit: EncodedHistogram['unit']): EncodedHistogram {
  return {
    encoding: 'hdr-base64',
    unit,
    data: hdr.encodeIntoCompressedBase64(histogram),
    count: histogram.totalCount,
  };
}

/**
 * Decodes an encoded histogram (for merging, percentiles or charts); the caller owns it (hdr-histogram-js
 * needs no explicit free for JS histograms). Empty ones decode too, so percentiles of 0 samples read as null.
 *
 * @example
 * decodeHistogram(result.latency.replyFinal).getValueAtPercentile(99)
 */
export function decodeHistogram(encoded: EncodedHistogram): hdr.Histogram {
  return hdr.decodeFromCompressedBase64(encoded.data);
}
