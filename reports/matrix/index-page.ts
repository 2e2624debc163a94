import type { MatrixProvenance, MatrixReported, RunFidelityRecord } from '../../contracts/matrix-record.ts';
import { BOTCAP_VERSION } from '../../contracts/version.ts';
import { escapeHtml as e, escapeMarkdownCell, escapeMarkdownText } from '../render/escape.ts';
import { chartGrid, type HtmlOptions, renderHtmlPage, section } from '../render/html.ts';
import { memoChartId, memoChartSpecs, memoItems, memoMarkdown } from './memo.ts';
import { listOfLabels, type RepeatedVerdict } from './repetitions.ts';
import { scaleCheckBrief } from './scale-check.ts';
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
  /**
   * How this matrix was produced, in an index assembled from separate runs (`botcap matrix index`); null for
   * a matrix whose folder predates `matrix-run.json`. Unset in an index written by the run itself.
   */
  produced?: MatrixProvenance | null;
  /** When the verdict and report were written again from the same runs (`--report-only`), by what. */
  reported?: MatrixReported;
}

/** One run's fidelity, as the index lists it. */
export type RunFidelity = RunFidelityRecord;

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

/** How the findings were produced, printed at the top of the index: one run of `botcap matrix all`. */
export type IndexMeta = MatrixProvenance;

/** An index assembled from matrices run separately (`botcap matrix index`): each entry says how it was made. */
export interface AssembledIndexMeta {
  assembled: true;
  /** The command that assembled it, e.g. `botcap matrix index --out docs/findings`. */
  command: string;
  assembledAt: string;
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
      ? `, wins over ${v.repetitions.count} repetitions: ${listOfLabels(v.repetitions.wins.map((w) => `${w.variant} ${w.wins}`)) || 'none'}`
      : '';
  const failed = entry.failedVariants > 0 ? `, ${entry.failedVariants} of ${entry.variants} variant runs failed` : '';
  const scaleCheck = 'repetitions' in v ? scaleCheckBrief(v.scaleCheck) : '';
  return `${STATUS_TEXT[v.status]}${wins}${failed}${fidelitySummary(entry.fidelity)}${scaleCheck}`;
}

function repetitionsText(meta: IndexMeta): string {
  return meta.repetitions > 1
    ? ` Each variant ran ${meta.repetitions} times with different seeds; figures are medians, and an answer the repetitions disagree on is "no stable answer".`
    : ' Each variant ran once.';
}

/** How a format writes plain text and a command line. */
interface Formatter {
  text: (s: string) => string;
  code: (s: string) => string;
}
const MARKDOWN: Formatter = { text: escapeMarkdownText, code: (s) => `\`${s}\`` };
const HTML: Formatter = { text: e, code: (s) => `<code>${e(s)}</code>` };

