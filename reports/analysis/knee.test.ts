import { describe, expect, it } from 'vitest';
import type { PhaseLatency, RunResult } from '../../contracts/run-result.ts';
import { loadFixture } from '../fixtures/index.ts';
import { RAMP_MODEL } from '../fixtures/models.ts';
import { encodeHistogram } from '../fixtures/synth.ts';
import { budgetFromScenario, budgetName, findKneeAcrossRuns, findKneeInRamp, kneeBudget } from './knee.ts';

describe('findKneeInRamp', () => {
  const knee = findKneeInRamp(loadFixture('ramp'));

  it('finds the highest load within the budget and the load that broke it', () => {
    expect(knee.kneeLoad).toBe(140);
    expect(knee.brokeAtLoad).toBe(160);
    expect(knee.levels).toHaveLength((RAMP_MODEL.maxVus - RAMP_MODEL.startVus) / RAMP_MODEL.stepVus + 1);
    expect(knee.sentences[0]).toMatch(/^p95 reply latency <= 3000 ms held up to 140 VUs .* broke at 160 VUs/);
    expect(knee.levels.every((l) => l.steadiness?.steady === true)).toBe(true);
    expect(knee.heldEveryLevel).toBe(false);
  });

  it('names the resource that saturated first, with the metric that shows it', () => {
    expect(knee.bottleneck).toMatchObject({
      resource: 'pg-pool',
      metric: 'bot_db_pool_waiting_clients',
      fromLoad: 140,
      source: 'bot-1',
    });
    expect(knee.bottleneck?.sentence).toMatch(/^pg pool waiting > 0 from 140 VUs/);
    expect(knee.signals.map((s) => [s.resource, s.fromLoad])).toEqual([
      ['pg-pool', RAMP_MODEL.pgPoolWaitingFromVus],
      ['claude-bulkhead', RAMP_MODEL.bulkheadQueueFromVus],
      ['cpu', 240],
      ['breaker', RAMP_MODEL.breakerOpenFromVus],
    ]);
    expect(knee.rules.join('\n')).toMatch(/bottleneck = the resource whose rule held at the lowest load/);
  });

  it('uses the budget given', () => {
    expect(findKneeInRamp(loadFixture('ramp'), { budget: { percentile: 95, maxMs: 5000 } }).kneeLoad).toBe(220);
  });

  it("defaults to the scenario's reply_latency threshold as the budget", () => {
    const ramp = loadFixture('ramp');
    const strict: RunResult = {
      ...ramp,
      scenario: {
        ...ramp.scenario,
        resolved: { ...ramp.scenario.resolved, thresholds: { reply_latency: ['avg<500', 'p(95)>0', 'p(95)<=2600'] } },
      },
    };
    expect(budgetFromScenario(strict)).toEqual({ percentile: 95, maxMs: 2600 });
    expect(findKneeInRamp(strict).kneeLoad).toBe(120);
    const broken: RunResult = {
      ...ramp,
      scenario: { ...ramp.scenario, resolved: { thresholds: { reply_latency: ['p95<1'] } } },
    };
    expect(budgetFromScenario(broken)).toBeNull();
  });

  it('judges a first-output budget on the first-output series, not on the final reply', () => {
    const ramp = loadFixture('ramp');
    // The final reply is slow everywhere (an LLM answer); the first output is fast up to 180 VUs.
    const firstOutput: RunResult = {
      ...ramp,
      scenario: {
        ...ramp.scenario,
        resolved: { ...ramp.scenario.resolved, thresholds: { reply_first_latency: ['p(95)<3000'] } },
      },
      timeSeries: [
        ...ramp.timeSeries.map((s) =>
          s.name.startsWith('reply_p') ? { ...s, points: s.points.map(([t]) => [t, 9000] as [number, number]) } : s,
        ),
        ...ramp.timeSeries
          .filter((s) => s.name === 'reply_p95_ms')
          .map((s) => ({
            ...s,
            name: 'reply_first_p95_ms',
            points: s.points.map(([t]) => {
              const vus = ramp.phases.find((p) => t > p.startMs && t <= p.endMs)?.targetVus ?? 0;
              return [t, vus <= 180 ? 800 : 4000] as [number, number];
            }),
          })),
      ],
    };
    const budget = budgetFromScenario(firstOutput, 'reply_first_latency');
    expect(budget).toEqual({ percentile: 95, maxMs: 3000, metric: 'reply_first_latency' });
    expect(budgetFromScenario(firstOutput)).toBeNull();
    const k = findKneeInRamp(firstOutput, { budget: budget! });
    expect(k.kneeLoad).toBe(180);
    expect(k.sentences[0]).toMatch(/^p95 first-output latency <= 3000 ms held up to 180 VUs/);
    // Without a budget given, the knee is the scenario's own: its first-output budget, as every table reads it.
    expect(kneeBudget(firstOutput)).toEqual(budget);
    expect(findKneeInRamp(firstOutput).kneeLoad).toBe(180);
    // On the final reply (9 s everywhere) the same run would break at the first level: another meaning.
    expect(findKneeInRamp(firstOutput, { budget: { percentile: 95, maxMs: 3000 } }).brokeAtLoad).toBe(
      k.levels[0]!.load,
    );
  });

  it('prefers the first-output budget when a scenario states both, and names the budget in every sentence', () => {
    const ramp = loadFixture('ramp');
    const both: RunResult = {
      ...ramp,
      scenario: {
        ...ramp.scenario,
        resolved: {
          ...ramp.scenario.resolved,
          thresholds: { reply_latency: ['p(95)<15000'], reply_first_latency: ['p(99)<2000'] },
        },
      },
    };
    expect(kneeBudget(both)).toEqual({ percentile: 99, maxMs: 2000, metric: 'reply_first_latency' });
    expect(kneeBudget(ramp)).toEqual({ percentile: 95, maxMs: 3000 });
    expect(budgetName(kneeBudget(both))).toBe('p99 first-output latency <= 2000 ms');
  });

  /** A staircase of 40 s phases (ramp, hold per step) with users who think 1 s, sampled every 10 s. */
  function staircase(p95: readonly number[], extra: RunResult['timeSeries'] = []): RunResult {
    const ramp = loadFixture('ramp');
    const step = (name: string, startMs: number, targetVus: number) => ({
      name,
      startMs,
      endMs: startMs + 40_000,
      targetVus,
    });
    return {
      ...ramp,
      scenario: {
        ...ramp.scenario,
        resolved: { ...ramp.scenario.resolved, behaviour: { thinkTime: { distribution: 'constant', median: 1_000 } } },
      },
      phases: [
        step('ramp 1', 0, 100),
        step('hold 1', 40_000, 100),
        step('ramp 2', 80_000, 200),
        step('hold 2', 120_000, 200),
      ],
      timeSeries: [
        {
          name: 'reply_p95_ms',
          unit: 'ms',
          source: 'loadgen',
          points: p95.map((v, i) => [(i + 1) * 10_000, v] as [number, number]),
        },
        ...extra,
      ],
    };
  }

  /** A phase's replies: `values` split evenly between its halves (first output = final reply). */
  function replies(values: readonly number[]): NonNullable<RunResult['phases'][number]['latency']> {
    const both = (v: readonly number[]) => ({ replyFinal: encodeHistogram(v), replyFirst: encodeHistogram(v) });
    const mid = values.length >> 1;
    return { ...both(values), halves: [both(values.slice(0, mid)), both(values.slice(mid))] };
  }

  it('reads a level from all its replies, not from the median interval, when the run recorded them', () => {
    // One reply in ten at the top step takes 8 s (a Claude answer among navigation): every 10 s interval's
    // p95 - a handful of replies - misses it, the step's p95 does not.
    const flat = staircase(Array(16).fill(500));
    const fast = Array(100).fill(400);
    const withSlowTenth = Array.from({ length: 100 }, (_, i) => (i % 10 === 0 ? 8_000 : 400));
    const budget = { percentile: 95, maxMs: 3000 } as const;
    expect(findKneeInRamp(flat, { budget }).heldEveryLevel).toBe(true);
    const recorded: RunResult = {
      ...flat,
      phases: flat.phases.map((p, i) => ({ ...p, latency: replies(i < 3 ? fast : withSlowTenth) })),
    };
    const k = findKneeInRamp(recorded, { budget });
    expect(k.levels.map((l) => [l.load, l.status])).toEqual([
      [100, 'held'],
      [200, 'broke'],
    ]);
    expect(k.levels[1]!.latencyMs).toBeGreaterThan(7_900);
    expect(k.rules[0]).toContain('the percentile over the replies to every update sent in the phase');
  });

  it('breaks a level whose answers never came, however fast its first output (a typing indicator)', () => {
    // The top step's first output is a typing indicator within 50 ms, but one update in twelve (8%) had no
    // final reply by the 30 s deadline, where measure.ts records it: more than a p95 leaves out.
    const stairs = staircase(Array(16).fill(500));
    stairs.scenario = {
      ...stairs.scenario,
      resolved: { ...stairs.scenario.resolved, replies: { deadline: 30_000 } },
    };
    const typing = Array(120).fill(50);
    const finals = (lostEvery: number) =>
      Array.from({ length: 120 }, (_, i) => (lostEvery > 0 && i % lostEvery === 0 ? 30_000 : 2_000));
    const latency = (lostEvery: number) => {
      const both = (v: readonly number[], w: readonly number[]) => ({
        replyFirst: encodeHistogram(v),
        replyFinal: encodeHistogram(w),
      });
      const final = finals(lostEvery);
      return {
        ...both(typing, final),
        halves: [both(typing.slice(0, 60), final.slice(0, 60)), both(typing.slice(60), final.slice(60))] as [
          PhaseLatency,
          PhaseLatency,
        ],
      };
    };
    const recorded: RunResult = {
      ...stairs,
      // The first step loses one update in forty (2.5%, within what a p95 leaves out), the second one in twelve.
      phases: stairs.phases.map((p, i) => ({ ...p, latency: latency(i < 2 ? 40 : 12) })),
    };
    const k = findKneeInRamp(recorded, { budget: { percentile: 95, maxMs: 3000, metric: 'reply_first_latency' } });
    expect(k.levels.map((l) => [l.load, l.status, l.latencyMs])).toEqual([
      [100, 'held', 50],
      [200, 'broke', 50],
    ]);
    expect(k.levels[1]!.unansweredShare).toBeCloseTo(10 / 120, 3);
    expect(k.sentences[0]).toContain('broke at 200 VUs (50 ms; 8.3% of its updates unanswered by the deadline)');
    expect(k.rules.join('\n')).toContain('more than 5% of its updates had no final reply by the deadline');
  });

  it('judges a step by its replies even when its intervals are too sparse to have a latency series', () => {
    const sparse = staircase([]);
    const recorded: RunResult = {
      ...sparse,
      timeSeries: [],
      phases: sparse.phases.map((p) => ({ ...p, latency: replies([300, 320, 6_000]) })),
    };
    const k = findKneeInRamp(recorded, { budget: { percentile: 95, maxMs: 3000 } });
    expect(k.sentences[0]).not.toMatch(/^No knee/);
    // Three replies per step: halves whose intervals overlap are not told apart, so the step is judged (broke at 6 s).
    expect(k.brokeAtLoad).toBe(100);
  });

  it('judges a staircase step on its hold, not on the ramp to it', () => {
    // Steps of 100 and 200 VUs, each a ramp then a hold; the ramp to 200 is still fast, the hold at 200 is not.
    const stairs = staircase([...Array(8).fill(500), ...Array(4).fill(900), ...Array(4).fill(9000)]);
    const k = findKneeInRamp(stairs, { budget: { percentile: 95, maxMs: 3000 } });
    expect(k.levels.map((l) => [l.load, l.label, l.status])).toEqual([
      [100, 'hold 1', 'held'],
      [200, 'hold 2', 'broke'],
    ]);
    expect([k.kneeLoad, k.brokeAtLoad]).toEqual([100, 200]);
  });

  it('reports a level whose latency rose through its hold past the budget as broken by overload', () => {
    // The hold at 200 VUs starts within the budget and ends far past it: the bot fell behind.
    const k = findKneeInRamp(staircase([...Array(14).fill(500), 20_000, 25_000]), {
      budget: { percentile: 95, maxMs: 3000 },
    });
    const top = k.levels.find((l) => l.load === 200)!;
    expect(top.status).toBe('broke');
    expect(top.steadiness).toMatchObject({ reason: 'overloaded', firstHalfMs: 500, secondHalfMs: 22_500 });
    expect([k.kneeLoad, k.brokeAtLoad]).toEqual([100, 200]);
    expect(k.notSteadyLoads).toEqual([]);
    expect(k.sentences[0]).toMatch(
      /held up to 100 VUs .* and broke at 200 VUs \(.*overloaded: its latency rose through the hold/,
    );
  });

  it('reports a level whose queue grows through it as not steady, neither held nor broken', () => {
    // The hold at 200 VUs is within the budget so far, but the fake Telegram's queue grows through it.
    const pending = {
      name: 'telegram_pending_updates',
      unit: 'updates',
      source: 'fake-telegram',
      points: Array.from({ length: 16 }, (_, i) => [i * 10_000, i < 12 ? 2 : (i - 11) * 40] as [number, number]),
    };
    const k = findKneeInRamp(staircase(Array(16).fill(800), [pending]), { budget: { percentile: 95, maxMs: 3000 } });
    const top = k.levels.find((l) => l.load === 200)!;
    expect(top.status).toBe('not-steady');
    expect(top.steadiness).toMatchObject({
      steady: false,
      reason: 'queue-growing',
      queue: 'telegram_pending_updates@fake-telegram',
    });
    expect(k.levels.find((l) => l.load === 100)?.status).toBe('held');
    expect(k.kneeLoad).toBe(100);
    expect(k.brokeAtLoad).toBeNull();
    expect(k.notSteadyLoads).toEqual([200]);
    expect(k.heldEveryLevel).toBe(false);
    expect(k.sentences.join(' ')).toContain('200 VUs was not steady, so nothing higher counts as held');
    expect(k.sentences.join(' ')).toContain('telegram_pending_updates@fake-telegram grew through it');
    expect(k.sentences.join(' ')).not.toMatch(/held at every load/);
    expect(k.rules.join('\n')).toContain('otherwise it is "not steady", never held or broken');
  });

  it('reports a hold shorter than three user cycles as not steady, unless it broke the budget all through it', () => {
    const ramp = loadFixture('ramp');
    // The fixture's users think 5 s; at 27 s of think time a 60 s step holds barely two cycles.
    const slowThinkers: RunResult = {
      ...ramp,
      scenario: {
        ...ramp.scenario,
        resolved: { ...ramp.scenario.resolved, behaviour: { thinkTime: { distribution: 'constant', median: 27_000 } } },
      },
    };
    const k = findKneeInRamp(slowThinkers);
    // From the step where the steady fixture broke (160 VUs), both halves of every step are past the 3 s
    // budget: overloaded, broken. Below it the steps are too short to judge.
    const cut = k.levels.findIndex((l) => l.status === 'broke');
    expect(k.levels[cut]?.load).toBe(knee.brokeAtLoad);
    const below = k.levels.slice(0, cut);
    expect(below.every((l) => l.status === 'not-steady')).toBe(true);
    expect(below[0]!.steadiness).toMatchObject({ steady: false, reason: 'too-short', holdMs: 60_000 });
    const above = k.levels.slice(cut);
    expect(above.map((l) => [l.status, l.steadiness])).toEqual(
      above.map(() => ['broke', expect.objectContaining({ reason: 'overloaded', evidence: 'past-budget-throughout' })]),
    );
    expect(k.kneeLoad).toBeNull();
    expect(k.brokeAtLoad).toBe(knee.brokeAtLoad);
  });

  it('says why there is no knee when the per-interval series is missing', () => {
    const ramp = loadFixture('ramp');
    const bare: RunResult = { ...ramp, timeSeries: ramp.timeSeries.filter((s) => !s.name.startsWith('reply_p')) };
    const k = findKneeInRamp(bare);
    expect(k.kneeLoad).toBeNull();
    expect(k.sentences[0]).toMatch(/no per-interval reply_p95_ms latency series/);
  });
});

describe('findKneeAcrossRuns', () => {
  it('treats each run as one level, ordered by load', () => {
    const smoke = loadFixture('smoke');
    const atLoad = (vus: number, slow: RunResult): RunResult => ({
      ...slow,
      phases: [{ name: 'steady', startMs: 0, endMs: 60_000, targetVus: vus }],
    });
    const ramp = loadFixture('ramp');
    const k = findKneeAcrossRuns([atLoad(300, ramp), atLoad(10, smoke), atLoad(20, smoke)]);
    expect(k.levels.map((l) => l.load)).toEqual([10, 20, 300]);
    expect(k.kneeLoad).toBe(20);
    expect(k.brokeAtLoad).toBe(300);
  });
});
