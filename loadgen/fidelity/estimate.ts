import type { Fidelity } from '../../contracts/run-result.ts';

/**
 * The lab's own delay, estimated from what every process of a run spent in real time, and what it reads as
 * on the simulated clock.
 *
 * Why: a run at time scale S divides every designed wait (think times, the fakes' latencies) by S, but not
 * real work. Each real millisecond an update spends in the lab - waiting for its injection, for an event loop
 * that is busy, on a CPU in any process it passes through - reads as S simulated milliseconds, where at
 * 1x it would have read as one. So the lab adds (S - 1) x d to the update's latency, d being that real time.
 *
 * Method `lab-delay-x-scale` (capacity-methods.md, "Time compression and fidelity"; the per-process split is
 * operational analysis: CPU time per item = utilization x interval / items, Denning & Buzen's utilization law):
 * for each sampling interval i of real length T_i with n_i work items (updates injected + digests sent),
 *
 *   d_i = injection lag                                  (generator: actual - intended send time, real ms)
 *       + h_i x event-loop lag of the generator          (it hosts the fakes: delivery and reply recording)
 *       + h_i x mean event-loop lag of the bot instances (an update visits one of them)
 *       + sum over processes p of cpu_p x T_i / n_i      (CPU time per item: generator, bots, PostgreSQL, ...)
 *
 * where h_i, the hops per item, is 1 + the Bot API calls per item: an update crosses both event loops once to
 * arrive and once more for every call its bot makes (the request into the fake, the answer back into the
 * bot), and meets each loop's lag at every crossing. Database round trips are not counted (they are not
 * visible for a bot botcap did not write), so the lag term is a lower bound where a bot queries a lot.
 *   distortion_i = (S - 1) x d_i                         (simulated ms)
 *
 * The run's figure is the 95th percentile of distortion_i weighted by n_i (a p95 budget sees the worst 5%
 * of updates, so the worst 5% of the lab's delay is what can move it). Event-loop lag is what a timer waits
 * beyond its due time (Node's monitorEventLoopDelay, less its resolution): the wait every callback of an
 * update meets in a busy process. The estimate is conservative where it errs: an update does not always
 * meet the mean lag in every process, and CPU time per item charges background work (GC, scheduler ticks)
 * to the items.
 */
export const FIDELITY_METHOD = 'lab-delay-x-scale';

export const FIDELITY_DEFAULTS = {
  /** The bound is this share of the tightest latency budget of the scenario. */
  boundShare: 0.05,
  /** ...but never below this, simulated ms: a budget of 500 ms must not demand a lab faster than loopback. */
  boundFloorMs: 50,
  /** The budget assumed when the scenario states none: a first reply within 3 s at p95. */
  defaultBudgetMs: 3_000,
  /** How many of the worst intervals the result names. */
  worstIntervalCount: 3,
  /** The percentile of the per-item delay the run's figure takes. */
  percentile: 95,
} as const;

/** What one process did during one interval. */
export interface ProcessInterval {
  /** As the run names it: `loadgen` (the generator, fakes included), `bot-1`, `postgres`, `pgbouncer`, ... */
  name: string;
  /** `bot` processes share the items (each item visits one); the rest see every item. */
  role: 'generator' | 'bot' | 'other';
  /** Percent of one core over the interval (may exceed 100 for a process with children). */
  cpuPercent?: number;
  /** Event-loop lag over the interval, real ms, resolution already removed (Node processes only). */
  loopLagMs?: number;
}

/** One sampling interval of a run. */
export interface FidelityInterval {
  /** Simulated ms since the run started. */
  startMs: number;
  endMs: number;
  /** Updates injected + digests sent in the interval. */
  items: number;
  /** Mean injection lag of the updates injected in the interval, real ms. */
  injectionLagMs: number;
  /** Mean lag between a reply's record and the generator taking it, real ms (the users' cycles, not latency). */
  replyProcessingLagMs?: number;
  /** Event-loop crossings per item: 1 + Bot API calls per item (default 1). */
  hopsPerItem?: number;
  processes: readonly ProcessInterval[];
}

