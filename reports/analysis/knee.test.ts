import { describe, expect, it } from 'vitest';
import type { RunResult } from '../../loadgen/result/schema.ts';
import { loadFixture } from '../fixtures/index.ts';
import { RAMP_MODEL } from '../fixtures/models.ts';
import { budgetFromScenario, findKneeAcrossRuns, findKneeInRamp } from './knee.ts';

describe('findKneeInRamp', () => {
  const knee = findKneeInRamp(loadFixture('ramp'));

  it('finds the highest load within the budget and the load that broke it', () => {
    expect(knee.kneeLoad).toBe(140);
    expect(knee.brokeAtLoad).toBe(160);
    expect(knee.levels).toHaveLength((RAMP_MODEL.maxVus - RAMP_MODEL.startVus) / RAMP_MODEL.stepVus + 1);
    expect(knee.sentences[0]).toMatch(/held the 3000 ms budget up to 140 VUs .* broke it at 160 VUs/);
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
        resolved: { thresholds: { reply_latency: ['avg<500', 'p(95)>0', 'p(95)<=2600'] } },
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
