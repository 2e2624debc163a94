import { mkdir, readdir, rm, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { ScenarioError } from '../common/errors.ts';
import { readJsonIfAny } from '../common/read-json.ts';
import { redactSecrets } from '../common/redact.ts';
import type { MatrixName } from '../contracts/matrices.ts';
import { type RunResult, runResultSchema } from '../contracts/run-result.ts';
import { unfitReference } from '../reports/analysis/scale-check.ts';
import {
  type DistortedRun,
  decideMatrix,
  foldRepetitions,
  MATRIX_REPORT_FILES,
  type MatrixVerdict,
  type RepeatedVerdict,
  type ScaleCheck,
  type ScaleCheckSummary,
  type VariantOutcome,
  writeMatrixReport,
} from '../reports/matrix/index.ts';
import {
  MATRIX_REPETITIONS,
  type MatrixDefinition,
  type MatrixSize,
  type MatrixVariant,
  variantScenario,
  variantSlug,
  variantsFor,
} from '../scenarios/matrices/index.ts';
import type { Scenario } from '../scenarios/schema.ts';
import { type KeptRuns, keptRun, RESULT_FILE, repetitionDir, summarizeKept } from './matrix-resume.ts';
import { compareScales, needsScaleCheck, SCALE_CHECK_FILES, settleScaleCheck } from './matrix-scale-check.ts';
import type { RunScenarioOptions } from './options.ts';
import { runScenario } from './run.ts';

/**
 * A matrix run: its variants one after another, each a fresh runScenario, repeated R times with different
 * seeds; the rule decides each repetition and the verdicts fold into one (median and range per figure, win
 * counts, "no stable answer" when they disagree); then the report (all pure functions in reports/matrix/).
 * With the scale check on, each variant of the first repetition that ran above 1x runs again at 1x (same
 * seed); a variant whose figures moved uses its 1x run and plays at 1x in every later repetition
 * (reports/matrix/scale-check.ts says why and how it compares). The CLI's `botcap matrix` prints and chooses
 * folders around it.
 */

/** The run function a matrix uses: runScenario, or a stand-in in tests. */
export type ScenarioRunner = (scenario: Scenario, options: RunScenarioOptions) => Promise<RunResult>;

/** Options of {@link runMatrix}; only `size` and `outDir` are required. */
export interface RunMatrixOptions {
  size: MatrixSize;
  /**
   * This matrix's folder: the report goes into it; with one repetition each variant goes to
   * `<outDir>/<variant>/result.json`, with several to `<outDir>/run-<i>/<variant>/result.json`.
   */
  outDir: string;
  /** Times each variant runs, repetition i with the scenario's seed + i - 1. Default: MATRIX_REPETITIONS[size]. */
  repetitions?: number;
  /**
   * Run each variant of the first repetition that completed above 1x again at 1x, into its folder's `at-1x/`,
   * and play a variant whose figures moved at 1x from then on. Default: on at default size, off with `quick`
   * (fixed fast scales that check the machinery, not the answers).
   */
  scaleCheck?: boolean;
  /**
   * Keep the runs an earlier, unfinished invocation left in `outDir` (same matrix, size and repetitions) and
   * run only the rest (orchestration/matrix-resume.ts says which runs are kept). Default false: `outDir`'s
   * earlier runs of this matrix are removed first.
   */
  resume?: boolean;
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
  /** From 1. */
  repetition: number;
  repetitions: number;
  seed: number;
  /** This is the variant's run again at 1x, the scale check's. */
  scaleCheck?: boolean;
  /** Not run: an earlier invocation's run of it was kept (`resume`). */
  kept?: boolean;
}

/** One pass over the variants: their outcomes with one seed, and what the rule decided on them. */
export interface MatrixRepetition {
  seed: number;
  outcomes: VariantOutcome[];
  verdict: MatrixVerdict;
}

/** What one matrix run produced. */
export interface MatrixRun {
  matrix: MatrixDefinition;
  /** Every repetition that ran, in order (an interrupted one is kept, its remaining variants marked not run). */
  repetitions: MatrixRepetition[];
  /** The outcomes of the representative repetition (the runs the report compares). */
  outcomes: VariantOutcome[];
  /** The repetitions' verdicts folded into one. */
  verdict: RepeatedVerdict;
  /** What the scale check ran and found (also in the verdict). */
  scaleCheck: ScaleCheckSummary;
  paths: string[];
  wallTimeS: number;
  /** A variant's run ended aborted (Ctrl-C): the caller stops there. */
  interrupted: boolean;
  /** The runs kept from an earlier invocation (`resume`); undefined when every run was made by this one. */
  kept?: KeptRuns;
}

function message(error: unknown): string {
  return redactSecrets(error instanceof Error ? error.message : String(error));
}

/** A scale a variant keeps once chosen: its calibration's pick, or 1x after its figures moved there. */
interface PinnedScale {
  timeScale: number;
  source: 'auto' | 'scale-check';
}

/**
 * Runs one variant into `dir`: at `pinned`'s scale for it when set (an earlier repetition's `auto` pick, or 1x
 * after the scale check), else at its scenario's; `forced` wins over both (the scale check's run at 1x).
 */
async function runVariant(
  matrix: MatrixDefinition,
  variant: MatrixVariant,
  seedOffset: number,
  dir: string,
  options: RunMatrixOptions,
  pinned: Map<string, PinnedScale>,
  forced?: PinnedScale,
): Promise<{ outcome: VariantOutcome; aborted: boolean }> {
  const base = outcomeBase(variant);
  // A previous run's result or logs in the same folder must not mix with this one.
  await rm(dir, { recursive: true, force: true });
  await mkdir(dir, { recursive: true });
  let result: RunResult;
  try {
    const scenario = variantScenario(matrix, variant, options.size);
    // `timeScale: 'auto'` calibrates once per variant: its repetitions run at the scale the first one chose.
    const scale = forced ?? pinned.get(variant.label);
    // Each variant is its own runScenario: a fresh Postgres, fresh fakes and fresh bots, so no state leaks.
    result = runResultSchema.parse(
      await (options.run ?? runScenario)(
        {
          ...scenario,
          seed: scenario.seed + seedOffset,
          ...(scale === undefined ? {} : { timeScale: scale.timeScale }),
        },
        {
          ...(scale === undefined ? {} : { timeScaleSource: scale.source }),
          variant: variant.label,
          logDir: join(dir, 'logs'),
          ...(variant.kill === undefined ? {} : { killInstanceAt: { fraction: variant.kill.fraction } }),
          ...(variant.kill?.target === undefined ? {} : { killTarget: variant.kill.target }),
          ...(options.onStage === undefined ? {} : { onStage: options.onStage }),
          ...(options.onProgress === undefined ? {} : { onProgress: options.onProgress }),
        },
      ),
    );
  } catch (error) {
    const text = message(error);
    await writeFile(join(dir, ERROR_FILE), `${JSON.stringify({ variant: variant.label, error: text }, null, 2)}\n`);
    return { outcome: { ...base, result: null, error: text }, aborted: false };
  }
  pinAutoPick(pinned, variant.label, result);
  await writeFile(join(dir, RESULT_FILE), `${JSON.stringify(result)}\n`, 'utf8');
  return { outcome: outcomeOf(variant, result), aborted: result.status === 'aborted' };
}

/** A variant's first run at `auto` fixes the scale of its later repetitions. */
function pinAutoPick(pinned: Map<string, PinnedScale>, label: string, result: RunResult): void {
  if (result.fidelity?.timeScaleSource === 'auto' && !pinned.has(label))
    pinned.set(label, { timeScale: result.timeScale, source: 'auto' });
}

/** What a variant's run leaves in its folder besides its RunResult (RESULT_FILE): why it has none. */
const ERROR_FILE = 'error.json';

/** The variant's label, kill flag and note, as every outcome of it carries them. */
function outcomeBase(variant: MatrixVariant): Pick<VariantOutcome, 'label' | 'killed' | 'note'> {
  return { label: variant.label, killed: variant.kill !== undefined, ...(variant.note ? { note: variant.note } : {}) };
}

/** A variant's outcome from its RunResult: usable when the run completed, else failed with its status. */
function outcomeOf(variant: MatrixVariant, result: RunResult): VariantOutcome {
  const error =
    result.status === 'completed'
      ? null
      : `the run ${result.status}${result.error ? `: ${redactSecrets(result.error)}` : ''}`;
  return { ...outcomeBase(variant), result, error };
}

/**
 * Runs a matrix's variants one after another (each a fresh runScenario), R times with seeds seed..seed+R-1
 * (the same seed for every variant of a repetition, so they meet the same users), writes each RunResult
 * (or `error.json`) and each repetition's `verdict.json`, folds the verdicts and writes the report.
 * A variant that throws or does not complete is kept as failed; after a Ctrl-C the rest are marked not run,
 * and only the repetitions that finished are folded (the interrupted one when none did).
 *
 * @example
 * const run = await runMatrix(getMatrix('scheduler'), { size: 'quick', outDir: 'out/scheduler' });
 * run.verdict.answer
 */
export async function runMatrix(matrix: MatrixDefinition, options: RunMatrixOptions): Promise<MatrixRun> {
  const startedRealMs = performance.now();
  const variants = variantsFor(matrix, options.size);
  const count = options.repetitions ?? MATRIX_REPETITIONS[options.size];
  if (!Number.isInteger(count) || count < 1)
    throw new RangeError(`repetitions must be a whole number >= 1, got ${count}`);
  const baseSeed = variants[0] === undefined ? 0 : variantScenario(matrix, variants[0], options.size).seed;
  const resume = options.resume === true;
  // Results of an earlier run with a different repetition count must not sit next to this one's.
  if (!resume) await removeEarlierRuns(options.outDir, variants);
  /** The runs an earlier invocation made that this one keeps (`resume`). */
  const kept: RunResult[] = [];
  /** An earlier invocation's run of this variant in `dir` (as runVariant would run it), when `resume` may keep it. */
  const keep = async (variant: MatrixVariant, dir: string, seedOffset: number, timeScale: number | undefined) => {
    if (!resume) return undefined;
    let planned: Scenario;
    try {
      planned = variantScenario(matrix, variant, options.size);
    } catch {
      return undefined; // runVariant records why the variant cannot run
    }
    const scenario = { ...planned, seed: planned.seed + seedOffset };
    const result = await keptRun({
      resultPath: join(dir, RESULT_FILE),
      variant: variant.label,
      scenario,
      ...(timeScale === undefined ? {} : { timeScale }),
    });
    if (result !== undefined) kept.push(result);
    return result === undefined ? undefined : outcomeOf(variant, result);
  };
  const repetitions: MatrixRepetition[] = [];
  /** The scale each variant keeps in later repetitions: its `auto` pick, or 1x after the scale check. */
  const pinned = new Map<string, PinnedScale>();
  const checkScales = options.scaleCheck ?? options.size === 'default';
  let scaleCheck: ScaleCheckSummary = { ran: true, checks: [] };
  let interrupted = false;
  for (let r = 1; r <= count && !interrupted; r++) {
    const dir = repetitionDir(options.outDir, r, count);
    let outcomes: VariantOutcome[] = [];
    /** The scale check's runs at 1x, by variant (first repetition only). */
    const at1x = new Map<string, VariantOutcome>();
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
      const start: MatrixVariantStart = {
        matrix: matrix.name,
        index: i,
        count: variants.length,
        label: variant.label,
        repetition: r,
        repetitions: count,
        seed: baseSeed + r - 1,
      };
      const variantDir = join(dir, variantSlug(variant.label));
      let outcome = await keep(variant, variantDir, r - 1, pinned.get(variant.label)?.timeScale);
      if (outcome?.result) pinAutoPick(pinned, variant.label, outcome.result);
      options.onVariant?.(outcome === undefined ? start : { ...start, kept: true });
      if (outcome === undefined) {
        const ran = await runVariant(matrix, variant, r - 1, variantDir, options, pinned);
        outcome = ran.outcome;
        interrupted = ran.aborted;
      }
      outcomes.push(outcome);
      if (r === 1 && checkScales && !interrupted && needsScaleCheck(outcome)) {
        const at1xDir = join(variantDir, SCALE_CHECK_FILES.at1xDir);
        let again = await keep(variant, at1xDir, 0, 1);
        options.onVariant?.({ ...start, scaleCheck: true, ...(again === undefined ? {} : { kept: true }) });
        if (again === undefined) {
          const ran = await runVariant(matrix, variant, 0, at1xDir, options, pinned, {
            timeScale: 1,
            source: 'scale-check',
          });
          again = ran.outcome;
          interrupted = ran.aborted;
        }
        at1x.set(variant.label, again);
      }
    }
    if (r === 1) {
      const checks = compareScales(matrix, outcomes, at1x, baseSeed);
      await writeScaleChecks(checks, dir);
      for (const check of checks) if (check.ranAt1x) pinned.set(check.variant, { timeScale: 1, source: 'scale-check' });
      ({ outcomes, summary: scaleCheck } = settleScaleCheck(matrix, outcomes, checks, at1x));
    }
    const verdict = decideMatrix(matrix.name, matrix.question, outcomes);
    if (count > 1)
      await writeFile(join(dir, MATRIX_REPORT_FILES.verdict), `${JSON.stringify(verdict, null, 2)}\n`, 'utf8');
    repetitions.push({ seed: baseSeed + r - 1, outcomes, verdict });
  }
  const wallTimeS = (performance.now() - startedRealMs) / 1000;
  const run = await concludeMatrix(matrix, repetitions, scaleCheck, interrupted, options.outDir, wallTimeS);
  const keptRuns = summarizeKept(kept);
  return keptRuns === undefined ? run : { ...run, kept: keptRuns };
}

