import { readFileSync } from 'node:fs';
import { ResultError } from '../common/errors.ts';
import { formatZodIssues } from '../common/validation.ts';
import { RUN_RESULT_SCHEMA_VERSION, type RunResult, runResultSchema } from '../contracts/run-result.ts';

/** RunResult schema versions this reader understands. Add the old one here (with a migration) on a bump. */
export const KNOWN_RUN_RESULT_SCHEMA_VERSIONS: readonly number[] = [RUN_RESULT_SCHEMA_VERSION];

/**
 * Validates an already-parsed value as a RunResult; `origin` names the file (or source) in errors.
 * Throws ResultError naming the origin, the field and the fix.
 *
 * @example
 * parseRunResult(JSON.parse(text), 'out/run.json')
 */
export function parseRunResult(value: unknown, origin: string): RunResult {
  if (value === null || typeof value !== 'object' || Array.isArray(value)) {
    throw new ResultError(
      `${origin}: not a RunResult (expected a JSON object). Pass a file written by \`botcap run\`.`,
    );
  }
  const version = (value as { schemaVersion?: unknown }).schemaVersion;
  if (typeof version !== 'number') {
    throw new ResultError(
      `${origin}: schemaVersion: missing or not a number, got ${JSON.stringify(version)}. ` +
        'Is this a RunResult? Pass a file written by `botcap run` (e.g. out/<scenario>/result.json).',
    );
  }
  if (!KNOWN_RUN_RESULT_SCHEMA_VERSIONS.includes(version)) {
    const fix =
      version > RUN_RESULT_SCHEMA_VERSION
        ? 'it was written by a newer botcap: upgrade botcap to read it'
        : 'it was written by an older botcap this version cannot read: re-run the scenario';
    throw new ResultError(
      `${origin}: schemaVersion ${version} is not supported (this botcap reads ${KNOWN_RUN_RESULT_SCHEMA_VERSIONS.join(', ')}); ${fix}.`,
    );
  }
  const parsed = runResultSchema.safeParse(value);
  if (!parsed.success) {
    const issues = formatZodIssues(parsed.error, value);
    throw new ResultError(
      `${origin}: does not match the RunResult schema v${version}:\n  ${issues.join('\n  ')}\n` +
        'Fix: regenerate it with `botcap run`, or correct the field(s) named above if the file was edited by hand.',
    );
  }
  return parsed.data;
}

/**
 * Reads and validates one RunResult JSON file.
 *
 * @example
 * const result = readRunResult('out/smoke/result.json');
 * result.latency.replyFinal.count
 */
export function readRunResult(path: string): RunResult {
  let text: string;
  try {
    text = readFileSync(path, 'utf8');
  } catch (error) {
    const code = (error as NodeJS.ErrnoException).code;
    const why = code === 'ENOENT' ? 'no such file' : code === 'EISDIR' ? 'it is a directory' : String(error);
    throw new ResultError(
      `${path}: cannot read the RunResult (${why}). Check the path; \`botcap run\` prints where it wrote the result.`,
    );
  }
  let value: unknown;
  try {
    value = JSON.parse(text);
  } catch (error) {
    throw new ResultError(
      `${path}: not valid JSON (${(error as Error).message}). The run may have been cut off while writing; re-run it.`,
    );
  }
  return parseRunResult(value, path);
}
