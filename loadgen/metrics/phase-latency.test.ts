import { describe, expect, it } from 'vitest';
import { decodeHistogram } from '../../contracts/histogram.ts';
import { histogramStats } from './histogram.ts';
import { phasesWithLatency } from './phase-latency.ts';

const phases = [
  { name: 'ramp to 10', startMs: 0, endMs: 1_000, targetVus: 10 },
  { name: 'hold 10', startMs: 1_000, endMs: 3_000, targetVus: 10 },
];

describe('phasesWithLatency', () => {
  const [ramp, hold] = phasesWithLatency(phases, [
    { sentAtMs: 0, firstMs: 10, finalMs: 100 },
    { sentAtMs: 999, firstMs: 20, finalMs: 200 },
    // Sent at the hold's start, answered long after: it is the hold's, whenever its reply came.
    { sentAtMs: 1_000, firstMs: 30, finalMs: 9_000 },
    { sentAtMs: 1_999, firstMs: 40, finalMs: 400 },
    { sentAtMs: 2_000, firstMs: 50, finalMs: 500 },
    // After the last phase: no level owns it.
    { sentAtMs: 3_000, firstMs: 60, finalMs: 600 },
  ]);
  const stats = (h: Parameters<typeof decodeHistogram>[0]) => histogramStats(decodeHistogram(h));

  it('files each reply under the phase its update was sent in, keeping the phase itself', () => {
    expect(ramp).toMatchObject(phases[0]!);
    expect(ramp?.latency?.replyFinal.count).toBe(2);
    expect(stats(ramp!.latency!.replyFinal).max).toBe(200);
    expect(hold?.latency?.replyFinal.count).toBe(3);
    // HDR keeps 3 significant digits: 9000 reads back as 9007.
    expect(stats(hold!.latency!.replyFinal).max).toBeCloseTo(9_000, -2);
    expect(stats(hold!.latency!.replyFirst).max).toBe(50);
  });

  it('splits each phase at its midpoint for the steady-state check', () => {
    expect(hold?.latency?.halves.map((h) => h.replyFinal.count)).toEqual([2, 1]);
    expect(stats(hold!.latency!.halves[1].replyFinal).max).toBe(500);
    expect(ramp?.latency?.halves.map((h) => h.replyFirst.count)).toEqual([1, 1]);
  });
});
