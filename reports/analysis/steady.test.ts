import { describe, expect, it } from 'vitest';
import { levelSteadiness, type Point, steadinessRule, steadinessText } from './steady.ts';

/** Points every 10 s over [fromMs, toMs] from a function of time. */
function points(fromMs: number, toMs: number, value: (tMs: number) => number): Point[] {
  const out: Point[] = [];
  for (let t = fromMs + 10_000; t <= toMs; t += 10_000) out.push([t, value(t)]);
  return out;
}

describe('a level is judged only once it is steady', () => {
  const hold = { fromMs: 0, toMs: 120_000, cycleMs: 30_000 };

  it('is steady when long enough, its halves agree and no queue grows', () => {
    const latency = points(0, 120_000, (t) => 800 + ((t / 10_000) % 2) * 60);
    const queues = new Map([['bot_bulkhead_queued@bot-1', points(0, 120_000, () => 2)]]);
    expect(levelSteadiness({ ...hold, latency, queues })).toEqual({ steady: true });
  });

  it('is not steady when the hold is shorter than three user cycles', () => {
    const s = levelSteadiness({ ...hold, toMs: 60_000, latency: points(0, 60_000, () => 500), queues: new Map() });
    expect(s).toEqual({ steady: false, reason: 'too-short', holdMs: 60_000, neededMs: 90_000 });
  });

  it('is not steady when its second half is much slower than its first', () => {
    const latency = points(0, 120_000, (t) => (t <= 60_000 ? 1_000 : 2_000));
    expect(levelSteadiness({ ...hold, latency, queues: new Map() })).toMatchObject({
      steady: false,
      reason: 'halves-differ',
      firstHalfMs: 1_000,
      secondHalfMs: 2_000,
    });
  });

  it('lets small absolute differences pass whatever their ratio', () => {
    const latency = points(0, 120_000, (t) => (t <= 60_000 ? 40 : 90));
    expect(levelSteadiness({ ...hold, latency, queues: new Map() }).steady).toBe(true);
  });

  it('is not steady while a queue grows through it, even with flat latency so far', () => {
    const latency = points(0, 120_000, () => 1_000);
    const queues = new Map([['telegram_pending_updates@fake-telegram', points(0, 120_000, (t) => t / 2_000)]]);
    expect(levelSteadiness({ ...hold, latency, queues })).toMatchObject({
      steady: false,
      reason: 'queue-growing',
      queue: 'telegram_pending_updates@fake-telegram',
    });
  });

  it('does not call a queue that jitters around a level growing', () => {
    const latency = points(0, 120_000, () => 1_000);
    const queues = new Map([['bot_db_pool_waiting_clients@bot-1', points(0, 120_000, (t) => 10 + ((t / 10_000) % 3))]]);
    expect(levelSteadiness({ ...hold, latency, queues }).steady).toBe(true);
  });

  it("compares the halves' own replies when it has them, not the per-interval points", () => {
    // Per-interval points look flat; the replies of the second half are twice as slow, well beyond chance.
    const latency = points(0, 120_000, () => 1_000);
    const halves = [
      { latencyMs: 1_000, interval: { lowMs: 900, highMs: 1_150 } },
      { latencyMs: 2_000, interval: { lowMs: 1_800, highMs: 2_300 } },
    ] as const;
    expect(levelSteadiness({ ...hold, latency, halves, queues: new Map() })).toMatchObject({
      steady: false,
      reason: 'halves-differ',
      secondHalfMs: 2_000,
    });
  });

  it('does not call halves different when their intervals overlap (a p95 of twenty replies is nearly their maximum)', () => {
    const halves = [
      { latencyMs: 7_000, interval: { lowMs: 4_000, highMs: null } },
      { latencyMs: 12_000, interval: { lowMs: 7_200, highMs: null } },
    ] as const;
    expect(levelSteadiness({ ...hold, latency: [], halves, queues: new Map() }).steady).toBe(true);
    const apart = [
      { latencyMs: 7_000, interval: { lowMs: 6_000, highMs: 7_100 } },
      { latencyMs: 12_000, interval: { lowMs: 7_200, highMs: null } },
    ] as const;
    expect(levelSteadiness({ ...hold, latency: [], halves: apart, queues: new Map() })).toMatchObject({
      reason: 'halves-differ',
    });
  });

  it('judges a level broken by overload when its latency rose through the hold past the budget', () => {
    // Polling x1 at 300 users in the transport matrix: 21 ms in the first half, 21.6 s in the second.
    const latency = points(0, 120_000, (t) => (t <= 60_000 ? 21 : 21_567));
    expect(levelSteadiness({ ...hold, latency, queues: new Map(), budgetMs: 3_000 })).toEqual({
      steady: false,
      reason: 'overloaded',
      evidence: 'latency-rose',
      firstHalfMs: 21,
      secondHalfMs: 21_567,
      budgetMs: 3_000,
      queue: null,
    });
    // However short the hold: its user cycle has stretched towards the reply deadline.
    const stretched = { ...hold, cycleMs: 57_000, latency, queues: new Map(), budgetMs: 3_000 };
    expect(levelSteadiness(stretched)).toMatchObject({ reason: 'overloaded' });
    expect(steadinessText(levelSteadiness(stretched))).toBe(
      'overloaded: its latency rose through the hold (21 ms, then 21567 ms; budget 3000 ms)',
    );
  });

  it('does not call a rise that stays within the budget, or a burst that drained, overloaded', () => {
    const rising = points(0, 120_000, (t) => (t <= 60_000 ? 500 : 2_000));
    expect(levelSteadiness({ ...hold, latency: rising, queues: new Map(), budgetMs: 3_000 })).toMatchObject({
      reason: 'halves-differ',
    });
    // A step's first messages arriving together: the first half broke the budget, the second held it.
    const draining = points(0, 120_000, (t) => (t <= 60_000 ? 6_100 : 20));
    expect(levelSteadiness({ ...hold, latency: draining, queues: new Map(), budgetMs: 3_000 })).toMatchObject({
      reason: 'halves-differ',
      firstHalfMs: 6_100,
      secondHalfMs: 20,
    });
    // Without a budget nothing is judged overloaded.
    const overloaded = points(0, 120_000, (t) => (t <= 60_000 ? 21 : 21_567));
    expect(levelSteadiness({ ...hold, latency: overloaded, queues: new Map() })).toMatchObject({
      reason: 'halves-differ',
    });
  });

  it('judges a level overloaded when it broke the budget all through its hold, however short the hold', () => {
    // Webhook x1 at 300 users: every delivery connection held by a handler awaiting Claude; the user cycle
    // (think time + a 19 s reply) is longer than a third of the hold.
    const latency = points(0, 120_000, (t) => (t <= 60_000 ? 22_900 : 23_700));
    const s = levelSteadiness({ ...hold, cycleMs: 55_000, latency, queues: new Map(), budgetMs: 3_000 });
    expect(s).toMatchObject({ reason: 'overloaded', evidence: 'past-budget-throughout', queue: null });
    expect(steadinessText(s)).toBe(
      'overloaded: past the budget through the whole hold (22900 ms, then 23700 ms; budget 3000 ms)',
    );
    // Past the budget but recovering markedly: a burst draining, not judged.
    const recovering = points(0, 120_000, (t) => (t <= 60_000 ? 20_000 : 4_000));
    expect(levelSteadiness({ ...hold, latency: recovering, queues: new Map(), budgetMs: 3_000 })).toMatchObject({
      reason: 'halves-differ',
    });
  });

  it('judges a level overloaded when a queue grew through it and its second half broke the budget', () => {
    const latency = points(0, 120_000, (t) => (t <= 60_000 ? 2_500 : 3_200));
    const queues = new Map([['telegram_pending_updates@fake-telegram', points(0, 120_000, (t) => t / 200)]]);
    expect(levelSteadiness({ ...hold, latency, queues, budgetMs: 3_000 })).toMatchObject({
      reason: 'overloaded',
      evidence: 'queue-grew',
      queue: 'telegram_pending_updates@fake-telegram',
    });
    // The same queue with the latency within the budget: still climbing, not yet judged.
    const fast = points(0, 120_000, () => 1_000);
    expect(levelSteadiness({ ...hold, latency: fast, queues, budgetMs: 3_000 })).toMatchObject({
      reason: 'queue-growing',
    });
  });

  it('states its rule with the figures it applies', () => {
    expect(steadinessRule()).toContain('>= 3 user cycles');
    expect(steadinessRule({ tolerance: 0.1 })).toContain('<= 10%');
    expect(steadinessRule()).toContain('except an overloaded level');
    expect(steadinessRule()).toContain('its first half broke the budget too');
  });
});
