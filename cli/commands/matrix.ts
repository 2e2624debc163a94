import { join } from 'node:path';
import type { Command } from 'commander';
import { ScenarioError } from '../../common/errors.ts';
import { MATRIX_NAMES } from '../../contracts/matrices.ts';
import { gitCommit, machineInfo } from '../../orchestration/environment-info.ts';
import { type MatrixRun, runMatrix, type ScenarioRunner, writeIndex } from '../../orchestration/matrix.ts';
import {
  estimateMatrixRealS,
  getMatrix,
  listMatrices,
  type MatrixDefinition,
  type MatrixSize,
  TOTAL_BUDGET_REAL_S,
  variantsFor,
} from '../../scenarios/matrices/index.ts';
import { ProgressWriter } from '../progress.ts';

/** Defaults of `botcap matrix`, read by the code and `--help`. */
export const MATRIX_DEFAULTS = { outDir: 'botcap-out/matrices' } as const;

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
    `${'all'.padEnd(width)}  the ${matrices.length} in order, then index.html + index.md: ~${total('default')} s / quick ~${total('quick')} s`,
  );
  return `${lines.join('\n')}\n`;
}

function machineText(): string {
  const m = machineInfo();
  return `${m.cpuModel} x${m.cpuCount}, ${Math.round(m.memoryBytes / 2 ** 30)} GiB, ${m.os}, Node ${m.node}`;
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
    .description(
      `run an experiment matrix (a question, its variants, a verdict) or all ${MATRIX_NAMES.length} with an index page`,
    )
    .argument(
      '[name]',
      `a matrix (${listMatrices()
        .map((m) => m.name)
        .join(', ')}) or all`,
    )
    .option(
      '--quick',
      `the CI size: fewer, shorter variants (all ${MATRIX_NAMES.length} in about ${Math.round(TOTAL_BUDGET_REAL_S.quick / 60)} minutes)`,
    )
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
            onVariant: (v) => progress.line(`matrix ${v.matrix}: variant ${v.index + 1}/${v.count} '${v.label}'`),
            onStage: (stage) => progress.stage(stage),
            onProgress: (event) => progress.update(event),
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
