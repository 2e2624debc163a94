import { encodeHistogram } from '../contracts/histogram.ts';
import type { RunResult } from '../contracts/run-result.ts';
import type { Scenario } from '../scenarios/schema.ts';
import type { Phase } from './arrival/types.ts';
import { accountDigests, type ExpectedDigest } from './correlate/digests.ts';
import { correlateReplies, type ReplyAccounting } from './correlate/replies.ts';
import type { InjectedUpdate, ObservedCall } from './correlate/types.ts';
import { createHistogram, type Histogram, recordValue } from './metrics/histogram.ts';
import { phasesWithLatency, type ReplySample } from './metrics/phase-latency.ts';
import { buildTimeSeries } from './metrics/time-series.ts';

/** The parts of a RunResult the load generator measures; the orchestrator adds environment, Claude, database. */
export type MeasuredRun = Pick<RunResult, 'phases' | 'load' | 'latency' | 'correctness' | 'telegram' | 'timeSeries'> & {
  durationSimulatedS: number;
  durationRealS: number;
  /** `aborted` when the run was stopped before its schedule ended; the measurements cover what ran. */
  status: 'completed' | 'aborted';
};

/** Everything recorded during a run, on the run's axis (simulated ms since start). */
export interface RunRecords {
  scenario: Scenario;
  phases: Phase[];
  durationMs: number;
  durationRealS: number;
  status: MeasuredRun['status'];
  /** Simulated seconds per real second of the run's clock (time-series buckets are one real second). */
  timeScale: number;
  updates: readonly InjectedUpdate[];
  calls: readonly ObservedCall[];
  /** Per reply taken by a VU: [recorded at, lag until the generator took it], run ms (CallFeed). */
  replyProcessingLags?: ReadonlyArray<readonly [atMs: number, lagMs: number]>;
  /** Intended times of arrivals dropped for want of an idle VU or chat. */
  droppedAtMs: readonly number[];
  peakVus: number;
  activeVus: ReadonlyArray<readonly [number, number]>;
  /** Errors the runner itself saw (e.g. inject_failed), with their times. */
  runnerErrors: ReadonlyArray<{ kind: string; atMs: number }>;
  expectedDigests: readonly ExpectedDigest[];
  usersMoved: number;
  /** Counters only the server knows. */
  serverCounters: { redeliveries: number; floodLimited429: number };
}

/**
 * Turns a run's records into its measured RunResult parts: correlation, correctness accounting, HDR
 * histograms (encoded), counters and the per-second series. Pure, so a test can feed planted records.
 *
 * @example
 * const measured = measureRun(records);
 * measured.correctness.lostUpdates // 0
 */
