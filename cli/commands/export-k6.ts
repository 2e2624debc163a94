import { writeFile } from 'node:fs/promises';
import { extname } from 'node:path';
import { type Command, InvalidArgumentError } from 'commander';
import { generateK6Script, K6_SCRIPT_DEFAULTS } from '../../loadgen/k6/generate.ts';
import { applyOverrides, loadScenario } from '../../scenarios/index.ts';

interface ExportK6Options {
  out?: string;
  timeScale: number;
  fakeUrl: string;
  users?: number;
  duration?: string;
}

const positive = (value: string) => {
  const n = Number(value);
  if (!(n > 0) || !Number.isFinite(n)) throw new InvalidArgumentError(`expected a positive number, got '${value}'`);
  return n;
};

/**
 * Adds `botcap export-k6 <scenario>`: the scenario as a k6 script for k6's distributed runners (docs/k6.md).
 *
 * @example
 * registerExportK6(program); // botcap export-k6 500-concurrent --out 500-concurrent.k6.js
 */
export function registerExportK6(program: Command): void {
  program
    .command('export-k6')
    .description(
      "write a k6 script with the scenario's arrival model, mix and thresholds (drives the fake Telegram's control API)",
    )
    .argument('<scenario>', 'a built-in scenario name or a path to a scenario file')
    .option('-o, --out <file>', 'write here (.ts writes TypeScript for k6 >= 0.57; default: stdout)')
    .option(
      '--time-scale <x>',
      'play the scenario this much faster than real time (a staging bot runs at 1)',
      positive,
      K6_SCRIPT_DEFAULTS.timeScale,
    )
    .option(
      '--fake-url <url>',
      'fake Telegram URL when FAKE_TELEGRAM_URL is not set',
      K6_SCRIPT_DEFAULTS.defaultFakeUrl,
    )
    .option('--users <n>', 'override: peak concurrent users (closed) or the population (open)', positive)
    .option('--duration <duration>', "override: simulated length, e.g. '10m'")
    .action(async (name: string, options: ExportK6Options) => {
      const overrides = {
        ...(options.users === undefined ? {} : { users: Math.round(options.users) }),
        ...(options.duration === undefined ? {} : { duration: options.duration }),
      };
      const scenario = applyOverrides(await loadScenario(name), overrides);
      const language = options.out !== undefined && extname(options.out) === '.ts' ? 'ts' : 'js';
      const script = generateK6Script(scenario, {
        language,
        timeScale: options.timeScale,
        defaultFakeUrl: options.fakeUrl,
      });
      if (options.out === undefined) {
        process.stdout.write(script);
        return;
      }
      await writeFile(options.out, script, 'utf8');
      process.stderr.write(
        `wrote ${options.out}: k6 run -e FAKE_TELEGRAM_URL=http://<fakes host>:8081 ${options.out}\n`,
      );
    });
}
