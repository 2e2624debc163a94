import { z } from 'zod';
import type { RunResult } from '../../contracts/run-result.ts';
import type { TokenUsage } from '../../contracts/token-usage.ts';
import { type DayModel, dayModelOfRun } from '../analysis/day-model.ts';
import { BATCH_KEY_PREFIX } from '../data/pricing.ts';

/**
 * The traffic a cost report prices, whether measured in a run or derived from what-if assumptions.
 * Both paths produce this shape so one pricing function serves both and their numbers compare.
 */
export interface UsageProfile {
  kind: 'run' | 'what-if';
  /** A human label: the scenario and variant, or "what-if". */
  label: string;
  /** Usage per model key; `batch:` prefixed keys went through the Batch API. */
  byModel: Record<string, TokenUsage>;
  /** Usage per bot route (navigation, question, digest, ...). */
  byRoute: Record<string, TokenUsage>;
  /** Route x model usage when known (what-if); a run only records the two marginals. */
  byRouteModel?: Record<string, Record<string, TokenUsage>>;
  /** Digests users received, and how many Claude calls generated digests: the gap is the content cache. */
  digests: { delivered: number; generatedCalls: number };
  /** How many user-days of activity the usage covers: usage / userDays = usage per user per day. */
  userDays: number;
  /** Updates (messages and taps) the usage served: the load-independent denominator for comparing variants. */
  updates: number;
  /** What the usage covers, in words, for table titles: "the run (10 min simulated, 100 users)". */
  periodLabel: string;
  /** Bot instances, for the infrastructure lines. */
  botInstances: number;
  /** The "big" model the no-mitigation baseline prices every call with. */
  baselineModel: string;
  /** Which cost mitigations were on, when known. */
  mitigations?: MitigationFlags;
  /** Each assumption behind the scaling, in a sentence, printed with the report. */
  assumptions: string[];
  /** Problems with the usage data itself (the cost report prints them with the pricing warnings). */
  warnings?: string[];
}

/** The reference bot's cost controls (`cost.*` in its config). */
export interface MitigationFlags {
  routing: boolean;
  digestCache: boolean;
  promptCaching: boolean;
  batchDigests: boolean;
}

/** The route name the reference bot uses for digest generation. */
export const DIGEST_ROUTE = 'digest';

/** Used when the run's bot config does not name the big model (a bring-your-own bot). */
export const FALLBACK_BASELINE_MODEL = 'claude-sonnet-5-5';

export interface RunProfileOptions {
  /**
   * The day model the run's usage extrapolates with. Default: the one the run's scenario states
   * (`dayModelOfRun`): usage per user per day = the run's usage per update x the day's updates per user.
   */
  dayModel?: DayModel;
  /**
   * Simulated seconds of activity, at the run's pace, that make one user's day; replaces the day model's
   * updates per user per day. Pass 86 400 to say "users keep this pace all day".
   */
  userDaySimulatedS?: number;
  /**
   * Updates (Telegram messages and taps, in the run's action mix) that make one user's day; replaces the day
   * model's figure (same meaning, given on the command line).
   */
  updatesPerUserDay?: number;
  /** Overrides the baseline model. Default: the run's `claude.complexModel`, else Sonnet 4.5. */
  baselineModel?: string;
}

// Only the fields the cost report reads; anything else in the config is ignored, and a config
// from another bot (or none) simply leaves these undefined.
const botConfigSlice = z
  .object({
    claude: z.object({ complexModel: z.string().optional() }).partial().optional(),
    cost: z
      .object({
        routing: z.boolean(),
        digestCache: z.boolean(),
        promptCaching: z.boolean(),
        batchDigests: z.boolean(),
      })
      .optional(),
  })
  .partial();

/**
 * The measured usage of one run, with the user-days it covers.
 *
 * @example
 * const profile = profileFromRun(result); // userDays = updates injected / the day model's updates per user per day
 */
