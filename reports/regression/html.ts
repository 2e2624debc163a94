import type { ChartSpec } from '../render/charts.ts';
import { roundSignificant } from '../render/downsample.ts';
import { escapeHtml as e } from '../render/escape.ts';
import { chartGrid, type HtmlOptions, renderHtmlPage, section } from '../render/html.ts';
import { table } from '../render/html-sections.ts';
import { arrowOf, formatBudgetValues, formatChange, formatFigure, formatNoise, STATUS_WORDS } from './format.ts';
import { FAILING_STATUSES, type RegressionReport, type RunSetSummary } from './types.ts';

/**
 * The comparison as one self-contained page: the verdict, a table of the compared figures, each compared
 * distribution with the baseline's and the candidate's overlaid (the share of samples at or below each
 * value, so a shifted percentile reads as the horizontal gap between the curves at its height), the
 * budgets, and how it was judged. Drawn by the same chart script as every botcap report.
 *
 * @example
 * writeFileSync('report.html', renderRegressionHtml(report));
 */
export function renderRegressionHtml(report: RegressionReport, options: HtmlOptions = {}): string {
  const charts = overlayCharts(report);
  const pass = report.verdict.status === 'pass';
  const figureRows = report.figures.map((f) => {
    const failed = FAILING_STATUSES.includes(f.status);
    const mark = failed ? 'bad' : f.status === 'improved' ? 'ok' : '';
    return [
      `<span class="${mark}">${e(STATUS_WORDS[f.status])}</span>`,
      `<code>${e(f.label)}</code>`,
      e(formatFigure(f.baseline, f.unit)),
      e(formatFigure(f.candidate, f.unit)),
      `${arrowOf(f)} ${e(formatChange(f))}`,
      e(f.allowance),
      e(formatNoise(f)),
    ];
  });
  const sections = [
    `<section class="verdict ${pass ? 'pass' : 'fail'}" id="verdict" aria-label="verdict">
<p class="headline"><span class="badge">${pass ? 'PASS' : 'FAIL'}</span> ${e(report.verdict.headline)}</p></section>`,
    section(
      'figures',
      'Compared figures',
      `${table(['status', 'figure', 'baseline', 'candidate', 'change', 'allowed', 'larger than the noise?'], figureRows, [2, 3, 4, 5])}
<ul class="notes">${report.figures.map((f) => `<li><strong>${e(f.label)}</strong>: ${e(f.explanation)}</li>`).join('')}</ul>`,
    ),
    charts.length > 0
      ? section('distributions', 'Distributions, baseline and candidate overlaid', chartGrid(charts))
      : '',
    report.budgets.length > 0
      ? section(
          'budgets',
          `Budgets (${report.budgetsFrom ?? ''}), on every candidate run`,
          table(
            ['result', 'metric', 'threshold', 'measured'],
            report.budgets.map((b) => [
              `<span class="${b.passed ? 'ok' : 'bad'}">${b.passed ? 'pass' : 'fail'}</span>`,
              `<code>${e(b.metric)}</code>`,
              `<code>${e(b.expression)}</code>`,
              e(formatBudgetValues(b)),
            ]),
          ),
        )
      : '',
    section(
      'method',
      'How this was judged',
      `<p>${e(report.method)}</p>
${table(
  ['side', 'runs', 'seeds', 'commits', 'time scale', 'fidelity', 'files'],
  [report.baseline, report.candidate].map((set) => sideRow(set)),
  [1],
)}${report.notes.length > 0 ? `<ul class="notes">${report.notes.map((n) => `<li>${e(n)}</li>`).join('')}</ul>` : ''}`,
    ),
  ];
  return renderHtmlPage(
    {
      title: `Regression check: ${report.scenario}`,
      subtitle: `candidate (${report.candidate.runs} run${report.candidate.runs === 1 ? '' : 's'}) against baseline (${report.baseline.runs} run${report.baseline.runs === 1 ? '' : 's'}), ${Math.round(report.confidence * 100)}% confidence`,
      sections,
      charts,
      generatedBy: report.generatedBy,
      schemaVersion: report.schemaVersion,
    },
    options,
  );
}

function sideRow(set: RunSetSummary): string[] {
  return [
    e(set.label),
    String(set.runs),
    e(set.seeds.join(', ')),
    e(set.commits.map((c) => c.slice(0, 12)).join(', ') || '—'),
    e(set.timeScales.map((s) => `x${s}`).join(', ')),
    e(set.fidelity.join(', ')),
    e(set.files.join(', ')),
  ];
}

/** One chart per compared distribution: x the value, y the percent of samples at or below it, one line per side. */
function overlayCharts(report: RegressionReport): ChartSpec[] {
  return report.distributions
    .filter((d) => d.baseline.length > 0 || d.candidate.length > 0)
    .map((d, i) => {
      const marked = d.percentiles.length > 0 ? ` The dashed line marks p(${d.percentiles.join('), p(')}).` : '';
      const xMax = Math.max(...[...d.baseline, ...d.candidate].map(([x]) => x));
      return {
        id: `chart-${i + 1}`,
        title: `${d.metric}: baseline vs candidate`,
        caption: `Share of samples at or below each value, all runs of a side merged; a curve further right is slower.${marked}`,
        kind: 'line',
        xLabel: d.unit,
        yLabel: '% of samples at or below',
        beginAtZero: true,
        datasets: [
          { label: 'baseline', points: d.baseline.map(([x, y]) => [roundSignificant(x), y]), colorIndex: 0 },
          { label: 'candidate', points: d.candidate.map(([x, y]) => [roundSignificant(x), y]), colorIndex: 1 },
          ...d.percentiles.map((p) => ({
            label: `p(${p})`,
            points: [
              [0, p],
              [xMax, p],
            ] as [number, number][],
            reference: true,
          })),
        ],
      };
    });
}
