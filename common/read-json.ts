import { readFile } from 'node:fs/promises';
import { ScenarioError } from './errors.ts';

/**
 * A file's JSON, or undefined when there is no such file; a ScenarioError naming the file when it is not JSON.
 * Any other read error is rethrown.
 *
 * @example
 * const record = await readJsonIfAny('out/scheduler/matrix-run.json'); // undefined before a run
 */
export async function readJsonIfAny(path: string): Promise<unknown> {
  let text: string;
  try {
    text = await readFile(path, 'utf8');
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code === 'ENOENT') return undefined;
    throw error;
  }
  try {
    return JSON.parse(text) as unknown;
  } catch (error) {
    throw new ScenarioError(`${path} is not JSON (${error instanceof Error ? error.message : String(error)})`);
  }
}