/** Removes this matrix's variant folders and repetition folders an earlier run left in `outDir`. */
async function removeEarlierRuns(outDir: string, variants: readonly MatrixVariant[]): Promise<void> {
  const earlierRuns = (await readdir(outDir).catch(() => [])).filter((name) => /^run-\d+$/.test(name));
  await Promise.all(
    [...variants.map((v) => variantSlug(v.label)), ...earlierRuns].map((name) =>
      rm(join(outDir, name), { recursive: true, force: true }),
    ),
  );
}

/** Each check's record beside its variant's result.json, for the report and `--report-only`. */
async function writeScaleChecks(checks: readonly ScaleCheck[], repetitionDir: string): Promise<void> {
  for (const check of checks)
    await writeFile(
      join(repetitionDir, variantSlug(check.variant), SCALE_CHECK_FILES.record),
      `${JSON.stringify(check, null, 2)}\n`,
      'utf8',
    );
}

/** The runs of these repetitions that the lab distorted, for the report to name. */
function distortedRuns(repetitions: readonly MatrixRepetition[]): DistortedRun[] {
  return repetitions.flatMap((repetition, i) =>
    repetition.outcomes.flatMap((o) => {
      const fidelity = o.result?.fidelity;
      if (o.result === null || fidelity?.status !== 'distorted') return [];
      return [
        {
          variant: o.label,
          repetition: i + 1,
          timeScale: o.result.timeScale,
          estimatedDistortionMs: fidelity.estimatedDistortionMs,
          boundMs: fidelity.boundMs,
        },
      ];
    }),
  );
}

