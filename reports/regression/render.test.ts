import { lexer, type Tokens } from 'marked';
import { describe, expect, it } from 'vitest';
import { createRng } from '../../common/random.ts';
import type { RunResult } from '../../contracts/run-result.ts';
import { loadFixture } from '../fixtures/index.ts';
import { elementsNamed, parseXml } from '../render/testing/xml.ts';
import { compareWithBaseline } from './compare.ts';
import { renderRegressionJunit } from './junit.ts';
import { renderRegressionMarkdown } from './markdown.ts';
import { REGRESSION_RENDERERS } from './renderers.ts';
import { regressionChecks } from './spec.ts';
import { syntheticRunHistogram, withLatency } from './testing/synthetic.ts';
import { formatRegressionText } from './text.ts';
import type { RegressionReport } from './types.ts';

const SMOKE = loadFixture('smoke');
const LATENCY = { medianMs: 400, sdLog: 0.6, samples: 5_000, autocorrelation: 0.5, runNoiseSdLog: 0.02 };
const HOSTILE_SCENARIO = 'smoke|<script>alert(1)</script>`**';

function runs(seed: number, count: number, shift: number, fields: Partial<RunResult> = {}): RunResult[] {
  const random = createRng(seed);
  return Array.from({ length: count }, (_, i) =>
    withLatency(SMOKE, syntheticRunHistogram(random, { ...LATENCY, shift }), { seed: i + 1, ...fields }),
  );
}

/** A comparison with one regressed figure (p95 30% slower), one ok (lost updates) and one improved (cost). */
function report(candidateShift = 1.3, fields: Partial<RunResult> = {}): RegressionReport {
  const side = (label: string, results: RunResult[]) => ({
    label,
    files: results.map((_, i) => `${label}/run-${i + 1}/result.json`),
    results,
  });
  const cheaper = { ...SMOKE.claude, byModel: {} };
  return compareWithBaseline(
    side('baseline', runs(1, 3, 1, fields)),
    side('candidate', runs(2, 3, candidateShift, { ...fields, claude: cheaper })),
    { checks: regressionChecks(['reply_latency:p(95)+10%', 'lost_updates:+0', 'claude_cost_per_1k_updates:+5%']) },
  );
}

function tokens(markdown: string): Tokens.Generic[] {
  return lexer(markdown).filter((t) => t.type !== 'space') as Tokens.Generic[];
}

