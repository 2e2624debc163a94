import { existsSync } from 'node:fs';
import { mkdtemp, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath, pathToFileURL } from 'node:url';
import { type Browser, chromium } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { renderIndexHtml } from './index-page.ts';
import { foldRepetitions } from './repetitions.ts';
import { failed, schedulerRepetition } from './testing/outcomes.ts';
import { decideMatrix } from './verdicts.ts';

/**
 * The findings index in a real browser (Debian's Chromium through playwright-core, as the report's own
 * browser test): the memo's charts draw, the first recommendation is on the first screen, and the page reads
 * on a phone without scrolling sideways. Skips locally without Chromium; CI installs it.
 */
const CHROMIUM = '/usr/bin/chromium';
const PROBES = fileURLToPath(new URL('../render/testing/browser-probes.js', import.meta.url));
const haveChromium = existsSync(CHROMIUM);
if (!haveChromium && process.env.CI) throw new Error(`${CHROMIUM} is missing: CI must install it (see .ci/run)`);

const scheduler = schedulerRepetition;

function indexHtml(): string {
  const question = 'Where does the scheduler live with 5-10 instances?';
  const verdict = foldRepetitions(
    [scheduler(5_000, 9_000), scheduler(5_500, 9_000)].map((o) => decideMatrix('scheduler', question, o)),
  );
  const noData = decideMatrix('slotting', 'Spread the digests?', [failed('none')]);
  const entries = [
    { verdict, dir: 'scheduler', failedVariants: 0, variants: 6, wallTimeS: 90 },
    { verdict: noData, dir: 'slotting', failedVariants: 1, variants: 1, wallTimeS: 3 },
  ];
  const meta = {
    command: 'botcap matrix all',
    size: 'default' as const,
    machine: 'Test CPU x2',
    startedAt: '2026-12-03T10:00:00.000Z',
    wallTimeS: 93,
    gitCommit: null,
    repetitions: 2,
  };
  return renderIndexHtml(entries, meta);
}

describe.skipIf(!haveChromium)('findings index in Chromium', () => {
  let browser: Browser;
  let file: string;

  beforeAll(async () => {
    browser = await chromium.launch({
      executablePath: CHROMIUM,
      args: ['--headless', '--no-sandbox', '--disable-gpu'],
    });
    file = join(await mkdtemp(join(tmpdir(), 'botcap-index-')), 'index.html');
    await writeFile(file, indexHtml());
  });
  afterAll(async () => {
    await browser?.close();
  });

  for (const width of [1280, 390]) {
    it(`draws the memo's chart and puts the first recommendation on the first screen at ${width} px`, async () => {
      const page = await browser.newPage({ viewport: { width, height: 900 } });
      const problems: string[] = [];
      page.on('console', (m) => {
        if (m.type() === 'error' || m.type() === 'warning') problems.push(m.text());
      });
      page.on('pageerror', (error) => problems.push(error.message));
      await page.goto(pathToFileURL(file).href);
      await page.waitForFunction("'botcapReport' in window", undefined, { timeout: 10_000 });
      await page.addScriptTag({ path: PROBES });
      const s = (await page.evaluate('window.botcapReport')) as { charts: number; drawn: number; errors: string[] };
      expect(s).toEqual({ charts: 1, drawn: 1, errors: [] });
      const ink = (await page.evaluate('window.botcapProbes.canvasInk()')) as { id: string; painted: number }[];
      expect(ink.map((c) => c.id)).toEqual(['memo-1-scheduler']);
      expect(ink[0]!.painted).toBeGreaterThan(1_000);
      const top = await page
        .locator('.recommendation')
        .first()
        .evaluate((el) => el.getBoundingClientRect().top);
      expect(top).toBeLessThan(900);
      expect(await page.evaluate('window.botcapProbes.horizontalOverflow()')).toBeLessThanOrEqual(0);
      expect(problems).toEqual([]);
      await page.close();
    });
  }
});
