import pg from 'pg';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import type { InjectUpdateInput } from '../fakes/telegram/index.ts';
import { type Backends, startBackends } from '../testing/bot-harness.ts';
import { type BotProcess, botEnv, startBotProcess } from '../testing/bot-process.ts';
import { startTcpProxy, type TcpProxy } from '../testing/tcp-proxy.ts';
import { waitFor } from '../testing/wait.ts';

/**
 * The reference bot as a process (`botcap bot`, polling, as production runs it) while PostgreSQL drops its
 * connections: sessions terminated (pg_terminate_backend, 57P01) mid-traffic and mid-transaction, and the
 * server going away and coming back. The process must stay up, answer every update (a ⚠️ fallback at worst)
 * and answer normally once the database is back.
 */
let backends: Backends;
beforeAll(async () => {
  backends = await startBackends();
});
afterAll(() => backends?.stop());

let bot: BotProcess | undefined;
let proxy: TcpProxy | undefined;
afterEach(async () => {
  await bot?.stop('SIGKILL');
  await proxy?.close();
  bot = undefined;
  proxy = undefined;
});

const FALLBACK = /^⚠️/;

/** Injects an update and resolves with the text of the bot's next reply in that chat (null: no reply in time). */
async function say(update: InjectUpdateInput, timeoutMs = 20_000): Promise<string | null> {
  const chatId = update.user_id;
  const since = backends.telegram.nowMs();
  backends.telegram.inject(update);
  const reply = await backends.telegram.waitForReply({ chat_id: chatId, since_ms: since, timeout_ms: timeoutMs });
  if (!reply?.message_id) return null;
  return backends.telegram.message({ chat_id: chatId, message_id: reply.message_id })?.text ?? null;
}

/** Presses button `index` of the bot's last message in the chat. */
function press(userId: number, index: number): Promise<string | null> {
  const last = backends.telegram.message({ chat_id: userId });
  const keyboard = (last?.reply_markup as { inline_keyboard?: Array<Array<{ callback_data?: string }>> } | null)
    ?.inline_keyboard;
  const data = keyboard?.flat()[index]?.callback_data;
  if (!data) throw new Error(`no button ${index} on the last message of chat ${userId}`);
  return say({ kind: 'callback_query', user_id: userId, data });
}

/** /start, keep the name, pick a topic: the user is now asked for a digest time. */
async function onboardUntilTime(userId: number): Promise<void> {
  expect(await say({ kind: 'command', user_id: userId, command: 'start', first_name: 'Pat' })).toMatch(/Pat/);
  expect(await press(userId, 0)).toMatch(/topic/i);
  expect(await press(userId, 1)).toMatch(/digest/i);
}

/** Terminates every backend the bot holds on its database (what an admin or a failover does); how many. */
async function terminateBotSessions(admin: pg.Client, database: string): Promise<number> {
  const { rows } = await admin.query(
    `SELECT pg_terminate_backend(pid) FROM pg_stat_activity
     WHERE datname = $1 AND pid <> pg_backend_pid() AND application_name LIKE 'bot-%'`,
    [database],
  );
  return rows.length;
}

async function adminClient(databaseUrl: string): Promise<pg.Client> {
  const client = new pg.Client({ connectionString: databaseUrl });
  client.on('error', () => undefined);
  await client.connect();
  return client;
}

