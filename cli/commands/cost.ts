import { constants } from 'node:fs';
import { access, writeFile } from 'node:fs/promises';
import { dirname, resolve } from 'node:path';
import type { Command } from 'commander';
import { ConfigError, ResultError } from '../../common/errors.ts';
import { dayModelOfRun } from '../../reports/analysis/day-model.ts';
import { COST_DEFAULTS, computeCost } from '../../reports/cost/compute.ts';
import { profileFromRun } from '../../reports/cost/profile.ts';
import type { CostReport } from '../../reports/cost/types.ts';
import { parseWhatIf, profileFromWhatIf, WHAT_IF_DEFAULTS, whatIfSchema } from '../../reports/cost/what-if.ts';
import { loadInfrastructure } from '../../reports/data/infrastructure.ts';
import { loadPricing } from '../../reports/data/pricing.ts';
import { readRunResult } from '../../reports/read.ts';
import { renderCostText } from '../../reports/render/cost-tables.ts';
import { renderCostMarkdown } from '../../reports/render/markdown.ts';
import { DAY_MODEL_DEFAULTS } from '../../scenarios/day-model.ts';

/** What-if fields that have their own general flag (`--dau`, `--instances`). */
type GeneralField = 'dau' | 'botInstances';
type WhatIfField = Exclude<keyof typeof WHAT_IF_DEFAULTS, GeneralField>;
const GENERAL_FIELDS: ReadonlySet<string> = new Set<GeneralField>(['dau', 'botInstances']);
const WHAT_IF_FIELDS = Object.keys(whatIfSchema.shape).filter((key) => !GENERAL_FIELDS.has(key)) as WhatIfField[];

/** `botcap cost` flags as commander hands them over: strings, validated by costReportFor. */
export type CostCliOptions = Partial<Record<WhatIfField, string>> & {
  dau?: string;
  days?: string;
  instances?: string;
  pricing?: string;
  infra?: string;
  userDayS?: string;
  updatesPerUserDay?: string;
  markdown?: string;
  json?: string;
};

/** `messagesPerUserPerDay` -> `messages-per-user-per-day`. */
function kebab(key: string): string {
  return key.replace(/[A-Z]/g, (c) => `-${c.toLowerCase()}`);
}

function positive(flag: string, value: string | undefined): number | undefined {
  if (value === undefined) return undefined;
  const n = Number(value);
  if (!Number.isFinite(n) || n <= 0) throw new ConfigError(`${flag}: expected a positive number, got '${value}'`);
  return n;
}

/**
 * The cost breakdown of a run (measured usage) or, without one, of stated what-if assumptions.
 *
 * @example
 * await costReportFor({ file: 'out/smoke/result.json', options: { dau: '10000' } })
 */
export async function costReportFor(input: { file?: string; options: CostCliOptions }): Promise<CostReport> {
  const { file, options } = input;
  const pricing = await loadPricing(options.pricing);
  const infrastructure = await loadInfrastructure(options.infra);
  const dau = positive('--dau', options.dau);
  const daysPerMonth = positive('--days', options.days);
  const instances = options.instances === undefined ? undefined : Number(options.instances);
  if (instances !== undefined && !(Number.isInteger(instances) && instances >= 0)) {
    throw new ConfigError(`--instances: expected a whole number >= 0, got '${options.instances}'`);
  }
  const common = {
    pricing,
    infrastructure,
    ...(daysPerMonth !== undefined ? { daysPerMonth } : {}),
    ...(instances !== undefined ? { botInstances: instances } : {}),
  };
  const givenWhatIf = WHAT_IF_FIELDS.filter((key) => options[key] !== undefined);
  if (file !== undefined) {
    if (givenWhatIf.length > 0) {
      throw new ConfigError(
        `${givenWhatIf.map((k) => `--${kebab(k)}`).join(', ')} ${givenWhatIf.length === 1 ? 'applies' : 'apply'} ` +
          'only without a result file (what-if mode); ' +
          'a run is priced from its measured usage',
      );
    }
    const userDaySimulatedS = positive('--user-day-s', options.userDayS);
    const updatesPerUserDay = positive('--updates-per-user-day', options.updatesPerUserDay);
    if (userDaySimulatedS !== undefined && updatesPerUserDay !== undefined) {
      throw new ConfigError('--user-day-s and --updates-per-user-day both define a user-day; pass one');
    }
    const result = readRunResult(file);
    const day = dayModelOfRun(result, {
      ...(dau !== undefined ? { dailyActiveUsers: dau } : {}),
      ...(daysPerMonth !== undefined ? { daysPerMonth } : {}),
    });
    const profile = profileFromRun(result, {
      dayModel: day,
      ...(userDaySimulatedS !== undefined ? { userDaySimulatedS } : {}),
      ...(updatesPerUserDay !== undefined ? { updatesPerUserDay } : {}),
    });
    return computeCost(profile, { ...common, dau: day.dailyActiveUsers, daysPerMonth: day.daysPerMonth });
  }
  const assumptions = parseWhatIf({
    ...Object.fromEntries(givenWhatIf.map((key) => [key, options[key]])),
    ...(dau !== undefined ? { dau } : {}),
    ...(instances !== undefined ? { botInstances: instances } : {}),
  });
  return computeCost(profileFromWhatIf(assumptions, pricing), { ...common, dau: assumptions.dau });
}

