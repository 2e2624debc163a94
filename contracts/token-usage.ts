import { z } from 'zod';

/**
 * Claude token usage as RunResult and the cost reports count it, and the one place its arithmetic lives:
 * the orchestrator sums the fake's accounting with it, the cost model scales and adds it, fixtures build it.
 */

/** Calls and tokens by kind; cache writes split by TTL because they are billed differently. */
export const tokenUsageSchema = z.object({
  calls: z.number().int().min(0),
  inputTokens: z.number().int().min(0),
  outputTokens: z.number().int().min(0),
  cacheWrite5mTokens: z.number().int().min(0),
  cacheWrite1hTokens: z.number().int().min(0),
  cacheReadTokens: z.number().int().min(0),
});
export type TokenUsage = z.infer<typeof tokenUsageSchema>;

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
