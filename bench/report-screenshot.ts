/**
 * The README's screenshot from a real run: renders `<out>/report.html` of a `botcap run` in Debian's Chromium
 * (playwright-core drives it; no browser is downloaded) and writes the first screen to
 * docs/report-screenshot.png. The README's caption must name the run it came from.
 *
 *   npx tsx bench/report-screenshot.ts botcap-out/peak-10am-<time>/report.html
 */
import { writeFile } from 'node:fs/promises';
import { resolve } from 'node:path';
import { pathToFileURL } from 'node:url';
import { chromium } from 'playwright-core';
import { REPO_ROOT } from './report-file.ts';

const CHROMIUM = '/usr/bin/chromium';

async function main(): Promise<void> {
  const report = process.argv[2];
  if (report === undefined) {
    process.stderr.write('usage: npx tsx bench/report-screenshot.ts <run output>/report.html\n');
    process.exitCode = 1;
    return;
  }
  const browser = await chromium.launch({ executablePath: CHROMIUM, args: ['--no-sandbox', '--disable-gpu'] });
  try {
    const page = await browser.newPage({ viewport: { width: 1280, height: 900 } });
    await page.goto(pathToFileURL(resolve(report)).href);
    // The report's chart script sets window.botcapReport once every chart has been drawn.
    await page.waitForFunction("'botcapReport' in window", undefined, { timeout: 15_000 });
    const out = resolve(REPO_ROOT, 'docs/report-screenshot.png');
    await writeFile(out, await page.screenshot());
    process.stdout.write(`wrote ${out}\n`);
  } finally {
    await browser.close();
  }
}

await main();
