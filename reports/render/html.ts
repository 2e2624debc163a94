import { readFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import { dirname, join } from 'node:path';
import type { Comparison } from '../analysis/types.ts';
import { type ChartOptions, type ChartSpec, chartSpecs } from './charts.ts';
import type { ReportDocument } from './document.ts';
import { escapeHtml as e, jsonForScript } from './escape.ts';
import { formatNumber } from './format.ts';
import {
  capacitySentences,
  correctnessTable,
  costComparisonTable,
  costSection,
  environmentTable,
  fidelitySection,
  keyFigures,
  latencyTable,
  table,
  thresholdsTable,
  verdictSection,
} from './html-sections.ts';

export interface HtmlOptions extends ChartOptions {
  /**
   * chart.js's UMD build, inlined so the file works offline. Default: read once from
   * `node_modules/chart.js/dist/chart.umd.min.js`. Tests may pass their own.
   */
  chartJsSource?: string;
}

let chartJs: string | undefined;
let clientJs: string | undefined;

/** chart.js 4's UMD bundle, without its source-map comment (the map is not shipped inside the report). */
export function chartJsUmdSource(): string {
  if (chartJs === undefined) {
    // chart.js's package exports do not list the UMD file, so find it next to the CommonJS entry.
    const entry = createRequire(import.meta.url).resolve('chart.js');
    const source = readFileSync(join(dirname(entry), 'chart.umd.min.js'), 'utf8');
    chartJs = source.replace(/\n\/\/# sourceMappingURL=.*$/m, '');
  }
  return chartJs;
}

/** The browser script that draws chart specs (also used by the capacity plan's page). */
export function clientSource(): string {
  clientJs ??= readFileSync(new URL('./assets/report-client.js', import.meta.url), 'utf8');
  return clientJs;
}

/** Inline scripts must not contain `</script` (it would end the element early). */
export function inlineScript(source: string): string {
  return source.replace(/<\/(script)/gi, '<\\/$1');
}

/**
 * One self-contained HTML file: the verdict at the top, key figures, thresholds, charts (chart.js,
 * inlined), tables, the cost breakdown and the environment. No network access, system fonts, readable
 * from a phone to a laptop. Chart data is embedded as JSON in `<script type="application/json">`.
 *
 * @example
 * writeFileSync('out/report.html', renderHtml(buildReport([result])));
 */
export function renderHtml(doc: ReportDocument, options: HtmlOptions = {}): string {
  const charts = chartSpecs(doc, options);
  const single = doc.runs.length === 1 ? doc.runs[0]! : undefined;
  const subtitle = doc.runs
    .map((run) => {
      const a = run.analysis;
      return `${a.scenario}${a.variant ? ` / ${a.variant}` : ''} - ${a.load.model}, ${formatNumber(a.durationSimulatedS)} s simulated, time scale x${run.facts.timeScale}, ${a.status}`;
    })
    .join(' | ');
  const sections = [
    fidelitySection(doc),
    verdictSection(doc),
    single ? keyFigures(single) : '',
    doc.comparison ? section('comparison', 'Comparison', comparisonSection(doc.comparison)) : '',
    section('thresholds', 'Thresholds', thresholdsTable(doc.runs)),
    section('charts', 'Charts', chartGrid(charts)),
    section('latency', 'Latency', latencyTable(doc.runs)),
    section('correctness', 'Correctness', correctnessTable(doc.runs)),
    ...doc.runs.map((run, i) => {
      const body = capacitySentences(run);
      return body ? section(`capacity-${i + 1}`, `Capacity: ${run.label}`, body) : '';
    }),
    single?.cost ? section('cost', 'Cost', costSection(single.cost)) : '',
    single ? '' : section('cost', 'Cost', costComparison(doc)),
    section('environment', 'Environment', environmentTable(doc.runs)),
  ];
  return renderHtmlPage(
    {
      title: doc.title,
      subtitle,
      sections,
      charts,
      generatedBy: doc.generatedBy,
      schemaVersion: doc.schemaVersion,
    },
    options,
  );
}

/** A report page's parts; the page around them (style, chart.js, the chart script) is the same for every report. */
export interface HtmlPage {
  title: string;
  /** One line under the title. */
  subtitle: string;
  /** HTML sections in order (see `section`); empty strings are skipped. */
  sections: readonly string[];
  /** Charts the page's `<canvas id>` elements are drawn from. */
  charts: readonly ChartSpec[];
  /** The botcap version, in the generator meta tag and the footer. */
  generatedBy: string;
  /** The schema version of the document the page renders, in the footer. */
  schemaVersion: number;
  /** Rules for this page only, after the shared stylesheet (the findings index lays out its memo). */
  css?: string;
}

/**
 * One self-contained report page: the style, the sections, the chart data as JSON, chart.js and the chart
 * script inlined. `renderHtml` and the regression report (reports/regression/html.ts) share it.
 *
 * @example
 * renderHtmlPage({ title: 'x', subtitle: '', sections: [section('a', 'A', '<p>a</p>')], charts: [], generatedBy: '0.1.0', schemaVersion: 1 })
 */
export function renderHtmlPage(doc: HtmlPage, options: HtmlOptions = {}): string {
  const { subtitle, sections, charts } = doc;
  return `<!doctype html>
<html lang="en">
<head>
<meta charset="utf-8">
<meta name="viewport" content="width=device-width, initial-scale=1">
<meta name="generator" content="botcap ${e(doc.generatedBy)}">
<title>${e(doc.title)}</title>
<style>${REPORT_CSS}${doc.css ?? ''}</style>
</head>
<body>
<header>
<h1>${e(doc.title)}</h1>
<p class="muted">${e(subtitle)}</p>
</header>
<main>
${sections.filter(Boolean).join('\n')}
</main>
<footer class="muted">botcap ${e(doc.generatedBy)} - report schema v${doc.schemaVersion}. Times are simulated; latencies are measured from each update's intended send time.</footer>
<script type="application/json" id="botcap-data">${jsonForScript({ charts })}</script>
<script>${inlineScript(options.chartJsSource ?? chartJsUmdSource())}</script>
<script>${inlineScript(clientSource())}</script>
</body>
</html>
`;
}

/** A titled `<section>` of a report page (exported for the regression report). */
export function section(id: string, title: string, body: string): string {
  return `<section id="${e(id)}"><h2>${e(title)}</h2>\n${body}\n</section>`;
}

/** The charts of a page as a grid of `<canvas>` elements the chart script draws into (exported for the regression report). */
export function chartGrid(charts: readonly ChartSpec[]): string {
  if (charts.length === 0) return '<p class="muted">The run recorded no time series to chart.</p>';
  return `<div class="charts">${charts
    .map(
      (
        c,
      ) => `<figure class="chart"><figcaption><strong>${e(c.title)}</strong><br><span class="muted">${e(c.caption)}</span></figcaption>
<div class="canvas-box"><canvas id="${e(c.id)}" role="img" aria-label="${e(c.title)}"></canvas></div></figure>`,
    )
    .join('\n')}</div>`;
}

function costComparison(doc: ReportDocument): string {
  const details = doc.runs
    .filter((run) => run.cost)
    .map((run) => `<details><summary>Cost details: ${e(run.label)}</summary>\n${costSection(run.cost!)}\n</details>`);
  return `${costComparisonTable(doc.runs)}\n${details.join('\n')}`;
}

function comparisonSection(c: Comparison): string {
  const headers = ['variant', ...c.columns.map((col) => (col.unit ? `${col.label} (${col.unit})` : col.label))];
  const rows = c.rows.map((row) => [
    row.variant === c.winner ? `<strong>${e(row.variant)}</strong>` : e(row.variant),
    ...c.columns.map((col) => {
      const text = e(formatNumber(row.values[col.key] ?? null, 2));
      return row.bestIn.includes(col.key) ? `<span class="best">${text}</span>` : text;
    }),
  ]);
  const numeric = c.columns.map((_, i) => i + 1);
  const notes = c.unranked === undefined ? c.rules : [c.unranked];
  const rules = notes.length > 0 ? `<ul class="notes">${notes.map((r) => `<li>${e(r)}</li>`).join('')}</ul>` : '';
  return `${table(headers, rows, numeric)}${rules}`;
}

/** The report pages' stylesheet (shared by the capacity plan's page). */
export const REPORT_CSS = `
:root{--fg:#111827;--muted:#4b5563;--bg:#fff;--panel:#f9fafb;--grid:#e5e7eb;--ok:#15803d;--bad:#b91c1c;--info:#1d4ed8}
*{box-sizing:border-box}
body{margin:0;font:15px/1.5 system-ui,-apple-system,"Segoe UI",Roboto,"Helvetica Neue",Arial,sans-serif;color:var(--fg);background:var(--bg)}
header,main,footer{max-width:1200px;margin:0 auto;padding:0 16px}
header{padding-top:16px}
h1{font-size:1.5rem;margin:.4em 0}
h2{font-size:1.2rem;margin:1.6em 0 .6em;border-bottom:1px solid var(--grid);padding-bottom:.2em}
h3{font-size:1rem;margin:1.2em 0 .4em}
.muted{color:var(--muted)}
code{font:13px ui-monospace,SFMono-Regular,Menlo,Consolas,monospace;overflow-wrap:anywhere}
.fidelity{margin:8px 0;padding:6px 12px;border-radius:4px;background:var(--panel)}.fidelity.ok{border-left:6px solid var(--ok)}.fidelity.distorted{border-left:6px solid var(--bad);font-weight:600}.fidelity.caveat{border-left:6px solid var(--info)}
.verdict{border-left:6px solid var(--info);background:var(--panel);padding:10px 14px;margin:12px 0;border-radius:4px}
.verdict.pass{border-color:var(--ok)}.verdict.fail{border-color:var(--bad)}
.verdict .headline{font-size:1.1rem;font-weight:600;margin:0}
.verdict ul{margin:.4em 0 0;padding-left:1.2em}
.badge{display:inline-block;color:#fff;background:var(--info);border-radius:3px;padding:0 6px;font-size:.85rem;margin-right:4px}
.pass .badge{background:var(--ok)}.fail .badge{background:var(--bad)}
.cards{display:grid;grid-template-columns:repeat(auto-fill,minmax(150px,1fr));gap:8px;margin:12px 0}
.card{background:var(--panel);border:1px solid var(--grid);border-radius:6px;padding:8px 10px}
.card .label{color:var(--muted);font-size:.8rem}.card .value{font-size:1.15rem;font-weight:600}
.charts{display:grid;grid-template-columns:repeat(auto-fit,minmax(min(100%,480px),1fr));gap:16px}
.chart{margin:0;border:1px solid var(--grid);border-radius:6px;padding:8px;min-width:0}
.chart figcaption{font-size:.85rem;margin-bottom:4px}
.canvas-box{position:relative;height:260px;width:100%}
.table-wrap{overflow-x:auto;-webkit-overflow-scrolling:touch}
table{border-collapse:collapse;width:100%;font-size:.9rem;margin:4px 0 8px}
th,td{border-bottom:1px solid var(--grid);padding:4px 8px;text-align:left;vertical-align:top}
th{background:var(--panel);white-space:nowrap}
td.num,th.num{text-align:right;font-variant-numeric:tabular-nums;white-space:nowrap}
.ok{color:var(--ok);font-weight:600}.bad{color:var(--bad);font-weight:600}.best{color:var(--ok);font-weight:600}
.warn{border:1px solid #f59e0b;background:#fffbeb;border-radius:6px;padding:8px 12px;margin:8px 0}
.notes{font-size:.85rem;color:var(--muted)}
details{margin:8px 0}summary{cursor:pointer;font-weight:600}
footer{font-size:.8rem;margin:32px auto 24px}
@media (max-width:600px){body{font-size:14px}.canvas-box{height:220px}h1{font-size:1.25rem}}
`;