export function measureRun(records: RunRecords): MeasuredRun & { accounting: ReplyAccounting } {
  const { scenario } = records;
  const accounting = correlateReplies(records.updates, records.calls, scenario.replies);
  const digests = accountDigests(records.expectedDigests, accounting.digests, records.durationMs);

  const replyFinal = createHistogram();
  const replyFirst = createHistogram();
  const byAction = new Map<string, Histogram>();
  const replies: Array<[number, number]> = [];
  const timedOut: Array<[number, number]> = [];
  const errorTimes: number[] = [...records.droppedAtMs, ...records.runnerErrors.map((e) => e.atMs)];
  const firsts: Array<[number, number]> = [];
  const samples: ReplySample[] = [];
  const { deadline } = scenario.replies;
  for (const outcome of accounting.outcomes) {
    const { update } = outcome;
    // An update with no output by its deadline is recorded AT the deadline, as k6 records a timed-out
    // request at its timeout: a lower bound of its latency, so a stalled bot cannot hide behind the replies
    // it did send (coordinated omission). It is also counted as lost.
    const firstMs = outcome.firstMs !== undefined && outcome.firstMs <= deadline ? outcome.firstMs : deadline;
    recordValue(replyFirst, firstMs);
    firsts.push([update.intendedMs + firstMs, firstMs]);
    if (outcome.finalMs === undefined) errorTimes.push(update.intendedMs + deadline);
    const finalMs = outcome.finalMs ?? deadline;
    recordValue(replyFinal, finalMs);
    let histogram = byAction.get(update.action);
    if (histogram === undefined) {
      histogram = createHistogram();
      byAction.set(update.action, histogram);
    }
    recordValue(histogram, finalMs);
    samples.push({ sentAtMs: update.intendedMs, firstMs, finalMs });
    if (outcome.finalMs !== undefined) replies.push([update.intendedMs + finalMs, finalMs]);
    else timedOut.push([update.intendedMs + deadline, deadline]);
  }
  for (const call of records.calls) if (!call.ok) errorTimes.push(call.timeMs);

  const lateness = createHistogram();
  let early = 0;
  for (const ms of digests.latenessMs) {
    if (ms < 0) early++;
    recordValue(lateness, ms);
  }
  // Digests still unsent at the end count at how late they already were (a lower bound), as replies do.
  for (const ms of digests.unsentLatenessMs) recordValue(lateness, ms);

  const errorsByKind: Record<string, number> = { ...accounting.errorsByKind };
  const add = (kind: string, n: number) => {
    if (n > 0) errorsByKind[kind] = (errorsByKind[kind] ?? 0) + n;
  };
  for (const error of records.runnerErrors) add(error.kind, 1);
  add('reply_after_deadline', accounting.repliesAfterDeadline);
  add('unsolicited_reply', accounting.unsolicitedReplies);
  add('unexpected_digest', digests.unexpected);
  add('early_digest', early);

  const updatesByAction: Record<string, number> = {};
  for (const update of records.updates) updatesByAction[update.action] = (updatesByAction[update.action] ?? 0) + 1;
  const callsByMethod: Record<string, number> = {};
  for (const call of records.calls) callsByMethod[call.method] = (callsByMethod[call.method] ?? 0) + 1;
  const flood429 = records.calls.filter((call) => call.errorCode === 429).length;

  return {
    accounting,
    durationSimulatedS: records.durationMs / 1000,
    durationRealS: records.durationRealS,
    status: records.status,
    phases: phasesWithLatency(records.phases, samples),
    load: {
      model: scenario.load.executor,
      population: scenario.population.size,
      maxVus: records.peakVus,
      updatesInjected: records.updates.length,
      updatesDropped: records.droppedAtMs.length,
      updatesByAction,
    },
    latency: {
      replyFinal: encodeHistogram(replyFinal, 'ms'),
      replyFirst: encodeHistogram(replyFirst, 'ms'),
      byAction: Object.fromEntries([...byAction].map(([action, h]) => [action, encodeHistogram(h, 'ms')])),
    },
    correctness: {
      lostUpdates: accounting.lostUpdates,
      duplicateReplies: accounting.duplicateReplies,
      outOfOrderReplies: accounting.outOfOrderReplies,
      fallbackReplies: accounting.fallbackReplies,
      digests: {
        expected: digests.expected,
        delivered: digests.delivered,
        missing: digests.missing,
        duplicated: digests.duplicated,
        lateness: encodeHistogram(lateness, 'ms'),
        usersMoved: records.usersMoved,
      },
      errorsByKind,
    },
    telegram: {
      botCalls: records.calls.length,
      callsByMethod,
      floodLimited429: Math.max(flood429, records.serverCounters.floodLimited429),
      webhookRedeliveries: records.serverCounters.redeliveries,
    },
    timeSeries: buildTimeSeries({
      durationMs: records.durationMs,
      bucketMs: 1000 * records.timeScale,
      updatesAtMs: records.updates.map((u) => u.intendedMs),
      replies,
      timedOut,
      firsts,
      errorsAtMs: errorTimes,
      activeVus: records.activeVus,
      updatesByAction: records.updates.map((u) => [u.intendedMs, u.action] as const),
      digestsAtMs: accounting.digests.map((call) => call.timeMs),
      botCallsAtMs: records.calls.map((call) => call.timeMs),
      injectionLags: records.updates.map((u) => [u.intendedMs, Math.max(0, u.injectedMs - u.intendedMs)] as const),
      lostAtMs: accounting.outcomes.filter((o) => o.lost).map((o) => o.update.intendedMs),
      fallbacksAtMs: accounting.outcomes.filter((o) => o.fallback).map((o) => o.update.intendedMs),
      ...(records.replyProcessingLags === undefined ? {} : { replyProcessingLags: records.replyProcessingLags }),
    }),
  };
}
