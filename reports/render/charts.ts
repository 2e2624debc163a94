import { budgetName } from '../analysis/knee.ts';
import type { HistogramBucket, Point, SeriesSummary } from '../analysis/types.ts';
import { uslThroughput } from '../analysis/usl.ts';
import type { ReportDocument, RunReport } from './document.ts';
import { minMaxDownsample, roundSignificant, type XY } from './downsample.ts';

/**
 * What to draw, as data: the HTML page embeds these specs as JSON and a small script turns each into a
 * chart.js chart. Keeping the choice of charts here (pure, testable) and the drawing in the browser
 * means the page needs no template logic.
 */
export interface ChartSpec {
  id: string;
  title: string;
  /** One sentence under the chart: what to look for. */
  caption: string;
  kind: 'line' | 'bar';
  xLabel: string;
  yLabel: string;
  /** Bar charts: category labels. */
  labels?: string[];
  datasets: ChartDataset[];
  /** Names for integer y values (the breaker: 0 closed, 1 half-open, 2 open). */
  yTickLabels?: string[];
  /** Draw from zero (counts, rates) rather than from the data's minimum. */
  beginAtZero: boolean;
  /** Time charts: the faults the run injected, shaded over the time axis (simulated s since the load started). */
  bands?: FaultBand[];
}

/** A fault drawn as a band over a time chart; an instant fault is a thin band. */
export interface FaultBand {
  fromS: number;
  toS: number;
  label: string;
}

export interface ChartDataset {
  label: string;
  /** Line charts: `[x, y]` points, x in simulated seconds. */
  points?: XY[];
  /** Bar charts: one value per label. */
  values?: number[];
  stepped?: boolean;
  /** A reference line (a limit), drawn dashed. */
  reference?: boolean;
  /** Measured points drawn as dots without a line (next to a fitted curve). */
  scatter?: boolean;
  /** Palette slot; on comparison pages one colour per variant across every chart. */
  colorIndex?: number;
}

export interface ChartOptions {
  /** Points kept per series after downsampling. Default 500. */
  maxPointsPerSeries?: number;
}

export const CHART_DEFAULTS = { maxPointsPerSeries: 500 } as const;

/**
 * The charts for a report: one run's charts, or the same charts with one line per variant.
 * Charts without data are left out (a blank chart reads as "zero", which would be wrong).
 *
 * @example
 * chartSpecs(buildReport([result])).map((c) => c.title)
 */
