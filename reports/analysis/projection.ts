import type { RunResult } from '../../contracts/run-result.ts';
import {
  concurrentUsersAt,
  type DayModel,
  dayModelOfRun,
  describeDayModel,
  meanThinkTimeS,
  peakHour,
} from './day-model.ts';
import { smallestServersFor } from './erlang.ts';
import { summariseHistogram } from './histogram.ts';
import { measuredClaudeRates } from './sizing.ts';
import { ANALYSIS_SCHEMA_VERSION, type Assumption, type ProjectedFigure, type Projection } from './types.ts';

/** The target and the assumptions a run cannot measure; every field optional, defaults below. */
export interface ProjectionOptions {
  /** The day model to project with. Default: the one the run's scenario states (`dayModelOfRun`). */
  dayModel?: DayModel;
  /** Daily active users; overrides the day model's. */
  dailyActiveUsers?: number;
  /** Claude call duration when the run cannot measure it, seconds. Default 8 (the spec's example). */
  serviceTimeS?: number;
  /** VUs one bot instance holds within the latency budget (the knee), when known. */
  kneeVusPerInstance?: number;
  /** Target P(wait) for the Claude concurrency recommendation. Default 0.05. */
  targetWaitProbability?: number;
}

export const PROJECTION_DEFAULTS = { serviceTimeS: 8, targetWaitProbability: 0.05 } as const;

/**
 * Projects measured per-update rates to the day model's target (its DAU, its busiest hour), listing every
 * assumption next to the numbers (measured, target, default or given). Peak concurrency comes from the busiest
 * hour's rate by Little's law (rate x (think time + reply time)), not from a guessed figure. Tokens only:
 * dollars are `reports/cost/`'s job, from the same day model.
 *
 * @example
 * const p = projectToTarget(result, { kneeVusPerInstance: 140 });
 * p.figures.find((f) => f.name === 'claude_calls_per_day')?.value
 */
export function projectToTarget(result: RunResult, options: ProjectionOptions = {}): Projection {
  const target = projectionTarget(result, options);
  const rates = measuredRates(result, options, target);
  const figures = projectedFigures(target, rates, options);
  return {
    schemaVersion: ANALYSIS_SCHEMA_VERSION,
    target: { dailyActiveUsers: target.dailyActiveUsers, concurrentUsers: Math.round(rates.concurrentUsers) },
    assumptions: projectionAssumptions(result, options, target, rates),
    figures,
    sentences: projectionSentences(target, rates, figures, options),
  };
}

/** The day model the projection aims at, with the caller's overrides applied once. */
interface ProjectionTarget {
  day: DayModel;
  dailyActiveUsers: number;
  targetWaitProbability: number;
  peak: ReturnType<typeof peakHour>;
  peakUpdatesPerS: number;
  questionShare: number;
}

function projectionTarget(result: RunResult, options: ProjectionOptions): ProjectionTarget {
  const day =
    options.dayModel ??
    dayModelOfRun(result, options.dailyActiveUsers === undefined ? {} : { dailyActiveUsers: options.dailyActiveUsers });
  const dailyActiveUsers = options.dailyActiveUsers ?? day.dailyActiveUsers;
  const peak = peakHour(day);
  return {
    day,
    dailyActiveUsers,
    targetWaitProbability: options.targetWaitProbability ?? PROJECTION_DEFAULTS.targetWaitProbability,
    peak,
    peakUpdatesPerS: (dailyActiveUsers * day.updatesPerUserPerDay * peak.share) / 3600,
    questionShare: day.mix.question,
  };
}

/** What the run measured per question and per call, and the peak's concurrency by Little's law. */
interface MeasuredRates {
  claudeCallsPerQuestion: number;
  inputPerCall: number;
  outputPerCall: number;
  serviceTimeS: number;
  serviceSource: Assumption['source'];
  replyMeanS: number;
  thinkS: number;
  concurrentUsers: number;
}

