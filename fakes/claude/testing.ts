/**
 * Test support for the fake (also useful to other folders' tests): a hand-driven clock and a poll helper.
 */
import type { Clock } from '../../common/clock.ts';

export interface ManualClock extends Clock {
  /** Moves simulated time forward. */
  advanceMs(ms: number): void;
}

/**
 * A clock that stands still until told to move: TTL and bucket-refill tests step it exactly.
 * `sleepMs` resolves at once without moving time (use it with the `zero` latency profile).
 *
 * @example
 * const clock = createManualClock(); clock.advanceMs(5 * 60_000);
 */
export function createManualClock(startAtMs = Date.parse('2026-11-30T09:00:00Z')): ManualClock {
  let elapsedMs = 0;
  return {
    timeScale: 1,
    nowMs: () => startAtMs + elapsedMs,
    monotonicMs: () => elapsedMs,
    toRealMs: (simulatedMs) => simulatedMs,
    sleepMs: () => Promise.resolve(),
    advanceMs: (ms) => {
      elapsedMs += ms;
    },
  };
}

/**
 * Polls `condition` until it returns a truthy value or `timeoutMs` (real) passes; never a blind sleep.
 *
 * @example
 * await waitFor(() => fake.calls().length === 3);
 */
export async function waitFor<T>(
  condition: () => T | undefined | null | false | Promise<T | undefined | null | false>,
  timeoutMs = 5_000,
  intervalMs = 2,
): Promise<T> {
  const deadline = performance.now() + timeoutMs;
  for (;;) {
    const value = await condition();
    if (value) return value;
    if (performance.now() > deadline) throw new Error(`condition not met within ${timeoutMs} ms`);
    await new Promise((resolve) => setTimeout(resolve, intervalMs));
  }
}
