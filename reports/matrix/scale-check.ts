import { figureMoved, type MovedFigure } from '../analysis/scale-check.ts';
import { figureWithUnit } from './cell.ts';
import type { VerdictColumn, VerdictRow } from './types.ts';

/**
 * The scale check of a matrix: each variant of the first repetition that ran above 1x ran again at 1x with
 * the same seed, and every figure of the verdict's table compared (why and with what tolerance:
 * reports/analysis/scale-check.ts). A variant whose figure moved runs at 1x in every repetition, so the
 * answer rests on figures that do not depend on the lab's speed (orchestration/matrix-scale-check.ts).
 */

/** One variant of the first repetition that ran above 1x, run again at 1x with the same seed. */
export interface ScaleCheck {
  variant: string;
  /** The scale the variant first ran at. */
  timeScale: number;
  seed: number;
  /** The figures that moved beyond SCALE_CHECK_TOLERANCE (none: the variant held). */
  moved: MovedFigure[];
  /** The variant's figures come from 1x in every repetition: a figure moved. */
  ranAt1x: boolean;
  /** Why nothing was compared (the run at 1x failed or was distorted itself, or gave no figures); the variant kept its first scale. */
  error?: string;
}

/** The scale check of a matrix run: every variant it ran again, and what the answer was before. */
export interface ScaleCheckSummary {
  /**
   * False: a variant of the first repetition ran above 1x and was not run again at 1x (`--no-scale-check`,
   * `--quick`'s default, or a run made before botcap had the check). True with no checks: all ran at 1x.
   */
  ran: boolean;
  checks: ScaleCheck[];
  /**
   * The first repetition's answer at the scales the variants first ran at, when the moved variants' 1x figures
   * changed its winner: the answer that the lab's speed would have given.
   */
  answerAtScales?: { winner: string | null; answer: string };
}

/**
 * The figures of one variant's row that moved between its run above 1x and its run at 1x.
 *
 * @example
 * movedFigures(verdict.columns, rowAt3x, rowAt1x, 150) // [{ column: 'replyP95Ms', atScale: 9200, at1x: 2100, ... }]
 */
export function movedFigures(
  columns: readonly VerdictColumn[],
  atScale: VerdictRow,
  at1x: VerdictRow,
  boundMs: number,
): MovedFigure[] {
  return columns.flatMap((c) => {
    const a = atScale.values[c.key] ?? null;
    const b = at1x.values[c.key] ?? null;
    return figureMoved(c.unit, a, b, boundMs)
      ? [{ column: c.key, label: c.label, unit: c.unit, atScale: a, at1x: b }]
      : [];
  });
}

function scaleText(scale: number): string {
  return `${Number(scale.toFixed(2))}x`;
}

/** `p95 reply 9.2 s at 3x, 2.1 s at 1x`. */
function movedText(check: ScaleCheck): string {
  return check.moved
    .map((m) => {
      const column = { key: m.column, label: m.label, unit: m.unit };
      return `${m.label} ${figureWithUnit(column, m.atScale)} at ${scaleText(check.timeScale)}, ${figureWithUnit(column, m.at1x)} at 1x`;
    })
    .join(', ');
}

/**
 * The scale check in words, for the report; null for a verdict that carries none (a single rule's verdict).
 *
 * @example
 * scaleCheckText({ ran: true, checks: [{ variant: 'a', timeScale: 2, seed: 1, moved: [], ranAt1x: false }] })
 * // 'the variant of repetition 1 that ran above 1x ran again at 1x (seed 1) ... Held ...: a (2x).'
 */
export function scaleCheckText(summary: ScaleCheckSummary | undefined): string | null {
  if (summary === undefined) return null;
  if (!summary.ran)
    return (
      'not run, so figures from runs above 1x were not compared with a run at 1x. Near saturation ' +
      'such a figure can move with the scale while its fidelity reads ok (botcap matrix at default size runs ' +
      'the check unless told --no-scale-check).'
    );
  const { checks } = summary;
  if (checks.length === 0) return 'no variant of repetition 1 completed above 1x, so there was nothing to compare.';
  const seeds = [...new Set(checks.map((c) => c.seed))];
  const held = checks.filter((c) => c.error === undefined && !c.ranAt1x);
  const moved = checks.filter((c) => c.ranAt1x);
  const failed = checks.filter((c) => c.error !== undefined);
  const parts = [
    `the ${checks.length === 1 ? 'variant' : `${checks.length} variants`} of repetition 1 that ran ` +
      `above 1x ran again at 1x (seed ${seeds.join(', ')}) and every figure of the table was compared.`,
    ...(held.length > 0
      ? [`Held within the tolerance: ${held.map((c) => `${c.variant} (${scaleText(c.timeScale)})`).join('; ')}.`]
      : []),
    ...(moved.length > 0
      ? [
          `Moved, so their figures come from 1x in every repetition: ${moved.map((c) => `${c.variant} (${movedText(c)})`).join('; ')}.`,
        ]
      : []),
    ...(failed.length > 0
      ? [`Not compared, so they kept their first scale: ${failed.map((c) => `${c.variant} (${c.error})`).join('; ')}.`]
      : []),
    ...(summary.answerAtScales === undefined
      ? []
      : [`At the scales first picked, repetition 1 would have answered otherwise: ${summary.answerAtScales.answer}`]),
  ];
  return parts.join(' ');
}

/**
 * The scale check in a few words, for the findings index's status line: empty when nothing ran above 1x.
 *
 * @example
 * scaleCheckBrief({ ran: true, checks: [held, moved] }) // '; scale check: 1 held, 1 moved (run at 1x)'
 */
export function scaleCheckBrief(summary: ScaleCheckSummary | undefined): string {
  if (summary === undefined) return '';
  if (!summary.ran) return '; scale check: not run';
  if (summary.checks.length === 0) return '';
  const held = summary.checks.filter((c) => c.error === undefined && !c.ranAt1x).length;
  const moved = summary.checks.filter((c) => c.ranAt1x).length;
  const failed = summary.checks.length - held - moved;
  const parts = [
    `${held} held`,
    ...(moved > 0 ? [`${moved} moved (run at 1x)`] : []),
    ...(failed > 0 ? [`${failed} not compared`] : []),
  ];
  return `; scale check: ${parts.join(', ')}${summary.answerAtScales === undefined ? '' : ', which changed the answer'}`;
}