export function chartSpecs(doc: ReportDocument, options: ChartOptions = {}): ChartSpec[] {
  const maxPoints = options.maxPointsPerSeries ?? CHART_DEFAULTS.maxPointsPerSeries;
  const line = (points: readonly Point[]): XY[] =>
    minMaxDownsample(points, maxPoints).map(([tMs, v]) => [roundSignificant(tMs / 1000, 6), roundSignificant(v)]);
  const runs = doc.runs;
  const overlay = runs.length > 1;
  const name = (run: RunReport, what: string) => (overlay ? `${run.label} ${what}` : what);
  const specs: ChartSpec[] = [];
  const bands = faultBands(runs, overlay);
  const add = (spec: Omit<ChartSpec, 'id'>) => {
    const hasData = spec.datasets.some((d) => (d.points?.length ?? 0) > 0 || (d.values?.some((v) => v !== 0) ?? false));
    if (!hasData) return;
    const datasets = spec.datasets
      .filter((d) => (d.points?.length ?? 0) > 0 || d.values !== undefined)
      .map((d, i) => ({ ...d, colorIndex: overlay ? variantIndex(runs, d.label) : i }));
    const timeAxis = spec.kind === 'line' && spec.xLabel === 'simulated s' && bands.length > 0;
    specs.push({ ...spec, datasets, id: `chart-${specs.length + 1}`, ...(timeAxis ? { bands } : {}) });
  };
  const timeLine = (title: string, caption: string, yLabel: string, datasets: ChartDataset[], beginAtZero = true) =>
    add({ title, caption, kind: 'line', xLabel: 'simulated s', yLabel, datasets, beginAtZero });

  timeLine(
    'Reply latency percentiles over time',
    'Intended send time to the last reply (coordinated-omission safe); a rising p99 is the first sign of saturation.',
    'ms',
    runs.flatMap((run) => {
      const t = run.analysis.latency.overTime;
      const pick = overlay
        ? ([['p95', t.p95]] as const)
        : ([
            ['p50', t.p50],
            ['p95', t.p95],
            ['p99', t.p99],
          ] as const);
      return pick.map(([p, points]) => ({ label: name(run, p), points: line(points) }));
    }),
  );
  timeLine(
    'Throughput',
    'Replies per simulated second; where it stops following the load, the system is saturated.',
    'replies/s',
    runs.map((run) => ({ label: name(run, 'replies/s'), points: line(run.analysis.throughput.overTime) })),
  );
  timeLine(
    'Concurrency',
    'Active virtual users (the offered load).',
    'VUs',
    runs.map((run) => ({ label: name(run, 'VUs'), points: line(run.analysis.concurrency.vusOverTime) })),
  );
  const errorSeries = runs.flatMap((run) =>
    run.facts.extraSeries.map((s) => ({ label: name(run, `${s.name} (${s.source})`), points: line(s.points) })),
  );
  if (errorSeries.length > 0) {
    timeLine('Error and 429 rates', 'Error series the run recorded.', 'per s', errorSeries);
  }
  // Every kind any run recorded, in first-seen order, so variants line up bar by bar.
  const errorKinds = [...new Set(runs.flatMap((run) => errorCounts(run).map(([label]) => label)))];
  add({
    title: 'Errors and 429s (whole run)',
    caption: 'Counts over the run: upstream rejections, retries, lost and fallback replies.',
    kind: 'bar',
    xLabel: '',
    yLabel: 'count',
    labels: errorKinds,
    datasets: runs.map((run) => {
      const counts = new Map(errorCounts(run));
      return { label: run.label, values: errorKinds.map((label) => counts.get(label) ?? 0) };
    }),
    beginAtZero: true,
  });
  timeLine(
    'Database connections vs max_connections',
    'Server connections (pg_stat_activity); at max_connections new ones fail with SQLSTATE 53300.',
    'connections',
    runs.flatMap((run) => [
      ...run.analysis.database.connections.map((s) => ({ label: name(run, s.source), points: line(s.points) })),
      ...limitLine(
        run,
        name(run, 'max_connections'),
        run.analysis.database.maxConnections,
        run.analysis.database.connections,
      ),
    ]),
  );
  timeLine(
    'DB pool wait',
    'Queries waiting for a pooled connection (pg Pool waitingCount); above zero, the pool is the bottleneck.',
    'waiting',
    runs.flatMap((run) => perSource(run, run.analysis.database.poolWaiting, line, name)),
  );
  add({
    title: 'Circuit breaker state',
    caption: 'Per upstream breaker: closed (calls flow), half-open (one trial call), open (fallback replies).',
    kind: 'line',
    xLabel: 'simulated s',
    yLabel: 'state',
    yTickLabels: ['closed', 'half-open', 'open'],
    datasets: runs.flatMap((run) => breakerDatasets(run, name)),
    beginAtZero: true,
  });
  timeLine(
    'Claude bulkhead',
    'Calls holding a slot (active) and waiting for one (queue); a growing queue means the limit is too low.',
    'calls',
    runs.flatMap((run) => [
      ...perSource(run, run.analysis.bulkhead.queue, line, (r, s) => name(r, `queue ${s}`)),
      ...(overlay ? [] : perSource(run, run.analysis.bulkhead.active, line, (r, s) => name(r, `active ${s}`))),
    ]),
  );
  timeLine(
    'CPU',
    'Process CPU, 100 = one core.',
    '%',
    runs.flatMap((run) => perSource(run, run.analysis.processes.cpuPercent, line, name)),
  );
  timeLine(
    'Event-loop lag',
    'Event-loop delay p99 per process; above ~100 ms the process itself is the bottleneck.',
    'ms',
    runs.flatMap((run) => perSource(run, run.analysis.processes.eventLoopLagMs, line, name)),
  );
  const buckets = widestBuckets(runs);
  add({
    title: 'Digest lateness',
    caption: 'Delivered minus scheduled time of each digest.',
    kind: 'bar',
    xLabel: 'lateness',
    yLabel: 'digests',
    labels: buckets.map((b) => (b.toMs === null ? `>= ${secondsLabel(b.fromMs)}` : `< ${secondsLabel(b.toMs)}`)),
    datasets: runs.map((run) => ({
      label: run.label,
      values: rebin(run.analysis.correctness.digests.latenessBuckets, buckets),
    })),
    beginAtZero: true,
  });
  if (!overlay) kneeCharts(runs[0]!).forEach(add);
  costCharts(doc).forEach(add);
  return specs;
}

