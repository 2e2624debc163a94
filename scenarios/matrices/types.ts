import type { MatrixName } from '../../contracts/matrices.ts';
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
 * Wall-time budgets (real seconds) of `botcap matrix all` on a 2-core machine, from issue 6, raised by
 * issue 14's questions (slot-cap, sessions, 15-min offer slots).
 * Each matrix states its share in `budgetRealS`; a test checks the shares add up to at most these.
 */
export const TOTAL_BUDGET_REAL_S: Readonly<Record<MatrixSize, number>> = { default: 1500, quick: 240 };

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
  };
}

/** When to SIGKILL one instance (the last): a fraction of the load's duration. */
export interface VariantKill {
  fraction: number;
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
  /** This matrix's share of TOTAL_BUDGET_REAL_S, real seconds, per size. */
  budgetRealS: Readonly<Record<MatrixSize, number>>;
}
