import type { ChartSpec } from '../reports/render/charts.ts';
import { escapeHtml as e, escapeMarkdownText, jsonForScript } from '../reports/render/escape.ts';
import { chartJsUmdSource, clientSource, inlineScript, REPORT_CSS } from '../reports/render/html.ts';
import { table } from '../reports/render/html-sections.ts';
import { mdTable } from '../reports/render/markdown.ts';
import type { HourPrediction } from './day-curve.ts';
import type { ServiceDemands } from './demands.ts';
import { describeConfiguration, type Plan } from './plan.ts';

/** What `botcap plan` renders: one plan per target DAU, the demands it used and the chosen day's curve. */
export interface PlanReport {
  schemaVersion: 1;
  generatedBy: string;
  demands: { source: string; sentences: string[] };
  plans: Array<{ plan: Plan; day: HourPrediction[] | null }>;
  /** What the model leaves out, printed with every plan. */
  limits: string[];
}

export const MODEL_LIMITS = [
  'MVA and operational analysis give means and the first resource to saturate; percentiles, bursts and rate limits come from the discrete-event simulation (model/simulate.ts).',
  "Left out: per-chat ordering of webhook deliveries, Telegram's redelivery after a handler timeout, GC pauses, network latency to Telegram and Anthropic beyond the API's own latency profile.",
  'Infrastructure prices are an unverified secondary source (reports/data/infrastructure.json); Claude prices come from reports/data/pricing.json.',
];

const usd = (x: number) => `$${Math.round(x).toLocaleString('en-US')}`;
const ms = (x: number | null) =>
  x === null ? '—' : x === Number.POSITIVE_INFINITY ? 'lost' : `${Math.round(x).toLocaleString('en-US')} ms`;

function stepRows(plan: Plan): string[][] {
  return [plan.current, ...plan.steps].map((s, i) => [
    i === 0 ? 'current' : String(i),
    s.change,
    describeConfiguration(s.configuration),
    s.evaluation.holds ? 'holds' : 'fails',
    s.evaluation.bottleneck
      ? `${s.evaluation.bottleneck.resource} (${Math.round(Math.min(9.99, s.evaluation.bottleneck.utilization) * 100)}%)`
      : '—',
    ms(s.evaluation.peakLatencyMs),
    ms(s.evaluation.digestLatenessP95Ms),
    usd(s.monthlyUsd),
  ]);
}

const STEP_HEADERS = [
  'step',
  'change',
  'configuration',
  'SLO',
  'first to saturate',
  'busiest-hour latency',
  'digest lateness p95',
  'per month',
];

/**
 * The plan as console text.
 *
 * @example
 * process.stdout.write(renderPlanText(report));
 */
export function renderPlanText(report: PlanReport): string {
  const lines = [`Capacity plan (${report.demands.source})`, ''];
  for (const { plan } of report.plans) {
    lines.push(
      `== ${plan.day.dailyActiveUsers.toLocaleString('en-US')} DAU ==`,
      ...plan.sentences.map((s) => `  ${s}`),
      '',
    );
    for (const row of stepRows(plan))
      lines.push(`  ${row[0]!.padEnd(8)} ${row[3]!.padEnd(6)} ${row[7]!.padStart(9)}  ${row[2]}  [${row[4]}]`);
    lines.push('');
  }
  lines.push(...report.limits.map((l) => `Note: ${l}`));
  return `${lines.join('\n')}\n`;
}

/**
 * The plan as Markdown (fits a pull request or an issue).
 *
 * @example
 * writeFileSync('plan.md', renderPlanMarkdown(report));
 */
export function renderPlanMarkdown(report: PlanReport): string {
  const lines = ['# Capacity plan', '', `Demands: ${escapeMarkdownText(report.demands.source)}.`, ''];
  lines.push(...report.demands.sentences.map((s) => `- ${escapeMarkdownText(s)}`), '');
  for (const { plan, day } of report.plans) {
    lines.push(
      `## ${plan.day.dailyActiveUsers.toLocaleString('en-US')} DAU`,
      '',
      ...plan.sentences.map((s) => `- ${escapeMarkdownText(s)}`),
      '',
    );
    lines.push(mdTable({ headers: STEP_HEADERS, rows: stepRows(plan), numeric: [7] }), '');
    if (day !== null) {
      lines.push(
        '### The predicted day (chosen configuration)',
        '',
        mdTable({
          headers: ['hour (UTC)', 'updates/s', 'p95 reply', 'digests due', 'digest lateness p95', 'busiest resource'],
          rows: day.map((h) => {
            const top = [...h.resources].sort((a, b) => b.utilization - a.utilization)[0];
            return [
              `${String(h.hour).padStart(2, '0')}:00`,
              h.updatesPerS.toFixed(2),
              ms(h.p95Ms),
              String(h.digestsDue),
              ms(h.digestLatenessP95Ms),
              top ? `${top.name} ${Math.round(top.utilization * 100)}%` : '—',
            ];
          }),
          numeric: [1, 2, 3, 4],
        }),
        '',
      );
    }
  }
  lines.push('## Limits', '', ...report.limits.map((l) => `- ${escapeMarkdownText(l)}`), '');
  return `${lines.join('\n')}\n`;
}

