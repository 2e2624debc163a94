import { request } from 'node:http';
import type { Writable } from 'node:stream';
import fc from 'fast-check';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { type Backends, BotHarness, metricSum, postJson, startBackends } from '../testing/bot-harness.ts';
import { captureLogs } from '../testing/logs.ts';
import { waitFor } from '../testing/wait.ts';
import { type BotApp, createBotApp } from './app.ts';
import type { BotConfig } from './config/index.ts';
import { UpdateLedger } from './db/update-ledger.ts';
import { COMMAND_NAMES } from './i18n/messages.ts';
import type { Assistant } from './llm/index.ts';
import { SYSTEM_PROMPT } from './llm/index.ts';

/**
 * What a production bot needs beyond the happy path, each shown on the running bot: an update delivered twice
 * is handled once (also across instances), a user who blocked the bot stops getting digests, a flood of
 * messages is limited, the webhook refuses what is not an update, the prompt names only commands that exist.
 */
let backends: Backends;
beforeAll(async () => {
  backends = await startBackends();
});
afterAll(() => backends?.stop());

const SECRET = 'production-lessons-secret';
const SECRET_HEADER = { 'x-telegram-bot-api-secret-token': SECRET };

const post = (url: string, body: string, headers: Record<string, string> = SECRET_HEADER) =>
  postJson(url, body, headers);
const metricValue = metricSum;

/** A message update as Telegram would post it, from user `userId` in their private chat. */
function messageUpdate(updateId: number, userId: number, text: string): string {
  const from = { id: userId, is_bot: false, first_name: 'Dee', language_code: 'en' };
  return JSON.stringify({
    update_id: updateId,
    message: { message_id: updateId, date: 1, chat: { id: userId, type: 'private', first_name: 'Dee' }, from, text },
  });
}

/** An assistant that takes `ms` to answer, long enough for a second delivery to arrive meanwhile. */
const slowAssistant = (ms: number) => (): Assistant => ({
  answer: () => new Promise((resolve) => setTimeout(() => resolve({ text: 'the one answer', outcome: 'ok' }), ms)),
  digest: async () => ({ text: '📰 stand-in', outcome: 'ok' }),
  pregenerateDigests: async () => ({ submitted: 0, stored: 0 }),
  close: async () => undefined,
});

describe('an update delivered twice', () => {
  let first: BotHarness;
  let second: BotApp;
  beforeAll(async () => {
    first = await BotHarness.start(
      backends,
      'webhook',
      { 'telegram.webhookSecret': SECRET },
      { createAssistant: slowAssistant(400) },
    );
    // A second instance on the same database, as behind a load balancer: same secret, does not register itself.
    const config: BotConfig = structuredClone(first.app.config);
    config.instanceId = 'test-webhook-2';
    config.telegram.setWebhook = false;
    config.database.migrate = false;
    second = createBotApp(config, {
      createAssistant: slowAssistant(400),
      drainMs: 2_000,
      logDestination: captureLogs().stream as Writable,
    });
    await second.start();
  });
  afterAll(async () => {
    await second?.stop();
    await first?.stop();
  });

  it('to two instances at once is answered once: the copy waits for the first handler, then is dropped', async () => {
    const user = 6001;
    backends.telegram.addChat({ chat_id: user, first_name: 'Dee' });
    const body = messageUpdate(990_001, user, 'What is new?');
    const statuses = await Promise.all([post(first.app.webhookUrl!, body), post(`${second.httpUrl}/telegram`, body)]);
    expect(statuses).toEqual([200, 200]);
    const answers = backends.telegram.calls({ chat_id: user, method: 'sendMessage' });
    expect(answers.map((call) => call.ok)).toEqual([true]);
    const duplicates =
      (await metricValue(first.app, /outcome="duplicate"/)) + (await metricValue(second, /outcome="duplicate"/));
    expect(duplicates).toBe(1);
  });

  it('after its instance died is taken over once the claim is older than the lease', async () => {
    const user = 6002;
    backends.telegram.addChat({ chat_id: user, first_name: 'Dee' });
    // An instance claimed the update three minutes ago and never finished it (it was killed mid-answer).
    await first.app.pool.query(
      `INSERT INTO handled_updates (update_id, claimed_by, claimed_at) VALUES ($1, 'dead-instance', now() - interval '3 minutes')`,
      [990_002],
    );
    expect(await post(first.app.webhookUrl!, messageUpdate(990_002, user, 'Anyone?'))).toBe(200);
    expect(backends.telegram.calls({ chat_id: user, method: 'sendMessage' }).map((c) => c.ok)).toEqual([true]);
  });

  it('is recorded in one row per update: new, in progress, finished, and pruned after a day', async () => {
    const ledger = new UpdateLedger(first.app.pool, 'ledger-test');
    expect(await ledger.claim(990_100, 120_000)).toBe('handle');
    expect(await ledger.claim(990_100, 120_000)).toBe('in-progress');
    // Polling's lease is 0: only one instance polls, so an unfinished claim is a dead poller's.
    expect(await ledger.claim(990_100, 0)).toBe('handle');
    await ledger.finish(990_100);
    expect(await ledger.claim(990_100, 0)).toBe('finished');
    expect(await ledger.prune(24 * 3600_000)).toBe(0);
    expect(await ledger.prune(0)).toBeGreaterThanOrEqual(1);
    expect(await ledger.claim(990_100, 120_000)).toBe('handle');
  });
});

