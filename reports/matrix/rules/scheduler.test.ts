import { describe, expect, it } from 'vitest';
import { getMatrix } from '../../../scenarios/matrices/index.ts';
import { makeRun, ok, spread, withDigests } from '../testing/outcomes.ts';
import { decideMatrix } from '../verdicts.ts';
import { schedulerRoles } from './scheduler.ts';

const question = getMatrix('scheduler').question;

/** A scheduler run: its knobs, and what happened to 1,000 expected digests. */
function digests(
  variant: string,
  scheduler: Record<string, unknown>,
  d: { missing?: number; duplicated?: number; p95Ms: number; workerKilledAtMs?: number },
) {
  return makeRun({
    variant,
    instances: 3,
    config: { scheduler },
    edit: (r) => {
      withDigests(r, {
        expected: 1000,
        ...(d.missing === undefined ? {} : { missing: d.missing }),
        ...(d.duplicated === undefined ? {} : { duplicated: d.duplicated }),
        latenessMs: spread(1000, 1_000, d.p95Ms / 0.95),
      });
      if (d.workerKilledAtMs !== undefined)
        r.faults = [
          {
            kind: 'instance-killed',
            target: 'scheduler-worker',
            fromMs: d.workerKilledAtMs,
            toMs: d.workerKilledAtMs,
            detail: 'SIGKILL',
          },
        ];
    },
  });
}

const leaderAlone = digests('advisory-lock x3', { strategy: 'advisory-lock' }, { p95Ms: 600_000 });
const leaderAll = digests(
  'advisory-lock x3, all instances send',
  { strategy: 'advisory-lock', sendBy: 'all-instances' },
  { p95Ms: 200_000 },
);
const worker = digests('queue-worker x3', { strategy: 'queue-worker' }, { p95Ms: 210_000 });

describe('the scheduler verdict: who decides and who sends', () => {
  it('reads who decides from the strategy and who sends from sendBy', () => {
    expect(schedulerRoles(leaderAlone)).toEqual({
      decides: 'a leader holding a Postgres advisory lock',
      sends: 'one instance',
    });
    expect(schedulerRoles(leaderAll)?.sends).toBe('all instances');
    expect(schedulerRoles(worker)).toEqual({ decides: 'a dedicated scheduler worker', sends: 'all instances' });
    expect(schedulerRoles(digests('cron-http x3', { strategy: 'cron-http' }, { p95Ms: 1 }))?.sends).toBe(
      'one instance',
    );
    expect(schedulerRoles(digests('own bot', { strategy: 'celery-beat' }, { p95Ms: 1 }))).toBeUndefined();
  });

  it('says how much sending from all instances cut lateness, and names the roles per variant', () => {
    const v = decideMatrix('scheduler', question, [ok(leaderAlone), ok(leaderAll), ok(worker)]);
    expect(v.winner).toBe('advisory-lock x3, all instances send');
    expect(v.sentences).toContain(
      'Who decides is separate from who sends: the best passing variant where one instance sends every digest ' +
        '(advisory-lock x3) had p95 lateness 10 min, where all instances send (advisory-lock x3, all instances send) ' +
        '3.3 min; sending from all instances cut p95 lateness by 6.7 min.',
    );
    expect(v.sentences.find((s) => s.startsWith('queue-worker x3'))).toMatch(
      /^queue-worker x3 passes: .+; decided by a dedicated scheduler worker, sent by all instances\.$/,
    );
  });

  it('reads naturally when one sender is faster, and when a whole side failed', () => {
    const slowAll = digests(
      'redis-lock x3, all instances send',
      { strategy: 'redis-lock', sendBy: 'all-instances' },
      { p95Ms: 700_000 },
    );
    const faster = decideMatrix('scheduler', question, [ok(leaderAlone), ok(slowAll)]);
    expect(faster.sentences.at(-1)).toMatch(
      /one sender was .+ earlier at p95, so sending from all instances did not help here\.$/,
    );
    const brokenOne = digests('advisory-lock x3', { strategy: 'advisory-lock' }, { p95Ms: 600_000, missing: 300 });
    const oneFailed = decideMatrix('scheduler', question, [ok(brokenOne), ok(worker)]);
    expect(oneFailed.sentences.at(-1)).toBe(
      'Who decides is separate from who sends: every variant where one instance sends every digest failed; ' +
        'where all instances send, queue-worker x3 passed with p95 lateness 3.5 min.',
    );
    // Only one kind of sender ran: no comparison to make, no sentence pretending there was one.
    const onlyAll = decideMatrix('scheduler', question, [ok(worker), ok(leaderAll)]);
    expect(onlyAll.sentences.some((s) => s.startsWith('Who decides is separate'))).toBe(false);
  });

  it('a killed scheduler worker is named as such, with the digests it cost', () => {
    const killed = digests(
      'queue-worker x5, the worker killed at the peak',
      { strategy: 'queue-worker' },
      { p95Ms: 250_000, missing: 120, workerKilledAtMs: 360_000 },
    );
    const v = decideMatrix('scheduler', question, [ok(killed, true), ok(leaderAlone)]);
    const sentence = v.sentences.find((s) => s.startsWith('queue-worker x5'));
    expect(sentence).toContain('fails: 0 duplicated and 120 missing of 1,000 digests expected');
    expect(sentence).toMatch(/the scheduler worker was killed 6 min into the load and not restarted\.$/);
    const instanceKilled = digests('skip-locked x5, one killed at the peak', { strategy: 'skip-locked' }, { p95Ms: 1 });
    const other = decideMatrix('scheduler', question, [ok(instanceKilled, true)]);
    expect(other.sentences[0]).toMatch(/one instance was killed at the peak\.$/);
  });
});
