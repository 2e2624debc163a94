import type { CostReport } from '../cost/types.ts';
import { formatNumber, formatShare, formatTokens, formatUsd } from './format.ts';

/** A table as plain strings: the text and Markdown cost renderers lay out the same rows. */
export interface PlainTable {
  title: string;
  headers: string[];
  rows: string[][];
  /** Columns to right-align. */
  numeric: number[];
}

/**
 * The cost report as tables of formatted strings (unescaped: each renderer escapes for its format).
 *
 * @example
 * costTables(report).map((t) => t.title) // ['Total per month', 'By route', ...]
 */
export function costTables(cost: CostReport): PlainTable[] {
  const m = cost.mitigations;
  const dau = formatNumber(cost.dau);
  return [
    {
      title: `Total per month at ${dau} DAU`,
      headers: ['', 'per user per day', 'per month', 'share'],
      rows: [
        [
          'Claude',
          formatUsd(cost.perUserDay.usd),
          formatUsd(cost.perMonth.llmUsd),
          formatShare(cost.perMonth.llmShare),
        ],
        [
          'Infrastructure (estimate)',
          '',
          formatUsd(cost.perMonth.infrastructureUsd),
          formatShare(cost.perMonth.totalUsd > 0 ? 1 - cost.perMonth.llmShare : 0),
        ],
        ['Total', '', formatUsd(cost.perMonth.totalUsd), ''],
        ['Claude per 1,000 updates', '', formatUsd(cost.perThousandUpdatesUsd), ''],
      ],
      numeric: [1, 2, 3],
    },
    {
      title: `By route (calls and tokens over ${cost.periodLabel})`,
      headers: ['route', 'calls', 'input', 'cache read', 'output', 'per user per day', 'per month', 'share'],
      rows: cost.byRoute.map((r) => [
        r.route,
        formatNumber(r.usage.calls),
        formatTokens(r.usage.inputTokens),
        formatTokens(r.usage.cacheReadTokens),
        formatTokens(r.usage.outputTokens),
        formatUsd(r.perUserDayUsd),
        formatUsd(r.monthUsd),
        formatShare(r.share),
      ]),
      numeric: [1, 2, 3, 4, 5, 6, 7],
    },
    {
      title: 'What each cost control saves',
      headers: ['step', 'on', 'saves per month', 'of baseline'],
      rows: [
        [`Baseline (every call on ${m.baselineModel}, no caches, no batch)`, '', formatUsd(m.baselineMonthUsd), ''],
        ...m.steps.map((s) => [
          s.label,
          s.enabled === undefined ? '?' : s.enabled ? 'yes' : 'no',
          formatUsd(s.savedMonthUsd),
          formatShare(s.savedShare),
        ]),
        ['Actual', '', formatUsd(m.actualMonthUsd), ''],
      ],
      numeric: [2, 3],
    },
    {
      title: `By model (calls and tokens over ${cost.periodLabel})`,
      headers: ['model', 'status', 'calls', 'input', 'cache write', 'cache read', 'output', 'per month'],
      rows: cost.byModel.map((l) => [
        l.key,
        l.status,
        formatNumber(l.usage.calls),
        formatTokens(l.usage.inputTokens),
        formatTokens(l.usage.cacheWrite5mTokens + l.usage.cacheWrite1hTokens),
        formatTokens(l.usage.cacheReadTokens),
        formatTokens(l.usage.outputTokens),
        formatUsd(l.monthUsd),
      ]),
      numeric: [2, 3, 4, 5, 6, 7],
    },
    {
      title: 'Infrastructure (estimates, unverified)',
      headers: ['line', 'quantity', 'per month'],
      rows: cost.infrastructure.map((l) => [l.label, `${formatNumber(l.quantity, 2)} ${l.per}`, formatUsd(l.monthUsd)]),
      numeric: [1, 2],
    },
  ];
}

/** Method, assumptions and the pricing source, one sentence each. */
export function costNotes(cost: CostReport): string[] {
  return [
    ...cost.assumptions,
    cost.mitigations.method,
    `Prices: ${cost.pricing.source}, verified ${cost.pricing.verifiedOn}.`,
  ];
}

/**
 * The cost report as a plain-text table for a terminal (`botcap cost`).
 *
 * @example
 * process.stdout.write(renderCostText(report));
 */
export function renderCostText(cost: CostReport): string {
  const out: string[] = [`Cost: ${cost.label}`, ''];
  for (const warning of cost.warnings) out.push(`WARNING: ${warning}`);
  if (cost.warnings.length > 0) out.push('');
  for (const t of costTables(cost)) {
    out.push(t.title, textTable(t), '');
  }
  out.push('Method and assumptions:', ...costNotes(cost).map((n) => `- ${n}`), '');
  return out.join('\n');
}

/** Columns padded to their widest cell; numeric columns right-aligned. */
export function textTable(t: PlainTable): string {
  const widths = t.headers.map((h, i) => Math.max(h.length, ...t.rows.map((r) => (r[i] ?? '').length)));
  const line = (cells: readonly string[]) =>
    cells
      .map((c, i) => (t.numeric.includes(i) ? c.padStart(widths[i]!) : c.padEnd(widths[i]!)))
      .join('  ')
      .trimEnd();
  return [line(t.headers), widths.map((w) => '-'.repeat(w)).join('  '), ...t.rows.map(line)].join('\n');
}