describe('the webhook', () => {
  let bot: BotHarness;
  let unguarded: BotHarness;
  beforeAll(async () => {
    bot = await BotHarness.start(backends, 'webhook', { 'telegram.webhookSecret': SECRET });
    // No secret configured: the bot generates one and registers it with setWebhook.
    unguarded = await BotHarness.start(backends, 'webhook', { instanceId: 'test-webhook-no-secret' });
  });
  afterAll(async () => {
    await bot?.stop();
    await unguarded?.stop();
  });

  it('without a configured secret refuses a forged update carrying the old public default (401)', async () => {
    const forged = messageUpdate(990_200, 6100, 'forged');
    expect(
      await post(unguarded.app.webhookUrl!, forged, { 'x-telegram-bot-api-secret-token': 'botcap-webhook-secret' }),
    ).toBe(401);
    expect(unguarded.app.config.telegram.webhookSecret).toMatch(/^[0-9a-f]{64}$/);
    expect(unguarded.logs.join('\n')).not.toContain(unguarded.app.config.telegram.webhookSecret!);
    // Telegram (the fake) learnt the generated secret through setWebhook: a real update gets through.
    const reply = await unguarded.send({ kind: 'command', user_id: 6101, command: 'help' });
    expect(reply.ok).toBe(true);
  });

  it('answers 400 to JSON that is not an update, whatever its shape or depth', async () => {
    const url = bot.app.webhookUrl!;
    const nested = (depth: number) => `${'['.repeat(depth)}${']'.repeat(depth)}`;
    for (const body of [
      'null',
      '[]',
      '"update"',
      '{}',
      '{"update_id":"1"}',
      '{"update_id":1,"message":{"chat":{}}}',
      nested(100_000),
    ]) {
      expect(await post(url, body), body.slice(0, 40)).toBe(400);
    }
    // Deep nesting in a field the bot does not read is still an update: accepted, not answered.
    expect(await post(url, `{"update_id":990300,"poll_answer":${nested(50_000)}}`)).toBe(200);
  });

  it('never answers 500 to a malformed body (generated bodies)', async () => {
    const url = bot.app.webhookUrl!;
    await fc.assert(
      fc.asyncProperty(
        fc.oneof(
          fc.jsonValue().map((value) => JSON.stringify(value) ?? 'null'),
          fc.string(),
        ),
        async (body) => {
          expect([200, 400]).toContain(await post(url, body));
        },
      ),
      { numRuns: 150 },
    );
  });

  it('refuses a body over the update size before reading it (413) and closes the connection', async () => {
    const limit = bot.app.config.telegram.webhookMaxBodyBytes;
    const { port, pathname } = new URL(bot.app.webhookUrl!);
    const upload = (headers: Record<string, string | number>) =>
      new Promise<{ status: number; connection: string | undefined }>((resolve, reject) => {
        const req = request({
          host: '127.0.0.1',
          port,
          path: pathname,
          method: 'POST',
          headers: { ...SECRET_HEADER, ...headers },
        });
        req.on('response', (res) => {
          res.resume();
          resolve({ status: res.statusCode ?? 0, connection: res.headers.connection });
        });
        req.on('error', reject);
        // Offer far more than the limit, a chunk at a time; the answer comes before it is all sent.
        const chunk = Buffer.alloc(64 * 1024, 'x');
        let sent = 0;
        const write = () => {
          while (sent < 40 * limit) {
            sent += chunk.length;
            if (!req.write(chunk)) return void req.once('drain', write);
          }
          req.end();
        };
        write();
      });
    expect(await upload({ 'content-length': 100 * 1024 * 1024 })).toEqual({ status: 413, connection: 'close' });
    expect(await upload({ 'transfer-encoding': 'chunked' })).toEqual({ status: 413, connection: 'close' });
    // The instance is unharmed. (Posted directly: the fake Telegram delivers to the last webhook registered.)
    expect(await post(bot.app.webhookUrl!, '{"update_id":990400}')).toBe(200);
  });
});

