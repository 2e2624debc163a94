import type { LatencySummary } from '../analysis/types.ts';
import type { CostReport } from '../cost/types.ts';
import { fidelityLine } from '../fidelity.ts';
import { type ReportDocument, type RunReport, runFloodWaitNote } from './document.ts';
import { escapeHtml as e } from './escape.ts';
import { formatMs, formatNumber, formatShare, formatTokens, formatUsd } from './format.ts';

/**
 * The HTML report's sections, as strings. Every value from a RunResult goes through `e()` (escapeHtml);
 * numbers are formatted first and escaped too, because formatting can carry a label.
 */

/**
 * A table; `numeric` columns are right-aligned. Cells are already-escaped HTML; headers are escaped here.
 *
 * @example
 * table(['run', 'p95'], [[e('smoke'), e('850 ms')]], [1])
 */
export function table(
  headers: readonly string[],
  rows: readonly (readonly string[])[],
  numeric: readonly number[] = [],
): string {
  const align = (i: number) => (numeric.includes(i) ? ' class="num"' : '');
  const head = headers.map((h, i) => `<th scope="col"${align(i)}>${e(h)}</th>`).join('');
  const body = rows.map((row) => `<tr>${row.map((cell, i) => `<td${align(i)}>${cell}</td>`).join('')}</tr>`).join('\n');
  return `<div class="table-wrap"><table><thead><tr>${head}</tr></thead><tbody>\n${body}\n</tbody></table></div>`;
}

/**
 * The verdict box at the top of the page.
 *
 * @example
 * verdictSection(doc) // '<section class="verdict pass" ...'
 */
export function verdictSection(doc: ReportDocument): string {
  const v = doc.verdict;
  const label = v.status === 'pass' ? 'PASS' : v.status === 'fail' ? 'FAIL' : 'INFO';
  const sentences = v.sentences.length > 0 ? `<ul>${v.sentences.map((s) => `<li>${e(s)}</li>`).join('')}</ul>` : '';
  return `<section class="verdict ${v.status}" id="verdict" aria-label="verdict">
<p class="headline"><span class="badge">${label}</span> ${e(v.headline)}</p>${sentences}</section>`;
}

/**
 * The fidelity verdict of each run, above everything: whether the figures below are the bot's or the lab's.
 *
 * @example
 * fidelitySection(doc) // '<p class="fidelity ok" id="fidelity">fidelity ok: the lab added ~31 ms ...</p>'
 */
export function fidelitySection(doc: ReportDocument): string {
  return doc.runs
    .map((run, i) => {
      const status = run.facts.fidelity?.status ?? 'unknown';
      const prefix = doc.runs.length > 1 ? `${run.label}: ` : '';
      const id = i === 0 ? ' id="fidelity"' : '';
      const note = runFloodWaitNote(run.facts);
      const caveat = note === undefined ? '' : `\n<p class="fidelity caveat">${e(prefix + note)}</p>`;
      return `<p class="fidelity ${status}"${id}>${e(prefix + fidelityLine(run.facts.fidelity ?? undefined))}</p>${caveat}`;
    })
    .join('\n');
}

/** The figures a reader wants first, as cards. */
/**
 * The figures a reader wants first (p95, p99, throughput, lost updates, DB connections, monthly Claude cost), as cards.
 *
 * @example
 * keyFigures(doc.runs[0]!)
 */
export function keyFigures(run: RunReport): string {
  const a = run.analysis;
  const cards: [string, string][] = [
    ['p95 reply latency', formatMs(a.latency.replyFinal.p95Ms)],
    ['p99 reply latency', formatMs(a.latency.replyFinal.p99Ms)],
    ['throughput', `${formatNumber(a.throughput.repliesPerS)} replies/s`],
    ['peak VUs', formatNumber(a.concurrency.peakVus)],
    ['lost updates', formatNumber(a.correctness.lostUpdates)],
    ['DB connections', `${a.database.maxConnectionsSeen} / ${a.database.maxConnections}`],
  ];
  if (run.cost)
    cards.push([`Claude / month at ${formatNumber(run.cost.dau)} DAU`, formatUsd(run.cost.perMonth.llmUsd)]);
  return `<div class="cards">${cards
    .map(
      ([label, value]) =>
        `<div class="card"><div class="label">${e(label)}</div><div class="value">${e(value)}</div></div>`,
    )
    .join('')}</div>`;
}

