import { join } from 'node:path';
import { type Command, InvalidArgumentError } from 'commander';
import { ScenarioError } from '../../common/errors.ts';
import { MATRIX_NAMES } from '../../contracts/matrices.ts';
import { MATRIX_RECORD_FILE, type MatrixProvenance, type MatrixRecord } from '../../contracts/matrix-record.ts';
import { gitCommit, machineInfo } from '../../orchestration/environment-info.ts';
import { type MatrixRun, reportMatrixAgain, runMatrix, type ScenarioRunner } from '../../orchestration/matrix.ts';
import { estimateMatrixRealS, estimateScaleCheckRealS } from '../../orchestration/matrix-estimate.ts';
import {
  assembleIndex,
  matrixRecord,
  readMatrixRecord,
  writeIndex,
  writeMatrixRecord,
} from '../../orchestration/matrix-index.ts';
import { estimateKept, type KeptEstimate, type KeptRuns } from '../../orchestration/matrix-resume.ts';
import { scaleCheckText } from '../../reports/matrix/index.ts';
import {
  getMatrix,
  listMatrices,
  MATRIX_REPETITIONS,
  type MatrixDefinition,
  type MatrixSize,
  TOTAL_BUDGET_REAL_S,
  variantsFor,
} from '../../scenarios/matrices/index.ts';
import { ProgressWriter } from '../progress.ts';

/** Defaults of `botcap matrix`, read by the code and `--help`. */
export const MATRIX_DEFAULTS = { outDir: 'botcap-out/matrices' } as const;

/**
 * `--repeat`: how many times each variant runs, a whole number from 1.
 *
 * @example
 * parseRepeat('3') // 3
 */
export function parseRepeat(value: string): number {
  const n = Number(value);
  if (!/^\d+$/.test(value.trim()) || !Number.isInteger(n) || n < 1)
    throw new InvalidArgumentError(`expected a whole number of repetitions >= 1, got '${value}'`);
  return n;
}

/** `~123 s`, or `~12 min` past ten minutes. */
function realTime(seconds: number): string {
  return seconds >= 600 ? `~${Math.round(seconds / 60)} min` : `~${Math.round(seconds)} s`;
}

/**
 * `botcap matrix --list`: each matrix with its question, variants and estimated wall time per size
 * (with that size's repetitions).
 *
 * @example
 * formatMatrixList().split('\n')[0] // 'transport  Long polling or webhooks, and when?  6 variants (1 quick) ...'
 */
export function formatMatrixList(): string {
  const matrices = listMatrices();
  const width = Math.max(...matrices.map((m) => m.name.length));
  const lines = matrices.map((m) => {
    const quick = variantsFor(m, 'quick').length;
    const est = (size: MatrixSize) => realTime(estimateMatrixRealS(m, size));
    return `${m.name.padEnd(width)}  ${m.question}  ${m.variants.length} ${m.variants.length === 1 ? 'variant' : 'variants'} (${quick} in --quick), ${est('default')} / quick ${est('quick')}`;
  });
  const total = (size: MatrixSize) => realTime(matrices.reduce((s, m) => s + estimateMatrixRealS(m, size), 0));
  lines.push(
    `${'all'.padEnd(width)}  the ${matrices.length} in order, then index.html + index.md: ${total('default')} / quick ${total('quick')}`,
  );
  lines.push(
    `${'index'.padEnd(width)}  no run: index.html + index.md from the matrix folders already in --out (matrices run one at a time)`,
  );
  lines.push(
    `(each variant runs ${MATRIX_REPETITIONS.default} times by default and ${MATRIX_REPETITIONS.quick} with --quick; --repeat N changes it, and the time with it; ` +
      'default size includes the scale check, one run at 1x of each variant expected above 1x; --no-scale-check drops it)',
  );
  return `${lines.join('\n')}\n`;
}

/**
 * The line printed before a matrix starts: what it will run and how long that should take; with `--resume`,
 * how many runs it keeps (`kept`, from estimateKept) and how long the rest should take.
 *
 * @example
 * estimateLine(getMatrix('pooling'), 'default', 3) // 'matrix pooling: 4 variants x 3 repetitions, ~9 min estimated'
 * estimateLine(scheduler, 'default', 3, true, { runs: 28, realS: 6_151 })
 * // 'matrix scheduler: 12 variants x 3 repetitions and the scale check, ~157 min estimated; 28 runs kept, ~54 min left'
 */
export function estimateLine(
  matrix: MatrixDefinition,
  size: MatrixSize,
  repetitions: number,
  scaleCheck: boolean = size === 'default',
  kept?: KeptEstimate,
): string {
  const variants = variantsFor(matrix, size).length;
  const times = repetitions === 1 ? '1 repetition' : `${repetitions} repetitions`;
  const checked = scaleCheck && estimateScaleCheckRealS(matrix, size) > 0 ? ' and the scale check' : '';
  const totalS = estimateMatrixRealS(matrix, size, repetitions, scaleCheck);
  const line = `matrix ${matrix.name}: ${variants} variants x ${times}${checked}, ${realTime(totalS)} estimated`;
  if (kept === undefined) return line;
  const runs = kept.runs === 1 ? '1 run' : `${kept.runs} runs`;
  return `${line}; ${runs} kept, ${realTime(Math.max(0, totalS - kept.realS))} left`;
}

