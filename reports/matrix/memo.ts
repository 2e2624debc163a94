import type { ChartSpec } from '../render/charts.ts';
import { escapeMarkdownText } from '../render/escape.ts';
import { formatCell } from './cell.ts';
import { capitalized } from './figures.ts';
import { asRepeated, listOfLabels, type RepeatedVerdict } from './repetitions.ts';
import type { DecidingFigure, MatrixVerdict, VerdictColumn } from './types.ts';

/**
 * The decision memo on top of the findings index: per question, what to do (the rule's recommendation),
 * how sure the lab is (repetitions that agreed, runs the lab did not distort) and the figure that decided,
 * as a small chart. Generic over the matrices: everything comes from the verdict (its recommendation,
 * its deciding figure, its rows), nothing from a matrix's name.
 */

/** One run's fidelity verdict, as far as the memo needs it. */
export interface MemoFidelity {
  /** Null for a result without a fidelity verdict. */
  status: 'ok' | 'distorted' | null;
}

/** What the memo reads from one index entry. */
export interface MemoInput {
  verdict: MatrixVerdict | RepeatedVerdict;
  /** The report's folder, relative to the index. */
  dir: string;
  fidelity?: readonly MemoFidelity[];
}

/** How far an architect can lean on the recommendation. */
export type ConfidenceLevel = 'firm' | 'tentative' | 'weak' | 'none';

export interface Confidence {
  level: ConfidenceLevel;
  /** One sentence: repetitions that agreed, then fidelity. */
  text: string;
}

/** One bar: a variant's deciding figure (the median over the repetitions) and its range. */
export interface DecidingBar {
  variant: string;
  value: number;
  min: number;
  max: number;
  /** The variant the rule picked. */
  pick: boolean;
}

/** The deciding figure of one question, best variant first. */
export interface DecidingChart {
  column: VerdictColumn;
  /** Repetitions behind each bar (its median). */
  repetitions: number;
  better: DecidingFigure['better'];
  bars: DecidingBar[];
}

export interface MemoItem {
  matrix: string;
  question: string;
  dir: string;
  recommendation: string;
  /** The rule that generated it, in words, as its report prints it. */
  rule: string;
  confidence: Confidence;
  /** Null when no variant has the figure (no data). */
  chart: DecidingChart | null;
}

/** Width of the Markdown text bars, in characters, for the largest value. */
export const MEMO_BAR_WIDTH_CHARS = 24;

/**
 * How sure: firm = every repetition (two or more) picked the same and every run's fidelity was ok;
 * weak = the repetitions disagree or a run was distorted; tentative = one repetition, or fidelity unmeasured.
 *
 * @example
 * confidenceOf(folded, runs).text // 'Firm: 3 of 3 repetitions picked webhook x3; fidelity ok in all 12 runs.'
 */
export function confidenceOf(verdict: MatrixVerdict | RepeatedVerdict, runs: readonly MemoFidelity[] = []): Confidence {
  const v = asRepeated(verdict);
  const r = v.repetitions;
  if (v.status === 'no-data') return { level: 'none', text: 'None: the variants the rule needs produced no data.' };
  const distorted = runs.filter((x) => x.status === 'distorted').length;
  const unmeasured = runs.filter((x) => x.status === null).length;
  const fidelity =
    runs.length === 0
      ? 'fidelity not recorded'
      : distorted > 0
        ? `${distorted} of ${runs.length} runs DISTORTED by the lab`
        : unmeasured > 0
          ? `fidelity not measured in ${unmeasured} of ${runs.length} runs`
          : `fidelity ok in ${runs.length === 1 ? 'the only run' : runs.length === 2 ? 'both runs' : `all ${runs.length} runs`}`;
  const top = r.wins[0];
  const votes =
    v.status === 'no-stable-answer'
      ? `${v.direction !== undefined ? `the repetitions agree on "${v.direction.claim}" but disagree on the variant` : v.parts !== undefined ? 'the repetitions disagree in part' : 'the repetitions disagree'} (${listOfLabels(r.wins.map((w) => `${w.variant} won ${w.wins} of ${r.count}`))})`
      : r.count < 2
        ? 'one repetition, not repeated'
        : top === undefined
          ? `${r.count} of ${r.count} repetitions agreed that no variant qualifies`
          : v.parts !== undefined
            ? `${r.count} of ${r.count} repetitions picked ${listOfLabels(v.parts.map((p) => p.winner ?? 'none'))}`
            : `${top.wins} of ${r.count} repetitions picked ${top.variant}`;
  const level: ConfidenceLevel =
    v.status === 'no-stable-answer' || distorted > 0
      ? 'weak'
      : r.count >= 2 && runs.length > 0 && unmeasured === 0
        ? 'firm'
        : 'tentative';
  const word = { firm: 'Firm', tentative: 'Tentative', weak: 'Weak', none: 'None' }[level];
  return { level, text: `${word}: ${votes}; ${fidelity}.` };
}

