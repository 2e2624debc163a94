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

/**
 * Merges encoded histograms of one unit into one encoded histogram: the aggregate step.
 *
 * @example
 * mergeHistograms([runA.latency.replyFinal, runB.latency.replyFinal])
 */
export function mergeHistograms(
  encoded: readonly EncodedHistogram[],
  unit: EncodedHistogram['unit'] = 'ms',
): EncodedHistogram {
  const merged = hdr.build({ ...HISTOGRAM_DEFAULTS, autoResize: true });
  for (const one of encoded) {
    if (one.unit !== unit) throw new RangeError(`cannot merge a '${one.unit}' histogram into '${unit}'`);
    if (one.count > 0) merged.add(decodeHistogram(one));
  }
  return encodeHistogram(merged, unit);
}