export interface FidelityEstimateInput {
  timeScale: number;
  timeScaleSource: Fidelity['timeScaleSource'];
  boundMs: number;
  intervals: readonly FidelityInterval[];
  /**
   * A user's mean cycle (think time), simulated ms: the reply-processing lag is judged against it. Unset, the
   * cycle is not judged.
   */
  meanCycleMs?: number;
}

/** One interval's estimate, with each process's share of the real delay. */
export interface IntervalEstimate {
  startMs: number;
  endMs: number;
  items: number;
  /** Real ms of lab delay per item. */
  realDelayMs: number;
  /** (S - 1) x realDelayMs. */
  distortionMs: number;
  /** The interval's reply-processing lag, real ms, when measured (FidelityInterval). */
  replyProcessingLagMs?: number;
  /** Real ms per item by process name (`loadgen` includes the injection lag). */
  byProcess: ReadonlyMap<string, number>;
  limitingProcess: string;
}

/**
 * One interval's real lab delay per item, split by process.
 *
 * @example
 * intervalEstimate({ startMs: 0, endMs: 20_000, items: 100, injectionLagMs: 1,
 *   processes: [{ name: 'loadgen', role: 'generator', cpuPercent: 10, loopLagMs: 0.5 }] }, 20).distortionMs
 * // (1 + 0.5 + 0.1 x 1000 / 100) x 19 = 47.5
 */
export function intervalEstimate(interval: FidelityInterval, timeScale: number): IntervalEstimate {
  const realMs = (interval.endMs - interval.startMs) / timeScale;
  const byProcess = new Map<string, number>();
  const add = (name: string, ms: number) => byProcess.set(name, (byProcess.get(name) ?? 0) + ms);
  add('loadgen', interval.injectionLagMs);
  const bots = interval.processes.filter((p) => p.role === 'bot');
  for (const process of interval.processes) {
    // CPU time per item: with no item in the interval nothing was delayed by it.
    const cpuMs = interval.items > 0 ? (((process.cpuPercent ?? 0) / 100) * realMs) / interval.items : 0;
    // An item meets one bot's loop, so the bots' lags count as their mean; every other loop it meets.
    const lagMs = ((process.loopLagMs ?? 0) * (interval.hopsPerItem ?? 1)) / (process.role === 'bot' ? bots.length : 1);
    add(process.name, cpuMs + lagMs);
  }
  let realDelayMs = 0;
  let limitingProcess = 'loadgen';
  for (const [name, ms] of byProcess) {
    realDelayMs += ms;
    if (ms > (byProcess.get(limitingProcess) ?? 0)) limitingProcess = name;
  }
  return {
    startMs: interval.startMs,
    endMs: interval.endMs,
    items: interval.items,
    realDelayMs,
    distortionMs: Math.max(0, timeScale - 1) * realDelayMs,
    ...(interval.replyProcessingLagMs === undefined ? {} : { replyProcessingLagMs: interval.replyProcessingLagMs }),
    byProcess,
    limitingProcess,
  };
}

/** The weighted `percentile` of `values` (weights > 0), nearest rank. */
function weightedPercentile(values: ReadonlyArray<{ value: number; weight: number }>, percentile: number): number {
  const sorted = values.filter((v) => v.weight > 0).sort((a, b) => a.value - b.value);
  const total = sorted.reduce((sum, v) => sum + v.weight, 0);
  if (total === 0) return 0;
  const rank = (percentile / 100) * total;
  let seen = 0;
  for (const v of sorted) {
    seen += v.weight;
    if (seen >= rank) return v.value;
  }
  return sorted.at(-1)!.value;
}

/**
 * The fidelity verdict of a run from its intervals: the estimated distortion (weighted p95 over items),
 * `ok` when within the bound, the worst intervals, the process that contributed most across the run, and
 * the largest scale that would have kept the same real delay within the bound. That last figure assumes the
 * real delay per item stays what it was: at a lower scale the load per real second is lower, so it is a
 * lower bound of the faithful scale.
 *
 * @example
 * estimateFidelity({ timeScale: 20, timeScaleSource: 'scenario', boundMs: 150, intervals }).status // 'ok' | 'distorted'
 */
