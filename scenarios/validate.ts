import { z } from 'zod';
import { botConfigSchema } from '../bot/config/schema.ts';
import { ScenarioError } from '../common/errors.ts';
import { valueAt } from '../common/path.ts';
import { formatPath, formatZodIssues } from '../common/validation.ts';
import { compileThresholds } from '../contracts/thresholds/index.ts';
import { scenarioUsesMcp } from './fakes.ts';
import { loadDurationMs, peakVus } from './peak-vus.ts';
import { type Scenario, type ScenarioInput, scenarioSchema } from './schema.ts';

/**
 * Validates a scenario (from a file, a module or after overrides) and returns it with every default
 * applied, or throws one ScenarioError listing every problem as `field: what is wrong; the fix`.
 *
 * @example
 * parseScenario({ name: 'x', load: { executor: 'ramping-vus', stages: [{ duration: '5 minutes', target: 5 }] } })
 * // ScenarioError: scenario x is invalid:
 * //   load.stages.0.duration: "5 minutes" is not a duration; use '30s', '5m', '1h' or '1m30s'
 */
export function parseScenario(input: unknown, source?: string): Scenario {
  const parsed = scenarioSchema.safeParse(input);
  const label = scenarioLabel(input, source);
  // Bot config problems are reported with the schema's, so one run of the command shows every mistake.
  const problems = [
    ...botConfigProblems(valueAt(input, ['bot', 'config'])),
    ...thresholdProblems(valueAt(input, ['thresholds'])),
  ];
  if (!parsed.success) throw new ScenarioError(message(label, [...formatZodIssues(parsed.error, input), ...problems]));
  problems.push(...consistencyProblems(parsed.data));
  if (problems.length > 0) throw new ScenarioError(message(label, problems));
  return parsed.data;
}

/**
 * What a scenario module exports: the input validated at import, so a broken scenario file fails as
 * soon as it is loaded, naming the field.
 *
 * @example
 * export default defineScenario({ name: 'smoke', load: { executor: 'constant-vus', vus: 5, duration: '20s' } });
 */
export function defineScenario(input: ScenarioInput): Scenario {
  return parseScenario(input);
}

/** Each threshold compiled by the same code `botcap gate` uses, so a typo fails at load, not after the run. */
function thresholdProblems(thresholds: unknown): string[] {
  if (thresholds === null || typeof thresholds !== 'object' || Array.isArray(thresholds)) return [];
  const problems: string[] = [];
  for (const [metric, expressions] of Object.entries(thresholds)) {
    if (!Array.isArray(expressions)) continue;
    expressions.forEach((expression: unknown, i) => {
      if (typeof expression !== 'string') return;
      try {
        compileThresholds({ [metric]: [expression] });
      } catch (error) {
        problems.push(
          `${formatPath(['thresholds', metric, i])}: ${error instanceof Error ? error.message : String(error)}`,
        );
      }
    });
  }
  return problems;
}

/** Bot config overrides must be a valid partial of the bot's own schema, with no unknown (misspelt) keys. */
function botConfigProblems(config: unknown): string[] {
  if (config === null || typeof config !== 'object' || Array.isArray(config)) return [];
  const problems = unknownKeys(config, botConfigSchema, ['bot', 'config']);
  const parsed = botConfigSchema.safeParse(config);
  if (!parsed.success) problems.push(...formatZodIssues(parsed.error, config).map((line) => `bot.config.${line}`));
  return problems;
}

function unknownKeys(value: unknown, schema: z.ZodType, path: PropertyKey[]): string[] {
  const object = unwrapObject(schema);
  if (object === undefined || value === null || typeof value !== 'object' || Array.isArray(value)) return [];
  const shape = object.shape as Record<string, z.ZodType>;
  const problems: string[] = [];
  for (const [key, child] of Object.entries(value)) {
    const childSchema = shape[key];
    if (childSchema === undefined) {
      problems.push(
        `${formatPath([...path, key])}: not a bot config field; known fields here: ${Object.keys(shape).join(', ')}`,
      );
    } else {
      problems.push(...unknownKeys(child, childSchema, [...path, key]));
    }
  }
  return problems;
}

/** Sees through default/prefault/optional wrappers to the object schema, if there is one. */
function unwrapObject(schema: z.ZodType): z.ZodObject | undefined {
  let current: z.ZodType = schema;
  for (let depth = 0; depth < 5; depth++) {
    if (current instanceof z.ZodObject) return current;
    const inner = (current.def as { innerType?: z.ZodType }).innerType;
    if (inner === undefined) return undefined;
    current = inner;
  }
  return undefined;
}

function consistencyProblems(scenario: Scenario): string[] {
  const problems: string[] = [];
  const peak = peakVus(scenario.load);
  if (scenario.population.size < peak) {
    problems.push(
      `population.size: ${scenario.population.size} users cannot fill ${peak} concurrent VUs; set population.size >= ${peak}`,
    );
  }
  if (scenario.fakes.mcp.faults.length > 0 && !scenarioUsesMcp(scenario)) {
    problems.push(
      'fakes.mcp.faults: the bot does not use the MCP knowledge lookup, so no fake MCP server runs and these windows ' +
        'would do nothing; add bot.config.mcp (e.g. { timeoutMs: 3000 }) or remove the faults',
    );
  }
  const loadMs = loadDurationMs(scenario.load);
  scenario.fakes.mcp.faults.forEach((fault, i) => {
    if (fault.from >= loadMs) {
      problems.push(
        `${formatPath(['fakes', 'mcp', 'faults', i, 'from'])}: ${fault.from} ms is not before the load ends (${loadMs} ms), so the window never opens; move it inside the run`,
      );
    }
  });
  const { spreadFrom, spreadTo } = scenario.population.digestTimes;
  if (spreadTo <= spreadFrom) {
    problems.push(`population.digestTimes.spreadTo: ${spreadTo} is not after spreadFrom ${spreadFrom}; swap them`);
  }
  return problems;
}

function scenarioLabel(input: unknown, source: string | undefined): string {
  const name =
    input !== null && typeof input === 'object' && typeof (input as { name?: unknown }).name === 'string'
      ? (input as { name: string }).name
      : '(unnamed)';
  return source === undefined ? `scenario ${name}` : `scenario ${name} (${source})`;
}

function message(label: string, lines: readonly string[]): string {
  return `${label} is invalid:\n  ${lines.join('\n  ')}`;
}
