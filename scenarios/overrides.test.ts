import { describe, expect, it } from 'vitest';
import { applyOverrides } from './overrides.ts';
import { loadScenario } from './registry.ts';

describe('applyOverrides', () => {
  it('scales a ramp to the requested users and duration, and sets transport, pool and scheduler', async () => {
    const base = await loadScenario('500-concurrent');
    const next = applyOverrides(base, {
      users: 1000,
      duration: '14m',
      timeScale: 2,
      transport: 'webhook',
      instances: 3,
      poolMax: 5,
      scheduler: 'advisory-lock',
      seed: 9,
      replyDeadline: '1m',
      maxConnections: 50,
      pgbouncerPoolSize: 20,
      start: '09:45',
    });
    expect(next.replies.deadline).toBe(60_000);
    expect(next.environment).toMatchObject({ maxConnections: 50, pgbouncer: { poolSize: 20 } });
    expect(next.start).toBe('09:45');
    expect(next.load).toMatchObject({
      executor: 'ramping-vus',
      stages: [
        { duration: 120_000, target: 1000 },
        { duration: 600_000, target: 1000 },
        { duration: 120_000, target: 0 },
      ],
    });
    expect(next).toMatchObject({ timeScale: 2, seed: 9, bot: { transport: 'webhook', instances: 3 } });
    expect(next.bot.config).toMatchObject({ database: { poolMax: 5 }, scheduler: { strategy: 'advisory-lock' } });
    // The original is untouched.
    expect(base.bot.transport).toBe('polling');
  });

  it('grows the population to fit more VUs; open models take users as the population', async () => {
    const smoke = applyOverrides(await loadScenario('smoke'), { users: 100 });
    expect(smoke.load).toMatchObject({ vus: 100 });
    expect(smoke.population.size).toBe(100);
    const peak = applyOverrides(await loadScenario('peak-10am'), { users: 20_000, rate: 5, duration: '1h' });
    expect(peak.population.size).toBe(20_000);
    expect(peak.load).toMatchObject({ rate: 5, duration: 3_600_000 });
  });

  it('rejects bad overrides naming the flag and the fix', async () => {
    const base = await loadScenario('smoke');
    expect(() => applyOverrides(base, { duration: '5 minutes' })).toThrow(
      `overrides.duration: "5 minutes" is not a duration; use '30s', '5m', '1h' or '1m30s'`,
    );
    expect(() => applyOverrides(base, { rate: 3 })).toThrow(/overrides\.rate: constant-vus is a closed model/);
    expect(() => applyOverrides(base, { scheduler: 'zookeeper' } as never)).toThrow(
      /scheduler: Invalid option: expected one of .*"skip-locked".*, got "zookeeper"/,
    );
    expect(() => applyOverrides(base, { users: 0 })).toThrow(/users: /);
    expect(() => applyOverrides(base, { replyDeadline: 'soon' })).toThrow(
      /overrides\.replyDeadline: "soon" is not a duration/,
    );
    expect(() => applyOverrides(base, { user: 5 } as never)).toThrow(/overrides are invalid/);
  });
});