describe('PostgreSQL terminating the bot sessions (57P01)', () => {
  it('a transaction in progress on a held connection ends in a ⚠️ reply, not a crash', async () => {
    const databaseUrl = await backends.postgres.createDatabase();
    const database = new URL(databaseUrl).pathname.slice(1);
    bot = await startBotProcess(['--instance-id', 'bot-held'], botEnv(backends, databaseUrl));
    const user = 7101;
    await onboardUntilTime(user);

    // The slotter takes a connection with pool.connect() and holds it through a transaction. A lock held by
    // someone else parks that transaction on the user's row, so the termination finds it in progress.
    const admin = await adminClient(databaseUrl);
    try {
      await admin.query('BEGIN');
      await admin.query('SELECT 1 FROM users WHERE user_id = $1 FOR UPDATE', [user]);
      const reply = say({ kind: 'message', user_id: user, text: '10:00' });
      const killer = await adminClient(databaseUrl);
      await waitFor('the slotter waiting on the row lock', async () => {
        const { rows } = await killer.query(
          `SELECT 1 FROM pg_stat_activity WHERE datname = $1 AND wait_event_type = 'Lock'
           AND application_name = 'bot-held'`,
          [database],
        );
        return rows.length > 0;
      });
      expect(await terminateBotSessions(killer, database)).toBeGreaterThan(0);
      await killer.end();
      expect(await reply).toMatch(FALLBACK);
    } finally {
      await admin.query('ROLLBACK').catch(() => undefined);
      await admin.end();
    }

    expect(bot.alive()).toBe(true);
    // The database is still there: the same request now goes through.
    expect(await say({ kind: 'message', user_id: user, text: '10:00' })).toMatch(/Done!.*10:00/);
    expect(bot.stderr()).not.toMatch(/Emitted 'error' event|Unhandled|uncaught/i);
  });

  it('sessions terminated again and again under traffic: every update answered, normal answers after', async () => {
    const databaseUrl = await backends.postgres.createDatabase();
    const database = new URL(databaseUrl).pathname.slice(1);
    bot = await startBotProcess(['--instance-id', 'bot-storm'], botEnv(backends, databaseUrl));
    const users = Array.from({ length: 6 }, (_, i) => 7201 + i);
    const admin = await adminClient(databaseUrl);
    let storming = true;
    let terminated = 0;
    const storm = (async () => {
      while (storming) {
        terminated += await terminateBotSessions(admin, database);
        await new Promise((resolve) => setTimeout(resolve, 25));
      }
    })();
    const replies: Array<string | null> = [];
    try {
      // Each user onboards (sessions, users, the slotter's transaction) and asks questions (turns, Claude).
      await Promise.all(
        users.map(async (user) => {
          replies.push(await say({ kind: 'command', user_id: user, command: 'start' }));
          for (let i = 0; i < 4; i += 1) replies.push(await say({ kind: 'message', user_id: user, text: `q${i}?` }));
          replies.push(await say({ kind: 'message', user_id: user, text: '10:00' }));
        }),
      );
    } finally {
      storming = false;
      await storm;
      await admin.end();
    }
    expect(terminated).toBeGreaterThan(0);
    expect(bot.alive()).toBe(true);
    // Never silence: each update got its reply, the answer or the ⚠️ fallback.
    expect(replies.filter((text) => text === null)).toEqual([]);
    for (const user of users) {
      const answer = await say({ kind: 'command', user_id: user, command: 'help' });
      expect(answer).not.toMatch(FALLBACK);
    }
    expect(bot.stderr()).not.toMatch(/Emitted 'error' event|Unhandled|uncaught/i);
  });
});

describe('PostgreSQL going away and coming back', () => {
  it('a restart shorter than the retries costs nothing; a longer outage costs ⚠️ replies; then it recovers', async () => {
    const databaseUrl = await backends.postgres.createDatabase();
    const direct = new URL(databaseUrl);
    proxy = await startTcpProxy(Number(direct.port));
    const viaProxy = new URL(databaseUrl);
    viaProxy.port = String(proxy.port);
    bot = await startBotProcess(['--instance-id', 'bot-restart'], botEnv(backends, viaProxy.toString()));
    const user = 7301;
    expect(await say({ kind: 'command', user_id: user, command: 'help' })).not.toMatch(FALLBACK);

    // A short restart: the open connections die, the first reconnect is turned away, the next one gets through.
    proxy.cut();
    const refusedBefore = proxy.refused();
    const quick = say({ kind: 'command', user_id: user, command: 'help' });
    await waitFor('a turned-away reconnect', () => proxy!.refused() > refusedBefore, 20_000);
    proxy.restore();
    expect(await quick).not.toMatch(FALLBACK);

    // A long outage: every reconnect is turned away until the retries give up; the user hears ⚠️, not silence.
    proxy.cut();
    expect(await say({ kind: 'command', user_id: user, command: 'help' })).toMatch(FALLBACK);
    expect(bot.alive()).toBe(true);

    proxy.restore();
    expect(await say({ kind: 'command', user_id: user, command: 'help' })).not.toMatch(FALLBACK);
    expect(bot.alive()).toBe(true);
  });
});
