import type { ScenarioInput } from '../schema.ts';

type Stages = Extract<ScenarioInput['load'], { executor: 'ramping-vus' }>['stages'];

/**
 * k6 stages that climb a staircase: for each level, a ramp to it then a hold at it. Each stage becomes a
 * phase with a target load, so the knee analysis gets one measured level per step.
 *
 * @example
 * staircase([100, 200], 10_000, 30_000)
 * // [{ duration: 10000, target: 100 }, { duration: 30000, target: 100 }, { duration: 10000, target: 200 }, ...]
 */
export function staircase(levels: readonly number[], rampMs: number, holdMs: number): Stages {
  return levels.flatMap((target) => [
    { duration: rampMs, target },
    { duration: holdMs, target },
  ]);
}
