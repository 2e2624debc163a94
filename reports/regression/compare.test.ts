import { describe, expect, it } from 'vitest';
import { createRng } from '../../common/random.ts';
import { mergeHistograms } from '../../contracts/histogram.ts';
import type { Fidelity, RunResult } from '../../contracts/run-result.ts';
import { evaluateThresholds } from '../../contracts/thresholds/index.ts';
import { percentileOf } from '../analysis/histogram.ts';
import { computeCost } from '../cost/compute.ts';
import { profileFromRun } from '../cost/profile.ts';
import { loadFixture } from '../fixtures/index.ts';
import { compareWithBaseline } from './compare.ts';
import { ComparisonError } from './errors.ts';
import type { RunSet } from './run-set.ts';
import { regressionChecks } from './spec.ts';
import { priced, syntheticRunHistogram, withLatency } from './testing/synthetic.ts';

const SMOKE = priced(loadFixture('smoke'));
const LATENCY = { medianMs: 400, sdLog: 0.6, samples: 5_000, autocorrelation: 0.5, runNoiseSdLog: 0.02 };

/** `runs` copies of the smoke fixture with synthetic latencies (seeds 1..runs), the candidate `shift` times slower. */
function runs(seed: number, count: number, shift = 1, fields: Partial<RunResult> = {}): RunResult[] {
  const random = createRng(seed);
  return Array.from({ length: count }, (_, i) =>
    withLatency(SMOKE, syntheticRunHistogram(random, { ...LATENCY, shift }), { seed: i + 1, ...fields }),
  );
}

function set(label: string, results: RunResult[]): RunSet {
  return { label, files: results.map((_, i) => `${label}/run-${i + 1}/result.json`), results };
}

const DISTORTED: Fidelity = {
  timeScale: 20,
  timeScaleSource: 'scenario',
  method: 'lag-x-scale',
  estimatedDistortionMs: 900,
  boundMs: 150,
  status: 'distorted',
  worstIntervals: [],
  limitingProcess: 'bot-1',
  maxFaithfulTimeScale: 4,
};

