/**
 * The experiment matrices (issue 6), each a question with its variants, as data.
 *
 * @example
 * import { getMatrix, variantScenario } from './scenarios/matrices/index.ts';
 * const m = getMatrix('pooling');
 * const scenario = variantScenario(m, m.variants[0]!, 'quick');
 */
export {
  variantScenario,
  variantSlug,
  variantsFor,
} from './apply.ts';
export { getMatrix, listMatrices } from './registry.ts';
export {
  MATRIX_REPETITIONS,
  MATRIX_SIZES,
  type MatrixDefinition,
  type MatrixSize,
  type MatrixVariant,
  type ScenarioPatch,
  TOTAL_BUDGET_REAL_S,
} from './types.ts';
