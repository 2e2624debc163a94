import { describe, expect, it } from 'vitest';
import { DAY_MODEL_DEFAULTS } from '../../scenarios/day-model.ts';
import { loadFixture } from '../fixtures/index.ts';
import { projectToTarget } from './projection.ts';

describe('projectToTarget', () => {
  const ramp = loadFixture('ramp');
  const p = projectToTarget(ramp, { kneeVusPerInstance: 140 });
  const figure = (name: string) => p.figures.find((f) => f.name === name)?.value;
  const assumption = (name: string) => p.assumptions.find((a) => a.name === name);

  it('lists every assumption with where it came from', () => {
    expect(p.target.dailyActiveUsers).toBe(DAY_MODEL_DEFAULTS.dailyActiveUsers);
    expect(assumption('claude_calls_per_question')?.source).toBe('measured');
    expect(assumption('updates_per_user_per_day')).toMatchObject({
      value: DAY_MODEL_DEFAULTS.updatesPerUserPerDay,
      source: 'default',
    });
    expect(assumption('knee_vus_per_instance')).toMatchObject({ value: 140, source: 'given' });
  });

  it("projects the day model's busiest hour, with concurrency from Little's law", () => {
    const perDay = DAY_MODEL_DEFAULTS.dailyActiveUsers * DAY_MODEL_DEFAULTS.updatesPerUserPerDay;
    expect(figure('peak_updates_per_s')).toBeCloseTo((perDay * assumption('peak_hour_share')!.value) / 3600, 6);
    const cycleS = assumption('mean_think_time')!.value + assumption('mean_reply_time')!.value;
    expect(figure('peak_concurrent_users')).toBeCloseTo(figure('peak_updates_per_s')! * cycleS, 6);
    expect(figure('bot_instances')).toBe(Math.ceil(figure('peak_concurrent_users')! / 140));
    expect(figure('claude_concurrency_for_target_wait')).toBeGreaterThan(figure('peak_claude_in_flight')!);
    expect(p.sentences.join(' ')).toMatch(/Day model: 10,000 daily active users/);
  });

  it('takes the target as given', () => {
    const small = projectToTarget(ramp, { dailyActiveUsers: 300 });
    expect(small.assumptions.find((a) => a.name === 'daily_active_users')?.source).toBe('given');
    expect(small.figures.find((f) => f.name === 'peak_updates_per_s')!.value).toBeCloseTo(
      figure('peak_updates_per_s')! * (300 / DAY_MODEL_DEFAULTS.dailyActiveUsers),
      6,
    );
  });
});