describe('regression renderers, read back', () => {
  it('Markdown: the verdict on top, then one table row per figure with its arrow', () => {
    const md = renderRegressionMarkdown(report());
    const [heading, verdict, table] = tokens(md);
    expect(heading).toMatchObject({ type: 'heading', depth: 3 });
    expect(heading!.text).toBe('❌ botcap: REGRESSION against the baseline (smoke)');
    expect(verdict!.type).toBe('paragraph');
    expect(verdict!.text).toMatch(/^\*\*Regression: reply\\_latency p\(95\) \+\d+(\.\d+)?% \(allowed \+10%\)/);
    const figures = table as unknown as Tokens.Table;
    expect(figures.type).toBe('table');
    expect(figures.header.map((h) => h.text)).toEqual([
      '',
      'figure',
      'baseline',
      'candidate',
      'change',
      'allowed',
      'larger than the noise?',
    ]);
    const rows = figures.rows.map((row) => row.map((c) => c.text));
    expect(rows).toHaveLength(3);
    expect(rows[0]![0]).toBe('🔴 regressed');
    expect(rows[0]![4]).toMatch(/^▲ \+\d/);
    expect(rows[0]![6]).toMatch(/^yes \(p[=<][\d.]+; ≥ \+[\d.]+% with 95% confidence\)$/);
    expect(rows[1]!.slice(0, 2)).toEqual(['⚪ ok', 'lost\\_updates']);
    expect(rows[1]![4]).toBe('= 0');
    expect(rows[2]![0]).toBe('🟢 improved');
    expect(rows[2]![4]).toMatch(/^▼ -100%$/);
    expect(md).toMatch(/<details><summary>How this was judged<\/summary>/);
    expect(md.length).toBeLessThan(65_000);

    const pass = tokens(renderRegressionMarkdown(report(1)));
    expect(pass[0]!.text).toBe('✅ botcap: no regression against the baseline (smoke)');
  });

  it('Markdown: data from a result cannot break the table or inject HTML', () => {
    const hostile = report(1.3, { scenario: { name: HOSTILE_SCENARIO, resolved: SMOKE.scenario.resolved } });
    const md = renderRegressionMarkdown(hostile);
    expect(md).not.toContain('<script>');
    const table = tokens(md).find((t) => t.type === 'table') as unknown as Tokens.Table;
    for (const row of table.rows) expect(row).toHaveLength(7);
  });

  it('JUnit: one testcase per compared figure, a failure for the regressed one, budgets in their own suite', () => {
    const root = parseXml(renderRegressionJunit(report()));
    expect(root.attributes.tests).toBe('6');
    const [figures, budgets] = elementsNamed(root, 'testsuite');
    const cases = elementsNamed(figures!, 'testcase');
    expect(cases.map((c) => c.attributes.name)).toEqual([
      'reply_latency:p(95)+10%',
      'lost_updates:+0',
      'claude_cost_per_1k_updates:+5%',
    ]);
    const failed = cases.filter((c) => elementsNamed(c, 'failure').length > 0);
    expect(failed.map((c) => c.attributes.name)).toEqual(['reply_latency:p(95)+10%']);
    expect(elementsNamed(failed[0]!, 'failure')[0]!.attributes.message).toMatch(/regressed \+\d/);
    expect(elementsNamed(cases[1]!, 'system-out')[0]!.text).toMatch(/^ok: baseline 0 updates, candidate 0 updates/);
    // The scenario's three budgets, one case each; the totals count the regressed figure and any budget failed.
    const budgetCases = elementsNamed(budgets!, 'testcase');
    expect(budgetCases.map((c) => c.attributes.name)).toEqual([
      'reply_latency p(95)<3000',
      'lost_updates count==0',
      'duplicate_replies count==0',
    ]);
    const budgetFailures = budgetCases.filter((c) => elementsNamed(c, 'failure').length > 0).length;
    expect(Number(budgets!.attributes.failures)).toBe(budgetFailures);
    expect(Number(root.attributes.failures)).toBe(1 + budgetFailures);

    const hostile = report(1.3, { scenario: { name: HOSTILE_SCENARIO, resolved: SMOKE.scenario.resolved } });
    const parsed = parseXml(renderRegressionJunit(hostile)); // throws on a raw '<' or a bad entity
    expect(elementsNamed(parsed, 'testsuite')[0]!.attributes.name).toBe(
      `regression against the baseline: ${HOSTILE_SCENARIO}`,
    );
  });

  it('JSON: the whole report, readable back', () => {
    const r = report();
    expect(JSON.parse(REGRESSION_RENDERERS.json(r))).toEqual(JSON.parse(JSON.stringify(r)));
  });

  it('text: each figure with baseline, candidate, change, allowance and noise; the verdict last', () => {
    const text = formatRegressionText(report());
    const lines = text.trimEnd().split('\n');
    expect(lines[0]).toBe(
      'candidate (3 runs: candidate/run-1/result.json ...) against baseline (3 runs: baseline/run-1/result.json ...), scenario smoke',
    );
    expect(lines[1]).toMatch(
      /^ {2}REGRESSED +reply_latency p\(95\) +[\d.]+ (ms|s) +[\d.]+ (ms|s) +▲ \+[\d.]+% +allowed \+10% +noise: yes \(p[=<]/,
    );
    expect(lines[2]).toMatch(
      /^ {2}ok +lost_updates +0 updates +0 updates += 0 +allowed \+0 +noise: no \(the same in every run\)$/,
    );
    expect(lines.at(-1)).toMatch(/^FAIL: Regression: reply_latency p\(95\)/);
  });
});
