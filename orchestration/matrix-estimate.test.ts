import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { MATRIX_RECORD_FILE, type MatrixProvenance } from '../contracts/matrix-record.ts';
import {
  getMatrix,
  listMatrices,
  MATRIX_REPETITIONS,
  TOTAL_BUDGET_REAL_S,
  variantScenario,
  variantsFor,
} from '../scenarios/matrices/index.ts';
import {
  AUTO_TIME_SCALE_ESTIMATE,
  estimatedTimeScale,
  estimateMatrixRealS,
  estimateRunRealS,
  estimateScaleCheckRealS,
} from './matrix-estimate.ts';

describe('matrix wall-time estimates', () => {
  it('fit their stated wall-time budgets per repetition, which with the repetitions and the scale check add up to at most the total budget', () => {
    for (const size of ['default', 'quick'] as const) {
      let total = 0;
      for (const matrix of listMatrices()) {
        expect(estimateMatrixRealS(matrix, size, 1, false), `${matrix.name} ${size}`).toBeLessThanOrEqual(
          matrix.budgetRealS[size],
        );
        total += matrix.budgetRealS[size] * MATRIX_REPETITIONS[size];
        if (size === 'default') total += estimateScaleCheckRealS(matrix, size);
      }
      expect(total, size).toBeLessThanOrEqual(TOTAL_BUDGET_REAL_S[size]);
    }
  });

  it('estimate a matrix as its runs times the repetitions, plus one calibration per auto-scaled variant', () => {
    const slotCap = getMatrix('slot-cap');
    const variants = variantsFor(slotCap, 'default');
    expect(variants.every((v) => variantScenario(slotCap, v, 'default').timeScale === 'auto')).toBe(true);
    const runsS = variants.reduce((sum, v) => sum + estimateRunRealS(variantScenario(slotCap, v, 'default')), 0);
    const calibrationsS = variants.length * AUTO_TIME_SCALE_ESTIMATE.calibrationRealS;
    expect(estimateMatrixRealS(slotCap, 'default', 1, false)).toBeCloseTo(runsS + calibrationsS);
    expect(estimateMatrixRealS(slotCap, 'default', 4, false)).toBeCloseTo(4 * runsS + calibrationsS);
    expect(estimateMatrixRealS(slotCap, 'default', undefined, false)).toBeCloseTo(
      MATRIX_REPETITIONS.default * runsS + calibrationsS,
    );
    // The scale check (on by default at default size): one run at 1x of each variant estimated above 1x.
    const at1xS = variants
      .map((v) => variantScenario(slotCap, v, 'default'))
      .filter((s) => estimatedTimeScale(s) > 1)
      .reduce((sum, s) => sum + estimateRunRealS({ ...s, timeScale: 1 }), 0);
    expect(at1xS).toBeGreaterThan(0);
    expect(estimateScaleCheckRealS(slotCap, 'default')).toBeCloseTo(at1xS);
    expect(estimateMatrixRealS(slotCap, 'default')).toBeCloseTo(
      MATRIX_REPETITIONS.default * runsS + calibrationsS + at1xS,
    );
    // A fixed scale needs no calibration.
    const pooling = getMatrix('pooling');
    const fixedS = variantsFor(pooling, 'default').reduce(
      (sum, v) => sum + estimateRunRealS(variantScenario(pooling, v, 'default')),
      0,
    );
    expect(estimateMatrixRealS(pooling, 'default', 1)).toBeCloseTo(fixedS);
    expect(estimateScaleCheckRealS(pooling, 'default')).toBe(0);
    expect(MATRIX_REPETITIONS.default).toBeGreaterThan(1);
  });

  it("estimate an auto scale as the pick would make it: the scenario's bound and peak rate count, never below 1x", () => {
    const transport = getMatrix('transport');
    // Transport's own scale is 1x (scenarios/matrices/transport.ts): the same staircase asked at `auto`.
    const staircase = { ...variantScenario(transport, transport.variants[0]!, 'default'), timeScale: 'auto' as const };
    const tight = estimatedTimeScale(staircase);
    // The same load judged on a 15 s budget instead of 3 s: a bound five times wider allows a faster lab.
    const loose = estimatedTimeScale({ ...staircase, thresholds: { reply_first_latency: ['p(95)<15000'] } });
    expect(loose).toBeGreaterThan(tight);
    // 2,000 users with no think time to speak of saturate the lab's cores at any scale: 1x.
    const busy = {
      ...staircase,
      load: { executor: 'constant-vus' as const, vus: 2_000, duration: 60_000 },
      behaviour: { ...staircase.behaviour, thinkTime: { distribution: 'constant' as const, median: 100, p95: 100 } },
    };
    expect(estimatedTimeScale(busy)).toBe(1);
    expect(estimatedTimeScale({ ...staircase, timeScale: 7 })).toBe(7);
  });

  it('come within half to twice the wall time each committed matrix took (docs/findings)', () => {
    for (const matrix of listMatrices()) {
      const record = JSON.parse(readFileSync(`docs/findings/${matrix.name}/${MATRIX_RECORD_FILE}`, 'utf8')) as {
        produced: MatrixProvenance;
      };
      const { size, repetitions, scaleCheck, wallTimeS, kept } = record.produced;
      const estimateS = estimateMatrixRealS(matrix, size, repetitions, scaleCheck ?? false);
      // A matrix finished with --resume took this invocation's wall time plus the earlier one's, of which the
      // record keeps the kept runs' load seconds: their setup is left out, so this reads a little short.
      const tookS = wallTimeS + (kept?.loadRealS ?? 0);
      const took = `${matrix.name}: took ${Math.round(tookS)} s, estimated ${Math.round(estimateS)} s`;
      expect(tookS / estimateS, took).toBeGreaterThan(0.5);
      expect(tookS / estimateS, took).toBeLessThan(2);
    }
  });
});
