import { existsSync } from 'node:fs';
import { mkdir, mkdtemp, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath, pathToFileURL } from 'node:url';
import { type Browser, chromium, type Page } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createRng } from '../../common/random.ts';
import { loadFixture } from '../fixtures/index.ts';
import { compareWithBaseline } from '../regression/compare.ts';
import { renderRegressionHtml } from '../regression/html.ts';
import { syntheticRunHistogram, withLatency } from '../regression/testing/synthetic.ts';
import { buildReport } from './build.ts';
import { chartSpecs } from './charts.ts';
import { renderHtml } from './html.ts';
import { renderJunit } from './junit.ts';
import { HOSTILE, hostileRunResult } from './testing/hostile.ts';

/**
 * The HTML report in a real browser: Debian's Chromium, driven by playwright-core (never a downloaded
 * browser). CI installs Chromium (`.ci/run`), so there a missing binary fails the test; locally it skips
 * with the reason. Set BOTCAP_UPDATE_SCREENSHOT=1 to refresh docs/report-screenshot.png.
 */
const CHROMIUM = '/usr/bin/chromium';
const CHROMIUM_ARGS = [
  '--headless',
  '--no-sandbox',
  '--disable-gpu',
  '--disable-background-networking',
  '--disable-component-update',
  '--disable-sync',
  '--disable-quic',
  '--no-first-run',
];
const PROBES = fileURLToPath(new URL('./testing/browser-probes.js', import.meta.url));
const haveChromium = existsSync(CHROMIUM);
if (!haveChromium && process.env.CI) {
  throw new Error(`${CHROMIUM} is missing: CI must install it (apt-get install chromium, see .ci/run)`);
}
if (!haveChromium)
  console.warn(`skipping the browser test of the HTML report: ${CHROMIUM} not found (apt-get install chromium)`);

interface PageState {
  charts: number;
  drawn: number;
  errors: string[];
  /** Fault bands drawn, summed over charts and redraws. */
  bands?: number;
}

interface Loaded {
  page: Page;
  problems: string[];
  requests: string[];
}