/** The index's opening paragraph. */
function introText(meta: IndexMeta | AssembledIndexMeta, entries: readonly IndexEntry[], f: Formatter): string {
  const rule =
    'Every answer is generated from the measurements by the rule printed in its report; times are simulated.';
  if ('assembled' in meta) {
    const unrecorded = entries.filter((x) => x.produced === null).length;
    return `${f.text('Assembled by ')}${f.code(meta.command)}${f.text(
      ` at ${meta.assembledAt} from ${entries.length} matrices run separately; each one's command, size, ` +
        `repetitions, commit and date are listed under "How each was produced"` +
        `${unrecorded > 0 ? ` (${unrecorded} predate that record and say so)` : ''}. ${rule}`,
    )}`;
  }
  return `${f.text('Produced by ')}${f.code(meta.command)}${f.text(
    ` (${meta.size} size) on ${meta.machine}, started ${meta.startedAt}, ${Math.round(meta.wallTimeS)} s of wall ` +
      `time${meta.gitCommit ? `, commit ${meta.gitCommit}` : ''}. ${rule}${repetitionsText(meta)}`,
  )}`;
}

/**
 * How one matrix of an assembled index was produced: `botcap matrix breaker --out /tmp/f` (default size, 3
 * repetitions), commit abc1234, started ..., 1234 s on ...; or that nobody recorded it.
 */
function producedText(entry: IndexEntry, f: Formatter): string {
  const p = entry.produced;
  if (p === undefined) return f.text(`${Math.round(entry.wallTimeS)} s`);
  if (p === null)
    return f.text('how it was produced was not recorded (a run from before matrix-run.json): see README.md');
  const repetitions = p.repetitions === 1 ? '1 repetition' : `${p.repetitions} repetitions`;
  const r = entry.reported;
  const rewritten =
    r === undefined
      ? ''
      : `${f.text('; verdict and report written again from those runs by ')}${f.code(r.command)}${f.text(
          `${r.gitCommit ? `, commit ${r.gitCommit}` : ''}, at ${r.at}`,
        )}`;
  const kept =
    p.kept === undefined
      ? ''
      : `; ${p.kept.runs} ${p.kept.runs === 1 ? 'run' : 'runs'} kept from an earlier invocation (commit ` +
        `${p.kept.gitCommits.join(', ') || 'unknown'}, from ${p.kept.firstStartedAt}, ${Math.round(p.kept.loadRealS)} s of load)`;
  return `${f.code(p.command)}${f.text(
    ` (${p.size} size, ${repetitions})${p.gitCommit ? `, commit ${p.gitCommit}` : ''}, started ${p.startedAt}, ` +
      `${Math.round(p.wallTimeS)} s on ${p.machine}${kept}`,
  )}${rewritten}`;
}

/**
 * The findings index in Markdown: one line per question with the answer, the figure behind it, and the
 * conditions under which it would change, each linking its report.
 *
 * @example
 * renderIndexMarkdown(entries, meta).split('\n')[0] // '# botcap findings'
 */
export function renderIndexMarkdown(entries: readonly IndexEntry[], meta: IndexMeta | AssembledIndexMeta): string {
  const rows = entries.map(
    (x) =>
      `| [${escapeMarkdownCell(x.verdict.question)}](${x.dir}/summary.md) | ${escapeMarkdownCell(x.verdict.answer)} | ` +
      `${escapeMarkdownCell(x.verdict.figure)} | ${escapeMarkdownCell(x.verdict.changesIf)} | ${escapeMarkdownCell(status(x))} |`,
  );
  return [
    '# botcap findings',
    '',
    introText(meta, entries, MARKDOWN),
    '',
    memoMarkdown(memoItems(entries)),
    '',
    '## The answers in detail',
    '',
    '| question | answer | figure | would change if | status |',
    '| --- | --- | --- | --- | --- |',
    ...rows,
    '',
    ...('assembled' in meta ? ['## How each was produced', ''] : []),
    ...entries.map(
      (x) =>
        `- ${x.verdict.matrix}: [HTML report](${x.dir}/report.html), [Markdown](${x.dir}/summary.md), ${producedText(x, MARKDOWN)}`,
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
export function renderIndexHtml(
  entries: readonly IndexEntry[],
  meta: IndexMeta | AssembledIndexMeta,
  options: HtmlOptions = {},
): string {
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
  const intro = `<p class="muted">${introText(meta, entries, HTML)}</p>`;
  const produced =
    'assembled' in meta
      ? [
          section(
            'produced',
            'How each was produced',
            `<ul>\n${entries.map((x) => `<li><a href="${e(x.dir)}/report.html">${e(x.verdict.matrix)}</a>: ${producedText(x, HTML)}</li>`).join('\n')}\n</ul>`,
          ),
        ]
      : [];
  const sizes = 'assembled' in meta ? 'assembled from separate runs' : `${meta.size} size`;
  return renderHtmlPage(
    {
      title: 'botcap findings',
      subtitle: `${entries.length} questions, ${sizes}`,
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
        ...produced,
      ],
      charts: specs,
      css: MEMO_CSS,
      generatedBy: BOTCAP_VERSION,
      schemaVersion: MATRIX_VERDICT_SCHEMA_VERSION,
    },
    options,
  );
}
