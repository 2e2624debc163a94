import { mkdir, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import type { RunResult } from '../../contracts/run-result.ts';
import type { Comparison } from '../analysis/types.ts';
import { buildReport } from '../render/build.ts';
import { escapeHtml as e, escapeMarkdownText } from '../render/escape.ts';
import { REPORT_FORMAT_DEFINITIONS } from '../render/formats.ts';
import { renderHtml } from '../render/html.ts';
import { renderJson } from '../render/json.ts';
import { MARKDOWN_DEFAULTS, renderMarkdown } from '../render/markdown.ts';
import { matrixHtml, matrixMarkdown, reportVerdict } from './render.ts';
import { asRepeated, type RepeatedVerdict } from './repetitions.ts';
import type { MatrixVerdict, VariantOutcome } from './types.ts';

/**
 * Files a matrix report writes into its folder: three of the report formats (named as `botcap report` names
 * them, from the format registry) with the verdict spliced in, and the verdict itself.
 */
export const MATRIX_REPORT_FILES = {
  html: REPORT_FORMAT_DEFINITIONS.html.file,
  md: REPORT_FORMAT_DEFINITIONS.md.file,
  json: REPORT_FORMAT_DEFINITIONS.json.file,
  verdict: 'verdict.json',
} as const;

/** The three formats' text, before anything is written (tests read them back without a disk). */
export interface MatrixReportTexts {
  html: string;
  md: string;
  json: string;
  verdict: string;
}

/**
 * Renders a matrix's comparison report with the existing renderers and puts the matrix verdict on top:
 * the report's verdict box carries the answer and the rule, and the verdict section (every variant,
 * failed ones with their error) follows it. With no RunResult at all, a page of the verdict alone.
 * Over several repetitions, `verdict` is the folded one and `outcomes` its representative repetition's.
 *
 * @example
 * const texts = renderMatrixReport(verdict, outcomes);
 * texts.md.startsWith('## Matrix scheduler') // true
 */
export function renderMatrixReport(
  verdict: MatrixVerdict | RepeatedVerdict,
  outcomes: readonly VariantOutcome[],
): MatrixReportTexts {
  const results = outcomes.flatMap((o): RunResult[] => (o.result === null ? [] : [{ ...o.result, variant: o.label }]));
  const title = `Matrix ${verdict.matrix}: ${verdict.question}`;
  const section = { md: matrixMarkdown(verdict), html: matrixHtml(verdict) };
  // One shape on disk whatever the repetitions: the folded verdict (a single run is one repetition).
  const folded = asRepeated(verdict);
  const verdictJson = `${JSON.stringify(folded, null, 2)}\n`;
  const verdictOnly = (note: string): MatrixReportTexts => ({
    md: `## ${title}\n\n${escapeMarkdownText(note)}\n\n${section.md}\n`,
    html: `<!doctype html>\n<html lang="en"><head><meta charset="utf-8"><meta name="viewport" content="width=device-width, initial-scale=1"><title>${e(title)}</title></head><body><main>\n<p>${e(note)}</p>\n${section.html}\n</main></body></html>\n`,
    json: `${JSON.stringify({ title, note, verdict: folded, runs: [] }, null, 2)}\n`,
    verdict: verdictJson,
  });
  if (results.length === 0) return verdictOnly('No variant produced a RunResult, so there is no comparison report.');
  let doc: ReturnType<typeof buildReport>;
  try {
    doc = buildReport(results, { title });
  } catch (error) {
    // The verdict stands on its own; an analysis that cannot digest one run must not cost the matrix its report.
    const reason = error instanceof Error ? error.message : String(error);
    return verdictOnly(`The comparison report could not be built (${reason}); the verdict below is complete.`);
  }
  doc.verdict = reportVerdict(verdict);
  if (doc.comparison !== null) doc.comparison = figuresOnly(doc.comparison, folded);
  const html = renderHtml(doc);
  // The verdict box is the first section; the matrix section goes right under it.
  const boxEnd = html.indexOf('</section>', html.indexOf('id="verdict"'));
  const htmlOut =
    boxEnd < 0
      ? html.replace('<main>', `<main>\n${section.html}`)
      : `${html.slice(0, boxEnd + '</section>'.length)}\n${section.html}${html.slice(boxEnd + '</section>'.length)}`;
  const md = renderMarkdown(doc, { maxChars: MARKDOWN_DEFAULTS.maxChars - section.md.length - 2 });
  const firstSection = md.indexOf('\n### ');
  const mdOut =
    firstSection < 0
      ? `${md}\n${section.md}\n`
      : `${md.slice(0, firstSection)}\n${section.md}\n${md.slice(firstSection)}`;
  return { html: htmlOut, md: mdOut, json: renderJson(doc), verdict: verdictJson };
}

/**
 * The generic comparison as figures only. Its own ranking (knee first, on the scenario's latency budget) is
 * not the matrix's question: a slotting matrix ranks by digest lateness, a scheduler by correctness, and two
 * different winners on one page would give "best" two meanings. The verdict above the table is the answer.
 */
function figuresOnly(comparison: Comparison, verdict: RepeatedVerdict): Comparison {
  const which = verdict.repetitions.count > 1 ? `repetition ${verdict.repetitions.representative}'s runs` : 'the runs';
  return {
    ...comparison,
    winner: null,
    rules: [],
    verdicts: [],
    unranked:
      `Figures of ${which}, ranked by nothing here: a marked value is the best in its column, not a winner. ` +
      `The answer is the matrix verdict above, by its own rule.`,
  };
}

/**
 * Writes report.html, summary.md, report.json and verdict.json into `outDir`; returns the paths.
 *
 * @example
 * await writeMatrixReport(verdict, outcomes, 'botcap-out/matrices/scheduler');
 */
export async function writeMatrixReport(
  verdict: MatrixVerdict | RepeatedVerdict,
  outcomes: readonly VariantOutcome[],
  outDir: string,
): Promise<string[]> {
  const texts = renderMatrixReport(verdict, outcomes);
  await mkdir(outDir, { recursive: true });
  const paths: string[] = [];
  for (const key of ['html', 'md', 'json', 'verdict'] as const) {
    const path = join(outDir, MATRIX_REPORT_FILES[key]);
    await writeFile(path, texts[key], 'utf8');
    paths.push(path);
  }
  return paths;
}
