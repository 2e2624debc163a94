import { describe, expect, it } from 'vitest';
import { type BenchFlag, BenchUsageError, benchUsage, parseBenchArgs } from './args.ts';

const FLAGS = {
  'duration-s': { type: 'number', help: 'measured seconds per round (default 5)' },
  rounds: { type: 'number', integer: true, help: 'alternating rounds (default 5)' },
  only: { type: 'string', choices: ['telegram', 'claude'], help: 'one fake only' },
  before: { type: 'string', valueName: 'commit|none', help: 'the earlier bot' },
  quick: { type: 'boolean', help: 'a short run to check the method' },
} as const satisfies Record<string, BenchFlag>;

const refusal = (argv: string[]) => {
  try {
    parseBenchArgs(FLAGS, argv);
  } catch (error) {
    expect(error).toBeInstanceOf(BenchUsageError);
    return (error as Error).message;
  }
  throw new Error(`${argv.join(' ')} was taken`);
};

describe('a benchmark command line', () => {
  it('gives numbers, words and switches, both spellings of a value, and leaves out what was not given', () => {
    expect(parseBenchArgs(FLAGS, ['--rounds', '7', '--duration-s=2.5', '--only', 'claude', '--quick'])).toEqual({
      'duration-s': 2.5,
      rounds: 7,
      only: 'claude',
      before: undefined,
      quick: true,
    });
    expect(parseBenchArgs(FLAGS, [])).toEqual({
      'duration-s': undefined,
      rounds: undefined,
      only: undefined,
      before: undefined,
      quick: false,
    });
  });

  it('refuses a mistyped flag, naming it, rather than run on the defaults', () => {
    expect(refusal(['--round', '7'])).toMatch(/--round\b/);
    expect(refusal(['7'])).toMatch(/7/);
  });

  it('refuses a number that is not a positive one, or not whole where a count is wanted', () => {
    expect(refusal(['--rounds', 'seven'])).toBe('--rounds seven: expected a positive whole number');
    expect(refusal(['--rounds', '0'])).toBe('--rounds 0: expected a positive whole number');
    expect(refusal(['--rounds', '2.5'])).toBe('--rounds 2.5: expected a positive whole number');
    expect(refusal(['--duration-s', '-1'])).toMatch(/--duration-s/);
    expect(refusal(['--duration-s='])).toBe('--duration-s : expected a positive number');
  });

  it('refuses a word outside the choices, listing them, and a flag missing its value', () => {
    expect(refusal(['--only', 'bot'])).toBe('--only bot: expected telegram or claude');
    expect(refusal(['--rounds'])).toMatch(/--rounds/);
    expect(refusal(['--quick=yes'])).toMatch(/--quick/);
  });

  it('answers --help before anything else, and takes the flag a script adds when it re-runs from its bundle', () => {
    expect(parseBenchArgs(FLAGS, ['--rounds', 'x', '--help'])).toBe('help');
    expect(parseBenchArgs(FLAGS, ['-h'])).toBe('help');
    expect(parseBenchArgs(FLAGS, ['--rounds', '3', '--from-bundle=bench/loadgen.ts'])).toMatchObject({ rounds: 3 });
  });

  it('lists every flag with the shape of its value', () => {
    const usage = benchUsage('bench/fakes.ts', FLAGS);
    expect(usage).toContain('Usage: npx tsx bench/fakes.ts [options]');
    expect(usage).toMatch(/--rounds <n> +alternating rounds \(default 5\)/);
    expect(usage).toMatch(/--only <telegram\|claude> +one fake only/);
    expect(usage).toMatch(/--before <commit\|none> +the earlier bot/);
    expect(usage).toMatch(/--quick +a short run/);
    expect(usage).toMatch(/--help +this list; nothing runs/);
  });
});
