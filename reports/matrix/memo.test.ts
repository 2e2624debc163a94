import { describe, expect, it } from 'vitest';
import { escapeHtml, escapeMarkdownText } from '../render/escape.ts';
import { renderIndexHtml, renderIndexMarkdown } from './index-page.ts';
import { chartCaption, confidenceOf, decidingChart, memoItems, textBars } from './memo.ts';
import { foldRepetitions } from './repetitions.ts';
import { VERDICT_RULES } from './rules/index.ts';
import { failed, schedulerRepetition } from './testing/outcomes.ts';
import { MATRIX_VERDICT_SCHEMA_VERSION, type MatrixVerdict } from './types.ts';
import { decideMatrix } from './verdicts.ts';
import { renderMatrixReport } from './write.ts';

const QUESTION = 'Where does the scheduler live with 5-10 instances?';

const scheduler = schedulerRepetition;

const META = {
  command: 'botcap matrix all --out docs/findings',
  size: 'default' as const,
  machine: 'Test CPU x2',
  startedAt: '2026-12-03T10:00:00.000Z',
  wallTimeS: 600,
  gitCommit: 'abc123',
  repetitions: 3,
};

const okRuns = (n: number) => Array.from({ length: n }, () => ({ status: 'ok' as const }));
const fidelity = (n: number, distorted = 0) =>
  Array.from({ length: n }, (_, i) => ({
    variant: `v${i}`,
    repetition: 1,
    timeScale: 5,
    status: i < distorted ? ('distorted' as const) : ('ok' as const),
    estimatedDistortionMs: 10,
    boundMs: 150,
  }));

/** A verdict of a matrix the memo has never heard of: the memo must need nothing beyond the verdict. */
function foreignVerdict(): MatrixVerdict {
  return {
    schemaVersion: MATRIX_VERDICT_SCHEMA_VERSION,
    matrix: 'monitoring',
    question: 'How is the team told about an error storm?',
    rule: 'fewest alerts lost wins',
    status: 'answered',
    answer: 'sentry: 0 alerts lost.',
    recommendation: 'Send errors to Sentry: no alert was lost in the storm.',
    decidingFigure: { column: 'alertsLost', better: 'lower' },
    figure: '0 vs 40',
    changesIf: 'never',
    sentences: [],
    expectations: [],
    winner: 'sentry',
    columns: [
      { key: 'notifyMs', label: 'time to tell the team', unit: 'ms' },
      { key: 'alertsLost', label: 'alerts lost', unit: 'alerts' },
    ],
    rows: [
      { variant: 'telegram alerts', status: 'ok', error: null, values: { notifyMs: 900, alertsLost: 40 } },
      { variant: 'sentry', status: 'ok', error: null, values: { notifyMs: 2_000, alertsLost: 0 } },
      { variant: 'db logger', status: 'failed', error: 'pool exhausted', values: { notifyMs: null, alertsLost: null } },
    ],
  };
}

