import { type ChildProcess, spawn } from 'node:child_process';
import { existsSync, mkdirSync, mkdtempSync, readdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { PassThrough, Writable } from 'node:stream';
import pg from 'pg';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import {
  describeLeftDatabases,
  describeReap,
  findDeadRuns,
  processStartTicks,
  type RunRecord,
  RunRegistration,
  reapDeadRuns,
  runReaper,
  serverOf,
} from './run-registry.ts';
import { canConnect } from './supervisor.ts';
import { isAlive, waitFor } from './util.ts';

const scratch = mkdtempSync(join(tmpdir(), 'botcap-registry-test-'));
afterAll(() => rmSync(scratch, { recursive: true, force: true }));

const started: ChildProcess[] = [];
afterEach(() => {
  for (const child of started.splice(0)) if (child.pid !== undefined && isAlive(child.pid)) child.kill('SIGKILL');
});

/** A process that would run for minutes, in its own group, as botcap starts its children. */
function longRunning(): ChildProcess {
  const child = spawn('sleep', ['300'], { detached: true, stdio: 'ignore' });
  child.unref();
  started.push(child);
  return child;
}

/** What a reaper writes, collected. */
function collector(): { out: Writable; said: () => string } {
  let said = '';
  const out = new Writable({
    write(chunk, _encoding, done) {
      said += String(chunk);
      done();
    },
  });
  return { out, said: () => said };
}

/** A registry file as a botcap that has since died would have left it (its pid now names nothing of it). */
function deadRunRecord(dir: string, overrides: Partial<RunRecord>): string {
  mkdirSync(dir, { recursive: true });
  const record: RunRecord = {
    version: 1,
    runId: 'dead-run',
    ownerPid: process.pid,
    // Our pid with another start time: what a reused pid looks like, so the owner counts as gone.
    ownerStartTicks: 'not-our-start',
    startedAt: '2026-12-03T13:00:00.000Z',
    processes: [],
    postgresDataDirs: [],
    dirs: [],
    ports: [],
    ...overrides,
  };
  const file = join(dir, 'dead-run.json');
  writeFileSync(file, JSON.stringify(record));
  return file;
}

describe('run registry', () => {
  it('the next run kills what a dead run left, removes its dirs and says so', async () => {
    const dir = join(scratch, 'reap');
    const orphan = longRunning();
    const dataDir = mkdtempSync(join(scratch, 'botcap-logs-'));
    deadRunRecord(dir, {
      processes: [{ name: 'bot-1', pid: orphan.pid!, group: true, startTicks: processStartTicks(orphan.pid!) }],
      dirs: [dataDir],
      ports: [{ name: 'postgres', port: 47011 }],
    });
    const reports = await reapDeadRuns(dir);
    expect(reports).toHaveLength(1);
    await waitFor('the orphan to die', async () => !isAlive(orphan.pid!), { timeoutMs: 5_000 });
    expect(existsSync(dataDir)).toBe(false);
    expect(readdirSync(dir)).toEqual([]);
    const line = describeReap(reports[0]!);
    expect(line).toContain(`bot-1 (pid ${orphan.pid})`);
    expect(line).toContain(dataDir);
    expect(line).toContain('47011 (postgres)');
  });

  it('never kills a process whose pid was reused, nor touches a run whose botcap is alive', async () => {
    const dir = join(scratch, 'safe');
    const stranger = longRunning();
    deadRunRecord(dir, { processes: [{ name: 'bot-1', pid: stranger.pid!, group: true, startTicks: 'earlier' }] });
    const live = RunRegistration.open({ dir, reaper: false });
    const liveDir = mkdtempSync(join(scratch, 'live-'));
    live.add({ kind: 'dir', path: liveDir });
    try {
      expect(findDeadRuns(dir).map((r) => r.record.runId)).toEqual(['dead-run']);
      const [report] = await reapDeadRuns(dir);
      expect(report!.killed).toEqual([]);
      expect(isAlive(stranger.pid!)).toBe(true);
      expect(existsSync(liveDir)).toBe(true);
      expect(existsSync(live.file)).toBe(true);
    } finally {
      await live.close();
    }
    expect(existsSync(live.file)).toBe(false);
  });

  it('the reaper cleans once the pipe from a dead botcap closes, and does nothing after a clean stop', async () => {
    const dir = join(scratch, 'reaper');
    const orphan = longRunning();
    const file = deadRunRecord(dir, {
      processes: [{ name: 'postgres', pid: orphan.pid!, group: true, startTicks: processStartTicks(orphan.pid!) }],
    });
    const first = collector();
    const pipe = new PassThrough();
    const reaping = runReaper(file, pipe, first.out);
    pipe.end();
    await reaping;
    expect(isAlive(orphan.pid!)).toBe(false);
    expect(existsSync(file)).toBe(false);
    expect(first.said()).toMatch(/^botcap run-reaper: cleaned up after a run that died .*postgres \(pid \d+\)/);

    const second = collector();
    const quiet = new PassThrough();
    const after = runReaper(file, quiet, second.out);
    quiet.end();
    await after;
    expect(second.said()).toBe('');
  });

  it('a registration lists what the run starts as it starts it', async () => {
    const dir = join(scratch, 'listing');
    const registration = RunRegistration.open({ dir, reaper: false });
    registration.add({ kind: 'process', name: 'bot-1', pid: process.pid, group: true });
    registration.add({ kind: 'postgres-data', dir: '/tmp/botcap-pg-x' });
    const record = JSON.parse(readFileSync(registration.file, 'utf8')) as RunRecord;
    expect(record.ownerPid).toBe(process.pid);
    expect(record.processes.map((p) => p.name)).toEqual(['bot-1']);
    expect(record.postgresDataDirs).toEqual(['/tmp/botcap-pg-x']);
    await registration.close();
    expect(readdirSync(dir)).toEqual([]);
  });

  it('records a run database on an external server by name and server, never with its password', async () => {
    const dir = join(scratch, 'database-listing');
    const registration = RunRegistration.open({ dir, reaper: false });
    registration.add({
      kind: 'database',
      name: 'botcap_run_abc',
      adminUrl: 'postgres://admin:s3cret-pw@db.example.com:6543/postgres',
    });
    const text = readFileSync(registration.file, 'utf8');
    expect(text).not.toContain('s3cret-pw');
    expect((JSON.parse(text) as RunRecord).databases).toEqual([
      { name: 'botcap_run_abc', server: 'admin@db.example.com:6543' },
    ]);
    await registration.close();
    expect(serverOf('postgres://127.0.0.1/x')).toBe('postgres@127.0.0.1:5432');
  });
});

// The machine's PostgreSQL (node-svc runs one on 5432 for tests that want an external server).
const LOCAL_POSTGRES = 'postgres://postgres@127.0.0.1:5432/postgres';
const localAnswers = await canConnect(5432);

describe.skipIf(!localAnswers)('run registry: databases a killed run left on an external server (5432)', () => {
  const admin = new pg.Client({ connectionString: LOCAL_POSTGRES });
  const exists = async (name: string) =>
    (await admin.query('SELECT 1 FROM pg_database WHERE datname = $1', [name])).rowCount === 1;
  const created: string[] = [];
  const createDatabase = async (name: string) => {
    await admin.query(`CREATE DATABASE ${admin.escapeIdentifier(name)}`);
    created.push(name);
  };
  beforeAll(() => admin.connect());
  afterAll(async () => {
    for (const name of created) await admin.query(`DROP DATABASE IF EXISTS ${admin.escapeIdentifier(name)}`);
    await admin.end();
  });

  it('the reaper drops it with the admin URL botcap told it through the pipe, and says so', async () => {
    const name = `botcap_run_reaper_${process.pid}`;
    await createDatabase(name);
    const dir = join(scratch, 'reaper-database');
    const file = deadRunRecord(dir, { databases: [{ name, server: serverOf(LOCAL_POSTGRES) }] });
    const { out, said } = collector();
    const pipe = new PassThrough();
    const reaping = runReaper(file, pipe, out);
    pipe.write(`${JSON.stringify({ database: name, adminUrl: LOCAL_POSTGRES })}\n`);
    pipe.end();
    await reaping;
    expect(await exists(name)).toBe(false);
    expect(existsSync(file)).toBe(false);
    expect(said()).toContain(`dropped database ${name} on postgres@127.0.0.1:5432`);
  });

  it('without credentials the record stays and doctor names it; the next run on that server drops it', async () => {
    const name = `botcap_run_next_${process.pid}`;
    await createDatabase(name);
    const dir = join(scratch, 'next-run-database');
    const file = deadRunRecord(dir, { databases: [{ name, server: serverOf(LOCAL_POSTGRES) }] });
    const first = await reapDeadRuns(dir);
    expect(first[0]!.droppedDatabases).toEqual([]);
    expect(describeLeftDatabases(first)).toEqual([
      expect.stringMatching(
        new RegExp(`left database ${name} on postgres@127\\.0\\.0\\.1:5432 \\(no credentials .*DROP DATABASE ${name}`),
      ),
    ]);
    expect(await exists(name)).toBe(true);
    expect(existsSync(file)).toBe(true);
    // A run against another server cannot drop it either.
    await reapDeadRuns(dir, { adminUrls: ['postgres://postgres@127.0.0.1:5999/postgres'] });
    expect(await exists(name)).toBe(true);
    const second = await reapDeadRuns(dir, { adminUrls: [LOCAL_POSTGRES] });
    expect(describeReap(second[0]!)).toContain(`dropped database ${name}`);
    expect(await exists(name)).toBe(false);
    expect(readdirSync(dir)).toEqual([]);
  });
});
