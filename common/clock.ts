/**
 * Time as botcap's logic sees it. Scenarios run on a scaled clock (`timeScale` 60 plays a 30-minute
 * window in 30 s); logic never reads `Date.now()` directly, so the same code runs in real time in
 * production and compressed in a capacity run.
 *
 * @example
 * const clock = createScaledClock({ timeScale: 60, startAtMs: Date.parse('2026-11-30T09:55:00Z') });
 * await clock.sleepMs(60_000); // one simulated minute, one real second
 */
export interface Clock {
  /** Simulated wall-clock time, epoch milliseconds. */
  nowMs(): number;
  /** Simulated milliseconds since the clock was created; never goes backwards. */
  monotonicMs(): number;
  /** Waits for `simulatedMs` of simulated time (real time = simulatedMs / timeScale). */
  sleepMs(simulatedMs: number, signal?: AbortSignal): Promise<void>;
  /** Converts a simulated duration into the real milliseconds it takes. */
  toRealMs(simulatedMs: number): number;
  /** Simulated seconds per real second; 1 in production. */
  readonly timeScale: number;
}

export interface ScaledClockOptions {
  /** Simulated seconds per real second. Default 1. */
  timeScale?: number;
  /** Simulated epoch ms at the anchor instant. Default: the real time at the anchor. */
  startAtMs?: number;
  /**
   * Real epoch ms (`Date.now()` scale) at which simulated time equals `startAtMs`. Default: now.
   * Several processes (bot instances, the load generator) given the same anchor share one simulated
   * clock, however far apart they started.
   */
  anchorRealMs?: number;
}

export const CLOCK_DEFAULTS = { timeScale: 1 } as const;

/** A clock whose simulated time runs `timeScale` times faster than real time. */
export function createScaledClock(options: ScaledClockOptions = {}): Clock {
  const timeScale = options.timeScale ?? CLOCK_DEFAULTS.timeScale;
  if (!(timeScale > 0) || !Number.isFinite(timeScale)) {
    throw new RangeError(`timeScale must be a positive number, got ${timeScale}`);
  }
  // timeOrigin + now() is real epoch time that, unlike Date.now(), never steps backwards within a process.
  const realNowMs = () => performance.timeOrigin + performance.now();
  const anchorRealMs = options.anchorRealMs ?? realNowMs();
  const simulatedStart = options.startAtMs ?? anchorRealMs;
  const monotonicMs = () => (realNowMs() - anchorRealMs) * timeScale;
  return {
    timeScale,
    monotonicMs,
    nowMs: () => simulatedStart + monotonicMs(),
    toRealMs: (simulatedMs) => simulatedMs / timeScale,
    sleepMs: async (simulatedMs, signal) => {
      // setTimeout counts from the event loop's cached time, which can lag performance.now() by up to a
      // millisecond, so a timer may fire that much before its deadline on this clock: at 1000x that is a
      // simulated second early. Sleep again for whatever is left.
      const untilMs = monotonicMs() + simulatedMs;
      do await sleepRealMs((untilMs - monotonicMs()) / timeScale, signal);
      while (monotonicMs() < untilMs);
    },
  };
}

function sleepRealMs(realMs: number, signal?: AbortSignal): Promise<void> {
  return new Promise((resolve, reject) => {
    if (signal?.aborted) {
      reject(signal.reason);
      return;
    }
    const timer = setTimeout(
      () => {
        signal?.removeEventListener('abort', onAbort);
        resolve();
      },
      Math.max(0, realMs),
    );
    const onAbort = () => {
      clearTimeout(timer);
      reject(signal?.reason);
    };
    signal?.addEventListener('abort', onAbort, { once: true });
  });
}
