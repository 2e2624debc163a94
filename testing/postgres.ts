import { randomBytes } from 'node:crypto';
import pg from 'pg';
import { startEmbeddedPostgres } from '../environment/postgres-embedded.ts';

/** One real PostgreSQL per test file; each test that needs a clean slate asks for its own database. */
export interface TestPostgres {
  /**
   * A fresh, empty database on the shared server: a superuser URL, or with `connectionLimit` the URL of
   * its own non-superuser owner allowed that many connections (superusers are exempt from the limit).
   */
  createDatabase(options?: { connectionLimit?: number }): Promise<string>;
  stop(): Promise<void>;
}

/**
 * Starts an embedded PostgreSQL (real server binaries from npm) for one test file; `maxConnections` defaults
 * to the environment's (POSTGRES_DEFAULTS).
 *
 * @example
 * let db: TestPostgres;
 * beforeAll(async () => { db = await startTestPostgres(); });
 * afterAll(() => db.stop());
 */
export async function startTestPostgres(options: { maxConnections?: number } = {}): Promise<TestPostgres> {
  const server = await startEmbeddedPostgres(options);
  return {
    async createDatabase(options = {}) {
      const name = `bot_test_${randomBytes(5).toString('hex')}`;
      const url = new URL(server.adminUrl);
      url.pathname = `/${name}`;
      const admin = new pg.Client({ connectionString: server.adminUrl });
      await admin.connect();
      try {
        if (options.connectionLimit === undefined) {
          await admin.query(`CREATE DATABASE ${name}`);
          return url.toString();
        }
        const password = randomBytes(8).toString('hex');
        await admin.query(
          `CREATE ROLE ${name} LOGIN PASSWORD '${password}' CONNECTION LIMIT ${options.connectionLimit}`,
        );
        await admin.query(`CREATE DATABASE ${name} OWNER ${name}`);
        url.username = name;
        url.password = password;
        return url.toString();
      } finally {
        await admin.end();
      }
    },
    stop: () => server.stop(),
  };
}

/**
 * A pg pool for a test, with an 'error' listener. When the test file's server stops, an idle client's
 * backend ends with 57P01 (terminating connection due to administrator command), which pg reports on the
 * pool; without a listener Node makes it an uncaught exception that vitest charges to whichever file is
 * running, and fails the whole run (seen in CI, on an admin pool of assistant.test.ts).
 *
 * @example
 * const admin = openTestPool(databaseUrl, { max: 2 });
 */
export function openTestPool(connectionString: string, options: Omit<pg.PoolConfig, 'connectionString'> = {}): pg.Pool {
  const pool = new pg.Pool({ ...options, connectionString });
  pool.on('error', () => undefined);
  return pool;
}
