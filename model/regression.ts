import { Matrix, SingularValueDecomposition } from 'ml-matrix';
import MultivariateLinearRegression from 'ml-regression-multivariate-linear';

/** One observation: class throughputs (the regressors) and a resource reading. */
export interface Observation {
  x: readonly number[];
  y: number;
}

/** A regression coefficient with its standard error (null when it could not be estimated). */
export interface Estimate {
  value: number;
  stdError: number | null;
}

export interface UtilizationFit {
  /** One estimate per regressor, in input order; regressors absent from every observation are null. */
  coefficients: Array<Estimate | null>;
  /** Background load: the reading at zero throughput (idle CPU, timers, the sampler). */
  intercept: Estimate;
  rSquared: number;
  observations: number;
  /** Regressors forced to 0 because their least-squares estimate was negative (a demand cannot be). */
  clampedToZero: number[];
  /**
   * Whether the regressors (with the intercept) were linearly independent. When one class's rate is always a
   * fixed multiple of another's, no regression can tell their demands apart; the coefficients are then one
   * solution of many and carry no standard errors.
   */
  identifiable: boolean;
}

/** Condition number of the column-scaled design above which it is taken as rank-deficient. */
const RANK_CONDITION_LIMIT = 1e8;

/**
 * The utilization law as a regression (Rolia & Vetland 1995; Lazowska et al. 1984, ch. 3): over intervals
 * with different mixes, U = U0 + sum_c X_c D_c recovers each class's demand D_c from the resource's
 * utilisation alone. Ordinary least squares with an intercept (ml-regression-multivariate-linear, which also
 * gives the coefficients' standard errors); a negative estimate is set to 0 and the rest refitted, as an
 * active-set non-negative least squares does, since no class can give work back.
 *
 * @example
 * fitUtilizationLaw([{ x: [1, 2], y: 0.3 }, { x: [2, 1], y: 0.35 }, ...]).coefficients[0]?.value
 */
export function fitUtilizationLaw(observations: readonly Observation[]): UtilizationFit {
  const width = observations[0]?.x.length ?? 0;
  const active = Array.from({ length: width }, (_, j) => observations.some((o) => (o.x[j] ?? 0) > 0));
  const clampedToZero: number[] = [];
  for (;;) {
    const columns = active.flatMap((on, j) => (on ? [j] : []));
    const fit = solve(observations, columns);
    const identifiable = isIdentifiable(observations, columns);
    const negative = columns
      .map((j, k) => ({ j, value: fit.weights[k]! }))
      .filter((c) => c.value < 0)
      .sort((a, b) => a.value - b.value)[0];
    if (negative !== undefined) {
      active[negative.j] = false;
      clampedToZero.push(negative.j);
      continue;
    }
    const coefficients: Array<Estimate | null> = Array.from({ length: width }, () => null);
    columns.forEach((j, k) => {
      coefficients[j] = { value: fit.weights[k]!, stdError: identifiable ? (fit.stdErrors[k] ?? null) : null };
    });
    for (const j of clampedToZero) coefficients[j] = { value: 0, stdError: null };
    return {
      coefficients,
      intercept: { value: fit.weights[columns.length]!, stdError: fit.stdErrors[columns.length] ?? null },
      rSquared: fit.rSquared,
      observations: observations.length,
      clampedToZero,
      identifiable,
    };
  }
}

function solve(
  observations: readonly Observation[],
  columns: readonly number[],
): { weights: number[]; stdErrors: Array<number | null>; rSquared: number } {
  const n = observations.length;
  const mean = observations.reduce((s, o) => s + o.y, 0) / Math.max(1, n);
  const ssTot = observations.reduce((s, o) => s + (o.y - mean) ** 2, 0);
  if (columns.length === 0) {
    // Nothing varies with load: the reading is all background.
    const sd = n > 1 ? Math.sqrt(ssTot / (n - 1)) : null;
    return { weights: [mean], stdErrors: [sd === null ? null : sd / Math.sqrt(n)], rSquared: 0 };
  }
  const x = observations.map((o) => columns.map((j) => o.x[j] ?? 0));
  // Too few observations for standard errors (n <= p + 1): estimates only.
  const withStats = n > columns.length + 1;
  const model = new MultivariateLinearRegression(
    x,
    observations.map((o) => [o.y]),
    { statistics: withStats },
  );
  const weights = model.weights.map((w) => w[0]!);
  const ssRes = observations.reduce(
    (s, o, i) => s + (o.y - x[i]!.reduce((sum, v, k) => sum + v * weights[k]!, weights[columns.length]!)) ** 2,
    0,
  );
  const stdErrors = withStats ? model.stdErrors.map((e) => (Number.isFinite(e) ? e : null)) : weights.map(() => null);
  return { weights, stdErrors, rSquared: ssTot > 0 ? 1 - ssRes / ssTot : 1 };
}

/** Whether the design (the chosen columns and an intercept) has full column rank, by its singular values. */
function isIdentifiable(observations: readonly Observation[], columns: readonly number[]): boolean {
  if (observations.length <= columns.length) return false;
  const rows = observations.map((o) => [...columns.map((j) => o.x[j] ?? 0), 1]);
  const design = new Matrix(rows);
  // Scale each column to unit length so the condition number reflects collinearity, not units.
  for (let k = 0; k < design.columns; k++) {
    const norm = Math.sqrt(design.getColumn(k).reduce((s, v) => s + v * v, 0));
    if (norm > 0)
      design.setColumn(
        k,
        design.getColumn(k).map((v) => v / norm),
      );
  }
  const values = new SingularValueDecomposition(design, { computeLeftSingularVectors: false }).diagonal;
  const largest = Math.max(...values);
  const smallest = Math.min(...values);
  return smallest > 0 && largest / smallest < RANK_CONDITION_LIMIT;
}
