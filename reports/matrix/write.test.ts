import { mkdtemp, readFile, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { renderIndexHtml, renderIndexMarkdown } from './index-page.ts';
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
    const back = JSON.parse(await readFile(join(dir, 'verdict.json'), 'utf8')) as typeof verdict;
    expect(back).toEqual(verdict);
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
  };

  it('has one line per question with the answer, the figure and when it would change, linking the report', () => {
    const md = renderIndexMarkdown(entries, meta);
    const line = md.split('\n').find((l) => l.startsWith(`| [${QUESTION}]`));
    expect(line).toContain('(scheduler/summary.md)');
    expect(line).toContain(verdict.answer.replace(/\|/g, '\\|'));
    expect(line).toContain('1 of 3 variants failed');
    expect(md).toContain('Produced by `botcap matrix all --out docs/findings` (default size) on Test CPU x2');
    const html = renderIndexHtml(entries, meta);
    expect(html).toContain('<a href="scheduler/report.html">');
    expect(html).toContain('commit abc123');
  });
});
