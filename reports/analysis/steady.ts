/**
 * Whether a load level was steady: a level can only be judged held or broken once what it measures has
 * stopped moving. Three checks, each stated in the report:
 * 1. long enough: the hold lasts at least `minCycles` user cycles (think time + response time), so every
 *    user went round the loop several times at that load (Little's law needs the level's population to
 *    have turned over before its averages mean anything);
 * 2. halves agree: the budget's percentile over the replies to the updates sent in the hold's first half and
 *    in its second half (or, for results that did not record them, the median of the per-interval latency
 *    points of each half) differ by at most `tolerance` of the larger (plus a small absolute slack, so 40 ms
 *    vs 60 ms is not "unsteady"); with each half's replies, the gap must also lie beyond both halves' 90%
 *    intervals (reports/analysis/quantile-interval.ts): a p95 of twenty replies is nearly their maximum, and
 *    two such maxima differ by chance more often than not;
 * 3. no queue grows: none of the queues (pending updates at Telegram, the Claude bulkhead's queue, the pool's
 *    waiting clients) ends the hold markedly longer than it began it: a growing queue means the level is
 *    above capacity and its latency is still rising, whatever its current value.
 *
 * One unsettled level is judged all the same: an overloaded one. Its second half broke the budget and is not
 * markedly better than its first (as in 2), and either its latency rose through the hold (its halves differ
 * as in 2, the second the slower), or a queue grew through it (3), or both halves broke the budget. Where it
 * would settle is known: after a step up in load a queue approaches its equilibrium from below, so a latency
 * still rising settles, if ever, above where it already is, and one past the budget all through the hold
 * shows no sign of coming back under it. A longer hold cannot make it hold, and an overloaded level's user
 * cycle stretches towards the reply deadline, so check 1 would call every hold of it too short. It is broken,
 * and the report says it was by overload. The mirror case (the first half broke the budget, the second held it: a step's
 * burst draining) stays "not steady": half a hold within the budget is not a whole level held.
 */
export const STEADY_DEFAULTS = {
  minCycles: 3,
  tolerance: 0.25,
  /** Halves within this many ms agree whatever their ratio. */
  slackMs: 100,
  /** A queue grew if its last third's mean exceeds its first third's by this much and by `queueGrowthShare`. */
  queueGrowthMin: 5,
  queueGrowthShare: 0.5,
} as const;

export type Point = readonly [tMs: number, value: number];

/** Overrides of {@link STEADY_DEFAULTS}. */
export type SteadyOptions = { [K in keyof typeof STEADY_DEFAULTS]?: number };

/** The steadiness figures in force: the defaults with any overrides. */
type SteadyRules = { [K in keyof typeof STEADY_DEFAULTS]: number };

export interface LevelWindow {
  /** The hold, simulated ms since the run started. */
  fromMs: number;
  toMs: number;
  /** The budget's latency percentile per interval inside the hold (points stamped at interval ends). */
  latency: readonly Point[];
  /** Queue series inside the hold, by name (`telegram_pending_updates@fake-telegram`, ...). */
  queues: ReadonlyMap<string, readonly Point[]>;
  /** One user cycle at this level: mean think time + the level's median latency, simulated ms. */
  cycleMs: number;
  /**
   * The budget's percentile over each half's replies, with how many replies it rests on; when given, the
   * halves check reads these instead of the latency points.
   */
  halves?: readonly [HalfLatency, HalfLatency];
  /** The latency budget the level is judged on (ms); without it no level is called overloaded. */
  budgetMs?: number;
}

/** One half of a hold: the budget's percentile of its replies (null when it had none) and its 90% interval. */
export interface HalfLatency {
  latencyMs: number | null;
  interval: { lowMs: number; highMs: number | null } | null;
}