/**
 * One row per threshold and run, pass or FAIL with the measured value.
 *
 * @example
 * thresholdsTable(doc.runs)
 */
export function thresholdsTable(runs: readonly RunReport[]): string {
  const rows = runs.flatMap((run) =>
    run.thresholds.map((t) => [
      ...(runs.length > 1 ? [e(run.label)] : []),
      e(t.metric),
      `<code>${e(t.expression)}</code>`,
      e(t.value === null ? 'no data' : formatNumber(t.value, 3)),
      t.passed ? '<span class="ok">pass</span>' : '<span class="bad">FAIL</span>',
    ]),
  );
  if (rows.length === 0) return '<p class="muted">No thresholds were set.</p>';
  const headers = [...(runs.length > 1 ? ['run'] : []), 'metric', 'threshold', 'measured', 'result'];
  return table(headers, rows, [headers.length - 2]);
}

/**
 * Reply latency percentiles per run: final reply, first output, and per action.
 *
 * @example
 * latencyTable(doc.runs)
 */
export function latencyTable(runs: readonly RunReport[]): string {
  const rows: string[][] = [];
  const row = (label: string, what: string, s: LatencySummary) => [
    e(label),
    e(what),
    e(formatNumber(s.count)),
    ...[s.p50Ms, s.p90Ms, s.p95Ms, s.p99Ms, s.maxMs].map((v) => e(formatMs(v))),
  ];
  for (const run of runs) {
    const l = run.analysis.latency;
    rows.push(row(run.label, 'reply (final)', l.replyFinal), row(run.label, 'reply (first output)', l.replyFirst));
    for (const [action, s] of Object.entries(l.byAction)) rows.push(row(run.label, action, s));
  }
  return table(['run', 'what', 'count', 'p50', 'p90', 'p95', 'p99', 'max'], rows, [2, 3, 4, 5, 6, 7]);
}

/**
 * Lost, duplicated, out-of-order and fallback replies, and digest delivery, per run.
 *
 * @example
 * correctnessTable(doc.runs)
 */
export function correctnessTable(runs: readonly RunReport[]): string {
  const rows = runs.map((run) => {
    const c = run.analysis.correctness;
    return [
      e(run.label),
      ...[
        run.analysis.load.updatesInjected,
        c.lostUpdates,
        c.duplicateReplies,
        c.outOfOrderReplies,
        c.fallbackReplies,
        c.digests.delivered,
        c.digests.missing,
        c.digests.duplicated,
      ].map((v) => e(formatNumber(v))),
      e(formatMs(c.digests.lateness.p95Ms)),
    ];
  });
  const headers = [
    'run',
    'updates',
    'lost',
    'duplicate',
    'out of order',
    'fallback',
    'digests',
    'missing',
    'dup. digests',
    'lateness p95',
  ];
  return table(headers, rows, [1, 2, 3, 4, 5, 6, 7, 8, 9]);
}

/**
 * The knee, USL fit, Erlang C sizing and projection of one run, in the analysis' own sentences.
 *
 * @example
 * capacitySentences(doc.runs[0]!) // '<h3>Knee and bottleneck</h3><ul>...'
 */
