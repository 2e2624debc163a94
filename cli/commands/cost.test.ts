import { mkdtemp, readFile, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { defaultPricing } from '../../reports/data/pricing.ts';
import { fixturePath } from '../../reports/fixtures/index.ts';
import { costReportSchema } from '../../reports/render/json.ts';
import { createProgram } from '../program.ts';
import { botcap } from '../testing/in-process.ts';

afterEach(() => {
  process.exitCode = undefined;
});

describe('botcap cost', () => {
  it('prices a run at a DAU and writes Markdown and JSON on request', async () => {
    const dir = await mkdtemp(join(tmpdir(), 'botcap-cost-cli-'));
    const md = join(dir, 'cost.md');
    const json = join(dir, 'cost.json');
    const { stdout, exitCode } = await botcap(
      'cost',
      fixturePath('soak-1h'),
      '--dau',
      '20000',
      '--markdown',
      md,
      '--json',
      json,
    );
    expect(exitCode).toBe(0);
    expect(stdout).toMatch(/^Cost: soak-1h/);
    expect(stdout).toMatch(/Total per month at 20,000 DAU/);
    expect(stdout).toMatch(/What each cost control saves/);
    const report = costReportSchema.parse(JSON.parse(await readFile(json, 'utf8')));
    expect(report.dau).toBe(20_000);
    expect(report.kind).toBe('run');
    expect(await readFile(md, 'utf8')).toContain('## Cost: soak-1h');
  });

  it('halves the monthly cost when a user-day is twice the run', async () => {
    const json = async (...extra: string[]) => {
      const dir = await mkdtemp(join(tmpdir(), 'botcap-cost-cli-'));
      await botcap('cost', fixturePath('smoke'), '--json', join(dir, 'c.json'), ...extra);
      return costReportSchema.parse(JSON.parse(await readFile(join(dir, 'c.json'), 'utf8')));
    };
    const base = await json('--user-day-s', '60'); // the smoke run lasts 60 s
    const longer = await json('--user-day-s', '120');
    expect(longer.perMonth.llmUsd).toBeCloseTo(base.perMonth.llmUsd * 2, 6);
  });

  it('defines a user-day by updates on request, and refuses two definitions at once', async () => {
    const dir = await mkdtemp(join(tmpdir(), 'botcap-cost-cli-'));
    const file = join(dir, 'c.json');
    const { exitCode } = await botcap('cost', fixturePath('smoke'), '--updates-per-user-day', '13', '--json', file);
    expect(exitCode).toBe(0);
    const report = costReportSchema.parse(JSON.parse(await readFile(file, 'utf8')));
    expect(report.assumptions[0]).toMatch(/updates injected \/ 13 updates per user per day/);
    const both = await botcap('cost', fixturePath('smoke'), '--updates-per-user-day', '13', '--user-day-s', '60');
    expect(both.exitCode).toBe(1);
    expect(both.stderr).toMatch(/both define a user-day; pass one/);
  });

  it('estimates from what-if flags without a run', async () => {
    const dir = await mkdtemp(join(tmpdir(), 'botcap-cost-cli-'));
    const json = join(dir, 'cost.json');
    const on = await botcap('cost', '--dau', '1000', '--messages-per-user-per-day', '2', '--json', json);
    expect(on.exitCode).toBe(0);
    expect(on.stdout).toMatch(/^Cost: what-if: 1,000 DAU/);
    const withAll = costReportSchema.parse(JSON.parse(await readFile(json, 'utf8')));
    await botcap('cost', '--dau', '1000', '--messages-per-user-per-day', '2', '--routing', 'off', '--json', json);
    const noRouting = costReportSchema.parse(JSON.parse(await readFile(json, 'utf8')));
    expect(noRouting.perMonth.llmUsd).toBeGreaterThan(withAll.perMonth.llmUsd);
    expect(noRouting.mitigations.steps.find((s) => s.id === 'routing')?.enabled).toBe(false);
  });

  it('lists the what-if assumptions with their defaults in --help', () => {
    const program = createProgram();
    const help = program.commands.find((c) => c.name() === 'cost')!.helpInformation();
    expect(help).toMatch(/--simple-turn-share <value>\s+what-if: share of messages simple enough/);
    expect(help).toMatch(/\(default 0\.6\)/);
  });

  it('uses --pricing, and warns about a retired model instead of pricing it silently', async () => {
    const dir = await mkdtemp(join(tmpdir(), 'botcap-cost-cli-'));
    const pricing = structuredClone(defaultPricing());
    for (const model of pricing.models) model.status = 'retired';
    const file = join(dir, 'pricing.json');
    await writeFile(file, JSON.stringify(pricing));
    const { stdout, exitCode } = await botcap('cost', fixturePath('smoke'), '--pricing', file);
    expect(exitCode).toBe(0);
    expect(stdout).toMatch(/WARNING: model "claude-sonnet-4-5" is retired/);
  });

  it('rejects bad input with the field and the fix, exit code 1', async () => {
    const share = await botcap('cost', '--simple-turn-share', '2');
    expect(share.exitCode).toBe(1);
    expect(share.stderr).toMatch(/simpleTurnShare: .*got "2"/);
    const mixed = await botcap('cost', fixturePath('smoke'), '--routing', 'off');
    expect(mixed.exitCode).toBe(1);
    expect(mixed.stderr).toMatch(/--routing applies only without a result file/);
    const dir = await mkdtemp(join(tmpdir(), 'botcap-cost-cli-'));
    await writeFile(join(dir, 'bad.json'), JSON.stringify({ schemaVersion: 1, models: [] }));
    const bad = await botcap('cost', '--pricing', join(dir, 'bad.json'));
    expect(bad.exitCode).toBe(1);
    expect(bad.stderr).toMatch(/is not valid pricing data:\n {2}currency: /);
  });
});