/**
 * The deciding figure's bars, best first; null when the column is unknown or no variant has a value.
 *
 * @example
 * decidingChart(verdict)?.bars[0] // { variant: 'webhook x3', value: 500, min: 450, max: 520, pick: true }
 */
export function decidingChart(verdict: MatrixVerdict | RepeatedVerdict): DecidingChart | null {
  const v = asRepeated(verdict);
  const figure =
    v.decidingFigure ?? (v.columns[0] === undefined ? undefined : { column: v.columns[0].key, better: 'lower' });
  const column = v.columns.find((c) => c.key === figure?.column);
  if (figure === undefined || column === undefined) return null;
  const bars = v.rows.flatMap((row): DecidingBar[] => {
    const value = row.values[column.key];
    if (row.status !== 'ok' || value === null || value === undefined) return [];
    const s = row.spreads[column.key];
    return [
      { variant: row.variant, value, min: s?.min ?? value, max: s?.max ?? value, pick: row.variant === v.winner },
    ];
  });
  if (bars.length === 0) return null;
  bars.sort((a, b) => (figure.better === 'lower' ? a.value - b.value : b.value - a.value));
  return { column, repetitions: v.repetitions.count, better: figure.better, bars };
}

/** The memo's lines, one per index entry, in the index's order. */
export function memoItems(entries: readonly MemoInput[]): MemoItem[] {
  return entries.map((x) => ({
    matrix: x.verdict.matrix,
    question: x.verdict.question,
    dir: x.dir,
    // A rule without a recommendation still has an answer; the memo never shows an empty line.
    recommendation: x.verdict.recommendation || x.verdict.answer,
    rule: x.verdict.rule,
    confidence: confidenceOf(x.verdict, x.fidelity),
    chart: decidingChart(x.verdict),
  }));
}

/**
 * What the chart shows, in one sentence.
 *
 * @example
 * chartCaption(chart) // 'users above the cap, in users; lower is better; the rule's pick is marked.'
 */
export function chartCaption(chart: DecidingChart, withLabel = true): string {
  const unit = SELF_DESCRIBING_UNITS.has(chart.column.unit) ? '' : `in ${chart.column.unit}`;
  const median = chart.repetitions > 1 ? `the median of ${chart.repetitions} repetitions` : '';
  const what = [withLabel ? chart.column.label : '', unit, median].filter((x) => x !== '').join(', ');
  const pick = chart.bars.some((b) => b.pick) ? "the rule's pick is marked" : 'no variant was picked';
  const text = `${what === '' ? '' : `${what}; `}${chart.better} is better; ${pick}.`;
  // Under a chart title the caption opens its own sentence; after 'Deciding figure:' it continues one.
  return withLabel ? text : capitalized(text);
}

/** Units whose formatted value already says them (`1.2 s`, `$40`, `12%`) or that have none. */
const SELF_DESCRIBING_UNITS = new Set(['', 'ms', 'USD', 'share']);

/** A figure with its unit: `37 users`, `900 ms`. */
function withUnit(column: VerdictColumn, value: number): string {
  const text = formatCell(column, value);
  return SELF_DESCRIBING_UNITS.has(column.unit) ? text : `${text} ${column.unit}`;
}

