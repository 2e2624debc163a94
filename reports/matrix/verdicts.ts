import type { MatrixName } from '../../contracts/matrices.ts';
import { noData, verdictSkeleton } from './figures.ts';
import { VERDICT_RULES } from './rules/index.ts';
import type { DecidingFigure, MatrixVerdict, VariantOutcome, VerdictRule } from './types.ts';

/**
 * The figure the index charts: the verdict's own, else the rule's, else the first column (lower is better),
 * so a rule that names none still gets a chart.
 */
function decidingFigureOf(rule: VerdictRule, verdict: MatrixVerdict): DecidingFigure | undefined {
  const first = verdict.columns[0];
  return (
    verdict.decidingFigure ??
    rule.decidingFigure ??
    (first === undefined ? undefined : { column: first.key, better: 'lower' })
  );
}

/**
 * Applies a matrix's verdict rule to its variants' outcomes.
 *
 * @example
 * decideMatrix('scheduler', 'Where does the scheduler live?', outcomes).answer
 */
export function decideMatrix(matrix: MatrixName, question: string, outcomes: readonly VariantOutcome[]): MatrixVerdict {
  const rule = VERDICT_RULES[matrix];
  let verdict: MatrixVerdict;
  try {
    verdict = rule.decide(outcomes, question);
  } catch (error) {
    // A result the rule cannot digest must not cost the other matrices their answers: say so instead.
    const reason = error instanceof Error ? error.message : String(error);
    verdict = noData(
      verdictSkeleton(matrix, question, rule.rule, outcomes, [], () => ({})),
      `the rule could not be applied to these results (${reason})`,
    );
  }
  const decidingFigure = decidingFigureOf(rule, verdict);
  return decidingFigure === undefined ? verdict : { ...verdict, decidingFigure };
}
