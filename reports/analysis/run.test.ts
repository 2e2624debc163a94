import { describe, expect, it } from 'vitest';
import { loadFixture } from '../fixtures/index.ts';
import { SCHEDULER_MODELS, SOAK_MODEL } from '../fixtures/models.ts';
import { analyzeRun } from './run.ts';
import { downsample } from './series.ts';

describe('analyzeRun', () => {
  it('summarises latency overall and per action from the HDR histograms', () => {
    const a = analyzeRun(loadFixture('smoke'));
    expect(a.latency.replyFinal.count).toBe(a.load.updatesInjected);
    expect(a.latency.replyFinal.p50Ms!).toBeLessThan(a.latency.replyFinal.p95Ms!);
    expect(a.latency.replyFinal.p95Ms!).toBeLessThanOrEqual(a.latency.replyFinal.p99Ms!);
    expect(Object.keys(a.latency.byAction).sort()).toEqual(['navigation', 'question', 'settings', 'start']);
    // Questions go to Claude: slower than inline-keyboard navigation.
    expect(a.latency.byAction.question!.p50Ms!).toBeGreaterThan(a.latency.byAction.navigation!.p50Ms!);
    expect(a.throughput.repliesPerS).toBeCloseTo(a.load.updatesInjected / a.durationSimulatedS, 6);
  });

  it('buckets digest lateness and reports duplicates and missing digests', () => {
    const a = analyzeRun(loadFixture('scheduler-advisory-lock'));
    const d = a.correctness.digests;
    expect(d.expected).toBe(SCHEDULER_MODELS[0]!.users);
    expect(d.duplicated).toBeGreaterThan(0);
    expect(d.latenessBuckets.reduce((sum, b) => sum + b.count, 0)).toBe(d.lateness.count);
    expect(d.latenessBuckets.at(-1)?.toMs).toBeNull();
    expect(a.errors.claude429).toBeGreaterThan(0);
  });

  it('summarises pool, bulkhead, breaker and per-process series of the ramp', () => {
    const a = analyzeRun(loadFixture('ramp'));
    expect(a.database.poolWaiting[0]?.max).toBeGreaterThan(0);
    expect(a.database.maxConnections).toBe(100);
    expect(a.bulkhead.queue[0]?.source).toBe('bot-1');
    expect(a.breaker.map((p) => p.state)).toEqual(['closed', 'open']);
    expect(a.processes.cpuPercent[0]?.max).toBeGreaterThan(90);
    expect(a.concurrency.peakVus).toBe(300);
  });

  it('downsamples a one-hour run at 1 s to the requested points, keeping the peak', () => {
    const result = loadFixture('soak-1h');
    const cpu = result.timeSeries.find((s) => s.name === 'cpu_percent')!;
    expect(cpu.points).toHaveLength(SOAK_MODEL.durationS / SOAK_MODEL.sampleEveryS);
    const a = analyzeRun(result, { maxPoints: 200 });
    const summary = a.processes.cpuPercent[0]!;
    expect(summary.points).toHaveLength(200);
    expect(Math.max(...summary.points.map(([, v]) => v))).toBe(summary.max);
    expect(downsample([[0, 1]], 10)).toEqual([[0, 1]]);
  });

  it('is plain JSON', () => {
    const a = analyzeRun(loadFixture('ramp'));
    expect(JSON.parse(JSON.stringify(a))).toEqual(a);
  });
});
