import { valueAt } from '../../common/path.ts';
import type { RunResult } from '../../contracts/run-result.ts';
import { percentileOf } from '../analysis/histogram.ts';
import { formatMs, formatNumber } from '../render/format.ts';
import {
  MATRIX_VERDICT_SCHEMA_VERSION,
  type MatrixVerdict,
  type VariantOutcome,
  type VerdictColumn,
  type VerdictRow,
} from './types.ts';

/**
 * Shared pieces of the verdict rules: which outcomes count, reading knobs back from a RunResult,
 * and the verdict skeleton with the failed variants already in it.
 */

/** An outcome with a completed run. */
export type UsableOutcome = VariantOutcome & { result: RunResult };

/**
 * Whether a variant produced a completed run the rule may use.
 *
 * @example
 * outcomes.filter(isUsable)
 */
export function isUsable(outcome: VariantOutcome): outcome is UsableOutcome {
  return outcome.error === null && outcome.result !== null && outcome.result.status === 'completed';
}

/**
 * A bot config knob as the run used it: the bot's resolved config when recorded, else the scenario's
 * `bot.config`, else undefined (a bring-your-own bot).
 *
 * @example
 * botKnob(result, 'database.poolMax') // 50
 */
export function botKnob(result: RunResult, path: string): unknown {
  return valueAt(result.environment.bot.config, path) ?? valueAt(result.scenario.resolved, `bot.config.${path}`);
}

/** `botKnob` when it is a number, else undefined. */
export function botKnobNumber(result: RunResult, path: string): number | undefined {
  const value = botKnob(result, path);
  return typeof value === 'number' && Number.isFinite(value) ? value : undefined;
}

/** p95 reply latency of the run, simulated ms; null with no replies. */
export function replyP95Ms(result: RunResult): number | null {
  return percentileOf(result.latency.replyFinal, 95);
}

/** The failure sentence every rule prints for a variant it could not use. */
export function failureSentence(outcome: VariantOutcome): string {
  const status = outcome.result === null ? 'did not run to a result' : `ended ${outcome.result.status}`;
  return `${outcome.label} failed (${status}): ${outcome.error ?? 'no error recorded'}.`;
}

/** `1.2 s` / `850 ms` / `n/a`. */
export function ms(value: number | null | undefined): string {
  return value === null || value === undefined ? 'n/a' : formatMs(value);
}

/** `1,234` / `n/a`. */
export function num(value: number | null | undefined): string {
  return value === null || value === undefined ? 'n/a' : formatNumber(value);
}

/**
 * The verdict skeleton: one row per outcome (failed rows without figures), failure sentences first.
 * Rules fill in the answer; `values` computes a usable variant's figures.
 *
 * @example
 * const v = verdictSkeleton('pooling', question, RULE, outcomes, COLUMNS, (o) => ({ errors53300: ... }));
 */
export function verdictSkeleton(
  matrix: string,
  question: string,
  rule: string,
  outcomes: readonly VariantOutcome[],
  columns: readonly VerdictColumn[],
  values: (outcome: UsableOutcome) => Record<string, number | null>,
): MatrixVerdict {
  const rows: VerdictRow[] = outcomes.map((o) =>
    isUsable(o)
      ? { variant: o.label, status: 'ok', error: null, values: values(o) }
      : {
          variant: o.label,
          status: 'failed',
          error: o.error ?? `ended ${o.result?.status ?? 'without a result'}`,
          values: Object.fromEntries(columns.map((c) => [c.key, null])),
        },
  );
  return {
    schemaVersion: MATRIX_VERDICT_SCHEMA_VERSION,
    matrix,
    question,
    rule,
    status: 'no-data',
    answer: '',
    recommendation: '',
    figure: '',
    changesIf: '',
    sentences: [
      ...outcomes.filter((o) => !isUsable(o)).map(failureSentence),
      ...outcomes.flatMap((o) => (o.note === undefined ? [] : [`Note on ${o.label}: ${o.note}.`])),
    ],
    expectations: [],
    winner: null,
    columns: [...columns],
    rows,
  };
}

/**
 * Fills a skeleton as "no data": which variants the rule needed and why it cannot answer.
 *
 * @example
 * noData(v, 'no variant completed with digests expected')
 */
export function noData(
  verdict: MatrixVerdict,
  why: string,
  changesIf = 'An answer needs the failed variants to run to completion; re-run the matrix.',
): MatrixVerdict {
  return {
    ...verdict,
    status: 'no-data',
    answer: `No answer: ${why}.`,
    recommendation: `No recommendation yet: ${why}.`,
    figure: 'n/a',
    changesIf,
  };
}

/**
 * A count with its noun, singular for exactly one: generated sentences read naturally at the rules' edges.
 *
 * @example
 * counted(1, 'user') // '1 user'
 * counted(1200, 'user') // '1,200 users'
 * counted(null, 'user') // 'n/a users'
 */
export function counted(value: number | null | undefined, noun: string, plural = `${noun}s`): string {
  return `${num(value)} ${value === 1 ? noun : plural}`;
}

/** The largest value any series of `points` reached; null with no points. */
export function peakOf(series: ReadonlyArray<{ points: ReadonlyArray<readonly [number, number]> }>): number | null {
  const values = series.flatMap((s) => s.points.map(([, value]) => value));
  return values.length === 0 ? null : Math.max(...values);
}

/**
 * A sentence fragment with its first letter upper-cased, for a clause that opens a sentence.
 *
 * @example
 * capitalized('use a shared breaker') // 'Use a shared breaker'
 */
export function capitalized(text: string): string {
  return text.charAt(0).toUpperCase() + text.slice(1);
}
