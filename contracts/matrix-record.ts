import { z } from 'zod';
import { MATRIX_NAMES } from './matrices.ts';

/**
 * `matrix-run.json`, beside each matrix's `verdict.json`: how that matrix's answer was produced and how
 * faithful each of its runs was. It lets the findings index be assembled from matrices run at different
 * times (`botcap matrix index`): on 2 cores the ten matrices at their default size take about five hours, so
 * they are run one or a few at a time, and the index names each one's own command, commit and date.
 */
export const MATRIX_RECORD_FILE = 'matrix-run.json';

export const MATRIX_RECORD_SCHEMA_VERSION = 1;

/** How a matrix (or `matrix all`) was produced. */
export const matrixProvenanceSchema = z.object({
  /** The command line, e.g. `botcap matrix scheduler --out /tmp/findings`. */
  command: z.string(),
  size: z.enum(['default', 'quick']),
  /** How many times each variant ran (seeds seed, seed+1, ...). */
  repetitions: z.number().int().positive(),
  /** CPU, cores, memory, OS, Node. */
  machine: z.string(),
  startedAt: z.string(),
  /** Real seconds the matrix took. */
  wallTimeS: z.number().min(0),
  /**
   * Whether the scale check was on: variants of the first repetition above 1x ran again at 1x
   * (orchestration/matrix-scale-check.ts). Absent in records written before botcap had it: off.
   */
  scaleCheck: z.boolean().optional(),
  gitCommit: z.string().nullable(),
  /**
   * Runs kept from an earlier, unfinished invocation (`--resume`): how many, their commits, the earliest one's
   * start, and the real seconds of their loads. `wallTimeS` and `gitCommit` are this invocation's. Absent:
   * every run was made by the invocation recorded here.
   */
  kept: z
    .object({
      runs: z.number().int().positive(),
      gitCommits: z.array(z.string()),
      firstStartedAt: z.string(),
      loadRealS: z.number().min(0),
    })
    .optional(),
});
export type MatrixProvenance = z.infer<typeof matrixProvenanceSchema>;

/**
 * A report written again from a matrix's saved results, without running it (`botcap matrix <name>
 * --report-only`): the runs are still `produced`'s; the verdict and the report are this command's.
 */
export const matrixReportedSchema = z.object({
  command: z.string(),
  /** When the report was written (ISO 8601). */
  at: z.string(),
  gitCommit: z.string().nullable(),
});
export type MatrixReported = z.infer<typeof matrixReportedSchema>;

/** One run's fidelity, as the index lists it. */
export const runFidelityRecordSchema = z.object({
  variant: z.string(),
  repetition: z.number().int().positive(),
  timeScale: z.number().positive(),
  /** Null for a result without a verdict. */
  status: z.enum(['ok', 'distorted']).nullable(),
  estimatedDistortionMs: z.number().nullable(),
  boundMs: z.number().nullable(),
});
export type RunFidelityRecord = z.infer<typeof runFidelityRecordSchema>;

export const matrixRecordSchema = z.object({
  schemaVersion: z.literal(MATRIX_RECORD_SCHEMA_VERSION),
  matrix: z.enum(MATRIX_NAMES),
  produced: matrixProvenanceSchema,
  /** Set when the verdict and report were written again later from the same runs (absent: by the run itself). */
  reported: matrixReportedSchema.optional(),
  /** Variant runs (over all repetitions) that failed to produce a completed run. */
  failedVariants: z.number().int().min(0),
  /** Variant runs over all repetitions. */
  variants: z.number().int().min(0),
  fidelity: z.array(runFidelityRecordSchema),
});
export type MatrixRecord = z.infer<typeof matrixRecordSchema>;
