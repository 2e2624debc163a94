import type { Fidelity } from '../../contracts/run-result.ts';

/**
 * The lab's own delay, estimated from what every process of a run spent in real time, and what it reads as
 * on the simulated clock.
 *
 * Why: a run at time scale S divides every designed wait (think times, the fakes' latencies) by S, but not
 * real work. Each real millisecond an update spends in the lab reads as S simulated milliseconds. Two kinds:
 *
 * - the system's own real time, d_sys (the bots' CPU and event loops, PostgreSQL, PgBouncer): at 1x it would
 *   read as itself, and production has it too, so the lab adds (S - 1) x d_sys;
 * - the lab's real time, d_lab (the generator and the fakes it hosts: injection lag, its event loop, its CPU;
 *   and the share of the bots' event-loop lag that comes from waiting for a core the generator holds):
 *   real Telegram and Claude do not add it, so it is all distortion, S x d_lab, at 1x as at any scale.
 *
 * Method `lab-delay-x-scale` (capacity-methods.md, "Time compression and fidelity"; the per-process split is
 * operational analysis: CPU time per item = utilization x interval / items, Denning & Buzen's utilization law):
 * for each sampling interval i of real length T_i with n_i work items (updates injected + digests sent),
 *
 *   d_i = injection lag                                  (generator: actual - intended send time, real ms)
 *       + h_i x event-loop lag of the generator          (it hosts the fakes: delivery and reply recording)
 *       + h_i x mean event-loop lag of the bot instances (an update visits one of them)
 *       + sum over processes p of c_p                    (CPU time per item: generator, bots, PostgreSQL, ...)
 *
 * where c_p, a process's CPU per item, is its service demand: the slope of busy time against items over the
 * run's intervals (serviceDemands), or busy time / items of the interval when no line can be fitted;
 * h_i, the hops per item, is 1 + the Bot API calls per item: an update crosses both event loops once to
 * arrive and once more for every call its bot makes (the request into the fake, the answer back into the
 * bot), and meets each loop's lag at every crossing. Database round trips are not counted (they are not
 * visible for a bot botcap did not write), so the lag term is a lower bound where a bot queries a lot.
 * The first three terms and the generator's CPU are d_lab. Of the bots' lag, the contention share
 *
 *   bots' lag x (generator CPU / all CPU) x min(1, all CPU / cores)
 *
 * is d_lab too (proportional attribution: on a busy machine a loop waits for a core in proportion to who
 * holds the cores; on an idle one it waits for nobody); the rest of d_i is d_sys. Without `cores` the
 * contention share is not counted.
 *   distortion_i = S x d_lab,i + (S - 1) x d_sys,i       (simulated ms)
 *
 * The run's figure is the 95th percentile of distortion_i weighted by n_i (a p95 budget sees the worst 5%
 * of updates, so the worst 5% of the lab's delay is what can move it). Event-loop lag is what a timer waits
 * beyond its due time (Node's monitorEventLoopDelay, less its resolution): the wait every callback of an
 * update meets in a busy process. The estimate is conservative where it errs: an update does not always
 * meet the p99 lag in every process, and where no demand can be fitted, CPU time per item charges
 * background work (GC, scheduler ticks) to the items.
 *
 * Where it errs the other way: an item that waits in a queue at a saturated resource (a connection pool whose
 * every connection is held, a full webhook) also waits out the scaled real time of every item ahead of it,
 * and d_i counts the item's own time only. So near saturation the estimate is a lower bound, and a run can
 * read ok while its latency still moves with the scale: the pooling matrix's PgBouncer skip-locked variant
 * (20 server connections pinned by open claims at 10:00) read ok at 1x and 3x (12 and 63 ms) with p95 reply
 * 2.1 s and 9.2 s (scenarios/matrices/pooling.ts has the run). Such a scenario runs at 1x, where the system's
 * real time reads as itself and only the lab's delay is added. One run cannot see this; two can: `botcap
 * matrix` runs every variant it played above 1x again at 1x and compares their figures (the scale check,
 * reports/matrix/scale-check.ts).
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
  /** The machine's cores, for the contention share of the bots' lag; unset, it is not counted. */
  cores?: number;
}

/** One interval's estimate, with each process's share of the real delay. */
export interface IntervalEstimate {
  startMs: number;
  endMs: number;
  items: number;
  /** Real ms per item spent in the lab's own parts (generator, fakes, contention they caused): d_lab. */
  labDelayMs: number;
  /** Real ms per item spent in the system under test (bots, PostgreSQL, ...): d_sys. */
  systemDelayMs: number;
  /** labDelayMs + systemDelayMs. */
  realDelayMs: number;
  /** S x labDelayMs + (S - 1) x systemDelayMs. */
  distortionMs: number;
  /** The interval's reply-processing lag, real ms, when measured (FidelityInterval). */
  replyProcessingLagMs?: number;
  /** Real ms per item by process name (`loadgen` includes the injection lag). */
  byProcess: ReadonlyMap<string, number>;
  limitingProcess: string;
}

