import type { Verdict } from '../render/document.ts';
import { escapeHtml as e, escapeMarkdownText } from '../render/escape.ts';
import { table } from '../render/html-sections.ts';
import { mdTable } from '../render/markdown.ts';
import { columnHeader, formatCell } from './cell.ts';
import { asRepeated, listOfLabels, type RepeatedRow, type RepeatedVerdict } from './repetitions.ts';
import { scaleCheckText } from './scale-check.ts';
import type { MatrixVerdict, VerdictColumn } from './types.ts';

/**
 * The verdict section of a matrix report, in Markdown and HTML: the question, the answer, the rule as
 * applied, the figure, when it would change, the predictions checked, and one row per variant (failed
 * variants included, with their error). Over several repetitions each figure is the median with its range,
 * and a column says how often each variant won.
 */

/** A figure as the median over the repetitions with its range when they differ: `400 (300–500)`. */
function spreadCell(column: VerdictColumn, row: RepeatedRow): string {
  const s = row.spreads[column.key];
  const median = formatCell(column, row.values[column.key]);
  if (s === undefined || s.n < 2 || s.min === s.max) return median;
  return `${median} (${formatCell(column, s.min)}–${formatCell(column, s.max)})`;
}

function rowStatus(row: RepeatedRow): string {
  if (row.status === 'failed') return `FAILED: ${row.error ?? ''}`;
  return row.error === null ? 'ok' : `ok; ${row.error}`;
}

function cells(v: RepeatedVerdict): { headers: string[]; rows: string[][]; numeric: number[] } {
  const repeated = v.repetitions.count > 1;
  const won = (variant: string) =>
    `${v.repetitions.wins.find((w) => w.variant === variant)?.wins ?? 0} of ${v.repetitions.count}`;
  const headers = ['variant', 'status', ...(repeated ? ['won'] : []), ...v.columns.map(columnHeader)];
  const rows = v.rows.map((row) => [
    row.variant,
    rowStatus(row),
    ...(repeated ? [won(row.variant)] : []),
    ...v.columns.map((c) => spreadCell(c, row)),
  ]);
  const first = repeated ? 3 : 2;
  return { headers, rows, numeric: v.columns.map((_, i) => i + first) };
}

/**
 * How the repetitions voted, in one sentence; null for a single run.
 *
 * @example
 * repetitionsText(folded) // '3 repetitions (seeds 1, 2, 3); winners in order: a, b, a. Each figure is ...'
 */
export function repetitionsText(v: RepeatedVerdict): string | null {
  const r = v.repetitions;
  if (r.count < 2) return null;
  const seeds = r.seeds === undefined ? '' : ` (seeds ${r.seeds.join(', ')})`;
  const winners = listOfLabels(r.winners.map((w) => w ?? 'none'));
  const distorted =
    r.distorted === undefined || r.distorted.length === 0
      ? ''
      : ` Distorted by the lab, so no figures of their own (they still count in the medians and ranges): ${r.distorted
          .map(
            (d) =>
              `${d.variant} in repetition ${d.repetition} (${d.estimatedDistortionMs} ms against the ${d.boundMs} ms bound at ${d.timeScale}x)`,
          )
          .join('; ')}.`;
  return (
    `${r.count} repetitions${seeds}; winners in order: ${winners}. Each figure is the median over the ` +
    `repetitions with its range (min–max); the findings listed and the runs compared below are repetition ${r.representative}'s.${distorted}`
  );
}

function answerLabel(v: RepeatedVerdict): string {
  return v.status === 'no-data'
    ? 'Answer (no data)'
    : v.status === 'no-stable-answer'
      ? v.direction !== undefined
        ? 'Answer (stable in part: the winner is not)'
        : v.parts !== undefined
          ? 'Answer (not stable in every part)'
          : 'Answer (no stable answer)'
      : 'Answer';
}

/**
 * The report's top verdict, from the matrix verdict, for the existing renderers' verdict box.
 *
 * @example
 * doc.verdict = reportVerdict(verdict);
 */
