import { mkdir, rm, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import type { Command } from 'commander';
import { ScenarioError } from '../../common/errors.ts';
import { redactSecrets } from '../../common/redact.ts';
import { type RunResult, runResultSchema } from '../../contracts/run-result.ts';
import { gitCommit, machineInfo } from '../../orchestration/environment-info.ts';
import type { RunScenarioOptions } from '../../orchestration/options.ts';
import { runScenario } from '../../orchestration/run.ts';
import {
  decideMatrix,
  INDEX_FILES,
  type IndexEntry,
  type IndexMeta,
  type MatrixVerdict,
  renderIndexHtml,
  renderIndexMarkdown,
  type VariantOutcome,
  writeMatrixReport,
} from '../../reports/matrix/index.ts';
import {
  estimateMatrixRealS,
  getMatrix,
  listMatrices,
  type MatrixDefinition,
  type MatrixSize,
  type MatrixVariant,
  variantScenario,
  variantSlug,
  variantsFor,
} from '../../scenarios/matrices/index.ts';
import type { Scenario } from '../../scenarios/schema.ts';
import { ProgressWriter } from '../progress.ts';

/** Defaults of `botcap matrix`, read by the code and `--help`. */
export const MATRIX_DEFAULTS = { outDir: 'botcap-out/matrices' } as const;

/** The run function a matrix uses: runScenario, or a stand-in in tests. */
export type ScenarioRunner = (scenario: Scenario, options: RunScenarioOptions) => Promise<RunResult>;

/** Options of {@link runMatrix}; only `size` and `outDir` are required. */
export interface RunMatrixOptions {
  size: MatrixSize;
  /** This matrix's folder: variants go to `<outDir>/<variant>/result.json`, the report into it. */
  outDir: string;
  /** Default: runScenario. */
  run?: ScenarioRunner;
  /** Human progress (stderr in the CLI). Default: none. */
  progress?: ProgressWriter;
}

/** What one matrix run produced. */
export interface MatrixRun {
  matrix: MatrixDefinition;
  outcomes: VariantOutcome[];
  verdict: MatrixVerdict;
  paths: string[];
  wallTimeS: number;
  /** A variant's run ended aborted (Ctrl-C): the caller stops there. */
  interrupted: boolean;
}

function message(error: unknown): string {
  return redactSecrets(error instanceof Error ? error.message : String(error));
}

async function runVariant(
  matrix: MatrixDefinition,
  variant: MatrixVariant,
  options: RunMatrixOptions,
): Promise<{ outcome: VariantOutcome; aborted: boolean }> {
  const dir = join(options.outDir, variantSlug(variant.label));
  const base = {
    label: variant.label,
    killed: variant.kill !== undefined,
    ...(variant.note ? { note: variant.note } : {}),
  };
  // A previous run's result or logs in the same folder must not mix with this one.
  await rm(dir, { recursive: true, force: true });
  await mkdir(dir, { recursive: true });
  let result: RunResult;
  try {
    const scenario = variantScenario(matrix, variant, options.size);
    const progress = options.progress;
    // Each variant is its own runScenario: a fresh Postgres, fresh fakes and fresh bots, so no state leaks.
    result = runResultSchema.parse(
      await (options.run ?? runScenario)(scenario, {
        variant: variant.label,
        logDir: join(dir, 'logs'),
        ...(variant.kill === undefined ? {} : { killInstanceAt: { fraction: variant.kill.fraction } }),
        ...(progress === undefined ? {} : { onStage: (s) => progress.stage(s), onProgress: (p) => progress.update(p) }),
      }),
    );
  } catch (error) {
    const text = message(error);
    await writeFile(join(dir, 'error.json'), `${JSON.stringify({ variant: variant.label, error: text }, null, 2)}\n`);
    return { outcome: { ...base, result: null, error: text }, aborted: false };
  }
  await writeFile(join(dir, 'result.json'), `${JSON.stringify(result)}\n`, 'utf8');
  const error =
    result.status === 'completed'
      ? null
      : `the run ${result.status}${result.error ? `: ${redactSecrets(result.error)}` : ''}`;
  return { outcome: { ...base, result, error }, aborted: result.status === 'aborted' };
}

/**
 * Runs a matrix's variants one after another (each a fresh runScenario), writes each RunResult under
 * `<outDir>/<variant>/result.json` (or `error.json`), then applies the verdict rule and writes the report.
 * A variant that throws or does not complete is kept as failed; after a Ctrl-C the rest are marked not run.
 *
 * @example
 * const run = await runMatrix(getMatrix('scheduler'), { size: 'quick', outDir: 'out/scheduler' });
 * run.verdict.answer
 */
export async function runMatrix(matrix: MatrixDefinition, options: RunMatrixOptions): Promise<MatrixRun> {
  const startedRealMs = performance.now();
  const variants = variantsFor(matrix, options.size);
  const outcomes: VariantOutcome[] = [];
  let interrupted = false;
  for (let i = 0; i < variants.length; i++) {
    const variant = variants[i]!;
    if (interrupted) {
      outcomes.push({
        label: variant.label,
        result: null,
        error: 'not run: the matrix was interrupted',
        killed: false,
      });
      continue;
    }
    options.progress?.line(`matrix ${matrix.name}: variant ${i + 1}/${variants.length} '${variant.label}'`);
    const { outcome, aborted } = await runVariant(matrix, variant, options);
    outcomes.push(outcome);
    interrupted = aborted;
  }
  const verdict = decideMatrix(matrix.name, matrix.question, outcomes);
  const paths = await writeMatrixReport(verdict, outcomes, options.outDir);
  return { matrix, outcomes, verdict, paths, wallTimeS: (performance.now() - startedRealMs) / 1000, interrupted };
}

/**
 * `botcap matrix --list`: each matrix with its question, variants and estimated wall time per size.
 *
 * @example
 * formatMatrixList().split('\n')[0] // 'transport  Long polling or webhooks, and when?  6 variants (1 quick) ...'
 */
export function formatMatrixList(): string {
  const matrices = listMatrices();
  const width = Math.max(...matrices.map((m) => m.name.length));
  const lines = matrices.map((m) => {
    const quick = variantsFor(m, 'quick').length;
    const est = (size: MatrixSize) => `~${Math.round(estimateMatrixRealS(m, size))} s`;
    return `${m.name.padEnd(width)}  ${m.question}  ${m.variants.length} variants (${quick} in --quick), ${est('default')} / quick ${est('quick')}`;
  });
  const total = (size: MatrixSize) => Math.round(matrices.reduce((s, m) => s + estimateMatrixRealS(m, size), 0));
  lines.push(
    `${'all'.padEnd(width)}  the seven in order, then index.html + index.md: ~${total('default')} s / quick ~${total('quick')} s`,
  );
  return `${lines.join('\n')}\n`;
}

function machineText(): string {
  const m = machineInfo();
  return `${m.cpuModel} x${m.cpuCount}, ${Math.round(m.memoryBytes / 2 ** 30)} GiB, ${m.os}, Node ${m.node}`;
}

/**
 * Writes the findings index (`index.html`, `index.md`) for matrix runs into `outDir`; returns the paths.
 *
 * @example
 * await writeIndex(runs, 'docs/findings', meta);
 */
export async function writeIndex(runs: readonly MatrixRun[], outDir: string, meta: IndexMeta): Promise<string[]> {
  const entries: IndexEntry[] = runs.map((run) => ({
    verdict: run.verdict,
    dir: run.matrix.name,
    failedVariants: run.outcomes.filter((o) => o.error !== null).length,
    variants: run.outcomes.length,
    wallTimeS: run.wallTimeS,
  }));
  const html = join(outDir, INDEX_FILES.html);
  const md = join(outDir, INDEX_FILES.md);
  await writeFile(html, renderIndexHtml(entries, meta), 'utf8');
  await writeFile(md, renderIndexMarkdown(entries, meta), 'utf8');
  return [html, md];
}

interface MatrixCliOptions {
  quick?: boolean;
  out: string;
  list?: boolean;
}

/**
 * Adds `botcap matrix <name|all> [--quick] [--out DIR]` and `botcap matrix --list`.
 *
 * @example
 * registerMatrix(program); // botcap matrix scheduler --quick --out out/m
 */
export function registerMatrix(program: Command, run?: ScenarioRunner): void {
  program
    .command('matrix')
    .description('run an experiment matrix (a question, its variants, a verdict) or all seven with an index page')
    .argument(
      '[name]',
      `a matrix (${listMatrices()
        .map((m) => m.name)
        .join(', ')}) or all`,
    )
    .option('--quick', 'the CI size: fewer, shorter variants (all seven in about 3 minutes)')
    .option(
      '-o, --out <dir>',
      'output folder: <out>/<matrix>/<variant>/result.json and the reports',
      MATRIX_DEFAULTS.outDir,
    )
    .option('--list', 'list the matrices, their variants and estimated wall time')
    .action(async (name: string | undefined, options: MatrixCliOptions) => {
      if (options.list === true) {
        process.stdout.write(formatMatrixList());
        return;
      }
      const size: MatrixSize = options.quick === true ? 'quick' : 'default';
      let matrices: MatrixDefinition[];
      try {
        if (name === undefined) throw new ScenarioError('name a matrix (or all); botcap matrix --list shows them');
        matrices = name === 'all' ? listMatrices() : [getMatrix(name)];
      } catch (error) {
        if (!(error instanceof ScenarioError)) throw error;
        process.stderr.write(`botcap matrix: ${error.message}\n`);
        process.exitCode = 1;
        return;
      }
      const startedAt = new Date().toISOString();
      const startedRealMs = performance.now();
      const progress = new ProgressWriter(process.stderr);
      const runs: MatrixRun[] = [];
      try {
        for (const matrix of matrices) {
          const result = await runMatrix(matrix, {
            size,
            outDir: join(options.out, matrix.name),
            progress,
            ...(run === undefined ? {} : { run }),
          });
          runs.push(result);
          progress.line(`matrix ${matrix.name}: ${result.verdict.answer} (${Math.round(result.wallTimeS)} s)`);
          process.stdout.write(`${result.paths.join('\n')}\n`);
          if (result.interrupted) break;
        }
      } finally {
        progress.done();
      }
      if (name === 'all') {
        const commit = await gitCommit();
        const paths = await writeIndex(runs, options.out, {
          command: `botcap matrix all${size === 'quick' ? ' --quick' : ''} --out ${options.out}`,
          size,
          machine: machineText(),
          startedAt,
          wallTimeS: (performance.now() - startedRealMs) / 1000,
          gitCommit: commit ?? null,
        });
        process.stdout.write(`${paths.join('\n')}\n`);
      }
      const failed = runs.flatMap((r) => r.outcomes).filter((o) => o.error !== null);
      if (failed.length > 0) {
        process.stderr.write(
          `botcap matrix: ${failed.length} variant(s) failed: ${failed.map((o) => o.label).join(', ')}\n`,
        );
        process.exitCode = 1;
      }
    });
}
