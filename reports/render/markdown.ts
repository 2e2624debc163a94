import type { CostReport } from '../cost/types.ts';
import { costNotes, costTables, type PlainTable } from './cost-tables.ts';
import { fidelityLines, type ReportDocument, type RunReport } from './document.ts';
import { escapeMarkdownCell, escapeMarkdownText } from './escape.ts';
import { formatMs, formatNumber, formatUsd } from './format.ts';

export interface MarkdownOptions {
  /**
   * Upper bound on the output, characters. Default 65 000: GitHub rejects a pull-request comment over
   * 65 536 characters, and `$GITHUB_STEP_SUMMARY` is capped at 1 MiB per step.
   */
  maxChars?: number;
}

export const MARKDOWN_DEFAULTS = { maxChars: 65_000 } as const;

/**
 * A summary for a pull-request comment or `$GITHUB_STEP_SUMMARY`: the verdict, key figures, thresholds,
 * the comparison and the cost, as tables. Sections that would pass `maxChars` are dropped, with a note.
 *
 * @example
 * appendFileSync(process.env.GITHUB_STEP_SUMMARY!, renderMarkdown(buildReport([result])));
 */
export function renderMarkdown(doc: ReportDocument, options: MarkdownOptions = {}): string {
  const maxChars = options.maxChars ?? MARKDOWN_DEFAULTS.maxChars;
  const icon = doc.verdict.status === 'pass' ? '✅' : doc.verdict.status === 'fail' ? '❌' : 'ℹ️';
  const head = [
    `## ${escapeMarkdownText(doc.title)}`,
    '',
    ...fidelityLines(doc).map((line) => `> ${escapeMarkdownText(line)}  `),
    '',
    `${icon} **${doc.verdict.status.toUpperCase()}**: ${escapeMarkdownText(doc.verdict.headline)}`,
    ...(doc.verdict.sentences.length > 0
      ? ['', ...doc.verdict.sentences.map((s) => `- ${escapeMarkdownText(s)}`)]
      : []),
    '',
  ].join('\n');
  const sections: string[] = [
    section('Key figures', keyFiguresTable(doc.runs)),
    ...(doc.comparison ? [section('Comparison', comparisonTable(doc))] : []),
    section('Thresholds', thresholdsTable(doc.runs)),
    section('Correctness', correctnessTable(doc.runs)),
    ...doc.runs.flatMap((run) =>
      run.cost ? [costMarkdown(run.cost, doc.runs.length > 1 ? `Cost: ${run.label}` : 'Cost', 3)] : [],
    ),
  ];
  const footer = `\n<sub>botcap ${escapeMarkdownText(doc.generatedBy)}, report schema v${doc.schemaVersion}. Times are simulated.</sub>\n`;
  return fitSections(head, sections, footer, maxChars);
}

/**
 * The cost report on its own (`botcap cost --markdown`).
 *
 * @example
 * renderCostMarkdown(computeCost(profileFromWhatIf(WHAT_IF_DEFAULTS)))
 */
export function renderCostMarkdown(cost: CostReport): string {
  return `${costMarkdown(cost, `Cost: ${cost.label}`, 2)}\n`;
}

function costMarkdown(cost: CostReport, title: string, level: number): string {
  const hashes = '#'.repeat(level);
  const warnings = cost.warnings.map((w) => `> ⚠️ ${escapeMarkdownText(w)}`);
  const tables = costTables(cost).map((t) => `**${escapeMarkdownText(t.title)}**\n\n${mdTable(t)}`);
  const notes = `<details><summary>Method and assumptions</summary>\n\n${costNotes(cost)
    .map((n) => `- ${escapeMarkdownText(n)}`)
    .join('\n')}\n\n</details>`;
  return [
    `${hashes} ${escapeMarkdownText(title)}`,
    ...(warnings.length ? [warnings.join('\n')] : []),
    ...tables,
    notes,
  ].join('\n\n');
}

/** A GitHub-flavoured Markdown table; every cell escaped. */
export function mdTable(t: Pick<PlainTable, 'headers' | 'rows' | 'numeric'>): string {
  const row = (cells: readonly string[]) => `| ${cells.map((c) => escapeMarkdownCell(c) || ' ').join(' | ')} |`;
  const rule = `| ${t.headers.map((_, i) => (t.numeric.includes(i) ? '---:' : '---')).join(' | ')} |`;
  return [row(t.headers), rule, ...t.rows.map(row)].join('\n');
}

