import type { RunResult } from '../contracts/run-result.ts';
import { addUsage, type TokenUsage, ZERO_USAGE } from '../contracts/token-usage.ts';
import type { CallRecord, UsageSummary, UsageTotals } from '../fakes/claude/index.ts';
import type { BotMetricsSample } from '../loadgen/sampler/index.ts';

function fromTotals(totals: UsageTotals): TokenUsage {
  return {
    calls: totals.calls,
    inputTokens: totals.inputTokens,
    outputTokens: totals.outputTokens,
    cacheWrite5mTokens: totals.cacheWrite5mTokens,
    cacheWrite1hTokens: totals.cacheWrite1hTokens,
    cacheReadTokens: totals.cacheReadTokens,
  };
}

/** `bot_claude_tokens_total{kind}` label values -> TokenUsage fields. */
const TOKEN_KIND: Readonly<Record<string, Exclude<keyof TokenUsage, 'calls'>>> = {
  input: 'inputTokens',
  output: 'outputTokens',
  cache_write_5m: 'cacheWrite5mTokens',
  cache_write_1h: 'cacheWrite1hTokens',
  cache_read: 'cacheReadTokens',
};

/**
 * Claude usage per bot route (question, digest, batch) from the bots' own counters at their last scrape,
 * summed over instances: only the bot knows why it called. Empty when the bot exports no such counters.
 *
 * @example
 * usageByRoute(lastScrapes(samples).values()).question?.outputTokens
 */
export function usageByRoute(scrapes: Iterable<BotMetricsSample>): Record<string, TokenUsage> {
  const byRoute: Record<string, TokenUsage> = {};
  const of = (route: string) => {
    byRoute[route] ??= { ...ZERO_USAGE };
    return byRoute[route];
  };
  for (const scrape of scrapes) {
    for (const s of scrape.samples) {
      const route = s.labels.route;
      if (route === undefined) continue;
      if (s.name === 'bot_claude_tokens_total') {
        const field = TOKEN_KIND[s.labels.kind ?? ''];
        if (field !== undefined) of(route)[field] += Math.round(s.value);
      } else if (s.name === 'bot_claude_calls_total') {
        of(route).calls += Math.round(s.value);
      }
    }
  }
  return byRoute;
}

/** Retries the bots' resilience policy made against Claude (the SDK's own show in X-Stainless-Retry-Count). */
export function policyRetries(scrapes: Iterable<BotMetricsSample>): number {
  let retries = 0;
  for (const scrape of scrapes) {
    for (const s of scrape.samples) {
      if (s.name === 'bot_upstream_retries_total' && s.labels.upstream === 'claude') retries += Math.round(s.value);
    }
  }
  return retries;
}

/** Most calls in flight at once, from each call's start and simulated duration. */
export function peakConcurrency(calls: readonly CallRecord[]): number {
  const edges: Array<[number, number]> = [];
  for (const call of calls) {
    if (call.endpoint !== 'messages') continue;
    edges.push([call.atMs, +1], [call.atMs + Math.max(0, call.latencyMs), -1]);
  }
  // Ends sort before starts at the same instant: back-to-back calls are not concurrent.
  edges.sort((a, b) => a[0] - b[0] || a[1] - b[1]);
  let now = 0;
  let peak = 0;
  for (const [, delta] of edges) {
    now += delta;
    peak = Math.max(peak, now);
  }
  return peak;
}

/**
 * RunResult's `claude` section: totals and per model from the fake's accounting (batch usage also under
 * `batch:<model>`), status counts and SDK retries from its call records, policy retries and per-route usage
 * from the bots' metrics.
 *
 * @example
 * claudeSection(fake.usage(), fake.calls({ limit: 1e9 }), lastScrapes(samples).values())
 */
export function claudeSection(
  usage: UsageSummary,
  calls: readonly CallRecord[],
  scrapes: readonly BotMetricsSample[],
): RunResult['claude'] {
  const byModel: Record<string, TokenUsage> = {};
  for (const [model, perModel] of Object.entries(usage.byModel)) {
    if (perModel.standard.calls > 0) byModel[model] = fromTotals(perModel.standard);
    if (perModel.batch.calls > 0) byModel[`batch:${model}`] = fromTotals(perModel.batch);
  }
  const statusCounts: Record<string, number> = {};
  let sdkRetries = 0;
  for (const call of calls) {
    if (call.endpoint === 'count_tokens') continue;
    statusCounts[String(call.status)] = (statusCounts[String(call.status)] ?? 0) + 1;
    if ((call.retryCount ?? 0) > 0) sdkRetries++;
  }
  const batch = fromTotals(usage.batch);
  return {
    total: addUsage(fromTotals(usage.standard), batch),
    byModel,
    batch,
    byRoute: usageByRoute(scrapes),
    statusCounts,
    retries: sdkRetries + policyRetries(scrapes),
    peakConcurrency: peakConcurrency(calls),
  };
}
