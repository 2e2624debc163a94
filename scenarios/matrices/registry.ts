import { ScenarioError } from '../../common/errors.ts';
import type { MatrixName } from '../../contracts/matrices.ts';
import { MATRIX_NAMES } from '../../contracts/matrices.ts';
import { breaker } from './breaker.ts';
import { llmCost } from './llm-cost.ts';
import { monitoring } from './monitoring.ts';
import { pooling } from './pooling.ts';
import { scheduler } from './scheduler.ts';
import { sessions } from './sessions.ts';
import { signals } from './signals.ts';
import { slotCap } from './slot-cap.ts';
import { slotting } from './slotting.ts';
import { transport } from './transport.ts';
import type { MatrixDefinition } from './types.ts';

/**
 * The matrix registry: every experiment matrix's definition by name (the names and their order are
 * contracts/matrices.ts). To add a matrix: its name there, its file in this folder, one line here, and its
 * verdict rule in reports/matrix/rules/ (scenarios/README.md).
 */
const MATRICES: Readonly<Record<MatrixName, MatrixDefinition>> = {
  transport,
  sessions,
  scheduler,
  'llm-cost': llmCost,
  breaker,
  pooling,
  slotting,
  'slot-cap': slotCap,
  signals,
  monitoring,
};

/**
 * Every matrix, in the index page's order.
 *
 * @example
 * listMatrices().map((m) => m.name) // ['transport', 'scheduler', ...]
 */
export function listMatrices(): MatrixDefinition[] {
  return MATRIX_NAMES.map((name) => MATRICES[name]);
}

/** Whether `name` is one of the matrices. */
function isMatrixName(name: string): name is MatrixName {
  return (MATRIX_NAMES as readonly string[]).includes(name);
}

/**
 * A matrix by name; an unknown name throws a ScenarioError listing the known ones.
 *
 * @example
 * getMatrix('scheduler').variants.length // 10
 */
export function getMatrix(name: string): MatrixDefinition {
  if (!isMatrixName(name)) {
    throw new ScenarioError(`unknown matrix '${name}'; use one of ${MATRIX_NAMES.join(', ')}, or all`);
  }
  return MATRICES[name];
}
