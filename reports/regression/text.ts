import { arrowOf, formatBudgetValues, formatChange, formatFigure, formatNoise, STATUS_WORDS } from './format.ts';
import type { RegressionReport, RunSetSummary } from './types.ts';

/**
 * The comparison for a terminal (`botcap gate --baseline`): each figure with baseline, candidate, change,
 * allowance and whether the change is larger than the noise; the budgets; the notes; the verdict last.
 *
 * @example
 * process.stdout.write(formatRegressionText(compareWithBaseline(baseline, candidate)));
 */
export function formatRegressionText(report: RegressionReport): string {
  const rows = report.figures.map((f) => [
    STATUS_WORDS[f.status],
    f.label,
    formatFigure(f.baseline, f.unit),
    formatFigure(f.candidate, f.unit),
    `${arrowOf(f)} ${formatChange(f)}`,
    `allowed ${f.allowance}`,
    `noise: ${formatNoise(f)}`,
  ]);
  const lines = [
    `${side(report.candidate)} against ${side(report.baseline)}, scenario ${report.scenario}`,
    ...alignColumns(rows).map((line) => `  ${line}`),
  ];
  if (report.budgets.length > 0) {
    lines.push(`budgets (${report.budgetsFrom}), on every candidate run:`);
    lines.push(
      ...alignColumns(
        report.budgets.map((b) => [b.passed ? 'ok' : 'FAIL', b.metric, b.expression, formatBudgetValues(b)]),
      ).map((line) => `  ${line}`),
    );
  }
  lines.push(...report.notes.map((note) => `note: ${note}`));
  lines.push(report.method);
  lines.push(`${report.verdict.status === 'pass' ? 'PASS' : 'FAIL'}: ${report.verdict.headline}`);
  return `${lines.join('\n')}\n`;
}

function side(set: RunSetSummary): string {
  const where = set.files.length === 1 ? set.files[0] : `${set.files[0]} ...`;
  return `${set.label} (${set.runs} run${set.runs === 1 ? '' : 's'}: ${where})`;
}

/** Pads every column but the last to its widest cell. */
function alignColumns(rows: readonly string[][]): string[] {
  const widths = rows[0]?.map((_, i) => Math.max(...rows.map((r) => [...(r[i] ?? '')].length))) ?? [];
  return rows.map((row) =>
    row.map((cell, i) => (i === row.length - 1 ? cell : cell + ' '.repeat(widths[i]! - [...cell].length))).join('  '),
  );
}
