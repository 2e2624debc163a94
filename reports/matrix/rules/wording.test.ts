import { describe, expect, it } from 'vitest';
import type { RunResult } from '../../../contracts/run-result.ts';
import { getMatrix } from '../../../scenarios/matrices/index.ts';
import { loadFixture } from '../../fixtures/index.ts';
import { encodeHistogram, TOKENS_PER_CALL, usage } from '../../fixtures/synth.ts';
import type { UsableOutcome } from '../figures.ts';
import { foldRepetitions } from '../repetitions.ts';
import { failed, makeRun, ok, spread, withDigests } from '../testing/outcomes.ts';
import type { MatrixVerdict, VariantOutcome } from '../types.ts';
import { decideMatrix } from '../verdicts.ts';
import { VERDICT_RULES } from './index.ts';
import { whenToSwitch } from './transport.ts';

/**
 * The words of every verdict at the rules' edges: zero, one, ties, every variant failing, a single variant,
 * repetitions that disagree. Each case checks the sentence it is about, and every generated sentence of the
 * verdict is run through `readsNaturally`, which catches what a template produces when a figure hits an edge.
 */

/** What a template writes when a figure is at an edge; none of these reads as English. */
const UNNATURAL: ReadonlyArray<[RegExp, string]> = [
  [/\b(undefined|NaN|null|Infinity)\b|\[object /, 'a raw value'],
  [
    /(?<![\d.,])1 (users|updates|digests|metrics|instances|connections|failures|replies|calls|sessions|errors|redeliveries|429s|onboardings|alerts)\b/,
    'a plural after 1',
  ],
  [/(fewer|less|lower) [^.;]* than 0\b/, 'asks for fewer than zero'],
  [/\b0 ms later\b|\b0% less\b/, 'a difference of nothing'],
  [/n\/a VUs|n\/a users/, 'a missing figure as a count'],
  [/[^.]\.\.(?!\.)|\s[,;](?!\d)|\s\.(?![\d.])|\(\)|;\./, 'broken punctuation'],
];

/** Every sentence of a verdict reads naturally; the recommendation is a sentence that tells what to do. */
function readsNaturally(v: MatrixVerdict): void {
  const texts = [v.answer, v.recommendation ?? '', v.figure, v.changesIf, ...v.sentences];
  for (const text of texts) {
    for (const [pattern, what] of UNNATURAL) expect(text, `${what} in: ${text}`).not.toMatch(pattern);
  }
  expect(v.recommendation, `${v.matrix}: a recommendation`).toMatch(/^[A-Z].*[.)]$/s);
}

const q = (name: Parameters<typeof getMatrix>[0]) => getMatrix(name).question;

describe('every rule: all variants failing, and a single failing variant', () => {
  for (const name of Object.keys(VERDICT_RULES) as Array<keyof typeof VERDICT_RULES>) {
    it(`${name}: says there is no recommendation yet, and why`, () => {
      for (const outcomes of [[failed('a'), failed('b')], [failed('a')]]) {
        const v = decideMatrix(name, q(name), outcomes);
        readsNaturally(v);
        expect(v.recommendation).toMatch(/^No recommendation yet: .+\.$/);
        expect(v.decidingFigure, name).toBeDefined();
        expect(v.columns.map((c) => c.key).concat(name === 'signals' ? [] : []), name).toContain(
          v.decidingFigure!.column,
        );
      }
    });
  }
});

