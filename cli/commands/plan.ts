import { mkdir, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import type { Command } from 'commander';
import { ConfigError, ResultError, ScenarioError } from '../../common/errors.ts';
import { BOTCAP_VERSION } from '../../contracts/version.ts';
import { LATENCY_PROFILES } from '../../fakes/claude/latency.ts';
import { predictDay } from '../../model/day-curve.ts';
import { estimateDemands } from '../../model/demands.ts';
import { planCapacity } from '../../model/plan.ts';
import { referenceDemands } from '../../model/reference.ts';
import {
  demandsSource,
  MODEL_LIMITS,
  type PlanReport,
  renderPlanHtml,
  renderPlanMarkdown,
  renderPlanText,
} from '../../model/render-plan.ts';
import { resolveDayModel } from '../../reports/analysis/day-model.ts';
import { loadInfrastructure } from '../../reports/data/infrastructure.ts';
import { loadPricing } from '../../reports/data/pricing.ts';
import { readRunResult } from '../../reports/read.ts';
import { DAY_MODEL_DEFAULTS } from '../../scenarios/day-model.ts';
import { loadScenario } from '../../scenarios/registry.ts';
import {
  addConfigurationFlags,
  type ConfigurationFlags,
  configurationFromFlags,
  hostFromFlags,
  serviceLevelFromFlags,
} from '../configuration-flags.ts';

/** Defaults of `botcap plan`, read by the code and `--help`. */
export const PLAN_CLI_DEFAULTS = { outDir: 'botcap-out/plan' } as const;

interface PlanCliOptions extends ConfigurationFlags {
  result: string[];
  dau?: string;
  days?: string;
  updatesPerUserDay?: string;
  scenario?: string;
  out: string;
  day: boolean;
  json?: boolean;
}

function positiveList(flag: string, value: string): number[] {
  const numbers = value.split(',').map((s) => Number(s.trim()));
  if (numbers.length === 0 || numbers.some((n) => !Number.isFinite(n) || n <= 0))
    throw new ConfigError(`--${flag}: expected positive numbers separated by commas, got '${value}'`);
  return numbers;
}

/**
 * Builds the plan report `botcap plan` prints and writes.
 *
 * @example
 * const report = await planReportFor({ result: [], dau: '10000,100000', slo: [], out: 'out/plan', day: false });
 */
export async function planReportFor(options: PlanCliOptions): Promise<PlanReport> {
  const pricing = await loadPricing();
  const infrastructure = await loadInfrastructure();
  const fromResult = options.result.length > 0;
  const demands = fromResult
    ? estimateDemands(
        options.result.map((file) => readRunResult(file)),
        { fallback: referenceDemands() },
      )
    : referenceDemands();
  if (fromResult && demands.runs.length === 0)
    throw new ConfigError(
      `no usable run among ${options.result.join(', ')}: ${demands.excluded.map((x) => `${x.label}: ${x.reason}`).join('; ')}`,
    );
  const scenario = options.scenario === undefined ? undefined : await loadScenario(options.scenario);
  const configuration = configurationFromFlags(options);
  const host = hostFromFlags(options);
  const slo = serviceLevelFromFlags(options.slo);
  const targets =
    options.dau === undefined
      ? [scenario?.dayModel.dailyActiveUsers ?? DAY_MODEL_DEFAULTS.dailyActiveUsers]
      : positiveList('dau', options.dau);
  const days = options.days === undefined ? undefined : positiveList('days', options.days)[0];
  const perUser =
    options.updatesPerUserDay === undefined
      ? undefined
      : positiveList('updates-per-user-day', options.updatesPerUserDay)[0];
  const plans = targets.map((dau) => {
    const day = resolveDayModel({
      ...(scenario === undefined
        ? {}
        : { dayModel: scenario.dayModel, behaviour: scenario.behaviour, population: scenario.population }),
      overrides: {
        dailyActiveUsers: dau,
        ...(days === undefined ? {} : { daysPerMonth: days }),
        ...(perUser === undefined ? {} : { updatesPerUserPerDay: perUser }),
      },
    });
    const plan = planCapacity(demands, day, configuration, host, slo, LATENCY_PROFILES.realistic, {
      pricing,
      infrastructure,
    });
    const curve =
      options.day && plan.chosen !== null
        ? predictDay(demands, day, plan.chosen.configuration, host, LATENCY_PROFILES.realistic)
        : null;
    return { plan, day: curve };
  });
  return {
    schemaVersion: 1,
    generatedBy: BOTCAP_VERSION,
    demands: { source: demandsSource(demands, fromResult), sentences: [...demands.sentences, ...demands.crossChecks] },
    plans,
    limits: MODEL_LIMITS,
  };
}

/**
 * Adds `botcap plan` to the program: the cheapest configuration that holds an SLO all day at a DAU.
 *
 * @example
 * registerPlan(program); // botcap plan --dau 10000,100000,1000000 --slo 'reply_latency:p(95)<15000'
 */
export function registerPlan(program: Command): void {
  const command = program
    .command('plan')
    .description(
      'capacity plan from a queueing model: for each DAU, where the current configuration breaks and the ' +
        'cheapest configuration that holds the SLO all day, with its monthly cost; HTML, Markdown, JSON',
    )
    .option(
      '--result <file>',
      'fit service demands on this RunResult (repeatable; default: the built-in reference demands)',
      (v: string, p: string[]) => [...p, v],
      [] as string[],
    )
    .option('--dau <list>', `daily active users, comma separated (default ${DAY_MODEL_DEFAULTS.dailyActiveUsers})`)
    .option('--days <n>', `days per month (default ${DAY_MODEL_DEFAULTS.daysPerMonth})`)
    .option(
      '--updates-per-user-day <n>',
      `updates per user per day (default ${DAY_MODEL_DEFAULTS.updatesPerUserPerDay})`,
    )
    .option(
      '--scenario <name|file>',
      'take the day model, mix and think time from a scenario (e.g. one `botcap calibrate` wrote)',
    )
    .option('-o, --out <dir>', 'directory for plan.html, plan.md, plan.json', PLAN_CLI_DEFAULTS.outDir)
    .option('--no-day', 'skip the hour-by-hour simulation of the chosen configuration')
    .option('--json', 'print the plan as JSON on stdout instead of text');
  addConfigurationFlags(command).action(async (options: PlanCliOptions) => {
    try {
      const report = await planReportFor(options);
      await mkdir(options.out, { recursive: true });
      const paths = [join(options.out, 'plan.html'), join(options.out, 'plan.md'), join(options.out, 'plan.json')];
      await writeFile(paths[0]!, renderPlanHtml(report), 'utf8');
      await writeFile(paths[1]!, renderPlanMarkdown(report), 'utf8');
      await writeFile(paths[2]!, `${JSON.stringify(report, null, 2)}\n`, 'utf8');
      process.stdout.write(
        options.json ? `${JSON.stringify(report)}\n` : `${renderPlanText(report)}\n${paths.join('\n')}\n`,
      );
    } catch (error) {
      if (!(error instanceof ConfigError || error instanceof ResultError || error instanceof ScenarioError))
        throw error;
      process.stderr.write(`botcap plan: ${error.message}\n`);
      process.exitCode = 1;
    }
  });
}