function machineText(): string {
  const m = machineInfo();
  return `${m.cpuModel} x${m.cpuCount}, ${Math.round(m.memoryBytes / 2 ** 30)} GiB, ${m.os}, Node ${m.node}`;
}

interface MatrixCliOptions {
  quick?: boolean;
  repeat?: number;
  /** Unset: on at default size, off with --quick. */
  scaleCheck?: boolean;
  reportOnly?: boolean;
  resume?: boolean;
  out: string;
  list?: boolean;
}

/**
 * Adds `botcap matrix <name|all> [--quick] [--repeat N] [--out DIR]` and `botcap matrix --list`.
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
        .join(', ')}), all, or index (assemble the index from matrices already run into --out)`,
    )
    .option(
      '--quick',
      `the CI size: fewer, shorter variants, one repetition (all ${MATRIX_NAMES.length} within ${Math.round(TOTAL_BUDGET_REAL_S.quick / 60)} minutes)`,
    )
    .option(
      '--repeat <n>',
      `runs of each variant, seeds seed..seed+N-1; the rule decides each and the verdict folds them (default: ${MATRIX_REPETITIONS.default}, with --quick ${MATRIX_REPETITIONS.quick})`,
      parseRepeat,
    )
    .option(
      '--scale-check',
      'run each variant of the first repetition that played above 1x again at 1x (same seed) and use 1x where a figure moved (default at default size)',
    )
    .option('--no-scale-check', 'skip that check (the default with --quick): faster, but figures above 1x go unchecked')
    .option(
      '-o, --out <dir>',
      'output folder: <out>/<matrix>/<variant>/result.json (run-<i>/<variant>/ with repetitions) and the reports',
      MATRIX_DEFAULTS.outDir,
    )
    .option(
      '--resume',
      'keep the runs an unfinished run of the same matrix (same size and --repeat) left in --out, and run only the rest: after a Ctrl-C, a crash or a lost machine',
    )
    .option(
      '--report-only',
      'run nothing: decide and write the verdict and report again from the results a finished run left in --out (after a botcap change to a rule or a report); all = every matrix folder there, then the index',
    )
    .option('--list', 'list the matrices, their variants and estimated wall time')
    .action(async (name: string | undefined, options: MatrixCliOptions) => {
      if (options.list === true) {
        process.stdout.write(formatMatrixList());
        return;
      }
      if (name === 'index') {
        try {
          const { paths, matrices } = await assembleIndex(options.out, `botcap matrix index --out ${options.out}`);
          process.stderr.write(`botcap matrix index: ${matrices.length} matrices (${matrices.join(', ')})\n`);
          process.stdout.write(`${paths.join('\n')}\n`);
        } catch (error) {
          if (!(error instanceof ScenarioError)) throw error;
          process.stderr.write(`botcap matrix index: ${error.message}\n`);
          process.exitCode = 1;
        }
        return;
      }
      const size: MatrixSize = options.quick === true ? 'quick' : 'default';
      const repetitions = options.repeat ?? MATRIX_REPETITIONS[size];
      const scaleCheck = options.scaleCheck ?? size === 'default';
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
      if (options.reportOnly === true && options.resume === true) {
        process.stderr.write('botcap matrix: --report-only runs nothing and --resume runs what is missing: pick one\n');
        process.exitCode = 1;
        return;
      }
      if (options.reportOnly === true) {
        await reportAgain(name!, matrices, options);
        return;
      }
      const startedAt = new Date().toISOString();
      const startedRealMs = performance.now();
      const progress = new ProgressWriter(process.stderr);
      const runs: Array<readonly [MatrixRun, MatrixRecord]> = [];
      const scaleCheckFlag =
        options.scaleCheck === undefined ? '' : options.scaleCheck ? ' --scale-check' : ' --no-scale-check';
      const resumeFlag = options.resume === true ? ' --resume' : '';
      const command = `botcap matrix ${name}${size === 'quick' ? ' --quick' : ''}${options.repeat === undefined ? '' : ` --repeat ${options.repeat}`}${scaleCheckFlag}${resumeFlag} --out ${options.out}`;
      const commit = (await gitCommit()) ?? null;
      const produced = (matrixStartedAt: string, wallTimeS: number, kept?: KeptRuns): MatrixProvenance => ({
        command,
        size,
        repetitions,
        machine: machineText(),
        startedAt: matrixStartedAt,
        wallTimeS,
        gitCommit: commit,
        scaleCheck,
        ...(kept === undefined ? {} : { kept }),
      });
      // With --resume, what each matrix keeps from --out (counted before it starts), so the estimates say what is left.
      const keptByMatrix = new Map<string, KeptEstimate>();
      if (options.resume === true) {
        for (const m of matrices) {
          const outDir = join(options.out, m.name);
          keptByMatrix.set(m.name, await estimateKept(m, { size, repetitions, scaleCheck, outDir }));
        }
      }
      if (matrices.length > 1) {
        const totalS = matrices.reduce((sum, m) => sum + estimateMatrixRealS(m, size, repetitions, scaleCheck), 0);
        const keptS = [...keptByMatrix.values()].reduce((sum, k) => sum + k.realS, 0);
        const left = options.resume === true ? `, ${realTime(Math.max(0, totalS - keptS))} left` : '';
        progress.line(`botcap matrix ${name}: ${matrices.length} matrices, ${realTime(totalS)} estimated${left}`);
      }
      try {
        for (const matrix of matrices) {
          progress.line(estimateLine(matrix, size, repetitions, scaleCheck, keptByMatrix.get(matrix.name)));
          const matrixStartedAt = new Date().toISOString();
          const result = await runMatrix(matrix, {
            size,
            repetitions,
            scaleCheck,
            resume: options.resume === true,
            outDir: join(options.out, matrix.name),
            onVariant: (v) =>
              progress.line(
                `matrix ${v.matrix}: ${v.repetitions > 1 ? `repetition ${v.repetition}/${v.repetitions} (seed ${v.seed}), ` : ''}variant ${v.index + 1}/${v.count} '${v.label}'${v.scaleCheck === true ? ' again at 1x (scale check)' : ''}${v.kept === true ? ': kept from the earlier run' : ''}`,
              ),
            onStage: (stage) => progress.stage(stage),
            onProgress: (event) => progress.update(event),
            ...(run === undefined ? {} : { run }),
          });
          const record = matrixRecord(result, produced(matrixStartedAt, result.wallTimeS, result.kept));
          const recordPath = await writeMatrixRecord(join(options.out, matrix.name), record);
          runs.push([result, record]);
          progress.line(`matrix ${matrix.name}: ${result.verdict.answer} (${Math.round(result.wallTimeS)} s)`);
          if (result.scaleCheck.checks.length > 0)
            progress.line(`matrix ${matrix.name}: scale check: ${scaleCheckText(result.scaleCheck)}`);
          process.stdout.write(`${[...result.paths, recordPath].join('\n')}\n`);
          if (result.interrupted) break;
        }
      } finally {
        progress.done();
      }
      if (name === 'all') {
        const paths = await writeIndex(
          runs,
          options.out,
          produced(startedAt, (performance.now() - startedRealMs) / 1000),
        );
        process.stdout.write(`${paths.join('\n')}\n`);
      }
      const failed = runs.flatMap(([r]) =>
        r.repetitions.flatMap((rep, i) =>
          rep.outcomes
            .filter((o) => o.error !== null)
            .map((o) => (r.repetitions.length > 1 ? `${o.label} (run ${i + 1})` : o.label)),
        ),
      );
      if (failed.length > 0) {
        process.stderr.write(`botcap matrix: ${failed.length} variant(s) failed: ${failed.join(', ')}\n`);
        process.exitCode = 1;
      }
    });
}

/**
 * `--report-only`: each named matrix's verdict and report written again from its saved results, with the size
 * and repetitions its matrix-run.json recorded; the record keeps how the runs were produced and adds what
 * wrote the report. With `all`, every matrix folder in --out that has a record, then the index.
 */
