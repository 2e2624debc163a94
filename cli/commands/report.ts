import { mkdir, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import type { Command } from 'commander';
import { ConfigError, ResultError } from '../../common/errors.ts';
import type { RunResult } from '../../contracts/run-result.ts';
import { ThresholdError } from '../../contracts/thresholds/index.ts';
import { AnalysisError } from '../../reports/analysis/errors.ts';
import { loadInfrastructure } from '../../reports/data/infrastructure.ts';
import { loadPricing } from '../../reports/data/pricing.ts';
import { readRunResult } from '../../reports/read.ts';
import {
  ComparisonError,
  compareFromFlags,
  REGRESSION_DEFAULTS,
  REGRESSION_RENDERERS,
} from '../../reports/regression/index.ts';
import { type BuildReportOptions, buildReport } from '../../reports/render/build.ts';
import { REPORT_FORMAT_DEFINITIONS, REPORT_FORMATS, type ReportFormat } from '../../reports/render/formats.ts';
import { DAY_MODEL_DEFAULTS } from '../../scenarios/day-model.ts';
import { thresholdsFromFlags } from './gate.ts';

export const REPORT_DEFAULTS = {
  outDir: 'out/report',
  formats: REPORT_FORMATS,
  dau: DAY_MODEL_DEFAULTS.dailyActiveUsers,
} as const;

export interface WriteReportsOptions extends BuildReportOptions {
  /** Formats to write. Default: all of html, md, json, junit. */
  formats?: readonly ReportFormat[];
}

/**
 * Writes the reports for one run (capacity report) or several (comparison) into `outDir` and returns the
 * paths written, in format order. `botcap run` calls this after a run; `botcap report` after reading files.
 *
 * @example
 * const paths = await writeReports([result], 'out/smoke', { formats: ['html', 'md'] });
 * // ['out/smoke/report.html', 'out/smoke/summary.md']
 */
export async function writeReports(
  results: readonly RunResult[],
  outDir: string,
  options: WriteReportsOptions = {},
): Promise<string[]> {
  const formats = options.formats ?? REPORT_DEFAULTS.formats;
  const doc = buildReport(results, options);
  await mkdir(outDir, { recursive: true });
  const paths: string[] = [];
  for (const format of REPORT_FORMATS.filter((f) => formats.includes(f))) {
    const { file, render } = REPORT_FORMAT_DEFINITIONS[format];
    const path = join(outDir, file);
    await writeFile(path, render(doc), 'utf8');
    paths.push(path);
  }
  return paths;
}

/**
 * Parses `--format`, rejecting unknown names with the list of known ones.
 *
 * @example
 * parseFormats('html,md') // ['html', 'md']
 */
export function parseFormats(value: string): ReportFormat[] {
  const names = value
    .split(',')
    .map((s) => s.trim())
    .filter(Boolean);
  const unknown = names.filter((n) => !(REPORT_FORMATS as readonly string[]).includes(n));
  if (unknown.length > 0 || names.length === 0) {
    throw new ConfigError(
      `--format: unknown format '${unknown.join(',') || value}'; use a comma list of ${REPORT_FORMATS.join(', ')}`,
    );
  }
  return names as ReportFormat[];
}

interface ReportCliOptions {
  out: string;
  format: string;
  dau?: string;
  pricing?: string;
  infra?: string;
  updatesPerUserDay?: string;
  threshold: string[];
  baseline: string[];
  maxRegression: string[];
  confidence: string;
  allowDistorted?: boolean;
}

/**
 * Adds `botcap report <results...>` to the program.
 *
 * @example
 * registerReport(program); // botcap report out/a.json out/b.json --out out/compare
 */
export function registerReport(program: Command): void {
  program
    .command('report')
    .description('write reports for a run (capacity) or several runs (comparison): HTML, Markdown, JSON, JUnit')
    .argument('<results...>', 'RunResult JSON files written by botcap run')
    .option('-o, --out <dir>', 'directory to write the reports into', REPORT_DEFAULTS.outDir)
    .option('-f, --format <list>', `comma list of ${REPORT_FORMATS.join(', ')}`, REPORT_DEFAULTS.formats.join(','))
    .option(
      '--dau <n>',
      `daily active users the cost section projects to (default: the run's day model, else ${REPORT_DEFAULTS.dau})`,
    )
    .option('--pricing <file>', 'Claude pricing JSON (default: the shipped reports/data/pricing.json)')
    .option('--infra <file>', 'infrastructure cost JSON (default: the shipped reports/data/infrastructure.json)')
    .option(
      '--updates-per-user-day <n>',
      "cost section: updates that make one user's day (default: the run's day model)",
    )
    .option(
      '-t, --threshold <metric:expression>',
      "a threshold to check, repeatable, e.g. 'reply_latency:p(95)<3000' (default: the run's or its scenario's)",
      (value: string, previous: string[]) => [...previous, value],
      [] as string[],
    )
    .option(
      '--baseline <path>',
      'render a comparison with a baseline (result file or directory of repetitions, repeatable) instead',
      (value: string, previous: string[]) => [...previous, value],
      [] as string[],
    )
    .option(
      '--max-regression <metric:change>',
      "with --baseline: a figure and how far it may move, repeatable, as botcap gate (e.g. 'reply_latency:p(95)+10%')",
      (value: string, previous: string[]) => [...previous, value],
      [] as string[],
    )
    .option('--confidence <level>', 'with --baseline: as botcap gate', String(REGRESSION_DEFAULTS.confidence))
    .option('--allow-distorted', 'with --baseline: compare distorted runs anyway (the report says so)')
    .action(async (files: string[], options: ReportCliOptions) => {
      try {
        const dau = options.dau === undefined ? undefined : Number(options.dau);
        if (dau !== undefined && !(Number.isFinite(dau) && dau > 0))
          throw new ConfigError(`--dau: expected a positive number, got '${options.dau}'`);
        const updatesPerUserDay =
          options.updatesPerUserDay === undefined ? undefined : Number(options.updatesPerUserDay);
        if (updatesPerUserDay !== undefined && !(updatesPerUserDay > 0)) {
          throw new ConfigError(
            `--updates-per-user-day: expected a positive number, got '${options.updatesPerUserDay}'`,
          );
        }
        if (options.baseline.length > 0) {
          const paths = await writeRegressionReports(files, options);
          process.stdout.write(`${paths.join('\n')}\n`);
          return;
        }
        const results = files.map((file) => readRunResult(file));
        const paths = await writeReports(results, options.out, {
          formats: parseFormats(options.format),
          ...(dau !== undefined ? { dau } : {}),
          pricing: await loadPricing(options.pricing),
          infrastructure: await loadInfrastructure(options.infra),
          ...(updatesPerUserDay !== undefined ? { costProfile: { updatesPerUserDay } } : {}),
          ...(options.threshold.length > 0 ? { thresholds: thresholdsFromFlags(options.threshold) } : {}),
        });
        process.stdout.write(`${paths.join('\n')}\n`);
      } catch (error) {
        const known =
          error instanceof ResultError ||
          error instanceof ConfigError ||
          error instanceof ThresholdError ||
          error instanceof AnalysisError ||
          error instanceof ComparisonError;
        if (!known) throw error;
        process.stderr.write(`botcap report: ${error.message}\n`);
        process.exitCode = 1;
      }
    });
}

/** `botcap report <candidate...> --baseline <baseline...>`: the regression comparison in each format asked for. */
async function writeRegressionReports(files: readonly string[], options: ReportCliOptions): Promise<string[]> {
  const report = compareFromFlags(files, {
    ...options,
    ...(options.threshold.length > 0 ? { thresholds: thresholdsFromFlags(options.threshold) } : {}),
  });
  await mkdir(options.out, { recursive: true });
  const formats = parseFormats(options.format);
  const paths: string[] = [];
  for (const format of REPORT_FORMATS.filter((f) => formats.includes(f))) {
    const path = join(options.out, REPORT_FORMAT_DEFINITIONS[format].file);
    await writeFile(path, REGRESSION_RENDERERS[format](report), 'utf8');
    paths.push(path);
  }
  return paths;
}
