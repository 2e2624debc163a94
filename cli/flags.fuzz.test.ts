import { type Command, CommanderError } from 'commander';
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { fuzzParameters } from '../testing/fuzz.ts';
import { createProgram } from './program.ts';

/**
 * Fuzzing the CLI's flag parsing (BOTCAP_FUZZ_RUNS argument lists, testing/fuzz.ts): the real program with every
 * command's action replaced by a no-op, so flags are parsed and checked (choices, the commands' own argument
 * parsers) without starting anything. Property: a bad command line ends in commander's usage error or one of
 * botcap's typed errors (one clear line from runProgram), never a crash (TypeError, RangeError...).
 */

/** The program with nothing to run, nothing printed, and errors thrown instead of exiting. */
function parseOnlyProgram(): Command {
  const program = createProgram();
  const quiet = (command: Command) => {
    command.exitOverride();
    command.configureOutput({ writeOut: () => undefined, writeErr: () => undefined });
    command.action(() => undefined);
    command.commands.forEach(quiet);
  };
  quiet(program);
  return program;
}

const BUILTIN_ERRORS = new Set(['Error', 'TypeError', 'RangeError', 'SyntaxError', 'ReferenceError']);

/** What runProgram turns into one clear line without a stack (cli/root.ts). */
const isClearError = (error: unknown): boolean =>
  error instanceof CommanderError ||
  (error instanceof Error && /Error$/.test(error.name) && !BUILTIN_ERRORS.has(error.name));

describe('CLI flag parsing fuzz', () => {
  const program = parseOnlyProgram();
  const commands = program.commands.map((command) => command.name());
  const flags = [
    ...new Set(program.commands.flatMap((command) => command.options.flatMap((o) => [o.long, o.short]))),
  ].filter((flag): flag is string => flag !== undefined);
  const token = fc.oneof(
    fc.constantFrom(...flags),
    fc.constantFrom(...commands),
    fc.constantFrom('--', '-', '--help', '1e12', '-1', 'NaN', '70000', '0', 'maybe', 'true', '', ' ', '10s', '90%'),
    fc.string({ maxLength: 20 }),
    fc.integer().map(String),
    fc.double().map(String),
  );

  it('every command line is parsed or refused with a clear error', async () => {
    await fc.assert(
      fc.asyncProperty(fc.constantFrom(...commands), fc.array(token, { maxLength: 8 }), async (command, args) => {
        const outcome = await parseOnlyProgram()
          .parseAsync(['node', 'botcap', command, ...args])
          .then(
            () => undefined,
            (error: unknown) => error,
          );
        if (outcome !== undefined && !isClearError(outcome)) {
          throw new Error(
            `botcap ${[command, ...args].join(' ')} crashed: ${String((outcome as Error).stack ?? outcome)}`,
          );
        }
      }),
      fuzzParameters(),
    );
    expect(commands.length).toBeGreaterThan(5);
  });
});