async function reportAgain(
  name: string,
  matrices: readonly MatrixDefinition[],
  options: MatrixCliOptions,
): Promise<void> {
  const command = `botcap matrix ${name} --report-only --out ${options.out}`;
  const commit = (await gitCommit()) ?? null;
  let reported = 0;
  try {
    for (const matrix of matrices) {
      const dir = join(options.out, matrix.name);
      const record = await readMatrixRecord(dir, matrix.name);
      if (record === undefined) {
        if (name === 'all') continue;
        throw new ScenarioError(
          `${join(dir, MATRIX_RECORD_FILE)} not found: --report-only needs the folder a finished botcap matrix ${matrix.name} run wrote`,
        );
      }
      const { size, repetitions } = record.produced;
      const asked = options.repeat ?? repetitions;
      if ((options.quick === true && size !== 'quick') || asked !== repetitions)
        throw new ScenarioError(
          `${dir} holds a ${size}-size run with ${repetitions} repetitions; drop --quick / --repeat, the saved run decides them`,
        );
      const run = await reportMatrixAgain(matrix, { size, repetitions, outDir: dir });
      const recordPath = await writeMatrixRecord(dir, {
        ...matrixRecord(run, record.produced),
        reported: { command, at: new Date().toISOString(), gitCommit: commit },
      });
      reported++;
      process.stderr.write(`matrix ${matrix.name}: ${run.verdict.answer} (from the saved results)\n`);
      process.stdout.write(`${[...run.paths, recordPath].join('\n')}\n`);
    }
    if (name === 'all') {
      if (reported === 0) throw new ScenarioError(`no matrix folder in ${options.out} has a ${MATRIX_RECORD_FILE}`);
      const { paths } = await assembleIndex(options.out, command);
      process.stdout.write(`${paths.join('\n')}\n`);
    }
  } catch (error) {
    if (!(error instanceof ScenarioError)) throw error;
    process.stderr.write(`botcap matrix: ${error.message}\n`);
    process.exitCode = 1;
  }
}
