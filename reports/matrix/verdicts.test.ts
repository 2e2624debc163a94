import { describe, expect, it } from 'vitest';
import type { RunResult } from '../../contracts/run-result.ts';
import { getMatrix } from '../../scenarios/matrices/index.ts';
import { loadFixture } from '../fixtures/index.ts';
import { TOKENS_PER_CALL, usage } from '../fixtures/synth.ts';
import { foldRepetitions } from './repetitions.ts';
import { VERDICT_RULES } from './rules/index.ts';
import { failed, makeRun, ok, spread, withDigests } from './testing/outcomes.ts';
import { decideMatrix } from './verdicts.ts';

const question = (name: string) => getMatrix(name).question;

describe('scheduler verdict', () => {
  const none = makeRun({
    variant: 'none x3',
    instances: 3,
    config: { scheduler: { strategy: 'none' } },
    edit: (r) => withDigests(r, { expected: 1000, duplicated: 1000, latenessMs: spread(2000, 1_000, 60_000) }),
  });
  const skipLocked = makeRun({
    variant: 'skip-locked x3',
    instances: 3,
    edit: (r) => withDigests(r, { expected: 1000, latenessMs: spread(1000, 1_000, 30_000) }),
  });
  const redis = makeRun({
    variant: 'redis-lock x3',
    instances: 3,
    edit: (r) => withDigests(r, { expected: 1000, latenessMs: spread(1000, 2_000, 90_000) }),
  });
  const v = decideMatrix('scheduler', question('scheduler'), [
    ok(none),
    ok(skipLocked),
    ok(redis),
    failed('advisory-lock x3'),
  ]);

  it('reports none as producing duplicates, and it cannot win', () => {
    expect(v.sentences).toContainEqual(
      expect.stringMatching(/^none x3 fails: 1,000 duplicated and 0 missing of 1,000 digests/),
    );
    expect(v.figure).toContain('none x3 (1,000 duplicated, 0 missing)');
    expect(v.winner).toBe('skip-locked x3');
  });

  it('picks the lowest p95 lateness among passing variants and cites it', () => {
    expect(v.status).toBe('answered');
    expect(v.answer).toMatch(/^skip-locked x3: zero duplicated and zero missing of 1,000 digests/);
    expect(v.figure).toMatch(/^p95 lateness 28\.\d+ s/);
    expect(v.changesIf).toContain('redis-lock x3 passed too');
  });

  it('shows a failed variant as failed, never drops it', () => {
    const row = v.rows.find((r) => r.variant === 'advisory-lock x3');
    expect(row).toMatchObject({ status: 'failed', error: 'bot-2 exited with code 1 before it was ready' });
    expect(Object.values(row!.values).every((x) => x === null)).toBe(true);
    expect(v.sentences[0]).toBe(
      'advisory-lock x3 failed (did not run to a result): bot-2 exited with code 1 before it was ready.',
    );
  });

  it('says so when it lacks data', () => {
    const empty = decideMatrix('scheduler', question('scheduler'), [failed('none x3'), failed('skip-locked x3')]);
    expect(empty.status).toBe('no-data');
    expect(empty.answer).toBe('No answer: no variant completed with digests expected in its window.');
    expect(empty.rows.map((r) => r.status)).toEqual(['failed', 'failed']);
  });

  it('treats an aborted run as failed', () => {
    const aborted = makeRun({ variant: 'none x3', edit: (r) => (r.status = 'aborted') });
    const out = decideMatrix('scheduler', question('scheduler'), [
      { label: 'none x3', result: aborted, error: 'the run aborted', killed: false },
    ]);
    expect(out.rows[0]!.status).toBe('failed');
    expect(out.sentences[0]).toBe('none x3 failed (ended aborted): the run aborted.');
  });
});

