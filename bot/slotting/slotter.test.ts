import pg from 'pg';
import pino from 'pino';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startTestPostgres, type TestPostgres } from '../../testing/postgres.ts';
import { migrate } from '../db/migrate.ts';
import { UserStore } from '../db/users.ts';
import { formatTimeOfDay, parseTimeOfDay, slotStart } from './minutes.ts';
import { Slotter, type SlottingConfig } from './slotter.ts';

const TEN = 600;
const nowMs = Date.parse('2026-11-30T09:30:00Z');
let server: TestPostgres;

beforeAll(async () => {
  server = await startTestPostgres({ maxConnections: 120 });
});
afterAll(() => server?.stop());

/** A migrated database with `count` users (ids 1..count) and a pool big enough for real contention. */
async function freshDatabase(count: number): Promise<pg.Pool> {
  const databaseUrl = await server.createDatabase();
  await migrate({ databaseUrl, logger: pino({ level: 'silent' }) });
  const pool = new pg.Pool({ connectionString: databaseUrl, max: 40, connectionTimeoutMillis: 30_000 });
  // An idle client whose backend goes away (server stop) is reported on the pool; without a listener
  // Node turns that into an uncaught exception that vitest charges to this file.
  pool.on('error', () => undefined);
  await pool.query(
    `INSERT INTO users (user_id, chat_id, first_name) SELECT g, g, 'u' || g FROM generate_series(1, $1) g`,
    [count],
  );
  return pool;
}

async function usersPerMinute(pool: pg.Pool): Promise<Map<number, number>> {
  const { rows } = await pool.query<{ digest_minute: number; n: string }>(
    'SELECT digest_minute, count(*) AS n FROM users WHERE digest_minute IS NOT NULL GROUP BY 1',
  );
  return new Map(rows.map((r) => [r.digest_minute, Number(r.n)]));
}

describe('slotting under 200 concurrent sign-ups for 10:00 with a cap of 50', () => {
  const config = (mode: SlottingConfig['mode']): SlottingConfig => ({
    mode,
    slotMinutes: 5,
    capPerSlot: 50,
    capCheck: 'slot-table',
  });

  it('auto: exactly 50 get 10:00, the rest are shifted to the next slots, 50 each', async () => {
    const pool = await freshDatabase(200);
    const slotter = new Slotter(pool, config('auto'));
    const decisions = await Promise.all(Array.from({ length: 200 }, (_, i) => slotter.choose(i + 1, TEN, nowMs)));
    expect(decisions.every((d) => d.kind === 'assigned')).toBe(true);
    expect(decisions.filter((d) => d.kind === 'assigned' && !d.shifted)).toHaveLength(50);
    expect(await usersPerMinute(pool)).toEqual(
      new Map([
        [600, 50],
        [605, 50],
        [610, 50],
        [615, 50],
      ]),
    );
    const { rows } = await pool.query<{ minute: number; taken: number }>(
      'SELECT minute, taken FROM digest_slots WHERE taken > 0 ORDER BY minute',
    );
    expect(rows).toEqual([600, 605, 610, 615].map((minute) => ({ minute, taken: 50 })));
    await pool.end();
  });

  it('offer: exactly 50 get 10:00, the other 150 keep no time and are offered 10:05, 10:10, 10:15', async () => {
    const pool = await freshDatabase(200);
    const slotter = new Slotter(pool, config('offer'));
    const decisions = await Promise.all(Array.from({ length: 200 }, (_, i) => slotter.choose(i + 1, TEN, nowMs)));
    expect(decisions.filter((d) => d.kind === 'assigned')).toHaveLength(50);
    const full = decisions.filter((d) => d.kind === 'full');
    expect(full).toHaveLength(150);
    expect(full[0]).toEqual({ kind: 'full', requestedMinute: TEN, offers: [605, 610, 615] });
    expect(await usersPerMinute(pool)).toEqual(new Map([[600, 50]]));

    // Taking an offered slot is an ordinary choice of that time.
    const taken = await slotter.choose(199, 605, nowMs);
    expect(taken).toEqual({ kind: 'assigned', requestedMinute: 605, minute: 605, shifted: false });
    await pool.end();
  });

  it('none: everybody gets exactly what they asked for', async () => {
    const pool = await freshDatabase(200);
    const slotter = new Slotter(pool, config('none'));
    await Promise.all(Array.from({ length: 200 }, (_, i) => slotter.choose(i + 1, TEN, nowMs)));
    expect(await usersPerMinute(pool)).toEqual(new Map([[600, 200]]));
    await pool.end();
  });
});

describe('changing the digest time', () => {
  it('gives the old seat back, keeps an exact minute inside a slot, and records when onboarding finished', async () => {
    const pool = await freshDatabase(3);
    const slotter = new Slotter(pool, { mode: 'offer', slotMinutes: 15, capPerSlot: 1, capCheck: 'slot-table' });
    expect(await slotter.choose(1, 607, nowMs)).toMatchObject({ kind: 'assigned', minute: 607, shifted: false });
    expect(await slotter.choose(2, 610, nowMs)).toMatchObject({ kind: 'full', offers: [615, 630, 645] });
    // Same slot again: no second seat is taken.
    expect(await slotter.choose(1, 601, nowMs)).toMatchObject({ kind: 'assigned', minute: 601 });
    expect(await slotter.choose(1, 9 * 60, nowMs)).toMatchObject({ kind: 'assigned', minute: 540 });
    expect(await slotter.choose(2, 610, nowMs)).toMatchObject({ kind: 'assigned', minute: 610 });
    const users = new UserStore(pool);
    expect(await users.get(2)).toMatchObject({ digestRequestedMinute: 610, digestMinute: 610, onboardedAtMs: nowMs });
    await pool.end();
  });

  it('wraps to the next day after the last slot (auto)', async () => {
    const pool = await freshDatabase(2);
    const slotter = new Slotter(pool, { mode: 'auto', slotMinutes: 30, capPerSlot: 1, capCheck: 'slot-table' });
    await slotter.choose(1, 23 * 60 + 30, nowMs);
    expect(await slotter.choose(2, 23 * 60 + 45, nowMs)).toMatchObject({ kind: 'assigned', minute: 0, shifted: true });
    await pool.end();
  });
});

describe('time of day', () => {
  it('parses what people type and refuses what is not a time', () => {
    expect(parseTimeOfDay('10:00')).toBe(600);
    expect(parseTimeOfDay(' 9.05 ')).toBe(545);
    expect(parseTimeOfDay('7 30')).toBe(450);
    expect(parseTimeOfDay('24:00')).toBeUndefined();
    expect(parseTimeOfDay('10:7')).toBeUndefined();
    expect(parseTimeOfDay('ten')).toBeUndefined();
    expect(formatTimeOfDay(545)).toBe('09:05');
    expect(slotStart(607, 5)).toBe(605);
  });
});
