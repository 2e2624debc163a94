import type { RunResult } from '../contracts/run-result.ts';
import type { TokenUsage } from '../contracts/token-usage.ts';
import { measuredClaudeRates } from '../reports/analysis/sizing.ts';
import { DEMAND_CLASSES, type DemandClass, type Interval, type IntervalOptions, intervalsOf } from './intervals.ts';
import { type Estimate, fitUtilizationLaw } from './regression.ts';

/**
 * What one update of a class asks of each resource: the service demands the queueing model runs on.
 * CPU and database times are real seconds (what a production host would spend); Claude slot-seconds are
 * simulated seconds (the fake's latencies are the API's, on the scaled clock), i.e. what production sees.
 */
export interface ClassDemand {
  /** Bot process CPU on the instance that handles it. */
  botCpuS: number;
  /** PostgreSQL CPU. */
  postgresCpuS: number;
  /** Time a pooled connection is held (queries and what the code does between them). */
  dbHoldS: number;
  /** Bot API calls (replies, chat actions, callback answers, digests). */
  telegramCalls: number;
  /** Claude calls (0 for navigation). */
  claudeCalls: number;
  /** Claude bulkhead slot-seconds (calls x mean call duration, retries included). */
  claudeSlotS: number;
  /** Tokens per Claude call of this class (for the rate-limit buckets, latency and cost). */
  tokensPerCall: { input: number; output: number; cacheRead: number; cacheWrite: number };
  /** Share of this class's Claude calls on the small model (routing). */
  smallModelShare: number;
  /** The load generator's CPU per update (lab replays only: it shares the lab's cores). */
  loadgenCpuS: number;
}

/** How a demand figure was obtained. */
export type DemandMethod = 'regression' | 'pooled' | 'bot-metrics' | 'ratio' | 'reference';

/** One resource's regression over the runs' intervals, for the report. */
export interface ResourceFit {
  resource: ResourceName;
  description: string;
  unit: string;
  /** Per class: the estimate and its standard error (null: the class had no traffic in any interval). */
  perClass: Record<DemandClass, Estimate | null>;
  method: 'regression' | 'pooled' | 'none';
  intercept: Estimate | null;
  rSquared: number | null;
  intervals: number;
  /** Why the method was chosen, or what was missing. */
  note: string;
}

/** The demands of every class, with where each came from and how sure it is. */
export interface ServiceDemands {
  classes: Record<DemandClass, ClassDemand>;
  /** Standard errors of the regressed figures (same units), where the fit gives one. */
  uncertainty: Record<DemandClass, Partial<Record<keyof ClassDemand, number>>>;
  /** The method behind each class's figures. */
  methods: Record<DemandClass, Partial<Record<keyof ClassDemand, DemandMethod>>>;
  /** Mean Claude call duration by Little's law (busy slots / calls per s), simulated s; null when unmeasured. */
  claudeCallS: number | null;
  /** The runs the figures come from, and those left out with the reason. */
  runs: Array<{ label: string; timeScale: number; instances: number; fidelity: string }>;
  excluded: Array<{ label: string; reason: string }>;
  fits: ResourceFit[];
  /** The regression against the bot's own metrics, in sentences. */
  crossChecks: string[];
  sentences: string[];
}

export type ResourceName = 'botCpu' | 'postgresCpu' | 'loadgenCpu' | 'dbHold' | 'claudeSlot' | 'telegramCalls';

interface ResourceSpec {
  name: ResourceName;
  field: keyof ClassDemand;
  description: string;
  unit: string;
  read: (i: Interval) => number | null;
  /** `real`: rates are multiplied by the time scale (work done in real time); `simulated`: as recorded. */
  clock: 'real' | 'simulated';
  /** Intervals where the resource was saturated (a queue): its reading is capped, so it says nothing of D. */
  saturated: (i: Interval) => boolean;
}