/** Can `path` be written (its directory exists and is writable)? Checked before the work, with one clear line. */
async function checkWritableFile(flag: string, path: string): Promise<void> {
  try {
    await access(dirname(resolve(path)), constants.W_OK);
  } catch (error) {
    const code = (error as NodeJS.ErrnoException).code ?? String(error);
    throw new ConfigError(`${flag} ${path}: its directory is not writable (${code}); choose another path`);
  }
}

/**
 * Adds `botcap cost [result]` to the program: a run's measured cost, or a what-if estimate.
 *
 * @example
 * registerCost(program); // botcap cost --dau 10000 --simple-turn-share 0.7
 */
export function registerCost(program: Command): void {
  const command = program
    .command('cost')
    .description(
      'Claude and infrastructure cost per route, per user per day and per month at a DAU, with what each ' +
        'cost control saves; from a run, or from what-if assumptions when no run is given',
    )
    .argument('[result]', 'RunResult JSON written by botcap run (omit for what-if mode)')
    .option('--dau <n>', `daily active users to project to (default: the run's day model, else ${COST_DEFAULTS.dau})`)
    .option('--days <n>', `days per month (default: the run's day model, else ${COST_DEFAULTS.daysPerMonth})`)
    .option('--instances <n>', "bot instances for the infrastructure lines (default: the run's, or 2)")
    .option('--pricing <file>', 'Claude pricing JSON (default: the shipped reports/data/pricing.json)')
    .option('--infra <file>', 'infrastructure cost JSON (default: the shipped reports/data/infrastructure.json)')
    .option(
      '--user-day-s <seconds>',
      "with a run: simulated seconds at the run's pace that make one user's day (replaces the day model's updates per user per day)",
    )
    .option(
      '--updates-per-user-day <n>',
      `with a run: updates (in the run's action mix) that make one user's day (default: the run's day model, ${DAY_MODEL_DEFAULTS.updatesPerUserPerDay} unless its scenario says)`,
    )
    .option('--markdown <file>', 'also write the breakdown as Markdown')
    .option('--json <file>', 'also write the breakdown as JSON');
  for (const key of WHAT_IF_FIELDS) {
    const description = whatIfSchema.shape[key].description ?? key;
    command.option(`--${kebab(key)} <value>`, `what-if: ${description} (default ${String(WHAT_IF_DEFAULTS[key])})`);
  }
  command.action(async (file: string | undefined, options: CostCliOptions) => {
    try {
      for (const [flag, path] of [
        ['--markdown', options.markdown],
        ['--json', options.json],
      ] as const) {
        if (path !== undefined) await checkWritableFile(flag, path);
      }
      const report = await costReportFor({ ...(file !== undefined ? { file } : {}), options });
      process.stdout.write(renderCostText(report));
      if (options.markdown) await writeFile(options.markdown, renderCostMarkdown(report), 'utf8');
      if (options.json) await writeFile(options.json, `${JSON.stringify(report, null, 2)}\n`, 'utf8');
    } catch (error) {
      if (!(error instanceof ResultError || error instanceof ConfigError)) throw error;
      process.stderr.write(`botcap cost: ${error.message}\n`);
      process.exitCode = 1;
    }
  });
}
