import { describe, expect, it } from 'vitest';
import { loadFixture } from '../fixtures/index.ts';
import { projectToTarget } from './projection.ts';

describe('projectToTarget', () => {
  const ramp = loadFixture('ramp');
  const p = projectToTarget(ramp, { kneeVusPerInstance: 140 });
  const figure = (name: string) => p.figures.find((f) => f.name === name)?.value;
  const assumption = (name: string) => p.assumptions.find((a) => a.name === name);

  it('lists every assumption with where it came from', () => {
    expect(p.target).toEqual({ dailyActiveUsers: 10_000, concurrentUsers: 500 });
    expect(assumption('updates_per_vu_hour')?.source).toBe('measured');
    expect(assumption('active_hours_per_user_per_day')).toMatchObject({ value: 0.5, source: 'default' });
    expect(assumption('knee_vus_per_instance')).toMatchObject({ value: 140, source: 'given' });
  });

  it('projects from measured per-user rates', () => {
    const perVuHour = assumption('updates_per_vu_hour')!.value;
    expect(figure('peak_updates_per_s')).toBeCloseTo((500 * perVuHour) / 3600, 6);
    expect(figure('bot_instances')).toBe(4);
    expect(figure('claude_concurrency_for_target_wait')).toBeGreaterThan(figure('peak_claude_in_flight')!);
    expect(p.sentences.join(' ')).toMatch(/4 instances hold 500 concurrent users/);
  });

  it('takes the target as given', () => {
    const small = projectToTarget(ramp, { dailyActiveUsers: 300, concurrentUsers: 15 });
    expect(small.assumptions.find((a) => a.name === 'daily_active_users')?.source).toBe('given');
    expect(small.figures.find((f) => f.name === 'peak_updates_per_s')!.value).toBeCloseTo(
      figure('peak_updates_per_s')! * (15 / 500),
      6,
    );
  });
});
