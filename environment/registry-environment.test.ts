import { spawn } from 'node:child_process';
import { chmodSync, existsSync, mkdirSync, mkdtempSync, readdirSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { Environment, type EnvironmentEvent } from './environment.ts';
import { processStartTicks, RUN_REGISTRY_DEFAULTS } from './run-registry.ts';
import { isAlive, waitFor } from './util.ts';

/** The next run cleans what a killed run left before it starts anything, and says what it cleaned. */

const scratch = mkdtempSync(join(tmpdir(), 'botcap-registry-env-'));
afterAll(() => rmSync(scratch, { recursive: true, force: true }));

describe('Environment.start and the run registry', () => {
  it('kills a dead run’s leftovers, says so, lists itself while it runs and leaves no entry behind', async () => {
    // PostgreSQL runs as the `postgres` user when we are root: it must reach its data dir under TMPDIR.
    chmodSync(scratch, 0o755);
    const registry = join(scratch, RUN_REGISTRY_DEFAULTS.dirName);
    mkdirSync(registry);
    const orphan = spawn('sleep', ['300'], { detached: true, stdio: 'ignore' });
    writeFileSync(
      join(registry, 'dead.json'),
      JSON.stringify({
        version: 1,
        runId: 'dead',
        ownerPid: process.pid,
        // Our pid with another start time: what a dead botcap's reused pid looks like.
        ownerStartTicks: 'earlier',
        startedAt: '2026-12-03T13:00:00.000Z',
        processes: [{ name: 'bot-1', pid: orphan.pid, group: true, startTicks: processStartTicks(orphan.pid!) }],
        postgresDataDirs: [],
        dirs: [],
        ports: [],
      }),
    );
    const events: EnvironmentEvent[] = [];
    const savedTmp = process.env.TMPDIR;
    process.env.TMPDIR = scratch;
    let env: Environment | undefined;
    try {
      env = await Environment.start({ handleSignals: false, onEvent: (event) => events.push(event) });
      await waitFor('the orphan to die', async () => !isAlive(orphan.pid!), { timeoutMs: 5_000 });
      const cleaned = events.find((e) => e.type === 'cleaned');
      expect(cleaned?.type === 'cleaned' && cleaned.description).toMatch(
        new RegExp(
          `^cleaned up after a run that died \\(botcap pid ${process.pid}, .*killed bot-1 \\(pid ${orphan.pid}\\)`,
        ),
      );
      const entries = readdirSync(registry);
      expect(entries).toHaveLength(1);
      expect(entries[0]).toMatch(new RegExp(`^${process.pid}-\\w+\\.json$`));
    } finally {
      await env?.stop();
      process.env.TMPDIR = savedTmp;
      if (isAlive(orphan.pid!)) orphan.kill('SIGKILL');
    }
    expect(readdirSync(registry)).toEqual([]);
    expect(existsSync(join(registry, 'dead.json'))).toBe(false);
  });
});
