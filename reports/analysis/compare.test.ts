import { describe, expect, it } from 'vitest';
import { loadFixture } from '../fixtures/index.ts';
import { compareVariants } from './compare.ts';

describe('compareVariants', () => {
  const variants = compareVariants([
    loadFixture('variant-polling-x1'),
    loadFixture('variant-webhook-x1'),
    loadFixture('variant-webhook-x3'),
  ]);

  it('picks the variant with no lost/duplicate updates that held the budget', () => {
    expect(variants.winner).toBe('webhook x3');
    expect(variants.verdicts.at(-1)).toMatch(/^webhook x3 wins: zero lost or duplicated .*\(p95 1\.6 s at 500 VUs\)/);
  });

  it('names variants that broke the budget with the load where they broke', () => {
    expect(variants.verdicts).toContain(
      'polling x1 broke p95 reply latency <= 3000 ms at 160 VUs; it held up to 140 VUs.',
    );
    expect(variants.verdicts).toContain(
      'webhook x1 broke p95 reply latency <= 3000 ms at 300 VUs; it held up to 280 VUs.',
    );
    expect(variants.verdicts).toContain('webhook x1 is disqualified: 3 duplicate replies.');
    expect(variants.verdicts).toContain('webhook x3 held p95 1.6 s at 500 VUs.');
  });

  it('marks the best per column by its stated direction', () => {
    const row = (name: string) => variants.rows.find((r) => r.variant === name)!;
    expect(variants.columns.find((c) => c.key === 'kneeLoad')?.best).toBe('higher');
    expect(row('webhook x3').bestIn).toEqual(expect.arrayContaining(['kneeLoad', 'latencyAtPeakMs', 'repliesPerS']));
    expect(row('webhook x3').values.kneeLoad).toBe(500);
    expect(row('polling x1').values.kneeLoad).toBe(140);
    // Every variant had 0 lost updates: a tie marks nobody.
    expect(variants.rows.some((r) => r.bestIn.includes('lostUpdates'))).toBe(false);
  });

  it('judges scheduler strategies by duplicates, missing digests and lateness', () => {
    const s = compareVariants([loadFixture('scheduler-advisory-lock'), loadFixture('scheduler-skip-locked')]);
    expect(s.winner).toBe('skip-locked job claim');
    expect(s.verdicts[0]).toMatch(
      /^advisory-lock via pgbouncer is disqualified: \d+ missing digests, \d+ duplicated digests\.$/,
    );
    expect(s.columns.map((c) => c.key)).not.toContain('kneeLoad');
  });

  it('is JSON-serialisable', () => {
    expect(JSON.parse(JSON.stringify(variants))).toEqual(variants);
  });
});