describe('scheduler wording', () => {
  const run = (variant: string, f: { duplicated?: number; missing?: number; maxMs?: number; expected?: number }) =>
    ok(
      makeRun({
        variant,
        instances: 3,
        edit: (r) =>
          withDigests(r, {
            expected: f.expected ?? 100,
            duplicated: f.duplicated ?? 0,
            missing: f.missing ?? 0,
            latenessMs: spread(100, 1_000, f.maxMs ?? 5_000),
          }),
      }),
    );

  it('says "as late" on a tie rather than "0 ms later"', () => {
    const v = decideMatrix('scheduler', q('scheduler'), [run('skip-locked x3', {}), run('advisory x3', {})]);
    readsNaturally(v);
    expect(v.changesIf).toContain('advisory x3 passed too, as late at p95');
  });

  it('names a single passing variant as the only one, with one digest in the singular', () => {
    const v = decideMatrix('scheduler', q('scheduler'), [run('skip-locked x3', { expected: 1 })]);
    readsNaturally(v);
    expect(v.answer).toBe(
      'skip-locked x3: zero duplicated and zero missing of 1 digest, the only variant that passed.',
    );
    expect(v.recommendation).toBe(
      'Plan and send digests with skip-locked x3: it sent every digest exactly once, and no other strategy did.',
    );
  });

  it('recommends none of them when every variant duplicated or missed', () => {
    const v = decideMatrix('scheduler', q('scheduler'), [
      run('none x3', { duplicated: 1 }),
      run('leader x3', { missing: 1 }),
    ]);
    readsNaturally(v);
    expect(v.recommendation).toMatch(/^Do not ship any of the measured scheduler strategies yet/);
  });

  it('says how the repetitions split when they disagree, and recommends no variant, only the half that held', () => {
    const rep = (skipMs: number, advisoryMs: number) =>
      decideMatrix('scheduler', q('scheduler'), [
        run('skip-locked x3', { maxMs: skipMs }),
        run('advisory x3', { maxMs: advisoryMs }),
      ]);
    const v = foldRepetitions([rep(5_000, 9_000), rep(9_000, 5_000)]);
    expect(v.status).toBe('no-stable-answer');
    expect(v.recommendation).toBe(
      'No strategy sent a digest twice (all 2 repetitions agree). Which variant: no firm recommendation yet: ' +
        'skip-locked x3 won 1 of 2 repetitions, advisory x3 1; run more repetitions before choosing.',
    );
  });

  it('holds the duplicates half when a variant leaves digests unsent in one repetition only', () => {
    const rep = (redisMissing: number) =>
      decideMatrix('scheduler', q('scheduler'), [
        run('none x3', { maxMs: 2_000, duplicated: 50 }),
        run('skip-locked x3', { maxMs: redisMissing > 0 ? 5_000 : 9_000 }),
        run('redis-lock x5, one killed at the peak', { maxMs: 6_000, missing: redisMissing }),
      ]);
    const [first, second] = [rep(0), rep(47)];
    // Different variants fail (redis-lock only in the second), the same one duplicates.
    expect(first.winner).toBe('redis-lock x5, one killed at the peak');
    expect(second.winner).toBe('skip-locked x3');
    const v = foldRepetitions([first, second]);
    expect(v.answer).toBe(
      'Never send digests from none x3: it sent digests twice, every other strategy none. All 2 repetitions agree ' +
        '(repetition 1: duplicated none x3 50; repetition 2: duplicated none x3 50; redis-lock x5, one killed at the ' +
        'peak left 47 digests unsent). Which variant: no stable answer (wins: redis-lock x5, one killed at the peak 1; ' +
        'skip-locked x3 1).',
    );
  });
});

describe('sessions wording', () => {
  const signUps = (variant: string, storage: string, unfinished: number, lost = 0) =>
    ok(
      makeRun({
        variant,
        instances: 3,
        config: { session: { storage } },
        resolved: { bot: { balancerAffinity: 'none' } },
        edit: (r) => {
          r.latency.byAction = { start: encodeHistogram(spread(600, 100, 400)) };
          r.database.maxConnectionsSeen = 1;
          r.correctness.lostUpdates = lost;
          r.timeSeries.push({
            name: 'bot_users_onboarding_unfinished',
            unit: 'count',
            source: 'bot-1',
            points: [[170_000, unfinished]],
          });
        },
      }),
    );

  it('reads at one: 1 user, 1 lost update, 1 peak connection, 1 onboarding', () => {
    const v = decideMatrix('sessions', q('sessions'), [
      signUps('memory, round-robin', 'memory', 1),
      signUps('postgres, round-robin', 'postgres', 0, 1),
    ]);
    readsNaturally(v);
    expect(v.answer).toContain('left 1 user with an unfinished onboarding, postgres, round-robin none (1 lost update)');
    expect(v.recommendation).toBe(
      'Keep FSM state in postgres, not in process memory, as soon as more than one instance serves the bot: memory broke 1 onboarding behind a round-robin balancer.',
    );
  });

  it('does not claim "no broken flow" when memory and shared storage broke as many', () => {
    const v = decideMatrix('sessions', q('sessions'), [
      signUps('memory, round-robin', 'memory', 3),
      signUps('redis, round-robin', 'redis', 3, 2),
    ]);
    readsNaturally(v);
    expect(v.answer).toMatch(/^Memory broke no more flows than shared storage: memory, round-robin left 3 users/);
    expect(v.recommendation).toMatch(/^No storage kept more flows whole than memory at this load; memory ranked first/);
  });
});

