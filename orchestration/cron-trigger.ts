/**
 * The one external trigger of the `cron-http` scheduler strategy: what a Kubernetes CronJob, a cloud
 * scheduler or `curl` in crontab does in production. Every tick it POSTs the bots' cron path once, to the
 * first instance that accepts the connection (a dead instance is skipped, as a load balancer would), never to
 * all of them: that single caller is what makes the strategy duplicate-free. A tick that is slow is waited
 * for, not re-sent elsewhere: re-sending a running tick to a second instance would start a second sender.
 *
 * @example
 * const cron = startCronTrigger({ baseUrls: () => ['http://127.0.0.1:4001'], path: '/cron/tick', intervalRealMs: 1_000 });
 * await cron.stop();
 */
export interface CronTriggerOptions {
  /** Base URLs of the live instances, asked before every tick (instances can die mid-run). */
  baseUrls: () => readonly string[];
  /** The bots' cron path, e.g. `/cron/tick`. */
  path: string;
  /** Real milliseconds between ticks (the scheduler's simulated tick divided by the time scale). */
  intervalRealMs: number;
  /** How long a tick may run before the trigger gives up on it, real ms. Default {@link CRON_TRIGGER_DEFAULTS}. */
  requestTimeoutRealMs?: number;
}

export const CRON_TRIGGER_DEFAULTS = {
  /** A tick sends every digest that is due, each waiting for Claude: give it minutes, not seconds. */
  requestTimeoutRealMs: 600_000,
} as const;

export interface CronTrigger {
  /** Ticks that some instance answered with 2xx. */
  ticksDelivered(): number;
  /** Ticks no instance answered. */
  ticksFailed(): number;
  stop(): Promise<void>;
}

export function startCronTrigger(options: CronTriggerOptions): CronTrigger {
  let delivered = 0;
  let failed = 0;
  let inFlight: Promise<void> = Promise.resolve();
  const timeoutMs = options.requestTimeoutRealMs ?? CRON_TRIGGER_DEFAULTS.requestTimeoutRealMs;

  const tick = async () => {
    for (const base of options.baseUrls()) {
      try {
        const response = await fetch(`${base}${options.path}`, {
          method: 'POST',
          signal: AbortSignal.timeout(timeoutMs),
        });
        await response.body?.cancel();
        if (response.ok) {
          delivered += 1;
          return;
        }
      } catch (error) {
        // Refused or reset: the instance is down, try the next, as a load balancer would. A timeout means it
        // took the tick and is still working on it: sending it elsewhere would run the tick twice.
        if (error instanceof Error && (error.name === 'TimeoutError' || error.name === 'AbortError')) break;
      }
    }
    failed += 1;
  };

  const timer = setInterval(
    () => {
      // One tick at a time: a slow tick delays the next instead of piling up concurrent ones.
      inFlight = inFlight.then(tick);
    },
    Math.max(1, options.intervalRealMs),
  );

  return {
    ticksDelivered: () => delivered,
    ticksFailed: () => failed,
    async stop() {
      clearInterval(timer);
      await inFlight;
    },
  };
}
