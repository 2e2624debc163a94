import { mkdtemp, readFile, stat } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { fixturePath, loadFixture } from '../../reports/fixtures/index.ts';
import { reportDocumentSchema } from '../../reports/render/json.ts';
import { botcap } from '../testing/in-process.ts';
import { writeReports } from './report.ts';

/** Runs `botcap ...args` in-process, capturing what the command writes. */

afterEach(() => {
  process.exitCode = undefined;
});

describe('botcap report', () => {
  it('writes the four formats for one result and prints their paths', async () => {
    const out = await mkdtemp(join(tmpdir(), 'botcap-report-cli-'));
    const { stdout, exitCode } = await botcap('report', fixturePath('smoke'), '--out', out);
    expect(exitCode).toBe(0);
    const paths = stdout.trim().split('\n');
    expect(paths).toEqual(['report.html', 'summary.md', 'report.json', 'junit.xml'].map((f) => join(out, f)));
    for (const path of paths) expect((await stat(path)).size).toBeGreaterThan(100);
    const json = reportDocumentSchema.parse(JSON.parse(await readFile(join(out, 'report.json'), 'utf8')));
    expect(json.kind).toBe('capacity');
  });

  it('writes a comparison for several results, in the formats asked for, with thresholds from flags', async () => {
    const out = await mkdtemp(join(tmpdir(), 'botcap-report-cli-'));
    const { stdout, exitCode } = await botcap(
      'report',
      fixturePath('variant-polling-x1'),
      fixturePath('variant-webhook-x3'),
      '--out',
      out,
      '--format',
      'md,junit',
      '--threshold',
      'reply_latency:p(95)<60000',
    );
    expect(exitCode).toBe(0);
    expect(stdout.trim().split('\n')).toEqual([join(out, 'summary.md'), join(out, 'junit.xml')]);
    const md = await readFile(join(out, 'summary.md'), 'utf8');
    expect(md).toContain('## Comparison: 500-concurrent');
    const junit = await readFile(join(out, 'junit.xml'), 'utf8');
    expect(junit.match(/<testcase /g)).toHaveLength(2); // one threshold x two runs
    expect(junit).toContain('failures="0"');
  });

  it('says what is wrong with a bad file or format and exits 1', async () => {
    const missing = await botcap('report', '/nonexistent/result.json');
    expect(missing.exitCode).toBe(1);
    expect(missing.stderr).toMatch(/botcap report: .*no such file/);
    const badFormat = await botcap('report', fixturePath('smoke'), '--format', 'pdf');
    expect(badFormat.exitCode).toBe(1);
    expect(badFormat.stderr).toMatch(/unknown format 'pdf'; use a comma list of html, md, json, junit/);
  });

  it('exports writeReports for botcap run', async () => {
    const out = await mkdtemp(join(tmpdir(), 'botcap-report-api-'));
    const paths = await writeReports([loadFixture('smoke')], out, { formats: ['html'] });
    expect(paths).toEqual([join(out, 'report.html')]);
  });
});
