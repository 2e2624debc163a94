/**
 * Matrix verdicts and reports: each matrix's rule as a pure function of the variants'
 * RunResults, the verdict section on top of the comparison report, and the findings index.
 *
 * @example
 * import { decideMatrix, writeMatrixReport } from './reports/matrix/index.ts';
 * const verdict = decideMatrix('scheduler', question, outcomes);
 * await writeMatrixReport(verdict, outcomes, 'out/scheduler');
 */

export { figureMoved, type MovedFigure, SCALE_CHECK_TOLERANCE } from '../analysis/scale-check.ts';
export { formatCell } from './cell.ts';
export {
  type AssembledIndexMeta,
  INDEX_FILES,
  type IndexEntry,
  type IndexMeta,
  renderIndexHtml,
  renderIndexMarkdown,
} from './index-page.ts';
export { matrixHtml, matrixMarkdown, repetitionsText, reportVerdict } from './render.ts';
export {
  asRepeated,
  type DistortedRun,
  type FigureSpread,
  foldRepetitions,
  type RepeatedRow,
  type RepeatedVerdict,
  type RepetitionSummary,
  spread,
} from './repetitions.ts';
export { VERDICT_RULES } from './rules/index.ts';
export {
  movedFigures,
  type ScaleCheck,
  type ScaleCheckSummary,
  scaleCheckBrief,
  scaleCheckText,
} from './scale-check.ts';
export type * from './types.ts';
export { MATRIX_VERDICT_SCHEMA_VERSION } from './types.ts';
export { decideMatrix } from './verdicts.ts';
export { MATRIX_REPORT_FILES, type MatrixReportTexts, renderMatrixReport, writeMatrixReport } from './write.ts';
