import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { makeRun } from '../reports/matrix/testing/outcomes.ts';
import { getMatrix } from '../scenarios/matrices/index.ts';
import { type MatrixVariantStart, runMatrix, type ScenarioRunner } from './matrix.ts';

/** runMatrix with runScenario replaced by a stand-in, so the plumbing is tested in milliseconds. */

const outRoot = mkdtempSync(join(tmpdir(), 'botcap-run-matrix-test-'));
afterAll(() => rmSync(outRoot, { recursive: true, force: true }));

describe('runMatrix', () => {
  it('runs every variant in order and passes the kill to runScenario for the variants that kill an instance', async () => {
    const kills: (string | undefined)[] = [];
    const started: MatrixVariantStart[] = [];
    const recording: ScenarioRunner = async (scenario, options) => {
      kills.push(options.killInstanceAt === undefined ? undefined : JSON.stringify(options.killInstanceAt));
      return makeRun({ variant: options.variant ?? 'x', instances: scenario.bot.instances });
    };
    const matrix = getMatrix('transport');
    const run = await runMatrix(matrix, {
      size: 'default',
      outDir: join(outRoot, 'kills'),
      run: recording,
      onVariant: (variant) => started.push(variant),
    });
    expect(kills).toEqual([undefined, undefined, undefined, undefined, '{"fraction":0.5}', '{"fraction":0.5}']);
    expect(started.map((s) => `${s.index + 1}/${s.count} ${s.label}`)).toEqual(
      matrix.variants.map((v, i) => `${i + 1}/${matrix.variants.length} ${v.label}`),
    );
    expect(run.outcomes.map((o) => o.label)).toEqual(matrix.variants.map((v) => v.label));
  });
});
