import { vi } from 'vitest';
import { createProgram } from '../program.ts';

/**
 * Runs `botcap <args>` in-process (the CLI is a function) and returns what it printed and its exit code.
 *
 * @example
 * const { stdout, exitCode } = await botcap('cost', '--dau', '20000');
 */
export async function botcap(...args: string[]): Promise<{ stdout: string; stderr: string; exitCode: number }> {
  let stdout = '';
  let stderr = '';
  vi.spyOn(process.stdout, 'write').mockImplementation((chunk) => {
    stdout += String(chunk);
    return true;
  });
  vi.spyOn(process.stderr, 'write').mockImplementation((chunk) => {
    stderr += String(chunk);
    return true;
  });
  process.exitCode = undefined;
  try {
    await createProgram().parseAsync(['node', 'botcap', ...args]);
  } finally {
    vi.restoreAllMocks();
  }
  const exitCode = Number(process.exitCode ?? 0);
  process.exitCode = undefined;
  return { stdout, stderr, exitCode };
}
