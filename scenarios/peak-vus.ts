import { unreachable } from '../common/unreachable.ts';
import type { LoadModel, Scenario } from './schema.ts';
import { minuteOfDay } from './units.ts';

/**
 * The most virtual users a load model can have busy at once: the peak VU target of a closed model,
 * `maxVUs` (or `preAllocatedVUs`) of an open one. The population must be at least this large.
 *
 * @example
 * peakVus({ executor: 'constant-vus', vus: 50, duration: 60_000 }) // 50
 */
export function peakVus(load: LoadModel): number {
  switch (load.executor) {
    case 'constant-vus':
      return load.vus;
    case 'ramping-vus':
      return Math.ceil(Math.max(load.startVUs, ...load.stages.map((stage) => stage.target)));
    case 'constant-arrival-rate':
    case 'ramping-arrival-rate':
    case 'scheduled-peak':
      return load.maxVUs ?? load.preAllocatedVUs;
    default:
      return unreachable(load);
  }
}

/**
 * Simulated length of the load model: its duration, or the sum of its stages.
 *
 * @example
 * loadDurationMs({ executor: 'constant-vus', vus: 50, duration: 60_000 }) // 60_000
 */
export function loadDurationMs(load: LoadModel): number {
  return 'stages' in load ? load.stages.reduce((sum, stage) => sum + stage.duration, 0) : load.duration;
}

/**
 * The scenario's peak actions per simulated second, from its definition alone: an open model's peak rate,
 * or a closed model's peak VUs over one cycle (mean think time + a second to be answered).
 */
export function nominalPeakRate(scenario: Scenario): number {
  const load = peakLoad(scenario.load, 1);
  if (load.executor === 'constant-vus') return load.vus / (meanThinkMs(scenario.behaviour.thinkTime) / 1000 + 1);
  if ('rate' in load) return load.rate / (load.timeUnit / 1000);
  return 1;
}

/** The mean of the think-time distribution (a lognormal's mean from its median and p95). */
function meanThinkMs(think: Scenario['behaviour']['thinkTime']): number {
  if (think.distribution !== 'lognormal') return think.median / (think.distribution === 'exponential' ? Math.LN2 : 1);
  const sigma = Math.log(Math.max(think.p95, think.median) / think.median) / 1.645;
  return think.median * Math.exp((sigma * sigma) / 2);
}

/** The load's busiest level held for `durationMs`: peak VUs (closed models) or the peak arrival rate (open). */
export function peakLoad(load: LoadModel, durationMs: number): LoadModel {
  switch (load.executor) {
    case 'constant-vus':
      return { ...load, duration: durationMs };
    case 'ramping-vus':
      return {
        executor: 'constant-vus',
        vus: Math.max(1, load.startVUs, ...load.stages.map((s) => s.target)),
        duration: durationMs,
      };
    case 'constant-arrival-rate':
    case 'scheduled-peak':
      return { ...load, duration: durationMs };
    case 'ramping-arrival-rate':
      return {
        executor: 'constant-arrival-rate',
        rate: Math.max(load.startRate, ...load.stages.map((s) => s.target), Number.MIN_VALUE),
        timeUnit: load.timeUnit,
        duration: durationMs,
        preAllocatedVUs: load.preAllocatedVUs,
        ...(load.maxVUs === undefined ? {} : { maxVUs: load.maxVUs }),
      };
  }
}

/**
 * The digests due in the busiest minute of the run's window, per simulated second, as the population's
 * definition promises them: `peakShare` of an onboarded population at the peak minute, when the window holds
 * it. An estimate from the definition alone (the calibration counts the drawn population exactly): users who
 * onboard during the run are not counted, as the calibration does not count them either.
 *
 * @example
 * nominalDigestBurstPerS(scheduler) // 16.7 for 10,000 users, a tenth of them at 10:00
 */
export function nominalDigestBurstPerS(scenario: Scenario): number {
  const population = scenario.population;
  if (!population.onboarded) return 0;
  const from = minuteOfDay(scenario.start);
  const to = from + Math.ceil(loadDurationMs(scenario.load) / 60_000);
  const peak = minuteOfDay(population.digestTimes.peak);
  if (peak < from || peak > to) return 0;
  return (population.size * population.digestTimes.peakShare * (1 - population.pausedShare)) / 60;
}
