import type { Stage } from '../../scenarios/schema.ts';

/** One stage placed on the run's axis: the target moves linearly from `from` to `to` over [startMs, endMs]. */
export interface PlacedStage {
  startMs: number;
  endMs: number;
  from: number;
  to: number;
}

/**
 * Places k6 stages one after another, starting at `start` (startVUs or startRate), as k6 does.
 *
 * @example
 * placeStages(0, [{ duration: 60_000, target: 100 }, { duration: 60_000, target: 100 }])
 * // [{ startMs: 0, endMs: 60000, from: 0, to: 100 }, { startMs: 60000, endMs: 120000, from: 100, to: 100 }]
 */
export function placeStages(start: number, stages: readonly Stage[]): PlacedStage[] {
  const placed: PlacedStage[] = [];
  let atMs = 0;
  let from = start;
  for (const stage of stages) {
    placed.push({ startMs: atMs, endMs: atMs + stage.duration, from, to: stage.target });
    atMs += stage.duration;
    from = stage.target;
  }
  return placed;
}

/**
 * The target at `tMs` (linear within a stage; the last stage's end value after it).
 *
 * @example
 * targetAt(placeStages(0, [{ duration: 10_000, target: 10 }]), 5_000) // 5
 */
export function targetAt(stages: readonly PlacedStage[], tMs: number): number {
  for (const stage of stages) {
    if (tMs < stage.endMs) {
      const span = stage.endMs - stage.startMs;
      return span === 0 ? stage.to : stage.from + ((stage.to - stage.from) * (tMs - stage.startMs)) / span;
    }
  }
  return stages.at(-1)?.to ?? 0;
}
