import { ScenarioError } from '../../common/errors.ts';
import { breaker } from './breaker.ts';
import { llmCost } from './llm-cost.ts';
import { pooling } from './pooling.ts';
import { scheduler } from './scheduler.ts';
import { signals } from './signals.ts';
import { slotting } from './slotting.ts';
import { transport } from './transport.ts';
import { MATRIX_NAMES, type MatrixDefinition, type MatrixName } from './types.ts';

/**
 * The seven experiment matrices (issue 6), each a question with its variants, as data.
 *
 * @example
 * import { getMatrix, variantScenario } from './scenarios/matrices/index.ts';
 * const m = getMatrix('pooling');
 * const scenario = variantScenario(m, m.variants[0]!, 'quick');
 */
export {
  estimateMatrixRealS,
  estimateRunRealS,
  RUN_OVERHEAD_REAL_S,
  variantScenario,
  variantSlug,
  variantsFor,
} from './apply.ts';
export {
  MATRIX_NAMES,
  MATRIX_SIZES,
  type MatrixDefinition,
  type MatrixName,
  type MatrixSize,
  type MatrixVariant,
  type ScenarioPatch,
  TOTAL_BUDGET_REAL_S,
} from './types.ts';

const BY_NAME: Readonly<Record<MatrixName, MatrixDefinition>> = {
  transport,
  scheduler,
  'llm-cost': llmCost,
  breaker,
  pooling,
  slotting,
  signals,
};

/**
 * Every matrix, in the index page's order.
 *
 * @example
 * listMatrices().map((m) => m.name) // ['transport', 'scheduler', ...]
 */
export function listMatrices(): MatrixDefinition[] {
  return MATRIX_NAMES.map((name) => BY_NAME[name]);
}

/** Whether `name` is one of the seven matrices. */
export function isMatrixName(name: string): name is MatrixName {
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
  return BY_NAME[name];
}