/** Folds the repetitions' verdicts and writes the report: the end of a matrix run, and all of a re-report. */
async function concludeMatrix(
  matrix: MatrixDefinition,
  repetitions: MatrixRepetition[],
  scaleCheck: ScaleCheckSummary,
  interrupted: boolean,
  outDir: string,
  wallTimeS: number,
): Promise<MatrixRun> {
  // An interrupted repetition's missing variants would vote for whoever did run: fold only finished ones.
  const finished = interrupted && repetitions.length > 1 ? repetitions.slice(0, -1) : repetitions;
  const verdict = foldRepetitions(
    finished.map((r) => r.verdict),
    { seeds: finished.map((r) => r.seed), distorted: distortedRuns(finished), scaleCheck },
  );
  const outcomes = finished[verdict.repetitions.representative - 1]!.outcomes;
  const paths = await writeMatrixReport(verdict, outcomes, outDir);
  return { matrix, repetitions, outcomes, verdict, scaleCheck, paths, wallTimeS, interrupted };
}

/** Options of {@link reportMatrixAgain}: the size and repetitions the saved run had (its matrix-run.json says). */
export interface ReportMatrixAgainOptions {
  size: MatrixSize;
  repetitions: number;
  /** The matrix's folder, as the run wrote it. */
  outDir: string;
}