/**
 * One interval's real delay per item, split by process and into the lab's and the system's.
 *
 * @example
 * intervalEstimate({ startMs: 0, endMs: 20_000, items: 100, injectionLagMs: 1,
 *   processes: [{ name: 'loadgen', role: 'generator', cpuPercent: 10, loopLagMs: 0.5 }] }, 20).distortionMs
 * // all of it the lab's: (1 + 0.5 + 0.1 x 1000 / 100) x 20 = 50
 */
export function intervalEstimate(
  interval: FidelityInterval,
  timeScale: number,
  options: { cores?: number; cpuMsPerItem?: ReadonlyMap<string, number> } = {},
): IntervalEstimate {
  const realMs = (interval.endMs - interval.startMs) / timeScale;
  const byProcess = new Map<string, number>();
  const add = (name: string, ms: number) => byProcess.set(name, (byProcess.get(name) ?? 0) + ms);
  add('loadgen', interval.injectionLagMs);
  let labDelayMs = interval.injectionLagMs;
  let systemDelayMs = 0;
  const bots = interval.processes.filter((p) => p.role === 'bot');
  const contention = contentionShare(interval.processes, options.cores);
  for (const process of interval.processes) {
    // CPU time per item: with no item in the interval nothing was delayed by it. The run's service demand
    // when estimateFidelity fitted one, else this interval's busy time over its items.
    const demand = options.cpuMsPerItem?.get(process.name);
    const cpuMs = interval.items === 0 ? 0 : (demand ?? (((process.cpuPercent ?? 0) / 100) * realMs) / interval.items);
    // An item meets one bot's loop, so the bots' lags count as their mean; every other loop it meets.
    const lagMs = ((process.loopLagMs ?? 0) * (interval.hopsPerItem ?? 1)) / (process.role === 'bot' ? bots.length : 1);
    add(process.name, cpuMs + lagMs);
    if (process.role === 'generator') labDelayMs += cpuMs + lagMs;
    else if (process.role === 'bot') {
      labDelayMs += lagMs * contention;
      systemDelayMs += cpuMs + lagMs * (1 - contention);
    } else systemDelayMs += cpuMs + lagMs;
  }
  let limitingProcess = 'loadgen';
  for (const [name, ms] of byProcess) if (ms > (byProcess.get(limitingProcess) ?? 0)) limitingProcess = name;
  return {
    startMs: interval.startMs,
    endMs: interval.endMs,
    items: interval.items,
    labDelayMs,
    systemDelayMs,
    realDelayMs: labDelayMs + systemDelayMs,
    distortionMs: distortionAt(timeScale, labDelayMs, systemDelayMs),
    ...(interval.replyProcessingLagMs === undefined ? {} : { replyProcessingLagMs: interval.replyProcessingLagMs }),
    byProcess,
    limitingProcess,
  };
}

/** S x d_lab + (S - 1) x d_sys, simulated ms (the module comment). */
function distortionAt(timeScale: number, labDelayMs: number, systemDelayMs: number): number {
  return timeScale * labDelayMs + Math.max(0, timeScale - 1) * systemDelayMs;
}

/**
 * The share of a bot's event-loop lag the generator caused by holding cores: its share of all CPU, times how
 * busy the machine was (0 when `cores` is unknown).
 */
