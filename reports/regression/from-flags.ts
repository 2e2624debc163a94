import type { ThresholdMap } from '../../contracts/thresholds/index.ts';
import { compareWithBaseline } from './compare.ts';
import { readRunSet } from './run-set.ts';
import { parseConfidence, regressionChecks } from './spec.ts';
import type { RegressionReport } from './types.ts';

/** The comparison as the CLI's flags state it (`botcap gate --baseline` and `botcap report --baseline` share it). */
export interface RegressionFlags {
  /** `--baseline`: result files or directories of repetitions. */
  baseline: readonly string[];
  /** `--max-regression`, as written; none = REGRESSION_DEFAULTS.checks. */
  maxRegression: readonly string[];
  /** `--confidence`, as written. */
  confidence: string;
  /** `--allow-distorted`. */
  allowDistorted?: boolean;
  /** The candidate's budgets from `--threshold`; undefined = the scenario's own. */
  thresholds?: ThresholdMap;
}

/**
 * Reads both sides and compares them as the flags say; throws ThresholdError, ResultError or
 * ComparisonError on bad input.
 *
 * @example
 * compareFromFlags(['out/pr'], { baseline: ['out/main'], maxRegression: [], confidence: '0.95' }).verdict.status
 */
export function compareFromFlags(candidate: readonly string[], flags: RegressionFlags): RegressionReport {
  const checks = regressionChecks(flags.maxRegression);
  const confidence = parseConfidence(flags.confidence);
  return compareWithBaseline(readRunSet('baseline', flags.baseline), readRunSet('candidate', candidate), {
    checks,
    confidence,
    allowDistorted: flags.allowDistorted ?? false,
    ...(flags.thresholds === undefined ? {} : { thresholds: flags.thresholds }),
  });
}
