/**
 * Regression checks: a candidate run (or its repetitions) against a baseline, each figure judged against
 * its allowance (`--max-regression`, the budgets' vocabulary) and the run-to-run noise. `botcap gate
 * --baseline` and `botcap report --baseline` use this barrel.
 */
export { type ComparableOptions, checkComparable } from './comparable.ts';
export { type CompareOptions, compareFigure, compareWithBaseline } from './compare.ts';
export { ComparisonError } from './errors.ts';
export { compareFromFlags, type RegressionFlags } from './from-flags.ts';
export { renderRegressionHtml } from './html.ts';
export { renderRegressionJunit } from './junit.ts';
export { renderRegressionMarkdown } from './markdown.ts';
export { judgeNoise, NOISE_DEFAULTS, type NoiseJudgement } from './noise.ts';
export { REGRESSION_RENDERERS, type RegressionFormat } from './renderers.ts';
export { RESULT_FILE_NAME, type RunSet, readRunSet } from './run-set.ts';
export {
  parseConfidence,
  parseRegressionCheck,
  REGRESSION_DEFAULTS,
  type RegressionCheck,
  regressionChecks,
} from './spec.ts';
export { formatRegressionText } from './text.ts';
export type { FigureComparison, RegressionReport } from './types.ts';
