import { describe, expect, it } from 'vitest';
import { decodeHistogram, encodeHistogram } from '../../contracts/histogram.ts';
import { createHistogram, histogramStats, mergeHistograms, recordValue } from './histogram.ts';

describe('HDR histograms', () => {
  it('encode, merge and decode without losing counts or percentiles', () => {
    const a = createHistogram();
    const b = createHistogram();
    for (let i = 1; i <= 1000; i++) recordValue(a, i);
    for (let i = 0; i < 10; i++) recordValue(b, 60_000);
    const encodedA = encodeHistogram(a, 'ms');
    expect(encodedA).toMatchObject({ encoding: 'hdr-base64', unit: 'ms', count: 1000 });
    expect(JSON.parse(JSON.stringify(encodedA))).toEqual(encodedA);

    const back = histogramStats(decodeHistogram(encodedA));
    expect(back).toMatchObject({ count: 1000, min: 1 });
    expect(back.p50).toBeCloseTo(500, -1);
    expect(back.max).toBeCloseTo(1000, -1);

    const merged = mergeHistograms([encodedA, encodeHistogram(b, 'ms'), encodeHistogram(createHistogram(), 'ms')]);
    const stats = histogramStats(decodeHistogram(merged));
    expect(merged.count).toBe(1010);
    expect(decodeHistogram(merged).getValueAtPercentile(99.5)).toBeGreaterThan(59_000);
    expect(stats.max).toBeGreaterThanOrEqual(60_000);
    expect(stats.p50).toBeCloseTo(505, -1);
  });

  it('refuses to merge different units and records clock-jitter negatives as 0', () => {
    expect(() => mergeHistograms([encodeHistogram(createHistogram(), 'count')], 'ms')).toThrow(/cannot merge/);
    const h = createHistogram();
    recordValue(h, -0.4);
    recordValue(h, 10.6);
    expect(histogramStats(h)).toMatchObject({ count: 2, min: 0, max: 11 });
    expect(histogramStats(createHistogram()).count).toBe(0);
  });
});
