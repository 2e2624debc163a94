import type { BehaviourSpec, LoadModel } from '../../scenarios/schema.ts';
import { createStream } from '../population/random.ts';
import { stagePhases } from './closed.ts';
import { type PlacedStage, placeStages } from './stages.ts';
import type { Arrival, OpenSchedule } from './types.ts';

type OpenLoad = Extract<LoadModel, { executor: 'constant-arrival-rate' | 'ramping-arrival-rate' | 'scheduled-peak' }>;

/**
 * The open model's schedule: every arrival's intended time, preferred user and action, fixed by the
 * seed before the run. Arrivals are evenly spaced at the (possibly ramping) rate, as k6 spaces them;
 * the bot's speed never moves them - an arrival that finds no idle VU is dropped, not delayed.
 *
 * @example
 * const s = planOpen({ executor: 'constant-arrival-rate', rate: 10, timeUnit: 1000, duration: 2000, preAllocatedVUs: 5 }, mix, 1000, 1);
 * s.arrivals.length // 20, at 0, 100, 200, ... ms
 */
export function planOpen(
  load: OpenLoad,
  mix: BehaviourSpec['mix'],
  populationSize: number,
  seed: number,
): OpenSchedule {
  const stages =
    load.executor === 'ramping-arrival-rate'
      ? placeStages(load.startRate, load.stages)
      : placeStages(load.rate, [{ duration: load.duration, target: load.rate }]);
  const times = arrivalTimes(stages, load.timeUnit);
  const rng = createStream(seed, 'arrivals');
  const arrivals: Arrival[] = times.map((atMs) => ({
    atMs,
    userIndex: Math.floor(rng.next() * populationSize),
    action: rng.weighted(mix),
  }));
  const perS = 1000 / load.timeUnit;
  return {
    kind: 'open',
    executor: load.executor,
    durationMs: stages.at(-1)?.endMs ?? 0,
    phases:
      load.executor === 'scheduled-peak'
        ? [{ name: 'window', startMs: 0, endMs: load.duration, targetRatePerS: load.rate * perS }]
        : stagePhases(stages, (target) => ({ targetRatePerS: target * perS })),
    preAllocatedVus: load.preAllocatedVUs,
    maxVus: load.maxVUs ?? load.preAllocatedVUs,
    arrivals,
    seed,
  };
}

/**
 * Intended arrival times (simulated ms) for a piecewise-linear rate: the n-th arrival is where the
 * integral of the rate reaches n. A constant rate gives arrivals at 0, 1/rate, 2/rate, ...
 *
 * @example
 * arrivalTimes(placeStages(0, [{ duration: 10_000, target: 10 }]), 1000).length // 50 (0 -> 10/s over 10 s)
 */
export function arrivalTimes(stages: readonly PlacedStage[], timeUnitMs: number): number[] {
  const times: number[] = [];
  let cumulative = 0;
  // A rate already positive at the start gets an arrival at t=0, as k6's constant-arrival-rate does.
  let next = (stages[0]?.from ?? 0) > 0 ? 0 : 1;
  for (const { startMs, endMs, from, to } of stages) {
    const span = endMs - startMs;
    if (span <= 0) continue;
    const rateA = from / timeUnitMs;
    const rateB = to / timeUnitMs;
    const stageCount = ((rateA + rateB) / 2) * span;
    const half = (rateB - rateA) / (2 * span);
    while (next < cumulative + stageCount - 1e-9) {
      const need = next - cumulative;
      const offset =
        Math.abs(half) < 1e-15
          ? need / rateA
          : (-rateA + Math.sqrt(Math.max(0, rateA * rateA + 4 * half * need))) / (2 * half);
      times.push(startMs + Math.min(Math.max(offset, 0), span));
      next++;
    }
    cumulative += stageCount;
  }
  return times;
}