function contentionShare(processes: readonly ProcessInterval[], cores: number | undefined): number {
  if (cores === undefined || cores <= 0) return 0;
  const all = processes.reduce((sum, p) => sum + (p.cpuPercent ?? 0), 0);
  if (all <= 0) return 0;
  const lab = processes.filter((p) => p.role === 'generator').reduce((sum, p) => sum + (p.cpuPercent ?? 0), 0);
  return (lab / all) * Math.min(1, all / (100 * cores));
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
  const cpuMsPerItem = serviceDemands(input.intervals, input.timeScale);
  const estimates = input.intervals.map((interval) =>
    intervalEstimate(interval, input.timeScale, {
      cpuMsPerItem,
      ...(input.cores === undefined ? {} : { cores: input.cores }),
    }),
  );
  const withItems = estimates.filter((e) => e.items > 0);
  const p = FIDELITY_DEFAULTS.percentile;
  const estimatedDistortionMs = weightedPercentile(
    withItems.map((e) => ({ value: e.distortionMs, weight: e.items })),
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
  const latencyFaithful = maxFaithfulScale(withItems, input.boundMs);
  const faithful = [
    ...(latencyFaithful === undefined ? [] : [latencyFaithful]),
    ...(cycle !== undefined && cycle.realLagMs > 0 ? [(cycle.boundShare * cycle.cycleMs) / cycle.realLagMs] : []),
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
    ...(faithful.length > 0 ? { maxFaithfulTimeScale: roundScale(Math.min(...faithful)) } : {}),
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

/** Below this many intervals with items, or this little spread in their items, no line is fitted. */
const DEMAND_FIT = { minIntervals: 8, minItemsCv: 0.15 } as const;

/**
 * Each process's CPU ms per item over the run, by regression of each interval's busy time on its items
 * (busy_i = background + demand x items_i; service demand estimation by regression, Rolia & Vetland 1995):
 * the slope is what an item costs, the intercept what the process spends anyway (the sampler, timers, GC of
 * its own). Charging that background to the items, as busy time / items does, made a quiet generator at
 * 5 updates a second read 22 ms per update; when background work does hold an item up, the event-loop lag
 * shows it. The slope is kept between 0 and the plain ratio (all busy time over all items); with too few
 * intervals, or items too even to fit a line, the process is left out and each interval uses its ratio.
 */
function serviceDemands(intervals: readonly FidelityInterval[], timeScale: number): Map<string, number> {
  const withItems = intervals.filter((i) => i.items > 0);
  const demands = new Map<string, number>();
  if (withItems.length < DEMAND_FIT.minIntervals) return demands;
  const items = withItems.map((i) => i.items);
  const meanItems = items.reduce((a, b) => a + b, 0) / items.length;
  const varItems = items.reduce((sum, n) => sum + (n - meanItems) ** 2, 0) / items.length;
  if (Math.sqrt(varItems) / meanItems < DEMAND_FIT.minItemsCv) return demands;
  const names = new Set(withItems.flatMap((i) => i.processes.map((p) => p.name)));
  for (const name of names) {
    const points = withItems.flatMap((i) => {
      const cpu = i.processes.find((p) => p.name === name)?.cpuPercent;
      return cpu === undefined ? [] : [{ items: i.items, busyMs: (cpu / 100) * ((i.endMs - i.startMs) / timeScale) }];
    });
    if (points.length < DEMAND_FIT.minIntervals) continue;
    const mx = points.reduce((sum, p) => sum + p.items, 0) / points.length;
    const my = points.reduce((sum, p) => sum + p.busyMs, 0) / points.length;
    const sxx = points.reduce((sum, p) => sum + (p.items - mx) ** 2, 0);
    const sxy = points.reduce((sum, p) => sum + (p.items - mx) * (p.busyMs - my), 0);
    if (sxx <= 0) continue;
    const ratio = my / mx;
    demands.set(name, Math.min(ratio, Math.max(0, sxy / sxx)));
  }
  return demands;
}

/**
 * The largest scale whose item-weighted p95 of S x d_lab + (S - 1) x d_sys stays within the bound, the real
 * delays held as measured; below 1 when the lab's own delay alone passes the bound even at 1x. Undefined when
 * nothing delayed anything. The p95 only grows with S, so a bisection finds it.
 */
function maxFaithfulScale(estimates: readonly IntervalEstimate[], boundMs: number): number | undefined {
  if (!estimates.some((e) => e.realDelayMs > 0)) return undefined;
  const p95At = (scale: number) =>
    weightedPercentile(
      estimates.map((e) => ({ value: distortionAt(scale, e.labDelayMs, e.systemDelayMs), weight: e.items })),
      FIDELITY_DEFAULTS.percentile,
    );
  let low = 0;
  let high = 1;
  while (p95At(high) <= boundMs && high < 1e6) high *= 2;
  if (high >= 1e6) return undefined;
  for (let i = 0; i < 40; i++) {
    const mid = (low + high) / 2;
    if (p95At(mid) <= boundMs) low = mid;
    else high = mid;
  }
  return low > 0 ? low : undefined;
}

/**
 * The second thing the lab's delay distorts: the load's shape. A VU starts its next think time only when the
 * generator has taken the reply, so each real ms of that lag stretches every user's cycle by S simulated ms
 * (real Telegram has no such lag, so none of it is the system's), and a closed model then sends fewer updates
 * than it should. Judged as a share of the mean cycle
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
  // The generator's lag is the lab's: at 1x it stretches the cycle too, so all S x lag of it counts.
  const stretchMs = input.timeScale * realLagMs;
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

/** A scale to 0.1, or to 0.01 below 1 (where 0.75x and 0.8x are different verdicts), never 0. */
function roundScale(scale: number): number {
  return scale >= 1 ? round1(scale) : Math.max(0.01, Math.round(scale * 100) / 100);
}
