import { unreachable } from '../../common/unreachable.ts';
import type { Scenario } from '../../scenarios/schema.ts';
import { planClosed } from './closed.ts';
import { planOpen } from './open.ts';
import type { Schedule } from './types.ts';

/**
 * The scenario's arrival schedule, pure and seeded: the same scenario (and seed) gives the same schedule,
 * so a test can check it - and a reader can reason about it - without running anything.
 *
 * @example
 * const schedule = buildSchedule(scenario);
 * schedule.kind === 'open' ? schedule.arrivals.length : schedule.vus.length
 */
export function buildSchedule(scenario: Scenario): Schedule {
  const { load, seed } = scenario;
  switch (load.executor) {
    case 'constant-vus':
    case 'ramping-vus':
      return planClosed(load, seed);
    case 'constant-arrival-rate':
    case 'ramping-arrival-rate':
    case 'scheduled-peak':
      return planOpen(load, scenario.behaviour.mix, scenario.population.size, seed);
    default:
      return unreachable(load);
  }
}
