import { unreachable } from '../common/unreachable.ts';
import type { LoadModel } from './schema.ts';

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
