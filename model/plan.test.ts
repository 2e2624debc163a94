import { describe, expect, it } from 'vitest';
import { LATENCY_PROFILES } from '../fakes/claude/latency.ts';
import { resolveDayModel } from '../reports/analysis/day-model.ts';
import { CONFIGURATION_DEFAULTS, type Configuration, PRODUCTION_HOST } from './configuration.ts';
import { monthlyCost, planCapacity } from './plan.ts';
import { referenceDemands } from './reference.ts';

const slo = {
  latency: { percentile: 95, maxMs: 15_000, metric: 'reply_latency' as const },
  digestLatenessP95Ms: Number.POSITIVE_INFINITY,
};

describe('planCapacity', () => {
  // A toy day: questions only, no digests; the only thing that can saturate is Claude (8 s per call).
  const demands = referenceDemands();
  for (const c of ['navigation', 'settings', 'start', 'question', 'digest'] as const) {
    demands.classes[c] = { ...demands.classes[c], botCpuS: 0.001, dbHoldS: 0.002, postgresCpuS: 0, loadgenCpuS: 0 };
  }
  const day = resolveDayModel({
    dayModel: {
      dailyActiveUsers: 20_000,
      digestsPerUserPerDay: 0,
      mix: { navigation: 0, question: 1, settings: 0, start: 0 },
    },
  });
  const base: Configuration = { ...CONFIGURATION_DEFAULTS, claudeTier: 'unlimited' };

  it('picks the cheapest configuration that holds: more Claude slots, not more instances', () => {
    const plan = planCapacity(demands, day, base, PRODUCTION_HOST, slo, LATENCY_PROFILES.realistic, {
      windowMinutes: 10,
    });
    expect(plan.current.evaluation.holds).toBe(false);
    expect(plan.current.evaluation.bottleneck?.resource).toMatch(/Claude bulkhead/i);
    expect(plan.chosen).not.toBeNull();
    const chosen = plan.chosen!.configuration;
    // Erlang C sizing of the same peak: the chosen bulkhead is the first doubling that leaves room.
    const peakCallsPerS = (20_000 * 10 * Math.max(...day.hourlyShares)) / 3600;
    const offeredLoad = peakCallsPerS * demands.classes.question.claudeSlotS;
    expect(chosen.bulkheadConcurrency).toBeGreaterThan(offeredLoad);
    expect(chosen.bulkheadConcurrency / 2).toBeLessThan(offeredLoad / 0.95);
    expect(chosen.instances).toBe(1);
    // Every configuration tried before it failed, and none that failed was cheaper to run but held.
    expect(plan.steps.slice(0, -1).every((s) => !s.evaluation.holds)).toBe(true);
    expect(plan.chosen!.monthlyUsd).toBeCloseTo(monthlyCost(demands, day, chosen).perMonth.totalUsd, 6);
  });

  it('says when nothing in the searched space holds, and what binds', () => {
    // Telegram's 30 msg/s is no knob: 40 updates/s at the busiest hour cannot be sent.
    const big = resolveDayModel({ dayModel: { dailyActiveUsers: 2_000_000, digestsPerUserPerDay: 0 } });
    const plan = planCapacity(demands, big, base, PRODUCTION_HOST, slo, LATENCY_PROFILES.realistic, { maxSteps: 40 });
    expect(plan.chosen).toBeNull();
    expect(plan.steps.at(-1)?.evaluation.bottleneck?.resource).toMatch(/Telegram 30 msg\/s/);
    expect(plan.sentences.at(-1)).toMatch(/No configuration in the searched space holds/);
  });
});