function measuredRates(result: RunResult, options: ProjectionOptions, target: ProjectionTarget): MeasuredRates {
  const questions = result.load.updatesByAction.question ?? 0;
  const interactiveCalls = result.claude.byRoute.question?.calls ?? result.claude.total.calls;
  const calls = result.claude.total.calls;
  const rates = measuredClaudeRates(result);
  const replyMeanS = (summariseHistogram(result.latency.replyFinal).meanMs ?? 0) / 1000;
  const thinkS = meanThinkTimeS(target.day);
  return {
    claudeCallsPerQuestion: questions > 0 ? interactiveCalls / questions : 0,
    inputPerCall: calls > 0 ? result.claude.total.inputTokens / calls : 0,
    outputPerCall: calls > 0 ? result.claude.total.outputTokens / calls : 0,
    serviceTimeS: options.serviceTimeS ?? rates.serviceTimeS ?? PROJECTION_DEFAULTS.serviceTimeS,
    serviceSource: options.serviceTimeS !== undefined ? 'given' : rates.serviceTimeS !== null ? 'measured' : 'default',
    replyMeanS,
    thinkS,
    concurrentUsers: concurrentUsersAt(target.peakUpdatesPerS, thinkS, replyMeanS),
  };
}

/** Every input of the projection, named, with its value and whether it was measured, targeted, given or defaulted. */
function projectionAssumptions(
  result: RunResult,
  options: ProjectionOptions,
  target: ProjectionTarget,
  rates: MeasuredRates,
): Assumption[] {
  const { day, dailyActiveUsers, peak, questionShare } = target;
  const { claudeCallsPerQuestion, inputPerCall, outputPerCall, serviceTimeS, serviceSource, thinkS, replyMeanS } =
    rates;
  const injected = result.load.updatesInjected;
  const src = (value: number | undefined): Assumption['source'] => (value === undefined ? 'default' : 'given');
  const assumptions: Assumption[] = [
    {
      name: 'daily_active_users',
      value: dailyActiveUsers,
      unit: 'users',
      source: options.dailyActiveUsers === undefined ? 'target' : 'given',
      note: 'the day model',
    },
    {
      name: 'updates_per_user_per_day',
      value: day.updatesPerUserPerDay,
      unit: 'updates',
      source: src(options.dayModel?.updatesPerUserPerDay),
      note: 'the day model (an assumption: set dayModel.updatesPerUserPerDay or derive it with botcap calibrate)',
    },
    {
      name: 'peak_hour_share',
      value: peak.share,
      unit: 'share',
      source: 'default',
      note: `the day model's hourly profile: ${String(peak.hour).padStart(2, '0')}:00 UTC is the busiest hour`,
    },
    { name: 'question_share', value: questionShare, unit: 'share', source: 'default', note: "the day model's mix" },
    {
      name: 'claude_calls_per_question',
      value: claudeCallsPerQuestion,
      unit: 'calls/update',
      source: 'measured',
      note: `question-route Claude calls / question updates in ${result.scenario.name} (${injected} updates)`,
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
      name: 'mean_think_time',
      value: thinkS,
      unit: 's',
      source: 'default',
      note: "the scenario's behaviour: lognormal mean from its median and p95",
    },
    { name: 'mean_reply_time', value: replyMeanS, unit: 's', source: 'measured', note: 'mean final reply latency' },
    {
      name: 'digests_per_user_per_day',
      value: day.digestsPerUserPerDay,
      unit: 'digests',
      source: 'default',
      note: 'the day model',
    },
    {
      name: 'days_per_month',
      value: day.daysPerMonth,
      unit: 'days',
      source: 'default',
      note: `the day model: monthly = daily x ${day.daysPerMonth}`,
    },
  ];
  if (options.kneeVusPerInstance !== undefined) {
    assumptions.push({
      name: 'knee_vus_per_instance',
      value: options.kneeVusPerInstance,
      unit: 'VUs',
      source: 'given',
      note: 'measured knee; instances are assumed to scale linearly',
    });
  }
  return assumptions;
}

