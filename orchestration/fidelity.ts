import type { Fidelity, RunResult } from '../contracts/run-result.ts';
import type { ThresholdMap } from '../contracts/thresholds/index.ts';
import { fidelityBound } from '../loadgen/fidelity/bound.ts';
import { estimateFidelity } from '../loadgen/fidelity/estimate.ts';
import { fidelityIntervals } from '../loadgen/fidelity/signals.ts';
import { meanThinkMs } from '../scenarios/peak-vus.ts';
import type { Scenario } from '../scenarios/schema.ts';

/**
 * The run's fidelity verdict from its own time series: each real second's lab delay (injection lag, event
 * loops, CPU per item of every process) times (scale - 1), judged against the scenario's bound; and the
 * generator's lag in taking replies, judged against a user's mean think time (the cycle it stretches).
 *
 * @example
 * runFidelity(result, scenario, thresholds, { source: 'auto' }).status // 'ok' | 'distorted'
 */
export function runFidelity(
  result: Pick<RunResult, 'timeSeries' | 'timeScale'> & Partial<Pick<RunResult, 'environment'>>,
  scenario: Pick<Scenario, 'fidelity'> & { behaviour?: Pick<Scenario['behaviour'], 'thinkTime'> },
  thresholds: ThresholdMap,
  options: { source: Fidelity['timeScaleSource']; allowDistorted?: boolean },
): Fidelity {
  const bound = fidelityBound(thresholds, scenario.fidelity);
  const fidelity = estimateFidelity({
    timeScale: result.timeScale,
    timeScaleSource: options.source,
    boundMs: bound.boundMs,
    intervals: fidelityIntervals(result.timeSeries, { timeScale: result.timeScale, bucketMs: 1000 * result.timeScale }),
    ...(scenario.behaviour === undefined ? {} : { meanCycleMs: meanThinkMs(scenario.behaviour.thinkTime) }),
    ...(result.environment === undefined ? {} : { cores: result.environment.machine.cpuCount }),
  });
  return fidelity.status === 'distorted' && options.allowDistorted === true
    ? { ...fidelity, overridden: true }
    : fidelity;
}
