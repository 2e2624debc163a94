import {
  BulkheadPolicy,
  type CircuitBreakerPolicy,
  CircuitState,
  ConsecutiveBreaker,
  circuitBreaker,
  DelegateBackoff,
  handleWhen,
  type IBreaker,
  type IPolicy,
  type IRetryBackoffContext,
  type IRetryContext,
  noop,
  retry,
  SamplingBreaker,
  TaskCancelledError,
  TimeoutStrategy,
  timeout,
  wrap,
} from 'cockatiel';
import type pino from 'pino';
import type { Registry } from 'prom-client';
import type { Clock } from '../../common/clock.ts';
import type { BotConfig } from '../config/schema.ts';
import {
  isAttemptTimeout,
  isBreakerOpen,
  isBulkheadFull,
  isRetryableFailure,
  retryAfterMs,
  statusOf,
} from './failures.ts';
import { resilienceMetrics } from './metrics.ts';

/**
 * ONE policy factory for every upstream the bot calls (Claude, the MCP knowledge server, any future one).
 * Each upstream gets the same stack, outermost first:
 *
 *   retry -> circuit breaker -> bulkhead -> per-attempt timeout -> the call
 *
 * and when the stack gives up (breaker open, bulkhead full, retries exhausted, a non-retryable error) the
 * caller's fallback answers instead, counted by reason.
 * - retry outside the breaker: the breaker sees every failed attempt, and an open breaker stops the retries
 *   at once (BrokenCircuitError is not retryable);
 * - bulkhead inside the retry: a call waiting out its backoff does not hold a concurrency slot, so the
 *   limit counts requests actually in flight (what the Erlang C sizing in capacity-methods.md models);
 * - timeout innermost: it bounds one HTTP attempt, not the time spent queueing for a slot.
 * Lab only: durations in the config are simulated and cockatiel waits in real time, so every one goes through
 * `toReal` (divided by timeScale) - except `retry-after`, which upstreams already send in real seconds (see
 * failures.ts). In production the scale is 1 and `toReal` changes nothing; a bot of your own would pass the
 * config's milliseconds straight to cockatiel.
 * A `retry-after` longer than `retryMaxDelayMs` is not waited for: the call gives up into its fallback at once,
 * so one answer never takes longer than the budget config/preflight.ts checks against the webhook timeout.
 * The breaker scope decides whether upstreams share one CircuitBreakerPolicy (`shared`), get their own
 * (`per-upstream`), or have none.
 */

/** Why a call ended in its fallback. */
export type FallbackReason = 'breaker-open' | 'bulkhead-full' | 'exhausted' | 'rejected';

export interface UpstreamCallOptions {
  /** Per-attempt timeout of this upstream, simulated ms. Default: resilience.timeoutMs. */
  timeoutMs?: number;
}

/** The resilience stack of one upstream. */
export interface UpstreamPolicy {
  readonly upstream: string;
  /**
   * Runs `call` through retry, breaker, bulkhead and timeout. `call` gets an AbortSignal that fires when
   * the attempt times out: pass it to the HTTP client. When the breaker is open, the bulkhead is full,
   * retries are exhausted or the error is not retryable, `fallback` answers instead (and is counted).
   */
  execute<T>(
    call: (signal: AbortSignal) => Promise<T>,
    fallback: (reason: FallbackReason, error: unknown) => T | Promise<T>,
  ): Promise<T>;
  /** The breaker this upstream uses right now: 'closed' also when the scope is `none`. */
  breakerState(): 'closed' | 'half-open' | 'open';
}

export interface PolicyFactory {
  /** The policy of one upstream; asking twice for the same name returns the same object. */
  forUpstream(upstream: string, options?: UpstreamCallOptions): UpstreamPolicy;
}

export interface PolicyFactoryDeps {
  config: Pick<BotConfig, 'resilience' | 'time'>;
  clock: Clock;
  logger: pino.Logger;
  registry: Registry;
  /** Random source for backoff jitter, [0, 1). Default Math.random; tests may pin it. */
  random?: () => number;
  /** Told of every call that ended in its fallback (the error reporters); default none. */
  onFallback?: (upstream: string, error: unknown) => void;
}

