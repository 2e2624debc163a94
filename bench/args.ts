/**
 * The benchmark scripts' command lines, parsed strictly before any load starts (node:util parseArgs). A benchmark
 * holds both cores for minutes and writes docs/BENCHMARKS.md: a mistyped flag must not start one on its defaults,
 * a number that is not one must not reach a measurement as NaN, and `--help` must not start one at all.
 *
 * @example
 * const args = benchCommandLine('bench/fakes.ts', {
 *   rounds: { type: 'number', integer: true, help: 'alternating rounds (default 5)' },
 *   quick: { type: 'boolean', help: 'a short run to check the method, not figures to commit' },
 * });
 * args.rounds // number | undefined
 */
import { parseArgs } from 'node:util';

/** One flag a benchmark takes: a switch, a positive number, or a word (from a list, when it has one). */
export type BenchFlag =
  | { type: 'boolean'; help: string }
  | { type: 'number'; help: string; integer?: boolean }
  | { type: 'string'; help: string; choices?: readonly string[]; valueName?: string };

type FlagValue<F extends BenchFlag> = F extends { type: 'boolean' }
  ? boolean
  : F extends { type: 'number' }
    ? number | undefined
    : F extends { choices: readonly (infer Choice)[] }
      ? Choice | undefined
      : string | undefined;

/** `--quick`, as every benchmark that has it means it. */
export const QUICK_FLAG = {
  type: 'boolean',
  help: 'a short run that checks the method (fewer, shorter rounds): not figures to commit',
} as const satisfies BenchFlag;

/** The parsed command line: switches are false when absent, numbers and words undefined. */
export type BenchArgs<Flags extends Record<string, BenchFlag>> = { [K in keyof Flags]: FlagValue<Flags[K]> };

/** A command line the script cannot take; the message says which flag and what it wants. */
export class BenchUsageError extends Error {
  override name = 'BenchUsageError';
}

/**
 * The flag bench/bundled.ts adds when a script re-runs itself from its bundle: the script's own, not the user's.
 */
const FROM_BUNDLE = /^--from-bundle=/;

/**
 * Parses `argv` (without node and the script) against `flags`; `'help'` when `--help` or `-h` is among them.
 * Throws {@link BenchUsageError} on an unknown flag, a positional argument, a flag without its value, a number
 * that is not positive (or not whole, for `integer`), or a word not among `choices`.
 */
export function parseBenchArgs<const Flags extends Record<string, BenchFlag>>(
  flags: Flags,
  argv: readonly string[],
): BenchArgs<Flags> | 'help' {
  const args = argv.filter((arg) => !FROM_BUNDLE.test(arg));
  if (args.includes('--help') || args.includes('-h')) return 'help';
  const options = Object.fromEntries(
    Object.entries(flags).map(([name, flag]) => [name, { type: flag.type === 'boolean' ? 'boolean' : 'string' }]),
  ) as Record<string, { type: 'boolean' | 'string' }>;
  let values: Record<string, string | boolean | undefined>;
  try {
    ({ values } = parseArgs({ args, options, strict: true, allowPositionals: false }));
  } catch (error) {
    // parseArgs' own wording names the flag ("Unknown option '--round'", "Option '--rounds <value>' argument
    // missing"); its advice about '--' does not apply to a benchmark.
    throw new BenchUsageError((error as Error).message.replace(/\. To specify a positional argument.*$/s, ''));
  }
  const parsed: Record<string, unknown> = {};
  for (const [name, flag] of Object.entries(flags)) {
    const value = values[name];
    if (flag.type === 'boolean') parsed[name] = value === true;
    else if (value === undefined) parsed[name] = undefined;
    else if (flag.type === 'number') parsed[name] = positiveNumber(name, String(value), flag.integer === true);
    else parsed[name] = word(name, String(value), flag.choices);
  }
  return parsed as BenchArgs<Flags>;
}

function positiveNumber(name: string, text: string, integer: boolean): number {
  const value = Number(text);
  const ok = text.trim() !== '' && Number.isFinite(value) && value > 0 && (!integer || Number.isInteger(value));
  if (!ok) throw new BenchUsageError(`--${name} ${text}: expected a positive ${integer ? 'whole number' : 'number'}`);
  return value;
}

function word(name: string, value: string, choices: readonly string[] | undefined): string {
  if (choices !== undefined && !choices.includes(value)) {
    throw new BenchUsageError(`--${name} ${value}: expected ${choices.join(' or ')}`);
  }
  return value;
}

/** The list `--help` prints: every flag with its value's shape and what it does. */
export function benchUsage(script: string, flags: Record<string, BenchFlag>): string {
  const rows = Object.entries(flags).map(([name, flag]) => {
    const shape =
      flag.type === 'boolean'
        ? ''
        : flag.type === 'number'
          ? ' <n>'
          : ` <${flag.choices?.join('|') ?? flag.valueName ?? 'value'}>`;
    return [`--${name}${shape}`, flag.help] as const;
  });
  rows.push(['--help', 'this list; nothing runs']);
  const width = Math.max(...rows.map(([left]) => left.length));
  return [
    `Usage: npx tsx ${script} [options]`,
    '',
    ...rows.map(([left, help]) => `  ${left.padEnd(width)}  ${help}`),
  ].join('\n');
}

/**
 * {@link parseBenchArgs} on this process's arguments, for a script's main: `--help` prints the usage and exits 0;
 * a command line it cannot take prints what is wrong and the usage, and exits 2, before any load starts.
 */
export function benchCommandLine<const Flags extends Record<string, BenchFlag>>(
  script: string,
  flags: Flags,
): BenchArgs<Flags> {
  let parsed: BenchArgs<Flags> | 'help';
  try {
    parsed = parseBenchArgs(flags, process.argv.slice(2));
  } catch (error) {
    if (!(error instanceof BenchUsageError)) throw error;
    process.stderr.write(`${script}: ${error.message}\n\n${benchUsage(script, flags)}\n`);
    process.exit(2);
  }
  if (parsed === 'help') {
    process.stdout.write(`${benchUsage(script, flags)}\n`);
    process.exit(0);
  }
  return parsed;
}