describe('slot-cap wording', () => {
  const signUps = (variant: string, capCheck: string, overCap: number, lockWaits = 0) =>
    ok(
      makeRun({
        variant,
        config: { slotting: { mode: 'auto', slotMinutes: 5, capPerSlot: 25, capCheck } },
        edit: (r) => {
          r.load.updatesByAction = { start: 1 };
          r.latency.byAction = { start: encodeHistogram(spread(10, 100, 400)) };
          r.timeSeries.push(
            { name: 'bot_slot_users_over_cap', unit: 'count', source: 'bot-1', points: [[1000, overCap]] },
            { name: 'pg_lock_waits', unit: 'connections', source: 'postgres', points: [[1000, lockWaits]] },
          );
        },
      }),
    );

  it('recommends the slot table when COUNT overbooked, at one user', () => {
    const v = decideMatrix('slot-cap', q('slot-cap'), [
      signUps('COUNT then write', 'count', 1),
      signUps('slot table', 'slot-table', 0, 1),
    ]);
    readsNaturally(v);
    expect(v.recommendation).toBe(
      'Enforce the per-slot cap with the slot table, not COUNT then write: COUNT then write put 1 user above the cap, slot table nobody.',
    );
  });

  it('still prefers the slot table when neither overbooked, and says the bug when both did', () => {
    const clean = decideMatrix('slot-cap', q('slot-cap'), [
      signUps('COUNT then write', 'count', 0),
      signUps('slot table', 'slot-table', 0),
    ]);
    readsNaturally(clean);
    expect(clean.recommendation).toMatch(/^Either cap check held at this load; still prefer the slot table/);
    const broken = decideMatrix('slot-cap', q('slot-cap'), [
      signUps('COUNT then write', 'count', 5),
      signUps('slot table', 'slot-table', 1),
    ]);
    readsNaturally(broken);
    expect(broken.recommendation).toBe(
      'Do not rely on either cap check yet: even slot table put 1 user above the cap, so find that bug first.',
    );
  });
});

describe('slotting wording', () => {
  const slotted = (variant: string, mode: string, maxMs: number, usersMoved: number, missing = 0) =>
    ok(
      makeRun({
        variant,
        config: { slotting: { mode, slotMinutes: 5, capPerSlot: 50 } },
        edit: (r) => {
          withDigests(r, { expected: 100, missing, latenessMs: spread(100, 1_000, maxMs), usersMoved });
          r.claude.statusCounts = { '200': 100, '429': 1 };
        },
      }),
    );

  it('spreads "without moving anyone" when nobody moved, and reads at one 429', () => {
    const v = decideMatrix('slotting', q('slotting'), [
      slotted('none', 'none', 600_000, 0),
      slotted('5-min slots, cap 50, offer', 'offer', 60_000, 0),
    ]);
    readsNaturally(v);
    expect(v.recommendation).toMatch(
      /^Spread digest times with 5-min slots, cap 50, offer: .+, without moving anyone\.$/,
    );
    expect(v.changesIf).toContain('with 1 429, so');
  });

  it('moves 1 user in the singular, and says to leave times alone when spreading did not help', () => {
    const moved = decideMatrix('slotting', q('slotting'), [
      slotted('none', 'none', 600_000, 0),
      slotted('5-min slots, cap 50, auto', 'auto', 60_000, 1),
    ]);
    readsNaturally(moved);
    expect(moved.recommendation).toContain('at the price of moving 1 user from the time they chose');
    const flat = decideMatrix('slotting', q('slotting'), [
      slotted('none', 'none', 60_000, 0),
      slotted('5-min slots, cap 50, auto', 'auto', 600_000, 40, 3),
    ]);
    readsNaturally(flat);
    expect(flat.recommendation).toMatch(/^Leave digest times where users put them: no cap measured cut p95 lateness/);
  });
});

