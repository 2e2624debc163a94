/**
 * Token buckets per model class for requests, input tokens (uncached input + cache writes) and output tokens
 * per minute, refilling continuously on the scaled clock as the API's do. A request is admitted when a
 * request token is available, its input cost fits, and the output bucket is not empty; output is charged
 * once known. Produces the `anthropic-ratelimit-*` headers and the 429's `retry-after`.
 */
import type { Clock } from '../../common/clock.ts';
import type { ModelClass } from './models.ts';
import { type ClassLimits, resolveTier, type TierLimits, type TierSetting } from './tiers.ts';

interface Bucket {
  limit: number;
  available: number;
  updatedAtMs: number;
}

interface ClassBuckets {
  requests: Bucket;
  input: Bucket;
  output: Bucket;
}

export interface Admission {
  /** Response headers (empty when unlimited). */
  headers: Record<string, string>;
  /** Set when refused: simulated ms until the blocking bucket has room. */
  retryAfterMs?: number;
  /** Which bucket refused, for the error message. */
  refusedBy?: 'requests' | 'input tokens' | 'output tokens';
}

const MINUTE_MS = 60_000;

/**
 * @example
 * const limiter = new RateLimiter(clock, 'tier-1');
 * const admission = limiter.admit('haiku', 1200); // then limiter.chargeOutput('haiku', 300)
 */
export class RateLimiter {
  private limits: TierLimits;
  private setting: TierSetting;
  private buckets = new Map<ModelClass, ClassBuckets>();

  constructor(
    private readonly clock: Clock,
    setting: TierSetting,
  ) {
    this.setting = setting;
    this.limits = resolveTier(setting);
  }

  get tier(): TierSetting {
    return this.setting;
  }

  /** Changes the tier at run time; buckets restart full. */
  setTier(setting: TierSetting): void {
    this.setting = setting;
    this.limits = resolveTier(setting);
    this.buckets.clear();
  }

  reset(): void {
    this.buckets.clear();
  }

  /** Tries to take one request and `inputCostTokens` (input + cache writes) from the class's buckets. */
  admit(modelClass: ModelClass, inputCostTokens: number): Admission {
    const buckets = this.bucketsFor(modelClass);
    if (!buckets) return { headers: {} };
    const now = this.clock.monotonicMs();
    refill(buckets.requests, now);
    refill(buckets.input, now);
    refill(buckets.output, now);
    let refusedBy: Admission['refusedBy'];
    let retryAfterMs = 0;
    if (buckets.requests.available < 1) {
      refusedBy = 'requests';
      retryAfterMs = waitMs(buckets.requests, 1);
    } else if (buckets.input.available < inputCostTokens) {
      refusedBy = 'input tokens';
      retryAfterMs = waitMs(buckets.input, Math.min(inputCostTokens, buckets.input.limit));
    } else if (buckets.output.available < 1) {
      refusedBy = 'output tokens';
      retryAfterMs = waitMs(buckets.output, 1);
    } else {
      buckets.requests.available -= 1;
      buckets.input.available -= inputCostTokens;
    }
    const headers = this.headers(buckets);
    return refusedBy ? { headers, retryAfterMs, refusedBy } : { headers };
  }

  /** Charges the output tokens of an admitted request (the bucket may go negative, as the API's does). */
  chargeOutput(modelClass: ModelClass, outputTokens: number): void {
    const buckets = this.bucketsFor(modelClass);
    if (buckets) buckets.output.available -= outputTokens;
  }

  private bucketsFor(modelClass: ModelClass): ClassBuckets | undefined {
    if (!this.limits) return undefined;
    let buckets = this.buckets.get(modelClass);
    if (!buckets) {
      const limits: ClassLimits = this.limits[modelClass];
      const now = this.clock.monotonicMs();
      const full = (limit: number): Bucket => ({ limit, available: limit, updatedAtMs: now });
      buckets = {
        requests: full(limits.requestsPerMin),
        input: full(limits.inputTokensPerMin),
        output: full(limits.outputTokensPerMin),
      };
      this.buckets.set(modelClass, buckets);
    }
    return buckets;
  }

  private headers(buckets: ClassBuckets): Record<string, string> {
    const wallNow = this.clock.nowMs();
    const resetAt = (bucket: Bucket) => new Date(wallNow + waitMs(bucket, bucket.limit)).toISOString();
    const out: Record<string, string> = {};
    const put = (name: string, bucket: Bucket) => {
      out[`anthropic-ratelimit-${name}-limit`] = String(bucket.limit);
      out[`anthropic-ratelimit-${name}-remaining`] = String(Math.max(0, Math.floor(bucket.available)));
      out[`anthropic-ratelimit-${name}-reset`] = resetAt(bucket);
    };
    put('requests', buckets.requests);
    put('input-tokens', buckets.input);
    put('output-tokens', buckets.output);
    // `tokens-*` reports the most restrictive of the two token limits currently in effect.
    const inputShare = buckets.input.available / buckets.input.limit;
    const outputShare = buckets.output.available / buckets.output.limit;
    put('tokens', inputShare <= outputShare ? buckets.input : buckets.output);
    return out;
  }
}

function refill(bucket: Bucket, now: number): void {
  const elapsed = now - bucket.updatedAtMs;
  if (elapsed > 0) {
    bucket.available = Math.min(bucket.limit, bucket.available + (elapsed * bucket.limit) / MINUTE_MS);
    bucket.updatedAtMs = now;
  }
}

function waitMs(bucket: Bucket, needed: number): number {
  const missing = needed - bucket.available;
  return missing <= 0 ? 0 : (missing * MINUTE_MS) / bucket.limit;
}
