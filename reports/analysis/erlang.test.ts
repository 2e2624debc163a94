import { describe, expect, it } from 'vitest';
import { loadFixture } from '../fixtures/index.ts';
import { SCHEDULER_MODELS } from '../fixtures/models.ts';
import { burstDrainTimeS, erlangB, erlangC, littlesLaw, slotWindowLowerBoundS, smallestServersFor } from './erlang.ts';
import { adviseConcurrency, measuredClaudeRates } from './sizing.ts';

describe('Erlang C (the example in specs/capacity-methods.md: lambda 2/s, S 8 s)', () => {
  it.each([
    [18, 0.53, 2.1],
    [20, 0.26, 0.51],
    [24, 0.043, 0.04],
  ])('c=%i -> P(wait) %f, Wq %f s', (servers, wait, waitS) => {
    const r = erlangC(2, 8, servers);
    expect(r.offeredLoad).toBe(16);
    expect(r.stable).toBe(true);
    expect(r.waitProbability).toBeCloseTo(wait, 2);
    expect(r.meanWaitS!).toBeCloseTo(waitS, 1);
  });

  it('is unstable at or above one Erlang per server', () => {
    expect(erlangC(2, 8, 16)).toMatchObject({ stable: false, waitProbability: 1, meanWaitS: null });
    expect(erlangC(2, 8, 10).stable).toBe(false);
  });

  it('finds the smallest concurrency under a target P(wait)', () => {
    expect(smallestServersFor(2, 8, 0.05)).toBe(24);
    expect(smallestServersFor(2, 8, 0.3)).toBe(20);
  });

  it('rejects impossible inputs instead of returning Infinity', () => {
    expect(() => erlangC(2, 8, 0)).toThrow(RangeError);
    expect(() => erlangC(2, 0, 10)).toThrow(/serviceTimeS > 0/);
  });

  it('Erlang B matches a known value (a=1, c=1 -> 0.5)', () => {
    expect(erlangB(1, 1)).toBeCloseTo(0.5, 10);
  });
});

describe('sizing helpers', () => {
  it("Little's law, burst drain and the slot window bound", () => {
    expect(littlesLaw(2, 8)).toBe(16);
    expect(burstDrainTimeS(1000, 8, 10)).toBe(800);
    expect(slotWindowLowerBoundS(1000, 8, 10)).toMatchObject({ windowS: 800, bindingLimit: 'llm-concurrency' });
    expect(slotWindowLowerBoundS(3000, 1, 1000)).toMatchObject({ windowS: 100, bindingLimit: 'telegram' });
  });

  it('says what a concurrency limit caps and what meets the target', () => {
    const advice = adviseConcurrency({ arrivalRatePerS: 2, serviceTimeS: 8, currentServers: 10 });
    expect(advice.capacityPerS).toBe(1.25);
    expect(advice.recommendedServers).toBe(24);
    expect(advice.sentences[0]).toMatch(/a Claude concurrency of 10 caps you at about 1\.25 answers\/s/);
    expect(advice.sentences[1]).toMatch(/^24 gives P\(wait\) < 5\.0% at your arrival rate/);
  });

  it('measures call duration by Little from the bulkhead series of the 10:00 burst', () => {
    const rates = measuredClaudeRates(loadFixture('scheduler-skip-locked'));
    expect(rates.serviceTimeS).toBeCloseTo(SCHEDULER_MODELS[1]!.serviceS, 0);
    expect(rates.concurrencyLimit).toBe(10);
  });
});
