import { existsSync, mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Command } from 'commander';
import { afterAll, afterEach, describe, expect, it, vi } from 'vitest';
import { MATRIX_NAMES } from '../../contracts/matrices.ts';
import { runResultSchema } from '../../contracts/run-result.ts';
import type { ScenarioRunner } from '../../orchestration/matrix.ts';
import { estimateMatrixRealS } from '../../orchestration/matrix-estimate.ts';
import { makeRun, spread, withDigests } from '../../reports/matrix/testing/outcomes.ts';
import type { MatrixVerdict } from '../../reports/matrix/types.ts';
import { getMatrix, MATRIX_REPETITIONS } from '../../scenarios/matrices/index.ts';
import type { Scenario } from '../../scenarios/schema.ts';
import { createProgram } from '../program.ts';
import { estimateLine, formatMatrixList, registerMatrix } from './matrix.ts';

/**
 * `botcap matrix` in-process, with runScenario replaced by a function that returns a RunResult shaped by the
 * variant's knobs, so the matrix plumbing is tested in milliseconds. The real `botcap matrix all --quick`
 * is matrix.e2e.test.ts.
 */

const outRoot = mkdtempSync(join(tmpdir(), 'botcap-matrix-test-'));
afterAll(() => rmSync(outRoot, { recursive: true, force: true }));
afterEach(() => {
  process.exitCode = undefined;
});

async function cli(
  args: string[],
  run?: ScenarioRunner,
): Promise<{ exitCode: number; stdout: string; stderr: string }> {
  let stdout = '';
  let stderr = '';
  // Each call's own exit code: an earlier call's in the same test must not show through.
  process.exitCode = undefined;
  const out = vi.spyOn(process.stdout, 'write').mockImplementation((chunk) => {
    stdout += String(chunk);
    return true;
  });
  const err = vi.spyOn(process.stderr, 'write').mockImplementation((chunk) => {
    stderr += String(chunk);
    return true;
  });
  try {
    let program: Command;
    if (run === undefined) program = createProgram();
    else {
      program = new Command('botcap').exitOverride();
      registerMatrix(program, run);
    }
    await program.parseAsync(['node', 'botcap', 'matrix', ...args]);
  } finally {
    out.mockRestore();
    err.mockRestore();
  }
  return { exitCode: Number(process.exitCode ?? 0), stdout, stderr };
}

/** Stands in for runScenario: `none` duplicates every digest, the others deliver each once. */
const stubRunner: ScenarioRunner = async (scenario: Scenario, options) => {
  const strategy = scenario.bot.config.scheduler?.strategy;
  if (strategy === 'redis-lock') throw new Error('redis-server is not on PATH; install redis or pass --redis-url');
  return makeRun({
    variant: options.variant ?? 'x',
    instances: scenario.bot.instances,
    config: scenario.bot.config,
    edit: (r) =>
      withDigests(r, {
        expected: 200,
        duplicated: strategy === 'none' ? 200 : 0,
        latenessMs: spread(200, 1_000, 20_000),
      }),
  });
};

function readVerdict(dir: string): MatrixVerdict {
  return JSON.parse(readFileSync(join(dir, 'verdict.json'), 'utf8')) as MatrixVerdict;
}