/** A bar's value with its range when the repetitions differed: `420 ms (380 ms–450 ms)`. */
export function valueText(column: VerdictColumn, bar: DecidingBar): string {
  const value = withUnit(column, bar.value);
  return bar.min === bar.max ? value : `${value} (${formatCell(column, bar.min)}–${formatCell(column, bar.max)})`;
}

/**
 * The deciding figure as a text bar chart (a fenced block, so any Markdown viewer keeps the columns).
 * Bars scale to the largest magnitude; a negative value is drawn with a lighter bar.
 *
 * @example
 * textBars(chart)
 * // 'webhook x3 (pick)  ████████████████████████  500\npolling x1         █████████░░░░░...  200'
 */
export function textBars(chart: DecidingChart, widthChars = MEMO_BAR_WIDTH_CHARS): string {
  const labels = chart.bars.map((b) => `${b.variant}${b.pick ? ' (pick)' : ''}`);
  const pad = Math.max(...labels.map((l) => l.length));
  const scale = Math.max(...chart.bars.map((b) => Math.abs(b.value)));
  return chart.bars
    .map((b, i) => {
      const filled = scale === 0 ? 0 : Math.round((Math.abs(b.value) / scale) * widthChars);
      const bar = (b.value < 0 ? '▒' : '█').repeat(filled) + '·'.repeat(widthChars - filled);
      return `${labels[i]!.padEnd(pad)}  ${bar}  ${valueText(chart.column, b)}`;
    })
    .join('\n');
}

/**
 * The memo in Markdown: per question its recommendation, confidence, deciding figure and a link to the report.
 *
 * @example
 * memoMarkdown(memoItems(entries)).startsWith('## What to do') // true
 */
export function memoMarkdown(items: readonly MemoItem[]): string {
  const blocks = items.map((item) => {
    const chart =
      item.chart === null
        ? ['_No figure to chart: no variant produced the deciding figure._']
        : [
            `Deciding figure: ${escapeMarkdownText(chartCaption(item.chart))}`,
            '',
            '```text',
            textBars(item.chart),
            '```',
          ];
    return [
      `### ${escapeMarkdownText(item.question)}`,
      '',
      `**${escapeMarkdownText(item.recommendation)}**`,
      '',
      `Confidence: ${escapeMarkdownText(item.confidence.text)} ([the ${escapeMarkdownText(item.matrix)} report](${item.dir}/summary.md))`,
      '',
      `<details><summary>The rule behind it</summary>\n\n${escapeMarkdownText(item.rule)}\n\n</details>`,
      '',
      ...chart,
      '',
    ].join('\n');
  });
  return [
    '## What to do',
    '',
    'One recommendation per question, generated from the measurements by the rule printed in its report. ' +
      'Confidence is firm when every repetition picked the same variant and no run was distorted by the lab.',
    '',
    ...blocks,
  ].join('\n');
}

/**
 * The deciding figures as chart.js bar charts for the HTML index (drawn by the reports' chart script).
 *
 * @example
 * memoChartSpecs(items).map((c) => c.id) // ['memo-transport', 'memo-sessions', ...]
 */
export function memoChartSpecs(items: readonly MemoItem[]): ChartSpec[] {
  return items.flatMap((item, index): ChartSpec[] =>
    item.chart === null
      ? []
      : [
          {
            id: memoChartId(item, index),
            title: item.chart.column.label,
            caption: chartCaption(item.chart, false),
            kind: 'bar',
            xLabel: '',
            yLabel: item.chart.column.unit,
            // The value in the label too: a bar at zero is invisible, and zero is often the point.
            labels: item.chart.bars.map(
              (b) => `${b.variant}${b.pick ? ' (pick)' : ''}: ${valueText(item.chart!.column, b)}`,
            ),
            datasets: [{ label: item.chart.column.label, values: item.chart.bars.map((b) => b.value) }],
            beginAtZero: true,
          },
        ],
  );
}

/** The canvas id of an item's chart: its position and matrix, unique on the page. */
export function memoChartId(item: Pick<MemoItem, 'matrix'>, index: number): string {
  return `memo-${index + 1}-${item.matrix.replace(/[^a-z0-9-]/gi, '-')}`;
}
