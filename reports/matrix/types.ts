import type { RunResult } from '../../contracts/run-result.ts';

/**
 * What a matrix run hands to its verdict rule, and what the rule answers. Plain JSON (the verdict is
 * written as `verdict.json` next to the report), versioned by MATRIX_VERDICT_SCHEMA_VERSION.
 * Version 2: `verdict.json` holds the repetitions folded into one (repetitions.ts): status may be
 * `no-stable-answer`, each row has the spread of its figures, and `repetitions` says how they voted.
 * Still version 2 with `recommendation` and `decidingFigure`: both optional, added for the index's memo; and
 * with `direction`, optional, added for answers whose coarse half holds while the winner flips.
 */
export const MATRIX_VERDICT_SCHEMA_VERSION = 2;

/** One variant as it ran: its RunResult, or why there is none. A failed variant is kept, never dropped. */
export interface VariantOutcome {
  label: string;
  /** The run's result when runScenario returned one (any status). */
  result: RunResult | null;
  /** Why the variant is not usable: the run threw, or its status is not `completed`. Null when it is. */
  error: string | null;
  /** Whether one bot instance was SIGKILLed mid-run. */
  killed: boolean;
  /** What the variant stands for, when its label does not say it all (printed under the table). */
  note?: string;
}

/** A column of the verdict's figures table. */
export interface VerdictColumn {
  key: string;
  label: string;
  unit: string;
}

/** One variant's figures; `failed` rows carry the error and no figures. */
export interface VerdictRow {
  variant: string;
  status: 'ok' | 'failed';
  error: string | null;
  values: Record<string, number | null>;
}

/** A prediction the rule checks against the measurement, e.g. "5 x 50 direct overflows max_connections". */
export interface VerdictExpectation {
  variant: string;
  text: string;
  /** Null when the variant has no data to check it with. */
  met: boolean | null;
}

/** The answer to one matrix's question, every sentence generated from the figures it cites. */
export interface MatrixVerdict {
  schemaVersion: typeof MATRIX_VERDICT_SCHEMA_VERSION;
  matrix: string;
  question: string;
  /** The rule, in words, exactly as applied. */
  rule: string;
  /** `no-data`: the variants the rule needs did not produce results; the answer says which. */
  status: 'answered' | 'no-data';
  /** One sentence: the answer. */
  answer: string;
  /**
   * The answer as an action the architect can take ("Switch to webhook x3 before 200 concurrent users."), the
   * findings index's memo line. Absent or empty when the rule has none; the memo then shows the answer.
   */
  recommendation?: string;
  /** Which column of `rows` decides the answer, charted on the index; stamped by decideMatrix from the rule. */
  decidingFigure?: DecidingFigure;
  /** The figure behind the answer. */
  figure: string;
  /** The conditions under which the answer would change, from the measured margins. */
  changesIf: string;
  /** Per-variant findings, failures first. */
  sentences: string[];
  expectations: VerdictExpectation[];
  /** The variant the rule picked; null when none qualified or there was no data. */
  winner: string | null;
  /**
   * The coarse half of the answer, when the rule's question has one ("spread them at all?", "which
   * strategies are correct?"): repetitions can agree on it while their winners differ, and the folded answer
   * then gives it as the part that held. Absent when the rule has no such half.
   */
  direction?: VerdictDirection;
  /**
   * A question answered in parts (breaker: one pick per failure condition), each part's pick; `winner` is the
   * first part's. Repetitions must agree on every part for the answer to be stable: one pick per repetition
   * would hide a part that flips. Absent when the rule gives one pick.
   */
  parts?: VerdictPart[];
  columns: VerdictColumn[];
  rows: VerdictRow[];
}

/** One part of an answer in parts: its name, its pick, and the answer and advice for it alone. */
export interface VerdictPart {
  /** Equal names = the same part in another repetition, e.g. `MCP outage`. */
  name: string;
  winner: string | null;
  /** "MCP outage: the per-upstream breaker (0 user-visible failures, 0 fallback replies)". */
  answer: string;
  /** "Against an MCP outage, use a per-upstream circuit breaker". */
  recommendation: string;
}

/** The coarse half of an answer: a claim, its key (equal keys = the same claim) and this run's evidence. */
export interface VerdictDirection {
  /** Two repetitions agree on the direction when their keys are equal, e.g. `spread` or `fails:none x3`. */
  key: string;
  /** The claim as an action, without figures: "Spread the 10:00 digests". */
  claim: string;
  /** The figures behind it in this repetition: "every capped p95 lateness (22.3-27.6 s) below none's 51.2 s". */
  evidence: string;
}

/** The figure that decides a matrix's answer: one of the verdict's columns, and which way is better. */
export interface DecidingFigure {
  /** A `VerdictColumn.key` of the verdict. */
  column: string;
  better: 'lower' | 'higher';
}

/** A verdict rule: its words and the pure function that applies them. */
export interface VerdictRule {
  rule: string;
  /** The column the index charts for this matrix. Default: the verdict's first column, lower is better. */
  decidingFigure?: DecidingFigure;
  decide(outcomes: readonly VariantOutcome[], question: string): MatrixVerdict;
}
