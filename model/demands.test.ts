import { describe, expect, it } from 'vitest';
import { estimateDemands } from './demands.ts';
import { DEMAND_CLASSES } from './intervals.ts';
import { type KnownDemands, syntheticRun } from './testing/synthetic-run.ts';

const known: KnownDemands = {
  botCpuS: { navigation: 0.002, question: 0.006, settings: 0.003, start: 0.004, digest: 0.008 },
  dbHoldS: { navigation: 0.004, question: 0.012, settings: 0.006, start: 0.01, digest: 0.02 },
  claudeSlotS: { navigation: 0, question: 9, settings: 0, start: 0, digest: 12 },
  telegramCalls: { navigation: 2, question: 2, settings: 2, start: 1, digest: 1 },
  idleCores: 0.03,
};

describe('estimateDemands', () => {
  const demands = estimateDemands([syntheticRun(known, { seconds: 1200, noise: 0.05 })]);

  it('recovers each class demand from intervals of varied mix, within its standard error', () => {
    for (const c of DEMAND_CLASSES) {
      for (const [field, truth] of [
        ['botCpuS', known.botCpuS[c]],
        ['dbHoldS', known.dbHoldS[c]],
        ['telegramCalls', known.telegramCalls[c]],
      ] as const) {
        const estimate = demands.classes[c][field];
        const se = demands.uncertainty[c][field] ?? 0;
        expect(demands.methods[c][field], `${c} ${field}`).toBe('regression');
        expect(se, `${c} ${field} standard error`).toBeGreaterThan(0);
        // Within 4 standard errors (a 5% noise on each reading) and 15% of the truth.
        expect(Math.abs(estimate - truth), `${c} ${field}`).toBeLessThanOrEqual(Math.max(4 * se, 1e-9));
        expect(Math.abs(estimate - truth), `${c} ${field}`).toBeLessThanOrEqual(0.15 * truth);
      }
    }
  });

  it("checks Claude slot-seconds against the bot's own route metrics", () => {
    expect(demands.classes.question.claudeSlotS).toBeGreaterThan(known.claudeSlotS.question * 0.85);
    expect(demands.classes.question.claudeSlotS).toBeLessThan(known.claudeSlotS.question * 1.15);
    expect(demands.classes.question.claudeCalls).toBeCloseTo(1, 6);
    expect(demands.classes.question.tokensPerCall.input).toBeCloseTo(900, 6);
    expect(demands.classes.digest.tokensPerCall.output).toBeCloseTo(700, 6);
  });

  it('gives the pooled demand of an average update when the mix never varied, and says so', () => {
    const fixed = estimateDemands([syntheticRun(known, { seconds: 600, noise: 0.05, varyMix: false })]);
    const cpu = fixed.fits.find((f) => f.resource === 'botCpu')!;
    expect(cpu.method).toBe('pooled');
    expect(fixed.methods.question.botCpuS).toBe('pooled');
    // The pooled figure is the mix-weighted mean demand (navigation 2 : question 1.4 : settings 0.2 : start 0.4).
    const w = { navigation: 2, question: 1.4, settings: 0.2, start: 0.4 } as const;
    const total = w.navigation + w.question + w.settings + w.start;
    const mean = (Object.keys(w) as (keyof typeof w)[]).reduce((s, c) => s + (w[c] * known.botCpuS[c]) / total, 0);
    expect(fixed.classes.navigation.botCpuS).toBeCloseTo(mean, 3);
    expect(fixed.sentences.join(' ')).toMatch(/could not be told apart/);
  });

  it('leaves out runs the fidelity check judged distorted', () => {
    const distorted = {
      ...syntheticRun(known, { seconds: 60, seed: 3 }),
      variant: 'too fast',
      fidelity: {
        timeScale: 60,
        timeScaleSource: 'flag' as const,
        method: 'lag-x-scale',
        estimatedDistortionMs: 4_000,
        boundMs: 750,
        status: 'distorted' as const,
        worstIntervals: [],
        limitingProcess: 'loadgen',
      },
    };
    const both = estimateDemands([syntheticRun(known, { seconds: 300 }), distorted]);
    expect(both.runs).toHaveLength(1);
    expect(both.excluded).toEqual([{ label: 'too fast', reason: expect.stringMatching(/fidelity distorted/) }]);
  });
});