/**
 * Decides and writes a matrix's verdict and report again from the results a finished run left in `outDir`
 * (each variant's result.json or error.json), running nothing: for when a rule or a renderer changed after
 * a matrix that took hours. The runs are the same, so every figure is; only the words and the report can
 * differ. Throws a ScenarioError naming the first variant folder that holds neither file.
 *
 * @example
 * const run = await reportMatrixAgain(getMatrix('scheduler'), { size: 'default', repetitions: 3, outDir: 'out/scheduler' });
 */
export async function reportMatrixAgain(
  matrix: MatrixDefinition,
  options: ReportMatrixAgainOptions,
): Promise<MatrixRun> {
  const variants = variantsFor(matrix, options.size);
  const baseSeed = variants[0] === undefined ? 0 : variantScenario(matrix, variants[0], options.size).seed;
  const repetitions: MatrixRepetition[] = [];
  let scaleCheck: ScaleCheckSummary = { ran: true, checks: [] };
  for (let r = 1; r <= options.repetitions; r++) {
    const dir = repetitionDir(options.outDir, r, options.repetitions);
    let outcomes: VariantOutcome[] = [];
    for (const variant of variants) outcomes.push(await savedOutcome(variant, join(dir, variantSlug(variant.label))));
    if (r === 1) {
      const { checks, at1x } = await savedScaleChecks(variants, dir);
      ({ outcomes, summary: scaleCheck } = settleScaleCheck(matrix, outcomes, checks, at1x));
    }
    const verdict = decideMatrix(matrix.name, matrix.question, outcomes);
    if (options.repetitions > 1)
      await writeFile(join(dir, MATRIX_REPORT_FILES.verdict), `${JSON.stringify(verdict, null, 2)}\n`, 'utf8');
    repetitions.push({ seed: baseSeed + r - 1, outcomes, verdict });
  }
  return concludeMatrix(matrix, repetitions, scaleCheck, false, options.outDir, 0);
}

