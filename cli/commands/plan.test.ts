import { mkdtemp, readFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { botcap } from '../testing/in-process.ts';

afterEach(() => {
  process.exitCode = undefined;
});

describe('botcap plan', () => {
  it('plans each DAU and writes HTML with charts, Markdown and JSON that read back', async () => {
    const out = await mkdtemp(join(tmpdir(), 'botcap-plan-'));
    const { stdout, exitCode } = await botcap(
      'plan',
      '--dau',
      '2000,20000',
      '--out',
      out,
      '--instances',
      '1',
      '--transport',
      'polling',
    );
    expect(exitCode).toBe(0);
    expect(stdout).toMatch(/== 2,000 DAU ==/);
    expect(stdout).toMatch(/== 20,000 DAU ==/);
    expect(stdout).toMatch(/Day model: 20,000 daily active users/);
    const json = JSON.parse(await readFile(join(out, 'plan.json'), 'utf8'));
    expect(json.plans).toHaveLength(2);
    expect(json.plans[1].plan.day.dailyActiveUsers).toBe(20_000);
    const md = await readFile(join(out, 'plan.md'), 'utf8');
    expect(md).toContain('## 20,000 DAU');
    const html = await readFile(join(out, 'plan.html'), 'utf8');
    const data = JSON.parse(/<script type="application\/json" id="botcap-data">([\s\S]*?)<\/script>/.exec(html)![1]!);
    const chosen = json.plans.filter((p: { plan: { chosen: unknown } }) => p.plan.chosen !== null).length;
    expect(data.charts).toHaveLength(4 * chosen);
    if (chosen > 0) expect(data.charts[0].title).toMatch(/Predicted load over the day/);
  });

  it('rejects a bad flag with the fix', async () => {
    const { stderr, exitCode } = await botcap('plan', '--dau', 'lots', '--no-day');
    expect(exitCode).toBe(1);
    expect(stderr).toMatch(/--dau: expected positive numbers/);
    const polling = await botcap('plan', '--transport', 'polling', '--instances', '3', '--no-day');
    expect(polling.stderr).toMatch(/only one poller per bot token/);
  });
});

describe('botcap calibrate', () => {
  it("calibrates the seed's figures, flags contradictions and writes a scenario that botcap can load", async () => {
    const out = await mkdtemp(join(tmpdir(), 'botcap-calibrate-'));
    const { stdout, exitCode } = await botcap(
      'calibrate',
      '--seed-example',
      '--transport',
      'polling',
      '--pool-max',
      '50',
      '--no-plan',
      '--out',
      out,
    );
    expect(exitCode).toBe(0);
    expect(stdout).toMatch(/Calibrated behaviour: /);
    expect(stdout).toMatch(/CONTRADICTS|agrees/);
    const { loadScenario } = await import('../../scenarios/registry.ts');
    const scenario = await loadScenario(join(out, 'calibrated.scenario.json'));
    expect(scenario.dayModel.dailyActiveUsers).toBe(10_000);
    const report = JSON.parse(await readFile(join(out, 'calibration.json'), 'utf8'));
    expect(report.calibration.checks.map((c: { figure: string }) => c.figure)).toEqual(
      expect.arrayContaining(['claudeUsdPerMonth', 'peakConcurrentUsers', 'heldConcurrentUsers']),
    );
  });

  it('needs at least one figure', async () => {
    const { stderr, exitCode } = await botcap('calibrate', '--no-plan');
    expect(exitCode).toBe(1);
    expect(stderr).toMatch(/give at least one production figure/);
  });
});