describe.skipIf(!haveChromium)('HTML report in Chromium', () => {
  let browser: Browser;
  let dir: string;

  beforeAll(async () => {
    browser = await chromium.launch({ executablePath: CHROMIUM, args: CHROMIUM_ARGS });
    dir = await mkdtemp(join(tmpdir(), 'botcap-report-'));
  });
  afterAll(async () => {
    await browser?.close();
  });

  /** Writes `html` to a file, opens it from a file:// URL and waits until the chart script has run. */
  async function open(name: string, html: string, width = 1280): Promise<Loaded> {
    const file = join(dir, `${name}.html`);
    await writeFile(file, html);
    const page = await browser.newPage({ viewport: { width, height: 900 } });
    const problems: string[] = [];
    const requests: string[] = [];
    page.on('console', (m) => {
      if (m.type() === 'error' || m.type() === 'warning') problems.push(`console ${m.type()}: ${m.text()}`);
    });
    page.on('pageerror', (error) => problems.push(`page error: ${error.message}`));
    page.on('dialog', async (dialog) => {
      problems.push(`dialog: ${dialog.message()}`);
      await dialog.dismiss();
    });
    page.on('request', (request) => requests.push(request.url()));
    await page.goto(pathToFileURL(file).href);
    await page.waitForFunction("'botcapReport' in window", undefined, { timeout: 10_000 });
    await page.addScriptTag({ path: PROBES });
    return { page, problems, requests };
  }

  function state(page: Page): Promise<PageState> {
    return page.evaluate('window.botcapReport') as Promise<PageState>;
  }

  function canvasInk(page: Page): Promise<{ id: string; painted: number; colours: number }[]> {
    return page.evaluate('window.botcapProbes.canvasInk()') as Promise<
      { id: string; painted: number; colours: number }[]
    >;
  }

  it('draws every chart of a capacity report, with no console errors and no network', async () => {
    const { page, problems, requests } = await open('ramp', renderHtml(buildReport([loadFixture('ramp')])));
    const s = await state(page);
    expect(s.errors).toEqual([]);
    expect(s.drawn).toBe(s.charts);
    expect(s.charts).toBeGreaterThanOrEqual(12);
    const ink = await canvasInk(page);
    expect(ink).toHaveLength(s.charts);
    for (const canvas of ink) {
      expect(canvas.painted, `${canvas.id} is blank`).toBeGreaterThan(2_000);
      expect(canvas.colours, `${canvas.id} has no data colours`).toBeGreaterThan(3);
    }
    expect(await page.locator('#verdict').isVisible()).toBe(true);
    const verdictTop = await page.locator('#verdict').evaluate((el) => el.getBoundingClientRect().top);
    expect(verdictTop).toBeLessThan(200);
    expect(problems).toEqual([]);
    expect(requests.every((url) => url.startsWith('file://'))).toBe(true);

    // The first screen: the verdict, the key figures and the first charts.
    const screenshot = await page.screenshot();
    await writeFile(join(dir, 'ramp.png'), screenshot);
    expect(screenshot.byteLength).toBeGreaterThan(30_000);
    const stdDev = (await page.evaluate(
      `window.botcapProbes.pngStdDev(${JSON.stringify(screenshot.toString('base64'))})`,
    )) as number;
    expect(stdDev).toBeGreaterThan(20);
    if (process.env.BOTCAP_UPDATE_SCREENSHOT) {
      const docs = join(import.meta.dirname, '..', '..', 'docs');
      await mkdir(docs, { recursive: true });
      await writeFile(join(docs, 'report-screenshot.png'), screenshot);
    }
    await page.close();
  });

  it('shades the faults a run injected over its time charts', async () => {
    const result = {
      ...loadFixture('ramp'),
      faults: [
        { kind: 'claude-errors' as const, target: 'claude', fromMs: 20_000, toMs: 40_000, detail: '529 for all calls' },
        { kind: 'instance-killed' as const, target: 'bot-2', fromMs: 60_000, toMs: 60_000, detail: 'SIGKILL' },
      ],
    };
    const doc = buildReport([result]);
    const timeCharts = chartSpecs(doc).filter((spec) => spec.bands !== undefined).length;
    const { page, problems } = await open('faults', renderHtml(doc));
    const s = await state(page);
    expect(s.errors).toEqual([]);
    expect(s.drawn).toBe(s.charts);
    expect(timeCharts).toBeGreaterThan(3);
    expect(s.bands).toBeGreaterThanOrEqual(timeCharts * 2);
    expect(problems).toEqual([]);
    await page.close();
  });

  it('fits a phone screen without sideways scrolling', async () => {
    const { page, problems } = await open('soak-phone', renderHtml(buildReport([loadFixture('soak-1h')])), 390);
    const s = await state(page);
    expect(s.drawn).toBe(s.charts);
    const overflow = (await page.evaluate('window.botcapProbes.horizontalOverflow()')) as number;
    expect(overflow).toBeLessThanOrEqual(1);
    expect(problems).toEqual([]);
    await page.close();
  });

  it('draws a regression check with the baseline and candidate distributions overlaid', async () => {
    const random = createRng(5);
    const latency = { medianMs: 400, sdLog: 0.6, samples: 5_000, autocorrelation: 0.5, runNoiseSdLog: 0.02 };
    const side = (label: string, shift: number, name: string) => {
      const results = [1, 2, 3].map((seed) =>
        withLatency(loadFixture('smoke'), syntheticRunHistogram(random, { ...latency, shift }), {
          seed,
          scenario: { name, resolved: {} },
        }),
      );
      return { label, files: results.map((_, i) => `${label}/run-${i + 1}/result.json`), results };
    };
    const html = (name: string) =>
      renderRegressionHtml(compareWithBaseline(side('baseline', 1, name), side('candidate', 1.3, name)));

    const { page, problems, requests } = await open('regression', html('smoke'));
    const s = await state(page);
    expect(s.errors).toEqual([]);
    expect(s).toMatchObject({ charts: 1, drawn: 1 });
    const datasets = (await page.evaluate(
      "JSON.parse(document.getElementById('botcap-data').textContent).charts[0].datasets.map((d) => d.label)",
    )) as string[];
    expect(datasets).toEqual(['baseline', 'candidate', 'p(95)', 'p(50)']);
    const [ink] = await canvasInk(page);
    expect(ink!.painted).toBeGreaterThan(2_000);
    expect(ink!.colours).toBeGreaterThan(3);
    expect(await page.locator('#verdict').textContent()).toMatch(/FAIL Regression: reply_latency p\(95\) \+/);
    expect(await page.locator('#figures td').first().textContent()).toBe('REGRESSED');
    expect(problems).toEqual([]);
    expect(requests.every((url) => url.startsWith('file://'))).toBe(true);
    await page.close();

    const hostile = await open('regression-hostile', html(HOSTILE.scenario));
    expect((await state(hostile.page)).errors).toEqual([]);
    expect(hostile.problems).toEqual([]); // no alert() dialog, no error
    expect(await hostile.page.title()).toBe(`Regression check: ${HOSTILE.scenario}`);
    await hostile.page.close();
  });

  it('draws a comparison and runs no script from hostile strings', async () => {
    const runs = (['variant-polling-x1', 'variant-webhook-x3'] as const).map(loadFixture);
    const comparison = await open('comparison', renderHtml(buildReport(runs)));
    const cs = await state(comparison.page);
    expect(cs.drawn).toBe(cs.charts);
    expect(comparison.problems).toEqual([]);
    await comparison.page.close();

    const hostile = await open('hostile', renderHtml(buildReport([hostileRunResult()])));
    const hs = await state(hostile.page);
    expect(hs.errors).toEqual([]);
    expect(hostile.problems).toEqual([]); // no alert() dialog, no error
    expect(await hostile.page.locator('img, svg').count()).toBe(0);
    expect(await hostile.page.title()).toBe(`Capacity report: ${HOSTILE.scenario} (${HOSTILE.variant})`);
    expect(await hostile.page.locator('body').textContent()).toContain(HOSTILE.scenario);

    // The JUnit file parses as XML in the browser's own parser, one testcase per threshold.
    const junit = renderJunit(buildReport([hostileRunResult()]));
    const parsed = await hostile.page.evaluate(`window.botcapProbes.parseXml(${JSON.stringify(junit)})`);
    expect(parsed).toEqual({ errors: 0, testcases: 2, failures: 1 });
    await hostile.page.close();
  });
});
