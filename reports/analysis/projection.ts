import type { RunResult } from '../../contracts/run-result.ts';
import { seriesFor } from '../../contracts/series.ts';
import { smallestServersFor } from './erlang.ts';
import { measuredClaudeRates } from './sizing.ts';
import { ANALYSIS_SCHEMA_VERSION, type Assumption, type ProjectedFigure, type Projection } from './types.ts';

/** The target and the assumptions a run cannot measure; every field optional, defaults below. */
export interface ProjectionOptions {
  /** Default 10,000 (the design target). */
  dailyActiveUsers?: number;
  /** Peak concurrent users. Default 500. */
  concurrentUsers?: number;
  /** Hours a daily user is active (sends updates) per day. Default 0.5. */
  activeHoursPerUserPerDay?: number;
  /** Scheduled digests per user per day. Default 1. */
  digestsPerUserPerDay?: number;
  /** Claude call duration when the run cannot measure it, seconds. Default 8 (the spec's example). */
  serviceTimeS?: number;
  /** VUs one bot instance holds within the latency budget (the knee), when known. */
  kneeVusPerInstance?: number;
  /** Target P(wait) for the Claude concurrency recommendation. Default 0.05. */
  targetWaitProbability?: number;
}

export const PROJECTION_DEFAULTS = {
  dailyActiveUsers: 10_000,
  concurrentUsers: 500,
  activeHoursPerUserPerDay: 0.5,
  digestsPerUserPerDay: 1,
  serviceTimeS: 8,
  targetWaitProbability: 0.05,
} as const;

const DAYS_PER_MONTH = 30;

/**
 * Projects measured per-user rates to the target (10K DAU / 500 concurrent by default), listing every
 * assumption next to the numbers (measured, target, default or given). Tokens only: dollars are
 * `reports/cost/`'s job.
 *
 * @example
 * const p = projectToTarget(result, { kneeVusPerInstance: 140 });
 * p.figures.find((f) => f.name === 'claude_calls_per_day')?.value
 */
export function projectToTarget(result: RunResult, options: ProjectionOptions = {}): Projection {
  const target = projectionTarget(options);
  const rates = measuredRates(result, options);
  const figures = projectedFigures(target, rates);
  return {
    schemaVersion: ANALYSIS_SCHEMA_VERSION,
    target: { dailyActiveUsers: target.dailyActiveUsers, concurrentUsers: target.concurrentUsers },
    assumptions: projectionAssumptions(result, options, target, rates),
    figures,
    sentences: projectionSentences(target, rates, figures),
  };
}

/** The target and the assumptions, with their defaults applied. */
interface ProjectionTarget {
  dailyActiveUsers: number;
  concurrentUsers: number;
  activeHoursPerUserPerDay: number;
  digestsPerUserPerDay: number;
  targetWaitProbability: number;
  kneeVusPerInstance: number | undefined;
}

function projectionTarget(options: ProjectionOptions): ProjectionTarget {
  return {
    dailyActiveUsers: options.dailyActiveUsers ?? PROJECTION_DEFAULTS.dailyActiveUsers,
    concurrentUsers: options.concurrentUsers ?? PROJECTION_DEFAULTS.concurrentUsers,
    activeHoursPerUserPerDay: options.activeHoursPerUserPerDay ?? PROJECTION_DEFAULTS.activeHoursPerUserPerDay,
    digestsPerUserPerDay: options.digestsPerUserPerDay ?? PROJECTION_DEFAULTS.digestsPerUserPerDay,
    targetWaitProbability: options.targetWaitProbability ?? PROJECTION_DEFAULTS.targetWaitProbability,
    kneeVusPerInstance: options.kneeVusPerInstance,
  };
}

/** What the run measured per user and per call, and the Claude call duration with where it came from. */
interface MeasuredRates {
  meanVus: number;
  hours: number;
  updatesPerVuHour: number;
  claudeCallsPerUpdate: number;
  inputPerCall: number;
  outputPerCall: number;
  serviceTimeS: number;
  serviceSource: Assumption['source'];
}

