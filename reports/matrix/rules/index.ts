import type { MatrixName } from '../../../contracts/matrices.ts';
import type { VerdictRule } from '../types.ts';
import { breakerRule } from './breaker.ts';
import { llmCostRule } from './llm-cost.ts';
import { monitoringRule } from './monitoring.ts';
import { poolingRule } from './pooling.ts';
import { schedulerRule } from './scheduler.ts';
import { sessionsRule } from './sessions.ts';
import { signalsRule } from './signals.ts';
import { slotCapRule } from './slot-cap.ts';
import { slottingRule } from './slotting.ts';
import { transportRule } from './transport.ts';

/**
 * The verdict-rule registry: each matrix's rule in words (printed in every report) and the pure function of
 * the variants' RunResults that applies it. Sentences come from the numbers; nothing is hand-written. To add
 * a rule: its file in this folder and one line here, under its name from contracts/matrices.ts.
 */
export const VERDICT_RULES: Readonly<Record<MatrixName, VerdictRule>> = {
  transport: transportRule,
  sessions: sessionsRule,
  scheduler: schedulerRule,
  'llm-cost': llmCostRule,
  breaker: breakerRule,
  pooling: poolingRule,
  slotting: slottingRule,
  'slot-cap': slotCapRule,
  signals: signalsRule,
  monitoring: monitoringRule,
};
