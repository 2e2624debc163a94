import { describe, expect, it } from 'vitest';
import { computeCost } from './compute.ts';
import { parseWhatIf, profileFromWhatIf, WHAT_IF_DEFAULTS } from './what-if.ts';

describe('what-if cost', () => {
  /**
   * 1,000 DAU, 2 messages/user/day (2,000 calls), system prompt 2,000 + 1,000 input -> 200 output,
   * half simple; 1 digest/user/day of 3,000 -> 600 tokens, 75% from the content cache; prompt cache hit 90%.
   *   simple, Haiku 4.5: 2,000 < 4,096 minimum -> no caching; 1,000 calls * 3,000 in = 3M*1 + 0.2M out*5 = 4.00
   *   complex, Sonnet:   1.8M read*0.3 + 0.2M write*3.75 + 1M in*3 + 0.2M out*15 = 0.54+0.75+3+3  = 7.29
   *   digests:           250 batch calls: (0.75M*3 + 0.15M*15) * 0.5                              = 2.25
   *   day = 13.54; month = 406.2; per user per day = 0.01354
   * Baseline: 2,000 calls * (3,000*3 + 200*15)/1e6 = 24 + 1,000 digests * (3,000*3 + 600*15)/1e6 = 18 -> 42/day
   *   digest cache 42 - (24 + 250*0.018 = 28.5) = 13.5; routing 28.5 - (4 + 12 + 4.5) = 8;
   *   prompt caching 20.5 - 15.79 = 4.71; batch 15.79 - 13.54 = 2.25
   */
  // Hand-computed at Sonnet 4.5's prices ($3/$15), so the big model is pinned to it.
  const assumptions = parseWhatIf({
    bigModel: 'claude-sonnet-4-5-20250929',
    dau: 1_000,
    messagesPerUserPerDay: 2,
    systemPromptTokens: 2_000,
    inputTokensPerMessage: 1_000,
    outputTokensPerMessage: 200,
    simpleTurnShare: 0.5,
    digestsPerUserPerDay: 1,
    digestInputTokens: 3_000,
    digestOutputTokens: 600,
    digestCacheHitRate: 0.75,
    promptCacheHitRate: 0.9,
  });
  const report = computeCost(profileFromWhatIf(assumptions), { dau: assumptions.dau });

  it('prices one day of the assumed traffic and scales it to a month', () => {
    expect(report.kind).toBe('what-if');
    expect(report.period.usd.totalUsd).toBeCloseTo(13.54, 10);
    expect(report.perUserDay.usd).toBeCloseTo(0.01354, 10);
    expect(report.perMonth.llmUsd).toBeCloseTo(406.2, 8);
  });

  it('knows each route exactly', () => {
    expect(report.routeMethod).toBe('exact');
    const byRoute = Object.fromEntries(report.byRoute.map((r) => [r.route, r.periodUsd]));
    expect(byRoute).toEqual({ navigation: 0, question: expect.closeTo(11.29, 10), digest: expect.closeTo(2.25, 10) });
  });

  it('breaks down the savings against the no-mitigation baseline', () => {
    const saved = Object.fromEntries(report.mitigations.steps.map((s) => [s.id, s.savedMonthUsd / 30]));
    expect(report.mitigations.baselineMonthUsd / 30).toBeCloseTo(42, 10);
    expect(saved['digest-cache']).toBeCloseTo(13.5, 10);
    expect(saved.routing).toBeCloseTo(8, 10);
    expect(saved['prompt-caching']).toBeCloseTo(4.71, 10);
    expect(saved.batch).toBeCloseTo(2.25, 10);
  });

  it('states why the small model gets no prompt caching', () => {
    expect(report.assumptions.join('\n')).toMatch(/below claude-haiku-4-5-20251001's minimum cacheable length \(4096/);
  });

  it('with every mitigation off, costs exactly the baseline', () => {
    const off = parseWhatIf({
      ...assumptions,
      routing: 'off',
      digestCache: 'false',
      promptCaching: false,
      batchDigests: '0',
    });
    const plain = computeCost(profileFromWhatIf(off), { dau: off.dau });
    expect(plain.perMonth.llmUsd).toBeCloseTo(42 * 30, 8);
    expect(plain.mitigations.steps.every((s) => Math.abs(s.savedMonthUsd) < 1e-9)).toBe(true);
  });

  it('has defaults near the seed bot ($ thousands a month at 10K DAU, the LLM most of the total)', () => {
    const defaults = computeCost(profileFromWhatIf(WHAT_IF_DEFAULTS), { dau: WHAT_IF_DEFAULTS.dau });
    expect(defaults.perMonth.llmUsd).toBeGreaterThan(1_000);
    expect(defaults.perMonth.llmUsd).toBeLessThan(20_000);
    expect(defaults.perMonth.llmShare).toBeGreaterThan(0.9);
  });

  it('rejects a share outside 0..1 naming the field', () => {
    expect(() => parseWhatIf({ simpleTurnShare: 1.5 })).toThrow(/simpleTurnShare: .*got 1\.5/);
  });
});
