import type { MatrixName } from '../../contracts/matrices.ts';
import { noData, verdictSkeleton } from './figures.ts';
import { VERDICT_RULES } from './rules/index.ts';
import type { MatrixVerdict, VariantOutcome } from './types.ts';

/**
 * Applies a matrix's verdict rule to its variants' outcomes.
 *
 * @example
 * decideMatrix('scheduler', 'Where does the scheduler live?', outcomes).answer
 */
export function decideMatrix(matrix: MatrixName, question: string, outcomes: readonly VariantOutcome[]): MatrixVerdict {
  const rule = VERDICT_RULES[matrix];
  try {
    return rule.decide(outcomes, question);
  } catch (error) {
    // A result the rule cannot digest must not cost the other matrices their answers: say so instead.
    const reason = error instanceof Error ? error.message : String(error);
    return noData(
      verdictSkeleton(matrix, question, rule.rule, outcomes, [], () => ({})),
      `the rule could not be applied to these results (${reason})`,
    );
  }
}
