import { Command } from 'commander';
import { registerDoctor } from './commands/doctor.ts';
import { BOTCAP_VERSION } from './version.ts';

/**
 * Builds the `botcap` program. Tests call it in-process; each command lives in `cli/commands/<name>.ts`,
 * sets `process.exitCode` and returns, so output flushes before exit.
 */
export function createProgram(): Command {
  const program = new Command('botcap')
    .description('A capacity lab for Telegram bots on PostgreSQL and Claude.')
    .version(BOTCAP_VERSION, '-v, --version')
    .showHelpAfterError('(run botcap --help for usage)')
    .exitOverride();

  registerDoctor(program);
  return program;
}