export type Steadiness =
  | { steady: true }
  | { steady: false; reason: 'too-short'; holdMs: number; neededMs: number }
  | { steady: false; reason: 'halves-differ'; firstHalfMs: number; secondHalfMs: number }
  | { steady: false; reason: 'queue-growing'; queue: string; fromValue: number; toValue: number }
  | {
      steady: false;
      reason: 'overloaded';
      /** What showed it: the latency rose, a queue grew, or both halves broke the budget. */
      evidence: 'latency-rose' | 'queue-grew' | 'past-budget-throughout';
      firstHalfMs: number;
      secondHalfMs: number;
      budgetMs: number;
      /** The queue that grew through the hold (evidence `queue-grew`), else null. */
      queue: string | null;
    };

/** Whether a level is judged broken although it never settled: see the module comment. */
export function isOverloaded(s: Steadiness): boolean {
  return !s.steady && s.reason === 'overloaded';
}

function median(values: readonly number[]): number | undefined {
  if (values.length === 0) return undefined;
  const sorted = [...values].sort((a, b) => a - b);
  const mid = sorted.length >> 1;
  return sorted.length % 2 === 1 ? sorted[mid]! : (sorted[mid - 1]! + sorted[mid]!) / 2;
}

function mean(values: readonly number[]): number {
  return values.length === 0 ? 0 : values.reduce((a, b) => a + b, 0) / values.length;
}

/** Whether two halves' intervals are apart: one's upper bound below the other's lower bound. */
function intervalsApart(a: HalfLatency, b: HalfLatency): boolean {
  if (a.interval === null || b.interval === null) return false;
  type Interval = NonNullable<HalfLatency['interval']>;
  const below = (x: Interval, y: Interval) => x.highMs !== null && x.highMs < y.lowMs;
  return below(a.interval, b.interval) || below(b.interval, a.interval);
}

/** The two halves' latencies, undefined where a half cannot be read (no points, no replies). */
function halvesOf(window: LevelWindow): [number | undefined, number | undefined] {
  if (window.halves !== undefined)
    return [window.halves[0].latencyMs ?? undefined, window.halves[1].latencyMs ?? undefined];
  const midMs = window.fromMs + (window.toMs - window.fromMs) / 2;
  return [
    median(window.latency.filter(([t]) => t <= midMs).map(([, v]) => v)),
    median(window.latency.filter(([t]) => t > midMs).map(([, v]) => v)),
  ];
}

/** Whether the halves differ beyond the tolerance, the slack and (with their replies) chance. */
function halvesDiffer(window: LevelWindow, first: number, second: number, o: SteadyRules): boolean {
  // Halves whose intervals overlap are one level sampled twice, whatever their point figures say.
  if (window.halves !== undefined && !intervalsApart(window.halves[0], window.halves[1])) return false;
  const gap = Math.abs(first - second);
  return gap > o.slackMs && gap > o.tolerance * Math.max(first, second);
}

/** The first queue that grew through the hold: its last third's mean well above its first third's. */
function growingQueue(
  window: LevelWindow,
  o: SteadyRules,
): { queue: string; fromValue: number; toValue: number } | undefined {
  for (const [queue, points] of window.queues) {
    if (points.length < 3) continue;
    const third = Math.max(1, Math.floor(points.length / 3));
    const fromValue = mean(points.slice(0, third).map(([, v]) => v));
    const toValue = mean(points.slice(-third).map(([, v]) => v));
    const growth = toValue - fromValue;
    if (growth > o.queueGrowthMin && growth > o.queueGrowthShare * Math.max(fromValue, 1))
      return { queue, fromValue, toValue };
  }
  return undefined;
}

/**
 * The level's steadiness, by the three checks in order; an unsettled level that was overloaded says so.
 *
 * @example
 * levelSteadiness({ fromMs: 0, toMs: 120_000, latency, queues: new Map(), cycleMs: 25_000 }) // { steady: true }
 */