const STATE_VALUE: Record<CircuitState, number> = {
  [CircuitState.Closed]: 0,
  [CircuitState.HalfOpen]: 1,
  [CircuitState.Open]: 2,
  [CircuitState.Isolated]: 2,
};
const STATE_NAME: Record<CircuitState, 'closed' | 'half-open' | 'open'> = {
  [CircuitState.Closed]: 'closed',
  [CircuitState.HalfOpen]: 'half-open',
  [CircuitState.Open]: 'open',
  [CircuitState.Isolated]: 'open',
};

/**
 * Builds the policy factory from `config.resilience`.
 *
 * @example
 * const policies = createPolicyFactory({ config, clock, logger, registry });
 * const claude = policies.forUpstream('claude');
 * const text = await claude.execute((signal) => callClaude(signal), () => '⚠️ Try again later');
 */
export function createPolicyFactory(deps: PolicyFactoryDeps): PolicyFactory {
  const { resilience } = deps.config;
  const { clock, logger } = deps;
  const random = deps.random ?? Math.random;
  const metrics = resilienceMetrics(deps.registry);
  const toReal = (simulatedMs: number) => clock.toRealMs(simulatedMs);
  const policies = new Map<string, UpstreamPolicy>();

  /** Upstreams attached to each breaker, so a shared breaker's state shows on every one of them. */
  const breakerUsers = new Map<CircuitBreakerPolicy, string[]>();
  let sharedBreaker: CircuitBreakerPolicy | undefined;

  function newBreaker(name: string): CircuitBreakerPolicy {
    const breaker: IBreaker =
      resilience.breakerPolicy === 'consecutive'
        ? new ConsecutiveBreaker(resilience.breakerConsecutiveFailures)
        : new SamplingBreaker({
            // cockatiel requires a rate strictly below 1; a configured 1 means "every call failed".
            threshold: Math.min(resilience.breakerFailureRate, 0.999),
            duration: toReal(resilience.breakerWindowMs),
            // calls per simulated second = timeScale times as many per real second
            minimumRps: resilience.breakerMinimumRps * clock.timeScale,
          });
    const policy = circuitBreaker(handleWhen(isRetryableFailure), {
      halfOpenAfter: toReal(resilience.breakerCooldownMs),
      breaker,
    });
    breakerUsers.set(policy, []);
    policy.onStateChange((state) => {
      metrics.breakerTransitions.inc({ breaker: name, to: STATE_NAME[state] });
      for (const upstream of breakerUsers.get(policy) ?? []) metrics.breakerState.set({ upstream }, STATE_VALUE[state]);
      const log = state === CircuitState.Closed ? logger.info.bind(logger) : logger.warn.bind(logger);
      log({ breaker: name, state: STATE_NAME[state] }, 'circuit breaker state changed');
    });
    return policy;
  }

  function breakerFor(upstream: string): CircuitBreakerPolicy | undefined {
    if (resilience.breakerScope === 'none') return undefined;
    if (resilience.breakerScope === 'shared') {
      sharedBreaker ??= newBreaker('shared');
      return sharedBreaker;
    }
    return newBreaker(upstream);
  }

  function build(upstream: string, options: UpstreamCallOptions): UpstreamPolicy {
    const breaker = breakerFor(upstream);
    if (breaker) breakerUsers.get(breaker)!.push(upstream);
    metrics.breakerState.set({ upstream }, STATE_VALUE[breaker?.state ?? CircuitState.Closed]);

    const backoff = new DelegateBackoff<IRetryBackoffContext<unknown>>((context) => {
      const error = 'error' in context.result ? context.result.error : undefined;
      // The upstream's own wait wins over our schedule: retrying earlier only earns another 429.
      const askedRealMs = retryAfterMs(error);
      if (askedRealMs !== undefined) return askedRealMs;
      const exponentialMs = Math.min(
        resilience.retryMaxDelayMs,
        resilience.retryInitialDelayMs * 2 ** (context.attempt - 1),
      );
      // "Equal jitter": half fixed, half random, so synchronized callers (the 10:00 burst) spread out.
      return toReal(exponentialMs * (0.5 + random() * 0.5));
    });
    // Worth another attempt, and not asking for a longer wait than the budget allows (an upstream asking for a
    // minute is better answered with the fallback now than after the user has given up).
    const longestWaitRealMs = toReal(resilience.retryMaxDelayMs);
    const worthRetrying = (error: Error) =>
      isRetryableFailure(error) && (retryAfterMs(error) ?? 0) <= longestWaitRealMs;
    const retryPolicy = retry(handleWhen(worthRetrying), { maxAttempts: resilience.retryMaxAttempts, backoff });
    retryPolicy.onRetry((event) => {
      const error = 'error' in event ? event.error : undefined;
      metrics.retries.inc({ upstream, cause: causeOf(error) });
      logger.debug({ upstream, attempt: event.attempt, delayRealMs: event.delay, cause: causeOf(error) }, 'retrying');
    });

    const bulkhead = new BulkheadPolicy(resilience.bulkheadConcurrency, resilience.bulkheadQueue);
    const attemptTimeout = timeout(toReal(options.timeoutMs ?? resilience.timeoutMs), TimeoutStrategy.Aggressive);
    const outer: IPolicy<IRetryContext> = wrap(retryPolicy, breaker ?? noop);

    let inFlight = 0;
    let queued = 0;
    const publish = () => {
      metrics.bulkheadInFlight.set({ upstream }, inFlight);
      metrics.bulkheadQueued.set({ upstream }, queued);
    };
    publish();

    /** One attempt: wait for a bulkhead slot (counted as queued), then run under the per-attempt timeout. */
    async function attempt<T>(call: (signal: AbortSignal) => Promise<T>): Promise<T> {
      queued++;
      publish();
      let entered = false;
      try {
        return await bulkhead.execute(async () => {
          entered = true;
          queued--;
          inFlight++;
          publish();
          try {
            return await attemptTimeout.execute(async ({ signal }) => {
              try {
                return await call(signal);
              } catch (error) {
                // Aborted by our timeout, the client throws its own abort error (the SDK: APIUserAbortError);
                // report it as the timeout it is, so it is retried and counted by the breaker.
                if (signal.aborted) throw new TaskCancelledError(`attempt timed out (${upstream})`);
                throw error;
              }
            });
          } finally {
            inFlight--;
            publish();
          }
        });
      } finally {
        if (!entered) {
          queued--;
          publish();
        }
      }
    }

    return {
      upstream,
      breakerState: () => STATE_NAME[breaker?.state ?? CircuitState.Closed],
      async execute(call, fallback) {
        try {
          return await outer.execute(() => attempt(call));
        } catch (error) {
          const reason = fallbackReason(error);
          metrics.fallbacks.inc({ upstream, reason });
          logger.warn({ upstream, reason, err: summarize(error) }, 'upstream call failed; answering with the fallback');
          deps.onFallback?.(upstream, error);
          return fallback(reason, error);
        }
      },
    };

    function fallbackReason(error: unknown): FallbackReason {
      if (isBreakerOpen(error)) return 'breaker-open';
      if (isBulkheadFull(error)) return 'bulkhead-full';
      return isRetryableFailure(error) ? 'exhausted' : 'rejected';
    }
  }

  return {
    forUpstream(upstream, options = {}) {
      let policy = policies.get(upstream);
      if (!policy) {
        policy = build(upstream, options);
        policies.set(upstream, policy);
      }
      return policy;
    },
  };
}

function causeOf(error: unknown): string {
  if (isAttemptTimeout(error)) return 'timeout';
  const status = statusOf(error);
  return status === undefined ? 'connection' : String(status);
}

/** A log-safe one-liner of an error: its class, status and message (the SDK never puts the key in messages). */
function summarize(error: unknown): { type: string; status?: number; message: string } {
  if (typeof error === 'object' && error !== null && 'message' in error) {
    const name = 'name' in error && typeof error.name === 'string' ? error.name : 'Error';
    return { type: name, status: statusOf(error), message: String(error.message).slice(0, 200) };
  }
  return { type: typeof error, message: String(error).slice(0, 200) };
}
