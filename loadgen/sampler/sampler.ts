/**
 * Collects a sample from every source once per interval (real time, never the scaled clock: CPU and
 * connections exist in real time) into a plain typed time series. Nothing here formats text.
 */

/**
 * One thing the sampler reads each tick: bot /metrics, pg_stat_activity, process CPU/RSS, event-loop
 * lag - and whatever the lead adds (the fakes' counters) by passing another source.
 *
 * @example
 * const fakeTelegram: SampleSource<{ sentMessagesTotal: number }> = {
 *   collect: () => ({ sentMessagesTotal: telegram.recorder.count('sendMessage') }),
 * };
 */
export interface SampleSource<T> {
  collect(): Promise<T> | T;
  /** Releases connections or timers when the sampler stops. */
  close?(): Promise<void> | void;
}

type SourceMap = { readonly [name: string]: SampleSource<unknown> };
type Collected<S> = S extends SampleSource<infer T> ? T : never;

/** A source that failed (or timed out) on one tick; its field is undefined in that sample. */
export interface SourceError {
  source: string;
  message: string;
}

/** One tick: `tMs` since the sampler's origin, then one field per source (undefined if it failed). */
export type Sample<S extends SourceMap> = {
  /** Real milliseconds since the origin (the run start, or the sampler start). */
  tMs: number;
  /** How long collecting this sample took. */
  collectMs: number;
  errors: SourceError[];
} & { [K in keyof S]: Collected<S[K]> | undefined };

export interface SamplerOptions {
  /** Real milliseconds between samples. Default 1,000. */
  intervalMs?: number;
  /** A source slower than this is recorded as an error for the tick. Default: 90% of the interval. */
  sourceTimeoutMs?: number;
  /** Real-time clock in ms (monotonic). Default `performance.now`. */
  nowMs?: () => number;
  /** `tMs` is measured from here (same clock as `nowMs`). Default: when start() is called. */
  originMs?: number;
}

export const SAMPLER_DEFAULTS = { intervalMs: 1_000, sourceTimeoutFraction: 0.9 } as const;

/**
 * @example
 * const sampler = new Sampler({
 *   bots: botMetricsSource(() => bots.map((b, i) => ({ instance: `bot-${i + 1}`, url: b.metricsUrl }))),
 *   postgres: postgresActivitySource({ adminUrl: env.postgres.adminUrl, maxConnections: 100 }),
 *   processes: processStatsSource(() => env.processes()),
 *   eventLoop: eventLoopLagSource(),
 * });
 * sampler.start();
 * // ... run ...
 * const series = await sampler.stop(); // [{ tMs: 1000, collectMs: 12, errors: [], bots: [...], postgres: {...}, ... }]
 */
export class Sampler<S extends SourceMap> {
  private readonly intervalMs: number;
  private readonly sourceTimeoutMs: number;
  private readonly nowMs: () => number;
  private originMs: number | undefined;
  private readonly samples: Sample<S>[] = [];
  private timer: NodeJS.Timeout | undefined;
  private inFlight: Promise<void> | undefined;
  private tick = 0;
  private running = false;

  constructor(
    private readonly sources: S,
    options: SamplerOptions = {},
  ) {
    this.intervalMs = options.intervalMs ?? SAMPLER_DEFAULTS.intervalMs;
    this.sourceTimeoutMs = options.sourceTimeoutMs ?? this.intervalMs * SAMPLER_DEFAULTS.sourceTimeoutFraction;
    this.nowMs = options.nowMs ?? (() => performance.now());
    this.originMs = options.originMs;
  }

  /** Samples so far (the same array stop() returns). */
  get series(): readonly Sample<S>[] {
    return this.samples;
  }

  /** Takes the first sample now, then one per interval; a slow tick skips the ticks it overran instead of piling up. */
  start(): void {
    if (this.running) return;
    this.running = true;
    this.originMs ??= this.nowMs();
    this.tick = 0;
    this.schedule(0);
  }

  /** Stops the loop, waits for a tick in progress, closes the sources, and returns the series. */
  async stop(): Promise<Sample<S>[]> {
    this.running = false;
    clearTimeout(this.timer);
    await this.inFlight;
    await Promise.all(Object.values(this.sources).map((source) => source.close?.()));
    return this.samples;
  }

  /**
   * One tick that is not kept, before {@link start}: the sources connect (a database client, keep-alive
   * sockets to the bots' /metrics), take the readings the first kept tick is a difference from (a process's
   * CPU since then rather than over its lifetime; event-loop lag since then rather than since start-up), and
   * the sampler's own code runs once. Without it, all of that happened in the first second of the load, on
   * the generator's loop, while the first users' updates were due.
   */
  async warmUp(): Promise<void> {
    await this.collect();
  }

  /** Collects one sample from every source in parallel and appends it. */
  async sampleOnce(): Promise<Sample<S>> {
    this.originMs ??= this.nowMs();
    const startedMs = this.nowMs();
    const { values, errors, names } = await this.collect();
    const sample = {
      tMs: Math.round(startedMs - this.originMs),
      collectMs: Math.round(this.nowMs() - startedMs),
      errors,
      ...Object.fromEntries(names.map((name, i) => [name, values[i]])),
    } as Sample<S>;
    this.samples.push(sample);
    return sample;
  }

  /** Every source's value (undefined where it failed or timed out, with the error listed). */
  private async collect() {
    const errors: SourceError[] = [];
    const names = Object.keys(this.sources) as Array<keyof S & string>;
    const values = await Promise.all(
      names.map(async (name) => {
        try {
          return await withTimeout(Promise.resolve(this.sources[name]!.collect()), this.sourceTimeoutMs);
        } catch (error) {
          errors.push({ source: name, message: error instanceof Error ? error.message : String(error) });
          return undefined;
        }
      }),
    );
    return { values, errors, names };
  }

  private schedule(delayMs: number): void {
    this.timer = setTimeout(() => {
      this.inFlight = this.sampleOnce()
        .then(() => undefined)
        .finally(() => {
          if (!this.running) return;
          const elapsed = this.nowMs() - this.originMs!;
          // Next tick on the interval grid; ticks a slow sample overran are skipped, not bunched.
          this.tick = Math.max(this.tick + 1, Math.ceil(elapsed / this.intervalMs));
          this.schedule(Math.max(0, this.tick * this.intervalMs - elapsed));
        });
    }, delayMs);
  }
}

function withTimeout<T>(promise: Promise<T>, timeoutMs: number): Promise<T> {
  let timer: NodeJS.Timeout | undefined;
  return Promise.race([
    promise,
    new Promise<never>((_, reject) => {
      timer = setTimeout(() => reject(new Error(`no answer within ${Math.round(timeoutMs)} ms`)), timeoutMs);
    }),
  ]).finally(() => clearTimeout(timer));
}