export function capacitySentences(run: RunReport): string {
  const parts: string[] = [];
  const list = (title: string, sentences: readonly string[]) =>
    sentences.length > 0 ? `<h3>${e(title)}</h3><ul>${sentences.map((s) => `<li>${e(s)}</li>`).join('')}</ul>` : '';
  if (run.knee)
    parts.push(list('Knee and bottleneck', [...run.knee.sentences, ...run.knee.rules.map((r) => `Rule: ${r}`)]));
  if (run.usl) parts.push(list('Universal Scalability Law fit', run.usl.sentences));
  if (run.sizing) parts.push(list('Concurrency limit sizing (Erlang C)', run.sizing.sentences));
  if (run.projection) {
    parts.push(list('Projection', run.projection.sentences));
    parts.push(
      table(
        ['assumption', 'value', 'source', 'note'],
        run.projection.assumptions.map((a) => [
          e(a.name),
          e(`${formatNumber(a.value, 2)} ${a.unit}`),
          e(a.source),
          e(a.note),
        ]),
        [1],
      ),
    );
  }
  if (run.notes.length > 0) parts.push(list('Not analysed', run.notes));
  return parts.join('\n');
}

/**
 * The cost section: monthly totals, routes, mitigations, models, infrastructure, assumptions, warnings.
 *
 * @example
 * costSection(doc.runs[0]!.cost!)
 */
export function costSection(cost: CostReport): string {
  const warnings =
    cost.warnings.length > 0
      ? `<div class="warn" role="alert"><strong>Pricing warnings</strong><ul>${cost.warnings.map((w) => `<li>${e(w)}</li>`).join('')}</ul></div>`
      : '';
  const totals = table(
    ['', 'per user per day', `per month at ${formatNumber(cost.dau)} DAU`, 'share'],
    [
      [
        e('Claude'),
        e(formatUsd(cost.perUserDay.usd)),
        e(formatUsd(cost.perMonth.llmUsd)),
        e(formatShare(cost.perMonth.llmShare)),
      ],
      [
        e('Infrastructure (estimate)'),
        '',
        e(formatUsd(cost.perMonth.infrastructureUsd)),
        e(formatShare(1 - cost.perMonth.llmShare)),
      ],
      ['<strong>Total</strong>', '', `<strong>${e(formatUsd(cost.perMonth.totalUsd))}</strong>`, ''],
      [e('Claude per 1,000 updates'), '', e(formatUsd(cost.perThousandUpdatesUsd)), ''],
    ],
    [1, 2, 3],
  );
  const routes = table(
    ['route', 'calls', 'input', 'cache read', 'output', 'per user per day', 'per month', 'share'],
    cost.byRoute.map((r) => [
      e(r.route),
      e(formatNumber(r.usage.calls)),
      e(formatTokens(r.usage.inputTokens)),
      e(formatTokens(r.usage.cacheReadTokens)),
      e(formatTokens(r.usage.outputTokens)),
      e(formatUsd(r.perUserDayUsd)),
      e(formatUsd(r.monthUsd)),
      e(formatShare(r.share)),
    ]),
    [1, 2, 3, 4, 5, 6, 7],
  );
  const m = cost.mitigations;
  const mitigations = table(
    ['step', 'on in this run', 'saves per month', 'of baseline'],
    [
      [e(`Baseline: every call on ${m.baselineModel}, no caches, no batch`), '', e(formatUsd(m.baselineMonthUsd)), ''],
      ...m.steps.map((s) => [
        e(s.label),
        e(s.enabled === undefined ? 'unknown' : s.enabled ? 'yes' : 'no'),
        e(formatUsd(s.savedMonthUsd)),
        e(formatShare(s.savedShare)),
      ]),
      ['<strong>Actual</strong>', '', `<strong>${e(formatUsd(m.actualMonthUsd))}</strong>`, ''],
    ],
    [2, 3],
  );
  const models = table(
    ['model', 'status', 'calls', 'input', 'cache write', 'cache read', 'output', 'period cost', 'per month'],
    cost.byModel.map((l) => [
      `<code>${e(l.key)}</code>`,
      e(l.status),
      e(formatNumber(l.usage.calls)),
      e(formatTokens(l.usage.inputTokens)),
      e(formatTokens(l.usage.cacheWrite5mTokens + l.usage.cacheWrite1hTokens)),
      e(formatTokens(l.usage.cacheReadTokens)),
      e(formatTokens(l.usage.outputTokens)),
      e(formatUsd(l.usd.totalUsd)),
      e(formatUsd(l.monthUsd)),
    ]),
    [2, 3, 4, 5, 6, 7, 8],
  );
  const infra = table(
    ['line', 'quantity', 'per month', 'source'],
    cost.infrastructure.map((l) => [
      e(l.label),
      e(`${formatNumber(l.quantity, 2)} ${l.per}`),
      e(formatUsd(l.monthUsd)),
      e(`${l.estimate ? 'estimate: ' : ''}${l.source}`),
    ]),
    [1, 2],
  );
  const notes = [...cost.assumptions, m.method, `Prices: ${cost.pricing.source}, verified ${cost.pricing.verifiedOn}.`];
  return `${warnings}${totals}
<h3>By route <span class="muted">(calls and tokens over ${e(cost.periodLabel)})</span></h3>${routes}
<h3>What each cost control saves</h3>${mitigations}
<h3>By model <span class="muted">(calls and tokens over ${e(cost.periodLabel)})</span></h3>${models}
<h3>Infrastructure (estimates)</h3>${infra}
<h3>Method and assumptions</h3><ul class="notes">${notes.map((n) => `<li>${e(n)}</li>`).join('')}</ul>`;
}

