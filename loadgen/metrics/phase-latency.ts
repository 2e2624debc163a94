import { encodeHistogram } from '../../contracts/histogram.ts';
import type { PhaseLatency, RunResult } from '../../contracts/run-result.ts';
import type { Phase } from '../arrival/types.ts';
import { createHistogram, type Histogram, recordValue } from './histogram.ts';

/** One update's outcome on the run's axis: when it was meant to be sent, and its latencies (deadline-capped). */
export interface ReplySample {
  sentAtMs: number;
  firstMs: number;
  finalMs: number;
}

interface Recorder {
  replyFinal: Histogram;
  replyFirst: Histogram;
}

function recorder(): Recorder {
  return { replyFinal: createHistogram(), replyFirst: createHistogram() };
}

function encoded(r: Recorder): PhaseLatency {
  return { replyFinal: encodeHistogram(r.replyFinal, 'ms'), replyFirst: encodeHistogram(r.replyFirst, 'ms') };
}

/**
 * The phases with the reply latencies of the updates sent in each ([startMs, endMs), by intended send time,
 * so a level owns the replies to the load it offered even when they arrive after it ended), whole and by half
 * (the steady-state check compares the halves). The same for a measured run and a predicted one, so the knee
 * reads both by one rule.
 *
 * @example
 * phasesWithLatency(schedule.phases, outcomes)[2].latency.replyFirst.count // 412
 */
export function phasesWithLatency(phases: readonly Phase[], samples: readonly ReplySample[]): RunResult['phases'] {
  const byPhase = phases.map(() => ({ whole: recorder(), halves: [recorder(), recorder()] as const }));
  for (const sample of samples) {
    const index = phases.findIndex((p) => sample.sentAtMs >= p.startMs && sample.sentAtMs < p.endMs);
    const phase = phases[index];
    const into = byPhase[index];
    if (phase === undefined || into === undefined) continue;
    const half = sample.sentAtMs < (phase.startMs + phase.endMs) / 2 ? into.halves[0] : into.halves[1];
    for (const r of [into.whole, half]) {
      recordValue(r.replyFinal, sample.finalMs);
      recordValue(r.replyFirst, sample.firstMs);
    }
  }
  return phases.map((phase, i) => {
    const into = byPhase[i]!;
    return {
      ...phase,
      latency: { ...encoded(into.whole), halves: [encoded(into.halves[0]), encoded(into.halves[1])] },
    };
  });
}
