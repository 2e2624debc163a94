/**
 * The experiment matrices by name, in the order the findings index lists them: the contract between a
 * matrix's definition (scenarios/matrices/, its variants as data) and its verdict rule (reports/matrix/rules/,
 * a pure function of the variants' RunResults). Both registries are records over these names, so a name
 * without a definition or without a rule fails the typecheck.
 */
export const MATRIX_NAMES = [
  'transport',
  'sessions',
  'scheduler',
  'llm-cost',
  'breaker',
  'pooling',
  'slotting',
  'slot-cap',
  'signals',
  'monitoring',
] as const;
export type MatrixName = (typeof MATRIX_NAMES)[number];
