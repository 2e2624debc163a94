import { renderRegressionHtml } from './html.ts';
import { renderRegressionJunit } from './junit.ts';
import { renderRegressionMarkdown } from './markdown.ts';
import type { RegressionReport } from './types.ts';

/** The formats `botcap report --baseline` writes, by the same names as every other report. */
export type RegressionFormat = 'html' | 'md' | 'json' | 'junit';

/**
 * One renderer per report format; the CLI writes each to the file it writes that format to.
 *
 * @example
 * writeFileSync('summary.md', REGRESSION_RENDERERS.md(report));
 */
export const REGRESSION_RENDERERS: Record<RegressionFormat, (report: RegressionReport) => string> = {
  html: (report) => renderRegressionHtml(report),
  md: renderRegressionMarkdown,
  json: (report) => `${JSON.stringify(report, null, 2)}\n`,
  junit: renderRegressionJunit,
};
