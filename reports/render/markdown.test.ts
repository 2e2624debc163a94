import { describe, expect, it } from 'vitest';
import { computeCost } from '../cost/compute.ts';
import { profileFromWhatIf, WHAT_IF_DEFAULTS } from '../cost/what-if.ts';
import { loadFixture } from '../fixtures/index.ts';
import { buildReport } from './build.ts';
import { renderCostMarkdown, renderMarkdown } from './markdown.ts';
import { HOSTILE, hostileRunResult } from './testing/hostile.ts';

interface MdTable {
  headers: string[];
  rows: string[][];
}

/** Splits a GFM table row on unescaped pipes. */
function cells(line: string): string[] {
  return line
    .replace(/^\|/, '')
    .replace(/\|$/, '')
    .split(/(?<!\\)\|/)
    .map((c) => c.trim());
}

/** Every GFM table in `markdown`: a header row, a delimiter row, then body rows. */
function parseTables(markdown: string): MdTable[] {
  const lines = markdown.split('\n');
  const tables: MdTable[] = [];
  for (let i = 0; i < lines.length - 1; i++) {
    if (!lines[i]!.startsWith('|') || !/^\|( ?-{3,}:? ?\|)+$/.test(lines[i + 1]!.replace(/\s/g, ' '))) continue;
    const headers = cells(lines[i]!);
    const rows: string[][] = [];
    let j = i + 2;
    while (j < lines.length && lines[j]!.startsWith('|')) rows.push(cells(lines[j++]!));
    tables.push({ headers, rows });
    i = j;
  }
  return tables;
}

describe('Markdown summary', () => {
  it('leads with the verdict and has well-formed tables (every row as wide as its header)', () => {
    const md = renderMarkdown(buildReport([loadFixture('smoke')]));
    // The fidelity verdict comes first (this fixture predates it), then the verdict.
    expect(md.split('\n')[2]).toMatch(/^> fidelity: not measured/);
    expect(md.split('\n')[4]).toMatch(/^✅ \*\*PASS\*\*: All 3 thresholds passed/);
    const tables = parseTables(md);
    expect(tables.length).toBeGreaterThanOrEqual(6);
    for (const t of tables) for (const row of t.rows) expect(row).toHaveLength(t.headers.length);
    const thresholds = tables.find((t) => t.headers.includes('threshold'))!;
    expect(thresholds.rows.map((r) => r[2])).toEqual(['p(95)&lt;3000', 'count==0', 'count==0']);
    const key = tables[0]!;
    expect(key.headers[0]).toBe('run');
    expect(key.rows).toHaveLength(1);
  });

  it('warns that your own bot, flood-limited above 1x, may have slept retry_after on the wall clock', () => {
    const run = (kind: 'reference' | 'command', timeScale: number, floodLimited429: number) => {
      const result = structuredClone(loadFixture('smoke'));
      result.environment.bot.kind = kind;
      result.timeScale = timeScale;
      result.telegram.floodLimited429 = floodLimited429;
      return renderMarkdown(buildReport([result]));
    };
    expect(run('command', 2, 548)).toContain(
      '> flood control refused 548 sends at 2x: retry\\_after is simulated seconds, so a bot that sleeps it on the wall clock waited 2x too long',
    );
    // The reference bot converts it; at 1x there is nothing to convert; with no 429 nothing was waited.
    for (const [kind, scale, refused] of [
      ['reference', 2, 548],
      ['command', 1, 548],
      ['command', 2, 0],
    ] as const)
      expect(run(kind, scale, refused), `${kind} ${scale}x ${refused}`).not.toContain('flood control refused');
  });

  it('puts a comparison table with the winner first for several runs', () => {
    const runs = (['variant-polling-x1', 'variant-webhook-x1', 'variant-webhook-x3'] as const).map(loadFixture);
    const md = renderMarkdown(buildReport(runs));
    const tables = parseTables(md);
    const comparison = tables[1]!;
    expect(comparison.headers[0]).toBe('variant');
    expect(comparison.rows.map((r) => r[0]!.replace(' (best)', ''))).toEqual([
      'polling x1',
      'webhook x1',
      'webhook x3',
    ]);
    expect(md).toMatch(/Winner: \*\*webhook x3\*\*/);
  });

  it('escapes hostile strings so they neither break a table nor render as HTML', () => {
    const md = renderMarkdown(buildReport([hostileRunResult()]));
    expect(md).not.toContain('<img');
    expect(md).not.toContain('<script');
    expect(md).not.toContain('<b>');
    for (const t of parseTables(md)) for (const row of t.rows) expect(row).toHaveLength(t.headers.length);
    expect(md).toContain('&lt;img src=x onerror=alert("variant")&gt;');
    expect(HOSTILE.variant).toContain('<img');
  });

  it('stays under the limit, saying what it left out', () => {
    const md = renderMarkdown(buildReport([loadFixture('soak-1h')]), { maxChars: 2_000 });
    expect(md.length).toBeLessThanOrEqual(2_000);
    expect(md).toMatch(/Left out to stay under 2000 characters: .*Cost/);
    const full = renderMarkdown(buildReport([loadFixture('soak-1h')]));
    expect(full.length).toBeLessThan(65_000);
  });

  it('renders a cost report on its own', () => {
    const md = renderCostMarkdown(computeCost(profileFromWhatIf(WHAT_IF_DEFAULTS)));
    const tables = parseTables(md);
    expect(tables.map((t) => t.headers[0])).toEqual(['', 'route', 'step', 'model', 'line']);
    const routes = tables[1]!;
    expect(routes.rows.map((r) => r[0])).toEqual(['navigation', 'question', 'digest']);
    expect(md).toContain('<details><summary>Method and assumptions</summary>');
  });
});
