import { spawn } from 'node:child_process';
import { mkdirSync, mkdtempSync, readdirSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { probeAll, probeEmbeddedPostgres } from '../../common/probes.ts';
import { isAlive, RUN_REGISTRY_DEFAULTS, waitFor } from '../../environment/index.ts';
import { processStartTicks } from '../../environment/run-registry.ts';
import { botcap } from '../testing/in-process.ts';
import { formatDoctor } from './doctor.ts';

describe('botcap doctor', () => {
  it('finds the embedded PostgreSQL that npm installed', async () => {
    const result = await probeEmbeddedPostgres();
    expect(result.available).toBe(true);
    expect(result.detail).toMatch(/PostgreSQL\) \d+/);
  });

  it('tells how to get each missing component', async () => {
    const results = await probeAll();
    expect(results.map((r) => r.component)).toEqual([
      'Node.js',
      'embedded PostgreSQL',
      'Docker engine',
      'PgBouncer',
      'Redis',
      'Chromium (report browser test)',
    ]);
    const text = formatDoctor([
      ...results,
      {
        component: 'Imaginary',
        available: false,
        detail: 'x',
        howToGet: 'apt-get install imaginary',
        requiredByDefault: true,
      },
    ]);
    expect(text).toContain('-> apt-get install imaginary');
    expect(text).toContain('cannot run its default path: Imaginary missing');
  });

  it('cleans what a killed run left and says what it cleaned', async () => {
    const scratch = mkdtempSync(join(tmpdir(), 'botcap-doctor-test-'));
    const registry = join(scratch, RUN_REGISTRY_DEFAULTS.dirName);
    mkdirSync(registry);
    const orphan = spawn('sleep', ['300'], { detached: true, stdio: 'ignore' });
    const dataDir = mkdtempSync(join(scratch, 'botcap-pg-'));
    // A run whose botcap is gone: our pid with another start time is what a dead, reused pid looks like.
    writeFileSync(
      join(registry, 'killed.json'),
      JSON.stringify({
        version: 1,
        runId: 'killed',
        ownerPid: process.pid,
        ownerStartTicks: 'earlier',
        startedAt: '2026-12-03T13:00:00.000Z',
        processes: [{ name: 'bot-1', pid: orphan.pid, group: true, startTicks: processStartTicks(orphan.pid!) }],
        postgresDataDirs: [],
        dirs: [dataDir],
        ports: [],
      }),
    );
    const savedTmp = process.env.TMPDIR;
    process.env.TMPDIR = scratch;
    try {
      const { stdout } = await botcap('doctor');
      expect(stdout).toContain(`cleaned up after a run that died (botcap pid ${process.pid}`);
      expect(stdout).toContain(`bot-1 (pid ${orphan.pid})`);
      await waitFor('the orphan to die', async () => !isAlive(orphan.pid!), { timeoutMs: 5_000 });
      expect(readdirSync(scratch)).toEqual([RUN_REGISTRY_DEFAULTS.dirName]);
      expect(readdirSync(registry)).toEqual([]);
    } finally {
      process.env.TMPDIR = savedTmp;
      if (isAlive(orphan.pid!)) orphan.kill('SIGKILL');
      rmSync(scratch, { recursive: true, force: true });
    }
  });
});
