import type { Steadiness } from './steady.ts';

/**
 * The analysis objects that `reports/analysis/` produces and the renderers (`reports/render/`) and
 * `botcap cost` consume. Plain JSON (no Maps, Dates or functions), so `JSON.stringify` is the JSON report.
 * Bump ANALYSIS_SCHEMA_VERSION on any breaking change to these shapes (2: a load level has a `status`,
 * held / broke / not-steady, and its `steadiness`, instead of `withinBudget`).
 *
 * Units: every `...Ms` is simulated milliseconds (RunResult's axis); `...PerS` is per simulated second.
 */
export const ANALYSIS_SCHEMA_VERSION = 2;

/** A `[x, y]` point; x is simulated ms since the run started unless the field says otherwise. */
export type Point = [number, number];

/** Latency percentiles from one HDR histogram; null when nothing was recorded. */
export interface LatencySummary {
  count: number;
  minMs: number | null;
  meanMs: number | null;
  p50Ms: number | null;
  p90Ms: number | null;
  p95Ms: number | null;
  p99Ms: number | null;
  maxMs: number | null;
}

/** One bar of a histogram chart: values in `[fromMs, toMs)`; `toMs` null for the open last bucket. */
export interface HistogramBucket {
  fromMs: number;
  toMs: number | null;
  count: number;
}

/** A time series summarised: for CPU, RSS, event-loop lag, pool counts, queue lengths. */
export interface SeriesSummary {
  name: string;
  source: string;
  unit: string;
  samples: number;
  min: number | null;
  mean: number | null;
  p95: number | null;
  max: number | null;
  last: number | null;
  /** The points themselves, downsampled to at most `maxPoints` (bucket means, the bucket max kept). */
  points: Point[];
}

/** A contiguous period in one breaker state, from the `breaker_state` series. */
export interface BreakerPeriod {
  source: string;
  state: 'closed' | 'half-open' | 'open';
  startMs: number;
  endMs: number;
}

/** Everything one run says about capacity; `analyzeRun(result)` builds it. */
export interface RunAnalysis {
  schemaVersion: typeof ANALYSIS_SCHEMA_VERSION;
  scenario: string;
  variant: string | null;
  status: 'completed' | 'aborted' | 'failed';
  timeScale: number;
  durationSimulatedS: number;
  load: {
    model: string;
    maxVus: number;
    population: number;
    updatesInjected: number;
    updatesDropped: number;
    updatesByAction: Record<string, number>;
  };
  throughput: {
    /** Replies per simulated second over the whole run (injected - lost). */
    repliesPerS: number;
    updatesInjectedPerS: number;
    /** Replies/s over time, from the `replies_per_s` series when the run recorded it. */
    overTime: Point[];
  };
  latency: {
    replyFinal: LatencySummary;
    replyFirst: LatencySummary;
    byAction: Record<string, LatencySummary>;
    /** p50/p95/p99 over time from the `reply_latency_p*_ms` series. */
    overTime: { p50: Point[]; p95: Point[]; p99: Point[] };
  };
  concurrency: {
    peakVus: number;
    /** Active VUs over time (`vus` series). */
    vusOverTime: Point[];
    claudePeakConcurrency: number;
  };
  errors: {
    byKind: Record<string, number>;
    claudeStatusCounts: Record<string, number>;
    claude429: number;
    claude529: number;
    claudeRetries: number;
    telegram429: number;
    connectionErrors53300: number;
  };
  correctness: {
    lostUpdates: number;
    duplicateReplies: number;
    outOfOrderReplies: number;
    fallbackReplies: number;
    digests: {
      expected: number;
      delivered: number;
      missing: number;
      duplicated: number;
      usersMoved: number;
      lateness: LatencySummary;
      latenessBuckets: HistogramBucket[];
    };
  };
  database: {
    maxConnections: number;
    maxConnectionsSeen: number;
    /** maxConnectionsSeen / maxConnections, 0..1+. */
    connectionsUsedFraction: number;
    poolWait: LatencySummary | null;
    poolWaiting: SeriesSummary[];
    connections: SeriesSummary[];
  };
  bulkhead: { queue: SeriesSummary[]; active: SeriesSummary[] };
  breaker: BreakerPeriod[];
  processes: { cpuPercent: SeriesSummary[]; rssBytes: SeriesSummary[]; eventLoopLagMs: SeriesSummary[] };
}

/** The latency budget the knee is measured against: `pXX <= maxMs`. */
export interface LatencyBudget {
  percentile: 50 | 90 | 95 | 99;
  maxMs: number;
  /**
   * Which latency the budget bounds: the final reply (`reply_latency`, the default) or the first visible
   * output (`reply_first_latency`: a chat action, a callback answer or a message), which leaves out the
   * LLM's generation time and so isolates the bot's own delivery and queueing.
   */
  metric?: LatencyMetric;
}

/** The two latency metrics a budget can bound, named as in thresholds. */
export type LatencyMetric = 'reply_latency' | 'reply_first_latency';

/**
 * How a level was judged: it held the budget, broke it, or never settled (steady.ts), in which case it is
 * neither held nor broken whatever its latency - except an overloaded level (latency still rising, already
 * past the budget), which is broken and says so in its `steadiness`.
 */
export type LevelStatus = 'held' | 'broke' | 'not-steady';

