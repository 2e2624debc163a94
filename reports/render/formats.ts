import type { ReportDocument } from './document.ts';
import { renderHtml } from './html.ts';
import { renderJson } from './json.ts';
import { renderJunit } from './junit.ts';
import { renderMarkdown } from './markdown.ts';

/** The report formats, in the order they are written. */
export const REPORT_FORMATS = ['html', 'md', 'json', 'junit'] as const;
export type ReportFormat = (typeof REPORT_FORMATS)[number];

/** One report format: the file it is written to, and its renderer (a pure function of the report document). */
export interface ReportFormatDefinition {
  file: string;
  render: (doc: ReportDocument) => string;
}

/**
 * The report-format registry that `botcap run` and `botcap report` write from, and whose file names the
 * matrix reports reuse. To add a format: its name in REPORT_FORMATS, its entry here, and its renderer in this
 * folder with a test that reads its output back.
 *
 * @example
 * const { file, render } = REPORT_FORMAT_DEFINITIONS.md;
 * await writeFile(join(outDir, file), render(buildReport([result])));
 */
export const REPORT_FORMAT_DEFINITIONS: Readonly<Record<ReportFormat, ReportFormatDefinition>> = {
  html: { file: 'report.html', render: (doc) => renderHtml(doc) },
  md: { file: 'summary.md', render: (doc) => renderMarkdown(doc) },
  json: { file: 'report.json', render: renderJson },
  junit: { file: 'junit.xml', render: renderJunit },
};
