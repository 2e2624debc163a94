import { existsSync, readFileSync } from 'node:fs';
import pg from 'pg';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { probePgBouncer } from '../common/probes.ts';
import { type PgBouncerHandle, pgBouncerIni, startPgBouncer } from './pgbouncer.ts';
import { type PostgresHandle, startPostgres } from './postgres.ts';
import { isAlive } from './util.ts';

const probe = await probePgBouncer();
if (!probe.available) console.warn(`skipping PgBouncer tests: ${probe.detail} (${probe.howToGet})`);

const POOL_SIZE = 3;

/** The ini file a running pgbouncer was started with (its last argument). */
const iniPathOf = (pid: number) => readFileSync(`/proc/${pid}/cmdline`, 'utf8').split('\0').filter(Boolean).at(-1)!;

async function serverConnections(db: PostgresHandle): Promise<number> {
  const admin = new pg.Client({ connectionString: db.adminUrl });
  await admin.connect();
  try {
    const { rows } = await admin.query<{ n: string }>(
      "SELECT count(*) AS n FROM pg_stat_activity WHERE usename = 'botcap_app' AND backend_type = 'client backend'",
    );
    return Number(rows[0]!.n);
  } finally {
    await admin.end();
  }
}

describe.skipIf(!probe.available)('PgBouncer binary in transaction mode', () => {
  let db: PostgresHandle;
  let bouncer: PgBouncerHandle;
  beforeAll(async () => {
    db = await startPostgres({ maxConnections: 20 });
    bouncer = await startPgBouncer(db, { defaultPoolSize: POOL_SIZE, maxClientConn: 200 });
  });
  afterAll(async () => {
    await bouncer?.stop();
    await db?.stop();
  });

  it('serves many clients over a few server connections', async () => {
    const clients = Array.from({ length: 40 }, () => new pg.Client({ connectionString: bouncer.url }));
    await Promise.all(clients.map((c) => c.connect()));
    try {
      // 40 clients at once: more than max_connections allows directly.
      const peaks: number[] = [];
      await Promise.all([
        ...clients.map(async (c) => {
          for (let i = 0; i < 3; i++) await c.query('SELECT pg_sleep(0.02)');
        }),
        (async () => {
          for (let i = 0; i < 5; i++) peaks.push(await serverConnections(db));
        })(),
      ]);
      expect(Math.max(...peaks)).toBeGreaterThan(0);
      expect(Math.max(...peaks)).toBeLessThanOrEqual(POOL_SIZE);
      expect(await serverConnections(db)).toBeLessThanOrEqual(POOL_SIZE);
    } finally {
      await Promise.all(clients.map((c) => c.end()));
    }
  });

  it('does not keep a session advisory lock with the client that took it', async () => {
    const a = new pg.Client({ connectionString: bouncer.url });
    const b = new pg.Client({ connectionString: bouncer.url });
    await Promise.all([a.connect(), b.connect()]);
    try {
      const take = async (c: pg.Client) =>
        (await c.query<{ ok: boolean }>('SELECT pg_try_advisory_lock(4242) AS ok')).rows[0]!.ok;
      expect(await take(a)).toBe(true);
      // A's transaction ended, so its server connection went back to the pool (LIFO) and B's statement
      // runs on the very session that holds the lock: B "gets" it too. Directly on Postgres B would not.
      expect(await take(b)).toBe(true);
      const direct = new pg.Client({ connectionString: db.url });
      await direct.connect();
      expect((await direct.query<{ ok: boolean }>('SELECT pg_try_advisory_lock(4242) AS ok')).rows[0]!.ok).toBe(false);
      await direct.end();
    } finally {
      await Promise.all([a.end(), b.end()]);
    }
  });

  it('runs from a generated ini on 127.0.0.1 with the pool settings, and cleans up on stop', async () => {
    const [pid] = bouncer.pids();
    const ini = readFileSync(iniPathOf(pid!), 'utf8');
    expect(ini).toContain('pool_mode = transaction');
    expect(ini).toContain(`default_pool_size = ${POOL_SIZE}`);
    expect(ini).toContain('max_client_conn = 200');
    expect(ini).toContain('listen_addr = 127.0.0.1');
    expect(bouncer.safeUrl).not.toContain(new URL(bouncer.url).password);
    const second = await startPgBouncer(db, { poolMode: 'session' });
    const [secondPid] = second.pids();
    const secondIniPath = iniPathOf(secondPid!);
    expect(readFileSync(secondIniPath, 'utf8')).toContain('pool_mode = session');
    const dir = secondIniPath.replace(/\/pgbouncer\.ini$/, '');
    await second.stop();
    expect(isAlive(secondPid!)).toBe(false);
    expect(existsSync(dir)).toBe(false);
  });
});

describe('pgBouncerIni', () => {
  it('passes every database through to the upstream server', () => {
    const ini = pgBouncerIni({
      upstreamHost: '127.0.0.1',
      upstreamPort: 5555,
      listenPort: 6543,
      authType: 'scram-sha-256',
      authFile: '/tmp/x/userlist.txt',
      adminUser: 'postgres',
      poolMode: 'transaction',
      defaultPoolSize: 20,
      maxClientConn: 100,
      maxDbConnections: 0,
    });
    expect(ini).toContain('* = host=127.0.0.1 port=5555');
    expect(ini).toContain('listen_port = 6543');
    expect(ini).toContain('unix_socket_dir =');
  });
});
