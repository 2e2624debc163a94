import { readdirSync, statSync } from 'node:fs';
import { join } from 'node:path';
import type { RunResult } from '../../contracts/run-result.ts';
import { readRunResult } from '../read.ts';
import { ComparisonError } from './errors.ts';

/** The runs on one side of a comparison: one result, or the repetitions of one (`botcap run --repeat`). */
export interface RunSet {
  /** `baseline` or `candidate`, as messages and reports name the side. */
  label: string;
  /** The file each result came from, in the same order as `results`. */
  files: string[];
  results: RunResult[];
}

/** The file `botcap run` writes a RunResult to, in its out directory (one per repetition with --repeat). */
export const RESULT_FILE_NAME = 'result.json';

/** Folders a search for results does not enter: the runs' process logs and installed packages. */
const SKIPPED_DIRECTORIES = new Set(['logs', 'node_modules', '.git']);

/**
 * Reads one side of a comparison from files and directories. A directory stands for every `result.json`
 * in it or below it (sorted by path), which is what `botcap run --out DIR --repeat N` writes and what a CI
 * artifact download unpacks; a file is read as it is.
 *
 * @example
 * readRunSet('baseline', ['artifacts/main']).results.length // 3 after `botcap run smoke --repeat 3 --out artifacts/main`
 */
export function readRunSet(label: string, paths: readonly string[]): RunSet {
  if (paths.length === 0) throw new ComparisonError(`no ${label} given: pass a result file or a directory of them`);
  const files = paths.flatMap((path) => {
    if (!isDirectory(path)) return [path];
    const found = findResults(path);
    if (found.length === 0) {
      throw new ComparisonError(
        `${label} ${path}: no ${RESULT_FILE_NAME} in it or below it; pass the directory \`botcap run --out\` wrote, or the result files`,
      );
    }
    return found;
  });
  return { label, files, results: files.map((file) => readRunResult(file)) };
}

function isDirectory(path: string): boolean {
  try {
    return statSync(path).isDirectory();
  } catch {
    return false; // readRunResult then says the file does not exist
  }
}

function findResults(directory: string): string[] {
  const found: string[] = [];
  for (const entry of readdirSync(directory, { withFileTypes: true }).sort((a, b) => a.name.localeCompare(b.name))) {
    const path = join(directory, entry.name);
    if (entry.isDirectory() && !SKIPPED_DIRECTORIES.has(entry.name)) found.push(...findResults(path));
    else if (entry.isFile() && entry.name === RESULT_FILE_NAME) found.push(path);
  }
  return found;
}
