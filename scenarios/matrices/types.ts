import type { MatrixName } from '../../contracts/matrices.ts';
import type { KillTarget } from '../../contracts/run-result.ts';
import type { ScenarioInput } from '../schema.ts';

/**
 * The shape of an experiment matrix: one architecture question, a base scenario, the variants compared
 * on it, and the two sizes it runs at. Matrices are data: `botcap matrix` runs them and
 * `reports/matrix/` judges them; nothing in a matrix file starts a process or formats a verdict.
 */

/** The two sizes every matrix runs at: the full run, and `--quick` for CI. */
export const MATRIX_SIZES = ['default', 'quick'] as const;
export type MatrixSize = (typeof MATRIX_SIZES)[number];

/**
 * How many times `botcap matrix` runs each variant (each time with the next seed) unless `--repeat` says
 * otherwise: one run per variant is an anecdote (the scheduler matrix's skip-locked x3 lost 697 updates in one
 * run and 1,648 in the next), so the full size repeats; `--quick` is CI's smoke check of the machinery.
 */
export const MATRIX_REPETITIONS: Readonly<Record<MatrixSize, number>> = { default: 3, quick: 1 };

/**
 * Wall-time budgets (real seconds) of `botcap matrix all` on a 2-core machine, repetitions and the scale
 * check included. Each matrix states its share of one repetition in `budgetRealS`; a test checks the shares
 * times MATRIX_REPETITIONS, plus the scale check's runs at 1x, add up to at most these. Issue 11 asks for 60 minutes at default size and 5 with
 * `--quick`; quick fits. The default does not, and fidelity wins over the wall time: every default variant
 * runs at `timeScale: 'auto'` (transport's, pooling's and sessions' at 1x, see their files), which on 2 cores keeps the reference bot faithful at 1x-2x for most of them
 * (6x where a scenario's budget is 15 s), and ~55 variants x 3 repetitions x (~10 s of start and stop + a
 * minute or more of load that holds the question's contrast) is hours before any level is held long enough
 * to be steady. Retuned to the smallest populations and windows that still hold each question's contrast, the
 * runs are estimated at ~8.9 hours, and the scale check (a run at 1x of each variant above 1x, because near
 * saturation a figure can move with the scale while it reads faithful: reports/matrix/scale-check.ts) adds
 * ~3.2: ~12.1 hours (`botcap matrix --list`, orchestration/matrix-estimate.ts). `--repeat 1` is estimated at
 * ~6.3 hours, `--no-scale-check` at ~8.9. The ten committed runs took 12.7 hours together (docs/findings).
 */
export const TOTAL_BUDGET_REAL_S: Readonly<Record<MatrixSize, number>> = { default: 45_300, quick: 300 };

/**
 * What a variant changes in the base scenario. Objects merge field by field into the base; arrays
 * (fault windows) replace. The bot config is typed by the reference bot's own schema, so a misspelt
 * knob fails the type check here rather than at run time.
 */
export interface ScenarioPatch {
  /** A different arrival model for this variant (e.g. a steady load for a kill run instead of a staircase). */
  load?: ScenarioInput['load'];
  bot?: ScenarioInput['bot'];
  environment?: ScenarioInput['environment'];
  fakes?: {
    claude?: { faults?: NonNullable<NonNullable<ScenarioInput['fakes']>['claude']>['faults'] };
    mcp?: { faults?: NonNullable<NonNullable<ScenarioInput['fakes']>['mcp']>['faults'] };
    ingest?: NonNullable<ScenarioInput['fakes']>['ingest'];
  };
}

/** When to SIGKILL one instance (the last): a fraction of the load's duration. */
export interface VariantKill {
  fraction: number;
  /** What to kill: the last bot instance (default) or queue-worker's dedicated scheduler worker. */
  target?: KillTarget;
}

/** One arm of a matrix. */
export interface MatrixVariant {
  /** Short and unique in the matrix; also the output folder's name once slugged (`webhook x3` -> `webhook-x3`). */
  label: string;
  /** The change to the base; a function when it depends on the size (e.g. a fault window inside the run). */
  patch: ScenarioPatch | ((size: MatrixSize) => ScenarioPatch);
  /** SIGKILL one bot instance mid-run (runScenario's `killInstanceAt`). */
  kill?: VariantKill;
  /** Whether `--quick` runs it: the 3-minute budget cannot hold every variant, so quick keeps the contrast that decides. */
  quick: boolean;
  /** What this variant stands for in the verdict when its label alone does not say it. */
  note?: string;
}

/** A named experiment: a question, a base scenario per size, and the variants. */
export interface MatrixDefinition {
  name: MatrixName;
  /** The architect's question, as the issue asks it. */
  question: string;
  /** The base scenario at a size; variants patch it. Built by a function so sizes differ in load and time scale only. */
  base(size: MatrixSize): ScenarioInput;
  variants: readonly MatrixVariant[];
  /** Real seconds one repetition of this matrix may take (its share of TOTAL_BUDGET_REAL_S), per size. */
  budgetRealS: Readonly<Record<MatrixSize, number>>;
}
