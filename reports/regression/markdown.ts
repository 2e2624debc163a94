import { escapeMarkdownCell, escapeMarkdownText } from '../render/escape.ts';
import { arrowOf, formatBudgetValues, formatChange, formatFigure, formatNoise } from './format.ts';
import type { FigureComparison, RegressionReport, RunSetSummary } from './types.ts';

/** One mark per status, so a reviewer sees the regressions before reading a number. */
const STATUS_MARKS: Record<FigureComparison['status'], string> = {
  regressed: '🔴 regressed',
  'no-data': '🔴 no data',
  'within-noise': '🟡 within noise',
  ok: '⚪ ok',
  improved: '🟢 improved',
};

/**
 * The comparison as a pull-request comment: the verdict on top, then one row per figure with its change
 * and an arrow, the candidate's budgets, and how it was judged (folded). Fits GitHub's 65,536-character
 * comment limit for any realistic number of figures.
 *
 * @example
 * writeFileSync('regression.md', renderRegressionMarkdown(report)); // gh pr comment --body-file regression.md
 */
export function renderRegressionMarkdown(report: RegressionReport): string {
  const pass = report.verdict.status === 'pass';
  const lines = [
    `### ${pass ? '✅' : '❌'} botcap: ${pass ? 'no regression' : 'REGRESSION'} against the baseline (${escapeMarkdownText(report.scenario)})`,
    '',
    `**${escapeMarkdownText(report.verdict.headline)}**`,
    '',
    '| | figure | baseline | candidate | change | allowed | larger than the noise? |',
    '| --- | --- | ---: | ---: | ---: | ---: | --- |',
    ...report.figures.map(
      (f) =>
        `| ${STATUS_MARKS[f.status]} | ${cell(f.label)} | ${cell(formatFigure(f.baseline, f.unit))} | ` +
        `${cell(formatFigure(f.candidate, f.unit))} | ${arrowOf(f)} ${cell(formatChange(f))} | ${cell(f.allowance)} | ${cell(formatNoise(f))} |`,
    ),
    '',
  ];
  if (report.budgets.length > 0) {
    lines.push(
      `Budgets (${escapeMarkdownText(report.budgetsFrom ?? '')}), checked on every candidate run:`,
      '',
      '| | metric | threshold | measured |',
      '| --- | --- | --- | --- |',
      ...report.budgets.map(
        (b) =>
          `| ${b.passed ? '✅ pass' : '❌ fail'} | ${cell(b.metric)} | ${cell(b.expression)} | ` +
          `${cell(formatBudgetValues(b))} |`,
      ),
      '',
    );
  }
  lines.push(
    '<details><summary>How this was judged</summary>',
    '',
    escapeMarkdownText(report.method),
    '',
    ...report.figures.map((f) => `- ${escapeMarkdownText(`${f.label}: ${f.explanation}`)}`),
    `- ${escapeMarkdownText(describe(report.baseline))}`,
    `- ${escapeMarkdownText(describe(report.candidate))}`,
    ...report.notes.map((note) => `- ${escapeMarkdownText(note)}`),
    '',
    '</details>',
    '',
    `<sub>botcap ${escapeMarkdownText(report.generatedBy)}, regression report v${report.schemaVersion}. Latencies are simulated ms.</sub>`,
    '',
  );
  return lines.join('\n');
}

function cell(text: string): string {
  return escapeMarkdownCell(text);
}

function describe(set: RunSetSummary): string {
  const commits = set.commits.length > 0 ? `, commit ${set.commits.map((c) => c.slice(0, 12)).join(', ')}` : '';
  return (
    `${set.label}: ${set.runs} run${set.runs === 1 ? '' : 's'} (seeds ${set.seeds.join(', ')}${commits}, ` +
    `time scale x${set.timeScales.join(', x')}, fidelity ${set.fidelity.join(', ')})`
  );
}
