import { APIConnectionError, APIError } from '@anthropic-ai/sdk';

/**
 * Which upstream failures are worth another attempt, and how long the upstream asked us to wait.
 * One classification for every upstream, so Claude and the MCP server are judged alike:
 * - retryable: 408, 409, 429, 5xx (incl. Anthropic's 529 overloaded), connection errors, our own per-attempt timeout;
 * - not retryable: other 4xx (a bad request stays bad), and anything the upstream marked `x-should-retry: false`.
 * The same predicate feeds the circuit breaker: only failures that say "the upstream is unwell" count against it.
 */

/** An upstream failure with an HTTP status but no Anthropic SDK class (e.g. the MCP transport). */
export class UpstreamHttpError extends Error {
  override name = 'UpstreamHttpError';
  constructor(
    message: string,
    readonly status: number,
    /** Wait asked for by the upstream, real seconds. */
    readonly retryAfterS?: number,
  ) {
    super(message);
  }
}

const RETRYABLE_STATUS = new Set([408, 409, 429]);

/**
 * cockatiel's own `isTaskCancelledError` / `isIsolatedCircuitError` (3.2.1) test for the bulkhead's marker
 * property by mistake, so a bulkhead rejection would look like a timeout. These check each error's own marker.
 */
const hasMarker = (error: unknown, marker: string): boolean =>
  error instanceof Error && marker in error && (error as unknown as Record<string, unknown>)[marker] === true;

/** Our per-attempt timeout fired (cockatiel TaskCancelledError). */
export const isAttemptTimeout = (error: unknown): boolean => hasMarker(error, 'isTaskCancelledError');
/** The circuit breaker refused the call (open, or isolated by hand). */
export const isBreakerOpen = (error: unknown): boolean =>
  hasMarker(error, 'isBrokenCircuitError') || hasMarker(error, 'isIsolatedCircuitError');
/** The bulkhead and its queue were full. */
export const isBulkheadFull = (error: unknown): boolean => hasMarker(error, 'isBulkheadRejectedError');

/** HTTP status of an error, if it carries one. */
export function statusOf(error: unknown): number | undefined {
  if (error instanceof APIError && typeof error.status === 'number') return error.status;
  if (error instanceof UpstreamHttpError) return error.status;
  return undefined;
}

/**
 * Whether a failed attempt should be retried (and counted by the breaker).
 *
 * @example
 * isRetryableFailure(new UpstreamHttpError('overloaded', 529)) // true
 * isRetryableFailure(new UpstreamHttpError('bad request', 400)) // false
 */
export function isRetryableFailure(error: unknown): boolean {
  if (isAttemptTimeout(error)) return true;
  if (error instanceof APIConnectionError) return true; // includes APIConnectionTimeoutError; user aborts are separate
  if (error instanceof APIError) {
    const shouldRetry = error.headers?.get('x-should-retry');
    if (shouldRetry === 'false') return false;
    if (shouldRetry === 'true') return true;
  }
  const status = statusOf(error);
  if (status !== undefined) return RETRYABLE_STATUS.has(status) || status >= 500;
  // Network errors from fetch/undici (ECONNRESET, socket hang up) arrive as TypeError('fetch failed').
  return error instanceof TypeError && /fetch failed|network|socket/i.test(error.message);
}

/**
 * The wait the upstream asked for, in REAL milliseconds, or undefined.
 * Reads `retry-after-ms` (Anthropic's precise header) first, then `retry-after` in seconds (may be fractional).
 * It is wall-clock time because the SDKs sleep on the wall clock: the fake Claude already divides its simulated
 * wait by the time scale before writing the header, so the policy must not divide again.
 *
 * @example
 * retryAfterMs(new UpstreamHttpError('slow down', 429, 2)) // 2000
 */
export function retryAfterMs(error: unknown): number | undefined {
  if (error instanceof UpstreamHttpError && error.retryAfterS !== undefined) return error.retryAfterS * 1000;
  if (!(error instanceof APIError) || !error.headers) return undefined;
  const precise = Number(error.headers.get('retry-after-ms'));
  if (Number.isFinite(precise) && precise > 0) return precise;
  const header = error.headers.get('retry-after');
  if (!header) return undefined;
  const seconds = Number(header);
  if (Number.isFinite(seconds) && seconds >= 0) return seconds * 1000;
  return undefined; // an HTTP date: the API does not send one, and a simulated clock could not compare it anyway
}
