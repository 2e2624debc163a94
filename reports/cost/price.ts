import { type TokenUsage, totalInputTokens } from '../../contracts/token-usage.ts';
import type { ModelPrice } from '../data/pricing.ts';

/** Dollars split by token type; `totalUsd` is their sum. */
export interface UsdByTokenType {
  inputUsd: number;
  cacheWrite5mUsd: number;
  cacheWrite1hUsd: number;
  cacheReadUsd: number;
  outputUsd: number;
  totalUsd: number;
}

const PER_MTOK = 1_000_000;

/**
 * Prices usage: input*p_in + cache_write_5m*p_w5 + cache_write_1h*p_w1 + cache_read*p_r + output*p_out,
 * times the batch discount when the usage went through the Batch API (the discount applies to every
 * token type, cache reads and writes included).
 *
 * @example
 * // 1M input + 1M output on Haiku 4.5 through the Batch API: (1 + 5) * 0.5
 * priceUsage({ calls: 1, inputTokens: 1e6, outputTokens: 1e6, ... }, haiku, { batch: true }).totalUsd // 3
 */
export function priceUsage(usage: TokenUsage, price: ModelPrice, options: { batch?: boolean } = {}): UsdByTokenType {
  const factor = options.batch ? price.batchDiscount : 1;
  const usd = (tokens: number, usdPerMTok: number) => (tokens * usdPerMTok * factor) / PER_MTOK;
  const inputUsd = usd(usage.inputTokens, price.inputUsdPerMTok);
  const cacheWrite5mUsd = usd(usage.cacheWrite5mTokens, price.cacheWrite5mUsdPerMTok);
  const cacheWrite1hUsd = usd(usage.cacheWrite1hTokens, price.cacheWrite1hUsdPerMTok);
  const cacheReadUsd = usd(usage.cacheReadTokens, price.cacheReadUsdPerMTok);
  const outputUsd = usd(usage.outputTokens, price.outputUsdPerMTok);
  return {
    inputUsd,
    cacheWrite5mUsd,
    cacheWrite1hUsd,
    cacheReadUsd,
    outputUsd,
    totalUsd: inputUsd + cacheWrite5mUsd + cacheWrite1hUsd + cacheReadUsd + outputUsd,
  };
}

/**
 * What the same traffic costs with no prompt caching and no batch: every input token (written, read or
 * plain) billed as plain input. The building block of the no-mitigation baseline.
 *
 * @example
 * // 1,000 plain + 3,000 cache-read input, 500 output on Sonnet 4.5: 4,000*3/1e6 + 500*15/1e6
 * priceUncached(usage, sonnet) // 0.0195
 */
export function priceUncached(usage: TokenUsage, price: ModelPrice): number {
  return (totalInputTokens(usage) * price.inputUsdPerMTok + usage.outputTokens * price.outputUsdPerMTok) / PER_MTOK;
}

/** Sums two price splits. */
export function addUsd(a: UsdByTokenType, b: UsdByTokenType): UsdByTokenType {
  return {
    inputUsd: a.inputUsd + b.inputUsd,
    cacheWrite5mUsd: a.cacheWrite5mUsd + b.cacheWrite5mUsd,
    cacheWrite1hUsd: a.cacheWrite1hUsd + b.cacheWrite1hUsd,
    cacheReadUsd: a.cacheReadUsd + b.cacheReadUsd,
    outputUsd: a.outputUsd + b.outputUsd,
    totalUsd: a.totalUsd + b.totalUsd,
  };
}

export const ZERO_USD: Readonly<UsdByTokenType> = Object.freeze({
  inputUsd: 0,
  cacheWrite5mUsd: 0,
  cacheWrite1hUsd: 0,
  cacheReadUsd: 0,
  outputUsd: 0,
  totalUsd: 0,
});