export function profileFromRun(result: RunResult, options: RunProfileOptions = {}): UsageProfile {
  const durationS = result.durationSimulatedS;
  const population = Math.max(result.load.population, 1);
  const config = botConfigSlice.safeParse(result.environment.bot.config ?? {});
  const botConfig = config.success ? config.data : {};
  const baselineModel = options.baselineModel ?? botConfig.claude?.complexModel ?? FALLBACK_BASELINE_MODEL;
  const injected = result.load.updatesInjected;
  const day = options.dayModel ?? dayModelOfRun(result);
  const updatesPerUserDay = options.updatesPerUserDay ?? day.updatesPerUserPerDay;
  const byTime = options.userDaySimulatedS !== undefined && options.userDaySimulatedS > 0;
  // No run is "one day": a user-day is the day model's updates per user (or a stated span of activity).
  const userDays = byTime
    ? durationS > 0
      ? (population * durationS) / options.userDaySimulatedS!
      : population
    : injected > 0 && updatesPerUserDay > 0
      ? injected / updatesPerUserDay
      : 0;

  const assumptions = [
    byTime
      ? `Usage per user per day = the run's usage / (${population} users x ${formatDuration(durationS)} simulated) ` +
        `x ${formatDuration(options.userDaySimulatedS!)} of activity per user per day.`
      : `Usage per user per day = the run's usage / (${injected} updates injected / ${formatCount(updatesPerUserDay)} ` +
        `updates per user per day${options.updatesPerUserDay === undefined ? ', the day model' : ''}): the run's mix of ` +
        "actions stands for a day's.",
    `Monthly figures = usage per user per day x DAU x days per month; usage grows linearly with users ` +
      `(no change in cache hit rates at larger scale).`,
  ];
  if (result.load.population === 0) assumptions.push('The run recorded no population; 1 user is assumed.');
  const perUserDay = (count: number) => formatCount(userDays > 0 ? count / userDays : 0);
  assumptions.push(
    `That makes ${perUserDay(result.load.updatesInjected)} updates and ${perUserDay(result.claude.total.calls)} ` +
      `Claude calls per user per day; if that is not a realistic day, set it (botcap cost --updates-per-user-day, ` +
      `--user-day-s, or the scenario's dayModel) or price stated assumptions instead (botcap cost without a run). ` +
      `To compare variants, use the cost per 1,000 updates, which does not depend on this scaling.`,
  );

  const warnings: string[] = [];
  const batchKeys = Object.keys(result.claude.byModel).filter((key) => key.startsWith(BATCH_KEY_PREFIX));
  if (result.claude.batch.calls > 0 && batchKeys.length === 0) {
    warnings.push(
      `claude.batch records ${result.claude.batch.calls} Batch API calls but claude.byModel has no "batch:" keys, ` +
        'so that usage is priced without the batch discount; the run writer should record it under batch:<model>.',
    );
  }
  const digestRoute = result.claude.byRoute[DIGEST_ROUTE];
  if ((digestRoute?.calls ?? 0) === 0 && result.correctness.digests.delivered === 0 && day.digestsPerUserPerDay > 0) {
    warnings.push(
      `The run sent no digests, so this cost leaves out the day model's ${day.digestsPerUserPerDay} digest(s) per user ` +
        'per day; `botcap plan` and `botcap cost` without a run price them.',
    );
  }
  return {
    kind: 'run',
    label: result.variant ? `${result.scenario.name} (${result.variant})` : result.scenario.name,
    byModel: result.claude.byModel,
    byRoute: result.claude.byRoute,
    digests: { delivered: result.correctness.digests.delivered, generatedCalls: digestRoute?.calls ?? 0 },
    userDays,
    updates: injected,
    periodLabel: `the run (${formatDuration(durationS)} simulated, ${population} users)`,
    botInstances: result.environment.bot.instances,
    baselineModel,
    ...(botConfig.cost ? { mitigations: botConfig.cost } : {}),
    assumptions,
    warnings,
  };
}

/** `90 s`, `30 min`, `1.5 h`, `1 day`. */
export function formatDuration(seconds: number): string {
  if (seconds >= 86_400 && seconds % 86_400 === 0) return `${seconds / 86_400} day${seconds === 86_400 ? '' : 's'}`;
  if (seconds >= 3_600) return `${round(seconds / 3_600)} h`;
  if (seconds >= 120) return `${round(seconds / 60)} min`;
  return `${round(seconds)} s`;
}

function formatCount(value: number): string {
  return value >= 10 ? String(Math.round(value)) : String(round(value));
}

function round(value: number): number {
  return Math.round(value * 10) / 10;
}
