import type { ScenarioInput } from '../schema.ts';

type Stages = Extract<ScenarioInput['load'], { executor: 'ramping-vus' }>['stages'];

/** The first ramp of a staircase, simulated ms: users arrive over 20 s, not in one burst of first messages. */
export const STAIRCASE_FIRST_RAMP_MS = 20_000;

/**
 * k6 stages that climb a staircase: for each level, a ramp to it then a hold at it. Each stage becomes a
 * phase with a target load, so the knee analysis gets one measured level per step. The first ramp is
 * longer: a new VU acts at once (as in k6), so 100 users arriving within 5 s send a burst of first
 * messages several times the level's steady rate, and the first level would be judged on that burst.
 *
 * @example
 * staircase([100, 200], 10_000, 30_000)
 * // [{ duration: 20000, target: 100 }, { duration: 30000, target: 100 }, { duration: 10000, target: 200 }, ...]
 */
export function staircase(
  levels: readonly number[],
  rampMs: number,
  holdMs: number,
  firstRampMs = STAIRCASE_FIRST_RAMP_MS,
): Stages {
  return levels.flatMap((target, i) => [
    { duration: i === 0 ? firstRampMs : rampMs, target },
    { duration: holdMs, target },
  ]);
}