describe('decision memo: confidence', () => {
  const stable = foldRepetitions(
    [scheduler(5_000, 9_000), scheduler(5_500, 9_000), scheduler(6_000, 8_000)].map((o) =>
      decideMatrix('scheduler', QUESTION, o),
    ),
  );
  const flipping = foldRepetitions(
    [scheduler(5_000, 9_000), scheduler(9_000, 5_000), scheduler(6_000, 8_000)].map((o) =>
      decideMatrix('scheduler', QUESTION, o),
    ),
  );

  it('is firm only when every repetition agreed and every run was faithful', () => {
    expect(confidenceOf(stable, okRuns(9))).toEqual({
      level: 'firm',
      text: 'Firm: 3 of 3 repetitions picked skip-locked x3; fidelity ok in all 9 runs.',
    });
  });

  it('is weak when one run was distorted, even though the repetitions agree', () => {
    expect(confidenceOf(stable, [...okRuns(8), { status: 'distorted' }])).toEqual({
      level: 'weak',
      text: 'Weak: 3 of 3 repetitions picked skip-locked x3; 1 of 9 runs DISTORTED by the lab.',
    });
  });

  it('is weak with the split when the repetitions disagree, and recommends nothing firm', () => {
    const c = confidenceOf(flipping, okRuns(9));
    expect(c.level).toBe('weak');
    expect(c.text).toBe(
      'Weak: the repetitions agree on "Never send digests from none x3: it sent digests twice, every other strategy ' +
        'none" but disagree on the variant (skip-locked x3 won 2 of 3, advisory x3 won 1 of 3); fidelity ok in all 9 runs.',
    );
    expect(chartCaption(decidingChart(flipping)!)).toBe(
      'duplicated, in digests, the median of 3 repetitions; lower is better; no variant was picked.',
    );
    expect(flipping.recommendation).toBe(
      'Never send digests from none x3: it sent digests twice, every other strategy none (all 3 repetitions agree). ' +
        'Which variant: no firm recommendation yet: skip-locked x3 won 2 of 3 repetitions, advisory x3 1; run more ' +
        'repetitions before choosing.',
    );
  });

  it('is tentative for a single repetition or unmeasured fidelity, and none without data', () => {
    const single = decideMatrix('scheduler', QUESTION, scheduler(5_000, 9_000));
    expect(confidenceOf(single, okRuns(1)).text).toBe(
      'Tentative: one repetition, not repeated; fidelity ok in the only run.',
    );
    expect(confidenceOf(stable, [...okRuns(2), { status: null }]).text).toBe(
      'Tentative: 3 of 3 repetitions picked skip-locked x3; fidelity not measured in 1 of 3 runs.',
    );
    const none = decideMatrix('scheduler', QUESTION, [failed('skip-locked x3')]);
    expect(confidenceOf(none, []).level).toBe('none');
  });
});

describe('decision memo: the deciding figure', () => {
  it('charts the rule’s deciding column, best first, the pick marked, with the range over the repetitions', () => {
    const folded = foldRepetitions(
      [scheduler(5_000, 9_000), scheduler(5_500, 9_000), scheduler(6_000, 8_000)].map((o) =>
        decideMatrix('scheduler', QUESTION, o),
      ),
    );
    // The scheduler is decided by duplicates: none x3 sent 100 twice, the others none.
    const chart = decidingChart(folded)!;
    expect(chart.column.key).toBe('duplicated');
    expect(chart.better).toBe('lower');
    expect(chart.bars.map((b) => [b.variant, b.value, b.pick])).toEqual([
      ['skip-locked x3', 0, true],
      ['advisory x3', 0, false],
      ['none x3', 100, false],
    ]);
    const text = textBars(chart, 10);
    expect(text.split('\n')).toEqual([
      'skip-locked x3 (pick)  ··········  0 digests',
      'advisory x3            ··········  0 digests',
      'none x3                ██████████  100 digests',
    ]);
  });

  it('shows a range when the repetitions differed, and scales bars to the largest value', () => {
    const at = (telegramMs: number): MatrixVerdict => {
      const v = foreignVerdict();
      v.decidingFigure = { column: 'notifyMs', better: 'lower' };
      v.rows[0]!.values.notifyMs = telegramMs;
      return v;
    };
    const chart = decidingChart(foldRepetitions([at(800), at(900), at(1_000)]))!;
    expect(textBars(chart, 10).split('\n')).toEqual([
      'telegram alerts  █████·····  900 ms (800 ms–1 s)',
      'sentry (pick)    ██████████  2 s',
    ]);
  });

  it('has no chart when no variant produced the figure', () => {
    expect(decidingChart(decideMatrix('scheduler', QUESTION, [failed('skip-locked x3')]))).toBeNull();
  });
});