export function estimateFidelity(input: FidelityEstimateInput): Fidelity {
  const estimates = input.intervals.map((interval) => intervalEstimate(interval, input.timeScale));
  const withItems = estimates.filter((e) => e.items > 0);
  const p = FIDELITY_DEFAULTS.percentile;
  const estimatedDistortionMs = weightedPercentile(
    withItems.map((e) => ({ value: e.distortionMs, weight: e.items })),
    p,
  );
  const realDelayMs = weightedPercentile(
    withItems.map((e) => ({ value: e.realDelayMs, weight: e.items })),
    p,
  );
  const totals = new Map<string, number>();
  for (const e of withItems)
    for (const [name, ms] of e.byProcess) totals.set(name, (totals.get(name) ?? 0) + ms * e.items);
  const limitingProcess = [...totals].sort((a, b) => b[1] - a[1])[0]?.[0] ?? 'loadgen';
  const worstIntervals = [...withItems]
    .sort((a, b) => b.distortionMs - a.distortionMs)
    .slice(0, FIDELITY_DEFAULTS.worstIntervalCount)
    .map((e) => ({
      startMs: Math.round(e.startMs),
      endMs: Math.round(e.endMs),
      distortionMs: round1(e.distortionMs),
      limitingProcess: e.limitingProcess,
    }));
  const cycle = cycleStretch(withItems, input);
  const latencyOk = estimatedDistortionMs <= input.boundMs;
  const cycleOk = cycle === undefined || cycle.share <= cycle.boundShare;
  const faithful = [
    ...(realDelayMs > 0 ? [1 + input.boundMs / realDelayMs] : []),
    ...(cycle !== undefined && cycle.realLagMs > 0 ? [1 + (cycle.boundShare * cycle.cycleMs) / cycle.realLagMs] : []),
  ];
  return {
    timeScale: input.timeScale,
    timeScaleSource: input.timeScaleSource,
    method: FIDELITY_METHOD,
    estimatedDistortionMs: round1(estimatedDistortionMs),
    boundMs: input.boundMs,
    status: latencyOk && cycleOk ? 'ok' : 'distorted',
    worstIntervals,
    limitingProcess: latencyOk && !cycleOk ? 'loadgen' : limitingProcess,
    ...(faithful.length > 0 ? { maxFaithfulTimeScale: round1(Math.min(...faithful)) } : {}),
    ...(cycle === undefined
      ? {}
      : {
          cycleStretch: {
            stretchMs: round1(cycle.stretchMs),
            cycleMs: Math.round(cycle.cycleMs),
            share: Math.round(cycle.share * 10_000) / 10_000,
            boundShare: cycle.boundShare,
          },
        }),
  };
}

/**
 * The second thing the lab's delay distorts: the load's shape. A VU starts its next think time only when the
 * generator has taken the reply, so each real ms of that lag stretches every user's cycle by (S - 1) ms more
 * than at 1x, and a closed model then sends fewer updates than it should. Judged as a share of the mean cycle
 * (the same share as the latency bound), at the item-weighted 95th percentile of the per-interval lag.
 */
function cycleStretch(
  estimates: readonly IntervalEstimate[],
  input: FidelityEstimateInput,
): { realLagMs: number; stretchMs: number; cycleMs: number; share: number; boundShare: number } | undefined {
  if (input.meanCycleMs === undefined || input.meanCycleMs <= 0) return undefined;
  const lags = estimates.filter((e) => e.replyProcessingLagMs !== undefined);
  if (lags.length === 0) return undefined;
  const realLagMs = weightedPercentile(
    lags.map((e) => ({ value: e.replyProcessingLagMs!, weight: e.items })),
    FIDELITY_DEFAULTS.percentile,
  );
  const stretchMs = Math.max(0, input.timeScale - 1) * realLagMs;
  return {
    realLagMs,
    stretchMs,
    cycleMs: input.meanCycleMs,
    share: stretchMs / input.meanCycleMs,
    boundShare: FIDELITY_DEFAULTS.boundShare,
  };
}

function round1(value: number): number {
  return Math.round(value * 10) / 10;
}
