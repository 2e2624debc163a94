import { CommanderError } from 'commander';
import { createProgram } from './program.ts';

/** Entry point of the `botcap` binary: parses argv, maps errors to exit codes, never prints a stack for user errors. */
export async function main(argv: readonly string[]): Promise<void> {
  const program = createProgram();
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
