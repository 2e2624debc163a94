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
});