/** The scale checks a run left in the first repetition's variant folders, with their runs at 1x. */
async function savedScaleChecks(
  variants: readonly MatrixVariant[],
  repetitionDir: string,
): Promise<{ checks: ScaleCheck[]; at1x: Map<string, VariantOutcome> }> {
  const checks: ScaleCheck[] = [];
  const at1x = new Map<string, VariantOutcome>();
  for (const variant of variants) {
    const dir = join(repetitionDir, variantSlug(variant.label));
    const path = join(dir, SCALE_CHECK_FILES.record);
    const check = (await readJsonIfAny(path)) as Partial<ScaleCheck> | undefined;
    if (check === undefined) continue;
    if (check.variant !== variant.label || typeof check.ranAt1x !== 'boolean' || !Array.isArray(check.moved))
      throw new ScenarioError(
        `${path} is not the scale check of '${variant.label}' this botcap writes; rerun the matrix`,
      );
    if (check.error !== undefined) {
      checks.push(check as ScaleCheck);
      continue;
    }
    const again = await savedOutcome(variant, join(dir, SCALE_CHECK_FILES.at1xDir));
    // Saved before a distorted run at 1x was refused as a reference, and held on one: not compared after all
    // (the variant kept its first scale either way, so the repetitions after it stand).
    const unfit = !check.ranAt1x && again.result !== null ? unfitReference(again.result) : undefined;
    checks.push(unfit === undefined ? (check as ScaleCheck) : { ...(check as ScaleCheck), error: unfit });
    if (unfit === undefined) at1x.set(variant.label, again);
  }
  return { checks, at1x };
}

/** A variant's outcome from what its run left in `dir`. */
async function savedOutcome(variant: MatrixVariant, dir: string): Promise<VariantOutcome> {
  const resultPath = join(dir, RESULT_FILE);
  const saved = await readJsonIfAny(resultPath);
  if (saved !== undefined) {
    const parsed = runResultSchema.safeParse(saved);
    if (!parsed.success)
      throw new ScenarioError(
        `${resultPath} is not a RunResult this botcap reads (${parsed.error.issues[0]?.message ?? 'invalid'}); rerun the matrix`,
      );
    return outcomeOf(variant, parsed.data);
  }
  const failure = (await readJsonIfAny(join(dir, ERROR_FILE))) as { error?: unknown } | undefined;
  if (failure !== undefined)
    return { ...outcomeBase(variant), result: null, error: String(failure.error ?? 'the run failed') };
  throw new ScenarioError(
    `${dir} holds neither ${RESULT_FILE} nor ${ERROR_FILE}: the matrix run there did not finish this variant ` +
      '(or ran at another size or repetition count); rerun the matrix',
  );
}