/**
 * Every run's injected faults as bands (labelled with the run on a comparison).
 *
 * @example
 * faultBands([run], false) // [{ fromS: 60, toS: 60, label: 'bot-2 instance-killed (SIGKILL)' }]
 */
export function faultBands(runs: readonly RunReport[], overlay: boolean): FaultBand[] {
  return runs.flatMap((run) =>
    run.facts.faults.map((f) => ({
      fromS: roundSignificant(f.fromMs / 1000, 6),
      toS: roundSignificant(f.toMs / 1000, 6),
      label: `${overlay ? `${run.label}: ` : ''}${f.target} ${f.kind} (${f.detail})`,
    })),
  );
}

/** The run a dataset belongs to, by the longest run label its label starts with. */
function variantIndex(runs: readonly RunReport[], label: string): number {
  let best = 0;
  let bestLength = -1;
  runs.forEach((run, i) => {
    if ((label === run.label || label.startsWith(`${run.label} `)) && run.label.length > bestLength) {
      best = i;
      bestLength = run.label.length;
    }
  });
  return best;
}

function kneeCharts(run: RunReport): Omit<ChartSpec, 'id'>[] {
  const specs: Omit<ChartSpec, 'id'>[] = [];
  const knee = run.knee;
  if (knee && knee.levels.length > 0) {
    const points = (steady: boolean) =>
      knee.levels
        .filter((l) => l.latencyMs !== null && (l.status !== 'not-steady') === steady)
        .map((l): XY => [l.load, roundSignificant(l.latencyMs!)]);
    const unsettled = points(false);
    const loads = knee.levels.map((l) => l.load);
    specs.push({
      title: `${budgetName(knee.budget).replace(/ <=.*/, '')} vs load (knee)`,
      caption:
        `Each load level's p${knee.budget.percentile} against the budget, ${budgetName(knee.budget)}; the knee is the last level within it.` +
        (unsettled.length > 0 ? ' Levels that never settled are drawn apart and judged neither held nor broken.' : ''),
      kind: 'line',
      xLabel: knee.loadUnit,
      yLabel: 'ms',
      datasets: [
        { label: `p${knee.budget.percentile}`, points: points(true) },
        ...(unsettled.length > 0 ? [{ label: 'not steady (not judged)', points: unsettled }] : []),
        {
          label: 'budget',
          points: [
            [Math.min(...loads), knee.budget.maxMs],
            [Math.max(...loads), knee.budget.maxMs],
          ],
          reference: true,
        },
      ],
      beginAtZero: true,
    });
  }
  const usl = run.usl;
  if (usl && usl.points.length > 0) {
    const maxN = Math.max(...usl.points.map((p) => p.concurrency), usl.nMax ?? 0) * 1.2;
    const curve: XY[] = Array.from({ length: 60 }, (_, i) => {
      const n = 1 + ((maxN - 1) * i) / 59;
      return [roundSignificant(n), roundSignificant(uslThroughput(n, usl.sigma, usl.kappa, usl.lambda))];
    });
    specs.push({
      title: 'Universal Scalability Law fit',
      caption: `Throughput vs concurrency: measured levels and the fitted curve (sigma ${roundSignificant(usl.sigma, 3)}, kappa ${roundSignificant(usl.kappa, 3)}, R² ${roundSignificant(usl.rSquared, 3)}).`,
      kind: 'line',
      xLabel: 'concurrency',
      yLabel: 'replies/s',
      datasets: [
        {
          label: 'measured',
          points: usl.points.map((p): XY => [p.concurrency, roundSignificant(p.throughput)]),
          scatter: true,
        },
        { label: 'USL fit', points: curve },
      ],
      beginAtZero: true,
    });
  }
  return specs;
}

function errorCounts(run: RunReport): [string, number][] {
  const e = run.analysis.errors;
  const c = run.analysis.correctness;
  return [
    ['Claude 429', e.claude429],
    ['Claude 529', e.claude529],
    ['Claude retries', e.claudeRetries],
    ['Telegram 429', e.telegram429],
    ['Postgres 53300', e.connectionErrors53300],
    ['lost updates', c.lostUpdates],
    ['fallback replies', c.fallbackReplies],
    ...Object.entries(e.byKind).map(([kind, count]): [string, number] => [`error: ${kind}`, count]),
  ];
}