describe('breaker wording', () => {
  const thresholds = { reply_latency: ['p(95)<5000'] };
  const window = [{ from: 60_000, to: 120_000, rate: 1 }];
  const breakerRun = (scope: string, lost: number, fault: 'storm' | 'outage', errors = 0) =>
    ok(
      makeRun({
        variant: `${scope === 'none' ? 'no breaker' : scope}, ${fault === 'storm' ? 'Claude 529 storm' : 'MCP outage'}`,
        config: { resilience: { breakerScope: scope } },
        resolved:
          fault === 'storm'
            ? { fakes: { claude: { faults: [{ ...window[0], kind: '529' }] } }, thresholds }
            : { fakes: { claude: { faults: [] }, mcp: { faults: [{ ...window[0], kind: 'http-503' }] } }, thresholds },
        edit: (r) => {
          r.correctness.lostUpdates = lost;
          r.correctness.fallbackReplies = 1;
          r.claude.statusCounts = { '200': 500, ...(fault === 'storm' ? { '529': errors } : {}) };
        },
      }),
    );

  it('never names the variant label (which names the condition again) nor asks for fewer than 0', () => {
    // The sentence that read "the pick changes if shared, Claude 529 storm makes fewer user-visible failures than 0".
    const v = decideMatrix('breaker', q('breaker'), [
      breakerRun('shared', 0, 'storm', 12),
      breakerRun('per-upstream', 0, 'storm', 40),
    ]);
    readsNaturally(v);
    expect(v.changesIf).toBe(
      'Claude 529 storm: the pick changes if the per-upstream breaker had fewer wasted calls than the shared breaker (40 against 12; both had 0 user-visible failures), e.g. with a longer or partial outage or other breaker thresholds.',
    );
    expect(v.answer).toBe(
      'Claude 529 storm: the shared breaker (0 user-visible failures, 1 fallback reply, 12 wasted calls).',
    );
    expect(v.recommendation).toBe(
      'Against a Claude 529 storm, use a shared circuit breaker (the other condition has no data).',
    );
  });

  it('recommends one breaker for both conditions when one won both, and "without" when none did', () => {
    const same = decideMatrix('breaker', q('breaker'), [
      breakerRun('per-upstream', 1, 'storm', 3),
      breakerRun('none', 9, 'storm', 300),
      breakerRun('per-upstream', 0, 'outage'),
      breakerRun('none', 4, 'outage'),
    ]);
    readsNaturally(same);
    expect(same.recommendation).toBe(
      'Use a per-upstream circuit breaker: it gave the fewest user-visible failures in both the Claude 529 storm and the MCP outage.',
    );
    const split = decideMatrix('breaker', q('breaker'), [
      breakerRun('none', 0, 'storm'),
      breakerRun('shared', 2, 'outage'),
    ]);
    readsNaturally(split);
    expect(split.recommendation).toBe(
      'Against a Claude 529 storm, run without a circuit breaker; against an MCP outage, use a shared circuit breaker.',
    );
    expect(split.changesIf).toContain('only one variant completed, so the pick is unchallenged');
  });
});

describe('pooling wording', () => {
  const pool = (poolMax: number, errors: number, seen: number, lost = 0) =>
    ok(
      makeRun({
        variant: `5 x ${poolMax} direct`,
        instances: 5,
        config: { database: { poolMax } },
        edit: (r) => {
          r.database.connectionErrors53300 = errors;
          r.database.maxConnectionsSeen = seen;
          r.correctness.lostUpdates = lost;
        },
      }),
    );

  it('reads at one error and one lost update, and names a plan to buy', () => {
    const v = decideMatrix('pooling', q('pooling'), [pool(50, 1, 97), pool(10, 0, 50, 1)]);
    readsNaturally(v);
    expect(v.sentences).toContainEqual(expect.stringContaining('fails: 1 connection error (53300)'));
    expect(v.recommendation).toMatch(/^Run the bots as 5 x 10 direct: no connection error and no duplicated digest/);
  });

  it('recommends no plan when none qualified', () => {
    const v = decideMatrix('pooling', q('pooling'), [pool(50, 3, 97)]);
    readsNaturally(v);
    expect(v.recommendation).toMatch(/^Buy none of the measured pooling plans yet/);
  });
});

