import { BOT_DEFAULTS } from '../bot/config/knobs.ts';
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

/** The mean of the think-time distribution (a lognormal's mean from its median and p95), simulated ms. */
export function meanThinkMs(think: Scenario['behaviour']['thinkTime']): number {
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
 * definition promises them: `peakShare` of the population at the peak minute, when the window holds it (users
 * who onboard during the run ask for the same times). An estimate from the definition alone: the auto pick
 * counts the drawn population exactly (orchestration/time-scale.ts digestBurstPerSimulatedS).
 *
 * @example
 * nominalDigestBurstPerS(scheduler) // 16.7 for 10,000 users, a tenth of them at 10:00
 */
export function nominalDigestBurstPerS(scenario: Scenario): number {
  const population = scenario.population;
  const from = minuteOfDay(scenario.start);
  const to = from + Math.ceil(loadDurationMs(scenario.load) / 60_000);
  const peak = minuteOfDay(population.digestTimes.peak);
  if (peak < from || peak > to) return 0;
  const duePerS = (population.size * population.digestTimes.peakShare * (1 - population.pausedShare)) / 60;
  if (scenario.fakes.claude.latency !== 'realistic') return duePerS;
  const config = scenario.bot.config ?? {};
  // The overrides are the bot's input shape (env-style strings allowed), hence Number.
  const slots = Math.min(
    Number(config.scheduler?.sendConcurrency ?? BOT_DEFAULTS.scheduler.sendConcurrency),
    Number(config.resilience?.bulkheadConcurrency ?? BOT_DEFAULTS.resilience.bulkheadConcurrency),
  );
  return Math.min(duePerS, digestDrainPerS(scenario.bot.instances, slots));
}

/**
 * Simulated seconds one digest holds a Claude slot at the fake's realistic latency: the first slotting run
 * sent 489 digests in 5.5 minutes through one instance's 10 slots (~6.7 s each); rounded down, so the drain
 * rate errs high and the pick towards the slower scale.
 */
export const DIGEST_SLOT_S = 6;

/**
 * The digests the bots can send per simulated second when each call holds a Claude slot: a burst due faster
 * than this waits in the queue, and the bots' work arrives at this rate, not at the rate digests fall due.
 *
 * @example
 * digestDrainPerS(1, 10) // 1.67: one instance, 10 slots, ~6 s per digest
 */
export function digestDrainPerS(instances: number, slotsPerInstance: number): number {
  return (instances * slotsPerInstance) / DIGEST_SLOT_S;
}