const RESOURCES: readonly ResourceSpec[] = [
  {
    name: 'botCpu',
    field: 'botCpuS',
    description: 'bot CPU per update',
    unit: 'CPU s',
    read: (i) => i.botCpuCores,
    clock: 'real',
    saturated: () => false,
  },
  {
    name: 'postgresCpu',
    field: 'postgresCpuS',
    description: 'PostgreSQL CPU per update',
    unit: 'CPU s',
    read: (i) => i.postgresCpuCores,
    clock: 'real',
    saturated: () => false,
  },
  {
    name: 'dbHold',
    field: 'dbHoldS',
    description: 'pool connection held per update',
    unit: 'connection s',
    read: (i) => i.dbConnectionsInUse,
    clock: 'real',
    saturated: (i) => i.dbPoolWaiting,
  },
  {
    name: 'claudeSlot',
    field: 'claudeSlotS',
    description: 'Claude bulkhead slot-seconds per update',
    unit: 'slot s',
    read: (i) => i.claudeInFlight,
    clock: 'simulated',
    saturated: (i) => i.claudeQueued,
  },
  {
    name: 'telegramCalls',
    field: 'telegramCalls',
    description: 'Bot API calls per update',
    unit: 'calls',
    read: (i) => i.telegramCallsPerS,
    clock: 'simulated',
    saturated: () => false,
  },
  {
    name: 'loadgenCpu',
    field: 'loadgenCpuS',
    description: 'load generator + fakes CPU per update (lab only)',
    unit: 'CPU s',
    read: (i) => i.loadgenCpuCores,
    clock: 'real',
    saturated: () => false,
  },
];

const INTERACTIVE: readonly DemandClass[] = ['navigation', 'question', 'settings', 'start'];

/** Options of {@link estimateDemands}; every field optional. */
export interface DemandOptions extends IntervalOptions {
  /**
   * A class's own estimate is used only when its standard error is at most this share of the pooled mean
   * demand; otherwise the runs' mixes did not vary enough to tell classes apart and every interactive class
   * gets the pooled figure. Default 0.5.
   */
  separableRelativeError?: number;
  /** Demands for what the runs did not exercise (a class with no traffic). Default: none (0, and said). */
  fallback?: ServiceDemands;
}

export const DEMAND_DEFAULTS = { separableRelativeError: 0.5 } as const;

/** Why a run is left out of demand estimation, or null to use it. */
export function exclusionReason(result: RunResult): string | null {
  if (result.status !== 'completed') return `the run ${result.status}`;
  if (result.fidelity !== undefined && result.fidelity.status !== 'ok') {
    return `fidelity ${result.fidelity.status}: the lab added ~${Math.round(result.fidelity.estimatedDistortionMs)} ms per update (bound ${Math.round(result.fidelity.boundMs)} ms), so its latencies are not the bot's`;
  }
  return null;
}

function emptyDemand(): ClassDemand {
  return {
    botCpuS: 0,
    postgresCpuS: 0,
    dbHoldS: 0,
    telegramCalls: 0,
    claudeCalls: 0,
    claudeSlotS: 0,
    tokensPerCall: { input: 0, output: 0, cacheRead: 0, cacheWrite: 0 },
    smallModelShare: 0,
    loadgenCpuS: 0,
  };
}

function perClassRecord<T>(make: (c: DemandClass) => T): Record<DemandClass, T> {
  return Object.fromEntries(DEMAND_CLASSES.map((c) => [c, make(c)])) as Record<DemandClass, T>;
}

/**
 * Service demands per update class from one or more runs, by the utilization law over their intervals
 * (see `fitUtilizationLaw`): bot and Postgres CPU, pool connection holding, Claude slot-seconds and Bot API
 * calls, each with its standard error - no instrumentation inside the bot, so it works for a bot in any
 * language. Claude calls and tokens per class come from the bot's own route metrics (forced flow), and the
 * regression's Claude slot-seconds are checked against them (calls x mean duration by Little's law).
 * Runs whose `fidelity.status` is not `ok` are left out (the lab distorted them), as are runs that did not
 * complete; a run without the field is used and said to be unjudged.
 *
 * @example
 * const demands = estimateDemands([readRunResult('out/webhook-x1/result.json')]);
 * demands.classes.question.botCpuS // 0.004 (CPU s per question)
 */