function section(title: string, body: string): string {
  return `### ${title}\n\n${body}`;
}

function keyFiguresTable(runs: readonly RunReport[]): string {
  const rows = runs.map((run) => {
    const a = run.analysis;
    return [
      run.label,
      a.status,
      formatMs(a.latency.replyFinal.p50Ms),
      formatMs(a.latency.replyFinal.p95Ms),
      formatMs(a.latency.replyFinal.p99Ms),
      formatNumber(a.throughput.repliesPerS),
      formatNumber(a.concurrency.peakVus),
      `${a.database.maxConnectionsSeen} / ${a.database.maxConnections}`,
      formatNumber(a.errors.claude429 + a.errors.telegram429),
      run.cost ? formatUsd(run.cost.perThousandUpdatesUsd) : '—',
      run.cost ? formatUsd(run.cost.perMonth.llmUsd) : '—',
    ];
  });
  const dau = runs[0]?.cost ? ` at ${formatNumber(runs[0].cost.dau)} DAU` : '';
  return mdTable({
    headers: [
      'run',
      'status',
      'p50',
      'p95',
      'p99',
      'replies/s',
      'peak VUs',
      'DB conn.',
      '429s',
      'Claude/1K updates',
      `Claude/month${dau}`,
    ],
    rows,
    numeric: [2, 3, 4, 5, 6, 7, 8, 9, 10],
  });
}

function thresholdsTable(runs: readonly RunReport[]): string {
  const rows = runs.flatMap((run) =>
    run.thresholds.map((t) => [
      run.label,
      t.metric,
      t.expression,
      t.value === null ? 'no data' : formatNumber(t.value, 3),
      t.passed ? '✅ pass' : '❌ FAIL',
    ]),
  );
  if (rows.length === 0) return '_No thresholds were set._';
  return mdTable({ headers: ['run', 'metric', 'threshold', 'measured', 'result'], rows, numeric: [3] });
}

function correctnessTable(runs: readonly RunReport[]): string {
  return mdTable({
    headers: ['run', 'updates', 'lost', 'duplicate', 'fallback', 'digests', 'missing', 'dup. digests', 'lateness p95'],
    rows: runs.map((run) => {
      const c = run.analysis.correctness;
      return [
        run.label,
        ...[
          run.analysis.load.updatesInjected,
          c.lostUpdates,
          c.duplicateReplies,
          c.fallbackReplies,
          c.digests.delivered,
          c.digests.missing,
          c.digests.duplicated,
        ].map((v) => formatNumber(v)),
        formatMs(c.digests.lateness.p95Ms),
      ];
    }),
    numeric: [1, 2, 3, 4, 5, 6, 7, 8],
  });
}

function comparisonTable(doc: ReportDocument): string {
  const c = doc.comparison!;
  const table = mdTable({
    headers: ['variant', ...c.columns.map((col) => (col.unit ? `${col.label} (${col.unit})` : col.label))],
    rows: c.rows.map((row) => [
      row.variant === c.winner ? `${row.variant} (best)` : row.variant,
      ...c.columns.map((col) => {
        const text = formatNumber(row.values[col.key] ?? null, 2);
        return row.bestIn.includes(col.key) ? `${text} ★` : text;
      }),
    ]),
    numeric: c.columns.map((_, i) => i + 1),
  });
  const ranking =
    c.unranked !== undefined
      ? escapeMarkdownText(c.unranked)
      : c.winner
        ? `Winner: **${escapeMarkdownText(c.winner)}**.`
        : 'No winner.';
  return `${table}\n\n★ best in column. ${ranking}`;
}

/** Keeps whole sections, in order, while they fit; says which were left out. */
function fitSections(head: string, sections: readonly string[], footer: string, maxChars: number): string {
  const noteReserve = 400;
  let out = head;
  const dropped: string[] = [];
  for (const s of sections) {
    if (dropped.length === 0 && out.length + s.length + 2 + footer.length + noteReserve <= maxChars) {
      out += `\n${s}\n`;
    } else {
      dropped.push(s.split('\n', 1)[0]!.replace(/^#+ /, ''));
    }
  }
  if (dropped.length > 0) {
    const names = dropped.join(', ').slice(0, noteReserve - 150);
    out += `\n_Left out to stay under ${maxChars} characters: ${names}. See the HTML or JSON report._\n`;
  }
  return (out + footer).slice(0, maxChars);
}
