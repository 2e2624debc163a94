import type { Command } from 'commander';
import { ResultError } from '../../common/errors.ts';
import type { ThresholdOutcome } from '../../contracts/run-result.ts';
import {
  AGGREGATIONS_BY_KIND,
  evaluateThresholds,
  METRICS,
  metricDefinition,
  parseMetricKey,
  splitThresholdFlag,
  ThresholdError,
  type ThresholdMap,
  thresholdsFromScenario,
} from '../../contracts/thresholds/index.ts';
import { distortedMessage, fidelityLine, notJudged } from '../../reports/fidelity.ts';
import { readRunResult } from '../../reports/read.ts';
import { DistortedComparisonError } from '../../reports/regression/errors.ts';
import {
  ComparisonError,
  compareFromFlags,
  formatRegressionText,
  REGRESSION_DEFAULTS,
  REGRESSION_RENDERERS,
} from '../../reports/regression/index.ts';
import { refuseIncomplete } from './gate-refusals.ts';

/** k6's exit code for failed thresholds, so CI scripts written for k6 read botcap the same way. */
export const GATE_EXIT_FAILED = 99;
export const GATE_EXIT_BAD_INPUT = 1;
/**
 * The result's fidelity verdict is distorted (the lab's own delay, times the time scale, exceeds the bound):
 * its figures are the lab's as much as the bot's, so nothing is judged. Neither pass (0) nor fail (99), so
 * a pipeline can tell "rerun it slower" from "the bot regressed". `--allow-distorted` judges it anyway.
 */
export const GATE_EXIT_NOT_JUDGED = 3;

export const GATE_DEFAULTS = { format: 'text' } as const;
const FORMATS = ['text', 'markdown', 'json'] as const;
type GateFormat = (typeof FORMATS)[number];

interface GateOptions {
  threshold: string[];
  format: string;
  listMetrics?: boolean;
  baseline: string[];
  maxRegression: string[];
  confidence: string;
  allowDistorted?: boolean;
}

/** The metric registry as a table: what a threshold may name, with its type, aggregations and unit. */
export function formatMetricList(): string {
  const width = Math.max(...METRICS.map((m) => m.name.length));
  const lines = METRICS.map((m) => {
    const aggregations = AGGREGATIONS_BY_KIND[m.kind].map((a) => (a === 'p' ? 'p(N)' : a)).join(', ');
    const tags = m.tags.length ? ` {${m.tags.join(',')}}` : '';
    return `${m.name.padEnd(width)}  ${m.kind.padEnd(7)}  ${aggregations.padEnd(25)}  ${m.unit}${tags}: ${m.description}`;
  });
  return `${lines.join('\n')}\n`;
}

/** Flags -> metric -> expressions, in the order given. */
export function thresholdsFromFlags(flags: readonly string[]): ThresholdMap {
  const map: ThresholdMap = {};
  for (const flag of flags) {
    const [metric, expression] = splitThresholdFlag(flag);
    map[metric] = [...(map[metric] ?? []), expression];
  }
  return map;
}

function unitOf(metric: string): string {
  try {
    return metricDefinition(parseMetricKey(metric).name)?.unit ?? '';
  } catch {
    return '';
  }
}

function formatValue(outcome: ThresholdOutcome): string {
  if (outcome.value === null) return 'no data';
  const unit = unitOf(outcome.metric);
  const v = outcome.value;
  const shown = Number.isInteger(v) ? String(v) : Math.abs(v) >= 100 ? v.toFixed(0) : v.toPrecision(3);
  return unit === '' || unit === 'fraction' ? shown : `${shown} ${unit}`;
}

/** The outcomes as text, a Markdown table (for $GITHUB_STEP_SUMMARY) or JSON. */
export function formatGate(
  outcomes: readonly ThresholdOutcome[],
  file: string,
  origin: string,
  format: GateFormat,
): string {
  const failed = outcomes.filter((o) => !o.passed).length;
  const verdict = `${outcomes.length} thresholds: ${outcomes.length - failed} passed, ${failed} failed`;
  if (format === 'json') {
    return `${JSON.stringify({ file, thresholdsFrom: origin, passed: failed === 0, outcomes }, null, 2)}\n`;
  }
  if (format === 'markdown') {
    const rows = outcomes.map(
      (o) => `| ${o.passed ? '✅ pass' : '❌ fail'} | \`${o.metric}\` | \`${o.expression}\` | ${formatValue(o)} |`,
    );
    return [
      `### botcap gate: ${failed === 0 ? 'passed' : 'FAILED'}`,
      '',
      `\`${file}\` (thresholds from ${origin})`,
      '',
      '| result | metric | threshold | measured |',
      '| --- | --- | --- | --- |',
      ...rows,
      '',
      verdict,
      '',
    ].join('\n');
  }
  const metricWidth = Math.max(6, ...outcomes.map((o) => o.metric.length));
  const exprWidth = Math.max(9, ...outcomes.map((o) => o.expression.length));
  const lines = outcomes.map(
    (o) =>
      `  ${o.passed ? 'ok  ' : 'FAIL'}  ${o.metric.padEnd(metricWidth)}  ${o.expression.padEnd(exprWidth)}  ${formatValue(o)}`,
  );
  return `${file} (thresholds from ${origin})\n${lines.join('\n')}\n${verdict}\n`;
}

