/**
 * Scenarios: one zod schema, the built-in scenarios, the registry and flag overrides.
 *
 * @example
 * import { applyOverrides, loadScenario } from './scenarios/index.ts';
 * const scenario = applyOverrides(await loadScenario('peak-10am'), { timeScale: 120 });
 */
export { fakeClaudeOptions, fakeTelegramOptions } from './fakes.ts';
export { applyOverrides, overridesSchema, type ScenarioOverrides } from './overrides.ts';
export { loadDurationMs, peakVus } from './peak-vus.ts';
export { listScenarios, loadScenario, type ScenarioSummary } from './registry.ts';
export {
  type ActionKind,
  type BehaviourSpec,
  type Executor,
  type LoadModel,
  POSTGRES_FAULT_MODES,
  type PopulationSpec,
  type PostgresFaultMode,
  type ReplyConventions,
  type Scenario,
  type ScenarioInput,
  scenarioSchema,
} from './schema.ts';
export { formatDuration, formatMinuteOfDay, parseDurationMs, parseMinuteOfDay } from './units.ts';
export { defineScenario, parseScenario } from './validate.ts';
