/**
 * The fake Claude Messages API: a real HTTP server on 127.0.0.1 that the official Anthropic SDKs use
 * unchanged (`baseURL` = `fake.url`), with prompt-cache-aware usage accounting, rate limits, latency and
 * fault injection on a scaled clock, and a control API. See README.md in this folder.
 */
import type { AddressInfo } from 'node:net';
import type { Clock } from '../../common/clock.ts';
import type { FaultSchedule } from './faults.ts';
import { type FakeClaudeOptions, resolveOptions } from './options.ts';
import type { CallRecord, UsageSummary } from './recorder.ts';
import { listen } from './server.ts';
import { FakeClaudeState } from './state.ts';
import type { TierSetting } from './tiers.ts';

export { API_ERROR_STATUS, ApiError, type ApiErrorType } from './api-errors.ts';
export { FAULT_KINDS, type FaultKind, type FaultSchedule, type FaultWindow } from './faults.ts';
export { LATENCY_PROFILES, type LatencyProfileName, type LatencySetting } from './latency.ts';
export { MODELS, type ModelClass, type ModelInfo, resolveModel } from './models.ts';
export { FAKE_CLAUDE_DEFAULTS, type FakeClaudeOptions } from './options.ts';
export type { CallRecord, ModelUsage, UsageBreakdown, UsageSummary, UsageTotals } from './recorder.ts';
export { RATE_LIMIT_TIERS, type TierName, type TierSetting } from './tiers.ts';
export { countTextTokens } from './tokenizer.ts';

/** A running fake. Every control endpoint has its typed twin here. */
export interface FakeClaude {
  /** Root URL without a trailing slash, e.g. `http://127.0.0.1:43117`; the SDK appends `/v1`. */
  readonly url: string;
  readonly port: number;
  /** The clock the fake runs on (shared with the run when passed in). */
  readonly clock: Clock;
  /** Usage totals, overall and per model, standard and batch (batch bills at 50%). */
  usage(): UsageSummary;
  /** Per-call records with `seq > since`, oldest first, at most `limit` (default 1000). */
  calls(query?: { since?: number; limit?: number }): CallRecord[];
  getFaults(): FaultSchedule;
  /** Replaces the fault schedule; throws ConfigError naming the bad field. */
  setFaults(schedule: FaultSchedule): void;
  getRateLimitTier(): TierSetting;
  /** Switches the tier (buckets restart full); throws ConfigError on a bad tier. */
  setRateLimitTier(tier: TierSetting): void;
  /** Live prompt-cache entries. */
  cacheEntries(): number;
  /** Simulated ms since start (the time base of fault windows and records). */
  runMs(): number;
  /** Forgets records, cache, bucket levels and batches; keeps faults and tier. */
  reset(): void;
  /** Stops the server, dropping held and open connections. */
  close(): Promise<void>;
}

/**
 * Starts a fake Claude API.
 *
 * @example
 * const fake = await startFakeClaude({ latency: 'zero', timeScale: 100 });
 * const client = new Anthropic({ apiKey: 'sk-ant-test', baseURL: fake.url });
 * await client.messages.create({ model: 'claude-haiku-4-5', max_tokens: 200, messages: [{ role: 'user', content: 'Hi' }] });
 * fake.usage().standard.outputTokens; // > 0
 * await fake.close();
 */
export async function startFakeClaude(options: FakeClaudeOptions = {}): Promise<FakeClaude> {
  const resolved = resolveOptions(options);
  const state = new FakeClaudeState(resolved);
  const server = await listen(state, resolved.port, resolved.host);
  const port = (server.address() as AddressInfo).port;
  const url = `http://${resolved.host.includes(':') ? `[${resolved.host}]` : resolved.host}:${port}`;
  state.baseUrl = url;
  let closed: Promise<void> | undefined;
  return {
    url,
    port,
    clock: state.clock,
    usage: () => state.usage(),
    calls: (query) => state.calls(query),
    getFaults: () => state.getFaults(),
    setFaults: (schedule) => {
      state.setFaults(schedule);
    },
    getRateLimitTier: () => state.getTier(),
    setRateLimitTier: (tier) => {
      state.setTier(tier);
    },
    cacheEntries: () => state.cache.size(),
    runMs: () => state.runMs(),
    reset: () => state.reset(),
    close: () => {
      closed ??= new Promise<void>((resolve) => {
        state.batches.clear();
        server.close(() => resolve());
        server.closeAllConnections();
      });
      return closed;
    },
  };
}