export function estimateDemands(results: readonly RunResult[], options: DemandOptions = {}): ServiceDemands {
  const usable: RunResult[] = [];
  const excluded: ServiceDemands['excluded'] = [];
  for (const result of results) {
    const reason = exclusionReason(result);
    const label = result.variant ?? result.scenario.name;
    if (reason === null) usable.push(result);
    else excluded.push({ label, reason });
  }
  const intervals = usable.flatMap((r) => intervalsOf(r, options));
  const separable = options.separableRelativeError ?? DEMAND_DEFAULTS.separableRelativeError;
  const classes = perClassRecord(() => emptyDemand());
  const uncertainty = perClassRecord((): Partial<Record<keyof ClassDemand, number>> => ({}));
  const methods = perClassRecord((): Partial<Record<keyof ClassDemand, DemandMethod>> => ({}));
  const fits: ResourceFit[] = [];

  for (const resource of RESOURCES) {
    const fit = fitResource(resource, intervals, separable);
    fits.push(fit);
    for (const c of DEMAND_CLASSES) {
      const estimate = fit.perClass[c];
      const fallback = options.fallback?.classes[c][resource.field];
      if (estimate === null) {
        if (typeof fallback === 'number') {
          (classes[c][resource.field] as number) = fallback;
          methods[c][resource.field] = 'reference';
        }
        continue;
      }
      (classes[c][resource.field] as number) = estimate.value;
      methods[c][resource.field] = fit.method === 'pooled' ? 'pooled' : 'regression';
      if (estimate.stdError !== null) uncertainty[c][resource.field] = estimate.stdError;
    }
  }

  const claude = claudeFromRoutes(usable);
  // Calls per question and per digest by the forced flow law over the intervals where Claude was not queued:
  // under overload questions fail before they call Claude, and the run's totals would undercount them.
  const unqueued = intervals.filter((i) => i.claudeCallsPerS !== null && !i.claudeQueued);
  const callsFit =
    unqueued.length >= 4
      ? fitUtilizationLaw(unqueued.map((i) => ({ x: [i.ratePerS.question, i.ratePerS.digest], y: i.claudeCallsPerS! })))
      : null;
  const crossChecks: string[] = [];
  for (const c of ['question', 'digest'] as const) {
    const route = claude.perClass[c];
    if (route === null) {
      const fallback = options.fallback?.classes[c];
      if (fallback !== undefined) {
        classes[c].claudeCalls = fallback.claudeCalls;
        classes[c].tokensPerCall = { ...fallback.tokensPerCall };
        classes[c].smallModelShare = fallback.smallModelShare;
        methods[c].claudeCalls = 'reference';
      }
      continue;
    }
    const flow = callsFit?.coefficients[c === 'question' ? 0 : 1] ?? null;
    const flowUsable = flow !== null && flow.stdError !== null && flow.stdError <= 0.2 * Math.max(flow.value, 1e-9);
    classes[c].claudeCalls = flowUsable ? flow.value : route.callsPerUpdate;
    methods[c].claudeCalls = flowUsable ? 'regression' : 'bot-metrics';
    if (flowUsable && flow.stdError !== null) {
      uncertainty[c].claudeCalls = flow.stdError;
      crossChecks.push(
        `Claude calls per ${c}: ${fmt(flow.value)} (± ${fmt(flow.stdError)}) over the ${unqueued.length} intervals without a bulkhead queue, against ${fmt(route.callsPerUpdate)} over the whole run (the bot's route metrics; calls that failed or never started under overload lower it).`,
      );
    }
    classes[c].tokensPerCall = route.tokensPerCall;
    classes[c].smallModelShare = route.smallModelShare;
    if (claude.callS === null) continue;
    const byMetrics = classes[c].claudeCalls * claude.callS;
    const regressed = fits.find((f) => f.resource === 'claudeSlot')?.perClass[c] ?? null;
    const pooled = methods[c].claudeSlotS === 'pooled';
    if (regressed === null || pooled) {
      // The regression could not tell this class apart; the bot's own figures can.
      classes[c].claudeSlotS = byMetrics;
      methods[c].claudeSlotS = 'bot-metrics';
      crossChecks.push(
        `Claude slot-seconds per ${c}: ${fmt(byMetrics)} s from the bot's metrics (${fmt(classes[c].claudeCalls)} calls x ${fmt(claude.callS)} s by Little's law); the regression ${regressed === null ? 'had no intervals for it' : 'could not separate classes'}, so the bot's figure is used.`,
      );
    } else {
      const gap = byMetrics > 0 ? regressed.value / byMetrics - 1 : 0;
      crossChecks.push(
        `Claude slot-seconds per ${c}: regression ${fmt(regressed.value)} s (± ${fmt(regressed.stdError ?? 0)}), bot metrics ${fmt(byMetrics)} s (${fmt(classes[c].claudeCalls)} calls x ${fmt(claude.callS)} s): ${gap >= 0 ? '+' : ''}${Math.round(gap * 100)}%.`,
      );
    }
  }
  if (methods.navigation.claudeSlotS === 'pooled') {
    // Navigation, settings and onboarding make no Claude call (the bot's route metrics say so).
    for (const c of ['navigation', 'settings', 'start'] as const) {
      classes[c].claudeSlotS = 0;
      methods[c].claudeSlotS = 'bot-metrics';
    }
  }

  const runs = usable.map((r) => ({
    label: r.variant ?? r.scenario.name,
    timeScale: r.timeScale,
    instances: r.environment.bot.instances,
    fidelity: r.fidelity === undefined ? 'not judged (result predates fidelity)' : r.fidelity.status,
  }));
  const sentences = [
    `Service demands from ${usable.length} run(s), ${intervals.length} intervals: ${runs.map((r) => `${r.label} (x${r.timeScale}, fidelity ${r.fidelity})`).join(', ') || 'none'}.`,
    ...excluded.map((e) => `Left out ${e.label}: ${e.reason}.`),
    ...fits.filter((f) => f.method !== 'regression').map((f) => `${f.description}: ${f.note}`),
  ];
  return {
    classes,
    uncertainty,
    methods,
    claudeCallS: claude.callS,
    runs,
    excluded,
    fits,
    crossChecks,
    sentences,
  };
}

