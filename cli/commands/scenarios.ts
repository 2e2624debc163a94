import type { Command } from 'commander';
import { listScenarios, type ScenarioSummary } from '../../scenarios/index.ts';

/**
 * The built-in scenarios as a table: name, executor, time scale, description.
 *
 * @example
 * formatScenarioList(listScenarios()) // 'smoke           constant-vus     20x  CI smoke: ...'
 */
export function formatScenarioList(scenarios: readonly ScenarioSummary[]): string {
  const nameWidth = Math.max(4, ...scenarios.map((s) => s.name.length));
  const executorWidth = Math.max(8, ...scenarios.map((s) => s.executor.length));
  const lines = scenarios.map(
    (s) =>
      `${s.name.padEnd(nameWidth)}  ${s.executor.padEnd(executorWidth)}  ${(s.timeScale === 'auto' ? 'auto' : `${s.timeScale}x`).padStart(6)}  ${s.description}`,
  );
  return `${lines.join('\n')}\n\nrun one with: botcap run <name>  (or a path to your own .ts/.json scenario)\n`;
}

/** Adds `botcap scenarios`: what `botcap run` can run. */
export function registerScenarios(program: Command): void {
  program
    .command('scenarios')
    .description('list the built-in scenarios with their descriptions')
    .option('--json', 'print them as JSON')
    .action((options: { json?: boolean }) => {
      const scenarios = listScenarios();
      process.stdout.write(options.json ? `${JSON.stringify(scenarios, null, 2)}\n` : formatScenarioList(scenarios));
    });
}
