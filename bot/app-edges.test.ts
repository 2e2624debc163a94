import pg from 'pg';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { type Backends, BotHarness, metricSum, postJson, startBackends } from '../testing/bot-harness.ts';
import { waitFor } from '../testing/wait.ts';
import type { Assistant } from './llm/index.ts';
import { TELEGRAM_TEXT_LIMIT } from './reply.ts';

/**
 * Bad input, saturation and observability: what the bot does when things are not as they should be.
 */
let backends: Backends;
beforeAll(async () => {
  backends = await startBackends();
});
afterAll(() => backends?.stop());

/** An in-test stand-in for the assistant whose answer is too long for one Telegram message. */
function longWindedAssistant(answerLength: number): () => Assistant {
  return () => ({
    answer: async () => ({ text: `${'слово '.repeat(answerLength / 6)}🌍`, outcome: 'ok', model: 'stand-in' }),
    digest: async () => ({ text: '📰 stand-in', outcome: 'ok' }),
    pregenerateDigests: async () => ({ submitted: 0, stored: 0 }),
    close: async () => undefined,
  });
}

const post = postJson;
const metricValue = (bot: BotHarness, pattern: RegExp) => metricSum(bot.app, pattern);

describe('webhook edges', () => {
  let bot: BotHarness;
  const secret = 'edge-secret_123';
  beforeAll(async () => {
    bot = await BotHarness.start(
      backends,
      'webhook',
      { 'telegram.webhookSecret': secret },
      {
        createAssistant: longWindedAssistant(6000),
      },
    );
  });
  afterAll(() => bot?.stop());

  it('refuses requests without or with a wrong secret (401) and malformed JSON (400)', async () => {
    const update = JSON.stringify({
      update_id: 1,
      message: { message_id: 1, date: 0, chat: { id: 1, type: 'private' }, text: 'x' },
    });
    expect(await post(bot.app.webhookUrl!, update)).toBe(401);
    expect(await post(bot.app.webhookUrl!, update, { 'x-telegram-bot-api-secret-token': 'wrong' })).toBe(401);
    expect(
      await post(bot.app.webhookUrl!, '{"update_id": 5, "mess', { 'x-telegram-bot-api-secret-token': secret }),
    ).toBe(400);
    expect((await fetch(bot.app.webhookUrl!)).status).toBe(405);
    expect((await fetch(`${bot.app.httpUrl}/nope`)).status).toBe(404);
  });

  it('accepts update kinds it does not handle without answering them', async () => {
    const ignoredBefore = await metricValue(bot, /^bot_updates_total\{.*outcome="ignored"/);
    const headers = { 'x-telegram-bot-api-secret-token': secret };
    const edited = {
      update_id: 900001,
      edited_message: {
        message_id: 1,
        date: 0,
        edit_date: 1,
        chat: { id: 77, type: 'private' },
        from: { id: 77, is_bot: false, first_name: 'E' },
        text: 'edit',
      },
    };
    const poll = {
      update_id: 900002,
      poll: {
        id: 'p',
        question: '?',
        options: [],
        total_voter_count: 0,
        is_closed: false,
        is_anonymous: true,
        type: 'regular',
        allows_multiple_answers: false,
      },
    };
    expect(await post(bot.app.webhookUrl!, JSON.stringify(edited), headers)).toBe(200);
    expect(await post(bot.app.webhookUrl!, JSON.stringify(poll), headers)).toBe(200);
    expect(await post(bot.app.webhookUrl!, JSON.stringify({ update_id: 900003 }), headers)).toBe(200);
    expect(bot.replies(77)).toHaveLength(0);
    expect(await metricValue(bot, /^bot_updates_total\{.*outcome="ignored"/)).toBe(ignoredBefore + 3);
  });

  it('answers a sticker with a polite text-only note', async () => {
    const user = 3001;
    await bot.send({ kind: 'command', user_id: user, command: 'help' });
    const sticker = {
      update_id: 900010,
      message: {
        message_id: 999,
        date: 0,
        chat: { id: user, type: 'private', first_name: 'S' },
        from: { id: user, is_bot: false, first_name: 'S' },
        sticker: {
          file_id: 'f',
          file_unique_id: 'u',
          type: 'regular',
          width: 1,
          height: 1,
          is_animated: false,
          is_video: false,
        },
      },
    };
    expect(
      await post(bot.app.webhookUrl!, JSON.stringify(sticker), { 'x-telegram-bot-api-secret-token': secret }),
    ).toBe(200);
    expect(bot.replies(user).at(-1)?.text).toBe('I can only read text messages for now.');
  });

  it('splits an answer over 4096 characters into marked parts, each quoting the question, and stores it whole', async () => {
    const user = 3002;
    const question = `${'Очень длинный вопрос 🤔 מה קורה? '.repeat(120)}`.slice(0, 4096);
    await bot.send({ kind: 'message', user_id: user, text: question });
    const parts = await waitFor('both parts', () => bot.replies(user).length === 2 && bot.replies(user));
    expect(parts.every((part) => part.ok && part.text!.length <= TELEGRAM_TEXT_LIMIT)).toBe(true);
    expect(parts.map((part) => part.text!.slice(-5))).toEqual(['(1/2)', '(2/2)']);
    const sent = backends.telegram.calls({ chat_id: user, method: 'sendMessage' });
    const [update] = backends.telegram.updates({ chat_id: user });
    // Both parts quote the user's message, so Telegram (and the fake) tie them to the one update.
    expect(sent.map((call) => call.update_id)).toEqual([update!.update_id, update!.update_id]);
    const { rows } = await bot.app.pool.query<{ text: string }>(
      "SELECT text FROM turns WHERE user_id = $1 AND role = 'assistant'",
      [user],
    );
    expect(rows[0]!.text.length).toBeGreaterThan(TELEGRAM_TEXT_LIMIT);
  });
});

describe.each([
  { dedupUpdates: true, answers: 1, timeScale: 1 },
  // The timeouts are simulated: at 10x the same 300 real ms are 3,000 simulated ones (the budget scales with them).
  { dedupUpdates: true, answers: 1, timeScale: 10 },
  // Last: its update keeps timing out and being delivered again, to whichever bot holds the webhook next.
  { dedupUpdates: false, answers: 2, timeScale: 1 },
])(
  'a webhook handler slower than webhookTimeoutMs with onTimeout "throw", dedupUpdates $dedupUpdates, at $timeScale x',
  ({ dedupUpdates, answers, timeScale }) => {
    let bot: BotHarness;
    beforeAll(async () => {
      const slowAssistant = (): Assistant => ({
        ...longWindedAssistant(60)(),
        answer: () =>
          new Promise((resolve) => setTimeout(() => resolve({ text: 'late but here', outcome: 'ok' }), 800)),
      });
      bot = await BotHarness.start(
        backends,
        'webhook',
        {
          'time.timeScale': timeScale,
          'telegram.webhookTimeoutMs': 300 * timeScale,
          'telegram.webhookOnTimeout': 'throw',
          'telegram.dedupUpdates': dedupUpdates,
          // A budget that fits the 300 ms (the start-up check insists); the stand-in assistant ignores it.
          'resilience.timeoutMs': 100 * timeScale,
          'resilience.retryMaxAttempts': 0,
          'database.connectionTimeoutMs': 100 * timeScale,
        },
        { createAssistant: slowAssistant },
      );
    });
    afterAll(() => bot?.stop());

    it(`answers 500, Telegram redelivers, and the user gets the answer ${answers === 1 ? 'once' : 'twice (what the report measures)'}`, async () => {
      const user = timeScale === 10 ? 3203 : dedupUpdates ? 3201 : 3202;
      // Injected directly: the first delivery outlives the timeout.
      const { update_id } = backends.telegram.inject({ kind: 'message', user_id: user, text: 'slow one' });
      const delivered = () => backends.telegram.updates({ chat_id: user }).find((u) => u.update_id === update_id)!;
      await waitFor('the update delivered again', () => delivered().deliveries >= 2, 15_000);
      expect(delivered().webhook_failures).toBeGreaterThanOrEqual(1);
      if (dedupUpdates) {
        // The copy found the first handler finished: dropped and confirmed at once, the answer sent once.
        await waitFor('the copy confirmed', () => delivered().confirmed_ms != null, 15_000);
        await waitFor('the copy counted', async () => (await metricValue(bot, /outcome="duplicate"/)) === 1);
        expect(bot.replies(user).map((reply) => reply.text)).toEqual(['late but here']);
      } else {
        // Every copy is handled again (and outlives the timeout again): one answer per delivery.
        await waitFor('the second answer', () => bot.replies(user).length >= 2, 15_000);
        expect(
          bot
            .replies(user)
            .slice(0, 2)
            .map((reply) => reply.text),
        ).toEqual(['late but here', 'late but here']);
      }
    });
  },
);

describe.each([
  { timeScale: 1, waitMs: 300 },
  // The wait is simulated: at 10x, 3,000 simulated ms are the same 300 real ones, long before the 1.5 s queries end
  // (a pool that waited 3 real seconds would get a connection and answer normally: 10 times production's patience).
  { timeScale: 10, waitMs: 3_000 },
])('a saturated pool (max 2, $waitMs simulated ms wait at $timeScale x)', ({ timeScale, waitMs }) => {
  let bot: BotHarness;
  beforeAll(async () => {
    bot = await BotHarness.start(backends, 'polling', {
      'time.timeScale': timeScale,
      'database.poolMax': 2,
      'database.connectionTimeoutMs': waitMs,
    });
  });
  afterAll(() => bot?.stop());

  it('queues, times out cleanly into a ⚠️ reply, counts it, and recovers', async () => {
    const user = timeScale === 10 ? 4002 : 4001;
    await bot.send({ kind: 'command', user_id: user, command: 'help' });
    const slowQueries = [1, 2].map(() => bot.app.pool.query('SELECT pg_sleep(1.5)'));
    await waitFor('both connections busy', () => bot.app.pool.totalCount === 2 && bot.app.pool.idleCount === 0);
    const reply = await bot.send({ kind: 'message', user_id: user, text: 'Anyone home?' });
    expect(reply.text).toMatch(/^⚠️/);
    // Counted by bot.catch and the update middleware, which finish after the fallback went out.
    const counted = async (pattern: RegExp) => (await metricValue(bot, pattern)) >= 1;
    await waitFor('the pool timeout counted', () =>
      counted(/^bot_db_connection_errors_total\{.*sqlstate="pool_timeout"/),
    );
    await waitFor('the fallback counted', () => counted(/^bot_updates_total\{.*outcome="fallback"/));
    await Promise.all(slowQueries);
    const after = await bot.send({ kind: 'message', user_id: user, text: 'And now?' });
    expect(after.text).not.toMatch(/^⚠️/);
  });
});

describe('a full server (53300 too many connections)', () => {
  let bot: BotHarness;
  beforeAll(async () => {
    // The bot's database role may open 2 connections: the server says no before the pool (max 5) would.
    bot = await BotHarness.start(backends, 'webhook', {}, {}, { connectionLimit: 2 });
  });
  afterAll(() => bot?.stop());

  it('answers ⚠️, counts the SQLSTATE and keeps serving', async () => {
    // Someone else (another instance, an admin) holds every connection the role may open.
    const holders: pg.Client[] = [];
    for (let attempt = 0; attempt < 10; attempt += 1) {
      const client = new pg.Client({ connectionString: bot.app.config.database.url });
      client.on('error', () => undefined);
      const refused = await client.connect().then(
        () => undefined,
        (error: { code?: string }) => error.code,
      );
      if (refused) {
        expect(refused).toBe('53300');
        break;
      }
      holders.push(client);
    }
    const user = 4101;
    try {
      const reply = await bot.send({ kind: 'message', user_id: user, text: 'Is the server full?' });
      expect(reply.text).toMatch(/^⚠️/);
      // Counted in bot.catch, which runs after the fallback went out.
      await waitFor(
        'the 53300 to be counted',
        async () => (await metricValue(bot, /^bot_db_connection_errors_total\{.*sqlstate="53300"/)) >= 1,
      );
    } finally {
      await Promise.all(holders.map((client) => client.end()));
    }
    expect((await bot.send({ kind: 'command', user_id: user, command: 'help' })).text).not.toMatch(/^⚠️/);
    // The failed update was answered 200 (its ⚠️ reply had gone out): Telegram does not redeliver it.
    expect(backends.telegram.updates({ chat_id: user }).map((u) => u.webhook_failures)).toEqual([0, 0]);
    expect(bot.replies(user)).toHaveLength(2);
  });
});

describe('observability', () => {
  let bot: BotHarness;
  beforeAll(async () => {
    // Scheduler on (cron-http): its metrics land on the same registry and its tick is a route.
    bot = await BotHarness.start(backends, 'polling', { 'scheduler.enabled': true, 'scheduler.strategy': 'cron-http' });
  });
  afterAll(() => bot?.stop());

  it('exposes update, latency, pool, DB-error and Node metrics, labelled with the instance', async () => {
    await bot.send({ kind: 'command', user_id: 5001, command: 'start' });
    // The update is counted when its middleware returns, just after the reply went out.
    const scrape = async () => (await fetch(`${bot.app.httpUrl}/metrics`)).text();
    const counted = /bot_updates_total\{kind="command",outcome="ok",instance="test-polling"\} 1/;
    const text = await waitFor('the /start update to be counted', async () => {
      const body = await scrape();
      return counted.test(body) && body;
    });
    for (const name of [
      'bot_updates_total',
      'bot_update_duration_seconds_bucket',
      'bot_db_pool_total_connections',
      'bot_db_pool_idle_connections',
      'bot_db_pool_waiting_clients',
      'bot_db_connection_errors_total',
      'nodejs_eventloop_lag_seconds',
      'process_resident_memory_bytes',
    ]) {
      expect(text, name).toContain(name);
    }
  });

  it('answers /healthz from the pool and runs the scheduler tick on the cron route', async () => {
    const health = await fetch(`${bot.app.httpUrl}/healthz`);
    expect(health.status).toBe(200);
    expect(await health.json()).toMatchObject({ status: 'ok' });
    const tick = await fetch(`${bot.app.httpUrl}/cron/tick`, { method: 'POST' });
    expect(tick.status).toBe(200);
    expect(await tick.json()).toMatchObject({ sent: expect.any(Number) });
  });

  it('never logs the token, the API key, the webhook secret or the DB password', async () => {
    backends.telegram.setBlocked({ user_id: 5002 });
    bot.backends.telegram.inject({ kind: 'command', user_id: 5002, command: 'help' });
    await waitFor('the failed update to be logged', () => bot.logs.some((line) => line.includes('update failed')));
    const all = bot.logs.join('\n');
    const { config } = bot.app;
    expect(all).not.toContain(config.telegram.token);
    expect(all).not.toContain(config.telegram.token.split(':')[1]);
    expect(all).not.toContain(config.claude.apiKey);
    expect(all).not.toContain(config.telegram.webhookSecret);
    expect(all).not.toContain(new URL(config.database.url).password);
    expect(all).toContain('"component"');
  });
});
