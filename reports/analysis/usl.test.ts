import { describe, expect, it } from 'vitest';
import { loadFixture } from '../fixtures/index.ts';
import { RAMP_MODEL } from '../fixtures/models.ts';
import { seededRandom } from '../fixtures/synth.ts';
import { AnalysisError } from './errors.ts';
import { findKneeInRamp } from './knee.ts';
import { fitUsl, uslPointsFromLevels, uslThroughput } from './usl.ts';

/**
 * SPEC SDM91 benchmark, Sun SPARCcenter 2000 (16 CPUs), October 1994: simulated users vs scripts/hour.
 * Source: N. J. Gunther, Guerrilla Capacity Planning (Springer, 2007), shipped as `specsdm91` in the R
 * `usl` package (github.com/smoeding/usl, data/specsdm91.rda, documented in man/specsdm91.Rd). The values
 * agree with that package's tests/efficiency.Rout.save (efficiency x load x gamma). Its nlxb fit
 * (tests/usl-nlxb.Rout.save): sigma 0.0277285, kappa 0.0001044, gamma 89.995; peak.scalability 96.52.
 */
const SPECSDM91 = [
  { concurrency: 1, throughput: 64.9 },
  { concurrency: 18, throughput: 995.9 },
  { concurrency: 36, throughput: 1652.4 },
  { concurrency: 72, throughput: 1853.2 },
  { concurrency: 108, throughput: 1828.9 },
  { concurrency: 144, throughput: 1775.0 },
  { concurrency: 216, throughput: 1702.2 },
];

describe('fitUsl', () => {
  it('reproduces the R usl package on SPEC SDM91: N_max 96.52', () => {
    const fit = fitUsl(SPECSDM91);
    expect(fit.nMax).toBeCloseTo(96.52, 1);
    expect(fit.sigma).toBeCloseTo(0.0277285, 4);
    expect(fit.kappa).toBeCloseTo(0.0001044, 6);
    expect(fit.lambda).toBeCloseTo(89.995, 1);
    expect(fit.rSquared).toBeCloseTo(0.99, 2);
    expect(fit.peakThroughput!).toBeCloseTo(uslThroughput(fit.nMax!, fit.sigma, fit.kappa, fit.lambda), 6);
    expect(fit.residuals).toHaveLength(7);
    expect(fit.sentences[1]).toMatch(/peaks at N = 96\.5/);
  });

  it('recovers known parameters from noisy synthetic data', () => {
    const truth = { sigma: 0.05, kappa: 0.0002, lambda: 12 };
    const random = seededRandom(9);
    const points = [1, 4, 8, 16, 24, 32, 48, 64, 96, 128].map((n) => ({
      concurrency: n,
      throughput: uslThroughput(n, truth.sigma, truth.kappa, truth.lambda) * (1 + 0.02 * (random() - 0.5)),
    }));
    const fit = fitUsl(points);
    expect(fit.sigma).toBeCloseTo(truth.sigma, 2);
    expect(fit.kappa / truth.kappa).toBeGreaterThan(0.9);
    expect(fit.kappa / truth.kappa).toBeLessThan(1.1);
    expect(fit.lambda / truth.lambda).toBeCloseTo(1, 1);
    expect(fit.nMax! / Math.sqrt((1 - truth.sigma) / truth.kappa)).toBeCloseTo(1, 1);
  });

  it('recovers the ramp fixture model from its measured throughput (N_max ~140)', () => {
    const fit = fitUsl(uslPointsFromLevels(findKneeInRamp(loadFixture('ramp')).levels));
    const expected = Math.sqrt((1 - RAMP_MODEL.usl.sigma) / RAMP_MODEL.usl.kappa);
    expect(fit.nMax! / expected).toBeGreaterThan(0.9);
    expect(fit.nMax! / expected).toBeLessThan(1.1);
    expect(fit.lambda).toBeCloseTo(RAMP_MODEL.usl.lambdaPerS, 1);
    expect(fit.sentences.join(' ')).toMatch(/No point at N = 1/);
  });

  it('refuses fewer than 6 points and says how to get more', () => {
    expect(() => fitUsl(SPECSDM91.slice(0, 5))).toThrow(AnalysisError);
    expect(() => fitUsl(SPECSDM91.slice(0, 5))).toThrow(/at least 6 .* got 5/);
  });

  it('reports linear scaling without a peak when the data show no contention', () => {
    const fit = fitUsl([1, 2, 4, 8, 16, 32].map((n) => ({ concurrency: n, throughput: 5 * n })));
    expect(fit.sigma).toBeCloseTo(0, 3);
    expect(fit.kappa).toBeCloseTo(0, 6);
    expect(fit.lambda).toBeCloseTo(5, 2);
    expect(fit.rSquared).toBeCloseTo(1, 4);
  });

  it('is JSON-serialisable', () => {
    const fit = fitUsl(SPECSDM91);
    expect(JSON.parse(JSON.stringify(fit))).toEqual(fit);
  });
});
