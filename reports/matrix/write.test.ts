import { mkdtemp, readFile, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { loadFixture } from '../fixtures/index.ts';
import { buildReport } from '../render/build.ts';
import { renderMarkdown } from '../render/markdown.ts';
import { renderIndexHtml, renderIndexMarkdown } from './index-page.ts';
import { foldRepetitions } from './repetitions.ts';
import { failed, makeRun, ok, spread, withDigests } from './testing/outcomes.ts';
import type { VariantOutcome } from './types.ts';
import { decideMatrix } from './verdicts.ts';
import { renderMatrixReport, writeMatrixReport } from './write.ts';

const QUESTION = 'Where does the scheduler live with 5-10 instances?';

function outcomes(): VariantOutcome[] {
  return [
    ok(
      makeRun({
        variant: 'none x3',
        instances: 3,
        edit: (r) => withDigests(r, { expected: 100, duplicated: 100, latenessMs: spread(200, 1_000, 9_000) }),
      }),
    ),
    ok(
      makeRun({
        variant: 'skip-locked x3',
        instances: 3,
        edit: (r) => withDigests(r, { expected: 100, latenessMs: spread(100, 1_000, 5_000) }),
      }),
    ),
    failed('redis-lock x3', 'redis-server <not on PATH>'),
  ];
}

let dir: string | undefined;
afterEach(async () => {
  if (dir !== undefined) await rm(dir, { recursive: true, force: true });
  dir = undefined;
});

describe('matrix report', () => {
  const all = outcomes();
  const verdict = decideMatrix('scheduler', QUESTION, all);

  it('puts the verdict at the top of the Markdown, with the rule and the failed variant', () => {
    const { md } = renderMatrixReport(verdict, all);
    expect(md.startsWith(`## Matrix scheduler: ${QUESTION}`)).toBe(true);
    const box = md.indexOf('**INFO**');
    const section = md.indexOf('### Matrix scheduler: the verdict');
    const keyFigures = md.indexOf('### Key figures');
    expect(box).toBeGreaterThan(0);
    expect(section).toBeGreaterThan(box);
    expect(keyFigures).toBeGreaterThan(section);
    expect(md).toContain('- Rule: pass = zero duplicated and zero missing digests');
    expect(md).toContain('| redis-lock x3 | FAILED: redis-server &lt;not on PATH&gt; |');
    expect(md).toContain('none x3 fails: 100 duplicated');
  });

  it('puts the verdict section right under the HTML verdict box, escaped', () => {
    const { html } = renderMatrixReport(verdict, all);
    const box = html.indexOf('id="verdict"');
    const section = html.indexOf('id="matrix-verdict"');
    expect(box).toBeGreaterThan(0);
    expect(section).toBeGreaterThan(box);
    expect(section).toBeLessThan(html.indexOf('id="thresholds"'));
    expect(html).toContain('FAILED: redis-server &lt;not on PATH&gt;');
    expect(html).not.toContain('<not on PATH>');
  });

  it('names no winner of its own under the verdict: the generic comparison is figures only', () => {
    // The generic ranking (knee first) would pick its own best; a matrix answers by its rule alone.
    const plain = buildReport(
      all.flatMap((o) => (o.result === null ? [] : [{ ...o.result, variant: o.label }])),
      { title: 't' },
    );
    expect(plain.comparison?.winner).not.toBeNull();
    const { md, html, json } = renderMatrixReport(verdict, all);
    expect(md).not.toContain('Winner: **');
    expect(md).toContain(
      'Figures of the runs, ranked by nothing here: a marked value is the best in its column, not a winner.',
    );
    const comparison = html.slice(html.indexOf('id="comparison"'));
    expect(comparison).toContain('ranked by nothing here');
    expect(comparison.slice(0, comparison.indexOf('</table>'))).not.toContain('<strong>');
    const doc = JSON.parse(json) as { comparison: { winner: string | null; unranked?: string } };
    expect(doc.comparison.winner).toBeNull();
    expect(doc.comparison.unranked).toContain('The answer is the matrix verdict above');
  });

  it('writes JSON that reads back: the report document and the verdict', async () => {
    dir = await mkdtemp(join(tmpdir(), 'botcap-matrix-'));
    const paths = await writeMatrixReport(verdict, all, dir);
    expect(paths.map((p) => p.slice(dir!.length + 1))).toEqual([
      'report.html',
      'summary.md',
      'report.json',
      'verdict.json',
    ]);
    const report = JSON.parse(await readFile(join(dir, 'report.json'), 'utf8')) as {
      verdict: { headline: string };
      runs: unknown[];
    };
    expect(report.verdict.headline).toBe(`${QUESTION} ${verdict.answer}`);
    expect(report.runs).toHaveLength(2);
    // verdict.json has one shape whatever the repetitions: one run is a repetition of one, figures unchanged.
    const back = JSON.parse(await readFile(join(dir, 'verdict.json'), 'utf8')) as ReturnType<typeof foldRepetitions>;
    expect(back).toEqual(foldRepetitions([verdict]));
    expect(back.repetitions).toMatchObject({ count: 1, stable: true });
    expect(back.rows.map(({ variant, status, error, values }) => ({ variant, status, error, values }))).toEqual(
      verdict.rows,
    );
  });

  it('still writes a page when no variant produced a result', () => {
    const none = [failed('none x3'), failed('skip-locked x3')];
    const texts = renderMatrixReport(decideMatrix('scheduler', QUESTION, none), none);
    expect(texts.md).toContain('No variant produced a RunResult, so there is no comparison report.');
    expect(texts.md).toContain('**Answer (no data):** No answer: no variant completed');
    expect(texts.html).toContain('id="matrix-verdict"');
    expect(JSON.parse(texts.json)).toMatchObject({ runs: [] });
  });

  it('keeps the verdict when the comparison report cannot be built from a run', () => {
    const broken = outcomes();
    // A run whose analysis throws (here: a latency histogram that does not decode).
    broken[0]!.result!.latency.replyFinal = { ...broken[0]!.result!.latency.replyFinal, data: 'not-hdr' };
    const texts = renderMatrixReport(decideMatrix('scheduler', QUESTION, outcomes()), broken);
    expect(texts.md).toMatch(/The comparison report could not be built \(.+\); the verdict below is complete\./);
    expect(texts.md).toContain('### Matrix scheduler: the verdict');
  });
});

describe('findings index', () => {
  const verdict = decideMatrix('scheduler', QUESTION, outcomes());
  const entries = [{ verdict, dir: 'scheduler', failedVariants: 1, variants: 3, wallTimeS: 52.4 }];
  const meta = {
    command: 'botcap matrix all --out docs/findings',
    size: 'default' as const,
    machine: 'Test CPU x2, 8 GiB, Linux, Node v20',
    startedAt: '2026-11-29T10:00:00.000Z',
    wallTimeS: 1100,
    gitCommit: 'abc123',
    repetitions: 1,
  };

  it('has one line per question with the answer, the figure and when it would change, linking the report', () => {
    const md = renderIndexMarkdown(entries, meta);
    const line = md.split('\n').find((l) => l.startsWith(`| [${QUESTION}]`));
    expect(line).toContain('(scheduler/summary.md)');
    expect(line).toContain(verdict.answer.replace(/\|/g, '\\|'));
    expect(line).toContain('1 of 3 variant runs failed');
    expect(md).toContain('Produced by `botcap matrix all --out docs/findings` (default size) on Test CPU x2');
    const html = renderIndexHtml(entries, meta);
    expect(html).toContain('<a href="scheduler/report.html">');
    expect(html).toContain('commit abc123');
  });

  it("lists every run's fidelity verdict, and says on the question's line when any run was distorted", () => {
    const run = (variant: string, repetition: number, status: 'ok' | 'distorted' | null, ms: number | null) => ({
      variant,
      repetition,
      timeScale: 5,
      status,
      estimatedDistortionMs: ms,
      boundMs: ms === null ? null : 150,
    });
    const faithful = [{ ...entries[0]!, fidelity: [run('a', 1, 'ok', 40), run('b', 1, 'ok', 90)] }];
    expect(renderIndexMarkdown(faithful, meta)).toContain('; fidelity: 2 of 2 runs ok (5x) |');
    const mixed = [
      { ...entries[0]!, fidelity: [run('a', 1, 'ok', 40), run('b', 1, 'distorted', 420), run('c', 1, null, null)] },
    ];
    const md = renderIndexMarkdown(mixed, meta);
    expect(md).toContain('; fidelity: 1 of 3 runs DISTORTED (5x) |');
    expect(md).toContain('## Fidelity of every run');
    expect(md).toContain('| scheduler | b | 1 | 5x | **DISTORTED** | 420 / 150 |');
    expect(md).toContain('| scheduler | c | 1 | 5x | not measured | - / - |');
  });
});

/** Two passing schedulers whose p95 lateness is `skipP95Ms` and `advisoryP95Ms`: the later one loses. */
function race(skipMaxMs: number, advisoryMaxMs: number): VariantOutcome[] {
  const run = (variant: string, maxMs: number) =>
    ok(
      makeRun({
        variant,
        instances: 3,
        edit: (r) => withDigests(r, { expected: 100, latenessMs: spread(100, 1_000, maxMs) }),
      }),
    );
  return [run('skip-locked x3', skipMaxMs), run('advisory x3', advisoryMaxMs)];
}

describe('matrix report over repetitions', () => {
  // The rule picks the lower lateness: skip-locked in repetitions 1 and 3, advisory in 2.
  const verdicts = [race(5_000, 9_000), race(9_000, 5_000), race(6_000, 8_000)].map((o) =>
    decideMatrix('scheduler', QUESTION, o),
  );
  const folded = foldRepetitions(verdicts, { seeds: [1, 2, 3] });

  it('reports a flipping verdict as no stable answer with the win counts, and names no winner', () => {
    expect(verdicts.map((v) => v.winner)).toEqual(['skip-locked x3', 'advisory x3', 'skip-locked x3']);
    const { md, html, verdict } = renderMatrixReport(folded, race(6_000, 8_000));
    // The duplicates half held in all three (neither sent one twice); only the least-late flipped.
    expect(md).toContain(
      '**Answer (stable in part: the winner is not):** No strategy sent a digest twice. All 3 repetitions agree (in ' +
        'each: none duplicated in any of the 2 variants). Which variant: no stable answer (wins: skip-locked x3 2, ' +
        'advisory x3 1).',
    );
    expect(md).toContain(
      '3 repetitions (seeds 1, 2, 3); winners in order: skip-locked x3, advisory x3, skip-locked x3.',
    );
    expect(html).toContain('<strong>Answer (stable in part: the winner is not):</strong>');
    const back = JSON.parse(verdict) as typeof folded;
    expect(back.status).toBe('no-stable-answer');
    expect(back.winner).toBeNull();
    expect(md).not.toMatch(/^\*\*Answer:\*\*/m);
  });

  it('names the runs the lab distorted in any repetition, not only the one it shows', () => {
    const distorted = [
      { variant: 'advisory x3', repetition: 3, timeScale: 2, estimatedDistortionMs: 278.7, boundMs: 150 },
    ];
    const { md, html } = renderMatrixReport(
      foldRepetitions(verdicts, { seeds: [1, 2, 3], distorted }),
      race(6_000, 8_000),
    );
    const sentence =
      'Distorted by the lab, so no figures of their own (they still count in the medians and ranges): ' +
      'advisory x3 in repetition 3 (278.7 ms against the 150 ms bound at 2x).';
    expect(md).toContain(sentence);
    expect(html).toContain('advisory x3 in repetition 3 (278.7 ms against the 150 ms bound at 2x)');
    expect(renderMatrixReport(folded, race(6_000, 8_000)).md).not.toContain('Distorted by the lab');
  });

  it('shows every verdict figure as the median with its range, and how often each variant won', () => {
    const { md } = renderMatrixReport(folded, race(6_000, 8_000));
    const header = md.split('\n').find((l) => l.startsWith('| variant | status | won |'));
    expect(header).toBeDefined();
    const p95Column = header!
      .split('|')
      .map((c) => c.trim())
      .indexOf('p95 lateness');
    expect(p95Column).toBeGreaterThan(0);
    const skip = md
      .split('\n')
      .find((l) => l.startsWith('| skip-locked x3 |'))!
      .split('|')
      .map((c) => c.trim());
    const advisory = md
      .split('\n')
      .find((l) => l.startsWith('| advisory x3 |'))!
      .split('|')
      .map((c) => c.trim());
    expect(skip[3]).toBe('2 of 3');
    expect(advisory[3]).toBe('1 of 3');
    // skip-locked's p95 lateness over the three repetitions: median of the 6 s run, range from the 5 s to the 9 s one.
    const s = folded.rows.find((r) => r.variant === 'skip-locked x3')!.spreads.latenessP95Ms!;
    expect(s.n).toBe(3);
    expect(s.min).toBeLessThan(s.median!);
    expect(s.median).toBeLessThan(s.max!);
    expect(skip[p95Column]).toMatch(/^\S+ s \(\S+ s–\S+ s\)$/);
  });

  it('says on the index page that the answer is not stable and how the variants won', () => {
    const entries = [{ verdict: folded, dir: 'scheduler', failedVariants: 0, variants: 6, wallTimeS: 90 }];
    const meta = {
      command: 'botcap matrix all',
      size: 'default' as const,
      machine: 'Test CPU x2',
      startedAt: '2026-12-03T10:00:00.000Z',
      wallTimeS: 90,
      gitCommit: null,
      repetitions: 3,
    };
    const line = renderIndexMarkdown(entries, meta)
      .split('\n')
      .find((l) => l.startsWith(`| [${QUESTION}]`));
    expect(line).toContain('no stable answer, wins over 3 repetitions: skip-locked x3 2, advisory x3 1');
    expect(renderIndexHtml(entries, meta)).toContain('Each variant ran 3 times with different seeds');
  });
});

/** A table row's cells by header, from a Markdown table whose header contains `headerText`. */
function mdCell(md: string, headerText: string, rowStart: string): string | undefined {
  const lines = md.split('\n');
  const split = (line: string) => line.split('|').map((c) => c.trim());
  const at = lines.findIndex((l) => l.startsWith('|') && l.includes(headerText));
  if (at < 0) return undefined;
  const column = split(lines[at]!).findIndex((c) => c.includes(headerText));
  const row = lines.slice(at + 2).find((l) => l.startsWith(`| ${rowStart}`));
  return row === undefined ? undefined : split(row)[column];
}

describe('one meaning per label', () => {
  /** A staircase run stating both a reply and a first-output budget whose knees differ: 140 VUs vs 300 VUs. */
  function bothBudgets(fixture: 'variant-polling-x1' | 'variant-webhook-x3', firstOutputKneeVus: number) {
    const run = loadFixture(fixture);
    run.scenario.resolved = {
      ...run.scenario.resolved,
      thresholds: { reply_latency: ['p(95)<3000'], reply_first_latency: ['p(95)<1500'] },
    };
    const p95 = run.timeSeries.find((s) => s.name === 'reply_p95_ms')!;
    const vusAt = (t: number) => run.phases.find((p) => t > p.startMs && t <= p.endMs)?.targetVus ?? 0;
    run.timeSeries.push({
      ...p95,
      name: 'reply_first_p95_ms',
      points: p95.points.map(([t]) => [t, vusAt(t) <= firstOutputKneeVus ? 600 : 2_400] as [number, number]),
    });
    return ok(run);
  }

  it('shows one knee per run, named by its budget, in the comparison table and the matrix verdict', () => {
    const outcomes = [bothBudgets('variant-polling-x1', 300), bothBudgets('variant-webhook-x3', 400)];
    const verdict = decideMatrix('transport', 'Long polling or webhooks, and when?', outcomes);
    const { md } = renderMatrixReport(verdict, outcomes);
    const budget = 'p95 first-output latency &lt;= 1500 ms';
    // The reply budget would put polling x1's knee at 140 VUs; every table shows the first-output one.
    expect(mdCell(md, `held ${budget} up to`, 'polling x1')).toBe('300');
    expect(mdCell(md, `knee (held ${budget} up to)`, 'polling x1')).toBe('300');
    expect(verdict.rows.find((r) => r.variant === 'polling x1')?.values.kneeVus).toBe(300);
    expect(mdCell(md, `held ${budget} up to`, 'webhook x3')).toMatch(/^400/);
    expect(md).not.toMatch(/held budget up to|knee \(held the budget/);
    // The run's own capacity report says the same, on the same budget.
    const capacity = renderMarkdown(buildReport([outcomes[0]!.result!]));
    expect(capacity).toContain('p95 first-output latency &lt;= 1500 ms held up to 300 VUs');
    expect(capacity).not.toMatch(/reply latency &lt;= 3000 ms held up to/);
  });
});
