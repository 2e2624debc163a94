import { describe, expect, it } from 'vitest';
import type { Fidelity, RunResult } from '../contracts/run-result.ts';
import { unfitReference } from '../reports/analysis/scale-check.ts';
import { distortedMessage, fidelityLine, notJudged } from '../reports/fidelity.ts';
import { encodeHistogram } from '../reports/fixtures/synth.ts';
import { makeRun } from '../reports/matrix/testing/outcomes.ts';
import { applyScaleCheck, RUN_SCALE_CHECK_DIR } from './run-scale-check.ts';

/** `botcap run --scale-check`: the fidelity verdict refined by the same run at 1x. */

const faithful: Fidelity = {
  timeScale: 3,
  timeScaleSource: 'auto',
  method: 'lab-delay-x-scale',
  estimatedDistortionMs: 63,
  boundMs: 150,
  status: 'ok',
  worstIntervals: [],
  limitingProcess: 'bot-1',
};

/** A completed run at `timeScale` whose final replies' p95 is about `p95Ms` and that lost `lost` updates. */
function runAt(timeScale: number, p95Ms: number, lost: number): RunResult {
  return makeRun({
    variant: 'pgbouncer, skip-locked',
    edit: (r) => {
      r.timeScale = timeScale;
      r.latency.replyFinal = encodeHistogram(Array.from({ length: 100 }, (_, i) => (p95Ms * (i + 1)) / 95));
      r.latency.replyFirst = encodeHistogram(Array.from({ length: 100 }, () => 20));
      r.correctness.lostUpdates = lost;
      r.fidelity = timeScale === 1 ? { ...faithful, timeScale: 1, timeScaleSource: 'scale-check' } : faithful;
    },
  });
}

describe('a run checked again at 1x', () => {
  it('stays ok when every figure held, and its fidelity line says it was checked', () => {
    const checked = applyScaleCheck(runAt(3, 2_200, 28), runAt(1, 2_100, 29), RUN_SCALE_CHECK_DIR, false);
    expect(checked.fidelity).toMatchObject({ status: 'ok', scaleCheck: { at1xDir: 'at-1x', moved: [] } });
    expect(notJudged(checked.fidelity)).toBe(false);
    expect(fidelityLine(checked.fidelity)).toMatch(/run again at 1x \(scale check, at-1x\/\), every figure held$/);
  });

  it('is distorted when a figure moved, though its estimate was within the bound, and names both figures', () => {
    // Pooling's PgBouncer skip-locked variant: ok at 3x by the estimate (63 ms), p95 reply 9.2 s against 2.1 s.
    const checked = applyScaleCheck(runAt(3, 9_200, 28), runAt(1, 2_100, 29), RUN_SCALE_CHECK_DIR, false);
    expect(checked.fidelity!.status).toBe('distorted');
    expect(checked.fidelity!.scaleCheck!.moved.map((m) => m.column)).toEqual(['replyFinalP95Ms']);
    expect(notJudged(checked.fidelity)).toBe(true);
    const message = distortedMessage(checked.fidelity!);
    expect(message).toMatch(
      /^not judged: its figures moved with the time scale \(p95 final reply 9\.\d+ s at 3x, 2\.\d+ s at 1x; scale check\)/,
    );
    expect(message).toContain(
      'the run at 1x in at-1x/ is the faithful one: judge that (botcap gate at-1x/result.json)',
    );
    expect(fidelityLine(checked.fidelity)).toMatch(/^fidelity DISTORTED: its figures moved when run again at 1x/);
  });

  it('is judged anyway with --allow-distorted, and says so', () => {
    const checked = applyScaleCheck(runAt(3, 9_200, 28), runAt(1, 2_100, 29), RUN_SCALE_CHECK_DIR, true);
    expect(checked.fidelity).toMatchObject({ status: 'distorted', overridden: true });
    expect(notJudged(checked.fidelity)).toBe(false);
  });

  it('keeps its verdict when the run at 1x did not complete: nothing to compare', () => {
    const first = runAt(3, 9_200, 28);
    const aborted = { ...runAt(1, 2_100, 29), status: 'aborted' as const };
    expect(applyScaleCheck(first, aborted, RUN_SCALE_CHECK_DIR, false)).toBe(first);
  });

  it('keeps its verdict when the run at 1x was distorted itself: a distorted reference is no reference', () => {
    const first = runAt(3, 9_200, 28);
    const busy = runAt(1, 2_100, 29);
    busy.fidelity = { ...busy.fidelity!, estimatedDistortionMs: 221, status: 'distorted', limitingProcess: 'loadgen' };
    expect(applyScaleCheck(first, busy, RUN_SCALE_CHECK_DIR, false)).toBe(first);
    expect(unfitReference(busy)).toBe(
      'its run at 1x was distorted too (the lab added ~221 ms per update, bound 150 ms, mostly loadgen)',
    );
    expect(unfitReference(runAt(1, 2_100, 29))).toBeUndefined();
  });
});