function perSource(
  run: RunReport,
  summaries: readonly SeriesSummary[],
  line: (points: readonly Point[]) => XY[],
  name: (run: RunReport, what: string) => string,
): ChartDataset[] {
  return summaries.map((s) => ({ label: name(run, s.source), points: line(s.points) }));
}

function limitLine(run: RunReport, label: string, limit: number, series: readonly SeriesSummary[]): ChartDataset[] {
  if (series.length === 0 || limit <= 0) return [];
  const endS = run.analysis.durationSimulatedS;
  return [
    {
      label,
      points: [
        [0, limit],
        [endS, limit],
      ],
      reference: true,
    },
  ];
}

function breakerDatasets(run: RunReport, name: (run: RunReport, what: string) => string): ChartDataset[] {
  const level = { closed: 0, 'half-open': 1, open: 2 } as const;
  const bySource = new Map<string, XY[]>();
  for (const period of run.analysis.breaker) {
    const points = bySource.get(period.source) ?? [];
    points.push([period.startMs / 1000, level[period.state]], [period.endMs / 1000, level[period.state]]);
    bySource.set(period.source, points);
  }
  return [...bySource].map(([source, points]) => ({ label: name(run, source), points, stepped: true }));
}

function costCharts(doc: ReportDocument): Omit<ChartSpec, 'id'>[] {
  const costed = doc.runs.filter((run) => run.cost !== null);
  if (costed.length === 0) return [];
  const first = costed[0]!.cost!;
  const routes = [...new Set(costed.flatMap((run) => run.cost!.byRoute.map((r) => r.route)))];
  const labels = [...routes.map((r) => `Claude: ${r}`), 'infrastructure'];
  const steps = first.mitigations.steps;
  return [
    {
      title: `Monthly cost at ${first.dau.toLocaleString('en-US')} DAU`,
      caption: 'Claude cost per route and the infrastructure estimate, USD per month.',
      kind: 'bar',
      xLabel: '',
      yLabel: 'USD/month',
      labels,
      datasets: costed.map((run) => ({
        label: run.label,
        values: [
          ...routes.map((route) => roundSignificant(run.cost!.byRoute.find((r) => r.route === route)?.monthUsd ?? 0)),
          roundSignificant(run.cost!.perMonth.infrastructureUsd),
        ],
      })),
      beginAtZero: true,
    },
    {
      title: 'What the cost controls save',
      caption: 'No-mitigation baseline, the saving of each control (in the order applied), and the actual cost.',
      kind: 'bar',
      xLabel: '',
      yLabel: 'USD/month',
      labels: ['baseline', ...steps.map((s) => s.label.replace(/ \(.*\)$/, '')), 'actual'],
      datasets: costed.map((run) => ({
        label: run.label,
        values: [
          run.cost!.mitigations.baselineMonthUsd,
          ...run.cost!.mitigations.steps.map((s) => s.savedMonthUsd),
          run.cost!.mitigations.actualMonthUsd,
        ].map((v) => roundSignificant(v)),
      })),
      beginAtZero: true,
    },
  ];
}

/** The bucket edges of the run with the latest digests, so every run's digests fit on one axis. */
function widestBuckets(runs: readonly RunReport[]): HistogramBucket[] {
  const lastFrom = (run: RunReport) => run.analysis.correctness.digests.latenessBuckets.at(-1)?.fromMs ?? -1;
  const widest = runs.reduce((a, b) => (lastFrom(b) > lastFrom(a) ? b : a));
  return widest.analysis.correctness.digests.latenessBuckets;
}

/** Counts of `buckets` moved onto `edges`: each bucket lands where its lower edge falls. */
function rebin(buckets: readonly HistogramBucket[], edges: readonly HistogramBucket[]): number[] {
  const counts = edges.map(() => 0);
  for (const bucket of buckets) {
    const index = edges.findIndex((e) => bucket.fromMs >= e.fromMs && (e.toMs === null || bucket.fromMs < e.toMs));
    if (index >= 0) counts[index]! += bucket.count;
    else if (counts.length > 0) counts[counts.length - 1]! += bucket.count;
  }
  return counts;
}

/** Bucket edges read best in one unit: ms below a second, seconds up to ~17 min, then minutes. */
function secondsLabel(ms: number): string {
  if (ms < 1_000) return `${ms} ms`;
  if (ms < 1_000_000) return `${roundSignificant(ms / 1000, 3)} s`;
  return `${roundSignificant(ms / 60_000, 3)} min`;
}
