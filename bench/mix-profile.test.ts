import { describe, expect, it } from 'vitest';
import { sampledCpuUsPerUpdate, sumStageCosts, writeShare } from './mix-profile.ts';

describe('sampledCpuUsPerUpdate', () => {
  const series = (source: string, points: [number, number][]) => ({
    name: 'cpu_percent',
    unit: '%',
    source,
    points,
  });

  it("adds each interval's share of a core over its real length, and divides by the updates injected", () => {
    // At 2x, 2,000 simulated ms are 1 real s: 50% then 25% of a core is 500 + 250 ms of CPU, over 100 updates.
    const result = {
      timeScale: 2,
      load: { updatesInjected: 100 },
      timeSeries: [
        series('bot-1', [
          [0, 90],
          [2000, 50],
          [4000, 25],
        ]),
        series('loadgen', [
          [0, 1],
          [2000, 1],
        ]),
      ],
    };
    expect(sampledCpuUsPerUpdate(result, 'bot-1')).toBeCloseTo(7500);
    expect(sampledCpuUsPerUpdate(result, 'loadgen')).toBeCloseTo(100);
  });

  it('is undefined without the series, with one point, or with no update', () => {
    const result = {
      timeScale: 1,
      load: { updatesInjected: 0 },
      timeSeries: [
        series('bot-1', [
          [0, 9],
          [1000, 9],
        ]),
      ],
    };
    expect(sampledCpuUsPerUpdate(result, 'bot-1')).toBeUndefined();
    expect(sampledCpuUsPerUpdate({ ...result, load: { updatesInjected: 5 } }, 'bot-2')).toBeUndefined();
    expect(
      sampledCpuUsPerUpdate(
        { ...result, load: { updatesInjected: 5 }, timeSeries: [series('bot-1', [[0, 9]])] },
        'bot-1',
      ),
    ).toBeUndefined();
  });
});

describe('sumStageCosts', () => {
  it("weighs each process's stages by its busy time, write shares too", () => {
    const sum = sumStageCosts([
      { busyMs: 300, stages: [{ stage: 'SQL', share: 1, writeShare: 0.5 }] },
      {
        busyMs: 100,
        stages: [
          { stage: 'SQL', share: 0.5, writeShare: 0 },
          { stage: 'GC', share: 0.5, writeShare: 0 },
        ],
      },
    ]);
    expect(sum.busyMs).toBe(400);
    expect(sum.stages).toEqual([
      { stage: 'SQL', share: 350 / 400, writeShare: 150 / 400 },
      { stage: 'GC', share: 50 / 400, writeShare: 0 },
    ]);
    expect(writeShare(sum)).toBeCloseTo(150 / 400);
  });
});