/** One load level of a ramp (a phase) or one run of a set, with the latency it showed. */
export interface LoadLevel {
  /** VUs (closed models) or target rate (open models); `loadUnit` says which. */
  load: number;
  label: string;
  latencyMs: number | null;
  throughputPerS: number | null;
  status: LevelStatus;
  /** Whether the level settled and, if not, why; null when not checked (a whole run of a set of runs). */
  steadiness: Steadiness | null;
  /**
   * The share of the level's updates with no final reply by the deadline, when the run recorded its replies
   * per phase. More than the budget's percentile leaves (5% for a p95) breaks the budget whatever the first
   * output says: a typing indicator is not an answer.
   */
  unansweredShare?: number;
}

/** A resource signal crossing its saturation rule at some load. */
export interface SaturationSignal {
  resource: 'pg-pool' | 'pg-connections' | 'claude-bulkhead' | 'cpu' | 'event-loop' | 'breaker';
  source: string;
  /** The series that shows it, e.g. `pg_pool_waiting`. */
  metric: string;
  /** The lowest load at which the rule held. */
  fromLoad: number;
  /** The value at that load (e.g. 98 for CPU %). */
  value: number;
  /** Plain language: "pg pool waiting > 0 from 140 VUs (bot-1)". */
  sentence: string;
}

export interface KneeAnalysis {
  schemaVersion: typeof ANALYSIS_SCHEMA_VERSION;
  basis: 'ramp' | 'runs';
  loadUnit: 'VUs' | 'updates/s';
  budget: LatencyBudget;
  levels: LoadLevel[];
  /** Highest load at which the budget held at it and every lower level; null if it broke at the first. */
  kneeLoad: number | null;
  /** First load that broke the budget while steady; null if none did. */
  brokeAtLoad: number | null;
  /** Levels that never settled, so were judged neither held nor broken (ascending). */
  notSteadyLoads: number[];
  /** Every level was steady and held the budget (the knee is the top of the tested range, not a limit). */
  heldEveryLevel: boolean;
  /** The resource that saturated first (lowest `fromLoad`); null if none crossed its rule. */
  bottleneck: SaturationSignal | null;
  signals: SaturationSignal[];
  /** The rules, in words, as applied (so a report can print them next to the result). */
  rules: string[];
  sentences: string[];
}

export interface UslPoint {
  concurrency: number;
  throughput: number;
}

export interface UslFit {
  schemaVersion: typeof ANALYSIS_SCHEMA_VERSION;
  sigma: number;
  kappa: number;
  lambda: number;
  /** sqrt((1 - sigma) / kappa); null when kappa is 0 (no retrograde region). */
  nMax: number | null;
  /** X(nMax); lambda / sigma (the asymptote) when kappa is 0; null when both are 0 (linear scaling). */
  peakThroughput: number | null;
  rSquared: number;
  /** Measured minus fitted, in the order of the input points. */
  residuals: Point[];
  points: UslPoint[];
  iterations: number;
  sentences: string[];
}

export interface ErlangCResult {
  servers: number;
  /** a = lambda * S, in Erlangs. */
  offeredLoad: number;
  /** a / c. */
  utilisation: number;
  stable: boolean;
  /** Probability that an arrival waits (Erlang C); 1 when unstable. */
  waitProbability: number;
  /** Mean wait in the queue, seconds; null when unstable (the queue grows without bound). */
  meanWaitS: number | null;
}

/** A stated assumption next to a projected number, e.g. "8 updates per user per day (measured)". */
export interface Assumption {
  name: string;
  value: number;
  unit: string;
  source: 'measured' | 'target' | 'default' | 'given';
  note: string;
}

export interface ProjectedFigure {
  name: string;
  value: number;
  unit: string;
  /** How it was computed, in words, naming the assumptions used. */
  formula: string;
}

export interface Projection {
  schemaVersion: typeof ANALYSIS_SCHEMA_VERSION;
  target: { dailyActiveUsers: number; concurrentUsers: number };
  assumptions: Assumption[];
  figures: ProjectedFigure[];
  sentences: string[];
}

export interface SizingAdvice {
  schemaVersion: typeof ANALYSIS_SCHEMA_VERSION;
  arrivalRatePerS: number;
  serviceTimeS: number;
  currentServers: number;
  /** c / S: the throughput ceiling of the current limit. */
  capacityPerS: number;
  current: ErlangCResult;
  recommendedServers: number | null;
  recommended: ErlangCResult | null;
  targetWaitProbability: number;
  sentences: string[];
}

/** Which way is better for a comparison column. */
export type BestDirection = 'lower' | 'higher';

export interface ComparisonColumn {
  key: string;
  label: string;
  unit: string;
  best: BestDirection;
}

export interface ComparisonRow {
  variant: string;
  values: Record<string, number | null>;
  /** Column keys where this variant is the best (ties: all tied variants). */
  bestIn: string[];
}

export interface Comparison {
  schemaVersion: typeof ANALYSIS_SCHEMA_VERSION;
  scenario: string;
  budget: LatencyBudget;
  columns: ComparisonColumn[];
  rows: ComparisonRow[];
  /** The winning variant by the verdict rules; null when every variant broke a rule, or the table is unranked. */
  winner: string | null;
  rules: string[];
  verdicts: string[];
  /**
   * Set when the table is figures only, ranked by nothing: why (a matrix report, whose answer is its own
   * rule's). Then `winner` is null and `rules` and `verdicts` are empty.
   */
  unranked?: string;
}
