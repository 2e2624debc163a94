import { describe, expect, it } from 'vitest';
import { BOTCAP_VERSION } from '../contracts/version.ts';
import { COMMANDS } from './commands/index.ts';
import { programFor } from './main.ts';
import { createProgram } from './program.ts';

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

  it('runs `botcap <command>` with that command alone, whose help is the same as in the whole program', async () => {
    const whole = createProgram();
    expect(whole.commands.map((c) => c.name())).toEqual(Object.keys(COMMANDS));
    for (const full of whole.commands) {
      const program = await programFor(['node', 'botcap', full.name(), '--help']);
      expect(program.commands.map((c) => c.name())).toEqual([full.name()]);
      expect(program.commands[0]!.helpInformation()).toBe(full.helpInformation());
    }
  });

  it('builds the whole program for --help and for a command it does not know, so it can list and suggest', async () => {
    for (const args of [['--help'], ['help', 'bot'], ['botx'], []]) {
      const program = await programFor(['node', 'botcap', ...args]);
      expect(program.commands.map((c) => c.name())).toEqual(Object.keys(COMMANDS));
    }
  });
});