export function levelSteadiness(window: LevelWindow, options: SteadyOptions = {}): Steadiness {
  const o = { ...STEADY_DEFAULTS, ...options };
  const [first, second] = halvesOf(window);
  const halvesRead = first !== undefined && second !== undefined;
  const differ = halvesRead && halvesDiffer(window, first, second, o);
  const queue = growingQueue(window, o);

  const unsettled = unsettledReason(window, o, differ, first, second, queue);
  if (unsettled === undefined) return { steady: true };
  // An unsettled level may still be judged broken, however short its hold (see the module comment).
  const { budgetMs } = window;
  // A second half markedly faster than the first is a burst draining, whatever its figure.
  if (!halvesRead || budgetMs === undefined || second <= budgetMs || (differ && second < first)) return unsettled;
  const evidence = differ
    ? 'latency-rose'
    : queue !== undefined
      ? 'queue-grew'
      : first > budgetMs
        ? 'past-budget-throughout'
        : undefined;
  if (evidence === undefined) return unsettled;
  return {
    steady: false,
    reason: 'overloaded',
    evidence,
    firstHalfMs: first,
    secondHalfMs: second,
    budgetMs,
    queue: evidence === 'queue-grew' ? queue!.queue : null,
  };
}

/** Why the level did not settle, by checks 1-3 in order; undefined when it did. */
function unsettledReason(
  window: LevelWindow,
  o: SteadyRules,
  differ: boolean,
  first: number | undefined,
  second: number | undefined,
  queue: ReturnType<typeof growingQueue>,
): Steadiness | undefined {
  const holdMs = window.toMs - window.fromMs;
  const neededMs = o.minCycles * window.cycleMs;
  if (holdMs < neededMs) return { steady: false, reason: 'too-short', holdMs, neededMs };
  if (differ) return { steady: false, reason: 'halves-differ', firstHalfMs: first!, secondHalfMs: second! };
  if (queue !== undefined) return { steady: false, reason: 'queue-growing', ...queue };
  return undefined;
}

/**
 * The steadiness rule in words, for a report's rules list.
 *
 * @example
 * steadinessRule() // 'a level is steady when its hold lasts >= 3 user cycles (think + response), ...'
 */
export function steadinessRule(options: SteadyOptions = {}): string {
  const o = { ...STEADY_DEFAULTS, ...options };
  return (
    `a level is judged only when steady: its hold lasts >= ${o.minCycles} user cycles (think + response time), ` +
    `the latency of its two halves differs by <= ${Math.round(o.tolerance * 100)}% (or ${o.slackMs} ms, or within their 90% intervals), ` +
    `and no queue (pending updates, Claude bulkhead, pool waiters) grows through it; otherwise it is "not steady", never held or broken - ` +
    'except an overloaded level, whose second half broke the budget, not markedly better than its first, while its latency rose, a queue grew, or its first half broke the budget too: it would settle above the budget, so it is broken'
  );
}

function seconds(ms: number): string {
  return ms >= 10_000 ? `${Math.round(ms / 1000)} s` : `${(ms / 1000).toFixed(1)} s`;
}

/**
 * Why a level was not steady, in words.
 *
 * @example
 * steadinessText({ steady: false, reason: 'too-short', holdMs: 15_000, neededMs: 87_000 })
 * // 'held 15 s, shorter than 3 user cycles (87 s)'
 */
export function steadinessText(s: Steadiness, options: SteadyOptions = {}): string {
  const o = { ...STEADY_DEFAULTS, ...options };
  if (s.steady) return 'steady';
  switch (s.reason) {
    case 'too-short':
      return `held ${seconds(s.holdMs)}, shorter than ${o.minCycles} user cycles (${seconds(s.neededMs)})`;
    case 'halves-differ':
      return `its halves differ (${Math.round(s.firstHalfMs)} ms, then ${Math.round(s.secondHalfMs)} ms)`;
    case 'queue-growing':
      return `${s.queue} grew through it (${Math.round(s.fromValue)} -> ${Math.round(s.toValue)})`;
    case 'overloaded': {
      const how = {
        'latency-rose': 'its latency rose through the hold',
        'queue-grew': `${s.queue} grew through the hold`,
        'past-budget-throughout': 'past the budget through the whole hold',
      }[s.evidence];
      return `overloaded: ${how} (${Math.round(s.firstHalfMs)} ms, then ${Math.round(s.secondHalfMs)} ms; budget ${Math.round(s.budgetMs)} ms)`;
    }
  }
}
