import { BOTCAP_VERSION } from '../../contracts/version.ts';
import { escapeHtml as e, escapeMarkdownCell, escapeMarkdownText } from '../render/escape.ts';
import { chartGrid, type HtmlOptions, renderHtmlPage, section } from '../render/html.ts';
import { memoChartId, memoChartSpecs, memoItems, memoMarkdown } from './memo.ts';
import type { RepeatedVerdict } from './repetitions.ts';
import { MATRIX_VERDICT_SCHEMA_VERSION, type MatrixVerdict } from './types.ts';

/** One matrix on the index page: its verdict and the folder its report is in (relative to the index). */
export interface IndexEntry {
  /** The repetitions folded into one (a single rule's verdict counts as one repetition). */
  verdict: MatrixVerdict | RepeatedVerdict;
  dir: string;
  /** Variant runs (over all repetitions) that failed to produce a completed run. */
  failedVariants: number;
  variants: number;
  wallTimeS: number;
  /** The fidelity verdict of every run of the matrix (every variant of every repetition that produced a result). */
  fidelity?: readonly RunFidelity[];
}

/** One run's fidelity, as the index lists it. */
export interface RunFidelity {
  variant: string;
  repetition: number;
  timeScale: number;
  /** Null for a result without a verdict. */
  status: 'ok' | 'distorted' | null;
  estimatedDistortionMs: number | null;
  boundMs: number | null;
}

/** `6 of 6 runs ok (3x-5x)` or `2 of 6 runs DISTORTED`. */
function fidelitySummary(runs: readonly RunFidelity[] | undefined): string {
  if (runs === undefined || runs.length === 0) return '';
  const distorted = runs.filter((r) => r.status === 'distorted').length;
  const unknown = runs.filter((r) => r.status === null).length;
  const scales = runs.map((r) => r.timeScale);
  const range =
    Math.min(...scales) === Math.max(...scales) ? `${scales[0]}x` : `${Math.min(...scales)}x-${Math.max(...scales)}x`;
  if (distorted > 0) return `; fidelity: ${distorted} of ${runs.length} runs DISTORTED (${range})`;
  if (unknown > 0) return `; fidelity: ${unknown} of ${runs.length} runs not measured (${range})`;
  return `; fidelity: ${runs.length} of ${runs.length} runs ok (${range})`;
}

/** The memo's layout: the words beside a short chart, one question per band; stacked on a phone. */
const MEMO_CSS = `
.memo-item{display:grid;grid-template-columns:minmax(0,1fr) minmax(0,460px);gap:4px 20px;border-top:1px solid var(--grid);padding:8px 0}
.memo-item h3{grid-column:1/-1;margin:.3em 0 0}.memo-item .charts{grid-template-columns:1fr}.memo-item .canvas-box{height:170px}
.memo-item.confidence-weak .recommendation,.memo-item.confidence-none .recommendation{color:var(--bad)}
@media (max-width:800px){.memo-item{grid-template-columns:1fr}}`;

/** How the findings were produced, printed at the top of the index. */
export interface IndexMeta {
  /** The command line that produced them, e.g. `botcap matrix all --out docs/findings`. */
  command: string;
  size: 'default' | 'quick';
  /** How many times each variant ran (seeds seed, seed+1, ...). */
  repetitions: number;
  /** CPU, cores, memory, OS, Node. */
  machine: string;
  startedAt: string;
  wallTimeS: number;
  gitCommit: string | null;
}

/** Files of the index, in the `botcap matrix all` output folder. */
export const INDEX_FILES = { html: 'index.html', md: 'index.md' } as const;

const STATUS_TEXT: Record<RepeatedVerdict['status'], string> = {
  answered: 'answered',
  'no-stable-answer': 'no stable answer',
  'no-data': 'no data',
};

function status(entry: IndexEntry): string {
  const v = entry.verdict;
  const wins =
    'repetitions' in v && v.repetitions.count > 1
      ? `, wins over ${v.repetitions.count} repetitions: ${v.repetitions.wins.map((w) => `${w.variant} ${w.wins}`).join(', ') || 'none'}`
      : '';
  const failed = entry.failedVariants > 0 ? `, ${entry.failedVariants} of ${entry.variants} variant runs failed` : '';
  return `${STATUS_TEXT[v.status]}${wins}${failed}${fidelitySummary(entry.fidelity)}`;
}

function repetitionsText(meta: IndexMeta): string {
  return meta.repetitions > 1
    ? ` Each variant ran ${meta.repetitions} times with different seeds; figures are medians, and an answer the repetitions disagree on is "no stable answer".`
    : ' Each variant ran once.';
}

/**
 * The findings index in Markdown: one line per question with the answer, the figure behind it, and the
 * conditions under which it would change, each linking its report.
 *
 * @example
 * renderIndexMarkdown(entries, meta).split('\n')[0] // '# botcap findings'
 */
