import type { MatrixName } from '../../scenarios/matrices/types.ts';
import { noData, verdictSkeleton } from './figures.ts';
import { breakerRule } from './rules/breaker.ts';
import { llmCostRule } from './rules/llm-cost.ts';
import { poolingRule } from './rules/pooling.ts';
import { schedulerRule } from './rules/scheduler.ts';
import { signalsRule } from './rules/signals.ts';
import { slottingRule } from './rules/slotting.ts';
import { transportRule } from './rules/transport.ts';
import type { MatrixVerdict, VariantOutcome, VerdictRule } from './types.ts';

/**
 * The verdict rule of each matrix: the rule in words (printed in every report) and the pure function
 * of the variants' RunResults that applies it. Sentences come from the numbers; nothing is hand-written.
 */
export const VERDICT_RULES: Readonly<Record<MatrixName, VerdictRule>> = {
  transport: transportRule,
  scheduler: schedulerRule,
  'llm-cost': llmCostRule,
  breaker: breakerRule,
  pooling: poolingRule,
  slotting: slottingRule,
  signals: signalsRule,
};

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
