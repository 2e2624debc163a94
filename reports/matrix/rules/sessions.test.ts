import { describe, expect, it } from 'vitest';
import { getMatrix } from '../../../scenarios/matrices/index.ts';
import { encodeHistogram } from '../../fixtures/synth.ts';
import { failed, makeRun, ok, spread } from '../testing/outcomes.ts';
import { decideMatrix } from '../verdicts.ts';

const question = getMatrix('sessions').question;

/** A sign-up run through three webhook instances; the funnel gauge ends at `unfinished`. */
function signUps(
  variant: string,
  f: { storage: string; affinity?: 'chat'; unfinished: number; p95FromMs: number; pgPeak?: number; lost?: number },
) {
  return makeRun({
    variant,
    instances: 3,
    config: { session: { storage: f.storage } },
    resolved: { bot: { balancerAffinity: f.affinity ?? 'none' } },
    edit: (r) => {
      r.latency.byAction = { start: encodeHistogram(spread(600, 100, f.p95FromMs)) };
      r.database.maxConnectionsSeen = f.pgPeak ?? 12;
      r.correctness.lostUpdates = f.lost ?? 0;
      r.timeSeries.push(
        {
          name: 'bot_users_onboarding_unfinished',
          unit: 'count',
          source: 'bot-1',
          points: [
            [0, 60],
            [170_000, f.unfinished],
          ],
        },
        {
          name: 'bot_users_onboarding_unfinished',
          unit: 'count',
          source: 'bot-2',
          points: [
            [0, 60],
            [180_000, f.unfinished],
          ],
        },
      );
    },
  });
}

describe('sessions verdict', () => {
  const memory = signUps('memory, round-robin', { storage: 'memory', unfinished: 41, p95FromMs: 300 });
  const postgres = signUps('postgres, round-robin', { storage: 'postgres', unfinished: 0, p95FromMs: 500, pgPeak: 30 });
  const redis = signUps('redis, round-robin', { storage: 'redis', unfinished: 0, p95FromMs: 450 });
  const sticky = signUps('memory, chat affinity', {
    storage: 'memory',
    affinity: 'chat',
    unfinished: 0,
    p95FromMs: 300,
  });
  const stickyKilled = signUps('memory, chat affinity, one instance killed', {
    storage: 'memory',
    affinity: 'chat',
    unfinished: 1,
    p95FromMs: 300,
  });

  it('keeps state in the fastest shared storage when memory breaks flows, and says what affinity does', () => {
    const v = decideMatrix('sessions', question, [
      ok(memory),
      ok(postgres),
      ok(redis),
      ok(sticky),
      ok(stickyKilled, true),
    ]);
    expect(v.status).toBe('answered');
    expect(v.winner).toBe('redis, round-robin');
    expect(v.answer).toMatch(
      /^Keep conversation state in redis: memory, round-robin left 41 users with an unfinished onboarding, redis, round-robin none \(0 lost updates\), at p95 onboarding step \d+ ms \(memory \d+ ms\) and 12 peak Postgres connections\./,
    );
    expect(v.answer).toContain(
      'With chat affinity instead: memory, chat affinity left nobody unfinished; memory, chat affinity, one instance killed left 1 user unfinished.',
    );
    expect(v.expectations).toContainEqual({
      variant: 'memory, round-robin',
      text: 'leaves onboardings unfinished',
      met: true,
    });
  });

  it('gives the half a repetition can hold while the first shared storage flips: which storages broke flows', () => {
    const v = decideMatrix('sessions', question, [ok(memory), ok(postgres), ok(redis), ok(sticky)]);
    expect(v.direction).toEqual({
      key: 'broken: memory',
      claim:
        'Keep conversation state out of memory behind a round-robin balancer: it left onboardings unfinished, postgres and redis none',
      evidence: 'memory 41, postgres 0, redis 0 unfinished',
    });
    const lucky = signUps('memory, round-robin', { storage: 'memory', unfinished: 0, p95FromMs: 300 });
    expect(decideMatrix('sessions', question, [ok(lucky), ok(postgres)]).direction?.key).toBe('none broken');
  });

  it('reads the gauge at the end of the run, not its peak', () => {
    const v = decideMatrix('sessions', question, [ok(memory), ok(postgres)]);
    expect(v.rows.find((r) => r.variant === 'memory, round-robin')!.values.unfinished).toBe(41);
    expect(v.winner).toBe('postgres, round-robin');
  });

  it('says no broken flow was measured when memory kept every onboarding', () => {
    const lucky = signUps('memory, round-robin', { storage: 'memory', unfinished: 0, p95FromMs: 300 });
    const v = decideMatrix('sessions', question, [ok(lucky), ok(postgres)]);
    expect(v.answer).toMatch(
      /^No broken flow measured: memory, round-robin left nobody with an unfinished onboarding; memory, round-robin ranked first/,
    );
  });

  it('ranks lost updates after unfinished onboardings: an overloaded machine does not void the answer', () => {
    const lossy = signUps('postgres, round-robin', { storage: 'postgres', unfinished: 0, p95FromMs: 500, lost: 5 });
    const slowRedis = signUps('redis, round-robin', { storage: 'redis', unfinished: 19, p95FromMs: 450, lost: 17 });
    const v = decideMatrix('sessions', question, [ok(memory), ok(lossy), ok(slowRedis)]);
    expect(v.winner).toBe('postgres, round-robin');
    expect(v.answer).toMatch(
      /^Keep conversation state in postgres: memory, round-robin left 41 users with an unfinished onboarding, postgres, round-robin none \(5 lost updates\)/,
    );
  });

  it('lacks data without the memory, round-robin run', () => {
    const v = decideMatrix('sessions', question, [failed('memory, round-robin'), ok(postgres)]);
    expect(v.status).toBe('no-data');
    expect(v.answer).toContain('the memory, round-robin variant');
  });
});
