import { type ChildProcess, spawn } from 'node:child_process';
import { chmodSync, mkdtempSync, readdirSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import pg from 'pg';
import { afterAll, describe, expect, it, type TestContext } from 'vitest';
import { runResultSchema } from '../contracts/run-result.ts';
import { freePort, isAlive, RUN_REGISTRY_DEFAULTS, waitFor } from '../environment/index.ts';
import { applyOverrides, loadScenario } from '../scenarios/index.ts';
import { runScenario } from './run.ts';

/**
 * Nothing outlives a run: Ctrl-C in the middle of `botcap run` stops the bots and Postgres and removes
 * the temp dirs; a run against an existing server drops the database it created.
 */

const BIN = fileURLToPath(new URL('../bin/botcap.js', import.meta.url));
const LOCAL_POSTGRES = 'postgres://postgres@127.0.0.1:5432/postgres';
const scratch = mkdtempSync(join(tmpdir(), 'botcap-teardown-test-'));
afterAll(() => rmSync(scratch, { recursive: true, force: true }));

/** What a run leaves in the temp dir besides the registry (which outlives runs: it is how killed runs are found). */
function leftovers(dir: string): string[] {
  return readdirSync(dir).filter((name) => name.startsWith('botcap-') && name !== RUN_REGISTRY_DEFAULTS.dirName);
}

/** Every process whose parent chain leads to `rootPid` (from /proc). */
function descendants(rootPid: number): number[] {
  const parentOf = new Map<number, number>();
  for (const entry of readdirSync('/proc')) {
    if (!/^\d+$/.test(entry)) continue;
    try {
      const stat = readFileSync(`/proc/${entry}/stat`, 'utf8');
      parentOf.set(Number(entry), Number(stat.slice(stat.lastIndexOf(')') + 2).split(' ')[1]));
    } catch {
      // exited while we read
    }
  }
  const found = new Set<number>([rootPid]);
  let grew = true;
  while (grew) {
    grew = false;
    for (const [pid, ppid] of parentOf) {
      if (!found.has(pid) && found.has(ppid)) {
        found.add(pid);
        grew = true;
      }
    }
  }
  found.delete(rootPid);
  return [...found];
}

function exitOf(child: ChildProcess): Promise<{ code: number | null; signal: NodeJS.Signals | null }> {
  return new Promise((resolve) => child.once('exit', (code, signal) => resolve({ code, signal })));
}

/** `botcap run <args>` as a child, its stderr collected, and a wait for its load to start. */
function spawnRun(args: readonly string[], env: NodeJS.ProcessEnv) {
  const child = spawn(process.execPath, [BIN, 'run', ...args], { env, stdio: ['ignore', 'pipe', 'pipe'] });
  const exited = exitOf(child);
  let stderr = '';
  child.stderr!.on('data', (chunk: Buffer) => {
    stderr += chunk.toString();
  });
  const loadStarted = () =>
    waitFor(
      'the load to start',
      async () => {
        if (child.exitCode !== null) throw new Error(`botcap run exited early (${child.exitCode}):\n${stderr}`);
        return /load: /.test(stderr);
      },
      { timeoutMs: 45_000 },
    );
  return { child, exited, stderr: () => stderr, loadStarted };
}

/** The machine's PostgreSQL as an admin client, or the test skipped with the reason printed. */
async function localPostgresOrSkip(ctx: TestContext): Promise<pg.Client | undefined> {
  const admin = await localPostgres();
  if (admin === undefined) {
    console.warn(`skipped: no PostgreSQL answers at ${LOCAL_POSTGRES}`);
    ctx.skip();
  }
  return admin;
}

/** The run databases (`botcap_run_*`) on a server. */
async function runDatabasesOn(admin: pg.Client): Promise<string[]> {
  const { rows } = await admin.query<{ datname: string }>(
    "SELECT datname FROM pg_database WHERE datname LIKE 'botcap_run_%'",
  );
  return rows.map((r) => r.datname);
}

async function localPostgres(): Promise<pg.Client | undefined> {
  const client = new pg.Client({ connectionString: LOCAL_POSTGRES, connectionTimeoutMillis: 2_000 });
  client.on('error', () => undefined);
  try {
    await client.connect();
    return client;
  } catch {
    return undefined;
  }
}

describe('teardown', () => {
  it('on SIGINT mid-run stops the bots and Postgres, removes temp dirs and exits 130', async () => {
    const runTmp = mkdtempSync(join(scratch, 'tmp-'));
    // Postgres runs as the `postgres` user when we are root: it must reach its data dir under TMPDIR.
    chmodSync(scratch, 0o755);
    chmodSync(runTmp, 0o755);
    const out = join(scratch, 'out');
    const child = spawn(
      process.execPath,
      [BIN, 'run', 'smoke', '--duration', '10m', '--time-scale', '20', '--out', out],
      {
        env: { ...process.env, TMPDIR: runTmp },
        stdio: ['ignore', 'pipe', 'pipe'],
      },
    );
    const exited = exitOf(child);
    let stderr = '';
    child.stderr!.on('data', (chunk: Buffer) => {
      stderr += chunk.toString();
    });
    try {
      await waitFor(
        'the load to start',
        async () => {
          if (child.exitCode !== null) throw new Error(`botcap run exited early (${child.exitCode}):\n${stderr}`);
          return /load: /.test(stderr);
        },
        { timeoutMs: 45_000 },
      );
      const pids = descendants(child.pid!);
      expect(pids.length).toBeGreaterThanOrEqual(2); // the bot and the postmaster at least
      expect(leftovers(runTmp).length).toBeGreaterThan(0);
      child.kill('SIGINT');
      const { code } = await exited;
      expect(code).toBe(130);
      await waitFor('every child to exit', async () => pids.every((pid) => !isAlive(pid)), { timeoutMs: 10_000 });
      expect(leftovers(runTmp)).toEqual([]);
      // What ran was still measured and written.
      const result = runResultSchema.parse(JSON.parse(readFileSync(join(out, 'result.json'), 'utf8')));
      expect(result.status).toBe('aborted');
      expect(stderr).toMatch(/SIGINT: stopping the run/);
    } finally {
      if (child.exitCode === null && child.signalCode === null) child.kill('SIGKILL');
    }
  });

  it('on SIGKILL mid-run its reaper kills the bots and Postgres, removes the data dir and says so', async () => {
    const runTmp = mkdtempSync(join(scratch, 'tmp-'));
    chmodSync(scratch, 0o755);
    chmodSync(runTmp, 0o755);
    const run = spawnRun(['smoke', '--duration', '10m', '--out', join(scratch, 'out-kill')], {
      ...process.env,
      TMPDIR: runTmp,
    });
    try {
      await run.loadStarted();
      const registry = join(runTmp, RUN_REGISTRY_DEFAULTS.dirName);
      expect(readdirSync(registry).filter((name) => name.endsWith('.json'))).toHaveLength(1);
      const pids = descendants(run.child.pid!);
      expect(pids.length).toBeGreaterThanOrEqual(3); // the reaper, the bot and the postmaster at least
      expect(leftovers(runTmp).length).toBeGreaterThan(0);
      run.child.kill('SIGKILL');
      expect((await run.exited).signal).toBe('SIGKILL');
      await waitFor('every process of the run to exit', async () => pids.every((pid) => !isAlive(pid)), {
        timeoutMs: 15_000,
      });
      await waitFor('the data dirs to go', async () => leftovers(runTmp).length === 0, { timeoutMs: 5_000 });
      expect(readdirSync(registry)).toEqual([]);
      expect(run.stderr()).toMatch(/botcap run-reaper: cleaned up after a run that died .*bot-1 \(pid \d+\).*postgres/);
    } finally {
      if (run.child.exitCode === null && run.child.signalCode === null) run.child.kill('SIGKILL');
    }
  });

  it('on SIGKILL mid-run with --database-url its reaper drops the run database on that server and says so', async (ctx) => {
    const admin = await localPostgresOrSkip(ctx);
    if (admin === undefined) return;
    const runDatabases = () => runDatabasesOn(admin);
    const runTmp = mkdtempSync(join(scratch, 'tmp-'));
    chmodSync(scratch, 0o755);
    chmodSync(runTmp, 0o755);
    const before = new Set(await runDatabases());
    const run = spawnRun(
      ['smoke', '--duration', '10m', '--database-url', LOCAL_POSTGRES, '--out', join(scratch, 'out-kill-url')],
      { ...process.env, TMPDIR: runTmp },
    );
    try {
      await run.loadStarted();
      const created = (await runDatabases()).filter((name) => !before.has(name));
      expect(created).toHaveLength(1);
      run.child.kill('SIGKILL');
      await run.exited;
      await waitFor('the run database to be dropped', async () => !(await runDatabases()).includes(created[0]!), {
        timeoutMs: 15_000,
      });
      // The reaper reports the whole reap once it is done, a moment after the DROP itself.
      const said = `dropped database ${created[0]} on postgres@127.0.0.1:5432`;
      await waitFor('the reaper to say so', async () => run.stderr().includes(said), { timeoutMs: 5_000 }).catch(
        () => undefined,
      );
      expect(run.stderr()).toContain(said);
      expect(readdirSync(join(runTmp, RUN_REGISTRY_DEFAULTS.dirName))).toEqual([]);
    } finally {
      if (run.child.exitCode === null && run.child.signalCode === null) run.child.kill('SIGKILL');
      await admin.end();
    }
  });

  it('with fixed ports, after botcap and its reaper are SIGKILLed, the next run reaps the orphans and its numbers are its own', async () => {
    const runTmp = mkdtempSync(join(scratch, 'tmp-'));
    chmodSync(scratch, 0o755);
    chmodSync(runTmp, 0o755);
    const ports = [String(await freePort()), String(await freePort())];
    const fixedPorts = ['--telegram-port', ports[0]!, '--claude-port', ports[1]!];
    const env = { ...process.env, TMPDIR: runTmp };
    const first = spawnRun(
      ['smoke', '--duration', '10m', '--time-scale', '20', ...fixedPorts, '--out', join(scratch, 'out-first')],
      env,
    );
    let orphans: number[] = [];
    try {
      await first.loadStarted();
      // What a CI runner's kill of everything it can see does: botcap and its reaper die at once, so nothing
      // of that run cleans up after it; its bot keeps polling the fixed port where the next run's fake will be.
      const pids = descendants(first.child.pid!);
      const reaper = pids.find((pid) => readFileSync(`/proc/${pid}/cmdline`, 'utf8').includes('run-reaper'));
      expect(reaper).toBeDefined();
      process.kill(reaper!, 'SIGKILL');
      first.child.kill('SIGKILL');
      await first.exited;
      orphans = pids.filter((pid) => pid !== reaper && isAlive(pid));
      expect(orphans.length).toBeGreaterThanOrEqual(1); // the bot, and the postmaster with its backends

      const out = join(scratch, 'out-second');
      const second = spawnRun(['smoke', '--duration', '30s', '--time-scale', '5', ...fixedPorts, '--out', out], env);
      const { code } = await second.exited;
      const stderr = second.stderr();
      // It said what it reaped, and nothing of the first run is left.
      expect(stderr).toMatch(
        new RegExp(`cleaned up after a run that died \\(botcap pid ${first.child.pid}, .*killed bot-1 \\(pid \\d+\\)`),
      );
      expect(orphans.filter((pid) => isAlive(pid))).toEqual([]);
      // Its numbers are its own: its one bot took every update (an orphan poller would have taken some, or
      // ended the new bot's polls with 409 Conflict and killed it).
      const result = runResultSchema.parse(JSON.parse(readFileSync(join(out, 'result.json'), 'utf8')));
      expect(code, stderr).not.toBe(1);
      expect(result.error).toBeUndefined();
      expect(result.status).toBe('completed');
      expect(result.correctness.errorsByKind).not.toHaveProperty('telegram_409');
      expect(result.load.updatesInjected).toBeGreaterThan(0);
      expect(result.correctness.lostUpdates).toBe(0);
    } finally {
      if (first.child.exitCode === null && first.child.signalCode === null) first.child.kill('SIGKILL');
      for (const pid of orphans) if (isAlive(pid)) process.kill(pid, 'SIGKILL');
    }
    // Two runs of botcap with their start and stop: 48-58 s on a machine loaded to 13-20, so room above 60 s.
  }, 150_000);

  it('--database-url: the run database is created on the existing server and dropped afterwards', async (ctx) => {
    const admin = await localPostgresOrSkip(ctx);
    if (admin === undefined) return;
    const runDatabases = () => runDatabasesOn(admin);
    try {
      const before = new Set(await runDatabases());
      let during: string[] = [];
      let botPids: number[] = [];
      const scenario = applyOverrides(await loadScenario('smoke'), { duration: '30s', timeScale: 20 });
      const result = await runScenario(scenario, {
        databaseUrl: LOCAL_POSTGRES,
        handleSignals: false,
        onLoadStart: (bots) => {
          botPids = bots.flatMap((b) => (b.pid === undefined ? [] : [b.pid]));
          void runDatabases().then((names) => {
            during = names.filter((name) => !before.has(name));
          });
        },
      });
      expect(runResultSchema.safeParse(result).success).toBe(true);
      expect(result.environment.postgres.runtime).toBe('url');
      expect(result.latency.replyFinal.count).toBeGreaterThan(10);
      expect(during.length).toBeGreaterThanOrEqual(1);
      await waitFor('the run database to be dropped', async () => {
        const now = new Set(await runDatabases());
        return during.every((name) => !now.has(name));
      });
      expect(botPids.length).toBe(1);
      expect(botPids.every((pid) => !isAlive(pid))).toBe(true);
    } finally {
      await admin.end();
    }
  });
});