export function reportVerdict(verdict: MatrixVerdict | RepeatedVerdict): Verdict {
  const v = asRepeated(verdict);
  const repetitions = repetitionsText(v);
  const scaleCheck = scaleCheckText(v.scaleCheck);
  return {
    // An answer is information, not a pass: "no strategy passed" is a finding too, and so is "the repetitions
    // disagree". Only missing data fails.
    status: v.status === 'no-data' ? 'fail' : 'info',
    headline: `${v.question} ${v.answer}`,
    // The per-variant sentences follow in the matrix section, right under this box.
    sentences: [
      `Figure: ${v.figure}.`,
      ...(repetitions === null ? [] : [`Repetitions: ${repetitions}`]),
      ...(scaleCheck === null ? [] : [`Scale check: ${scaleCheck}`]),
      `Would change if: ${v.changesIf}`,
      `Rule: ${v.rule}`,
    ],
  };
}

/**
 * The matrix section in Markdown (placed under the report's verdict).
 *
 * @example
 * matrixMarkdown(verdict) // '### Matrix scheduler: the verdict\n\n**Question:** ...'
 */
export function matrixMarkdown(verdict: MatrixVerdict | RepeatedVerdict): string {
  const v = asRepeated(verdict);
  const t = cells(v);
  const repetitions = repetitionsText(v);
  const scaleCheck = scaleCheckText(v.scaleCheck);
  const lines = [
    `### Matrix ${escapeMarkdownText(v.matrix)}: the verdict`,
    '',
    `**Question:** ${escapeMarkdownText(v.question)}`,
    '',
    `**${answerLabel(v)}:** ${escapeMarkdownText(v.answer)}`,
    '',
    `**Figure:** ${escapeMarkdownText(v.figure)}`,
    '',
    ...(repetitions === null ? [] : [`**Repetitions:** ${escapeMarkdownText(repetitions)}`, '']),
    ...(scaleCheck === null ? [] : [`**Scale check:** ${escapeMarkdownText(scaleCheck)}`, '']),
    `**Would change if:** ${escapeMarkdownText(v.changesIf)}`,
    '',
    `**Rule:** ${escapeMarkdownText(v.rule)}`,
    '',
    ...(v.expectations.length > 0
      ? [
          '**Predictions checked:**',
          '',
          ...v.expectations.map(
            (x) =>
              `- ${x.met === null ? 'no data' : x.met ? 'met' : 'NOT met'}: ${escapeMarkdownText(x.variant)}: ${escapeMarkdownText(x.text)}`,
          ),
          '',
        ]
      : []),
    mdTable(t),
    '',
    ...v.sentences.map((s) => `- ${escapeMarkdownText(s)}`),
  ];
  return lines.join('\n');
}

/**
 * The matrix section in HTML (placed under the report's verdict box).
 *
 * @example
 * matrixHtml(verdict) // '<section id="matrix-verdict">...'
 */
export function matrixHtml(verdict: MatrixVerdict | RepeatedVerdict): string {
  const v = asRepeated(verdict);
  const t = cells(v);
  const repetitions = repetitionsText(v);
  const scaleCheck = scaleCheckText(v.scaleCheck);
  const expectations =
    v.expectations.length > 0
      ? `<h3>Predictions checked</h3><ul>${v.expectations
          .map(
            (x) =>
              `<li class="${x.met === true ? 'ok' : x.met === false ? 'bad' : ''}">${x.met === null ? 'no data' : x.met ? 'met' : 'NOT met'}: ${e(x.variant)}: ${e(x.text)}</li>`,
          )
          .join('')}</ul>`
      : '';
  return `<section id="matrix-verdict"><h2>Matrix ${e(v.matrix)}: the verdict</h2>
<p><strong>Question:</strong> ${e(v.question)}</p>
<p><strong>${answerLabel(v)}:</strong> ${e(v.answer)}</p>
<p><strong>Figure:</strong> ${e(v.figure)}</p>
${repetitions === null ? '' : `<p><strong>Repetitions:</strong> ${e(repetitions)}</p>`}
${scaleCheck === null ? '' : `<p><strong>Scale check:</strong> ${e(scaleCheck)}</p>`}
<p><strong>Would change if:</strong> ${e(v.changesIf)}</p>
<p class="notes"><strong>Rule:</strong> ${e(v.rule)}</p>
${expectations}
${table(
  t.headers,
  t.rows.map((row) => row.map((cell) => e(cell))),
  t.numeric,
)}
<ul class="notes">${v.sentences.map((s) => `<li>${e(s)}</li>`).join('')}</ul>
</section>`;
}
