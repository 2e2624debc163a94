import { describe, expect, it } from 'vitest';
import type { TimeSeries } from '../../contracts/run-result.ts';
import { estimateFidelity } from './estimate.ts';
import { fidelityIntervals } from './signals.ts';

const scale = 20;
const bucketMs = 1000 * scale;
const ends = [1, 2, 3].map((i) => i * bucketMs);
const series = (name: string, source: string, values: number[]): TimeSeries => ({
  name,
  unit: '',
  source,
  points: values.map((v, i) => [ends[i]!, v] as [number, number]),
});

describe('fidelity signals from a run', () => {
  const timeSeries: TimeSeries[] = [
    series('updates_per_s', 'loadgen', [5, 5, 5]), // 100 updates per 20 s bucket
    series('digests_sent_per_s', 'loadgen', [0, 0, 5]),
    series('injection_lag_ms', 'loadgen', [20, 20, 20]), // 1 real ms at 20x
    series('cpu_percent', 'loadgen', [10, 10, 10]),
    series('event_loop_lag_ms', 'loadgen', [10.5, 10.5, 10.5]),
    series('cpu_percent', 'bot-1', [20, 20, 20]),
    series('nodejs_eventloop_lag_p99_seconds', 'bot-1', [0.011, 0.011, 0.011]),
    series('cpu_percent', 'postgres', [10, 10, 10]),
  ];

  it('reads items, injection lag in real ms, CPU and lags less the timer resolution', () => {
    const intervals = fidelityIntervals(timeSeries, { timeScale: scale, bucketMs });
    expect(intervals).toHaveLength(3);
    expect(intervals[0]).toMatchObject({ startMs: 0, endMs: 20_000, items: 100, injectionLagMs: 1 });
    expect(intervals[2]!.items).toBe(200);
    const bot = intervals[0]!.processes.find((p) => p.name === 'bot-1')!;
    expect(bot.role).toBe('bot');
    expect(bot.loopLagMs).toBeCloseTo(1, 6);
    expect(intervals[0]!.processes.find((p) => p.name === 'loadgen')).toMatchObject({
      role: 'generator',
      cpuPercent: 10,
    });
    expect(intervals[0]!.processes.find((p) => p.name === 'postgres')).toEqual({
      name: 'postgres',
      role: 'other',
      cpuPercent: 10,
    });
  });

  it('gives the estimate the known figure end to end', () => {
    const fidelity = estimateFidelity({
      timeScale: scale,
      timeScaleSource: 'scenario',
      boundMs: 150,
      intervals: fidelityIntervals(timeSeries, { timeScale: scale, bucketMs }),
    });
    // First buckets: the lab's 1 (injection) + 0.5 (loop) + 1 ms (generator CPU 100 ms / 100) = 2.5 ms, read
    // S times; the system's 1 (bot lag) + 2 (bot CPU) + 1 (postgres CPU) = 4 ms, read S - 1 times: 126 ms. The
    // digest bucket halves the CPU terms (87.5 ms); p95 over items: the first buckets' figure.
    expect(fidelity.estimatedDistortionMs).toBeCloseTo(20 * 2.5 + 19 * 4, 1);
    expect(fidelity.status).toBe('ok');
  });

  it('counts an event loop once more for every Bot API call an item makes', () => {
    const withCalls = [...timeSeries, series('telegram_calls_per_s', 'loadgen', [10, 10, 10])];
    const intervals = fidelityIntervals(withCalls, { timeScale: scale, bucketMs });
    expect(intervals[0]!.hopsPerItem).toBe(3); // 1 arrival + 2 calls per update
    const fidelity = estimateFidelity({ timeScale: scale, timeScaleSource: 'scenario', boundMs: 150, intervals });
    // The loop lags now count three times: the lab's 2.5 + 2 x 0.5 = 3.5 ms, the system's 4 + 2 x 1 = 6 ms.
    expect(fidelity.estimatedDistortionMs).toBeCloseTo(20 * 3.5 + 19 * 6, 1);
  });

  it('yields nothing for a run without the generator series', () => {
    expect(fidelityIntervals([series('cpu_percent', 'bot-1', [1, 1, 1])], { timeScale: scale, bucketMs })).toEqual([]);
  });
});