describe('llm-cost wording', () => {
  const SONNET = 'claude-sonnet-4-5-20250929';
  const off = { routing: false, digestCache: false, promptCaching: false, batchDigests: false };
  const costRun = (variant: string, cost: Record<string, unknown>, calls: number): VariantOutcome =>
    ok(
      makeRun({
        variant,
        config: { cost, claude: { complexModel: SONNET } },
        edit: (r: RunResult) => {
          r.load.population = 1000;
          const sonnet = usage(calls, TOKENS_PER_CALL.digest);
          r.claude.byModel = { [SONNET]: sonnet };
          r.claude.total = sonnet;
        },
      }),
    );

  it('says to keep the bot as it is when the baseline is the cheapest, never "0% less"', () => {
    const v = decideMatrix('llm-cost', q('llm-cost'), [
      costRun('baseline (one big model, no cache)', off, 100),
      costRun('prompt caching', { ...off, promptCaching: true }, 300),
    ]);
    readsNaturally(v);
    expect(v.answer).toContain('no control saved anything against the baseline');
    expect(v.recommendation).toMatch(/^Keep the bot as it is: no cost control measured beat the baseline's \$/);
  });

  it('names the control to turn on, without a saving when the baseline did not run', () => {
    const v = decideMatrix('llm-cost', q('llm-cost'), [
      failed('baseline (one big model, no cache)'),
      costRun('digest cache', { ...off, digestCache: true }, 100),
    ]);
    readsNaturally(v);
    expect(v.recommendation).toMatch(/^Turn on digest cache: Claude then costs \$[\d,.]+\/month at 10K DAU\.$/);
  });
});

describe('transport wording', () => {
  it('tells when to switch, with what it costs', () => {
    const v = decideMatrix('transport', q('transport'), [
      ok(loadFixture('variant-polling-x1')),
      ok(loadFixture('variant-webhook-x3')),
    ]);
    readsNaturally(v);
    expect(v.recommendation).toMatch(
      /^(Switch to webhook x3 now|Switch to webhook x3 before [\d,]+ concurrent users|No switch needed yet): polling x1/,
    );
    expect(v.recommendation).toContain('webhook x3 costs 2 more instances');
  });

  it('says to switch only past the tested load when polling x1 held every level', () => {
    const polling = loadFixture('variant-polling-x1');
    polling.scenario.resolved = { ...polling.scenario.resolved, thresholds: { reply_latency: ['p(95)<600000'] } };
    const text = whenToSwitch(ok(polling) as UsableOutcome, ok(loadFixture('variant-webhook-x3')) as UsableOutcome);
    expect(text).toMatch(
      /^Switch to webhook x3 only past [\d,]+ concurrent users \(untested above\): polling x1 held at every level up to [\d,]+ VUs, at least [\d,]+ VUs of headroom over today's 50 concurrent users; webhook x3 costs 2 more instances/,
    );
  });

  it('names the break as the latest moment to switch when no level below it settled', () => {
    const polling = loadFixture('variant-polling-x1');
    // Users who think 60 s, so no step is long enough to settle; its steps tripled, so the overload that
    // breaks it lies above today's 300 users and the knee below it is not known.
    polling.scenario.resolved = {
      ...polling.scenario.resolved,
      behaviour: { thinkTime: { distribution: 'constant', median: 60_000 } },
    };
    polling.phases = polling.phases.map((p) => ({ ...p, targetVus: (p.targetVus ?? 0) * 3 }));
    const text = whenToSwitch(ok(polling) as UsableOutcome, ok(loadFixture('variant-webhook-x3')) as UsableOutcome);
    expect(text).toMatch(
      /^Switch to webhook x3 before 480 concurrent users at the latest: polling x1 broke at 480 VUs, with no level below it judged held \(not steady at 60, 120, /,
    );
    expect(text).not.toMatch(/headroom|over its knee/);
  });

  it('a single variant that broke at the first level: no "n/a VUs", and no sizing on it', () => {
    const polling = loadFixture('variant-polling-x1');
    polling.scenario.resolved = { ...polling.scenario.resolved, thresholds: { reply_latency: ['p(95)<1'] } };
    const v = decideMatrix('transport', q('transport'), [ok(polling)]);
    readsNaturally(v);
    expect(v.answer).toMatch(/^polling x1: even it broke reply p95 <= 1 ms at the first level, \d+ VUs/);
  });
});

describe('signals wording', () => {
  it('counts metrics in the singular and plural, and recommends what to alert on', () => {
    const v = decideMatrix('signals', q('signals'), [ok(loadFixture('ramp'))]);
    readsNaturally(v);
    expect(v.recommendation).toMatch(
      /^(Alert on .+: it moved .+ before the latency budget broke|Alert on reply latency itself)/,
    );
  });
});
