import { mkdtemp, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { DAY_MODEL_DEFAULTS } from '../../scenarios/day-model.ts';
import { defaultInfrastructure, loadInfrastructure } from '../data/infrastructure.ts';
import { defaultPricing, loadPricing } from '../data/pricing.ts';
import { computeCost } from './compute.ts';
import { profileFromRun } from './profile.ts';
import { tinyRunResult, tokens } from './testing/tiny-run.ts';

/**
 * A run of 200 updates at 2 updates per user-day (100 user-days), at DAU 10,000 x 30 days: every period
 * dollar is worth 10,000 * 30 / 100 = 3,000 monthly dollars.
 *   sonnet:  0.1M in*3 + 0.02M w5*3.75 + 0.18M read*0.3 + 0.03M out*15 = 0.30+0.075+0.054+0.45 = 0.879
 *   haiku:   0.15M in*1 + 0.01M out*5                                   = 0.15+0.05             = 0.200
 *   batch:   (0.03M in*3 + 0.006M out*15) * 0.5                         = (0.09+0.09)*0.5       = 0.090
 *   period total 1.169 -> per user-day 0.01169 -> month 3,507
 */
function measuredRun() {
  const sonnet = tokens({
    calls: 100,
    inputTokens: 100_000,
    cacheWrite5mTokens: 20_000,
    cacheReadTokens: 180_000,
    outputTokens: 30_000,
  });
  const haiku = tokens({ calls: 50, inputTokens: 150_000, outputTokens: 10_000 });
  const batch = tokens({ calls: 10, inputTokens: 30_000, outputTokens: 6_000 });
  const base = tinyRunResult({ durationSimulatedS: 600 });
  return tinyRunResult({
    durationSimulatedS: 600,
    claude: {
      ...base.claude,
      byModel: { 'claude-sonnet-4-5-20250929': sonnet, 'claude-haiku-4-5': haiku, 'batch:claude-sonnet-4-5': batch },
      batch,
      byRoute: {
        question: tokens({
          calls: 150,
          inputTokens: 250_000,
          cacheWrite5mTokens: 20_000,
          cacheReadTokens: 180_000,
          outputTokens: 40_000,
        }),
        digest: batch,
      },
    },
    correctness: { ...base.correctness, digests: { ...base.correctness.digests, expected: 40, delivered: 40 } },
  });
}

describe('cost of a measured run', () => {
  // The hand computations below use Sonnet 4.5's prices, the big model of this run.
  const report = computeCost(
    profileFromRun(measuredRun(), { baselineModel: 'claude-sonnet-4-5-20250929', updatesPerUserDay: 2 }),
    { dau: 10_000 },
  );

  it('prices each model with its own prices and the batch discount', () => {
    const usd = Object.fromEntries(report.byModel.map((line) => [line.key, line.usd.totalUsd]));
    expect(usd['claude-sonnet-4-5-20250929']).toBeCloseTo(0.879, 10);
    expect(usd['claude-haiku-4-5']).toBeCloseTo(0.2, 10);
    expect(usd['batch:claude-sonnet-4-5']).toBeCloseTo(0.09, 10);
    expect(report.period.usd.totalUsd).toBeCloseTo(1.169, 10);
    // The run used Sonnet 4.5, whose end of life (2026-11-30) the installed SDK announces: warned, still priced.
    expect(report.warnings).toHaveLength(2);
    for (const warning of report.warnings) expect(warning).toMatch(/claude-sonnet-4-5.*end of life on 2026-11-30/);
  });

  it('scales to a user-day and a month at the DAU, and says how', () => {
    expect(report.userDaysInPeriod).toBe(100);
    expect(report.perUserDay.usd).toBeCloseTo(0.01169, 10);
    expect(report.perMonth.llmUsd).toBeCloseTo(3_507, 6);
    expect(report.assumptions.join(' ')).toMatch(/200 updates injected \/ 2 updates per user per day/);
  });

  it("takes a user-day from the run's day model, never from the run's length", () => {
    const byDay = computeCost(profileFromRun(measuredRun()), { dau: 10_000 });
    expect(byDay.userDaysInPeriod).toBeCloseTo(200 / DAY_MODEL_DEFAULTS.updatesPerUserPerDay, 10);
    expect(byDay.assumptions.join(' ')).toMatch(/updates per user per day, the day model/);
  });

  it('scales by simulated duration when told how long a user-day of activity is', () => {
    // 100 users, 600 s of activity at the run's pace per user per day, run 600 s: 100 user-days; 1,200 s: double.
    const doubled = computeCost(profileFromRun(measuredRun(), { userDaySimulatedS: 1_200 }), { dau: 10_000 });
    expect(doubled.perMonth.llmUsd).toBeCloseTo(7_014, 6);
  });

  it('can define a user-day by updates instead, and always reports the load-independent cost per 1,000 updates', () => {
    // 200 updates injected; 4 updates per user-day -> 50 user-days -> month = 1.169 / 50 * 10,000 * 30 = 7,014
    const byUpdates = computeCost(profileFromRun(measuredRun(), { updatesPerUserDay: 4 }), { dau: 10_000 });
    expect(byUpdates.userDaysInPeriod).toBe(50);
    expect(byUpdates.perMonth.llmUsd).toBeCloseTo(7_014, 6);
    expect(byUpdates.perThousandUpdatesUsd).toBeCloseTo((1.169 * 1000) / 200, 10);
    expect(report.perThousandUpdatesUsd).toBeCloseTo(5.845, 10); // the same whatever the user-day
  });

  it('breaks the saving down step by step from the no-mitigation baseline', () => {
    // B0 = every call on Sonnet, all input uncached, no batch, plus 30 cache-served digests at the
    //      digest route's average: B1 + 3 * (90k*3 + 18k*15)/1e6 = 2.13 + 0.54 = 2.67
    // B1 = sonnet (300k*3 + 30k*15) + haiku (150k*3 + 10k*15) + batch (30k*3 + 6k*15) = 1.35+0.6+0.18 = 2.13
    // B2 = actual models, uncached, no batch: 1.35 + 0.2 + 0.18 = 1.73      routing saved 0.40
    // B3 = with prompt caching, no batch:     0.879 + 0.2 + 0.18 = 1.259   prompt caching saved 0.471
    // B4 = actual 1.169                                                    batch saved 0.09
    const m = report.mitigations;
    expect(m.baselineModel).toBe('claude-sonnet-4-5-20250929');
    expect(m.baselineMonthUsd).toBeCloseTo(2.67 * 3_000, 6);
    expect(m.actualMonthUsd).toBeCloseTo(3_507, 6);
    const saved = Object.fromEntries(m.steps.map((s) => [s.id, s.savedMonthUsd]));
    expect(saved['digest-cache']).toBeCloseTo(0.54 * 3_000, 6);
    expect(saved.routing).toBeCloseTo(0.4 * 3_000, 6);
    expect(saved['prompt-caching']).toBeCloseTo(0.471 * 3_000, 6);
    expect(saved.batch).toBeCloseTo(0.09 * 3_000, 6);
    expect(m.steps.reduce((sum, s) => sum + s.savedMonthUsd, 0)).toBeCloseTo(m.baselineMonthUsd - m.actualMonthUsd, 6);
    expect(m.method).toMatch(/as if every call used the big model/);
  });

  it('attributes route dollars so they add up to the total', () => {
    expect(report.routeMethod).toBe('blended');
    expect(report.byRoute.map((r) => r.route)).toEqual(['question', 'digest']);
    const sum = report.byRoute.reduce((s, r) => s + r.periodUsd, 0);
    expect(sum).toBeCloseTo(report.period.usd.totalUsd, 10);
  });

  it("adds the infrastructure lines and shows the LLM's share", () => {
    // 2 instances: 1 vCPU * $20 + 1 GB * $10 + Neon 182.5 CU-h * $0.106 + pooler $0 + Sentry $26 = 75.345
    expect(report.perMonth.infrastructureUsd).toBeCloseTo(75.345, 6);
    expect(report.perMonth.totalUsd).toBeCloseTo(3_582.345, 6);
    expect(report.perMonth.llmShare).toBeCloseTo(3_507 / 3_582.345, 10);
    expect(report.infrastructure.every((line) => line.estimate && /unverified/.test(line.source))).toBe(true);
  });
});

describe('pricing data', () => {
  it('ships the spec table with source and verification date', () => {
    const pricing = defaultPricing();
    expect(pricing.verifiedOn).toBe('2026-11-29');
    const sonnet = pricing.models.find((m) => m.aliases.includes('claude-sonnet-4-5'));
    expect(sonnet).toMatchObject({ inputUsdPerMTok: 3, cacheWrite1hUsdPerMTok: 6, outputUsdPerMTok: 15 });
    expect(sonnet).toMatchObject({ status: 'deprecated', retiresOn: '2026-11-30' });
    expect(pricing.models.find((m) => m.id === 'claude-sonnet-5-5')).toMatchObject({
      inputUsdPerMTok: 2,
      outputUsdPerMTok: 10,
    });
    expect(pricing.models.find((m) => m.id === 'claude-3-5-haiku-20241022')?.status).toBe('retired');
  });

  it('takes an override file and uses its prices', async () => {
    const dir = await mkdtemp(join(tmpdir(), 'botcap-pricing-'));
    const file = join(dir, 'pricing.json');
    const custom = structuredClone(defaultPricing());
    custom.models.find((m) => m.id === 'claude-sonnet-4-5-20250929')!.outputUsdPerMTok = 30; // Sonnet output doubled
    await writeFile(file, JSON.stringify(custom));
    const report = computeCost(profileFromRun(measuredRun()), { pricing: await loadPricing(file) });
    const sonnet = report.byModel.find((l) => l.key === 'claude-sonnet-4-5-20250929');
    expect(sonnet?.usd.outputUsd).toBeCloseTo(0.9, 10); // 0.03M * 30
  });

  it('names the bad field and the fix when an override is invalid', async () => {
    const dir = await mkdtemp(join(tmpdir(), 'botcap-pricing-'));
    const file = join(dir, 'bad.json');
    const bad = structuredClone(defaultPricing()) as unknown as { models: Record<string, unknown>[] };
    bad.models[0]!.inputUsdPerMTok = -1;
    bad.models[0]!.batchDiscount = 50;
    await writeFile(file, JSON.stringify(bad));
    const error = await loadPricing(file).catch((e: Error) => e);
    expect(error).toBeInstanceOf(Error);
    expect((error as Error).name).toBe('ConfigError');
    expect((error as Error).message).toMatch(/models\.0\.inputUsdPerMTok: .*cannot be negative.*got -1/);
    expect((error as Error).message).toMatch(/models\.0\.batchDiscount: .*multiplier/);
    expect((error as Error).message).toMatch(/Fix those fields/);
  });

  it('warns about a retired model and about a model it cannot price, never pricing it at a silent $0', () => {
    const base = measuredRun();
    const run = tinyRunResult({
      claude: {
        ...base.claude,
        batch: tokens({}),
        byModel: {
          'claude-3-5-haiku-20241022': tokens({ calls: 10, inputTokens: 1_000_000 }),
          'claude-imaginary-9': tokens({ calls: 5, inputTokens: 1_000 }),
        },
      },
    });
    const report = computeCost(profileFromRun(run), { infrastructure: defaultInfrastructure() });
    expect(report.warnings).toHaveLength(2);
    expect(report.warnings[0]).toMatch(/claude-3-5-haiku-20241022" is retired/);
    expect(report.warnings[1]).toMatch(/claude-imaginary-9" is not in the pricing data.*--pricing FILE/);
    expect(report.byModel.find((l) => l.key === 'claude-3-5-haiku-20241022')?.usd.totalUsd).toBeCloseTo(0.8, 10);
    expect(report.byModel.find((l) => l.key === 'claude-imaginary-9')?.status).toBe('unknown');
  });
});

describe('infrastructure data', () => {
  it('names the bad line field and the fix when an override is invalid', async () => {
    const dir = await mkdtemp(join(tmpdir(), 'botcap-infra-'));
    const file = join(dir, 'infra.json');
    const bad = structuredClone(defaultInfrastructure()) as unknown as { lines: Record<string, unknown>[] };
    bad.lines[2]!.quantity = { perMonth: 1 };
    delete bad.lines[4]!.source;
    await writeFile(file, JSON.stringify(bad));
    const message = await loadInfrastructure(file).then(
      () => '',
      (e: Error) => e.message,
    );
    expect(message).toMatch(/lines\.2\.quantity: /);
    expect(message).toMatch(/lines\.4\.source: /);
    expect(message).toMatch(/quantity \{fixed\} or \{perBotInstance\}/);
  });

  it('scales per-instance lines with the instance count', () => {
    const report = computeCost(profileFromRun(measuredRun()), { botInstances: 4 });
    const vcpu = report.infrastructure.find((l) => l.id === 'bot-vcpu');
    expect(vcpu).toMatchObject({ quantity: 2, monthUsd: 40 }); // 4 x 0.5 vCPU x $20
  });
});

describe('usage data problems', () => {
  it('warns when Batch API calls are missing from byModel (they would lose their discount)', () => {
    const base = measuredRun();
    const run = tinyRunResult({
      claude: { ...base.claude, byModel: { 'claude-sonnet-4-5': tokens({ calls: 10, inputTokens: 10 }) } },
    });
    const report = computeCost(profileFromRun(run));
    expect(report.warnings.join(' ')).toMatch(
      /claude\.batch records 10 Batch API calls but claude\.byModel has no "batch:" keys/,
    );
  });
});

describe('content-cache saving', () => {
  it('is zero when the run had the digest cache off, however many digests were delivered', () => {
    const profile = profileFromRun(measuredRun(), { baselineModel: 'claude-sonnet-4-5-20250929' });
    expect(profile.digests.delivered).toBeGreaterThan(profile.digests.generatedCalls);
    const flags = { routing: true, promptCaching: true, batchDigests: true };
    const on = computeCost({ ...profile, mitigations: { ...flags, digestCache: true } }, { dau: 10_000 });
    const off = computeCost({ ...profile, mitigations: { ...flags, digestCache: false } }, { dau: 10_000 });
    const saved = (report: typeof on) => report.mitigations.steps.find((s) => s.id === 'digest-cache')?.savedMonthUsd;
    expect(saved(on)).toBeGreaterThan(0);
    expect(saved(off)).toBe(0);
  });
});
