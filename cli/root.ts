import { Command, CommanderError } from 'commander';
import { BOTCAP_VERSION } from '../contracts/version.ts';

/**
 * The bare `botcap` program, without its commands: `createProgram()` adds every command to it, `botcap <command>`
 * only the one it runs (cli/main.ts), so that both print the same usage and errors.
 */
export function createRootCommand(): Command {
  return new Command('botcap')
    .description('A capacity lab for Telegram bots on PostgreSQL and Claude.')
    .version(BOTCAP_VERSION, '-v, --version')
    .showHelpAfterError('(run botcap --help for usage)')
    .exitOverride();
}

/**
 * Parses `argv` with `program` and turns the outcome into `process.exitCode`: commander's own exit code for a
 * usage error or --help, 1 with a one-line message for an error (a stack only for an unexpected one).
 */
export async function runProgram(program: Command, argv: readonly string[]): Promise<void> {
  try {
    await program.parseAsync([...argv]);
  } catch (error) {
    if (error instanceof CommanderError) {
      process.exitCode = error.exitCode;
      return;
    }
    const known = error instanceof Error && /Error$/.test(error.name) && error.name !== 'Error';
    process.stderr.write(`botcap: ${error instanceof Error ? error.message : String(error)}\n`);
    if (!known && error instanceof Error && error.stack) process.stderr.write(`${error.stack}\n`);
    process.exitCode = 1;
  }
}