describe('pooling verdict', () => {
  const pool = (poolMax: number, errors: number, seen: number) =>
    makeRun({
      variant: `5 x ${poolMax} direct`,
      instances: 5,
      config: { database: { poolMax } },
      edit: (r) => {
        r.database.connectionErrors53300 = errors;
        r.database.maxConnectionsSeen = seen;
      },
    });

  it('5 x 50 direct must hit connection errors at max_connections=100', () => {
    const v = decideMatrix('pooling', question('pooling'), [ok(pool(50, 340, 97)), ok(pool(20, 0, 64))]);
    expect(v.expectations).toContainEqual({
      variant: '5 x 50 direct',
      text: '5 x 50 = 250 pooled connections > 97 usable (max_connections 100): must show 53300 errors',
      met: true,
    });
    // 5 x 20 = 100 is 3 over the usable 97 too, but this load needed only 64: the prediction went untested.
    expect(v.expectations.find((e) => e.variant === '5 x 20 direct')?.met).toBeNull();
    expect(v.sentences).toContainEqual(
      expect.stringContaining('5 x 50 direct: 5 x 50 = 250 pooled connections against 97 usable'),
    );
    expect(v.sentences).toContainEqual(expect.stringContaining('fails: 340 connection errors (53300)'));
    expect(v.winner).toBe('5 x 20 direct');
    expect(v.figure).toMatch(/^5 x 50 direct hit 53300 as the arithmetic predicts/);
    expect(v.changesIf).toContain('pools already exceed the 97 usable connections by 3');
  });

  it('explains a matrix where no plan passes by what each instance held', () => {
    const held = (r: RunResult, perInstance: number, waiting = 0) => {
      r.timeSeries = Array.from({ length: r.environment.bot.instances }, (_, i) => [
        {
          name: 'bot_db_pool_total_connections',
          unit: 'connections',
          source: `bot-${i + 1}`,
          points: [[10_000, perInstance]],
        },
        { name: 'bot_db_pool_waiting_clients', unit: 'count', source: `bot-${i + 1}`, points: [[10_000, waiting]] },
      ]).flat() as RunResult['timeSeries'];
    };
    const fifty = pool(50, 149, 100);
    held(fifty, 25);
    const twenty = pool(20, 32, 98);
    held(twenty, 20, 12);
    const bounced = makeRun({
      variant: '5 x 50 via PgBouncer (transaction), skip-locked',
      instances: 5,
      config: { database: { poolMax: 50 } },
      edit: (r) => {
        r.environment.pgbouncer = { source: 'binary', poolMode: 'transaction', defaultPoolSize: 20 };
        r.database.maxConnectionsSeen = 21;
        r.correctness.lostUpdates = 400;
        r.correctness.digests.expected = 100;
        r.correctness.digests.duplicated = 30;
      },
    });
    const v = decideMatrix('pooling', question('pooling'), [ok(fifty), ok(twenty), ok(bounced)]);
    expect(v.winner).toBeNull();
    expect(v.answer).toBe(
      'No pooling plan qualified. 5 x 50 direct: 149 connection errors (53300); 5 x 20 direct: 32 connection errors (53300) (pool waiting peak 12); 5 x 50 via PgBouncer (transaction), skip-locked: 30 duplicated digests.',
    );
    expect(v.figure).toBe(
      '5 x 50 direct, 5 x 20 direct hit 53300 as the arithmetic predicts; 5 x 50 direct held up to 25 connections per instance at once (5 x 25 = 125 against 97 usable)',
    );
    expect(v.rows.find((r) => r.variant === '5 x 20 direct')!.values).toMatchObject({
      perInstancePeak: 20,
      poolWaitingPeak: 12,
    });
  });

  it('ranks the plans that qualify by lost updates, then unsent digests', () => {
    const bounced = (label: string, lost: number) =>
      makeRun({
        variant: label,
        instances: 5,
        config: { database: { poolMax: 50 } },
        edit: (r) => {
          r.environment.pgbouncer = { source: 'binary', poolMode: 'transaction', defaultPoolSize: 20 };
          r.database.maxConnectionsSeen = 21;
          r.correctness.lostUpdates = lost;
        },
      });
    const v = decideMatrix('pooling', question('pooling'), [
      ok(pool(50, 149, 100)),
      ok(bounced('5 x 50 via PgBouncer (transaction), skip-locked', 400)),
      ok(bounced('5 x 50 via PgBouncer (transaction), skip-locked, lease claims', 100)),
    ]);
    expect(v.winner).toBe('5 x 50 via PgBouncer (transaction), skip-locked, lease claims');
    expect(v.answer).toContain('the fewest losses of the plans that qualify (100 lost updates');
    expect(v.figure).toContain('next: 5 x 50 via PgBouncer (transaction), skip-locked (400 lost updates');
  });

  it('says when the predicted overflow did not show', () => {
    const v = decideMatrix('pooling', question('pooling'), [ok(pool(50, 0, 40))]);
    expect(v.expectations[0]!.met).toBeNull();
    expect(v.sentences).toContainEqual(
      expect.stringMatching(/5 x 50 direct did not show the predicted 53300 errors: the load needed at most 40/),
    );
  });
});

