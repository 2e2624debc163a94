import { formatMs, formatNumber, formatShare, formatUsd } from '../render/format.ts';
import type { VerdictColumn } from './types.ts';

/** Units a formatted figure already shows (`1.2 s`, `$3.40`, `12%`) or that have no name. */
const SELF_EVIDENT_UNITS = new Set(['', 'ms', 'USD', 'share']);

/**
 * A figure in its column's unit, as the verdict's table shows it (the header names any other unit).
 *
 * @example
 * formatCell({ key: 'p95', label: 'p95 reply', unit: 'ms' }, 2100) // '2.1 s'
 */
export function formatCell(column: VerdictColumn, value: number | null | undefined): string {
  if (value === null || value === undefined) return '—';
  switch (column.unit) {
    case 'ms':
      return formatMs(value);
    case 'USD':
      return formatUsd(value);
    case 'share':
      return formatShare(value);
    default:
      return formatNumber(value, 3);
  }
}

/**
 * A column's header: its label, with its unit when a cell does not show it.
 *
 * @example
 * columnHeader({ key: 'lost', label: 'lost', unit: 'updates' }) // 'lost (updates)'
 */
export function columnHeader(column: VerdictColumn): string {
  return SELF_EVIDENT_UNITS.has(column.unit) ? column.label : `${column.label} (${column.unit})`;
}

/**
 * A figure in a sentence after its label: formatted, with its unit when neither the number nor the label
 * shows it ("lost updates 28", not "lost updates 28 updates").
 *
 * @example
 * figureWithUnit({ key: 'lost', label: 'lost', unit: 'updates' }, 28) // '28 updates'
 */
export function figureWithUnit(column: VerdictColumn, value: number | null | undefined): string {
  const text = formatCell(column, value);
  const shown = SELF_EVIDENT_UNITS.has(column.unit) || column.label.endsWith(column.unit) || text === '—';
  return shown ? text : `${text} ${column.unit}`;
}
