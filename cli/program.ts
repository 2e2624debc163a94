import type { Command } from 'commander';
import { COMMANDS } from './commands/index.ts';
import { createRootCommand } from './root.ts';

// Every command module, loaded once when this module is imported: the whole program is built synchronously
// (tests, `botcap --help`). Running one command loads only that command's module (cli/main.ts).
const REGISTER_ALL = await Promise.all(Object.values(COMMANDS).map((load) => load()));

/**
 * Builds the `botcap` program with every command. Tests call it in-process; each command lives in
 * `cli/commands/<name>.ts`, sets `process.exitCode` and returns, so output flushes before exit.
 */
export function createProgram(): Command {
  const program = createRootCommand();
  for (const register of REGISTER_ALL) register(program);
  return program;
}
