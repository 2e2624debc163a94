import { describe, expect, it } from 'vitest';
import { loadFixture } from '../reports/fixtures/index.ts';
import { budgetBreakMs, signalLeads } from '../reports/matrix/rules/signals.ts';
import { ok } from '../reports/matrix/testing/outcomes.ts';
import { getMatrix } from '../scenarios/matrices/index.ts';
import { compareScales } from './matrix-scale-check.ts';

/** The scale check on a one-run matrix whose verdict has a row per metric (signals), not per variant. */
describe('the scale check of signals', () => {
  const matrix = getMatrix('signals');
  const atScale = () => {
    const result = structuredClone(loadFixture('ramp'));
    result.timeScale = 15;
    return ok(result);
  };

  it('compares the lead time of every metric: the same ramp at 1x held', () => {
    const first = atScale();
    const again = ok({ ...structuredClone(first.result!), timeScale: 1 });
    const [check] = compareScales(matrix, [first], new Map([[first.label, again]]), 1);
    expect(check).toMatchObject({ variant: first.label, moved: [], ranAt1x: false });
    expect(check!.error).toBeUndefined();
  });

  it('names a metric whose lead moved, with both figures, and then uses 1x', () => {
    const first = atScale();
    const result = structuredClone(first.result!);
    const breakMs = budgetBreakMs(result)!;
    const leader = signalLeads(result, breakMs).find((l) => l.leadMs !== null && l.movedAtMs !== null)!;
    // At 1x the leading metric stays flat: it never moves, so it leads nothing.
    const series = result.timeSeries.find((s) => s.name === leader.metric && s.source === leader.source)!;
    series.points = series.points.map(([t]) => [t, leader.baselineMean]);
    const again = ok({ ...result, timeScale: 1 });
    const [check] = compareScales(matrix, [first], new Map([[first.label, again]]), 1);
    expect(check!.ranAt1x).toBe(true);
    expect(check!.moved).toContainEqual({
      column: 'leadMs',
      label: `${leader.metric} (${leader.source}): lead time`,
      unit: 'ms',
      atScale: leader.leadMs,
      at1x: null,
    });
  });
});