export function renderIndexMarkdown(entries: readonly IndexEntry[], meta: IndexMeta): string {
  const rows = entries.map(
    (x) =>
      `| [${escapeMarkdownCell(x.verdict.question)}](${x.dir}/summary.md) | ${escapeMarkdownCell(x.verdict.answer)} | ` +
      `${escapeMarkdownCell(x.verdict.figure)} | ${escapeMarkdownCell(x.verdict.changesIf)} | ${escapeMarkdownCell(status(x))} |`,
  );
  return [
    '# botcap findings',
    '',
    `Produced by \`${escapeMarkdownText(meta.command)}\` (${meta.size} size) on ${escapeMarkdownText(meta.machine)}, ` +
      `started ${meta.startedAt}, ${Math.round(meta.wallTimeS)} s of wall time${meta.gitCommit ? `, commit ${meta.gitCommit}` : ''}. ` +
      'Every answer is generated from the measurements by the rule printed in its report; times are simulated.' +
      repetitionsText(meta),
    '',
    memoMarkdown(memoItems(entries)),
    '',
    '## The answers in detail',
    '',
    '| question | answer | figure | would change if | status |',
    '| --- | --- | --- | --- | --- |',
    ...rows,
    '',
    ...entries.map(
      (x) =>
        `- ${x.verdict.matrix}: [HTML report](${x.dir}/report.html), [Markdown](${x.dir}/summary.md), ${Math.round(x.wallTimeS)} s`,
    ),
    '',
    ...fidelityTable(entries),
  ].join('\n');
}

/** Every run's fidelity verdict: a figure the lab distorted is not a figure, so the reader sees which ones were. */
function fidelityTable(entries: readonly IndexEntry[]): string[] {
  const rows = entries.flatMap((x) =>
    (x.fidelity ?? []).map(
      (r) =>
        `| ${escapeMarkdownCell(x.verdict.matrix)} | ${escapeMarkdownCell(r.variant)} | ${r.repetition} | ${r.timeScale}x | ` +
        `${r.status === null ? 'not measured' : r.status === 'ok' ? 'ok' : '**DISTORTED**'} | ` +
        `${r.estimatedDistortionMs === null ? '-' : Math.round(r.estimatedDistortionMs)} / ${r.boundMs ?? '-'} |`,
    ),
  );
  if (rows.length === 0) return [];
  return [
    '## Fidelity of every run',
    '',
    "The lab's own delay each run added (method lab-delay-x-scale, simulated ms) against its bound; a distorted run's figures are the lab's as much as the bot's.",
    '',
    '| matrix | variant | repetition | time scale | fidelity | lab delay / bound ms |',
    '| --- | --- | ---: | ---: | --- | ---: |',
    ...rows,
    '',
  ];
}

/**
 * The findings index as one HTML page: the memo (a recommendation, its confidence and a chart of the deciding
 * figure per question, drawn by chart.js as in every report), then the answers in detail, linking each matrix's
 * HTML report.
 *
 * @example
 * writeFileSync('out/index.html', renderIndexHtml(entries, meta));
 */
export function renderIndexHtml(entries: readonly IndexEntry[], meta: IndexMeta, options: HtmlOptions = {}): string {
  const items = memoItems(entries);
  const rows = entries
    .map(
      (x) => `<tr><td><a href="${e(x.dir)}/report.html">${e(x.verdict.question)}</a></td><td>${e(x.verdict.answer)}</td>
<td>${e(x.verdict.figure)}</td><td>${e(x.verdict.changesIf)}</td><td>${e(status(x))}</td></tr>`,
    )
    .join('\n');
  const specs = memoChartSpecs(items);
  const memo = items
    .map((item, index) => {
      const chart = specs.find((c) => c.id === memoChartId(item, index));
      return `<article class="memo-item confidence-${item.confidence.level}">
<h3>${e(item.question)}</h3>
<div><p class="recommendation"><strong>${e(item.recommendation)}</strong></p>
<p class="muted">Confidence: ${e(item.confidence.text)} <a href="${e(item.dir)}/report.html">The ${e(item.matrix)} report</a>.</p>
<details class="muted"><summary>The rule behind it</summary><p>${e(item.rule)}</p></details></div>
${chart === undefined ? '<p class="muted">No figure to chart: no variant produced the deciding figure.</p>' : chartGrid([chart])}
</article>`;
    })
    .join('\n');
  const intro = `<p class="muted">Produced by <code>${e(meta.command)}</code> (${e(meta.size)} size) on ${e(meta.machine)}, started ${e(meta.startedAt)}, ${Math.round(meta.wallTimeS)} s of wall time${meta.gitCommit ? `, commit ${e(meta.gitCommit)}` : ''}. Every answer is generated from the measurements by the rule printed in its report; times are simulated.${e(repetitionsText(meta))}</p>`;
  return renderHtmlPage(
    {
      title: 'botcap findings',
      subtitle: `${entries.length} questions, ${meta.size} size`,
      sections: [
        intro,
        section(
          'memo',
          'What to do',
          `<p class="muted">One recommendation per question, generated from the measurements by the rule printed in its report. Confidence is firm when every repetition picked the same variant and no run was distorted by the lab.</p>\n${memo}`,
        ),
        section(
          'details',
          'The answers in detail',
          `<div style="overflow-x:auto"><table>
<thead><tr><th>question</th><th>answer</th><th>figure</th><th>would change if</th><th>status</th></tr></thead>
<tbody>
${rows}
</tbody></table></div>`,
        ),
      ],
      charts: specs,
      css: MEMO_CSS,
      generatedBy: BOTCAP_VERSION,
      schemaVersion: MATRIX_VERDICT_SCHEMA_VERSION,
    },
    options,
  );
}
