import { formatMs, formatNumber, formatShare, formatUsd } from '../render/format.ts';
import type { BudgetOutcome, FigureComparison } from './types.ts';

/**
 * How a compared figure and its change read in every format (text, Markdown, HTML, JUnit), so the gate's
 * console table and the pull-request comment say the same thing.
 */

/**
 * A figure in its unit: `7.6 s`, `$0.0117`, `3 updates`, `1.2%`.
 *
 * @example
 * formatFigure(7571, 'ms') // '7.57 s'
 */
export function formatFigure(value: number | null, unit: string): string {
  if (value === null) return 'no data';
  switch (unit) {
    case 'ms':
      return formatMs(value);
    case 'USD':
      return formatUsd(value);
    case 'fraction':
      return formatShare(value);
    case '':
      return formatNumber(value, 2);
    default:
      return `${formatNumber(value, 2)} ${unit}`;
  }
}

/**
 * The change as the allowance reads: relative for a `%` allowance (absolute when the baseline is 0),
 * absolute in the figure's unit for an absolute one.
 *
 * @example
 * formatChange(figure) // '+27.1%' for 'p(95)+10%', '+2.99 s' for 'med+500', '+3 updates' for 'lost_updates:+0'
 */
export function formatChange(figure: FigureComparison): string {
  if (figure.changeAbsolute === null) return '—';
  if (figure.changeAbsolute === 0) return '0';
  if (figure.allowance.endsWith('%') && figure.changeRelative !== null) return formatPercent(figure.changeRelative);
  const sign = figure.changeAbsolute > 0 ? '+' : '-';
  return `${sign}${formatFigure(Math.abs(figure.changeAbsolute), figure.unit)}`;
}

/**
 * A signed fraction as a percentage with 3 significant digits: `+27.1%`, `-4.02%`, `+0.5%`.
 *
 * @example
 * formatPercent(0.2713) // '+27.1%'
 */
export function formatPercent(fraction: number): string {
  if (!Number.isFinite(fraction)) return fraction > 0 ? '+∞%' : '-∞%';
  const percent = fraction * 100;
  const shown = Math.abs(percent) >= 100 ? Math.round(percent).toString() : Number(percent.toPrecision(3)).toString();
  return `${percent >= 0 ? '+' : ''}${shown}%`;
}

/** ▲ up, ▼ down, = unchanged: the direction of the change, whatever it means for this figure. */
export function arrowOf(figure: FigureComparison): string {
  if (figure.changeAbsolute === null) return '?';
  return figure.changeAbsolute > 0 ? '▲' : figure.changeAbsolute < 0 ? '▼' : '=';
}

/**
 * Whether the change is larger than the noise, with its p-value and its bound on the side it moved.
 *
 * @example
 * formatNoise(figure) // 'yes (p=0.0021; ≥ +15% with 95% confidence)'
 */
export function formatNoise(figure: FigureComparison): string {
  const noise = figure.noise;
  if (figure.status === 'no-data') return '—';
  if (!noise.known) return 'unknown (one run each side)';
  if (noise.interval[0] === 0 && noise.interval[1] === 0) return 'no (the same in every run)';
  const rose = (figure.changeAbsolute ?? 0) >= 0;
  const movedWorse = figure.worse === 'increase' ? rose : !rose;
  // The p-value of the direction it moved: is this move (worse or better) larger than the noise?
  const p = movedWorse ? noise.pWorse : noise.pBetter;
  const beyond = p <= 1 - noise.confidence;
  // The bound on the side it moved: "at least +12%" for a rise, "at most -8%" for a fall.
  const bound = noise.scale === 'log' ? formatPercent : (v: number) => signed(v, figure.unit);
  const limit = rose ? `≥ ${bound(noise.interval[0])}` : `≤ ${bound(noise.interval[1])}`;
  const pText = formatP(p);
  const shownP = pText.startsWith('<') ? `p${pText}` : `p=${pText}`;
  return `${beyond ? 'yes' : 'no'} (${shownP}; ${limit} with ${Math.round(noise.confidence * 100)}% confidence)`;
}

/** A p-value with 2 significant digits, `<0.0001` below that. */
export function formatP(p: number): string {
  if (p < 0.0001) return '<0.0001';
  return Number(p.toPrecision(2)).toString();
}

function signed(value: number, unit: string): string {
  if (value === 0) return '0';
  return `${value > 0 ? '+' : '-'}${formatFigure(Math.abs(value), unit)}`;
}

/** The status as a short word for tables. */
export const STATUS_WORDS: Record<FigureComparison['status'], string> = {
  regressed: 'REGRESSED',
  'within-noise': 'within noise',
  ok: 'ok',
  improved: 'improved',
  'no-data': 'NO DATA',
};

/**
 * A budget's measured value in each candidate run, in its unit: `7.57 s, 8.1 s`.
 *
 * @example
 * formatBudgetValues({ metric: 'lost_updates', unit: 'updates', values: [0, 1], ... }) // '0 updates, 1 updates'
 */
export function formatBudgetValues(budget: BudgetOutcome): string {
  return budget.values.map((v) => formatFigure(v, budget.unit)).join(', ');
}