export function registerGate(program: Command): void {
  const repeatable = (value: string, previous: string[]) => [...previous, value];
  program
    .command('gate')
    .description(
      'check a run result against thresholds (k6 syntax), or against a baseline run; exit 99 if any fails, 3 if a run is distorted (not judged), 1 on bad input',
    )
    .argument(
      '[results...]',
      'RunResult JSON written by botcap run; with --baseline, also directories of repetitions (botcap run --repeat)',
    )
    .option(
      '-t, --threshold <metric:expression>',
      "a threshold, repeatable, e.g. 'reply_latency:p(95)<3000' (default: the scenario's thresholds)",
      repeatable,
      [] as string[],
    )
    .option(
      '--baseline <path>',
      "compare with a baseline: a result file or a directory of repetitions, repeatable (e.g. main's artifact)",
      repeatable,
      [] as string[],
    )
    .option(
      '--max-regression <metric:change>',
      `with --baseline, how far a figure may move its worse way, repeatable, e.g. 'reply_latency:p(95)+10%', 'lost_updates:+0' (default: ${REGRESSION_DEFAULTS.checks.join(', ')})`,
      repeatable,
      [] as string[],
    )
    .option(
      '--confidence <level>',
      'with --baseline and repetitions, the confidence a change must reach to be larger than the noise',
      String(REGRESSION_DEFAULTS.confidence),
    )
    .option(
      '--allow-distorted',
      `judge or compare runs whose fidelity verdict is distorted (the output says so); without it such a run exits ${GATE_EXIT_NOT_JUDGED}, not judged`,
    )
    .option('--format <format>', `output: ${FORMATS.join(', ')}`, GATE_DEFAULTS.format)
    .option('--list-metrics', 'print the metrics a threshold may name, with their aggregations, and exit')
    .action((files: string[], options: GateOptions) => {
      try {
        if (options.listMetrics) {
          process.stdout.write(formatMetricList());
          return;
        }
        if (files.length === 0) {
          throw new ThresholdError(
            "missing the result file: botcap gate <result.json> [--threshold 'reply_latency:p(95)<3000'] [--baseline <baseline.json>]",
          );
        }
        if (!(FORMATS as readonly string[]).includes(options.format)) {
          throw new ThresholdError(`--format must be one of ${FORMATS.join(', ')}; got '${options.format}'`);
        }
        if (options.baseline.length > 0) {
          process.exitCode = gateAgainstBaseline(files, options);
          return;
        }
        if (options.maxRegression.length > 0) {
          throw new ThresholdError(
            '--max-regression needs a baseline to compare with: add --baseline <result or directory>',
          );
        }
        if (files.length > 1) {
          throw new ThresholdError(
            `botcap gate checks one result against thresholds, got ${files.length}; to compare with a baseline, pass --baseline`,
          );
        }
        const file = files[0]!;
        const result = readRunResult(file);
        refuseIncomplete(result, file);
        const fromFlags = options.threshold.length > 0;
        const thresholds = fromFlags
          ? thresholdsFromFlags(options.threshold)
          : thresholdsFromScenario(result.scenario.resolved);
        if (Object.keys(thresholds).length === 0) {
          throw new ThresholdError(
            `no thresholds to check: scenario '${result.scenario.name}' defines none; pass one, e.g. --threshold 'reply_latency:p(95)<3000'`,
          );
        }
        if (notJudged(result.fidelity) && !options.allowDistorted) {
          process.stderr.write(`botcap gate: ${file}: ${distortedMessage(result.fidelity)}\n`);
          process.exitCode = GATE_EXIT_NOT_JUDGED;
          return;
        }
        const outcomes = evaluateThresholds(result, thresholds);
        const origin = fromFlags ? '--threshold' : `scenario ${result.scenario.name}`;
        if (result.fidelity?.status === 'distorted') {
          process.stderr.write(
            `botcap gate: note: judged although ${fidelityLine(result.fidelity).replace(/^fidelity /, '')} (--allow-distorted)\n`,
          );
        }
        process.stdout.write(formatGate(outcomes, file, origin, options.format as GateFormat));
        process.exitCode = outcomes.every((o) => o.passed) ? 0 : GATE_EXIT_FAILED;
      } catch (error) {
        if (!(error instanceof ResultError || error instanceof ThresholdError || error instanceof ComparisonError)) {
          throw error;
        }
        process.stderr.write(`botcap gate: ${error.message}\n`);
        process.exitCode = error instanceof DistortedComparisonError ? GATE_EXIT_NOT_JUDGED : GATE_EXIT_BAD_INPUT;
      }
    });
}

/** `--baseline`: the candidate's figures against the baseline's (and its budgets); returns the exit code. */
function gateAgainstBaseline(files: readonly string[], options: GateOptions): number {
  const report = compareFromFlags(files, {
    ...options,
    ...(options.threshold.length > 0 ? { thresholds: thresholdsFromFlags(options.threshold) } : {}),
  });
  const format = options.format as GateFormat;
  // The notes (no fidelity verdict, different time scales) reach the log even when stdout goes to a file.
  if (format !== 'text') for (const note of report.notes) process.stderr.write(`botcap gate: note: ${note}\n`);
  process.stdout.write(
    format === 'text'
      ? formatRegressionText(report)
      : format === 'markdown'
        ? REGRESSION_RENDERERS.md(report)
        : REGRESSION_RENDERERS.json(report),
  );
  return report.verdict.status === 'pass' ? 0 : GATE_EXIT_FAILED;
}
