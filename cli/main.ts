import type { Command } from 'commander';
import { COMMANDS, isCommandName } from './commands/index.ts';
import { createRootCommand, runProgram } from './root.ts';

/** Entry point of the `botcap` binary: parses argv, maps errors to exit codes, never prints a stack for user errors. */
export async function main(argv: readonly string[]): Promise<void> {
  await runProgram(await programFor(argv), argv);
}

/**
 * `botcap <command> ...` gets a program with that one command, whose module alone is imported; anything else
 * (`--help`, `help <command>`, `--version`, an unknown command) gets the whole program, which lists and suggests.
 */
export async function programFor(argv: readonly string[]): Promise<Command> {
  const name = argv[2];
  if (!isCommandName(name)) return (await import('./program.ts')).createProgram();
  const program = createRootCommand();
  (await COMMANDS[name]())(program);
  return program;
}
