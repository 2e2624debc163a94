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
  const o = {
    dailyActiveUsers: options.dailyActiveUsers ?? PROJECTION_DEFAULTS.dailyActiveUsers,
    concurrentUsers: options.concurrentUsers ?? PROJECTION_DEFAULTS.concurrentUsers,
    activeHoursPerUserPerDay: options.activeHoursPerUserPerDay ?? PROJECTION_DEFAULTS.activeHoursPerUserPerDay,
    digestsPerUserPerDay: options.digestsPerUserPerDay ?? PROJECTION_DEFAULTS.digestsPerUserPerDay,
    targetWaitProbability: options.targetWaitProbability ?? PROJECTION_DEFAULTS.targetWaitProbability,
    kneeVusPerInstance: options.kneeVusPerInstance,
  };
  const vus = seriesFor(result, 'vus')[0];
  const meanVus =
    vus !== undefined && vus.points.length > 0
      ? vus.points.reduce((sum, [, v]) => sum + v, 0) / vus.points.length
      : result.load.maxVus;
  const hours = result.durationSimulatedS / 3600;
  const updatesPerVuHour = meanVus > 0 && hours > 0 ? result.load.updatesInjected / (meanVus * hours) : 0;
  const interactiveCalls = result.claude.byRoute.question?.calls ?? result.claude.total.calls;
  const claudeCallsPerUpdate = result.load.updatesInjected > 0 ? interactiveCalls / result.load.updatesInjected : 0;
  const calls = result.claude.total.calls;
  const inputPerCall = calls > 0 ? result.claude.total.inputTokens / calls : 0;
  const outputPerCall = calls > 0 ? result.claude.total.outputTokens / calls : 0;
  const rates = measuredClaudeRates(result);
  const serviceTimeS = options.serviceTimeS ?? rates.serviceTimeS ?? PROJECTION_DEFAULTS.serviceTimeS;
  const serviceSource: Assumption['source'] =
    options.serviceTimeS !== undefined ? 'given' : rates.serviceTimeS !== null ? 'measured' : 'default';
  const src = (key: keyof ProjectionOptions): Assumption['source'] =>
    options[key] === undefined ? 'default' : 'given';

  const assumptions: Assumption[] = [
    {
      name: 'daily_active_users',
      value: o.dailyActiveUsers,
      unit: 'users',
      source: options.dailyActiveUsers === undefined ? 'target' : 'given',
      note: 'the target',
    },
    {
      name: 'concurrent_users',
      value: o.concurrentUsers,
      unit: 'users',
      source: options.concurrentUsers === undefined ? 'target' : 'given',
      note: 'peak concurrent users, each behaving like one VU',
    },
    {
      name: 'updates_per_vu_hour',
      value: updatesPerVuHour,
      unit: 'updates/VU-hour',
      source: 'measured',
      note: `updates injected / (mean VUs ${meanVus.toFixed(0)} x ${hours.toFixed(2)} h) in ${result.scenario.name}`,
    },
    {
      name: 'claude_calls_per_update',
      value: claudeCallsPerUpdate,
      unit: 'calls/update',
      source: 'measured',
      note: 'interactive Claude calls / updates injected',
    },
    {
      name: 'input_tokens_per_call',
      value: inputPerCall,
      unit: 'tokens',
      source: 'measured',
      note: 'uncached input tokens, all models',
    },
    { name: 'output_tokens_per_call', value: outputPerCall, unit: 'tokens', source: 'measured', note: 'all models' },
    {
      name: 'claude_call_duration',
      value: serviceTimeS,
      unit: 's',
      source: serviceSource,
      note:
        serviceSource === 'measured' ? 'Little: mean busy bulkhead slots / calls per s' : 'not measured in this run',
    },
    {
      name: 'active_hours_per_user_per_day',
      value: o.activeHoursPerUserPerDay,
      unit: 'h',
      source: src('activeHoursPerUserPerDay'),
      note: 'not measurable in a load test; set it from production analytics',
    },
    {
      name: 'digests_per_user_per_day',
      value: o.digestsPerUserPerDay,
      unit: 'digests',
      source: src('digestsPerUserPerDay'),
      note: 'one daily digest per user',
    },
    { name: 'days_per_month', value: DAYS_PER_MONTH, unit: 'days', source: 'default', note: 'monthly = daily x 30' },
  ];
  if (o.kneeVusPerInstance !== undefined) {
    assumptions.push({
      name: 'knee_vus_per_instance',
      value: o.kneeVusPerInstance,
      unit: 'VUs',
      source: 'given',
      note: 'measured knee; instances are assumed to scale linearly',
    });
  }

  const peakUpdatesPerS = (o.concurrentUsers * updatesPerVuHour) / 3600;
  const peakCallsPerS = peakUpdatesPerS * claudeCallsPerUpdate;
  const updatesPerDay = o.dailyActiveUsers * updatesPerVuHour * o.activeHoursPerUserPerDay;
  const callsPerDay = updatesPerDay * claudeCallsPerUpdate + o.dailyActiveUsers * o.digestsPerUserPerDay;
  const recommended =
    peakCallsPerS > 0 ? smallestServersFor(peakCallsPerS, serviceTimeS, o.targetWaitProbability) : null;
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
      value: peakCallsPerS * serviceTimeS,
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
      value: callsPerDay / o.dailyActiveUsers,
      unit: 'calls',
      formula: 'claude_calls_per_day / daily_active_users',
    },
    {
      name: 'input_tokens_per_month',
      value: callsPerDay * inputPerCall * DAYS_PER_MONTH,
      unit: 'tokens',
      formula: 'claude_calls_per_day x input_tokens_per_call x days_per_month',
    },
    {
      name: 'output_tokens_per_month',
      value: callsPerDay * outputPerCall * DAYS_PER_MONTH,
      unit: 'tokens',
      formula: 'claude_calls_per_day x output_tokens_per_call x days_per_month',
    },
  ];
  if (recommended !== null) {
    figures.push({
      name: 'claude_concurrency_for_target_wait',
      value: recommended,
      unit: 'slots',
      formula: `smallest c with Erlang C P(wait) < ${o.targetWaitProbability} at peak_claude_calls_per_s`,
    });
  }
  if (o.kneeVusPerInstance !== undefined && o.kneeVusPerInstance > 0) {
    figures.push({
      name: 'bot_instances',
      value: Math.ceil(o.concurrentUsers / o.kneeVusPerInstance),
      unit: 'instances',
      formula: 'ceil(concurrent_users / knee_vus_per_instance)',
    });
  }
  const f = (name: string) => figures.find((x) => x.name === name)?.value ?? 0;
  const sentences = [
    `At ${o.concurrentUsers} concurrent users the bot sees about ${f('peak_updates_per_s').toFixed(1)} updates/s and ${f('peak_claude_calls_per_s').toFixed(2)} Claude calls/s (${f('peak_claude_in_flight').toFixed(1)} in flight at ${serviceTimeS.toFixed(1)} s per call).`,
    `At ${o.dailyActiveUsers.toLocaleString('en-US')} DAU: about ${Math.round(f('claude_calls_per_day')).toLocaleString('en-US')} Claude calls per day (${f('claude_calls_per_user_per_day').toFixed(1)} per user), assuming ${o.activeHoursPerUserPerDay} active h per user per day.`,
  ];
  if (recommended !== null)
    sentences.push(
      `A Claude concurrency of ${recommended} keeps P(wait) under ${Math.round(o.targetWaitProbability * 100)}% at that peak.`,
    );
  if (o.kneeVusPerInstance !== undefined)
    sentences.push(
      `With a knee of ${o.kneeVusPerInstance} VUs per instance, ${f('bot_instances')} instances hold ${o.concurrentUsers} concurrent users (if they scale linearly; verify with a run).`,
    );
  return {
    schemaVersion: ANALYSIS_SCHEMA_VERSION,
    target: { dailyActiveUsers: o.dailyActiveUsers, concurrentUsers: o.concurrentUsers },
    assumptions,
    figures,
    sentences,
  };
}