describe('decision memo on the findings index', () => {
  const stable = foldRepetitions(
    [scheduler(5_000, 9_000), scheduler(5_500, 9_000), scheduler(6_000, 8_000)].map((o) =>
      decideMatrix('scheduler', QUESTION, o),
    ),
  );
  const noData = decideMatrix('slotting', 'Spread the digests?', [failed('none'), failed('5-min slots, cap 50, auto')]);
  const entries = [
    { verdict: stable, dir: 'scheduler', failedVariants: 0, variants: 9, wallTimeS: 90, fidelity: fidelity(9) },
    {
      verdict: foreignVerdict(),
      dir: 'monitoring',
      failedVariants: 1,
      variants: 3,
      wallTimeS: 60,
      fidelity: fidelity(2, 1),
    },
    { verdict: noData, dir: 'slotting', failedVariants: 2, variants: 2, wallTimeS: 5, fidelity: [] },
  ];

  it('puts one recommendation per question above the detail table, with its confidence and chart', () => {
    const md = renderIndexMarkdown(entries, META);
    const memoAt = md.indexOf('## What to do');
    const detailAt = md.indexOf('## The answers in detail');
    expect(memoAt).toBeGreaterThan(0);
    expect(detailAt).toBeGreaterThan(memoAt);
    const memo = md.slice(memoAt, detailAt);
    expect(memo).toContain(`### ${QUESTION}`);
    expect(memo).toContain(
      '**Plan and send digests with skip-locked x3: it sent every digest exactly once, where none x3 did not, and was the least late of those that did.**',
    );
    expect(memo).toContain('Confidence: Firm: 3 of 3 repetitions picked skip-locked x3; fidelity ok in all 9 runs.');
    expect(memo).toContain('[the scheduler report](scheduler/summary.md)');
    // The matrix the memo does not know: its own recommendation, its own deciding column.
    expect(memo).toContain('**Send errors to Sentry: no alert was lost in the storm.**');
    expect(memo).toContain('Confidence: Weak: one repetition, not repeated; 1 of 2 runs DISTORTED by the lab.');
    expect(memo).toMatch(/sentry \(pick\) +·+ +0 alerts\n/);
    expect(memo).toContain("Deciding figure: alerts lost, in alerts; lower is better; the rule's pick is marked.");
    expect(memo).toContain('duplicated, in digests, the median of 3 repetitions; lower is better');
    // No data: says so, charts nothing.
    expect(memo).toContain('**No recommendation yet: the comparison needs');
    expect(memo).toContain('_No figure to chart: no variant produced the deciding figure._');
    // The detail table is still there, one line per question.
    expect(md.slice(detailAt)).toContain(`| [${QUESTION}](scheduler/summary.md) |`);
  });

  it('draws each deciding figure as a chart.js bar chart on the HTML page', () => {
    const html = renderIndexHtml(entries, META, { chartJsSource: '/* chart.js */' });
    expect(html.indexOf('id="memo"')).toBeLessThan(html.indexOf('id="details"'));
    expect(html).toContain('<canvas id="memo-1-scheduler"');
    expect(html).toContain('<canvas id="memo-2-monitoring"');
    expect(html).not.toContain('slotting"');
    const data = JSON.parse(html.match(/<script type="application\/json" id="botcap-data">(.*?)<\/script>/s)![1]!) as {
      charts: Array<{ id: string; labels: string[]; datasets: Array<{ values: number[] }> }>;
    };
    const monitoring = data.charts.find((c) => c.id === 'memo-2-monitoring')!;
    expect(monitoring.labels).toEqual(['sentry (pick): 0 alerts', 'telegram alerts: 40 alerts']);
    expect(monitoring.datasets[0]!.values).toEqual([0, 40]);
    expect(html).toContain('class="memo-item confidence-firm"');
    expect(html).toContain('<a href="scheduler/report.html">');
  });

  it('falls back to the answer for a rule without a recommendation', () => {
    const { recommendation: _, ...bare } = foreignVerdict();
    expect(memoItems([{ verdict: bare, dir: 'm' }])[0]!.recommendation).toBe('sentry: 0 alerts lost.');
  });
});

describe('every rule is stated where its sentences are shown', () => {
  it('prints each registered rule in its matrix report and beside its recommendation on the index', () => {
    for (const name of Object.keys(VERDICT_RULES) as Array<keyof typeof VERDICT_RULES>) {
      const v = decideMatrix(name, `${name}?`, [failed('a')]);
      const { md, html } = renderMatrixReport(v, [failed('a')]);
      const rule = VERDICT_RULES[name].rule;
      expect(md, name).toContain(escapeMarkdownText(rule));
      expect(html, name).toContain(escapeHtml(rule));
      const entry = { verdict: v, dir: name, failedVariants: 1, variants: 1, wallTimeS: 1 };
      const memo = renderIndexMarkdown([entry], META).split('## The answers in detail')[0]!;
      expect(memo, name).toContain(escapeMarkdownText(rule));
      expect(renderIndexHtml([entry], META, { chartJsSource: '' }), name).toContain(escapeHtml(rule));
    }
  });
});