describe('the conversation', () => {
  let bot: BotHarness;
  beforeAll(async () => {
    bot = await BotHarness.start(backends, 'polling');
  });
  afterAll(() => bot?.stop());

  it('takes a name typed at "Shall I call you …?" as the name', async () => {
    const user = 6201;
    expect(
      (await bot.send({ kind: 'command', user_id: user, command: 'start', first_name: 'Alexandra' })).text,
    ).toContain('Shall I call you Alexandra?');
    const next = await bot.send({ kind: 'message', user_id: user, text: 'Sasha' });
    expect(next.text).toBe('Nice to meet you, Sasha! Which topic interests you most?');
    const { rows } = await bot.app.pool.query<{ first_name: string }>(
      'SELECT first_name FROM users WHERE user_id = $1',
      [user],
    );
    expect(rows[0]?.first_name).toBe('Sasha');
  });

  it('answers every command the system prompt tells Claude about, and the prompt names no other', async () => {
    const named = new Set([...SYSTEM_PROMPT.matchAll(/(?<![\w/])\/([a-z]+)\b/g)].map((match) => match[1]));
    expect([...named].sort()).toEqual([...COMMAND_NAMES].sort());
    const user = 6202;
    await bot.send({ kind: 'command', user_id: user, command: 'start' });
    await bot.press(user, '✅ Yes');
    await bot.press(user, '💻 Technology');
    await bot.press(user, '09:00');
    const replies: Record<string, string> = {};
    for (const command of ['topic', 'time', 'pause', 'resume', 'settings', 'menu', 'help', 'stop']) {
      replies[command] = (await bot.send({ kind: 'command', user_id: user, command })).text!;
    }
    for (const [command, text] of Object.entries(replies))
      expect(text, command).not.toContain('I do not know that command');
    expect(replies.topic).toContain('Which topic');
    expect(replies.time).toContain('When should your daily digest arrive?');
    expect(replies.pause).toContain('(paused)');
    expect(replies.resume).not.toContain('(paused)');
    expect(replies.stop).toContain('Digests are paused');
    expect(bot.calls.filter((call) => call.method === 'setMyCommands' && call.ok)).toHaveLength(2);
  });
});

describe('a user who writes too fast', () => {
  let bot: BotHarness;
  beforeAll(async () => {
    bot = await BotHarness.start(backends, 'polling', { 'rateLimit.messagesPerMinute': 1, 'rateLimit.burst': 3 });
  });
  afterAll(() => bot?.stop());

  it('limits one user’s messages: a note to slow down once, then silence until the allowance comes back', async () => {
    const user = 6203;
    for (let i = 0; i < 3; i++)
      expect((await bot.send({ kind: 'command', user_id: user, command: 'help' })).text).toContain('Send any question');
    expect((await bot.send({ kind: 'message', user_id: user, text: 'hello?' })).text).toMatch(/^⏳/);
    const { update_id } = backends.telegram.inject({ kind: 'message', user_id: user, text: 'HELLO??' });
    await waitFor('the fifth message handled', async () => (await metricValue(bot.app, /outcome="limited"/)) >= 2);
    expect(backends.telegram.updates({ chat_id: user }).find((u) => u.update_id === update_id)).toBeDefined();
    expect(bot.replies(user)).toHaveLength(4);
    // Another user is not affected.
    expect((await bot.send({ kind: 'command', user_id: 6204, command: 'help' })).text).toContain('Send any question');
  });
});

describe('a user who blocked the bot', () => {
  let bot: BotHarness;
  beforeAll(async () => {
    // cron-http: the test decides when the scheduler ticks.
    bot = await BotHarness.start(backends, 'webhook', { 'scheduler.enabled': true, 'scheduler.strategy': 'cron-http' });
  });
  afterAll(() => bot?.stop());

  const tick = async () =>
    (await (await fetch(`${bot.app.httpUrl}/cron/tick`, { method: 'POST' })).json()) as { sent: number };

  it('is marked on the first 403 and gets no digest attempts until they /start again', async () => {
    const user = 6301;
    await bot.send({ kind: 'command', user_id: user, command: 'start' });
    // Due now: a digest time that has already come today, chosen yesterday.
    const minuteNow = Math.floor((Date.now() % 86_400_000) / 60_000);
    await bot.app.pool.query(
      `UPDATE users SET topic = 'science', digest_minute = $2, onboarded_at = now() - interval '1 day' WHERE user_id = $1`,
      [user, minuteNow],
    );
    backends.telegram.setBlocked({ user_id: user });
    const attempts = () =>
      backends.telegram.calls({ chat_id: user, method: 'sendMessage' }).filter((c) => !c.ok).length;

    expect(await tick()).toEqual({ sent: 0 });
    expect(attempts()).toBe(1);
    const blocked = await bot.app.pool.query<{ blocked: boolean }>(
      'SELECT blocked_at IS NOT NULL AS blocked FROM users WHERE user_id = $1',
      [user],
    );
    expect(blocked.rows[0]?.blocked).toBe(true);
    expect(await metricValue(bot.app, /^bot_digest_recipients_blocked_total/)).toBe(1);
    expect(await tick()).toEqual({ sent: 0 });
    expect(attempts()).toBe(1);

    backends.telegram.setBlocked({ user_id: user, blocked: false });
    await bot.send({ kind: 'command', user_id: user, command: 'start' });
    expect(await tick()).toEqual({ sent: 1 });
    expect(bot.replies(user).at(-1)?.text).toMatch(/^📰/);
  });
});
