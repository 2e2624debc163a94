import pg from 'pg';
import pino from 'pino';
import { Registry } from 'prom-client';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startTestPostgres, type TestPostgres } from '../../testing/postgres.ts';
import { migrate } from '../db/migrate.ts';
import { createSlotter, SLOT_OVER_CAP_METRIC, usersOverCap } from './choose-slotter.ts';
import type { SlottingConfig } from './slotter.ts';

const TEN = 600;
const nowMs = Date.parse('2026-11-30T09:30:00Z');
let server: TestPostgres;

beforeAll(async () => {
  server = await startTestPostgres({ maxConnections: 120 });
});
afterAll(() => server?.stop());

/** A migrated database with `count` users (ids 1..count) and a pool wide enough for 40 sign-ups at once. */
async function freshDatabase(count: number): Promise<pg.Pool> {
  const databaseUrl = await server.createDatabase();
  await migrate({ databaseUrl, logger: pino({ level: 'silent' }) });
  const pool = new pg.Pool({ connectionString: databaseUrl, max: 40, connectionTimeoutMillis: 30_000 });
  pool.on('error', () => undefined);
  // Every connection open before the sign-ups start: on a busy machine a cold pool opens them one by one, the
  // first few serve the sign-ups nearly in turn, and the COUNT-then-write race (which needs overlap) may not
  // happen at all (CI: exactly 50 at 10:00 once).
  const warm = await Promise.all(Array.from({ length: 40 }, () => pool.connect()));
  for (const client of warm) client.release();
  await pool.query(
    `INSERT INTO users (user_id, chat_id, first_name) SELECT g, g, 'u' || g FROM generate_series(1, $1) g`,
    [count],
  );
  return pool;
}

async function usersAtTen(pool: pg.Pool): Promise<number> {
  const { rows } = await pool.query<{ n: number }>('SELECT count(*)::int AS n FROM users WHERE digest_minute = $1', [
    TEN,
  ]);
  return rows[0]!.n;
}

const config = (capCheck: SlottingConfig['capCheck']): SlottingConfig => ({
  mode: 'offer',
  slotMinutes: 5,
  capPerSlot: 50,
  capCheck,
});

describe('the per-slot cap under 200 concurrent sign-ups for 10:00 (cap 50, offer)', () => {
  it('count (COUNT, then write) overbooks 10:00, and the gauge says by how many', async () => {
    const pool = await freshDatabase(200);
    const registry = new Registry();
    const slotter = createSlotter(pool, config('count'), registry);
    await Promise.all(Array.from({ length: 200 }, (_, i) => slotter.choose(i + 1, TEN, nowMs)));
    const atTen = await usersAtTen(pool);
    expect(atTen).toBeGreaterThan(50);
    expect(await usersOverCap(pool, config('count'))).toBe(atTen - 50);
    const metric = await registry.getSingleMetricAsString(SLOT_OVER_CAP_METRIC);
    expect(metric).toContain(`${SLOT_OVER_CAP_METRIC} ${atTen - 50}`);
    await pool.end();
  });

  it('slot-table holds exactly 50 at 10:00 and nobody is over the cap', async () => {
    const pool = await freshDatabase(200);
    const slotter = createSlotter(pool, config('slot-table'));
    await Promise.all(Array.from({ length: 200 }, (_, i) => slotter.choose(i + 1, TEN, nowMs)));
    expect(await usersAtTen(pool)).toBe(50);
    expect(await usersOverCap(pool, config('slot-table'))).toBe(0);
    await pool.end();
  });

  it('count is right when sign-ups come one at a time: the race needs concurrency', async () => {
    const pool = await freshDatabase(60);
    const slotter = createSlotter(pool, { ...config('count'), mode: 'auto' });
    const decisions = [];
    for (let user = 1; user <= 60; user++) decisions.push(await slotter.choose(user, TEN, nowMs));
    expect(await usersAtTen(pool)).toBe(50);
    expect(
      decisions.filter((d) => d.kind === 'assigned' && d.shifted).map((d) => d.kind === 'assigned' && d.minute),
    ).toEqual(Array(10).fill(605));
    const offered = await createSlotter(pool, config('count')).choose(60, TEN, nowMs);
    expect(offered).toEqual({ kind: 'full', requestedMinute: TEN, offers: [605, 610, 615] });
    await pool.end();
  });
});
