import { mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, afterEach, beforeEach, describe, expect, it } from 'vitest';
import { createRng } from '../../common/random.ts';
import type { Fidelity, RunResult } from '../../contracts/run-result.ts';
import { loadFixture } from '../../reports/fixtures/index.ts';
import { syntheticRunHistogram, withLatency } from '../../reports/regression/testing/synthetic.ts';
import { botcap as inProcess } from '../testing/in-process.ts';

/**
 * `botcap gate --baseline` and `botcap report --baseline` in-process, on result files with known latency
 * distributions (the smoke fixture with synthetic HDR histograms): exit codes, what is printed, refusals.
 */

const root = mkdtempSync(join(tmpdir(), 'botcap-gate-baseline-'));
afterAll(() => rmSync(root, { recursive: true, force: true }));

const LATENCY = { medianMs: 400, sdLog: 0.6, samples: 5_000, autocorrelation: 0.5, runNoiseSdLog: 0.02 };
const OK_FIDELITY: Fidelity = {
  timeScale: 1,
  timeScaleSource: 'scenario',
  method: 'lag-x-scale',
  estimatedDistortionMs: 3,
  boundMs: 150,
  status: 'ok',
  worstIntervals: [],
  limitingProcess: 'loadgen',
};

/** Writes `count` repetitions as `botcap run --repeat` lays them out (dir/run-i/result.json); returns dir. */
function writeRuns(name: string, seed: number, count: number, shift = 1, fields: Partial<RunResult> = {}): string {
  const dir = join(root, name);
  const random = createRng(seed);
  for (let i = 0; i < count; i++) {
    const result = withLatency(loadFixture('smoke'), syntheticRunHistogram(random, { ...LATENCY, shift }), {
      seed: i + 1,
      fidelity: OK_FIDELITY,
      ...fields,
    });
    mkdirSync(join(dir, `run-${i + 1}`, 'logs'), { recursive: true });
    writeFileSync(join(dir, `run-${i + 1}`, 'result.json'), JSON.stringify(result));
  }
  return dir;
}

/** `botcap <args>` in-process. */
function botcap(args: string[]): ReturnType<typeof inProcess> {
  return inProcess(...args);
}

const baseline = writeRuns('baseline', 1, 3);
const same = writeRuns('same', 2, 3);
const slower = writeRuns('slower', 2, 3, 1.3);