describe('compareWithBaseline', () => {
  it('passes a candidate like its baseline and fails one 30% slower, naming the figure', () => {
    const baseline = set('baseline', runs(1, 3));
    const same = compareWithBaseline(baseline, set('candidate', runs(2, 3)));
    expect(same.verdict).toMatchObject({ status: 'pass', regressed: 0 });
    expect(same.verdict.headline).toMatch(/^No regression: 4 figures within their allowances/);
    expect(same.figures.map((f) => f.check)).toEqual([
      'reply_latency:p(95)+10%',
      'reply_latency:med+500',
      'lost_updates:+0',
      'claude_cost_per_1k_updates:+5%',
    ]);
    expect(same.method).toMatch(/Welch's t-test on the per-run figures/);

    const slower = compareWithBaseline(baseline, set('candidate', runs(2, 3, 1.3)));
    expect(slower.verdict.status).toBe('fail');
    expect(slower.verdict.headline).toMatch(/^Regression: reply_latency p\(95\) \+\d+(\.\d)?% \(allowed \+10%\)/);
    const p95 = slower.figures[0]!;
    expect(p95).toMatchObject({ status: 'regressed', noise: { known: true, method: 'welch', worseBeyondNoise: true } });
    expect(p95.changeRelative).toBeGreaterThan(0.2);
    expect(p95.candidateRuns).toHaveLength(3);
  });

  it('takes a set figure from the merged histograms, not an average of percentiles', () => {
    const baseline = runs(1, 3);
    const report = compareWithBaseline(set('baseline', baseline), set('candidate', runs(2, 3)));
    const merged = mergeHistograms(baseline.map((r) => r.latency.replyFinal));
    expect(report.figures[0]!.baseline).toBe(percentileOf(merged, 95));
    expect(report.figures[0]!.baselineRuns).toEqual(baseline.map((r) => percentileOf(r.latency.replyFinal, 95)));
  });

  it("checks the candidate's budgets on every run, from the scenario or the flags", () => {
    const candidate = runs(2, 2);
    const report = compareWithBaseline(set('baseline', runs(1, 2)), set('candidate', candidate));
    expect(report.budgetsFrom).toBe('scenario smoke');
    const expected = evaluateThresholds(candidate[1]!, { reply_latency: ['p(95)<3000'] })[0]!.value;
    expect(report.budgets[0]).toMatchObject({ metric: 'reply_latency', expression: 'p(95)<3000' });
    expect(report.budgets[0]!.values[1]).toBe(expected);

    const strict = compareWithBaseline(set('baseline', runs(1, 2)), set('candidate', candidate), {
      thresholds: { reply_latency: ['p(95)<10'] },
    });
    expect(strict.budgetsFrom).toBe('--threshold');
    expect(strict.verdict).toMatchObject({ status: 'fail', budgetsFailed: 1 });
    expect(strict.verdict.headline).toMatch(/1 budget failed \(reply_latency p\(95\)<10\)/);
  });

  it('prices claude_cost_per_1k_updates as the cost report does', () => {
    const report = compareWithBaseline(set('baseline', [SMOKE]), set('candidate', [SMOKE]), {
      checks: regressionChecks(['claude_cost_per_1k_updates:+5%']),
    });
    expect(report.figures[0]!.baseline).toBe(computeCost(profileFromRun(SMOKE)).perThousandUpdatesUsd);
    expect(report.figures[0]!.unit).toBe('USD');
  });

  it('overlays each compared distribution once, marking the compared percentiles', () => {
    const report = compareWithBaseline(set('baseline', runs(1, 2)), set('candidate', runs(2, 2, 1.3)), {
      checks: regressionChecks(['reply_latency:p(95)+10%', 'reply_latency:p(99)+10%', 'lost_updates:+0']),
    });
    expect(report.distributions).toHaveLength(1);
    const overlay = report.distributions[0]!;
    expect(overlay).toMatchObject({ metric: 'reply_latency', unit: 'ms', percentiles: [95, 99] });
    for (const curve of [overlay.baseline, overlay.candidate]) {
      expect(curve.at(-1)![1]).toBe(100);
      for (let i = 1; i < curve.length; i++) expect(curve[i]![0]).toBeGreaterThanOrEqual(curve[i - 1]![0]);
    }
    const at95 = (curve: [number, number][]) => curve.find(([, p]) => p === 95)![0];
    expect(at95(overlay.candidate)).toBeGreaterThan(at95(overlay.baseline));
  });

  describe('refuses what must not be compared', () => {
    const base = runs(1, 1);
    const refuse =
      (candidate: RunResult[], baseline = base, allowDistorted = false) =>
      () =>
        compareWithBaseline(set('baseline', baseline), set('candidate', candidate), { allowDistorted });

    it('a different scenario, or the same one with a different workload', () => {
      const other = runs(1, 1, 1, { scenario: { name: 'peak-10am', resolved: SMOKE.scenario.resolved } });
      expect(refuse(other)).toThrow(ComparisonError);
      expect(refuse(other)).toThrow(/different scenarios \(smoke: baseline .*; peak-10am: candidate .*\)/);
      const bigger = runs(1, 1, 1, {
        scenario: { name: 'smoke', resolved: { ...SMOKE.scenario.resolved, load: { vus: 48 } } },
      });
      expect(refuse(bigger)).toThrow(/with a different workload than .* \(load: undefined vs \{"vus":48\}\)/);
    });

    it('different seeds, but not a side whose seeds the other side also ran', () => {
      expect(refuse(runs(1, 1, 1, { seed: 2 }))).toThrow(
        /different seeds \(baseline 1, candidate 2\), so they replayed different users.*--seed 1 --repeat 3/,
      );
      expect(() => compareWithBaseline(set('baseline', runs(1, 3)), set('candidate', runs(2, 1)))).not.toThrow();
    });

    it('different RunResult schema versions', () => {
      // Only version 1 exists today; a result of another version is what a later botcap will write.
      const newer = runs(1, 1, 1, { schemaVersion: 2 as RunResult['schemaVersion'] });
      expect(refuse(newer)).toThrow(/different RunResult schema versions \(v1: baseline .*; v2: candidate .*\)/);
    });

    it('a run that did not complete', () => {
      expect(refuse(runs(1, 1, 1, { status: 'aborted' }))).toThrow(/did not complete \(status aborted\)/);
    });

    it('a distorted run, unless asked to compare it anyway, and then says so', () => {
      const distorted = runs(1, 1, 1, { fidelity: DISTORTED });
      expect(refuse(distorted)).toThrow(
        /candidate candidate\/run-1\/result.json is distorted: the lab itself added ~900 ms per update \(bound 150 ms, limited by bot-1, faithful up to x4\).*--allow-distorted/,
      );
      expect(refuse(base, distorted)).toThrow(/baseline .* is distorted/);
      const report = refuse(distorted, base, true)();
      expect(report.notes).toContainEqual(expect.stringMatching(/Compared although candidate .* is distorted/));
      expect(report.candidate.fidelity).toEqual(['distorted']);
    });
  });

  it('notes what is allowed but worth saying', () => {
    const ok: Fidelity = { ...DISTORTED, status: 'ok', estimatedDistortionMs: 10 };
    const report = compareWithBaseline(
      set('baseline', runs(1, 1)),
      set('candidate', runs(1, 1, 1, { fidelity: ok, timeScale: 4 })),
    );
    expect(report.notes).toEqual([
      '1 of 1 baseline result(s) carry no fidelity verdict (written before botcap measured it); compared as they are.',
      expect.stringMatching(/different time scales \(x1: baseline .*; x4: candidate .*\)/),
    ]);
    const moreInstances = compareWithBaseline(
      set('baseline', runs(1, 1)),
      set(
        'candidate',
        runs(1, 1, 1, { scenario: { name: 'smoke', resolved: { ...SMOKE.scenario.resolved, bot: { instances: 2 } } } }),
      ),
    );
    expect(moreInstances.notes).toContainEqual(
      expect.stringMatching(/bot settings differ: bot: undefined vs \{"instances":2\}/),
    );
  });
});
