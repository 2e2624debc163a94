/** One resilience policy factory for every upstream (bulkhead, retry, circuit breaker, timeout, fallback). */
export {
  isAttemptTimeout,
  isBreakerOpen,
  isBulkheadFull,
  isRetryableFailure,
  retryAfterMs,
  statusOf,
  UpstreamHttpError,
} from './failures.ts';
export { counterOnce, gaugeOnce, histogramOnce, resilienceMetrics } from './metrics.ts';
export {
  createPolicyFactory,
  type FallbackReason,
  type PolicyFactory,
  type PolicyFactoryDeps,
  type UpstreamCallOptions,
  type UpstreamPolicy,
} from './policy.ts';
