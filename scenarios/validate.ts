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
  // Threshold problems are reported with the schema's, so one run of the command shows every mistake.
  const problems = thresholdProblems(valueAt(input, ['thresholds']));
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
  const given = valueAt(input, ['name']);
  const name = typeof given === 'string' ? given : '(unnamed)';
  return source === undefined ? `scenario ${name}` : `scenario ${name} (${source})`;
}

function message(label: string, lines: readonly string[]): string {
  return `${label} is invalid:\n  ${lines.join('\n  ')}`;
}
