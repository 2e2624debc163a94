import { describe, expect, it } from 'vitest';
import { decodeHistogram } from '../contracts/histogram.ts';
import { runResultSchema } from '../contracts/run-result.ts';
import { parseScenario } from '../scenarios/validate.ts';
import type { InjectedUpdate, ObservedCall } from './correlate/types.ts';
import { measureRun, type RunRecords } from './measure.ts';
import { histogramStats } from './metrics/histogram.ts';

const scenario = parseScenario({
  name: 'm',
  timeScale: 10,
  load: { executor: 'constant-arrival-rate', rate: 1, duration: '20s', preAllocatedVUs: 5 },
  replies: { deadline: '5s' },
});

const update = (id: number, atMs: number, action: InjectedUpdate['action']): InjectedUpdate => ({
  updateId: id,
  chatId: id,
  userId: id,
  messageId: 1,
  kind: 'message',
  action,
  intendedMs: atMs,
  injectedMs: atMs,
});
const reply = (seq: number, chatId: number, timeMs: number, text = 'ok'): ObservedCall => ({
  seq,
  timeMs,
  method: 'sendMessage',
  chatId,
  ok: true,
  errorCode: null,
  messageId: 2,
  text,
});

function records(): RunRecords {
  return {
    scenario,
    phases: [{ name: 'hold', startMs: 0, endMs: 20_000, targetRatePerS: 1 }],
    durationMs: 20_000,
    durationRealS: 2,
    status: 'completed',
    timeScale: 10,
    updates: [update(1, 0, 'question'), update(2, 1_000, 'navigation'), update(3, 12_000, 'question')],
    calls: [
      reply(0, 1, 800),
      reply(1, 2, 1_100),
      reply(2, 2, 1_200),
      { ...reply(3, 3, 12_500), ok: false, errorCode: 429, method: 'sendMessage' },
      reply(4, 5, 11_000, '📰 digest'),
    ],
    droppedAtMs: [15_000],
    peakVus: 2,
    activeVus: [
      [0, 1],
      [11_000, 2],
    ],
    runnerErrors: [],
    expectedDigests: [
      { chatId: 5, userId: 5, scheduledMs: 10_000 },
      { chatId: 6, userId: 6, scheduledMs: 10_000 },
    ],
    usersMoved: 0,
    serverCounters: { redeliveries: 1, floodLimited429: 0 },
  };
}

describe('measureRun', () => {
  it('fills the RunResult parts the load generator owns, valid against the contract', () => {
    const measured = measureRun(records());
    const shape = runResultSchema.shape;
    for (const key of ['phases', 'load', 'latency', 'correctness', 'telegram', 'timeSeries'] as const) {
      expect(() => shape[key].parse(measured[key])).not.toThrow();
    }
    expect(measured.load).toEqual({
      model: 'constant-arrival-rate',
      population: 1000,
      maxVus: 2,
      updatesInjected: 3,
      updatesDropped: 1,
      updatesByAction: { question: 2, navigation: 1 },
    });
    expect(measured.correctness).toMatchObject({
      lostUpdates: 1,
      duplicateReplies: 1,
      digests: { expected: 2, delivered: 1, missing: 1, duplicated: 0 },
      errorsByKind: { telegram_429: 1 },
    });
    expect(measured.telegram).toEqual({
      botCalls: 5,
      callsByMethod: { sendMessage: 5 },
      floodLimited429: 1,
      webhookRedeliveries: 1,
    });
    // One value per update: the lost one (no reply in its 5 s) counts at the deadline, not as absent.
    // (HDR keeps 3 significant digits: 5000 reads back as 5003.)
    const final = histogramStats(decodeHistogram(measured.latency.replyFinal));
    expect(final.count).toBe(3);
    expect(final.max).toBeCloseTo(5000, -1);
    expect(histogramStats(decodeHistogram(measured.latency.replyFirst)).count).toBe(3);
    expect(Object.keys(measured.latency.byAction).sort()).toEqual(['navigation', 'question']);
    // One digest 1 s late; the missing one (due at 10 s, unsent when the run ended at 20 s) counts as 10 s late.
    const lateness = histogramStats(decodeHistogram(measured.correctness.digests.lateness));
    expect(lateness.count).toBe(2);
    expect(lateness.min).toBe(1000);
    expect(lateness.max).toBeCloseTo(10_000, -2);
  });

  it("gives each phase the replies to the updates sent in it, halves apart, so a level's percentile counts every reply", () => {
    const [hold] = measureRun(records()).phases;
    // Updates sent at 0 s and 1 s (first half of the 20 s hold) and 12 s (second half, lost: at the deadline).
    expect(hold?.latency?.replyFinal.count).toBe(3);
    expect(hold?.latency?.halves.map((h) => h.replyFinal.count)).toEqual([2, 1]);
    expect(histogramStats(decodeHistogram(hold!.latency!.halves[1].replyFinal)).max).toBeCloseTo(5000, -1);
    // The first half's first outputs: 800 ms (the question at 0 s) and 100 ms (the navigation at 1 s, answered at 1.1 s).
    expect(histogramStats(decodeHistogram(hold!.latency!.halves[0].replyFirst)).max).toBe(800);
    expect(histogramStats(decodeHistogram(hold!.latency!.halves[0].replyFirst)).min).toBe(100);
  });

  it('builds per-second series: one bucket per real second, rates per simulated second', () => {
    const series = Object.fromEntries(measureRun(records()).timeSeries.map((s) => [s.name, s.points]));
    // timeScale 10: a real second is a 10 s bucket.
    expect(series.updates_per_s).toEqual([
      [10_000, 0.2],
      [20_000, 0.1],
    ]);
    expect(series.replies_per_s?.[0]).toEqual([10_000, 0.2]);
    expect(series.reply_p95_ms?.[0]?.[1]).toBe(800);
    // The lost update (intended at 12 s) shows at its deadline, 17 s, as a 5 s latency: a stall is not a gap.
    expect(series.reply_p95_ms?.[1]?.[1]).toBeCloseTo(5000, -1);
    expect(series.reply_first_p95_ms?.[0]?.[1]).toBe(800);
    expect(series.active_vus).toEqual([
      [10_000, 1],
      [20_000, 2],
    ]);
    // The lost update (at its deadline, 17 s), the 429 and the dropped arrival land in the second bucket.
    expect(series.errors_per_s?.[0]).toEqual([10_000, 0]);
    expect(series.errors_per_s?.[1]?.[1]).toBeCloseTo(0.3, 9);
  });

  it("records each interval's mix for the capacity model: updates per action, digests and Bot API calls", () => {
    const series = Object.fromEntries(measureRun(records()).timeSeries.map((s) => [s.name, s.points]));
    // Questions at 0 s and 12 s, the navigation at 1 s; 10 s buckets.
    expect(series['updates_per_s{action="question"}']).toEqual([
      [10_000, 0.1],
      [20_000, 0.1],
    ]);
    expect(series['updates_per_s{action="navigation"}']).toEqual([
      [10_000, 0.1],
      [20_000, 0],
    ]);
    // The one digest delivered, at 11 s; five Bot API calls, three in the first bucket.
    expect(series.digests_sent_per_s).toEqual([
      [10_000, 0],
      [20_000, 0.1],
    ]);
    expect(series.telegram_calls_per_s?.map(([t, v]) => [t, Math.round(v * 10)])).toEqual([
      [10_000, 3],
      [20_000, 2],
    ]);
  });
});
