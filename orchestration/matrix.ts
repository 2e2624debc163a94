import { mkdir, rm, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { redactSecrets } from '../common/redact.ts';
import type { MatrixName } from '../contracts/matrices.ts';
import { type RunResult, runResultSchema } from '../contracts/run-result.ts';
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
} from '../reports/matrix/index.ts';
import {
  type MatrixDefinition,
  type MatrixSize,
  type MatrixVariant,
  variantScenario,
  variantSlug,
  variantsFor,
} from '../scenarios/matrices/index.ts';
import type { Scenario } from '../scenarios/schema.ts';
import type { RunScenarioOptions } from './options.ts';
import { runScenario } from './run.ts';

/**
 * A matrix run: its variants one after another, each a fresh runScenario, then the verdict and the report
 * (both pure functions in reports/matrix/). The CLI's `botcap matrix` prints and chooses folders around it.
 */

/** The run function a matrix uses: runScenario, or a stand-in in tests. */
export type ScenarioRunner = (scenario: Scenario, options: RunScenarioOptions) => Promise<RunResult>;

/** Options of {@link runMatrix}; only `size` and `outDir` are required. */
export interface RunMatrixOptions {
  size: MatrixSize;
  /** This matrix's folder: variants go to `<outDir>/<variant>/result.json`, the report into it. */
  outDir: string;
  /** Default: runScenario. */
  run?: ScenarioRunner;
  /** Called before each variant starts (the CLI prints a line). Default: none. */
  onVariant?: (variant: MatrixVariantStart) => void;
  /** Passed to each variant's runScenario. Default: none. */
  onStage?: RunScenarioOptions['onStage'];
  /** Passed to each variant's runScenario. Default: none. */
  onProgress?: RunScenarioOptions['onProgress'];
}

/** A variant about to run: its place in the matrix. */
export interface MatrixVariantStart {
  matrix: MatrixName;
  /** From 0. */
  index: number;
  count: number;
  label: string;
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
    // Each variant is its own runScenario: a fresh Postgres, fresh fakes and fresh bots, so no state leaks.
    result = runResultSchema.parse(
      await (options.run ?? runScenario)(scenario, {
        variant: variant.label,
        logDir: join(dir, 'logs'),
        ...(variant.kill === undefined ? {} : { killInstanceAt: { fraction: variant.kill.fraction } }),
        ...(options.onStage === undefined ? {} : { onStage: options.onStage }),
        ...(options.onProgress === undefined ? {} : { onProgress: options.onProgress }),
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
    options.onVariant?.({ matrix: matrix.name, index: i, count: variants.length, label: variant.label });
    const { outcome, aborted } = await runVariant(matrix, variant, options);
    outcomes.push(outcome);
    interrupted = aborted;
  }
  const verdict = decideMatrix(matrix.name, matrix.question, outcomes);
  const paths = await writeMatrixReport(verdict, outcomes, options.outDir);
  return { matrix, outcomes, verdict, paths, wallTimeS: (performance.now() - startedRealMs) / 1000, interrupted };
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
