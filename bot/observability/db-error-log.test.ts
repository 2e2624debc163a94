import pg from 'pg';
import pino from 'pino';
import { Registry } from 'prom-client';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startTestPostgres, type TestPostgres } from '../../testing/postgres.ts';
import { loadBotConfig } from '../config/index.ts';
import { migrate } from '../db/migrate.ts';
import { createDbErrorLog } from './db-error-log.ts';

const logger = pino({ level: 'silent' });
let server: TestPostgres;
let databaseUrl: string;

beforeAll(async () => {
  server = await startTestPostgres();
  databaseUrl = await server.createDatabase();
  await migrate({ databaseUrl, logger });
});
afterAll(() => server?.stop());

function errorLog(pool: pg.Pool, registry: Registry, observability: { errorLogQueueMax?: number } = {}) {
  const config = loadBotConfig({
    overrides: { instanceId: 'bot-1', observability: { errorLog: true, errorLogConcurrency: 2, ...observability } },
  });
  return createDbErrorLog({ config, pool, registry, logger });
}

async function outcomes(registry: Registry): Promise<Record<string, number>> {
  const values = (await registry.getSingleMetric('bot_error_log_total')!.get()).values;
  return Object.fromEntries(values.map((v) => [String(v.labels.outcome), v.value]));
}

async function gauge(registry: Registry, name: string): Promise<number> {
  return (await registry.getSingleMetric(name)!.get()).values[0]?.value ?? 0;
}

describe('the PostgreSQL error log', () => {
  it('writes each error as a row through the bot pool, taking its connections while a storm is written', async () => {
    const pool = new pg.Pool({ connectionString: databaseUrl, max: 4 });
    const registry = new Registry();
    const log = errorLog(pool, registry);
    for (let i = 0; i < 50; i++) log.capture(new Error(`Claude 529 #${i}`), { kind: 'claude-fallback' });
    // The storm is being written: the log holds its two connections of the user's pool of four.
    expect(await gauge(registry, 'bot_error_log_writing')).toBe(2);
    expect(await gauge(registry, 'bot_error_log_queued')).toBe(48);
    await log.close();
    const { rows } = await pool.query<{ n: number; kind: string }>(
      "SELECT count(*)::int AS n, min(kind) AS kind FROM error_log WHERE message LIKE 'Error: Claude 529 #%'",
    );
    expect(rows[0]).toEqual({ n: 50, kind: 'claude-fallback' });
    expect(await outcomes(registry)).toEqual({ written: 50 });
    await pool.end();
  });

  it('is bounded: beyond the queue cap an error is dropped and counted, not queued', async () => {
    const pool = new pg.Pool({ connectionString: databaseUrl, max: 4 });
    const registry = new Registry();
    const log = errorLog(pool, registry, { errorLogQueueMax: 5 });
    for (let i = 0; i < 100; i++) log.capture(new Error(`storm #${i}`), { kind: 'text' });
    await log.close();
    // Two being written and five waiting when the burst arrived; the other 93 were dropped at once.
    expect(await outcomes(registry)).toEqual({ written: 7, dropped: 93 });
    await pool.end();
  });

  it('survives PostgreSQL being down: capture never throws, each failed write is counted', async () => {
    // Nothing listens on port 1: every connection is refused, as during an outage.
    const pool = new pg.Pool({ connectionString: 'postgres://bot@127.0.0.1:1/bot', connectionTimeoutMillis: 500 });
    pool.on('error', () => undefined);
    const registry = new Registry();
    const log = errorLog(pool, registry);
    for (let i = 0; i < 10; i++) expect(() => log.capture(new Error(`db down #${i}`), {})).not.toThrow();
    await log.close();
    expect(await outcomes(registry)).toEqual({ failed: 10 });
    await pool.end();
  });
});
