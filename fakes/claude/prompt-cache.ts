/**
 * Prompt caching as the API bills it. A request's prefix (tools -> system -> messages) is cached at its
 * `cache_control` breakpoints. Rules reproduced:
 * - a read is the longest cached prefix found at a breakpoint or up to 20 blocks before one (the API's lookback),
 *   so a growing conversation reads the previous turn's entry;
 * - a write covers the tokens from the read position to the last breakpoint whose prefix reaches the model's
 *   minimum cacheable length; shorter breakpoints cache nothing and raise no error;
 * - TTL 5 min or 1 h on the scaled clock, refreshed on every hit;
 * - an entry becomes readable only when the response that wrote it starts (`commit`), so N simultaneous cold
 *   requests all pay the write.
 */
import type { Clock } from '../../common/clock.ts';
import type { ModelInfo } from './models.ts';
import type { RequestTokens } from './request-tokens.ts';

export const CACHE_TTL_MS = { '5m': 5 * 60_000, '1h': 60 * 60_000 } as const;
const LOOKBACK_BLOCKS = 20;
const SWEEP_ABOVE_ENTRIES = 50_000;

/** What caching does to one request's input tokens. */
export interface CachePlan {
  cacheReadTokens: number;
  cacheWrite5mTokens: number;
  cacheWrite1hTokens: number;
  /** Entries this request writes, made readable by `commit` once its response starts. */
  writes: { key: string; ttlMs: number }[];
}

export const NO_CACHE: CachePlan = Object.freeze({
  cacheReadTokens: 0,
  cacheWrite5mTokens: 0,
  cacheWrite1hTokens: 0,
  writes: [],
}) as CachePlan;

interface Entry {
  expiresAtMs: number;
  ttlMs: number;
}

/**
 * The cache of one fake server (shared by all API keys, as within one organisation).
 *
 * @example
 * const plan = cache.plan(tokens, model); // at request time
 * cache.commit(plan); // when the response starts
 */
export class PromptCache {
  private readonly entries = new Map<string, Entry>();
  constructor(private readonly clock: Clock) {}

  /** Works out reads and writes for a request; refreshes the TTL of the entry it reads. */
  plan(tokens: RequestTokens, model: ModelInfo): CachePlan {
    if (!tokens.hasBreakpoints) return NO_CACHE;
    const now = this.clock.monotonicMs();
    const blocks = tokens.blocks;
    let readIndex = -1;
    let readEntry: Entry | undefined;
    for (let b = 0; b < blocks.length; b++) {
      if (!blocks[b]!.breakpoint) continue;
      for (let i = b; i >= Math.max(0, b - LOOKBACK_BLOCKS) && i > readIndex; i--) {
        const entry = this.entries.get(blocks[i]!.prefixHash);
        if (entry && entry.expiresAtMs > now) {
          readIndex = i;
          readEntry = entry;
          break;
        }
      }
    }
    if (readEntry) readEntry.expiresAtMs = now + readEntry.ttlMs;
    const cacheReadTokens = readIndex >= 0 ? blocks[readIndex]!.cumulativeTokens : 0;

    let write5m = 0;
    let write1h = 0;
    let writtenThrough = cacheReadTokens;
    const writes: CachePlan['writes'] = [];
    for (let b = readIndex + 1; b < blocks.length; b++) {
      const block = blocks[b]!;
      if (!block.breakpoint || block.cumulativeTokens < model.minCacheableTokens) continue;
      const ttl = block.breakpoint.ttl ?? '5m';
      const segment = block.cumulativeTokens - writtenThrough;
      if (ttl === '1h') write1h += segment;
      else write5m += segment;
      writtenThrough = block.cumulativeTokens;
      writes.push({ key: block.prefixHash, ttlMs: CACHE_TTL_MS[ttl] });
    }
    return { cacheReadTokens, cacheWrite5mTokens: write5m, cacheWrite1hTokens: write1h, writes };
  }

  /** Makes a plan's writes readable; called when the writing response starts. */
  commit(plan: CachePlan): void {
    if (plan.writes.length === 0) return;
    const now = this.clock.monotonicMs();
    if (this.entries.size > SWEEP_ABOVE_ENTRIES) this.sweep(now);
    for (const write of plan.writes) {
      this.entries.set(write.key, { expiresAtMs: now + write.ttlMs, ttlMs: write.ttlMs });
    }
  }

  /** Live entries (for the control API and tests). */
  size(): number {
    this.sweep(this.clock.monotonicMs());
    return this.entries.size;
  }

  clear(): void {
    this.entries.clear();
  }

  private sweep(now: number): void {
    for (const [key, entry] of this.entries) if (entry.expiresAtMs <= now) this.entries.delete(key);
  }
}
