import type { Fidelity, RunResult } from '../../contracts/run-result.ts';
import { percentileOf } from './histogram.ts';

/**
 * Whether a figure depends on the time scale it was measured at: the same run (scenario, seed) above 1x and
 * at 1x, figure by figure.
 *
 * Why: the fidelity estimate (`lab-delay-x-scale`, loadgen/fidelity/estimate.ts) counts each update's own real
 * time, scaled. Near saturation an update also waits out the scaled real time of every update queued ahead of
 * it, which no estimate from one run can see. So a run can read ok and still move with the scale: the pooling
 * matrix's PgBouncer skip-locked variant read ok at 1x and 3x (12 and 63 ms) with p95 reply 2.1 s and 9.2 s,
 * and the sessions matrix's ranking of PostgreSQL over Redis held at 1.5x-2x and not at 1x
 * (docs/findings/README.md, "Reading the numbers"). A second run at 1x does see it: it is the issue's
 * metamorphic test (orchestration/fidelity.e2e.test.ts), applied to a run (`botcap run --scale-check`) or to
 * every variant a matrix plays above 1x (`botcap matrix`, reports/matrix/scale-check.ts).
 *
 * Tolerance, the metamorphic test's: a figure moved when the two values differ by more than 25% of the larger
 * (a closed model's users take different paths once one reply lands a little earlier, so the sample itself
 * changes) and by more than a floor in the figure's unit: twice the fidelity bound for milliseconds (each run
 * may carry up to one bound of the lab's delay, in opposite directions), 2 for counts (a digest due at the
 * window's edge lands on either side of it), 0.05 for shares; any change of a yes/no (`0/1`) figure; a value
 * at one scale and none at the other (a knee found at one and not the other).
 */
export const SCALE_CHECK_TOLERANCE = {
  relative: 0.25,
  boundMultiple: 2,
  countFloor: 2,
  shareFloor: 0.05,
} as const;

/** Units compared by the relative tolerance alone: amounts, not counts of events. */
const RELATIVE_ONLY_UNITS = new Set(['', 'USD', 'tokens', 'VUs']);

/**
 * One figure that moved between the run above 1x and the run at 1x: its key (a verdict column's, or a run
 * figure's: RUN_FIGURES), label, unit and both values. The contract's shape, so a run records it as is.
 */
export type MovedFigure = NonNullable<Fidelity['scaleCheck']>['moved'][number];

/**
 * Whether a figure moved between two scales, by SCALE_CHECK_TOLERANCE.
 *
 * @example
 * figureMoved('ms', 9_200, 2_100, 150) // true: 7.1 s apart, above 25% of 9.2 s and 300 ms
 * figureMoved('updates', 28, 29, 150) // false
 */
export function figureMoved(unit: string, atScale: number | null, at1x: number | null, boundMs: number): boolean {
  if (atScale === null || at1x === null) return atScale !== at1x;
  const difference = Math.abs(atScale - at1x);
  if (unit === '0/1') return difference > 0;
  const t = SCALE_CHECK_TOLERANCE;
  const floor =
    unit === 'ms'
      ? t.boundMultiple * boundMs
      : unit === 'share'
        ? t.shareFloor
        : RELATIVE_ONLY_UNITS.has(unit)
          ? 0
          : t.countFloor;
  return difference > floor && difference > t.relative * Math.max(Math.abs(atScale), Math.abs(at1x));
}

/** A figure of a run that the scale check compares: the metamorphic test's, and the digests'. */
interface RunFigure {
  column: string;
  label: string;
  unit: string;
  of(result: RunResult): number | null;
}

/** What `botcap run --scale-check` compares: what a run's verdict and its thresholds rest on. */
export const RUN_FIGURES: readonly RunFigure[] = [
  {
    column: 'replyFirstP95Ms',
    label: 'p95 first output',
    unit: 'ms',
    of: (r) => percentileOf(r.latency.replyFirst, 95),
  },
  {
    column: 'replyFinalP95Ms',
    label: 'p95 final reply',
    unit: 'ms',
    of: (r) => percentileOf(r.latency.replyFinal, 95),
  },
  { column: 'lostUpdates', label: 'lost', unit: 'updates', of: (r) => r.correctness.lostUpdates },
  {
    column: 'duplicateReplies',
    label: 'duplicate replies',
    unit: 'replies',
    of: (r) => r.correctness.duplicateReplies,
  },
  {
    column: 'digestsDelivered',
    label: 'digests delivered',
    unit: 'digests',
    of: (r) => r.correctness.digests.delivered,
  },
  {
    column: 'digestLatenessP95Ms',
    label: 'p95 digest lateness',
    unit: 'ms',
    of: (r) => percentileOf(r.correctness.digests.lateness, 95),
  },
];

/**
 * The figures of a run that moved between its run above 1x and its run at 1x (same scenario and seed).
 *
 * @example
 * runFiguresMoved(at3x, at1x, 150) // [{ column: 'replyFinalP95Ms', label: 'p95 final reply', atScale: 9200, at1x: 2100, ... }]
 */
export function runFiguresMoved(atScale: RunResult, at1x: RunResult, boundMs: number): MovedFigure[] {
  return RUN_FIGURES.flatMap((f) => {
    const a = f.of(atScale);
    const b = f.of(at1x);
    return figureMoved(f.unit, a, b, boundMs)
      ? [{ column: f.column, label: f.label, unit: f.unit, atScale: a, at1x: b }]
      : [];
  });
}

/**
 * Why a run at 1x cannot be the reference a scale check compares with, or undefined when it can: it did not
 * complete (no figures), or the lab distorted it too (its figures would be the lab's; seen when other work
 * shared the cores during it). Either way the first run keeps its verdict and the check says why.
 *
 * @example
 * unfitReference(at1x) // 'its run at 1x was distorted too (the lab added ~221 ms per update, bound 150 ms, mostly loadgen)'
 */
export function unfitReference(at1x: Pick<RunResult, 'status' | 'fidelity'>): string | undefined {
  if (at1x.status !== 'completed') return `its run at 1x ${at1x.status}`;
  const fidelity = at1x.fidelity;
  if (fidelity?.status !== 'distorted') return undefined;
  return `its run at 1x was distorted too (the lab added ~${Math.round(fidelity.estimatedDistortionMs)} ms per update, bound ${fidelity.boundMs} ms, mostly ${fidelity.limitingProcess})`;
}
