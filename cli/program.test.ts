import { describe, expect, it } from 'vitest';
import { createProgram } from './program.ts';
import { BOTCAP_VERSION } from './version.ts';

function runInProcess(args: string[]): Promise<{ stdout: string; exitCode: number }> {
  const program = createProgram();
  let stdout = '';
  program.configureOutput({ writeOut: (s) => (stdout += s), writeErr: (s) => (stdout += s) });
  return program
    .parseAsync(['node', 'botcap', ...args])
    .then(() => ({ stdout, exitCode: 0 }))
    .catch((error: { exitCode?: number }) => ({ stdout, exitCode: error.exitCode ?? 1 }));
}

describe('botcap CLI', () => {
  it('prints the package version', async () => {
    const { stdout, exitCode } = await runInProcess(['--version']);
    expect(exitCode).toBe(0);
    expect(stdout.trim()).toBe(BOTCAP_VERSION);
  });

  it('lists its commands in --help', async () => {
    const { stdout } = await runInProcess(['--help']);
    expect(stdout).toContain('doctor');
  });

  it('rejects an unknown command with a non-zero exit code', async () => {
    const { stdout, exitCode } = await runInProcess(['no-such-command']);
    expect(exitCode).not.toBe(0);
    expect(stdout).toMatch(/unknown command/);
  });
});