/** The charts of a predicted day: load, latency, utilisation and queue per resource. */
export function dayCharts(dau: number, day: readonly HourPrediction[], idPrefix: string): ChartSpec[] {
  const hours = day.map((h) => h.hour);
  const names = [...new Set(day.flatMap((h) => h.resources.map((r) => r.name)))];
  const line = (values: number[]) => values.map((v, i): [number, number] => [hours[i]!, Math.round(v * 1000) / 1000]);
  const label = `${dau.toLocaleString('en-US')} DAU`;
  return [
    {
      id: `${idPrefix}-load`,
      title: `Predicted load over the day (${label})`,
      caption: 'Interactive updates per second per UTC hour (the day model), and digests due in the simulated minutes.',
      kind: 'line',
      xLabel: 'hour (UTC)',
      yLabel: 'per s / count',
      datasets: [
        { label: 'updates/s', points: line(day.map((h) => h.updatesPerS)) },
        { label: 'digests due', points: line(day.map((h) => h.digestsDue)) },
      ],
      beginAtZero: true,
    },
    {
      id: `${idPrefix}-latency`,
      title: `Predicted reply latency over the day (${label})`,
      caption: 'p50 and p95 of the final reply per hour, and p95 digest lateness (simulation).',
      kind: 'line',
      xLabel: 'hour (UTC)',
      yLabel: 'ms',
      datasets: [
        { label: 'p50 reply', points: line(day.map((h) => h.p50Ms ?? 0)) },
        { label: 'p95 reply', points: line(day.map((h) => h.p95Ms ?? 0)) },
        { label: 'p95 digest lateness', points: line(day.map((h) => h.digestLatenessP95Ms ?? 0)) },
      ],
      beginAtZero: true,
    },
    {
      id: `${idPrefix}-utilization`,
      title: `Utilisation per resource (${label})`,
      caption: 'Mean busy servers / servers per hour; the first to reach 100% is the bottleneck.',
      kind: 'line',
      xLabel: 'hour (UTC)',
      yLabel: 'share',
      datasets: names.map((name) => ({
        label: name,
        points: line(day.map((h) => h.resources.find((r) => r.name === name)?.utilization ?? 0)),
      })),
      beginAtZero: true,
    },
    {
      id: `${idPrefix}-queue`,
      title: `Longest queue per resource (${label})`,
      caption: 'The longest queue each resource built in the simulated minutes of each hour.',
      kind: 'line',
      xLabel: 'hour (UTC)',
      yLabel: 'waiting',
      datasets: names.map((name) => ({
        label: name,
        points: line(day.map((h) => h.resources.find((r) => r.name === name)?.maxQueue ?? 0)),
      })),
      beginAtZero: true,
    },
  ];
}

/**
 * The plan as one self-contained HTML page with charts (chart.js inlined, as every botcap report).
 *
 * @example
 * writeFileSync('plan.html', renderPlanHtml(report));
 */
export function renderPlanHtml(report: PlanReport, options: { chartJsSource?: string } = {}): string {
  const charts = report.plans.flatMap(({ plan, day }, i) =>
    day === null ? [] : dayCharts(plan.day.dailyActiveUsers, day, `plan-${i + 1}`),
  );
  const sections = report.plans.map(({ plan, day }, i) => {
    const chartIds = day === null ? [] : dayCharts(plan.day.dailyActiveUsers, day, `plan-${i + 1}`);
    const verdict = plan.chosen !== null ? 'pass' : 'fail';
    return `<section id="plan-${i + 1}"><h2>${e(plan.day.dailyActiveUsers.toLocaleString('en-US'))} DAU</h2>
<div class="verdict ${verdict}"><p class="headline">${e(plan.sentences.at(-1) ?? '')}</p><ul>${plan.sentences
      .slice(0, -1)
      .map((s) => `<li>${e(s)}</li>`)
      .join('')}</ul></div>
${table(
  STEP_HEADERS,
  stepRows(plan).map((row) => row.map((c) => e(c))),
  [7],
)}
<div class="charts">${chartIds
      .map(
        (c) =>
          `<figure class="chart"><figcaption><strong>${e(c.title)}</strong><br><span class="muted">${e(c.caption)}</span></figcaption><div class="canvas-box"><canvas id="${e(c.id)}" role="img" aria-label="${e(c.title)}"></canvas></div></figure>`,
      )
      .join('\n')}</div></section>`;
  });
  return `<!doctype html>
<html lang="en">
<head>
<meta charset="utf-8">
<meta name="viewport" content="width=device-width, initial-scale=1">
<meta name="generator" content="botcap ${e(report.generatedBy)}">
<title>Capacity plan</title>
<style>${REPORT_CSS}</style>
</head>
<body>
<header><h1>Capacity plan</h1><p class="muted">${e(report.demands.source)}</p></header>
<main>
<section id="demands"><h2>Service demands</h2><ul class="notes">${report.demands.sentences.map((s) => `<li>${e(s)}</li>`).join('')}</ul></section>
${sections.join('\n')}
<section id="limits"><h2>Limits of the model</h2><ul class="notes">${report.limits.map((l) => `<li>${e(l)}</li>`).join('')}</ul></section>
</main>
<footer class="muted">botcap ${e(report.generatedBy)} - capacity plan v${report.schemaVersion}. Predictions of a queueing model calibrated by measurement; see docs/findings/model-validation.md for how well it predicts.</footer>
<script type="application/json" id="botcap-data">${jsonForScript({ charts })}</script>
<script>${inlineScript(options.chartJsSource ?? chartJsUmdSource())}</script>
<script>${inlineScript(clientSource())}</script>
</body>
</html>
`;
}

/** The demands' provenance in one phrase. */
export function demandsSource(demands: ServiceDemands, fromResult: boolean): string {
  return fromResult
    ? `service demands fitted on ${demands.runs.map((r) => r.label).join(', ') || 'no usable run'}`
    : 'the built-in reference demands of the reference bot (model/reference-demands.json)';
}
