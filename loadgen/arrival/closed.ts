import type { LoadModel } from '../../scenarios/schema.ts';
import { type PlacedStage, placeStages } from './stages.ts';
import type { ClosedSchedule, Phase, VuPlan } from './types.ts';

type ClosedLoad = Extract<LoadModel, { executor: 'constant-vus' | 'ramping-vus' }>;

/**
 * The closed model's schedule: when each VU is active. VU k (from 1) is active while the stage target
 * is >= k, so a ramp from 0 to 500 over 60 s starts a VU every 120 ms and a ramp-down stops the
 * highest-numbered VUs first, like k6's ramping-vus.
 *
 * @example
 * planClosed({ executor: 'constant-vus', vus: 2, duration: 60_000 }, 1).vus
 * // [{ vu: 0, intervals: [[0, 60000]] }, { vu: 1, intervals: [[0, 60000]] }]
 */
export function planClosed(load: ClosedLoad, seed: number): ClosedSchedule {
  if (load.executor === 'constant-vus') {
    return {
      kind: 'closed',
      executor: load.executor,
      durationMs: load.duration,
      phases: [{ name: 'hold', startMs: 0, endMs: load.duration, targetVus: load.vus }],
      peakVus: load.vus,
      gracefulStopMs: 0,
      vus: Array.from({ length: load.vus }, (_, vu) => ({ vu, intervals: [[0, load.duration] as const] })),
      seed,
    };
  }
  const stages = placeStages(load.startVUs, load.stages);
  const peakVus = Math.floor(Math.max(load.startVUs, ...load.stages.map((stage) => stage.target)));
  const vus: VuPlan[] = [];
  for (let vu = 0; vu < peakVus; vu++) vus.push({ vu, intervals: activeIntervals(stages, vu + 1) });
  return {
    kind: 'closed',
    executor: load.executor,
    durationMs: stages.at(-1)?.endMs ?? 0,
    phases: stagePhases(stages, (target) => ({ targetVus: target })),
    peakVus,
    gracefulStopMs: load.gracefulRampDown,
    vus,
    seed,
  };
}

/**
 * Where the piecewise-linear target is >= `level`, as merged [start, stop) intervals.
 *
 * @example
 * activeIntervals(placeStages(0, [{ duration: 10_000, target: 10 }, { duration: 10_000, target: 0 }]), 5)
 * // [[5000, 15000]]
 */
export function activeIntervals(stages: readonly PlacedStage[], level: number): Array<readonly [number, number]> {
  const out: Array<[number, number]> = [];
  const add = (startMs: number, stopMs: number) => {
    if (stopMs <= startMs) return;
    const last = out.at(-1);
    if (last !== undefined && Math.abs(last[1] - startMs) < 1e-6) last[1] = stopMs;
    else out.push([startMs, stopMs]);
  };
  for (const { startMs, endMs, from, to } of stages) {
    const span = endMs - startMs;
    if (span <= 0) continue;
    if (from >= level && to >= level) add(startMs, endMs);
    else if (from < level && to >= level) add(startMs + ((level - from) / (to - from)) * span, endMs);
    else if (from >= level && to < level) add(startMs, startMs + ((from - level) / (from - to)) * span);
  }
  return out.map(([a, b]) => [Math.round(a), Math.round(b)] as const);
}

/**
 * One phase per stage, named by what it does (ramp-up, hold, ramp-down), numbered when repeated.
 *
 * @example
 * stagePhases(placeStages(0, [{ duration: 60_000, target: 50 }]), (t) => ({ targetVus: t }))
 * // [{ name: 'ramp-up', startMs: 0, endMs: 60000, targetVus: 50 }]
 */
export function stagePhases(
  stages: readonly PlacedStage[],
  target: (value: number) => Pick<Phase, 'targetVus' | 'targetRatePerS'>,
): Phase[] {
  const seen = new Map<string, number>();
  return stages.map((stage) => {
    const kind = stage.to > stage.from ? 'ramp-up' : stage.to < stage.from ? 'ramp-down' : 'hold';
    const count = (seen.get(kind) ?? 0) + 1;
    seen.set(kind, count);
    return {
      name: count === 1 ? kind : `${kind} ${count}`,
      startMs: stage.startMs,
      endMs: stage.endMs,
      ...target(stage.to),
    };
  });
}