function measuredRates(result: RunResult, options: ProjectionOptions): MeasuredRates {
  const vus = seriesFor(result, 'vus')[0];
  const meanVus =
    vus !== undefined && vus.points.length > 0
      ? vus.points.reduce((sum, [, v]) => sum + v, 0) / vus.points.length
      : result.load.maxVus;
  const hours = result.durationSimulatedS / 3600;
  const interactiveCalls = result.claude.byRoute.question?.calls ?? result.claude.total.calls;
  const calls = result.claude.total.calls;
  const rates = measuredClaudeRates(result);
  return {
    meanVus,
    hours,
    updatesPerVuHour: meanVus > 0 && hours > 0 ? result.load.updatesInjected / (meanVus * hours) : 0,
    claudeCallsPerUpdate: result.load.updatesInjected > 0 ? interactiveCalls / result.load.updatesInjected : 0,
    inputPerCall: calls > 0 ? result.claude.total.inputTokens / calls : 0,
    outputPerCall: calls > 0 ? result.claude.total.outputTokens / calls : 0,
    serviceTimeS: options.serviceTimeS ?? rates.serviceTimeS ?? PROJECTION_DEFAULTS.serviceTimeS,
    serviceSource: options.serviceTimeS !== undefined ? 'given' : rates.serviceTimeS !== null ? 'measured' : 'default',
  };
}

/** Every input of the projection, named, with its value and whether it was measured, targeted, given or defaulted. */
function projectionAssumptions(
  result: RunResult,
  options: ProjectionOptions,
  target: ProjectionTarget,
  rates: MeasuredRates,
): Assumption[] {
  const src = (key: keyof ProjectionOptions): Assumption['source'] =>
    options[key] === undefined ? 'default' : 'given';
  const assumptions: Assumption[] = [
    {
      name: 'daily_active_users',
      value: target.dailyActiveUsers,
      unit: 'users',
      source: options.dailyActiveUsers === undefined ? 'target' : 'given',
      note: 'the target',
    },
    {
      name: 'concurrent_users',
      value: target.concurrentUsers,
      unit: 'users',
      source: options.concurrentUsers === undefined ? 'target' : 'given',
      note: 'peak concurrent users, each behaving like one VU',
    },
    {
      name: 'updates_per_vu_hour',
      value: rates.updatesPerVuHour,
      unit: 'updates/VU-hour',
      source: 'measured',
      note: `updates injected / (mean VUs ${rates.meanVus.toFixed(0)} x ${rates.hours.toFixed(2)} h) in ${result.scenario.name}`,
    },
    {
      name: 'claude_calls_per_update',
      value: rates.claudeCallsPerUpdate,
      unit: 'calls/update',
      source: 'measured',
      note: 'interactive Claude calls / updates injected',
    },
    {
      name: 'input_tokens_per_call',
      value: rates.inputPerCall,
      unit: 'tokens',
      source: 'measured',
      note: 'uncached input tokens, all models',
    },
    {
      name: 'output_tokens_per_call',
      value: rates.outputPerCall,
      unit: 'tokens',
      source: 'measured',
      note: 'all models',
    },
    {
      name: 'claude_call_duration',
      value: rates.serviceTimeS,
      unit: 's',
      source: rates.serviceSource,
      note:
        rates.serviceSource === 'measured'
          ? 'Little: mean busy bulkhead slots / calls per s'
          : 'not measured in this run',
    },
    {
      name: 'active_hours_per_user_per_day',
      value: target.activeHoursPerUserPerDay,
      unit: 'h',
      source: src('activeHoursPerUserPerDay'),
      note: 'not measurable in a load test; set it from production analytics',
    },
    {
      name: 'digests_per_user_per_day',
      value: target.digestsPerUserPerDay,
      unit: 'digests',
      source: src('digestsPerUserPerDay'),
      note: 'one daily digest per user',
    },
    { name: 'days_per_month', value: DAYS_PER_MONTH, unit: 'days', source: 'default', note: 'monthly = daily x 30' },
  ];
  if (target.kneeVusPerInstance !== undefined) {
    assumptions.push({
      name: 'knee_vus_per_instance',
      value: target.kneeVusPerInstance,
      unit: 'VUs',
      source: 'given',
      note: 'measured knee; instances are assumed to scale linearly',
    });
  }
  return assumptions;
}

