/**
 * Number formatting shared by the text, Markdown and HTML renderers, so a figure reads the same in
 * every format. Missing values print as an em dash, never as `NaN` or `null`.
 */

const DASH = '—';

/**
 * `850 ms`, `2.4 s`, `3.1 min`.
 *
 * @example
 * formatMs(2400) // '2.4 s'
 */
export function formatMs(ms: number | null | undefined): string {
  if (ms === null || ms === undefined || !Number.isFinite(ms)) return DASH;
  if (ms < 1_000) return `${Math.round(ms)} ms`;
  if (ms < 120_000) return `${trim(ms / 1_000, 2)} s`;
  return `${trim(ms / 60_000, 1)} min`;
}

/**
 * `$0.0117`, `$0.25`, `$12.40`, `$3,507`. Amounts under $1 keep 3 significant digits (per-user-per-day costs are cents).
 *
 * @example
 * formatUsd(3507.2) // '$3,507'
 */
export function formatUsd(usd: number | null | undefined): string {
  if (usd === null || usd === undefined || !Number.isFinite(usd)) return DASH;
  const sign = usd < 0 ? '-' : '';
  const abs = Math.abs(usd);
  if (abs === 0) return '$0';
  if (abs < 1) return `${sign}$${abs.toPrecision(3)}`;
  if (abs < 100) return `${sign}$${abs.toFixed(2)}`;
  return `${sign}$${Math.round(abs).toLocaleString('en-US')}`;
}

/**
 * A 0..1 share as a percentage.
 *
 * @example
 * formatShare(0.125) // '12.5%'
 */
export function formatShare(share: number | null | undefined): string {
  if (share === null || share === undefined || !Number.isFinite(share)) return DASH;
  return `${trim(share * 100, 1)}%`;
}

/**
 * Counts and rates.
 *
 * @example
 * formatNumber(1234) // '1,234'
 */
export function formatNumber(value: number | null | undefined, decimals = 1): string {
  if (value === null || value === undefined || !Number.isFinite(value)) return DASH;
  if (Number.isInteger(value)) return value.toLocaleString('en-US');
  return Number(value.toFixed(decimals)).toLocaleString('en-US');
}

/**
 * Token counts.
 *
 * @example
 * formatTokens(1_234_567) // '1.23M'
 */
export function formatTokens(tokens: number): string {
  if (!Number.isFinite(tokens)) return DASH;
  if (tokens >= 1e6) return `${trim(tokens / 1e6, 2)}M`;
  if (tokens >= 1e4) return `${trim(tokens / 1e3, 1)}K`;
  return formatNumber(tokens, 1);
}

function trim(value: number, decimals: number): string {
  return Number(value.toFixed(decimals)).toString();
}
