import type { Verdict } from '../render/document.ts';
import { escapeHtml as e, escapeMarkdownText } from '../render/escape.ts';
import { formatMs, formatNumber, formatShare, formatUsd } from '../render/format.ts';
import { table } from '../render/html-sections.ts';
import { mdTable } from '../render/markdown.ts';
import type { MatrixVerdict, VerdictColumn } from './types.ts';

/**
 * The verdict section of a matrix report, in Markdown and HTML: the question, the answer, the rule as
 * applied, the figure, when it would change, the predictions checked, and one row per variant (failed
 * variants included, with their error).
 */

/** A figure in its column's unit. */
export function formatCell(column: VerdictColumn, value: number | null | undefined): string {
  if (value === null || value === undefined) return '—';
  switch (column.unit) {
    case 'ms':
      return formatMs(value);
    case 'USD':
      return formatUsd(value);
    case 'share':
      return formatShare(value);
    default:
      return formatNumber(value, 3);
  }
}

function header(column: VerdictColumn): string {
  return column.unit === '' || column.unit === 'ms' || column.unit === 'USD' || column.unit === 'share'
    ? column.label
    : `${column.label} (${column.unit})`;
}

function cells(v: MatrixVerdict): { headers: string[]; rows: string[][]; numeric: number[] } {
  const headers = ['variant', 'status', ...v.columns.map(header)];
  const rows = v.rows.map((row) => [
    row.variant,
    row.status === 'ok' ? 'ok' : `FAILED: ${row.error ?? ''}`,
    ...v.columns.map((c) => formatCell(c, row.values[c.key])),
  ]);
  return { headers, rows, numeric: v.columns.map((_, i) => i + 2) };
}

/**
 * The report's top verdict, from the matrix verdict, for the existing renderers' verdict box.
 *
 * @example
 * doc.verdict = reportVerdict(verdict);
 */
export function reportVerdict(v: MatrixVerdict): Verdict {
  return {
    // An answer is information, not a pass: "no strategy passed" is a finding too. Only missing data fails.
    status: v.status === 'answered' ? 'info' : 'fail',
    headline: `${v.question} ${v.answer}`,
    // The per-variant sentences follow in the matrix section, right under this box.
    sentences: [`Figure: ${v.figure}.`, `Would change if: ${v.changesIf}`, `Rule: ${v.rule}`],
  };
}

/**
 * The matrix section in Markdown (placed under the report's verdict).
 *
 * @example
 * matrixMarkdown(verdict) // '### Matrix scheduler: the verdict\n\n**Question:** ...'
 */
export function matrixMarkdown(v: MatrixVerdict): string {
  const t = cells(v);
  const lines = [
    `### Matrix ${escapeMarkdownText(v.matrix)}: the verdict`,
    '',
    `**Question:** ${escapeMarkdownText(v.question)}`,
    '',
    `**Answer${v.status === 'no-data' ? ' (no data)' : ''}:** ${escapeMarkdownText(v.answer)}`,
    '',
    `**Figure:** ${escapeMarkdownText(v.figure)}`,
    '',
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
export function matrixHtml(v: MatrixVerdict): string {
  const t = cells(v);
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
<p><strong>Answer${v.status === 'no-data' ? ' (no data)' : ''}:</strong> ${e(v.answer)}</p>
<p><strong>Figure:</strong> ${e(v.figure)}</p>
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
