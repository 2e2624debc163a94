import { writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { z } from 'zod';
import { ScenarioError } from '../common/errors.ts';
import { readJsonIfAny } from '../common/read-json.ts';
import { MATRIX_NAMES } from '../contracts/matrices.ts';
import {
  MATRIX_RECORD_FILE,
  MATRIX_RECORD_SCHEMA_VERSION,
  type MatrixProvenance,
  type MatrixRecord,
  matrixRecordSchema,
} from '../contracts/matrix-record.ts';
import {
  type AssembledIndexMeta,
  asRepeated,
  INDEX_FILES,
  type IndexEntry,
  type IndexMeta,
  MATRIX_REPORT_FILES,
  type RepeatedVerdict,
  renderIndexHtml,
  renderIndexMarkdown,
} from '../reports/matrix/index.ts';
import type { MatrixRun } from './matrix.ts';

/**
 * The findings index and the record each matrix leaves beside its verdict (contracts/matrix-record.ts).
 * `botcap matrix all` writes the index from the runs it made; `botcap matrix index` assembles it from the
 * folders of matrices run one at a time, each with its own record.
 */

/**
 * What a matrix run leaves in `matrix-run.json`: how it was produced, its failures, every run's fidelity.
 *
 * @example
 * const record = matrixRecord(run, { command: 'botcap matrix breaker', size: 'default', ... });
 */
export function matrixRecord(run: MatrixRun, produced: MatrixProvenance): MatrixRecord {
  const outcomes = run.repetitions.flatMap((r) => r.outcomes);
  return {
    schemaVersion: MATRIX_RECORD_SCHEMA_VERSION,
    matrix: run.matrix.name,
    produced,
    failedVariants: outcomes.filter((o) => o.error !== null).length,
    variants: outcomes.length,
    fidelity: run.repetitions.flatMap((repetition, i) =>
      repetition.outcomes.flatMap((o) =>
        o.result === null
          ? []
          : [
              {
                variant: o.label,
                repetition: i + 1,
                timeScale: o.result.timeScale,
                status: o.result.fidelity?.status ?? null,
                estimatedDistortionMs: o.result.fidelity?.estimatedDistortionMs ?? null,
                boundMs: o.result.fidelity?.boundMs ?? null,
              },
            ],
      ),
    ),
  };
}

/** Writes `<matrixDir>/matrix-run.json`; returns its path. */
export async function writeMatrixRecord(matrixDir: string, record: MatrixRecord): Promise<string> {
  const path = join(matrixDir, MATRIX_RECORD_FILE);
  await writeFile(path, `${JSON.stringify(record, null, 2)}\n`, 'utf8');
  return path;
}

/** The index entry of a matrix from its record (`produced` set only in an assembled index). */
function entryFromRecord(verdict: RepeatedVerdict, record: MatrixRecord, assembled: boolean): IndexEntry {
  return {
    verdict,
    dir: record.matrix,
    failedVariants: record.failedVariants,
    variants: record.variants,
    wallTimeS: record.produced.wallTimeS,
    fidelity: record.fidelity,
    ...(assembled ? { produced: record.produced } : {}),
    ...(assembled && record.reported !== undefined ? { reported: record.reported } : {}),
  };
}

/**
 * Writes the findings index (`index.html`, `index.md`) of one `botcap matrix all` run into `outDir`; returns
 * the paths.
 *
 * @example
 * await writeIndex(runs.map((run) => [run, matrixRecord(run, produced)]), 'docs/findings', meta);
 */
export async function writeIndex(
  runs: ReadonlyArray<readonly [MatrixRun, MatrixRecord]>,
  outDir: string,
  meta: IndexMeta,
): Promise<string[]> {
  const entries = runs.map(([run, record]) => entryFromRecord(run.verdict, record, false));
  return writeIndexFiles(entries, outDir, meta);
}

async function writeIndexFiles(
  entries: readonly IndexEntry[],
  outDir: string,
  meta: IndexMeta | AssembledIndexMeta,
): Promise<string[]> {
  const html = join(outDir, INDEX_FILES.html);
  const md = join(outDir, INDEX_FILES.md);
  await writeFile(html, renderIndexHtml(entries, meta), 'utf8');
  await writeFile(md, renderIndexMarkdown(entries, meta), 'utf8');
  return [html, md];
}

/**
 * What the index needs of a `verdict.json`; the rest is rendered as it is. Older files (schema version 1)
 * hold a single rule's verdict, which the renderers read as one repetition.
 */
const verdictFileSchema = z
  .object({
    matrix: z.enum(MATRIX_NAMES),
    question: z.string(),
    answer: z.string(),
    figure: z.string(),
    changesIf: z.string(),
    status: z.string(),
    rows: z.array(z.unknown()),
  })
  .passthrough();

function issues(error: z.ZodError): string {
  return error.issues.map((i) => `${i.path.join('.') || '(top)'}: ${i.message}`).join('; ');
}

/** One matrix folder of an assembled index, or undefined when the folder has no verdict. */
async function readEntry(dir: string, matrix: string): Promise<IndexEntry | undefined> {
  const verdictPath = join(dir, matrix, MATRIX_REPORT_FILES.verdict);
  const raw = await readJsonIfAny(verdictPath);
  if (raw === undefined) return undefined;
  const parsed = verdictFileSchema.safeParse(raw);
  if (!parsed.success)
    throw new ScenarioError(
      `${verdictPath} is not a matrix verdict: ${issues(parsed.error)}; rerun botcap matrix ${matrix}`,
    );
  if (parsed.data.matrix !== matrix)
    throw new ScenarioError(
      `${verdictPath} is the verdict of matrix ${parsed.data.matrix}, not ${matrix}: move it to its own folder`,
    );
  // Checked above for what the index reads; the rest of the shape is the renderers' (reports/matrix/types.ts).
  const verdict = asRepeated(parsed.data as unknown as RepeatedVerdict);
  const record = await readMatrixRecord(join(dir, matrix), matrix);
  if (record === undefined)
    return { verdict, dir: matrix, failedVariants: 0, variants: 0, wallTimeS: 0, produced: null };
  return entryFromRecord(verdict, record, true);
}

/**
 * The `matrix-run.json` in a matrix's folder; undefined when there is none. Throws a ScenarioError naming
 * the file when it is not a record of that matrix.
 *
 * @example
 * (await readMatrixRecord('docs/findings/scheduler', 'scheduler'))?.produced.repetitions // 3
 */
export async function readMatrixRecord(matrixDir: string, matrix: string): Promise<MatrixRecord | undefined> {
  const recordPath = join(matrixDir, MATRIX_RECORD_FILE);
  const raw = await readJsonIfAny(recordPath);
  if (raw === undefined) return undefined;
  const record = matrixRecordSchema.safeParse(raw);
  if (!record.success)
    throw new ScenarioError(
      `${recordPath} is not a matrix record: ${issues(record.error)}; rerun botcap matrix ${matrix}`,
    );
  if (record.data.matrix !== matrix)
    throw new ScenarioError(
      `${recordPath} records matrix ${record.data.matrix}, not ${matrix}: move it to its own folder`,
    );
  return record.data;
}

/**
 * Assembles the findings index from the matrix folders in `dir` (each `<matrix>/verdict.json`, with its
 * `matrix-run.json` when it has one), in the index's order, and writes `index.html` and `index.md` there.
 * Throws a ScenarioError naming the file when one is not what a matrix run writes, or when there is none.
 *
 * @example
 * await assembleIndex('docs/findings', 'botcap matrix index --out docs/findings');
 * // ['docs/findings/index.html', 'docs/findings/index.md']
 */
export async function assembleIndex(
  dir: string,
  command: string,
  now: () => Date = () => new Date(),
): Promise<{ paths: string[]; matrices: string[] }> {
  const entries: IndexEntry[] = [];
  for (const matrix of MATRIX_NAMES) {
    const entry = await readEntry(dir, matrix);
    if (entry !== undefined) entries.push(entry);
  }
  if (entries.length === 0)
    throw new ScenarioError(
      `no matrix verdict in ${dir} (looked for <matrix>/${MATRIX_REPORT_FILES.verdict} for ${MATRIX_NAMES.join(', ')}): run botcap matrix <name> --out ${dir} first`,
    );
  const paths = await writeIndexFiles(entries, dir, { assembled: true, command, assembledAt: now().toISOString() });
  return { paths, matrices: entries.map((x) => x.verdict.matrix) };
}
