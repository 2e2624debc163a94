import { existsSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import type { RunResult } from '../contracts/run-result.ts';
import type { ScaleCheck } from '../reports/matrix/index.ts';
import { makeRun, spread, withDigests } from '../reports/matrix/testing/outcomes.ts';
import { getMatrix, variantScenario, variantSlug } from '../scenarios/matrices/index.ts';
import { type MatrixVariantStart, reportMatrixAgain, runMatrix, type ScenarioRunner } from './matrix.ts';
import { estimateMatrixRealS, estimateRunRealS } from './matrix-estimate.ts';
import { estimateKept } from './matrix-resume.ts';

/** runMatrix with runScenario replaced by a stand-in, so the plumbing is tested in milliseconds. */

const outRoot = mkdtempSync(join(tmpdir(), 'botcap-run-matrix-test-'));

/** A fidelity verdict of ok (10 ms of 150) at `timeScale`, chosen by `source`. */
function faithful(timeScale: number, source: NonNullable<RunResult['fidelity']>['timeScaleSource']) {
  return {
    timeScale,
    timeScaleSource: source,
    method: 'lab-delay-x-scale',
    estimatedDistortionMs: 10,
    boundMs: 150,
    status: 'ok',
    worstIntervals: [],
    limitingProcess: 'bot-1',
  } satisfies RunResult['fidelity'];
}
afterAll(() => rmSync(outRoot, { recursive: true, force: true }));

describe('runMatrix', () => {
  it('runs every variant in order and passes the kill to runScenario for the variants that kill an instance', async () => {
    const kills: (string | undefined)[] = [];
    const started: MatrixVariantStart[] = [];
    const recording: ScenarioRunner = async (scenario, options) => {
      kills.push(options.killInstanceAt === undefined ? undefined : JSON.stringify(options.killInstanceAt));
      return makeRun({ variant: options.variant ?? 'x', instances: scenario.bot.instances });
    };
    const matrix = getMatrix('transport');
    const run = await runMatrix(matrix, {
      size: 'default',
      repetitions: 1,
      outDir: join(outRoot, 'kills'),
      run: recording,
      onVariant: (variant) => started.push(variant),
    });
    expect(kills).toEqual([undefined, undefined, undefined, undefined, '{"fraction":0.5}', '{"fraction":0.5}']);
    expect(started.map((s) => `${s.index + 1}/${s.count} ${s.label}`)).toEqual(
      matrix.variants.map((v, i) => `${i + 1}/${matrix.variants.length} ${v.label}`),
    );
    expect(run.outcomes.map((o) => o.label)).toEqual(matrix.variants.map((v) => v.label));
  });

  it('repeats every variant with the next seed each time, and folds the repetitions into one verdict', async () => {
    const seen: Array<{ variant: string; seed: number }> = [];
    // skip-locked is the later one only with seed 2, so the rule's pick flips in one repetition of three.
    const seeded: ScenarioRunner = async (scenario, options) => {
      seen.push({ variant: options.variant ?? 'x', seed: scenario.seed });
      const late =
        scenario.bot.config.scheduler?.strategy === 'queue-worker' ? scenario.seed === 2 : scenario.seed !== 2;
      return makeRun({
        variant: options.variant ?? 'x',
        instances: scenario.bot.instances,
        config: scenario.bot.config,
        edit: (r) =>
          withDigests(r, { expected: 100, latenessMs: spread(100, 1_000, late ? 9_000 : 4_000 + scenario.seed) }),
      });
    };
    const matrix = getMatrix('scheduler');
    const out = join(outRoot, 'repeated');
    const started: MatrixVariantStart[] = [];
    const run = await runMatrix(matrix, {
      size: 'quick',
      repetitions: 3,
      outDir: out,
      run: seeded,
      onVariant: (v) => started.push(v),
    });
    const labels = run.outcomes.map((o) => o.label);
    expect(labels.length).toBeGreaterThan(1);
    // Every variant ran once per repetition, all variants of a repetition with the same seed, and the seeds differ.
    expect(seen).toEqual([1, 2, 3].flatMap((seed) => labels.map((variant) => ({ variant, seed }))));
    expect(started.map((s) => `${s.repetition}/${s.repetitions} seed ${s.seed}`)).toEqual(
      [1, 2, 3].flatMap((r) => labels.map(() => `${r}/3 seed ${r}`)),
    );
    expect(run.repetitions.map((r) => r.seed)).toEqual([1, 2, 3]);
    expect(run.verdict.repetitions).toMatchObject({ count: 3, seeds: [1, 2, 3] });
    expect(run.verdict.repetitions.winners).toEqual(run.repetitions.map((r) => r.verdict.winner));
    expect(run.verdict.status).toBe('no-stable-answer');
    expect(run.verdict.winner).toBeNull();
    // Each repetition keeps its own results and verdict; the folded verdict is the matrix's.
    for (const r of [1, 2, 3]) {
      expect(existsSync(join(out, `run-${r}`, 'verdict.json')), `run-${r}`).toBe(true);
      for (const label of labels) {
        const path = join(out, `run-${r}`, variantSlug(label), 'result.json');
        const result = JSON.parse(readFileSync(path, 'utf8')) as { variant: string };
        expect(result.variant).toBe(label);
      }
    }
    // A second run with fewer repetitions leaves none of the first one's behind.
    await runMatrix(matrix, { size: 'quick', repetitions: 1, outDir: out, run: seeded });
    expect(existsSync(join(out, 'run-1'))).toBe(false);
    expect(existsSync(join(out, variantSlug(labels[0]!), 'result.json'))).toBe(true);
    await runMatrix(matrix, { size: 'quick', repetitions: 3, outDir: out, run: seeded });
    const folded = JSON.parse(readFileSync(join(out, 'verdict.json'), 'utf8')) as typeof run.verdict;
    expect(folded.status).toBe('no-stable-answer');
    expect(folded.rows[0]!.spreads.latenessP95Ms!.n).toBe(3);
  });

  it('calibrates an auto variant once: its later repetitions run at the scale the first one chose', async () => {
    const seen: Array<{ variant: string; timeScale: number | 'auto'; source: string | undefined }> = [];
    const calibrating: ScenarioRunner = async (scenario, options) => {
      seen.push({ variant: options.variant ?? 'x', timeScale: scenario.timeScale, source: options.timeScaleSource });
      const chosen = options.variant === 'none x3' ? 4 : 6;
      const run = makeRun({ variant: options.variant ?? 'x', instances: scenario.bot.instances });
      return {
        ...run,
        timeScale: chosen,
        fidelity: faithful(chosen, 'auto'),
      };
    };
    const scheduler = getMatrix('scheduler');
    const matrix = {
      ...scheduler,
      base: (size: 'quick' | 'default') => ({ ...scheduler.base(size), timeScale: 'auto' as const }),
    };
    await runMatrix(matrix, { size: 'quick', repetitions: 3, outDir: join(outRoot, 'auto'), run: calibrating });
    const first = seen.slice(0, seen.length / 3);
    expect(first.every((s) => s.timeScale === 'auto' && s.source === undefined)).toBe(true);
    for (const later of seen.slice(first.length)) {
      expect(later).toEqual({ variant: later.variant, timeScale: later.variant === 'none x3' ? 4 : 6, source: 'auto' });
    }
  });

  describe('the scale check', () => {
    /**
     * A scheduler whose queue-worker is late only above 1x (its figure is the scale's, as pooling's PgBouncer
     * p95 was), while none x3 is as late at any scale: at 20x none x3 wins, at 1x queue-worker does.
     */
    const calls: Array<{ variant: string; timeScale: number | 'auto'; source: string | undefined; seed: number }> = [];
    const scaleSensitive: ScenarioRunner = async (scenario, options) => {
      const timeScale = scenario.timeScale === 'auto' ? 20 : scenario.timeScale;
      calls.push({
        variant: options.variant ?? 'x',
        timeScale: scenario.timeScale,
        source: options.timeScaleSource,
        seed: scenario.seed,
      });
      const queueWorker = scenario.bot.config.scheduler?.strategy === 'queue-worker';
      const p95Ms = queueWorker ? (timeScale > 1 ? 9_000 : 4_000) : 6_000;
      return makeRun({
        variant: options.variant ?? 'x',
        instances: scenario.bot.instances,
        config: scenario.bot.config,
        edit: (r) => {
          r.timeScale = timeScale;
          withDigests(r, { expected: 100, latenessMs: spread(100, 1_000, p95Ms) });
        },
      });
    };
    const matrix = getMatrix('scheduler');
    const out = join(outRoot, 'scale-check');

    it('runs each variant above 1x again at 1x; one whose figure moved uses 1x from then on, one that held keeps its scale', async () => {
      calls.length = 0;
      const started: MatrixVariantStart[] = [];
      const run = await runMatrix(matrix, {
        size: 'quick',
        repetitions: 3,
        scaleCheck: true,
        outDir: out,
        run: scaleSensitive,
        onVariant: (v) => started.push(v),
      });
      const labels = run.outcomes.map((o) => o.label);
      const queueWorker = labels.find((l) => l.startsWith('queue-worker'))!;
      const others = labels.filter((l) => l !== queueWorker);
      expect(others.length).toBeGreaterThan(0);
      // Repetition 1: every variant at its scale (20x), then again at 1x with the same seed.
      const first = calls.slice(0, 2 * labels.length);
      expect(first).toEqual(
        labels.flatMap((variant) => [
          { variant, timeScale: 20, source: undefined, seed: 1 },
          { variant, timeScale: 1, source: 'scale-check', seed: 1 },
        ]),
      );
      expect(started.filter((s) => s.scaleCheck === true).map((s) => s.label)).toEqual(labels);
      // Later repetitions: the moved variant at 1x, the ones that held at their own scale.
      for (const later of calls.slice(first.length))
        expect(later).toMatchObject(
          later.variant === queueWorker
            ? { timeScale: 1, source: 'scale-check' }
            : { timeScale: 20, source: undefined },
        );
      expect(calls.length).toBe(first.length + 2 * labels.length);

      const checks = run.scaleCheck.checks;
      expect(checks.map((c) => [c.variant, c.ranAt1x])).toEqual(labels.map((l) => [l, l === queueWorker]));
      const moved = checks.find((c) => c.variant === queueWorker)!.moved;
      expect(moved.map((m) => m.column)).toContain('latenessP95Ms');
      // The answer rests on the 1x figures, in every repetition; the one the 20x runs would have given is kept.
      expect(run.verdict.winner).toBe(queueWorker);
      expect(run.verdict.repetitions.stable).toBe(true);
      expect(run.scaleCheck.answerAtScales?.winner).not.toBe(queueWorker);
      expect(run.verdict.scaleCheck).toEqual(run.scaleCheck);
      expect(run.repetitions[0]!.outcomes.find((o) => o.label === queueWorker)!.result!.timeScale).toBe(1);

      // Both runs and the check are on disk, and the report says what moved.
      const variantDir = join(out, 'run-1', variantSlug(queueWorker));
      expect(JSON.parse(readFileSync(join(variantDir, 'result.json'), 'utf8')).timeScale).toBe(20);
      expect(JSON.parse(readFileSync(join(variantDir, 'at-1x', 'result.json'), 'utf8')).timeScale).toBe(1);
      expect(JSON.parse(readFileSync(join(variantDir, 'scale-check.json'), 'utf8'))).toMatchObject({
        variant: queueWorker,
        ranAt1x: true,
      });
      const summary = readFileSync(join(out, 'summary.md'), 'utf8');
      expect(summary).toContain('**Scale check:**');
      expect(summary).toContain(`Moved, so their figures come from 1x in every repetition: ${queueWorker}`);

      // A report written again from the saved runs settles the check the same way.
      const again = await reportMatrixAgain(matrix, { size: 'quick', repetitions: 3, outDir: out });
      expect(again.scaleCheck).toEqual(run.scaleCheck);
      expect(again.verdict.answer).toBe(run.verdict.answer);
    });

    it('compares nothing with a run at 1x that was distorted itself: the variant keeps its scale, and the report says why', async () => {
      const busyAt1x: ScenarioRunner = async (scenario, options) => {
        const result = await scaleSensitive(scenario, options);
        if (result.timeScale === 1)
          result.fidelity = {
            timeScale: 1,
            timeScaleSource: 'scale-check',
            method: 'lab-delay-x-scale',
            estimatedDistortionMs: 221,
            boundMs: 150,
            status: 'distorted',
            worstIntervals: [],
            limitingProcess: 'loadgen',
          };
        return result;
      };
      calls.length = 0;
      const dir = join(outRoot, 'scale-check-busy');
      const run = await runMatrix(matrix, {
        size: 'quick',
        repetitions: 2,
        scaleCheck: true,
        outDir: dir,
        run: busyAt1x,
      });
      expect(
        run.scaleCheck.checks.every((c) => !c.ranAt1x && c.error?.startsWith('its run at 1x was distorted too')),
      ).toBe(true);
      // No variant adopted 1x: repetition 2 plays every variant at its own scale again.
      const labels = run.outcomes.map((o) => o.label);
      expect(calls.slice(2 * labels.length).every((c) => c.timeScale === 20)).toBe(true);
      expect(readFileSync(join(dir, 'summary.md'), 'utf8')).toContain('Not compared, so they kept their first scale: ');

      // A check saved by a botcap that still compared with a distorted run at 1x, and held: read as not compared.
      const record = join(dir, 'run-1', variantSlug(labels[0]!), 'scale-check.json');
      const { error: _refused, ...heldOnIt } = JSON.parse(readFileSync(record, 'utf8')) as ScaleCheck;
      writeFileSync(record, JSON.stringify(heldOnIt));
      const again = await reportMatrixAgain(matrix, { size: 'quick', repetitions: 2, outDir: dir });
      expect(again.scaleCheck.checks[0]).toMatchObject({
        ranAt1x: false,
        error: expect.stringMatching(/distorted too/),
      });
    });

    it('is off with --quick unless asked, and the report then says its figures above 1x went unchecked', async () => {
      calls.length = 0;
      const run = await runMatrix(matrix, { size: 'quick', repetitions: 1, outDir: out, run: scaleSensitive });
      expect(calls.every((c) => c.source === undefined && c.timeScale === 20)).toBe(true);
      expect(run.scaleCheck).toEqual({ ran: false, checks: [] });
      expect(existsSync(join(out, variantSlug(run.outcomes[0]!.label), 'at-1x'))).toBe(false);
      expect(readFileSync(join(out, 'summary.md'), 'utf8')).toContain(
        '**Scale check:** not run, so figures from runs above 1x were not compared',
      );
    });
  });

  describe('--resume', () => {
    /**
     * The scheduler at `auto` (picked 20x) where queue-worker's lateness is the scale's (it moves to 1x in the
     * check), playing as runScenario records: each result carries its variant, seed and scenario. `abortAtCall`
     * plays the Ctrl-C (or the lost machine) that stopped an earlier invocation: that run ends aborted.
     */
    const resumable = (calls: string[], abortAtCall?: number): ScenarioRunner => {
      return async (scenario, options) => {
        const timeScale = scenario.timeScale === 'auto' ? 20 : scenario.timeScale;
        calls.push(`${options.variant} seed ${scenario.seed} at ${timeScale}x`);
        const queueWorker = scenario.bot.config.scheduler?.strategy === 'queue-worker';
        const p95Ms = queueWorker ? (timeScale > 1 ? 9_000 : 4_000) : 6_000 + scenario.seed;
        return makeRun({
          variant: options.variant ?? 'x',
          instances: scenario.bot.instances,
          config: scenario.bot.config,
          edit: (r) => {
            r.seed = scenario.seed;
            r.scenario = { name: scenario.name, resolved: structuredClone(scenario) as Record<string, unknown> };
            r.timeScale = timeScale;
            r.fidelity = faithful(
              timeScale,
              options.timeScaleSource ?? (scenario.timeScale === 'auto' ? 'auto' : 'scenario'),
            );
            if (calls.length === abortAtCall) r.status = 'aborted';
            withDigests(r, { expected: 100, latenessMs: spread(100, 1_000, p95Ms) });
          },
        });
      };
    };
    const scheduler = getMatrix('scheduler');
    const matrix = {
      ...scheduler,
      base: (size: 'quick' | 'default') => ({ ...scheduler.base(size), timeScale: 'auto' as const }),
    };
    const options = (outDir: string, run: ScenarioRunner) =>
      ({ size: 'quick', repetitions: 2, scaleCheck: true, outDir, run }) as const;

    it('keeps the runs an interrupted invocation made and runs only the rest, at the scales that one chose', async () => {
      const fresh: string[] = [];
      const whole = await runMatrix(matrix, options(join(outRoot, 'resume-whole'), resumable(fresh)));
      const labels = whole.outcomes.map((o) => o.label);
      const queueWorker = labels.find((l) => l.startsWith('queue-worker'))!;
      // Repetition 1: each variant at 20x and again at 1x; repetition 2: queue-worker at 1x, the rest at 20x.
      expect(fresh).toHaveLength(3 * labels.length);
      // Over a finished run, everything is kept and nothing is left.
      const all = await estimateKept(matrix, {
        size: 'quick',
        repetitions: 2,
        scaleCheck: true,
        outDir: join(outRoot, 'resume-whole'),
      });
      expect(all.runs).toBe(fresh.length);
      expect(estimateMatrixRealS(matrix, 'quick', 2, true) - all.realS).toBeCloseTo(0);

      const out = join(outRoot, 'resume');
      const first: string[] = [];
      // Stopped in repetition 2, at its second variant.
      const stopAt = 2 * labels.length + 2;
      const stopped = await runMatrix(matrix, options(out, resumable(first, stopAt)));
      expect(stopped.interrupted).toBe(true);
      expect(first).toHaveLength(stopAt);

      // Counted before the resume starts: the runs it keeps, and an estimate of the rest that is exactly the
      // estimate of the runs left (repetition 2 but its first variant).
      const kept = await estimateKept(matrix, { size: 'quick', repetitions: 2, scaleCheck: true, outDir: out });
      expect(kept.runs).toBe(stopAt - 1);
      const runS = (label: string) =>
        estimateRunRealS(variantScenario(matrix, matrix.variants.find((v) => v.label === label)!, 'quick'));
      expect(estimateMatrixRealS(matrix, 'quick', 2, true) - kept.realS).toBeCloseTo(
        labels.slice(1).reduce((sum, label) => sum + runS(label), 0),
      );

      const second: string[] = [];
      const started: MatrixVariantStart[] = [];
      const resumed = await runMatrix(matrix, {
        ...options(out, resumable(second)),
        resume: true,
        onVariant: (v) => started.push(v),
      });
      // Only what the first invocation did not finish ran: repetition 2 from its second variant on.
      expect(second).toEqual(fresh.slice(stopAt - 1));
      expect(second.some((c) => c.startsWith(queueWorker) && c.endsWith('at 1x'))).toBe(true);
      expect(started.filter((s) => s.kept === true)).toHaveLength(stopAt - 1);
      expect(resumed.kept).toMatchObject({ runs: stopAt - 1, gitCommits: ['fixture'] });
      expect(resumed.interrupted).toBe(false);
      // The same answer, check and figures as the invocation that was never stopped.
      expect(resumed.verdict.answer).toBe(whole.verdict.answer);
      expect(resumed.scaleCheck).toEqual(whole.scaleCheck);
      expect(resumed.repetitions.map((r) => r.verdict.rows)).toEqual(whole.repetitions.map((r) => r.verdict.rows));
    });

    it('runs again what it cannot keep: another scenario, another scale, an unreadable result', async () => {
      const out = join(outRoot, 'resume-changed');
      const calls: string[] = [];
      const first = await runMatrix(matrix, options(out, resumable(calls)));
      const [a, b] = first.outcomes.map((o) => o.label);
      // a's repetition-2 run was made with another population, b's at another scale than its pin (1x).
      type SavedRun = { timeScale: number; scenario: { resolved: { population: { size: number } } } };
      const edit = (label: string, change: (r: SavedRun) => void) => {
        const path = join(out, 'run-2', variantSlug(label), 'result.json');
        const result = JSON.parse(readFileSync(path, 'utf8')) as SavedRun;
        change(result);
        writeFileSync(path, JSON.stringify(result));
      };
      edit(a!, (r) => {
        r.scenario.resolved.population.size += 1;
      });
      edit(b!, (r) => {
        r.timeScale = 7;
      });
      const again: string[] = [];
      const resumed = await runMatrix(matrix, { ...options(out, resumable(again)), resume: true });
      expect(again.map((c) => c.split(' seed')[0])).toEqual([a, b]);
      expect(resumed.kept?.runs).toBe(calls.length - 2);
      // A process killed while writing its result.
      writeFileSync(join(out, 'run-2', variantSlug(a!), 'result.json'), '{"truncated');
      const third: string[] = [];
      await runMatrix(matrix, { ...options(out, resumable(third)), resume: true });
      expect(third.map((c) => c.split(' seed')[0])).toEqual([a]);
    });

    it('without it, starts over: the earlier runs are removed first', async () => {
      const out = join(outRoot, 'resume-off');
      await runMatrix(matrix, options(out, resumable([])));
      const calls: string[] = [];
      const run = await runMatrix(matrix, options(out, resumable(calls)));
      expect(calls).toHaveLength(3 * run.outcomes.length);
      expect(run.kept).toBeUndefined();
    });
  });

  it('rejects a repetition count that is not a whole number from 1', async () => {
    await expect(
      runMatrix(getMatrix('scheduler'), { size: 'quick', repetitions: 0, outDir: join(outRoot, 'zero') }),
    ).rejects.toThrow('repetitions must be a whole number >= 1, got 0');
  });
});
