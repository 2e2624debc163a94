import { encodeHistogram } from '../contracts/histogram.ts';
import type { RunResult, TimeSeries } from '../contracts/run-result.ts';
import { createHistogram, type Histogram, recordValue } from '../loadgen/metrics/histogram.ts';
import { phasesWithLatency, type ReplySample } from '../loadgen/metrics/phase-latency.ts';
import { buildTimeSeries } from '../loadgen/metrics/time-series.ts';
import type { SimulationOutput } from './simulate.ts';

/**
 * A simulation's output in the shape of a measured run, on a measured run's skeleton (scenario, environment):
 * the same latency histograms and per-interval series the load generator writes (by the generator's own
 * `buildTimeSeries`), so the knee, the bottleneck rules and the reports read a prediction exactly as they
 * read a measurement, and the two compare by one rule.
 *
 * @example
 * findKneeInRamp(predictedRun(simulate(input), measured)).kneeLoad
 */
export function predictedRun(output: SimulationOutput, skeleton: RunResult, replyDeadlineMs: number): RunResult {
  const replyFinal = createHistogram();
  const replyFirst = createHistogram();
  const byAction = new Map<string, Histogram>();
  const replies: Array<[number, number]> = [];
  const timedOut: Array<[number, number]> = [];
  const firsts: Array<[number, number]> = [];
  const samples: ReplySample[] = [];
  let lost = 0;
  let fallbacks = 0;
  const byActionCount: Record<string, number> = {};
  for (const u of output.updates) {
    if (u.arrivalMs >= output.durationMs) continue;
    byActionCount[u.cls] = (byActionCount[u.cls] ?? 0) + 1;
    const finalMs = Number.isNaN(u.finalMs) ? Number.POSITIVE_INFINITY : u.finalMs - u.arrivalMs;
    const firstMs = Number.isNaN(u.firstMs) ? Number.POSITIVE_INFINITY : u.firstMs - u.arrivalMs;
    const final = Math.min(finalMs, replyDeadlineMs);
    const first = Math.min(firstMs, replyDeadlineMs);
    recordValue(replyFinal, final);
    recordValue(replyFirst, first);
    let h = byAction.get(u.cls);
    if (h === undefined) {
      h = createHistogram();
      byAction.set(u.cls, h);
    }
    recordValue(h, final);
    samples.push({ sentAtMs: u.arrivalMs, firstMs: first, finalMs: final });
    firsts.push([u.arrivalMs + first, first]);
    if (finalMs <= replyDeadlineMs) replies.push([u.arrivalMs + finalMs, finalMs]);
    else {
      lost++;
      timedOut.push([u.arrivalMs + replyDeadlineMs, replyDeadlineMs]);
    }
    if (u.fallback) fallbacks++;
  }
  const lateness = createHistogram();
  let delivered = 0;
  for (const d of output.digests) {
    if (d.scheduledMs >= output.durationMs) continue;
    const sent = Number.isNaN(d.sentMs) ? output.durationMs : d.sentMs;
    if (!Number.isNaN(d.sentMs) && d.sentMs <= output.durationMs) delivered++;
    recordValue(lateness, Math.max(0, Math.min(sent, output.durationMs) - d.scheduledMs));
  }
  const expected = output.digests.filter((d) => d.scheduledMs < output.durationMs).length;
  const injected = output.updates.filter((u) => u.arrivalMs < output.durationMs);
  const series: TimeSeries[] = buildTimeSeries({
    durationMs: output.durationMs,
    bucketMs: output.bucketMs,
    updatesAtMs: injected.map((u) => u.arrivalMs),
    replies,
    timedOut,
    firsts,
    errorsAtMs: timedOut.map(([at]) => at),
    activeVus: output.activeVus,
    updatesByAction: injected.map((u) => [u.arrivalMs, u.cls] as const),
    digestsAtMs: output.digests.filter((d) => !Number.isNaN(d.sentMs)).map((d) => d.sentMs),
  });
  for (const r of output.resources) {
    const points = (values: number[]) => values.map((v, i): [number, number] => [(i + 1) * output.bucketMs, v]);
    series.push({ name: 'model_busy', unit: 'servers', source: r.name, points: points(r.busyPerBucket) });
    series.push({ name: 'model_queue', unit: 'waiting', source: r.name, points: points(r.queuePerBucket) });
  }
  return {
    ...skeleton,
    variant: `${skeleton.variant ?? skeleton.scenario.name} (predicted)`,
    durationSimulatedS: output.durationMs / 1000,
    phases: phasesWithLatency(output.phases, samples),
    load: {
      ...skeleton.load,
      updatesInjected: injected.length,
      updatesDropped: 0,
      updatesByAction: byActionCount,
    },
    latency: {
      replyFinal: encodeHistogram(replyFinal, 'ms'),
      replyFirst: encodeHistogram(replyFirst, 'ms'),
      byAction: Object.fromEntries([...byAction].map(([k, h]) => [k, encodeHistogram(h, 'ms')])),
    },
    correctness: {
      ...skeleton.correctness,
      lostUpdates: lost,
      fallbackReplies: fallbacks,
      duplicateReplies: 0,
      digests: {
        ...skeleton.correctness.digests,
        expected,
        delivered,
        missing: expected - delivered,
        duplicated: 0,
        lateness: encodeHistogram(lateness, 'ms'),
      },
    },
    timeSeries: series,
    thresholds: [],
  };
}