/**
 * Where and how each run ran, with what it takes to reproduce it (seed, commit).
 *
 * @example
 * environmentTable(doc.runs)
 */
export function environmentTable(runs: readonly RunReport[]): string {
  const rows = runs.map((run) => {
    const f = run.facts;
    return [
      e(run.label),
      e(f.startedAt),
      e(
        `${formatNumber(run.analysis.durationSimulatedS)} s simulated (x${f.timeScale}), ${formatNumber(f.durationRealS)} s real`,
      ),
      e(`${f.bot.kind}, ${f.bot.instances} x ${f.bot.transport}`),
      e(
        `PostgreSQL ${f.postgres.version} (${f.postgres.runtime}), max_connections ${f.postgres.maxConnections}${f.pgbouncer ? `; PgBouncer ${f.pgbouncer}` : ''}`,
      ),
      e(f.machine),
      e(`seed ${f.seed}${f.gitCommit ? `, commit ${f.gitCommit}` : ''}`),
    ];
  });
  return table(['run', 'started', 'duration', 'bot', 'database', 'machine', 'reproduce'], rows);
}

/**
 * One row per variant: what each costs a month at the DAU, and what its cost controls saved.
 *
 * @example
 * costComparisonTable(doc.runs)
 */
export function costComparisonTable(runs: readonly RunReport[]): string {
  const costed = runs.filter((run) => run.cost !== null);
  if (costed.length === 0) return '';
  const stepLabels = costed[0]!.cost!.mitigations.steps.map((s) => s.label.replace(/ \(.*\)$/, ''));
  return table(
    [
      'variant',
      'Claude per 1,000 updates',
      'Claude per user per day',
      'Claude per month',
      'infrastructure',
      'total',
      'Claude share',
      ...stepLabels.map((l) => `saved: ${l}`),
    ],
    costed.map((run) => {
      const c = run.cost!;
      return [
        e(run.label),
        e(formatUsd(c.perThousandUpdatesUsd)),
        e(formatUsd(c.perUserDay.usd)),
        e(formatUsd(c.perMonth.llmUsd)),
        e(formatUsd(c.perMonth.infrastructureUsd)),
        e(formatUsd(c.perMonth.totalUsd)),
        e(formatShare(c.perMonth.llmShare)),
        ...c.mitigations.steps.map((s) => e(formatUsd(s.savedMonthUsd))),
      ];
    }),
    Array.from({ length: 6 + stepLabels.length }, (_, i) => i + 1),
  );
}
