import type { TokenUsage } from '../../contracts/run-result.ts';

/** Token usage with every count zero. */
export const ZERO_USAGE: Readonly<TokenUsage> = Object.freeze({
  calls: 0,
  inputTokens: 0,
  outputTokens: 0,
  cacheWrite5mTokens: 0,
  cacheWrite1hTokens: 0,
  cacheReadTokens: 0,
});

/**
 * Adds usages field by field.
 *
 * @example
 * addUsage(a, b).inputTokens === a.inputTokens + b.inputTokens
 */
export function addUsage(...usages: readonly TokenUsage[]): TokenUsage {
  const sum = { ...ZERO_USAGE };
  for (const u of usages) {
    sum.calls += u.calls;
    sum.inputTokens += u.inputTokens;
    sum.outputTokens += u.outputTokens;
    sum.cacheWrite5mTokens += u.cacheWrite5mTokens;
    sum.cacheWrite1hTokens += u.cacheWrite1hTokens;
    sum.cacheReadTokens += u.cacheReadTokens;
  }
  return sum;
}

/**
 * Multiplies every count by `factor`. Results may be fractional (usage per user-day), which is why cost
 * code works in plain numbers rather than re-validating against the integer RunResult schema.
 *
 * @example
 * scaleUsage(usage, 1 / 500) // per simulated user
 */
export function scaleUsage(usage: TokenUsage, factor: number): TokenUsage {
  return {
    calls: usage.calls * factor,
    inputTokens: usage.inputTokens * factor,
    outputTokens: usage.outputTokens * factor,
    cacheWrite5mTokens: usage.cacheWrite5mTokens * factor,
    cacheWrite1hTokens: usage.cacheWrite1hTokens * factor,
    cacheReadTokens: usage.cacheReadTokens * factor,
  };
}

/** All input tokens of a call, whatever the cache did with them (the API's invariant: input + writes + reads). */
export function totalInputTokens(usage: TokenUsage): number {
  return usage.inputTokens + usage.cacheWrite5mTokens + usage.cacheWrite1hTokens + usage.cacheReadTokens;
}