function fitResource(resource: ResourceSpec, intervals: readonly Interval[], separable: number): ResourceFit {
  const rows = intervals.filter((i) => resource.read(i) !== null && !resource.saturated(i));
  const scale = (i: Interval) => (resource.clock === 'real' ? i.timeScale : 1);
  const base = {
    resource: resource.name,
    description: resource.description,
    unit: resource.unit,
    intervals: rows.length,
  };
  const activeClasses = DEMAND_CLASSES.filter((c) => rows.some((i) => i.ratePerS[c] > 0)).length;
  if (rows.length < activeClasses + 2) {
    return {
      ...base,
      perClass: perClassRecord(() => null),
      method: 'none',
      intercept: null,
      rSquared: null,
      note: `only ${rows.length} usable intervals (at least ${activeClasses + 2} needed)`,
    };
  }
  const full = fitUtilizationLaw(
    rows.map((i) => ({ x: DEMAND_CLASSES.map((c) => i.ratePerS[c] * scale(i)), y: resource.read(i)! })),
  );
  // The same intervals with the interactive classes as one: the demand of an average update of the runs' mix.
  const pooled = fitUtilizationLaw(
    rows.map((i) => ({
      x: [INTERACTIVE.reduce((s, c) => s + i.ratePerS[c], 0) * scale(i), i.ratePerS.digest * scale(i)],
      y: resource.read(i)!,
    })),
  );
  const pooledMean = pooled.coefficients[0]?.value ?? 0;
  const present = INTERACTIVE.filter((c) => full.coefficients[DEMAND_CLASSES.indexOf(c)] !== null);
  const separated = present.every((c) => {
    const e = full.coefficients[DEMAND_CLASSES.indexOf(c)]!;
    return e.stdError !== null && e.stdError <= separable * Math.max(pooledMean, 1e-12);
  });
  if (separated) {
    return {
      ...base,
      perClass: perClassRecord((c) => full.coefficients[DEMAND_CLASSES.indexOf(c)] ?? null),
      method: 'regression',
      intercept: full.intercept,
      rSquared: full.rSquared,
      note:
        full.clampedToZero.length > 0
          ? `${full.clampedToZero.map((j) => DEMAND_CLASSES[j]).join(', ')} estimated below 0 and set to 0`
          : 'per class, by the utilization law',
    };
  }
  const pooledEstimate = pooled.coefficients[0] ?? null;
  return {
    ...base,
    perClass: perClassRecord((c) =>
      c === 'digest' ? (pooled.coefficients[1] ?? null) : present.includes(c) ? pooledEstimate : null,
    ),
    method: 'pooled',
    intercept: pooled.intercept,
    rSquared: pooled.rSquared,
    note:
      "the runs' mix hardly varied between intervals, so the classes could not be told apart (standard errors " +
      `above ${Math.round(separable * 100)}% of the mean); every interactive class gets the demand of an average ` +
      "update of the runs' mix (right at that mix, not for another one)",
  };
}

