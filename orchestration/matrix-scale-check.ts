import { FIDELITY_DEFAULTS } from '../loadgen/fidelity/estimate.ts';
import type { MovedFigure } from '../reports/analysis/scale-check.ts';
import { unfitReference } from '../reports/analysis/scale-check.ts';
import {
  decideMatrix,
  type MatrixVerdict,
  movedFigures,
  type ScaleCheck,
  type ScaleCheckSummary,
  type VariantOutcome,
} from '../reports/matrix/index.ts';
import type { MatrixDefinition } from '../scenarios/matrices/index.ts';

/**
 * The scale check's part of a matrix run (the method and its tolerance: reports/matrix/scale-check.ts): which
 * variants of the first repetition run again at 1x, what their figures did, and the outcomes the verdict
 * then uses. Pure, so a run and a re-report (`--report-only`) settle it the same way.
 */

/** Where a checked variant's folder keeps its run at 1x, and the check's record beside its result.json. */
export const SCALE_CHECK_FILES = { at1xDir: 'at-1x', record: 'scale-check.json' } as const;

/**
 * Whether a variant's run is checked: it completed above 1x. A failed run has no figures to compare.
 *
 * @example
 * needsScaleCheck({ label: 'a', result, error: null, killed: false }) // true when result.timeScale > 1
 */
export function needsScaleCheck(outcome: VariantOutcome): boolean {
  return outcome.error === null && outcome.result !== null && outcome.result.timeScale > 1;
}

function rowOf(verdict: MatrixVerdict, variant: string) {
  return verdict.rows.find((row) => row.variant === variant && row.status === 'ok');
}

/**
 * Each checked variant's figures at its first scale against its run at 1x: the rule decides both sets of
 * outcomes (a rule may judge a variant against the others) and each row is compared column by column.
 *
 * @example
 * compareScales(matrix, outcomes, new Map([['webhook x1', outcomeAt1x]]), 1)[0].moved // [] when it held
 */
export function compareScales(
  matrix: MatrixDefinition,
  atScales: readonly VariantOutcome[],
  at1x: ReadonlyMap<string, VariantOutcome>,
  seed: number,
): ScaleCheck[] {
  const verdictAtScales = decideMatrix(matrix.name, matrix.question, atScales);
  const verdictAt1x = decideMatrix(
    matrix.name,
    matrix.question,
    atScales.map((o) => at1x.get(o.label) ?? o),
  );
  return atScales.flatMap((first) => {
    const again = at1x.get(first.label);
    if (again === undefined || first.result === null) return [];
    const base = { variant: first.label, timeScale: first.result.timeScale, seed };
    if (again.error !== null) return [{ ...base, moved: [], ranAt1x: false, error: again.error }];
    const unfit = again.result === null ? undefined : unfitReference(again.result);
    if (unfit !== undefined) return [{ ...base, moved: [], ranAt1x: false, error: unfit }];
    const boundMs = first.result.fidelity?.boundMs ?? FIDELITY_DEFAULTS.boundFloorMs;
    const rowAtScale = rowOf(verdictAtScales, first.label);
    const rowAt1x = rowOf(verdictAt1x, first.label);
    if (rowAtScale !== undefined && rowAt1x !== undefined) {
      const moved = movedFigures(verdictAtScales.columns, rowAtScale, rowAt1x, boundMs);
      return [{ ...base, moved, ranAt1x: moved.length > 0 }];
    }
    if (atScales.length === 1 && verdictAtScales.decidingFigure !== undefined) {
      const moved = decidingFiguresMoved(verdictAtScales, verdictAt1x, boundMs);
      return [{ ...base, moved, ranAt1x: moved.length > 0 }];
    }
    return [{ ...base, moved: [], ranAt1x: false, error: 'the rule gave the variant no figures to compare' }];
  });
}

/**
 * A one-run matrix whose rule gives a row per figure rather than per variant (signals: a row per metric, its
 * lead before the budget broke): the deciding figure of every row either run has, by row, with the rows' own
 * labels. A row one run lacks counts as no value (a metric that led at one scale and not at the other moved).
 */
function decidingFiguresMoved(atScale: MatrixVerdict, at1x: MatrixVerdict, boundMs: number): MovedFigure[] {
  const column = atScale.columns.find((c) => c.key === atScale.decidingFigure?.column);
  if (column === undefined) return [];
  const labels = [...new Set([...atScale.rows, ...at1x.rows].filter((r) => r.status === 'ok').map((r) => r.variant))];
  return labels.flatMap((label) => {
    const moved = movedFigures(
      [{ ...column, label: `${label}: ${column.label}` }],
      rowOf(atScale, label) ?? { variant: label, status: 'ok', error: null, values: {} },
      rowOf(at1x, label) ?? { variant: label, status: 'ok', error: null, values: {} },
      boundMs,
    );
    return moved;
  });
}

/**
 * The first repetition's outcomes as the verdict uses them (a variant whose figures moved: its run at 1x),
 * and the check's summary, with the answer the first scales would have given when the 1x runs changed the
 * winner. The check ran unless a variant completed above 1x without being checked.
 *
 * @example
 * const { outcomes, summary } = settleScaleCheck(matrix, atScales, checks, at1x);
 */
export function settleScaleCheck(
  matrix: MatrixDefinition,
  atScales: readonly VariantOutcome[],
  checks: readonly ScaleCheck[],
  at1x: ReadonlyMap<string, VariantOutcome>,
): { outcomes: VariantOutcome[]; summary: ScaleCheckSummary } {
  const unchecked = atScales.some((o) => needsScaleCheck(o) && !checks.some((c) => c.variant === o.label));
  const adopted = new Set(checks.filter((c) => c.ranAt1x).map((c) => c.variant));
  const outcomes = atScales.map((o) => (adopted.has(o.label) ? (at1x.get(o.label) ?? o) : o));
  const summary: ScaleCheckSummary = { ran: !unchecked, checks: [...checks] };
  if (adopted.size === 0) return { outcomes, summary };
  const before = decideMatrix(matrix.name, matrix.question, atScales);
  const after = decideMatrix(matrix.name, matrix.question, outcomes);
  return {
    outcomes,
    summary:
      before.winner === after.winner
        ? summary
        : { ...summary, answerAtScales: { winner: before.winner, answer: before.answer } },
  };
}
