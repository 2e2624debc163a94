import { RUN_RESULT_SCHEMA_VERSION, type RunResult } from '../contracts/run-result.ts';
import { BOTCAP_VERSION } from '../contracts/version.ts';
import type { MeasuredRun } from '../loadgen/measure.ts';
import type { ResolvedScenario } from '../scenarios/schema.ts';

/** Everything besides the measured load that goes into a RunResult. */
export interface ResultParts {
  scenario: ResolvedScenario;
  variant: string | undefined;
  startedAt: Date;
  measured: MeasuredRun;
  environment: RunResult['environment'];
  claude: RunResult['claude'];
  database: RunResult['database'];
  /** Sampler series, already on the run's simulated axis. */
  sampledSeries: RunResult['timeSeries'];
}

/**
 * Assembles a RunResult (thresholds not yet evaluated: they read the finished result).
 *
 * @example
 * const result = assembleResult(parts); result.thresholds = evaluateThresholds(result, map);
 */
export function assembleResult(parts: ResultParts): RunResult {
  const { measured, scenario } = parts;
  return {
    schemaVersion: RUN_RESULT_SCHEMA_VERSION,
    botcapVersion: BOTCAP_VERSION,
    scenario: { name: scenario.name, resolved: structuredClone(scenario) },
    ...(parts.variant === undefined ? {} : { variant: parts.variant }),
    seed: scenario.seed,
    timeScale: scenario.timeScale,
    startedAt: parts.startedAt.toISOString(),
    durationRealS: measured.durationRealS,
    durationSimulatedS: measured.durationSimulatedS,
    status: measured.status,
    environment: parts.environment,
    phases: measured.phases,
    load: measured.load,
    latency: measured.latency,
    correctness: measured.correctness,
    claude: parts.claude,
    telegram: measured.telegram,
    database: parts.database,
    timeSeries: [...measured.timeSeries, ...parts.sampledSeries],
    thresholds: [],
  };
}