describe('slotting verdict', () => {
  const slotted = (variant: string, mode: string, latenessMs: number[], usersMoved: number) =>
    makeRun({
      variant,
      config: { slotting: { mode, slotMinutes: 5, capPerSlot: 50 } },
      edit: (r) => {
        withDigests(r, { expected: 1000, latenessMs, usersMoved });
        r.claude.peakConcurrency = mode === 'none' ? 10 : 6;
      },
    });
  const none = slotted('none', 'none', spread(1000, 1_000, 600_000), 0);
  const capped = slotted('5-min slots, cap 50, auto', 'auto', spread(1000, 1_000, 60_000), 900);

  it('finds none later at p95 than the capped slots', () => {
    const v = decideMatrix('slotting', question('slotting'), [ok(none), ok(capped)]);
    expect(v.answer).toMatch(
      /^Spread them: 5-min slots, cap 50, auto has p95 lateness 57(\.\d+)? s against none's 9\.5 min \(900 users moved\)\./,
    );
    expect(v.expectations).toEqual([
      { variant: '5-min slots, cap 50, auto', text: "p95 lateness below none's (9.5 min)", met: true },
    ]);
    const p95 = (label: string) => v.rows.find((r) => r.variant === label)!.values.latenessP95Ms!;
    expect(p95('none')).toBeGreaterThan(p95('5-min slots, cap 50, auto'));
    expect(v.winner).toBe('5-min slots, cap 50, auto');
  });

  it('says "spread" in every repetition where each cap beat none, even when the best cap differs', () => {
    const other = slotted('15-min slots, cap 50, offer', 'offer', spread(1000, 1_000, 50_000), 800);
    const slower = slotted('15-min slots, cap 50, offer', 'offer', spread(1000, 1_000, 90_000), 800);
    const first = decideMatrix('slotting', question('slotting'), [ok(none), ok(capped), ok(other)]);
    const second = decideMatrix('slotting', question('slotting'), [ok(none), ok(capped), ok(slower)]);
    expect(first.winner).toBe('15-min slots, cap 50, offer');
    expect(second.winner).toBe('5-min slots, cap 50, auto');
    expect(first.direction).toMatchObject({ key: 'spread', claim: 'Spread the burst' });
    expect(first.direction?.evidence).toMatch(/^every capped variant's p95 lateness \(\d.*\) below none's 9\.5 min$/);
    const folded = foldRepetitions([first, second]);
    expect(folded.status).toBe('no-stable-answer');
    expect(folded.answer).toMatch(/^Spread the burst\. All 2 repetitions agree \(repetition 1: every capped/);
    expect(folded.answer).toContain('Which variant: no stable answer');
  });

  it('says "leave" when none is no later than any cap', () => {
    const late = slotted('5-min slots, cap 50, auto', 'auto', spread(1000, 1_000, 900_000), 900);
    const v = decideMatrix('slotting', question('slotting'), [ok(none), ok(late)]);
    expect(v.direction).toMatchObject({ key: 'leave', claim: 'Leave digest times where users put them' });
    expect(v.answer).toMatch(/^No need to spread/);
  });

  it('lacks data without the none variant', () => {
    const v = decideMatrix('slotting', question('slotting'), [failed('none'), ok(capped)]);
    expect(v.status).toBe('no-data');
    expect(v.answer).toContain("the comparison needs the 'none' variant");
  });
});

describe('transport verdict', () => {
  it('ranks by knee and reports lost/duplicate updates with an instance killed', () => {
    const polling = loadFixture('variant-polling-x1');
    const webhook3 = loadFixture('variant-webhook-x3');
    const killed = structuredClone(webhook3);
    killed.variant = 'webhook x3, one killed, onTimeout throw';
    killed.correctness.lostUpdates = 4;
    killed.correctness.duplicateReplies = 2;
    killed.environment.bot.config = { telegram: { webhookOnTimeout: 'throw' } };
    const v = decideMatrix('transport', question('transport'), [ok(polling), ok(webhook3), ok(killed, true)]);
    expect(v.status).toBe('answered');
    expect(v.winner).toBe('webhook x3');
    expect(v.figure).toContain('with a crash: webhook x3, one killed, onTimeout throw: 4 lost, 2 duplicated');
    expect(v.sentences).toContainEqual(expect.stringContaining('one instance killed mid-run (onTimeout throw)'));
    expect(v.rows.find((r) => r.variant === 'polling x1')!.values.kneeVus).not.toBeNull();
  });

  it("judges the knee on the scenario's first-output budget when it states one", () => {
    const polling = loadFixture('variant-polling-x1');
    polling.scenario.resolved = {
      ...polling.scenario.resolved,
      thresholds: { reply_first_latency: ['p(95)<3000'], reply_latency: ['p(95)<1'] },
    };
    const p95 = polling.timeSeries.find((s) => s.name === 'reply_p95_ms')!;
    polling.timeSeries.push({ ...p95, name: 'reply_first_p95_ms', points: p95.points.map(([t]) => [t, 500]) });
    const v = decideMatrix('transport', question('transport'), [ok(polling)]);
    expect(v.answer).toMatch(/^polling x1: held first output p95 <= 3 s at every level up to/);
  });

  it('never reports a level that did not settle as held: the knee stops below it', () => {
    const polling = loadFixture('variant-polling-x1');
    polling.scenario.resolved = { ...polling.scenario.resolved, thresholds: { reply_first_latency: ['p(95)<3000'] } };
    const p95 = polling.timeSeries.find((s) => s.name === 'reply_p95_ms')!;
    polling.timeSeries.push({ ...p95, name: 'reply_first_p95_ms', points: p95.points.map(([t]) => [t, 500]) });
    // Within the budget everywhere, but the updates waiting at Telegram pile up through the top level.
    const top = polling.phases.at(-1)!;
    polling.timeSeries.push({
      name: 'telegram_pending_updates',
      unit: 'updates',
      source: 'fake-telegram',
      points: p95.points.map(([t]) => [t, t < top.startMs ? 0 : (t - top.startMs) / 100] as [number, number]),
    });
    const v = decideMatrix('transport', question('transport'), [ok(polling)]);
    const below = polling.phases.at(-2)!.targetVus!;
    expect(v.answer).not.toContain('at every level');
    expect(v.answer).toContain(`the highest knee, ${below} VUs (not steady above it)`);
    expect(v.rows[0]!.values.kneeVus).toBe(below);
    expect(v.sentences.join(' ')).toContain(
      `not steady at ${top.targetVus} VUs (not judged; ${top.targetVus} VUs: telegram_pending_updates@fake-telegram grew through it`,
    );
  });

  it('says no level could be judged, and why, when none settled', () => {
    const polling = loadFixture('variant-polling-x1');
    // Users who think 60 s: no 30 s step holds three of their cycles; up to 100 VUs no step broke the budget.
    polling.scenario.resolved = {
      ...polling.scenario.resolved,
      behaviour: { thinkTime: { distribution: 'constant', median: 60_000 } },
    };
    polling.phases = polling.phases.filter((p) => (p.targetVus ?? 0) <= 100);
    const v = decideMatrix('transport', question('transport'), [ok(polling)]);
    expect(v.answer).toMatch(
      /^polling x1: no level could be judged \(not steady at 20, 40, .* VUs \(not judged; 20 VUs: held 30 s, shorter than 3 user cycles/,
    );
    expect(v.answer).not.toContain('n/a');
    expect(v.sentences[0]).toMatch(/^polling x1: no level judged on reply p95 <= 3 s, not steady at 20, 40/);
    expect(v.sentences.join(' ')).not.toContain('up to below');
  });

  it('says where it broke by overload when the levels below never settled, without inventing a knee', () => {
    const polling = loadFixture('variant-polling-x1');
    polling.scenario.resolved = {
      ...polling.scenario.resolved,
      behaviour: { thinkTime: { distribution: 'constant', median: 60_000 } },
    };
    const v = decideMatrix('transport', question('transport'), [ok(polling)]);
    // Too short to settle, but past the 3 s budget all through its hold from 160 VUs: broken, by overload.
    expect(v.answer).toMatch(
      /^polling x1: even it broke reply p95 <= 3 s at 160 VUs, with no level below it judged held;/,
    );
    expect(v.answer).toContain('polling x1 broke at 160 VUs, with no level below it judged held (not steady at');
    expect(v.figure).toMatch(/^knee not known \(below 160 VUs\)/);
    expect(v.answer).not.toMatch(/first level|over its knee/);
  });
});

describe('llm-cost verdict', () => {
  const SONNET = 'claude-sonnet-4-5-20250929';
  const HAIKU = 'claude-haiku-4-5-20251001';
  const costRun = (variant: string, cost: Record<string, unknown>, sonnetCalls: number, haikuCalls: number) =>
    makeRun({
      variant,
      config: { cost, claude: { complexModel: SONNET, simpleModel: HAIKU } },
      edit: (r) => {
        r.load.population = 1000;
        const sonnet = usage(sonnetCalls, TOKENS_PER_CALL.digest);
        const haiku = usage(haikuCalls, TOKENS_PER_CALL.simple);
        r.claude.byModel = { [SONNET]: sonnet, ...(haikuCalls > 0 ? { [HAIKU]: haiku } : {}) };
        r.claude.total = { ...sonnet, calls: sonnetCalls + haikuCalls };
      },
    });
  const off = { routing: false, digestCache: false, promptCaching: false, batchDigests: false };

  it('prices each variant and names the cheapest with its saving and small-model share', () => {
    const v = decideMatrix('llm-cost', question('llm-cost'), [
      ok(costRun('baseline (one big model, no cache)', off, 1000, 0)),
      ok(costRun('all combined', { ...off, routing: true, digestCache: true }, 400, 600)),
    ]);
    expect(v.winner).toBe('all combined');
    expect(v.answer).toMatch(
      /^all combined is the cheapest: \$[\d,.]+\/month at 10K DAU \(\$[\d.]+\/user\/day\), 5\d(\.\d)?% less than the baseline's \$/,
    );
    const row = v.rows.find((r) => r.variant === 'all combined')!.values;
    expect(row.smallModelShare).toBeCloseTo(0.6);
    expect(v.changesIf).toContain('the cheapest variant without routing is baseline (one big model, no cache)');
    expect(v.expectations.map((e) => e.met)).toEqual([true, true]);
  });

  it('flags a variant that did less work: its unsent digests and lost questions cost nothing', () => {
    const lazy = costRun('prompt caching', { ...off, promptCaching: true }, 300, 0);
    withDigests(lazy, { expected: 212, missing: 141, latenessMs: spread(71, 1_000, 60_000) });
    lazy.correctness.lostUpdates = 230;
    const v = decideMatrix('llm-cost', question('llm-cost'), [
      ok(costRun('baseline (one big model, no cache)', off, 1000, 0)),
      ok(lazy),
    ]);
    expect(v.expectations).toContainEqual({
      variant: 'prompt caching',
      text: 'did the whole load: every digest due sent and every update answered (here 141 unsent, 230 lost)',
      met: false,
    });
  });
});

describe('breaker verdict', () => {
  const thresholds = { reply_latency: ['p(95)<5000'] };
  const storm = { fakes: { claude: { faults: [{ from: 60_000, to: 120_000, rate: 1, kind: '529' }] } }, thresholds };
  const outage = {
    fakes: { claude: { faults: [] }, mcp: { faults: [{ from: 60_000, to: 120_000, rate: 1, kind: 'http-503' }] } },
    thresholds,
  };
  // p95 per 10 s: 1.2 s before, `during` inside the window (60-120 s), 6 s for one interval after, then 1.2 s.
  const series = (during: number) => ({
    name: 'reply_p95_ms',
    unit: 'ms',
    source: 'loadgen',
    points: Array.from({ length: 30 }, (_, i): [number, number] => {
      const t = (i + 1) * 10_000;
      return [t, t > 60_000 && t <= 120_000 ? during : t <= 130_000 && t > 120_000 ? 6000 : 1200];
    }),
  });
  const breakerRun = (variant: string, scope: string, lost: number, errors: number, fault: 'storm' | 'outage') =>
    makeRun({
      variant,
      config: { resilience: { breakerScope: scope } },
      resolved: fault === 'storm' ? storm : outage,
      edit: (r) => {
        r.correctness.lostUpdates = lost;
        r.correctness.fallbackReplies = 30;
        r.claude.statusCounts = { '200': 500, ...(fault === 'storm' ? { '529': errors } : {}) };
        r.timeSeries = [series(fault === 'storm' ? 9000 : 2500)];
      },
    });

  it('picks per condition by user-visible failures, then wasted calls, and measures recovery', () => {
    const v = decideMatrix('breaker', question('breaker'), [
      ok(breakerRun('no breaker, Claude 529 storm', 'none', 40, 420, 'storm')),
      ok(breakerRun('per-upstream, Claude 529 storm', 'per-upstream', 0, 25, 'storm')),
      ok(breakerRun('shared, MCP outage', 'shared', 3, 0, 'outage')),
    ]);
    expect(v.answer).toBe(
      'Claude 529 storm: the per-upstream breaker (0 user-visible failures, 30 fallback replies, 25 wasted calls); MCP outage: the shared breaker (3 user-visible failures, 30 fallback replies).',
    );
    const row = v.rows.find((r) => r.variant === 'per-upstream, Claude 529 storm')!.values;
    expect(row).toMatchObject({ p95DuringMs: 9000, p95AfterMs: 1200, recoveryMs: 20_000, wastedCalls: 25 });
  });

  it('measures the MCP outage from its own window: p95 during and after, time to recover', () => {
    const v = decideMatrix('breaker', question('breaker'), [
      ok(breakerRun('no breaker, MCP outage', 'none', 12, 0, 'outage')),
      ok(breakerRun('per-upstream, MCP outage', 'per-upstream', 2, 0, 'outage')),
    ]);
    const row = v.rows.find((r) => r.variant === 'per-upstream, MCP outage')!.values;
    expect(row).toMatchObject({ p95DuringMs: 2500, p95AfterMs: 1200, recoveryMs: 20_000, wastedCalls: null });
    expect(v.sentences).toContainEqual(
      'per-upstream, MCP outage (breaker per-upstream, MCP outage from 60 s to 2 min): 2 user-visible failures, 30 fallback replies (wasted calls not counted); p95 before 1.2 s, during 2.5 s, after 1.2 s; recovered 20 s after the outage.',
    );
    expect(v.figure).toBe('MCP outage: p95 before 1.2 s, during 2.5 s, after 1.2 s, recovered in 20 s');
    expect(v.sentences).toContainEqual(
      'No variant completed in the Claude 529 storm: that half of the question has no data.',
    );
    expect(v.answer).toMatch(/^MCP outage: the per-upstream breaker \(2 user-visible failures/);
  });

  it("counts the MCP server's refused calls as the outage's wasted calls, which separate breakers the failures tie", () => {
    const withRefused = (variant: string, scope: string, refused: number) => {
      const run = breakerRun(variant, scope, 0, 0, 'outage');
      run.mcp = { requests: 900, toolCalls: 700, refused };
      return run;
    };
    const v = decideMatrix('breaker', question('breaker'), [
      ok(withRefused('no breaker, MCP outage', 'none', 240)),
      ok(withRefused('per-upstream, MCP outage', 'per-upstream', 12)),
    ]);
    expect(v.answer).toBe(
      'MCP outage: the per-upstream breaker (0 user-visible failures, 30 fallback replies, 12 wasted calls).',
    );
    expect(v.rows.find((r) => r.variant === 'no breaker, MCP outage')!.values.wastedCalls).toBe(240);
    expect(v.changesIf).toMatch(/no breaker had fewer wasted calls than the per-upstream breaker \(240 against 12;/);
  });

  it('counts a bot that never held the budget as recovered once it is back to its own p95 before the fault', () => {
    const slow = breakerRun('per-upstream, MCP outage', 'per-upstream', 0, 0, 'outage');
    // 8 s before (over the 5 s budget), 20 s in the window, 12 s then 7.5 s after it.
    slow.timeSeries[0]!.points = slow.timeSeries[0]!.points.map(([t]) => [
      t,
      t <= 60_000 ? 8000 : t <= 120_000 ? 20_000 : t <= 140_000 ? 12_000 : 7500,
    ]);
    const v = decideMatrix('breaker', question('breaker'), [ok(slow)]);
    expect(v.rows[0]!.values).toMatchObject({ p95BeforeMs: 8000, p95DuringMs: 20_000, recoveryMs: 30_000 });
  });

  it('says so for a run without a fault window instead of judging it', () => {
    const plain = makeRun({ variant: 'shared, no fault', config: { resilience: { breakerScope: 'shared' } } });
    const v = decideMatrix('breaker', question('breaker'), [
      ok(plain),
      ok(breakerRun('shared, MCP outage', 'shared', 3, 0, 'outage')),
    ]);
    expect(v.sentences).toContainEqual(
      'shared, no fault (breaker shared) ran without a Claude or MCP fault window: nothing to judge.',
    );
    expect(v.winner).toBe('shared, MCP outage');
  });
});

describe('signals verdict', () => {
  it('ranks metrics by lead time before the budget broke in the ramp fixture', () => {
    const v = decideMatrix('signals', question('signals'), [ok(loadFixture('ramp'))]);
    expect(v.status).toBe('answered');
    expect(v.answer).toMatch(/metrics moved before the budget broke at|No metric moved before/);
    const leads = v.rows.map((r) => r.values.leadMs).filter((x): x is number => x !== null);
    expect([...leads].sort((a, b) => b - a)).toEqual(leads);
  });

  it('says when the budget never broke', () => {
    const v = decideMatrix('signals', question('signals'), [ok(loadFixture('smoke'))]);
    expect(v.status).toBe('no-data');
    expect(v.answer).toMatch(/^No answer: the latency budget never broke in the ramp/);
  });
});

describe('every rule', () => {
  it('states its rule in words and prints it in the verdict', () => {
    for (const [name, rule] of Object.entries(VERDICT_RULES)) {
      expect(rule.rule.length, name).toBeGreaterThan(80);
      expect(decideMatrix(name as never, 'q?', [failed('x')]).rule).toBe(rule.rule);
    }
  });

  it('answers "no data" instead of throwing when a result cannot be read', () => {
    const broken = makeRun({ variant: 'none x3', edit: (r) => withDigests(r, { expected: 10, latenessMs: [1000] }) });
    broken.correctness.digests.lateness = { ...broken.correctness.digests.lateness, data: 'not-hdr' };
    const v = decideMatrix('scheduler', 'q?', [ok(broken)]);
    expect(v.status).toBe('no-data');
    expect(v.answer).toMatch(/^No answer: the rule could not be applied to these results \(.+\)\.$/);
    expect(v.rows[0]!.variant).toBe('none x3');
  });

  it('answers "no data" when every variant failed', () => {
    for (const name of Object.keys(VERDICT_RULES)) {
      const v = decideMatrix(name as never, 'q?', [failed('a'), failed('b')]);
      expect(v.status, name).toBe('no-data');
      expect(
        v.rows.every((r) => r.status === 'failed'),
        name,
      ).toBe(true);
    }
  });
});