/** The projected figures, each with its formula. */
function projectedFigures(
  target: ProjectionTarget,
  rates: MeasuredRates,
  options: ProjectionOptions,
): ProjectedFigure[] {
  const { day, dailyActiveUsers, peakUpdatesPerS, questionShare, targetWaitProbability } = target;
  const { claudeCallsPerQuestion, inputPerCall, outputPerCall, serviceTimeS, concurrentUsers } = rates;
  const peakCallsPerS = peakUpdatesPerS * questionShare * claudeCallsPerQuestion;
  const updatesPerDay = dailyActiveUsers * day.updatesPerUserPerDay;
  const callsPerDay =
    updatesPerDay * questionShare * claudeCallsPerQuestion + dailyActiveUsers * day.digestsPerUserPerDay;
  const recommended = peakCallsPerS > 0 ? smallestServersFor(peakCallsPerS, serviceTimeS, targetWaitProbability) : null;
  const figures: ProjectedFigure[] = [
    {
      name: 'peak_updates_per_s',
      value: peakUpdatesPerS,
      unit: 'updates/s',
      formula: 'daily_active_users x updates_per_user_per_day x peak_hour_share / 3600',
    },
    {
      name: 'peak_concurrent_users',
      value: concurrentUsers,
      unit: 'users',
      formula: "Little's law: peak_updates_per_s x (mean_think_time + mean_reply_time)",
    },
    {
      name: 'peak_claude_calls_per_s',
      value: peakCallsPerS,
      unit: 'calls/s',
      formula: 'peak_updates_per_s x question_share x claude_calls_per_question',
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
      formula: 'daily_active_users x updates_per_user_per_day',
    },
    {
      name: 'claude_calls_per_day',
      value: callsPerDay,
      unit: 'calls',
      formula:
        'updates_per_day x question_share x claude_calls_per_question + daily_active_users x digests_per_user_per_day',
    },
    {
      name: 'claude_calls_per_user_per_day',
      value: callsPerDay / dailyActiveUsers,
      unit: 'calls',
      formula: 'claude_calls_per_day / daily_active_users',
    },
    {
      name: 'input_tokens_per_month',
      value: callsPerDay * inputPerCall * day.daysPerMonth,
      unit: 'tokens',
      formula: 'claude_calls_per_day x input_tokens_per_call x days_per_month',
    },
    {
      name: 'output_tokens_per_month',
      value: callsPerDay * outputPerCall * day.daysPerMonth,
      unit: 'tokens',
      formula: 'claude_calls_per_day x output_tokens_per_call x days_per_month',
    },
  ];
  if (recommended !== null) {
    figures.push({
      name: 'claude_concurrency_for_target_wait',
      value: recommended,
      unit: 'slots',
      formula: `smallest c with Erlang C P(wait) < ${targetWaitProbability} at peak_claude_calls_per_s`,
    });
  }
  if (options.kneeVusPerInstance !== undefined && options.kneeVusPerInstance > 0) {
    figures.push({
      name: 'bot_instances',
      value: Math.ceil(concurrentUsers / options.kneeVusPerInstance),
      unit: 'instances',
      formula: 'ceil(peak_concurrent_users / knee_vus_per_instance)',
    });
  }
  return figures;
}

/** The projection in plain sentences, every number from the figures. */
function projectionSentences(
  target: ProjectionTarget,
  rates: MeasuredRates,
  figures: readonly ProjectedFigure[],
  options: ProjectionOptions,
): string[] {
  const { day, dailyActiveUsers, targetWaitProbability } = target;
  const { serviceTimeS, concurrentUsers } = rates;
  const recommended = figures.find((x) => x.name === 'claude_concurrency_for_target_wait')?.value ?? null;
  const f = (name: string) => figures.find((x) => x.name === name)?.value ?? 0;
  const users = Math.round(concurrentUsers).toLocaleString('en-US');
  const sentences = [
    ...describeDayModel({ ...day, dailyActiveUsers }).slice(0, 2),
    `At the busiest hour the bot sees about ${f('peak_updates_per_s').toFixed(1)} updates/s from about ${users} concurrent users and ${f('peak_claude_calls_per_s').toFixed(2)} Claude calls/s (${f('peak_claude_in_flight').toFixed(1)} in flight at ${serviceTimeS.toFixed(1)} s per call).`,
    `At ${dailyActiveUsers.toLocaleString('en-US')} DAU: about ${Math.round(f('claude_calls_per_day')).toLocaleString('en-US')} Claude calls per day (${f('claude_calls_per_user_per_day').toFixed(1)} per user).`,
  ];
  if (recommended !== null)
    sentences.push(
      `A Claude concurrency of ${recommended} keeps P(wait) under ${Math.round(targetWaitProbability * 100)}% at that peak.`,
    );
  if (options.kneeVusPerInstance !== undefined)
    sentences.push(
      `With a knee of ${options.kneeVusPerInstance} VUs per instance, ${f('bot_instances')} instances hold ${users} concurrent users (if they scale linearly; verify with a run, or \`botcap plan\`).`,
    );
  return sentences;
}
