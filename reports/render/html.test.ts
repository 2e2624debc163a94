import { describe, expect, it } from 'vitest';
import { loadFixture } from '../fixtures/index.ts';
import { buildReport } from './build.ts';
import type { ChartSpec } from './charts.ts';
import { renderHtml } from './html.ts';
import { HOSTILE, hostileRunResult } from './testing/hostile.ts';

/** The page without the bodies of its scripts (chart.js's source would match any pattern). */
function markupOnly(html: string): string {
  return html.replace(/(<script[^>]*>)[\s\S]*?<\/script>/g, '$1</script>');
}

function embeddedCharts(html: string): ChartSpec[] {
  const match = /<script type="application\/json" id="botcap-data">([^<]*)<\/script>/.exec(html);
  expect(match).not.toBeNull();
  return (JSON.parse(match![1]!) as { charts: ChartSpec[] }).charts;
}

describe('HTML report', () => {
  const ramp = renderHtml(buildReport([loadFixture('ramp')]));

  it('is one self-contained page with the verdict first and a canvas for every chart', () => {
    expect(ramp.startsWith('<!doctype html>')).toBe(true);
    expect(ramp.match(/<html/g)).toHaveLength(1);
    expect(ramp).toContain('<meta name="viewport" content="width=device-width, initial-scale=1">');
    expect(ramp.indexOf('id="verdict"')).toBeLessThan(ramp.indexOf('id="charts"'));
    // Nothing is fetched: no external scripts, stylesheets, images or fonts.
    expect(/<(script|img|iframe)[^>]*\ssrc=|<link\b|@import|url\(/i.test(markupOnly(ramp))).toBe(false);
    expect(ramp).toContain('Chart.js v4');
    const charts = embeddedCharts(ramp);
    const canvasIds = [...ramp.matchAll(/<canvas id="([^"]+)"/g)].map((m) => m[1]);
    expect(canvasIds).toEqual(charts.map((c) => c.id));
    const titles = charts.map((c) => c.title);
    for (const expected of [
      'Reply latency percentiles over time',
      'Throughput',
      'Concurrency',
      'Errors and 429s (whole run)',
      'Database connections vs max_connections',
      'DB pool wait',
      'Circuit breaker state',
      'Claude bulkhead',
      'p95 reply latency vs load (knee)',
      'Universal Scalability Law fit',
      'Monthly cost at 10,000 DAU',
      'What the cost controls save',
    ]) {
      expect(titles).toContain(expected);
    }
  });

  it('puts the flood-wait caveat for your own bot next to the fidelity verdict', () => {
    const result = structuredClone(loadFixture('smoke'));
    result.environment.bot.kind = 'command';
    result.timeScale = 3;
    result.telegram.floodLimited429 = 7;
    const page = markupOnly(renderHtml(buildReport([result])));
    expect(page).toMatch(/<p class="fidelity caveat">flood control refused 7 sends at 3x: [^<]*waited 3x too long/);
    expect(page.indexOf('fidelity caveat')).toBeLessThan(page.indexOf('id="verdict"'));
  });

  it('shows the digest lateness histogram for a scheduler run', () => {
    const html = renderHtml(buildReport([loadFixture('scheduler-advisory-lock')]));
    const lateness = embeddedCharts(html).find((c) => c.title === 'Digest lateness');
    expect(lateness?.kind).toBe('bar');
    expect(lateness?.datasets[0]?.values?.reduce((a, b) => a + b, 0)).toBeGreaterThan(0);
  });

  it('overlays the variants of a comparison, one colour per variant', () => {
    const runs = (['variant-polling-x1', 'variant-webhook-x1', 'variant-webhook-x3'] as const).map(loadFixture);
    const html = renderHtml(buildReport(runs));
    expect(html).toContain('id="comparison"');
    const latency = embeddedCharts(html).find((c) => c.title === 'Reply latency percentiles over time')!;
    expect(latency.datasets.map((d) => [d.label, d.colorIndex])).toEqual([
      ['polling x1 p95', 0],
      ['webhook x1 p95', 1],
      ['webhook x3 p95', 2],
    ]);
  });

  it('escapes every string from the result', () => {
    const html = renderHtml(buildReport([hostileRunResult()]));
    expect(html).not.toContain('<img src=x');
    expect(html).not.toContain('<svg onload');
    expect(html).not.toContain('<b>bold</b>');
    expect(html).not.toContain('<script>alert');
    expect(markupOnly(html).match(/<script/g)).toHaveLength(3); // data, chart.js, the chart script
    expect(html).toContain('&lt;img src=x onerror=alert(&quot;variant&quot;)&gt;');
    const charts = embeddedCharts(html);
    expect(JSON.stringify(charts)).toContain(HOSTILE.variant.slice(0, 4)); // data survives, as data
  });

  it('keeps a one-hour run under 2 MB, at most 500 points per series', () => {
    const html = renderHtml(buildReport([loadFixture('soak-1h')]));
    expect(Buffer.byteLength(html)).toBeLessThan(2 * 1024 * 1024);
    for (const chart of embeddedCharts(html)) {
      for (const dataset of chart.datasets) expect(dataset.points?.length ?? 0).toBeLessThanOrEqual(500);
    }
  });
});
