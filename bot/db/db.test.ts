import pg from 'pg';
import pino from 'pino';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startTestPostgres, type TestPostgres } from '../../testing/postgres.ts';
import { classifyDbError } from './errors.ts';
import { migrate } from './migrate.ts';
import { ResilientPool } from './pool.ts';
import { PostgresSessionStorage } from './session-storage.ts';
import { TurnStore } from './turns.ts';
import { UserStore } from './users.ts';

const logger = pino({ level: 'silent' });
let server: TestPostgres;

beforeAll(async () => {
  server = await startTestPostgres();
});
afterAll(() => server?.stop());

describe('migrations', () => {
  it('apply once when several instances start at the same moment, and are a no-op afterwards', async () => {
    const databaseUrl = await server.createDatabase();
    const results = await Promise.all([1, 2, 3, 4].map(() => migrate({ databaseUrl, logger })));
    const applied = results.flat();
    expect(applied.filter((name) => name.startsWith('0001_'))).toHaveLength(1);
    expect(applied).toContain('0002_digest_slots');
    expect(await migrate({ databaseUrl, logger })).toEqual([]);

    const pool = new pg.Pool({ connectionString: databaseUrl });
    pool.on('error', () => undefined); // an idle client's backend may end with the server: not this test's concern
    const { rows } = await pool.query<{ table_name: string }>(
      `SELECT table_name FROM information_schema.tables WHERE table_schema = 'public' ORDER BY 1`,
    );
    expect(rows.map((r) => r.table_name)).toEqual(
      expect.arrayContaining(['digest_slots', 'pgmigrations', 'sessions', 'turns', 'users']),
    );
    const slots = await pool.query<{ n: string }>('SELECT count(*) AS n FROM digest_slots');
    expect(Number(slots.rows[0]!.n)).toBe(1440);
    await pool.end();
  });
});

describe('stores', () => {
  let pool: pg.Pool;
  beforeAll(async () => {
    const databaseUrl = await server.createDatabase();
    await migrate({ databaseUrl, logger });
    pool = new pg.Pool({ connectionString: databaseUrl, max: 4 });
    pool.on('error', () => undefined); // an idle client's backend may end with the server: not this test's concern
  });
  afterAll(() => pool?.end());

  it('keeps grammY sessions as JSONB, reads back what was written, deletes', async () => {
    const storage = new PostgresSessionStorage<{ step: string; emoji: string }>(pool);
    expect(await storage.read('42')).toBeUndefined();
    await storage.write('42', { step: 'ask-time', emoji: '📰 שלום привет' });
    await storage.write('42', { step: 'ask-time', emoji: '📰 שלום привет' });
    expect(await storage.read('42')).toEqual({ step: 'ask-time', emoji: '📰 שלום привет' });
    await storage.delete('42');
    expect(await storage.read('42')).toBeUndefined();
  });

  it('does not write a session back unchanged, so it never overwrites what another instance wrote meanwhile', async () => {
    const here = new PostgresSessionStorage<{ step: string }>(pool);
    const there = new PostgresSessionStorage<{ step: string }>(pool);
    await here.write('43', { step: 'idle' });
    const read = (await here.read('43'))!;
    await there.write('43', { step: 'ask-time' });
    await here.write('43', read);
    expect(await there.read('43')).toEqual({ step: 'ask-time' });
    // Changed after it was read: written.
    read.step = 'done';
    await here.write('43', read);
    expect(await there.read('43')).toEqual({ step: 'done' });
  });

  it('creates a user on first contact and keeps the chosen name when Telegram sends the profile again', async () => {
    const users = new UserStore(pool);
    const nowMs = Date.parse('2026-11-30T09:00:00Z');
    const created = await users.upsertProfile({ userId: 7, chatId: 7, firstName: 'Анна', languageCode: 'ru' }, nowMs);
    expect(created).toMatchObject({
      userId: 7,
      chatId: 7,
      firstName: 'Анна',
      digestsPaused: false,
      digestMinute: null,
    });
    await users.setFirstName(7, 'Аня', nowMs);
    const again = await users.upsertProfile({ userId: 7, chatId: 7, firstName: 'Анна', languageCode: 'en' }, nowMs);
    expect(again).toMatchObject({ firstName: 'Аня', languageCode: 'en' });
    await users.setTopic(7, 'science', nowMs);
    await users.setDigestsPaused(7, true, nowMs);
    expect(await users.get(7)).toMatchObject({ topic: 'science', digestsPaused: true });
    expect(await users.get(8)).toBeUndefined();
  });

  it('returns the last N turns of a user, oldest first', async () => {
    const turns = new TurnStore(pool);
    for (let i = 1; i <= 5; i += 1) {
      await turns.append(
        99,
        [
          { role: 'user', text: `q${i}` },
          { role: 'assistant', text: `a${i}` },
        ],
        Date.now(),
      );
    }
    await turns.append(100, [{ role: 'user', text: 'someone else' }], Date.now());
    expect(await turns.lastTurns(99, 3)).toEqual([
      { role: 'assistant', text: 'a4' },
      { role: 'user', text: 'q5' },
      { role: 'assistant', text: 'a5' },
    ]);
    expect(await turns.lastTurns(99, 0)).toEqual([]);
  });
});

describe('ResilientPool', () => {
  it('bounds the wait for a connection another caller holds apart from opening a new one', async () => {
    const databaseUrl = await server.createDatabase();
    // 1 ms is far shorter than opening a connection (a TCP and auth round trip, a backend forked): pg-pool's one
    // timeout for both would fail the first connect. The lab's pool at a high time scale is this case.
    const pool = new ResilientPool({ connectionString: databaseUrl, max: 1, connectionTimeoutMillis: 10_000 }, logger, {
      freeConnectionWaitMs: 1,
    });
    pool.on('error', () => undefined);
    try {
      const held = await pool.connect();
      const busy = await pool.connect().then(
        () => undefined,
        (error: unknown) => error,
      );
      expect(classifyDbError(busy)?.code).toBe('pool_timeout');
      expect(pool.waitingCount).toBe(0);
      held.release();
      // The idle connection is handed over at once, well inside the 1 ms wait.
      const again = await pool.connect();
      expect((await again.query<{ one: number }>('SELECT 1 AS one')).rows[0]?.one).toBe(1);
      again.release();
      expect(pool.options.connectionTimeoutMillis).toBe(10_000);
    } finally {
      await pool.end();
    }
  });
});

describe('classifyDbError', () => {
  it('tells connection failures (53300, pool wait) from query failures', () => {
    const tooMany = Object.assign(new Error('sorry, too many clients already'), { code: '53300' });
    expect(classifyDbError(tooMany)).toEqual({ code: '53300', connection: true });
    expect(classifyDbError(new Error('timeout exceeded when trying to connect'))).toEqual({
      code: 'pool_timeout',
      connection: true,
    });
    const cancelled = Object.assign(new Error('canceling statement due to statement timeout'), { code: '57014' });
    expect(classifyDbError(cancelled)).toEqual({ code: '57014', connection: false });
    expect(classifyDbError(new Error('unrelated'))).toBeUndefined();
  });
});
