import { describe, expect, it } from 'vitest';
import type { ScenarioInput } from '../../scenarios/schema.ts';
import { parseScenario } from '../../scenarios/validate.ts';
import { simulateOpen } from './dispatcher.ts';
import { buildSchedule } from './schedule.ts';
import type { ClosedSchedule, OpenSchedule } from './types.ts';

const closed = (input: Partial<ScenarioInput>) =>
  buildSchedule(parseScenario({ name: 's', population: { size: 1000 }, ...input } as ScenarioInput)) as ClosedSchedule;
const open = (input: Partial<ScenarioInput>) =>
  buildSchedule(parseScenario({ name: 's', population: { size: 1000 }, ...input } as ScenarioInput)) as OpenSchedule;

describe('closed schedules', () => {
  it('constant-vus: every VU active for the whole duration', () => {
    const schedule = closed({ load: { executor: 'constant-vus', vus: 3, duration: '1m' } });
    expect(schedule).toMatchObject({ kind: 'closed', durationMs: 60_000, peakVus: 3 });
    expect(schedule.vus.map((vu) => vu.intervals)).toEqual([[[0, 60_000]], [[0, 60_000]], [[0, 60_000]]]);
  });

  it('ramping-vus: VUs join evenly on the ramp up and leave highest-first on the ramp down', () => {
    const schedule = closed({
      load: {
        executor: 'ramping-vus',
        stages: [
          { duration: '10s', target: 10 },
          { duration: '20s', target: 10 },
          { duration: '10s', target: 0 },
        ],
      },
    });
    expect(schedule.durationMs).toBe(40_000);
    expect(schedule.phases.map((p) => [p.name, p.startMs, p.endMs, p.targetVus])).toEqual([
      ['ramp-up', 0, 10_000, 10],
      ['hold', 10_000, 30_000, 10],
      ['ramp-down', 30_000, 40_000, 0],
    ]);
    expect(schedule.vus[0]!.intervals).toEqual([[1000, 39_000]]);
    expect(schedule.vus[9]!.intervals).toEqual([[10_000, 30_000]]);
    // Active VUs at any time match the target, as k6's ramping-vus.
    const activeAt = (t: number) => schedule.vus.filter((vu) => vu.intervals.some(([a, b]) => t >= a && t < b)).length;
    expect([activeAt(5_000), activeAt(20_000), activeAt(35_500)]).toEqual([5, 10, 4]);
  });
});

describe('open schedules', () => {
  it('constant-arrival-rate: evenly spaced arrivals at the rate, from t=0', () => {
    const schedule = open({
      load: { executor: 'constant-arrival-rate', rate: 10, timeUnit: '1s', duration: '2s', preAllocatedVUs: 5 },
    });
    expect(schedule.arrivals).toHaveLength(20);
    expect(schedule.arrivals.slice(0, 3).map((a) => a.atMs)).toEqual([0, 100, 200]);
    expect(schedule.maxVus).toBe(5);
  });

  it('ramping-arrival-rate: the count is the integral of the rate, denser as the rate rises', () => {
    const schedule = open({
      load: {
        executor: 'ramping-arrival-rate',
        startRate: 0,
        timeUnit: '1s',
        stages: [
          { duration: '10s', target: 10 },
          { duration: '10s', target: 10 },
        ],
        preAllocatedVUs: 5,
        maxVUs: 20,
      },
    });
    // 0 -> 10/s over 10 s is 50 arrivals, then 10/s for 10 s is 100 more.
    expect(schedule.arrivals.length).toBeGreaterThanOrEqual(149);
    expect(schedule.arrivals.length).toBeLessThanOrEqual(150);
    const firstHalf = schedule.arrivals.filter((a) => a.atMs < 5_000).length;
    const secondHalf = schedule.arrivals.filter((a) => a.atMs >= 5_000 && a.atMs < 10_000).length;
    expect(firstHalf).toBeCloseTo(12.5, -1);
    expect(secondHalf).toBeGreaterThan(firstHalf * 2);
    expect(schedule.phases[0]).toMatchObject({ name: 'ramp-up', targetRatePerS: 10 });
  });

  it('scheduled-peak: the background rate over the window', () => {
    const schedule = open({
      start: '09:45',
      load: { executor: 'scheduled-peak', duration: '30m', rate: 2, timeUnit: '1s', preAllocatedVUs: 50 },
    });
    expect(schedule.arrivals).toHaveLength(3600);
    expect(schedule.phases).toEqual([{ name: 'window', startMs: 0, endMs: 1_800_000, targetRatePerS: 2 }]);
  });

  it('drops arrivals that find no idle VU under a planted stall, and only then', () => {
    const schedule = open({
      load: { executor: 'constant-arrival-rate', rate: 20, timeUnit: '1s', duration: '10s', preAllocatedVUs: 10 },
    });
    const healthy = simulateOpen(schedule, 1000, () => 50);
    expect(healthy).toMatchObject({ started: 200, dropped: 0 });
    // The bot stalls from 4 s to 6 s: replies to anything arriving then come at 6 s.
    const stalled = simulateOpen(schedule, 1000, (a) => (a.atMs >= 4_000 && a.atMs < 6_000 ? 6_000 - a.atMs : 50));
    expect(stalled.dropped).toBe(30);
    expect(stalled.peakBusy).toBe(10);
    expect(Math.min(...stalled.droppedAtMs)).toBeGreaterThanOrEqual(4_000);
    expect(Math.max(...stalled.droppedAtMs)).toBeLessThan(6_000);
  });

  it('with every chat busy, an arrival is dropped rather than sent to a chat still waiting', () => {
    const schedule = open({
      load: { executor: 'constant-arrival-rate', rate: 10, timeUnit: '1s', duration: '1s', preAllocatedVUs: 10 },
    });
    expect(simulateOpen(schedule, 3, () => 10_000)).toMatchObject({ started: 3, dropped: 7 });
  });
});

describe('reproducibility', () => {
  const input = (seed: number) => ({
    seed,
    load: { executor: 'constant-arrival-rate' as const, rate: 5, duration: '1m', preAllocatedVUs: 5 },
  });
  it('the same seed gives the identical schedule; another seed a different one', () => {
    expect(open(input(42))).toEqual(open(input(42)));
    const a = open(input(42)).arrivals;
    const b = open(input(43)).arrivals;
    expect(a.map((x) => x.atMs)).toEqual(b.map((x) => x.atMs));
    expect(a.map((x) => [x.userIndex, x.action])).not.toEqual(b.map((x) => [x.userIndex, x.action]));
  });
});