describe('botcap matrix (stubbed runs)', () => {
  it('--list names every matrix with its variants and estimated wall time', async () => {
    const { stdout, exitCode } = await cli(['--list']);
    expect(exitCode).toBe(0);
    expect(stdout).toBe(formatMatrixList());
    expect(stdout.split('\n').filter(Boolean)).toHaveLength(MATRIX_NAMES.length + 3);
    expect(stdout).toMatch(/^index +no run: index\.html \+ index\.md from the matrix folders already in --out/m);
    expect(stdout).toMatch(
      /^transport +Long polling or webhooks, and when\? +6 variants \(1 in --quick\), ~\d+ (s|min) \/ quick ~\d+ (s|min)$/m,
    );
    expect(stdout).toMatch(new RegExp(`^all +the ${MATRIX_NAMES.length} in order`, 'm'));
  });

  it('rejects an unknown matrix with the list of known ones', async () => {
    const { stderr, exitCode } = await cli(['nope'], stubRunner);
    expect(exitCode).toBe(1);
    expect(stderr).toContain("unknown matrix 'nope'; use one of transport, sessions, scheduler, llm-cost");
  });

  it('runs each variant, writes its result, and keeps a failed variant as failed', async () => {
    const out = join(outRoot, 'stub');
    const { exitCode, stdout, stderr } = await cli(['scheduler', '--repeat', '1', '--out', out], stubRunner);
    expect(exitCode).toBe(1);
    expect(stderr).toContain(
      'botcap matrix: 2 variant(s) failed: redis-lock x3, redis-lock x5, one killed at the peak',
    );
    const dir = join(out, 'scheduler');
    const parsed = runResultSchema.parse(JSON.parse(readFileSync(join(dir, 'none-x3', 'result.json'), 'utf8')));
    expect(parsed.variant).toBe('none x3');
    expect(JSON.parse(readFileSync(join(dir, 'redis-lock-x3', 'error.json'), 'utf8'))).toEqual({
      variant: 'redis-lock x3',
      error: 'redis-server is not on PATH; install redis or pass --redis-url',
    });
    expect(stdout.split('\n')).toContain(join(dir, 'report.html'));
    const verdict = readVerdict(dir);
    expect(verdict.rows.map((r) => r.variant)).toEqual(getMatrix('scheduler').variants.map((v) => v.label));
    expect(verdict.rows.find((r) => r.variant === 'redis-lock x3')?.status).toBe('failed');
    expect(verdict.sentences).toContainEqual(expect.stringMatching(/^none x3 fails: 200 duplicated/));
    expect(readFileSync(join(dir, 'summary.md'), 'utf8')).toContain('### Matrix scheduler: the verdict');
  });

  it('--report-only decides and writes the report again from the saved results, running nothing', async () => {
    const out = join(outRoot, 'again');
    await cli(['scheduler', '--quick', '--repeat', '2', '--out', out], stubRunner);
    const dir = join(out, 'scheduler');
    const first = readVerdict(dir);
    const record = JSON.parse(readFileSync(join(dir, 'matrix-run.json'), 'utf8')) as Record<string, unknown>;
    // A rule change after the run, in effect: the saved verdict and report are stale.
    writeFileSync(join(dir, 'verdict.json'), JSON.stringify({ ...first, answer: 'stale' }));
    writeFileSync(join(dir, 'summary.md'), 'stale');
    const never: ScenarioRunner = async () => {
      throw new Error('--report-only ran a scenario');
    };
    const { exitCode, stdout, stderr } = await cli(['scheduler', '--report-only', '--out', out], never);
    expect({ exitCode, stderr }).toMatchObject({ exitCode: 0 });
    expect(stderr).toContain('(from the saved results)');
    const again = readVerdict(dir);
    expect(again.answer).toBe(first.answer);
    expect(again.rows).toEqual(first.rows);
    expect(readFileSync(join(dir, 'summary.md'), 'utf8')).toContain('### Matrix scheduler: the verdict');
    expect(stdout.split('\n')).toContain(join(dir, 'matrix-run.json'));
    // The record keeps how the runs were produced and says what wrote the report.
    const after = JSON.parse(readFileSync(join(dir, 'matrix-run.json'), 'utf8')) as Record<string, unknown>;
    expect(after.produced).toEqual(record.produced);
    expect(after.fidelity).toEqual(record.fidelity);
    expect(after.reported).toMatchObject({ command: `botcap matrix scheduler --report-only --out ${out}` });

    // The saved run decides size and repetitions; a folder with a variant missing is named, not guessed.
    const conflict = await cli(['scheduler', '--report-only', '--repeat', '3', '--out', out], never);
    expect(conflict.exitCode).toBe(1);
    expect(conflict.stderr).toContain('holds a quick-size run with 2 repetitions; drop --quick / --repeat');
    rmSync(join(dir, 'run-2', 'none-x3'), { recursive: true });
    const missing = await cli(['scheduler', '--report-only', '--out', out], never);
    expect(missing.exitCode).toBe(1);
    expect(missing.stderr).toContain(`${join(dir, 'run-2', 'none-x3')} holds neither result.json nor error.json`);
    // all: every folder with a record, then the index, which says who wrote the report again.
    await cli(['breaker', '--quick', '--out', out], stubRunner);
    const all = await cli(['all', '--report-only', '--out', out], never);
    expect(all.stderr).toContain('scheduler');
    expect(all.exitCode).toBe(1);
    rmSync(join(out, 'scheduler'), { recursive: true });
    const allAgain = await cli(['all', '--report-only', '--out', out], never);
    expect(allAgain.exitCode).toBe(0);
    const index = readFileSync(join(out, 'index.md'), 'utf8');
    expect(index).toMatch(
      /- breaker: .*`botcap matrix breaker --quick --out .*`.*; verdict and report written again from those runs by `botcap matrix all --report-only --out /,
    );
    const none = await cli(['pooling', '--report-only', '--out', out], never);
    expect(none.stderr).toContain(
      'matrix-run.json not found: --report-only needs the folder a finished botcap matrix pooling run wrote',
    );
  });

  it('--resume keeps the completed runs of a run that stopped, runs the rest and records what it kept', async () => {
    const out = join(outRoot, 'resume');
    // As runScenario records them: each result names its seed and the scenario it ran.
    const recording: ScenarioRunner = async (scenario, options) => ({
      ...(await stubRunner(scenario, options)),
      seed: scenario.seed,
      scenario: { name: scenario.name, resolved: structuredClone(scenario) as Record<string, unknown> },
    });
    await cli(['scheduler', '--quick', '--repeat', '2', '--out', out], recording);
    const dir = join(out, 'scheduler');
    // The run the lost machine never finished.
    rmSync(join(dir, 'run-2', 'queue-worker-x3'), { recursive: true });
    const ran: string[] = [];
    const { exitCode, stderr } = await cli(
      ['scheduler', '--quick', '--repeat', '2', '--resume', '--out', out],
      async (scenario, options) => {
        ran.push(`${options.variant} seed ${scenario.seed}`);
        return recording(scenario, options);
      },
    );
    expect({ exitCode, stderr }).toMatchObject({ exitCode: 0 });
    expect(ran).toEqual(['queue-worker x3 seed 2']);
    expect(stderr).toContain("repetition 1/2 (seed 1), variant 1/2 'none x3': kept from the earlier run");
    const record = JSON.parse(readFileSync(join(dir, 'matrix-run.json'), 'utf8')) as {
      produced: { command: string; kept?: { runs: number } };
    };
    expect(record.produced.command).toBe(`botcap matrix scheduler --quick --repeat 2 --resume --out ${out}`);
    expect(record.produced.kept).toMatchObject({ runs: 3 });
    await cli(['index', '--out', out]);
    expect(readFileSync(join(out, 'index.md'), 'utf8')).toContain('; 3 runs kept from an earlier invocation (commit ');

    const both = await cli(['scheduler', '--report-only', '--resume', '--out', out], recording);
    expect(both.exitCode).toBe(1);
    expect(both.stderr).toContain('--report-only runs nothing and --resume runs what is missing: pick one');
  });

  it('all --quick writes every matrix and one index page', async () => {
    const out = join(outRoot, 'all');
    await cli(['all', '--quick', '--out', out], stubRunner);
    for (const name of MATRIX_NAMES) {
      expect(existsSync(join(out, name, 'report.html')), name).toBe(true);
    }
    const index = readFileSync(join(out, 'index.md'), 'utf8');
    expect(index).toContain(`Produced by \`botcap matrix all --quick --out ${out}\` (quick size)`);
    expect(index.split('\n').filter((l) => l.startsWith('| ['))).toHaveLength(MATRIX_NAMES.length);
    expect(readFileSync(join(out, 'index.html'), 'utf8')).toContain('<a href="pooling/report.html">');
    // The memo on top: one recommendation per question, each with its confidence, before the detail table.
    const memo = index.slice(index.indexOf('## What to do'), index.indexOf('## The answers in detail'));
    expect(memo.split('\n').filter((l) => l.startsWith('### '))).toHaveLength(MATRIX_NAMES.length);
    expect(memo.split('\n').filter((l) => l.startsWith('Confidence: '))).toHaveLength(MATRIX_NAMES.length);
  });

  it('index assembles the findings from matrices run one at a time, each naming how it was produced', async () => {
    const out = join(outRoot, 'parts');
    for (const name of ['pooling', 'breaker', 'signals']) await cli([name, '--quick', '--out', out], stubRunner);
    const record = JSON.parse(readFileSync(join(out, 'breaker', 'matrix-run.json'), 'utf8'));
    expect(record).toMatchObject({
      matrix: 'breaker',
      produced: { command: `botcap matrix breaker --quick --out ${out}`, size: 'quick', repetitions: 1 },
      failedVariants: 0,
    });
    expect(record.fidelity.length).toBe(record.variants);
    // A folder from before matrix-run.json: its verdict still counts, and the index says how little is known.
    rmSync(join(out, 'signals', 'matrix-run.json'));
    const { exitCode, stdout, stderr } = await cli(['index', '--out', out], stubRunner);
    expect(exitCode).toBe(0);
    expect(stderr).toContain('3 matrices (breaker, pooling, signals)');
    const index = readFileSync(join(out, 'index.md'), 'utf8');
    expect(stdout.split('\n')).toContain(join(out, 'index.md'));
    expect(index).toContain(`Assembled by \`botcap matrix index --out ${out}\``);
    expect(index).toContain('(1 predate that record and say so)');
    expect(index.split('\n').filter((l) => l.startsWith('| ['))).toHaveLength(3);
    const produced = index.slice(index.indexOf('## How each was produced'));
    expect(produced).toContain(
      `- breaker: [HTML report](breaker/report.html), [Markdown](breaker/summary.md), \`botcap matrix breaker --quick --out ${out}\` (quick size, 1 repetition)`,
    );
    expect(produced).toMatch(/- signals: .*how it was produced was not recorded/);
    expect(readFileSync(join(out, 'index.html'), 'utf8')).toContain('How each was produced');
  });

  it('index names the file that is not what a matrix run writes, and an empty folder', async () => {
    const out = join(outRoot, 'broken');
    await cli(['pooling', '--quick', '--out', out], stubRunner);
    writeFileSync(join(out, 'pooling', 'matrix-run.json'), '{"schemaVersion": 1}');
    const broken = await cli(['index', '--out', out], stubRunner);
    expect(broken.exitCode).toBe(1);
    expect(broken.stderr).toContain(`${join(out, 'pooling', 'matrix-run.json')} is not a matrix record: matrix:`);
    const empty = join(outRoot, 'empty');
    mkdirSync(empty, { recursive: true });
    const none = await cli(['index', '--out', empty], stubRunner);
    expect(none.exitCode).toBe(1);
    expect(none.stderr).toContain(`no matrix verdict in ${empty}`);
  });

  it('rejects a --repeat that is not a whole number from 1, saying what it expects', async () => {
    for (const bad of ['0', '-2', '1.5', 'three']) {
      const runs: string[] = [];
      const counting: ScenarioRunner = async (scenario, options) => {
        runs.push(options.variant ?? 'x');
        return stubRunner(scenario, options);
      };
      const program = new Command('botcap').exitOverride().configureOutput({ writeErr: () => undefined });
      registerMatrix(program, counting);
      await expect(
        program.parseAsync(['node', 'botcap', 'matrix', 'scheduler', '--repeat', bad, '--out', join(outRoot, 'bad')]),
      ).rejects.toThrow(`expected a whole number of repetitions >= 1, got '${bad}'`);
      expect(runs, bad).toEqual([]);
    }
  });

  it('runs each variant --repeat times, prints an estimate that counts them, and folds the verdicts', async () => {
    const out = join(outRoot, 'repeat');
    const seeds: number[] = [];
    const seeded: ScenarioRunner = async (scenario, options) => {
      seeds.push(scenario.seed);
      return stubRunner(scenario, options);
    };
    const { stderr } = await cli(['scheduler', '--quick', '--repeat', '2', '--out', out], seeded);
    const matrix = getMatrix('scheduler');
    const line = estimateLine(matrix, 'quick', 2);
    expect(stderr).toContain(line);
    expect(line).toContain('x 2 repetitions');
    expect(estimateMatrixRealS(matrix, 'quick', 2)).toBeCloseTo(2 * estimateMatrixRealS(matrix, 'quick', 1));
    expect(stderr).toMatch(/repetition 2\/2 \(seed 2\), variant 1\//);
    expect(new Set(seeds)).toEqual(new Set([1, 2]));
    const verdict = readVerdict(join(out, 'scheduler')) as MatrixVerdict & { repetitions: { count: number } };
    expect(verdict.repetitions.count).toBe(2);
    expect(existsSync(join(out, 'scheduler', 'run-2', 'verdict.json'))).toBe(true);
  });

  it('--scale-check runs the variants above 1x again at 1x and records it; --no-scale-check does not', async () => {
    // The stub's runs say they played at the scenario's scale (20x with --quick, 1x when told 1).
    const scaled: ScenarioRunner = async (scenario, options) => {
      const result = await stubRunner(scenario, options);
      return { ...result, timeScale: scenario.timeScale === 'auto' ? 2 : scenario.timeScale };
    };
    const checked = join(outRoot, 'scale-check');
    const on = await cli(['scheduler', '--quick', '--scale-check', '--out', checked], scaled);
    expect(on.stderr).toMatch(/variant 1\/\d+ 'none x3' again at 1x \(scale check\)/);
    expect(on.stderr).toContain('matrix scheduler: scale check: the ');
    const record = JSON.parse(readFileSync(join(checked, 'scheduler', 'matrix-run.json'), 'utf8'));
    expect(record.produced).toMatchObject({ scaleCheck: true });
    expect(record.produced.command).toBe(`botcap matrix scheduler --quick --scale-check --out ${checked}`);
    expect(existsSync(join(checked, 'scheduler', 'none-x3', 'at-1x', 'result.json'))).toBe(true);

    const unchecked = join(outRoot, 'no-scale-check');
    const off = await cli(['scheduler', '--repeat', '1', '--no-scale-check', '--out', unchecked], scaled);
    expect(off.stderr).not.toContain('again at 1x');
    const offRecord = JSON.parse(readFileSync(join(unchecked, 'scheduler', 'matrix-run.json'), 'utf8'));
    expect(offRecord.produced).toMatchObject({ scaleCheck: false });
    expect(offRecord.produced.command).toContain(' --no-scale-check ');
    expect(readFileSync(join(unchecked, 'scheduler', 'summary.md'), 'utf8')).toContain('**Scale check:** not run');
  });

  it("counts the scale check in a matrix's estimate when it has variants expected above 1x", () => {
    // slot-cap's variants are auto and expected at 2x; pooling's all run at 1x, so nothing to check there.
    const slotCap = getMatrix('slot-cap');
    expect(estimateLine(slotCap, 'default', 3)).toMatch(/x 3 repetitions and the scale check, ~\d+ (s|min) estimated$/);
    expect(estimateLine(slotCap, 'default', 3, false)).not.toContain('scale check');
    expect(estimateLine(getMatrix('pooling'), 'default', 3)).not.toContain('scale check');
    // --resume: what it keeps, and the estimate of the rest (the whole when the kept runs save nothing, none when they save it all).
    const nothingSaved = estimateLine(slotCap, 'default', 3, true, { runs: 7, realS: 0 });
    const [whole, left] = nothingSaved
      .match(/, (~\d+ (?:s|min)) estimated; 7 runs kept, (~\d+ (?:s|min)) left$/)!
      .slice(1);
    expect(left).toBe(whole);
    const wholeS = estimateMatrixRealS(slotCap, 'default', 3);
    expect(estimateLine(slotCap, 'default', 3, true, { runs: 1, realS: wholeS })).toMatch(/; 1 run kept, ~0 s left$/);
    expect(estimateMatrixRealS(slotCap, 'default')).toBeGreaterThan(estimateMatrixRealS(slotCap, 'default', 3, false));
  });

  it('repeats each variant by default and once with --quick', () => {
    expect(MATRIX_REPETITIONS.default).toBeGreaterThan(1);
    expect(MATRIX_REPETITIONS.quick).toBe(1);
    expect(formatMatrixList()).toContain(`each variant runs ${MATRIX_REPETITIONS.default} times by default`);
  });
});
