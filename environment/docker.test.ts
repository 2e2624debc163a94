import pg from 'pg';
import { describe, expect, it } from 'vitest';
import { probeDockerEngine } from '../common/probes.ts';
import { startPgBouncer } from './pgbouncer.ts';
import { startPostgres } from './postgres.ts';
import { pingRedis, startRedis } from './redis.ts';

// `--runtime docker`: real testcontainers code paths, run only where a Docker engine answers.
const engine = await probeDockerEngine();
if (!engine.available) console.warn(`skipping --runtime docker tests: ${engine.detail} (${engine.howToGet})`);

describe.skipIf(!engine.available)('--runtime docker (testcontainers)', () => {
  it('runs postgres:16 with max_connections, a PgBouncer container in front of it, and redis:7', async () => {
    const db = await startPostgres({ runtime: 'docker', maxConnections: 50 });
    try {
      const client = new pg.Client({ connectionString: db.url });
      await client.connect();
      const { rows } = await client.query<{ max: string }>("SELECT current_setting('max_connections') AS max");
      await client.end();
      expect(rows[0]!.max).toBe('50');
      const bouncer = await startPgBouncer(db, { runtime: 'docker', defaultPoolSize: 5 });
      try {
        const viaBouncer = new pg.Client({ connectionString: bouncer.url });
        await viaBouncer.connect();
        expect((await viaBouncer.query<{ one: number }>('SELECT 1 AS one')).rows[0]!.one).toBe(1);
        await viaBouncer.end();
      } finally {
        await bouncer.stop();
      }
    } finally {
      await db.stop();
    }
    const redis = await startRedis({ runtime: 'docker' });
    try {
      expect(await pingRedis(redis.url)).toBe(true);
    } finally {
      await redis.stop();
    }
  }, 300_000);

  it('restarts the PostgreSQL container with its data: held sessions end, new ones get in', async () => {
    const db = await startPostgres({ runtime: 'docker' });
    try {
      const setup = new pg.Client({ connectionString: db.url });
      await setup.connect();
      await setup.query('CREATE TABLE survives_restart (n int); INSERT INTO survives_restart VALUES (7)');
      const ended = new Promise<boolean>((resolve) => setup.on('error', () => resolve(true)));
      expect(await db.restart!(0)).toMatch(/^container restarted \(docker restart\)/);
      expect(await ended).toBe(true);
      await setup.end().catch(() => undefined);
      // The URL may be stale if Docker moved the port; the detail says so, and then this connect fails loudly.
      const after = new pg.Client({ connectionString: db.url });
      await after.connect();
      expect((await after.query<{ n: number }>('SELECT n FROM survives_restart')).rows).toEqual([{ n: 7 }]);
      await after.end();
    } finally {
      await db.stop();
    }
  }, 300_000);
});
