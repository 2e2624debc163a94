import type { RunResult, TimeSeries } from '../contracts/run-result.ts';
import { seriesFor } from '../contracts/series.ts';

/** The classes of work the model knows: the generator's action kinds and the scheduler's digests. */
export const DEMAND_CLASSES = ['navigation', 'question', 'settings', 'start', 'digest'] as const;
export type DemandClass = (typeof DEMAND_CLASSES)[number];

/**
 * One measurement interval of a run (operational analysis): class throughputs and resource readings, each the
 * mean of the run's points inside the window. Rates are per simulated second; CPU is cores busy (real).
 */
export interface Interval {
  /** The run it came from (its label) and its time scale. */
  run: string;
  timeScale: number;
  fromMs: number;
  toMs: number;
  /** Throughput per class, per simulated second (updates injected / digests delivered). */
  ratePerS: Record<DemandClass, number>;
  /** Bot processes' CPU summed over instances, cores (100% = 1). */
  botCpuCores: number | null;
  postgresCpuCores: number | null;
  /** The load generator's own CPU (with the fakes, in-process), cores: a lab-only demand. */
  loadgenCpuCores: number | null;
  /** pg Pool connections in use (total - idle), summed over instances. */
  dbConnectionsInUse: number | null;
  /** Claude calls holding a bulkhead slot, summed over instances. */
  claudeInFlight: number | null;
  /** Bot API calls per simulated second. */
  telegramCallsPerS: number | null;
  /** Claude calls started per simulated second (the fake Claude's counter). */
  claudeCallsPerS: number | null;
  /** Saturation flags: a queue formed in the window, so the resource's reading is capped, not proportional. */
  dbPoolWaiting: boolean;
  claudeQueued: boolean;
}

/** Options of {@link intervalsOf}; every field optional. */
export interface IntervalOptions {
  /** Window length in real seconds (a few sampler ticks, to smooth work that lands a tick later). Default 2. */
  windowRealS?: number;
}

export const INTERVAL_DEFAULTS = { windowRealS: 2 } as const;

/** Mean of a series' points inside [fromMs, toMs); null when it has none. */
function meanIn(series: TimeSeries | undefined, fromMs: number, toMs: number): number | null {
  if (series === undefined) return null;
  let sum = 0;
  let n = 0;
  for (const [t, v] of series.points) {
    if (t >= fromMs && t < toMs) {
      sum += v;
      n++;
    }
  }
  return n === 0 ? null : sum / n;
}

/** Sum over sources of each source's mean in the window; null when no source has a point. */
function summedMean(series: readonly TimeSeries[], fromMs: number, toMs: number): number | null {
  let total: number | null = null;
  for (const one of series) {
    const mean = meanIn(one, fromMs, toMs);
    if (mean !== null) total = (total ?? 0) + mean;
  }
  return total;
}

/** The increase of a cumulative counter over [fromMs, toMs), per simulated second; null without points. */
function rateOfCounter(series: TimeSeries | undefined, fromMs: number, toMs: number): number | null {
  if (series === undefined) return null;
  let before: number | undefined;
  let last: number | undefined;
  for (const [t, v] of series.points) {
    if (t < fromMs) before = v;
    else if (t < toMs) last = v;
  }
  if (before === undefined || last === undefined) return null;
  return (Math.max(0, last - before) * 1000) / (toMs - fromMs);
}

const byName = (result: RunResult, name: string) => result.timeSeries.filter((s) => s.name === name);
const bySource = (series: readonly TimeSeries[], test: (source: string) => boolean) =>
  series.filter((s) => test(s.source));
const isBot = (source: string) => /^bot-\d+$/.test(source);

/**
 * Cuts a run into windows of `windowRealS` real seconds and reads each class's throughput and each
 * resource's utilisation in it - the input of the utilization-law regression. Windows wholly inside the run;
 * the first is dropped (warm-up: connections opening, JIT).
 *
 * @example
 * intervalsOf(result).map((i) => [i.ratePerS.question, i.botCpuCores])
 */
export function intervalsOf(result: RunResult, options: IntervalOptions = {}): Interval[] {
  const windowMs = (options.windowRealS ?? INTERVAL_DEFAULTS.windowRealS) * 1000 * result.timeScale;
  const durationMs = result.durationSimulatedS * 1000;
  const label = result.variant ?? result.scenario.name;
  const rate = (c: DemandClass) =>
    c === 'digest' ? byName(result, 'digests_sent_per_s')[0] : byName(result, `updates_per_s{action="${c}"}`)[0];
  const cpu = seriesFor(result, 'cpuPercent');
  const botCpu = bySource(cpu, isBot);
  const pgCpu = bySource(cpu, (s) => s === 'postgres');
  const genCpu = bySource(cpu, (s) => s === 'loadgen');
  const poolTotal = seriesFor(result, 'pgPoolTotal');
  const poolIdle = byName(result, 'bot_db_pool_idle_connections');
  const poolWaiting = seriesFor(result, 'pgPoolWaiting');
  const claudeActive = seriesFor(result, 'bulkheadActive').filter(
    (s) => !s.name.includes('upstream=') || s.name.includes('claude'),
  );
  const claudeQueue = seriesFor(result, 'bulkheadQueue').filter(
    (s) => !s.name.includes('upstream=') || s.name.includes('claude'),
  );
  const telegram = byName(result, 'telegram_calls_per_s')[0];
  const claudeCalls = byName(result, 'claude_calls_total')[0];
  const intervals: Interval[] = [];
  for (let fromMs = windowMs; fromMs + windowMs <= durationMs; fromMs += windowMs) {
    const toMs = fromMs + windowMs;
    const ratePerS = {} as Record<DemandClass, number>;
    for (const c of DEMAND_CLASSES) ratePerS[c] = meanIn(rate(c), fromMs, toMs) ?? 0;
    const total = summedMean(poolTotal, fromMs, toMs);
    const idle = summedMean(poolIdle, fromMs, toMs);
    const pct = (series: readonly TimeSeries[]) => {
      const v = summedMean(series, fromMs, toMs);
      return v === null ? null : v / 100;
    };
    intervals.push({
      run: label,
      timeScale: result.timeScale,
      fromMs,
      toMs,
      ratePerS,
      botCpuCores: pct(botCpu),
      postgresCpuCores: pct(pgCpu),
      loadgenCpuCores: pct(genCpu),
      dbConnectionsInUse: total === null || idle === null ? null : Math.max(0, total - idle),
      claudeInFlight: summedMean(claudeActive, fromMs, toMs),
      telegramCallsPerS: meanIn(telegram, fromMs, toMs),
      claudeCallsPerS: rateOfCounter(claudeCalls, fromMs, toMs),
      dbPoolWaiting: (summedMean(poolWaiting, fromMs, toMs) ?? 0) > 0,
      claudeQueued: (summedMean(claudeQueue, fromMs, toMs) ?? 0) > 0,
    });
  }
  return intervals;
}