describe('botcap gate --baseline', () => {
  beforeEach(() => {
    process.exitCode = undefined;
  });
  afterEach(() => {
    process.exitCode = undefined;
  });

  it('exits 0 when the candidate is like its baseline, printing each figure with both values and the noise', async () => {
    const { exitCode, stdout, stderr } = await botcap(['gate', same, '--baseline', baseline]);
    expect(stderr).toBe('');
    expect(exitCode).toBe(0);
    expect(stdout).toMatch(/^candidate \(3 runs: .*same\/run-1\/result.json \.\.\.\) against baseline \(3 runs: /);
    expect(stdout).toMatch(
      /^ {2}ok +reply_latency p\(95\) +[\d.]+ m?s +[\d.]+ m?s +[▲▼=] .* +allowed \+10% +noise: (no|yes) \(p[=<]/m,
    );
    expect(stdout).toMatch(/^ {2}ok +lost_updates +0 updates +0 updates/m);
    expect(stdout).toMatch(/^ {2}ok +claude_cost_per_1k_updates +\$[\d.]+ +\$[\d.]+/m);
    expect(stdout).toMatch(/^PASS: No regression: 4 figures within their allowances/m);
  });

  it('exits 99 on a regression larger than the noise, and names it', async () => {
    const { exitCode, stdout } = await botcap([
      'gate',
      slower,
      '--baseline',
      baseline,
      '--max-regression',
      'reply_latency:p(95)+10%',
    ]);
    expect(exitCode).toBe(99);
    expect(stdout).toMatch(
      /^ {2}REGRESSED +reply_latency p\(95\) .* ▲ \+\d+(\.\d+)?% +allowed \+10% +noise: yes \(p[=<]/m,
    );
    expect(stdout).toMatch(/^FAIL: Regression: reply_latency p\(95\) \+\d/m);
  });

  it('takes single files on either side too, and says the noise is unknown with one run each', async () => {
    const { exitCode, stdout } = await botcap([
      'gate',
      join(slower, 'run-1', 'result.json'),
      '--baseline',
      join(baseline, 'run-1', 'result.json'),
    ]);
    expect(exitCode).toBe(99);
    expect(stdout).toMatch(/noise: unknown \(one run each side\)/);
    expect(stdout).toMatch(/One run on each side: the run-to-run noise is unknown/);
  });

  it('writes the pull-request Markdown and JSON formats', async () => {
    const md = await botcap(['gate', slower, '--baseline', baseline, '--format', 'markdown']);
    expect(md.exitCode).toBe(99);
    expect(md.stdout.split('\n')[0]).toBe('### ❌ botcap: REGRESSION against the baseline (smoke)');
    const json = await botcap(['gate', same, '--baseline', baseline, '--format', 'json']);
    expect(JSON.parse(json.stdout)).toMatchObject({
      verdict: { status: 'pass' },
      baseline: { runs: 3, seeds: [1, 2, 3] },
    });
  });

  describe('exits 1 on what must not be compared, saying why', () => {
    it('a different scenario', async () => {
      const other = writeRuns('other-scenario', 3, 1, 1, {
        scenario: { name: 'peak-10am', resolved: loadFixture('smoke').scenario.resolved },
      });
      const { exitCode, stderr, stdout } = await botcap(['gate', other, '--baseline', baseline]);
      expect(exitCode).toBe(1);
      expect(stdout).toBe('');
      expect(stderr).toMatch(
        /^botcap gate: the results are of different scenarios \(smoke: baseline .*; peak-10am: candidate /,
      );
    });

    it('a different seed', async () => {
      const seed9 = writeRuns('seed-9', 4, 1, 1, { seed: 9 });
      const { exitCode, stderr } = await botcap(['gate', seed9, '--baseline', join(baseline, 'run-1')]);
      expect(exitCode).toBe(1);
      expect(stderr).toMatch(/the sides ran different seeds \(baseline 1, candidate 9\)/);
    });

    it('a result of another schema version', async () => {
      const dir = join(root, 'schema-v2');
      mkdirSync(dir, { recursive: true });
      const file = join(dir, 'result.json');
      writeFileSync(file, JSON.stringify({ ...loadFixture('smoke'), schemaVersion: 2 }));
      const { exitCode, stderr } = await botcap(['gate', same, '--baseline', file]);
      expect(exitCode).toBe(1);
      expect(stderr).toMatch(/schema-v2\/result.json: schemaVersion 2 is not supported \(this botcap reads 1\)/);
    });

    it('a distorted run, unless --allow-distorted, which then says so', async () => {
      const distorted = writeRuns('distorted', 2, 3, 1, {
        fidelity: { ...OK_FIDELITY, status: 'distorted', estimatedDistortionMs: 800, limitingProcess: 'bot-1' },
      });
      const refused = await botcap(['gate', distorted, '--baseline', baseline]);
      expect(refused.exitCode).toBe(3); // not judged: neither a pass nor a regression
      expect(refused.stderr).toMatch(
        /distorted\/run-1\/result.json, .* are distorted: the lab itself added ~800 ms per update/,
      );
      expect(refused.stderr).toMatch(/pass --allow-distorted to compare anyway/);
      const allowed = await botcap(['gate', distorted, '--baseline', baseline, '--allow-distorted']);
      expect(allowed.exitCode).toBe(0);
      expect(allowed.stdout).toMatch(/^note: Compared although candidate .* are distorted \(--allow-distorted\)/m);
    });

    it('bad flags and paths', async () => {
      const cases: [string[], RegExp][] = [
        [['gate', same, '--max-regression', 'reply_latency:p(95)+10%'], /--max-regression needs a baseline/],
        [['gate', same, join(slower, 'run-1', 'result.json')], /checks one result against thresholds, got 2/],
        [['gate', same, '--baseline', baseline, '--max-regression', 'reply_latency+10%'], /bad --max-regression/],
        [['gate', same, '--baseline', baseline, '--confidence', '2'], /--confidence must be a number in \[0.5, 1\)/],
        [
          ['gate', same, '--baseline', join(root, 'nothing-here')],
          /nothing-here: cannot read the RunResult \(no such file\)/,
        ],
        [['gate', same, '--baseline', join(baseline, 'run-1', 'logs')], /no result.json in it or below it/],
      ];
      for (const [args, message] of cases) {
        process.exitCode = undefined;
        const { exitCode, stderr } = await botcap(args);
        expect(exitCode, args.join(' ')).toBe(1);
        expect(stderr).toMatch(message);
      }
    });
  });

  it('prints a note, not a refusal, for results written before fidelity was measured', async () => {
    const old = writeRuns('no-fidelity', 5, 3, 1, { fidelity: undefined });
    const { exitCode, stdout } = await botcap(['gate', old, '--baseline', baseline]);
    expect(exitCode).toBe(0);
    expect(stdout).toMatch(/^note: 3 of 3 candidate result\(s\) carry no fidelity verdict/m);
  });
});

describe('botcap report --baseline', () => {
  it('writes the comparison as HTML, Markdown, JSON and JUnit', async () => {
    process.exitCode = undefined;
    const out = join(root, 'report');
    const { exitCode, stdout } = await botcap(['report', slower, '--baseline', baseline, '--out', out]);
    expect(exitCode).toBe(0);
    expect(stdout.trim().split('\n')).toEqual(
      ['report.html', 'summary.md', 'report.json', 'junit.xml'].map((file) => join(out, file)),
    );
    expect(readFileSync(join(out, 'summary.md'), 'utf8')).toMatch(/^### ❌ botcap: REGRESSION against the baseline/);
    expect(readFileSync(join(out, 'report.html'), 'utf8')).toMatch(/<title>Regression check: smoke<\/title>/);
    expect(JSON.parse(readFileSync(join(out, 'report.json'), 'utf8')).verdict.status).toBe('fail');
    expect(readFileSync(join(out, 'junit.xml'), 'utf8')).toMatch(/<testcase classname="botcap.regression.smoke"/);
    process.exitCode = undefined;
  });
});
