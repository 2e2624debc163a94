import { describe, expect, it } from 'vitest';
import {
  botsCpuUsPerUpdate,
  formatMixProfile,
  sampledCpuUsPerUpdate,
  sumStageCosts,
  writeShare,
} from './mix-profile.ts';
import { summarize } from './proc.ts';

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

describe('botsCpuUsPerUpdate', () => {
  it('sums every bot instance, and nothing else', () => {
    const cpu = (source: string, percent: number) => ({
      name: 'cpu_percent',
      unit: '%',
      source,
      points: [
        [0, percent],
        [1000, percent],
      ] as [number, number][],
    });
    const result = {
      timeScale: 1,
      load: { updatesInjected: 10 },
      timeSeries: [cpu('bot-1', 10), cpu('bot-2', 30), cpu('loadgen', 50)],
    };
    // 100 + 300 ms of CPU over 10 updates.
    expect(botsCpuUsPerUpdate(result)).toBeCloseTo(40_000);
  });
});

describe('formatMixProfile', () => {
  it("prices each stage as its profile share of the process's CPU per update without the profiler", () => {
    const run = {
      exitCode: 0,
      wallS: 100,
      updates: 2000,
      timeScale: 2,
      fidelity: undefined,
      bots: 1,
      cpuUsPerUpdate: { generator: 1000, bots: 4000, postgres: 1500 },
    };
    const text = formatMixProfile(
      {
        scenario: '500-concurrent',
        plain: run,
        profiled: {
          ...run,
          cpuUsPerUpdate: { generator: 2000, bots: 5000, postgres: 1600 },
          botCosts: { busyMs: 10, stages: [{ stage: 'SQL', share: 0.25, writeShare: 0.2 }] },
          generatorCosts: { busyMs: 5, stages: [{ stage: 'fake Telegram', share: 0.5, writeShare: 0 }] },
        },
        wake: {
          backToBackUs: summarize([30, 33]),
          asleepUs: summarize([140, 150]),
          backToBackSystemUs: summarize([13]),
          asleepSystemUs: summarize([40]),
        },
      },
      {
        machine: { cpuModel: 'X', cores: 2, memoryGiB: 8, os: 'linux', node: 'v20', gitCommit: 'abc', date: 'd' },
        command: 'npx tsx bench/mix-profile.ts',
        loadBefore: [0.1, 0.1, 0.1],
        loadAfter: [0.2, 0.2, 0.2],
      },
    );
    expect(text).toContain('| SQL | 25.0% | 1000 | 800 |');
    expect(text).toContain('| fake Telegram | 50.0% | 500 | 0 |');
    expect(text).toMatch(/\| without the profiler \| 2,000 \| 100 \| 0 \| - \| 4,000 \| 1,000 \| 1,500 \|/);
    expect(text).toContain('4.6x as much');
    // Writes: 20% of the bot's 4,000 µs; the fake Telegram is half of the generator's 1,000 µs; +25% and +100%.
    expect(text).toContain('the bot 800 µs per update (20% of its CPU), the generator 0 (0%)');
    expect(text).toMatch(/load runner, webhook delivery client\): 500 µs per update, 50% of the generator's CPU/);
    expect(text).toContain("The profiler added 25% to the bot's CPU per update and 100% to the generator's");
  });
});
