import { describe, expect, it } from 'vitest';
import { compareFigure, missSummary } from './validate.ts';

describe('a prediction is judged only as far as the measurement can tell', () => {
  it('meets or misses its goal when the measured figure is tight', () => {
    const tight = { low: 9_500, high: 10_500, basis: '90% interval of 900 samples' };
    expect(compareFigure('p95', 11_000, 10_000, 0.25, { range: tight }).judgement).toBe('met');
    expect(compareFigure('p95', 14_000, 10_000, 0.25, { range: tight }).judgement).toBe('missed');
  });

  it('is not judged when the measured interval is wider than the goal and holds the prediction', () => {
    const loose = { low: 6_000, high: null, basis: '90% interval of 7 samples' };
    expect(compareFigure('p95', 14_000, 10_000, 0.25, { range: loose }).judgement).toBe('not-judged');
    // Outside even a loose interval: a miss.
    expect(compareFigure('p95', 3_000, 10_000, 0.25, { range: loose }).judgement).toBe('missed');
  });

  it("calls a difference smaller than the lab's own delay within resolution", () => {
    expect(compareFigure('reply p95', 14, 34, 0.25, { resolution: 40 }).judgement).toBe('within-resolution');
    expect(compareFigure('reply p95', 14, 34, 0.25, { resolution: 5 }).judgement).toBe('missed');
  });

  it('counts each judgement in the summary and names the misses', () => {
    const lines = missSummary([
      {
        label: 'webhook x3',
        role: 'predict',
        kind: 'knee',
        comparisons: [
          compareFigure('knee (VUs)', 30, 30, 0.15),
          compareFigure('p95 at 6 VUs', 3_000, 10_000, 0.25),
          compareFigure('p95 at 12 VUs', 14_000, 10_000, 0.25, { range: { low: 6_000, high: null, basis: '' } }),
          compareFigure('digest lateness p50', 1, 2, null),
        ],
      },
    ]).join('\n');
    expect(lines).toContain('Of 3 out-of-sample figures with a goal: 1 met it, 1 missed it, 1 could not be judged');
    expect(lines).toContain('Missed: p95 at 6 VUs (-70%).');
  });
});
