/**
 * Token buckets per model class for requests, input tokens (uncached input + cache writes) and output tokens
 * per minute, refilling continuously on the scaled clock as the API's do (rate limits docs). A request is
 * admitted when a request token is available, its input cost fits, and its output estimate fits: the output
 * bucket is charged `max_tokens` at admission and corrected to the actual output when the call ends ("OTPM rate
 * limits are estimated based on max_tokens at the beginning of each request and adjusted at the end").
 * Produces the `anthropic-ratelimit-*` headers as the API sends them: token `remaining` values rounded to the
 * nearest thousand, and `tokens-*` for input and output combined (limit = ITPM + OTPM; a real answer's headers
 * read `tokens-limit: 96000` beside input 80000 and output 16000). And the 429's `retry-after`.
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
  /** Response headers (empty when unlimited, or when an admitted call asked for none). */
  headers: Readonly<Record<string, string>>;
  /** Set when refused: simulated ms until the blocking bucket has room. */
  retryAfterMs?: number;
  /** Which bucket refused, for the error message. */
  refusedBy?: 'requests' | 'input tokens' | 'output tokens';
}

export interface AdmitOptions {
  /**
   * Whether an admitted call needs the headers as of admission (a stream sends them before its output). A
   * non-streamed answer sends those of {@link RateLimiter.headersFor} at its end, so it passes false and saves
   * building them twice. A refused call always gets them. Default true.
   */
  headers?: boolean;
}

const NO_HEADERS: Readonly<Record<string, string>> = Object.freeze({});

const MINUTE_MS = 60_000;

/**
 * @example
 * const limiter = new RateLimiter(clock, 'tier-1');
 * const admission = limiter.admit('haiku', 1200, 600); // then limiter.settleOutput('haiku', 600, 300)
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

  /**
   * Tries to take one request, `inputCostTokens` (input + cache writes) and an output reservation of
   * `maxOutputTokens` from the class's buckets. Settle the reservation with `settleOutput` when the call ends.
   */
  admit(
    modelClass: ModelClass,
    inputCostTokens: number,
    maxOutputTokens: number,
    options: AdmitOptions = {},
  ): Admission {
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
    } else if (buckets.output.available < Math.min(maxOutputTokens, buckets.output.limit)) {
      refusedBy = 'output tokens';
      retryAfterMs = waitMs(buckets.output, Math.min(maxOutputTokens, buckets.output.limit));
    } else {
      buckets.requests.available -= 1;
      buckets.input.available -= inputCostTokens;
      buckets.output.available -= maxOutputTokens;
    }
    if (refusedBy) return { headers: this.headers(buckets), retryAfterMs, refusedBy };
    return { headers: (options.headers ?? true) ? this.headers(buckets) : NO_HEADERS };
  }

  /** Corrects an admitted call's output reservation to what it produced (returns the unused part). */
  settleOutput(modelClass: ModelClass, reservedTokens: number, outputTokens: number): void {
    const buckets = this.bucketsFor(modelClass);
    if (!buckets) return;
    refill(buckets.output, this.clock.monotonicMs());
    buckets.output.available = Math.min(buckets.output.limit, buckets.output.available + reservedTokens - outputTokens);
  }

  /** The headers as of now (a non-streamed answer sends them at its end, after the correction). */
  headersFor(modelClass: ModelClass): Record<string, string> {
    const buckets = this.bucketsFor(modelClass);
    if (!buckets) return {};
    const now = this.clock.monotonicMs();
    refill(buckets.requests, now);
    refill(buckets.input, now);
    refill(buckets.output, now);
    return this.headers(buckets);
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

  /** One object literal with fixed names: this runs once per answer, so no names built and no closures per call. */
  private headers(buckets: ClassBuckets): Record<string, string> {
    const wallNow = this.clock.nowMs();
    const { requests, input, output } = buckets;
    // Input and output combined; full again when the later of the two is.
    const later = waitMs(input, input.limit) >= waitMs(output, output.limit) ? input : output;
    return {
      'anthropic-ratelimit-requests-limit': String(requests.limit),
      'anthropic-ratelimit-requests-remaining': String(Math.max(0, Math.floor(requests.available))),
      'anthropic-ratelimit-requests-reset': resetAt(wallNow, requests),
      'anthropic-ratelimit-input-tokens-limit': String(input.limit),
      'anthropic-ratelimit-input-tokens-remaining': String(roundToThousand(input.available)),
      'anthropic-ratelimit-input-tokens-reset': resetAt(wallNow, input),
      'anthropic-ratelimit-output-tokens-limit': String(output.limit),
      'anthropic-ratelimit-output-tokens-remaining': String(roundToThousand(output.available)),
      'anthropic-ratelimit-output-tokens-reset': resetAt(wallNow, output),
      'anthropic-ratelimit-tokens-limit': String(input.limit + output.limit),
      'anthropic-ratelimit-tokens-remaining': String(roundToThousand(input.available + output.available)),
      'anthropic-ratelimit-tokens-reset': resetAt(wallNow, later),
    };
  }
}

/** When a bucket is full again, as the API's RFC 3339 `*-reset` value. */
function resetAt(wallNowMs: number, bucket: Bucket): string {
  return new Date(wallNowMs + waitMs(bucket, bucket.limit)).toISOString();
}

/** Token `remaining` headers are rounded to the nearest thousand (rate limits docs, response headers). */
function roundToThousand(tokens: number): number {
  return Math.max(0, Math.round(tokens / 1000) * 1000);
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