/** The projected figures, each with the formula that gives it from the assumptions. */
function projectedFigures(target: ProjectionTarget, rates: MeasuredRates): ProjectedFigure[] {
  const peakUpdatesPerS = (target.concurrentUsers * rates.updatesPerVuHour) / 3600;
  const peakCallsPerS = peakUpdatesPerS * rates.claudeCallsPerUpdate;
  const updatesPerDay = target.dailyActiveUsers * rates.updatesPerVuHour * target.activeHoursPerUserPerDay;
  const callsPerDay =
    updatesPerDay * rates.claudeCallsPerUpdate + target.dailyActiveUsers * target.digestsPerUserPerDay;
  const figures: ProjectedFigure[] = [
    {
      name: 'peak_updates_per_s',
      value: peakUpdatesPerS,
      unit: 'updates/s',
      formula: 'concurrent_users x updates_per_vu_hour / 3600',
    },
    {
      name: 'peak_claude_calls_per_s',
      value: peakCallsPerS,
      unit: 'calls/s',
      formula: 'peak_updates_per_s x claude_calls_per_update',
    },
    {
      name: 'peak_claude_in_flight',
      value: peakCallsPerS * rates.serviceTimeS,
      unit: 'calls',
      formula: "Little's law: peak_claude_calls_per_s x claude_call_duration",
    },
    {
      name: 'updates_per_day',
      value: updatesPerDay,
      unit: 'updates',
      formula: 'daily_active_users x updates_per_vu_hour x active_hours_per_user_per_day',
    },
    {
      name: 'claude_calls_per_day',
      value: callsPerDay,
      unit: 'calls',
      formula: 'updates_per_day x claude_calls_per_update + daily_active_users x digests_per_user_per_day',
    },
    {
      name: 'claude_calls_per_user_per_day',
      value: callsPerDay / target.dailyActiveUsers,
      unit: 'calls',
      formula: 'claude_calls_per_day / daily_active_users',
    },
    {
      name: 'input_tokens_per_month',
      value: callsPerDay * rates.inputPerCall * DAYS_PER_MONTH,
      unit: 'tokens',
      formula: 'claude_calls_per_day x input_tokens_per_call x days_per_month',
    },
    {
      name: 'output_tokens_per_month',
      value: callsPerDay * rates.outputPerCall * DAYS_PER_MONTH,
      unit: 'tokens',
      formula: 'claude_calls_per_day x output_tokens_per_call x days_per_month',
    },
  ];
  const recommended =
    peakCallsPerS > 0 ? smallestServersFor(peakCallsPerS, rates.serviceTimeS, target.targetWaitProbability) : null;
  if (recommended !== null) {
    figures.push({
      name: 'claude_concurrency_for_target_wait',
      value: recommended,
      unit: 'slots',
      formula: `smallest c with Erlang C P(wait) < ${target.targetWaitProbability} at peak_claude_calls_per_s`,
    });
  }
  if (target.kneeVusPerInstance !== undefined && target.kneeVusPerInstance > 0) {
    figures.push({
      name: 'bot_instances',
      value: Math.ceil(target.concurrentUsers / target.kneeVusPerInstance),
      unit: 'instances',
      formula: 'ceil(concurrent_users / knee_vus_per_instance)',
    });
  }
  return figures;
}

/** The projection in words, read from the figures. */
function projectionSentences(
  target: ProjectionTarget,
  rates: MeasuredRates,
  figures: readonly ProjectedFigure[],
): string[] {
  const figure = (name: string) => figures.find((x) => x.name === name)?.value;
  const f = (name: string) => figure(name) ?? 0;
  const sentences = [
    `At ${target.concurrentUsers} concurrent users the bot sees about ${f('peak_updates_per_s').toFixed(1)} updates/s and ${f('peak_claude_calls_per_s').toFixed(2)} Claude calls/s (${f('peak_claude_in_flight').toFixed(1)} in flight at ${rates.serviceTimeS.toFixed(1)} s per call).`,
    `At ${target.dailyActiveUsers.toLocaleString('en-US')} DAU: about ${Math.round(f('claude_calls_per_day')).toLocaleString('en-US')} Claude calls per day (${f('claude_calls_per_user_per_day').toFixed(1)} per user), assuming ${target.activeHoursPerUserPerDay} active h per user per day.`,
  ];
  const recommended = figure('claude_concurrency_for_target_wait');
  if (recommended !== undefined)
    sentences.push(
      `A Claude concurrency of ${recommended} keeps P(wait) under ${Math.round(target.targetWaitProbability * 100)}% at that peak.`,
    );
  if (target.kneeVusPerInstance !== undefined)
    sentences.push(
      `With a knee of ${target.kneeVusPerInstance} VUs per instance, ${f('bot_instances')} instances hold ${target.concurrentUsers} concurrent users (if they scale linearly; verify with a run).`,
    );
  return sentences;
}
