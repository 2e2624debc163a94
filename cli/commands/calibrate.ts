import { mkdir, readFile, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import type { Command } from 'commander';
import { ConfigError, ResultError } from '../../common/errors.ts';
import { LATENCY_PROFILES } from '../../fakes/claude/latency.ts';
import {
  type Calibration,
  calibrate,
  parseProductionFigures,
  productionFiguresSchema,
  SEED_FIGURES,
} from '../../model/calibrate.ts';
import { estimateDemands } from '../../model/demands.ts';
import { modelKnee } from '../../model/knee.ts';
import { describeConfiguration, type Plan, planCapacity } from '../../model/plan.ts';
import { referenceDemands } from '../../model/reference.ts';
import { readRunResult } from '../../reports/read.ts';
import { escapeMarkdownText } from '../../reports/render/escape.ts';
import { mdTable } from '../../reports/render/markdown.ts';
import {
  addConfigurationFlags,
  type ConfigurationFlags,
  configurationFromFlags,
  hostFromFlags,
  serviceLevelFromFlags,
} from '../configuration-flags.ts';

/** Defaults of `botcap calibrate`. */
export const CALIBRATE_CLI_DEFAULTS = { outDir: 'botcap-out/calibrate' } as const;

type FigureField = keyof typeof productionFiguresSchema.shape;
const FIGURE_FIELDS = Object.keys(productionFiguresSchema.shape) as FigureField[];

type CalibrateCliOptions = ConfigurationFlags &
  Partial<Record<FigureField, string>> & {
    figures?: string;
    seedExample?: boolean;
    result: string[];
    out: string;
    plan: boolean;
  };

/** `peakConcurrentUsers` -> `peak-concurrent-users`. */
function kebab(key: string): string {
  return key.replace(/[A-Z]/g, (c) => `-${c.toLowerCase()}`);
}

export interface CalibrateReport {
  calibration: Calibration;
  plan: Plan | null;
  current: string;
}

/**
 * Calibrates from the flags (or a figures file, or the seed's own figures) and optionally plans at the DAU.
 *
 * @example
 * const report = await calibrateReportFor({ seedExample: true, slo: [], result: [], out: 'out/c', plan: true });
 */
export async function calibrateReportFor(options: CalibrateCliOptions): Promise<CalibrateReport> {
  let input: Record<string, unknown> = options.seedExample ? { ...SEED_FIGURES } : {};
  if (options.figures !== undefined) {
    try {
      input = { ...input, ...JSON.parse(await readFile(options.figures, 'utf8')) };
    } catch (error) {
      throw new ConfigError(`--figures ${options.figures}: ${(error as Error).message}`);
    }
  }
  for (const key of FIGURE_FIELDS) {
    const value = options[key];
    if (value !== undefined) input[key] = Number(value);
  }
  const figures = parseProductionFigures(input);
  if (Object.keys(figures).length === 0)
    throw new ConfigError(
      'give at least one production figure (e.g. --daily-active-users 10000 --claude-usd-per-month 5000), --figures FILE or --seed-example',
    );
  const demands =
    options.result.length > 0
      ? estimateDemands(
          options.result.map((f) => readRunResult(f)),
          { fallback: referenceDemands() },
        )
      : referenceDemands();
  const configuration = configurationFromFlags(options);
  const host = hostFromFlags(options);
  const slo = serviceLevelFromFlags(options.slo);
  const calibration = calibrate(figures, demands, {
    configuration,
    // "Holds N concurrent users" is about replies: the digest burst has a figure of its own.
    kneeConcurrentUsers: (day) =>
      modelKnee(
        demands,
        day,
        configuration,
        host,
        { ...slo, digestLatenessP95Ms: Number.POSITIVE_INFINITY },
        LATENCY_PROFILES.realistic,
      ).concurrentUsers,
  });
  const plan = options.plan
    ? planCapacity(demands, calibration.day, configuration, host, slo, LATENCY_PROFILES.realistic)
    : null;
  return { calibration, plan, current: describeConfiguration(configuration) };
}

const n = (x: number) =>
  Math.abs(x) >= 100 ? Math.round(x).toLocaleString('en-US') : String(Math.round(x * 100) / 100);

function checkRows(c: Calibration): string[][] {
  return c.checks.map((x) => [
    x.figure,
    n(x.given),
    n(x.model),
    `${x.gap >= 0 ? '+' : ''}${Math.round(x.gap * 100)}%`,
    x.contradicts ? 'CONTRADICTS' : 'agrees',
    x.explanation,
  ]);
}

/** Console text. */
export function renderCalibrationText(report: CalibrateReport): string {
  const c = report.calibration;
  const lines = ['Calibration from production figures', ...c.sentences.map((s) => `  ${s}`), ''];
  for (const row of checkRows(c))
    lines.push(
      `  ${row[0]!.padEnd(26)} given ${row[1]!.padStart(8)}  model ${row[2]!.padStart(8)}  ${row[3]!.padStart(6)}  ${row[4]}`,
    );
  if (report.plan !== null)
    lines.push(
      '',
      `Plan at ${n(c.day.dailyActiveUsers)} DAU (current: ${report.current})`,
      ...report.plan.sentences.map((s) => `  ${s}`),
    );
  return `${lines.join('\n')}\n`;
}

/** Markdown. */
export function renderCalibrationMarkdown(report: CalibrateReport): string {
  const c = report.calibration;
  const lines = [
    '# Calibration from production figures',
    '',
    ...c.sentences.map((s) => `- ${escapeMarkdownText(s)}`),
    '',
    mdTable({ headers: ['figure', 'given', 'model', 'gap', 'verdict', 'why'], rows: checkRows(c), numeric: [1, 2, 3] }),
    '',
  ];
  if (report.plan !== null)
    lines.push(
      `## Plan at ${n(c.day.dailyActiveUsers)} DAU`,
      '',
      `Current configuration: ${escapeMarkdownText(report.current)}.`,
      '',
      ...report.plan.sentences.map((s) => `- ${escapeMarkdownText(s)}`),
      '',
    );
  return `${lines.join('\n')}\n`;
}

/**
 * Adds `botcap calibrate`: a behaviour model from production figures, their contradictions, a scenario.
 *
 * @example
 * registerCalibrate(program); // botcap calibrate --seed-example --instances 1 --transport polling --pool-max 50
 */
export function registerCalibrate(program: Command): void {
  const command = program
    .command('calibrate')
    .description(
      'derive a behaviour model from production figures (DAU, peak concurrency, Claude spend, ...), say which ' +
        'figures contradict each other and by how much, and write a scenario that replays it',
    )
    .option('--figures <file>', 'production figures as JSON (the fields of the flags below)')
    .option('--seed-example', "start from the seed bot's figures: 10K DAU, 500 concurrent, $5,000/month, 96%, 50 held")
    .option(
      '--result <file>',
      'service demands from this RunResult (repeatable; default: the built-in reference)',
      (v: string, p: string[]) => [...p, v],
      [] as string[],
    )
    .option(
      '-o, --out <dir>',
      'directory for calibration.md, calibration.json and the scenario',
      CALIBRATE_CLI_DEFAULTS.outDir,
    )
    .option('--no-plan', 'skip the capacity plan at the calibrated DAU');
  for (const key of FIGURE_FIELDS)
    command.option(`--${kebab(key)} <n>`, productionFiguresSchema.shape[key].description ?? key);
  addConfigurationFlags(command).action(async (options: CalibrateCliOptions) => {
    try {
      const report = await calibrateReportFor(options);
      await mkdir(options.out, { recursive: true });
      const scenarioPath = join(options.out, 'calibrated.scenario.json');
      await writeFile(scenarioPath, `${JSON.stringify(report.calibration.scenario, null, 2)}\n`, 'utf8');
      await writeFile(join(options.out, 'calibration.md'), renderCalibrationMarkdown(report), 'utf8');
      await writeFile(join(options.out, 'calibration.json'), `${JSON.stringify(report, null, 2)}\n`, 'utf8');
      process.stdout.write(
        `${renderCalibrationText(report)}\nScenario: ${scenarioPath} (botcap run ${scenarioPath})\n`,
      );
    } catch (error) {
      if (!(error instanceof ConfigError || error instanceof ResultError)) throw error;
      process.stderr.write(`botcap calibrate: ${error.message}\n`);
      process.exitCode = 1;
    }
  });
}