interface RouteFigures {
  callsPerUpdate: number;
  tokensPerCall: ClassDemand['tokensPerCall'];
  smallModelShare: number;
}

/**
 * Claude calls and tokens per class from the bot's route metrics (forced flow law: V = calls / updates), the
 * small model's share of question calls from the per-model usage (digests use the big model), and the mean
 * call duration by Little's law over the runs.
 */
function claudeFromRoutes(results: readonly RunResult[]): {
  perClass: Record<'question' | 'digest', RouteFigures | null>;
  callS: number | null;
} {
  const sum = (pick: (r: RunResult) => number) => results.reduce((s, r) => s + pick(r), 0);
  const route =
    (name: string) =>
    (r: RunResult): TokenUsage | undefined =>
      r.claude.byRoute[name];
  const figures = (name: 'question' | 'digest', updates: number): RouteFigures | null => {
    const calls = sum((r) => route(name)(r)?.calls ?? 0);
    if (updates <= 0 || calls <= 0) return null;
    const tokens = (key: keyof TokenUsage) => sum((r) => route(name)(r)?.[key] ?? 0) / calls;
    const small =
      name === 'question'
        ? sum((r) =>
            Object.entries(r.claude.byModel)
              .filter(([key]) => /haiku/i.test(key))
              .reduce((s, [, u]) => s + u.calls, 0),
          ) / calls
        : 0;
    return {
      callsPerUpdate: calls / updates,
      tokensPerCall: {
        input: tokens('inputTokens'),
        output: tokens('outputTokens'),
        cacheRead: tokens('cacheReadTokens'),
        cacheWrite: tokens('cacheWrite5mTokens') + tokens('cacheWrite1hTokens'),
      },
      smallModelShare: Math.min(1, small),
    };
  };
  const busy = results
    .map((r) => ({ rates: measuredClaudeRates(r), durationS: r.durationSimulatedS }))
    .filter((x) => x.rates.serviceTimeS !== null);
  const callsTotal = busy.reduce((s, x) => s + x.rates.callsPerS * x.durationS, 0);
  const slotSeconds = busy.reduce((s, x) => s + x.rates.serviceTimeS! * x.rates.callsPerS * x.durationS, 0);
  return {
    perClass: {
      question: figures(
        'question',
        sum((r) => r.load.updatesByAction.question ?? 0),
      ),
      digest: figures(
        'digest',
        sum((r) => r.correctness.digests.delivered),
      ),
    },
    callS: callsTotal > 0 ? slotSeconds / callsTotal : null,
  };
}

function fmt(x: number): string {
  if (x === 0) return '0';
  return Math.abs(x) >= 100 ? x.toFixed(0) : x.toPrecision(3);
}
