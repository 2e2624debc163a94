import { autoRetry } from '@grammyjs/auto-retry';
import { run, sequentialize } from '@grammyjs/runner';
import { Bot, GrammyError, InlineKeyboard } from 'grammy';
import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest';
import { type FakeTelegram, startFakeTelegram } from './index.ts';
import { callApi, waitFor } from './testing.ts';

let fake: FakeTelegram;
let token: string;

beforeEach(async () => {
  fake = await startFakeTelegram({ timeScale: 1000, floodControl: false });
  token = fake.tokens[0]!;
});
afterEach(() => fake.close());

function newBot(): Bot {
  const bot = new Bot(token, { client: { apiRoot: fake.url } });
  bot.catch((error) => {
    throw error.error;
  });
  return bot;
}

describe('getUpdates with grammY', () => {
  it('bot.start() gets commands, text and callback queries and edits its message', async () => {
    const bot = newBot();
    bot.command('start', (ctx) => ctx.reply('welcome', { reply_markup: new InlineKeyboard().text('Go', 'go') }));
    bot.on('callback_query:data', async (ctx) => {
      await ctx.answerCallbackQuery();
      await ctx.editMessageText(`pressed ${ctx.callbackQuery.data}`);
    });
    bot.on('message:text', (ctx) => ctx.reply(`echo: ${ctx.message.text}`));
    const polling = bot.start({ timeout: 1 });

    const start = fake.inject({ kind: 'command', user_id: 7, command: 'start' });
    const welcome = await fake.waitForReply({ chat_id: 7, since_ms: start.injected_ms, timeout_ms: 10_000 });
    expect(welcome).toMatchObject({ method: 'sendMessage', ok: true, text_length: 7, update_id: start.update_id });

    const press = fake.inject({ kind: 'callback_query', user_id: 7, data: 'go' });
    expect(press.message_id).toBe(welcome!.message_id);
    const edit = await fake.waitForReply({ chat_id: 7, since_ms: press.injected_ms, timeout_ms: 10_000 });
    expect(edit).toMatchObject({ method: 'editMessageText', ok: true, message_id: welcome!.message_id });
    expect(fake.calls({ method: 'answerCallbackQuery' })).toMatchObject([{ ok: true, update_id: press.update_id }]);

    const text = fake.inject({ kind: 'message', user_id: 7, text: 'hello' });
    const echo = await fake.waitForReply({ chat_id: 7, since_ms: text.injected_ms, timeout_ms: 10_000 });
    expect(echo).toMatchObject({ method: 'sendMessage', text_length: 'echo: hello'.length });

    await bot.stop();
    await polling;
    expect(fake.calls({ method: 'deleteWebhook' })).toHaveLength(1);
    expect(fake.updates().every((update) => update.confirmed_ms !== null)).toBe(true);
  });

  it("attributes a late edit to the button press it answered, not to the chat's update polled since", async () => {
    fake.addChat({ chat_id: 7 });
    const menu = await callApi(fake.url, token, 'sendMessage', {
      chat_id: 7,
      text: 'menu',
      reply_markup: { inline_keyboard: [[{ text: 'A', callback_data: 'a' }]] },
    });
    const messageId = (menu.body.result as { message_id: number }).message_id;
    const first = fake.inject({ kind: 'callback_query', user_id: 7, data: 'a' });
    const second = fake.inject({ kind: 'callback_query', user_id: 7, data: 'a' });
    // The poller has both presses while the handler of the first is still running (a chat's updates in order).
    const polled = await callApi(fake.url, token, 'getUpdates', {});
    const queries = (polled.body.result as { callback_query: { id: string } }[]).map((u) => u.callback_query.id);
    expect(queries).toHaveLength(2);
    const answerAndEdit = async (queryId: string, text: string) => {
      await callApi(fake.url, token, 'answerCallbackQuery', { callback_query_id: queryId });
      await callApi(fake.url, token, 'editMessageText', { chat_id: 7, message_id: messageId, text });
    };
    await answerAndEdit(queries[0]!, 'first');
    await answerAndEdit(queries[1]!, 'second');
    const edits = fake.calls({ method: 'editMessageText' });
    expect(edits.map((call) => call.update_id)).toEqual([first.update_id, second.update_id]);

    // An edit with no answered press of its own (the next update was polled after the answer) keeps "last polled".
    const third = fake.inject({ kind: 'callback_query', user_id: 7, data: 'a' });
    await callApi(fake.url, token, 'getUpdates', { offset: second.update_id + 1 });
    await callApi(fake.url, token, 'editMessageText', { chat_id: 7, message_id: messageId, text: 'third' });
    expect(fake.calls({ method: 'editMessageText' }).at(-1)!.update_id).toBe(third.update_id);
  });

  it('runner with sequentialize keeps each chat in order while chats run concurrently', async () => {
    const bot = newBot();
    bot.use(sequentialize((ctx) => ctx.chat?.id.toString()));
    let active = 0;
    let mostActive = 0;
    bot.on('message:text', async (ctx) => {
      mostActive = Math.max(mostActive, ++active);
      // Uneven handler times: without sequentialize, later messages of a chat would overtake earlier ones.
      await new Promise((resolve) => setTimeout(resolve, (Number(ctx.message.text) % 3) * 5));
      // reply_parameters names the message answered, so the fake attributes each reply to its update exactly.
      await ctx.reply(ctx.message.text, { reply_parameters: { message_id: ctx.message.message_id } });
      active--;
    });
    const handle = run(bot, { runner: { fetch: { timeout: 1 } } });
    const chats = [101, 102, 103];
    for (let n = 0; n < 6; n++) for (const chat of chats) fake.inject({ kind: 'message', user_id: chat, text: `${n}` });
    await waitFor(() => fake.calls({ method: 'sendMessage' }).length >= 18, 10_000, '18 replies');
    for (const chat of chats) {
      const texts = fake.calls({ method: 'sendMessage', chat_id: chat }).map((call) => call.update_id);
      const injected = fake.updates({ chat_id: chat }).map((update) => update.update_id);
      expect(texts).toEqual(injected);
    }
    expect(mostActive).toBeGreaterThan(1);
    await handle.stop();
  });

  it('@grammyjs/runner fails with 409 while a webhook is set (it does not call deleteWebhook)', async () => {
    await callApi(fake.url, token, 'setWebhook', { url: 'http://127.0.0.1:9/hook' });
    const bot = newBot();
    // The runner prints the 409 before giving up; keep the test output clean.
    const quiet = vi.spyOn(console, 'error').mockImplementation(() => {});
    const handle = run(bot);
    await expect(handle.task()).rejects.toMatchObject({ error_code: 409 });
    quiet.mockRestore();
    const conflict = fake.calls({ method: 'getUpdates' })[0];
    expect(conflict).toMatchObject({ ok: false, error_code: 409 });
    const direct = await callApi(fake.url, token, 'getUpdates');
    expect(direct.status).toBe(409);
    expect(direct.body.description).toBe(
      "Conflict: can't use getUpdates method while webhook is active; use deleteWebhook to delete the webhook first",
    );
  });

  it('redelivers updates a poller received but never confirmed (it died before the next offset)', async () => {
    const first = fake.inject({ kind: 'message', user_id: 5, text: 'one' });
    fake.inject({ kind: 'message', user_id: 5, text: 'two' });
    const crashed = await callApi(fake.url, token, 'getUpdates', { offset: 0, timeout: 0 });
    expect(crashed.body.result).toHaveLength(2);

    const bot = newBot();
    const seen: number[] = [];
    bot.on('message', (ctx) => {
      seen.push(ctx.update.update_id);
    });
    const polling = bot.start({ timeout: 1 });
    await waitFor(() => seen.length === 2, 10_000, 'both updates again');
    await bot.stop();
    await polling;
    expect(seen[0]).toBe(first.update_id);
    expect(fake.updates().map((update) => update.deliveries)).toEqual([2, 2]);
    expect(fake.stats().bots[0]!.redeliveries).toBe(2);
  });

  it('counts a long poll when it arrives, and each update the bot took once', async () => {
    const waiting = callApi(fake.url, token, 'getUpdates', { timeout: 30 });
    await waitFor(() => fake.stats().bots[0]!.get_updates_received === 1, 5_000, 'the poll to arrive');
    // The call record is written when the poll returns, with its outcome.
    expect(fake.calls({ method: 'getUpdates' })).toEqual([]);
    const update = fake.inject({ kind: 'message', user_id: 4, text: 'wake up' });
    expect((await waiting).body.result).toHaveLength(1);
    expect(fake.calls({ method: 'getUpdates' })).toHaveLength(1);
    // Handed out again (not confirmed yet), then confirmed: still one update delivered.
    await callApi(fake.url, token, 'getUpdates', { offset: update.update_id });
    await callApi(fake.url, token, 'getUpdates', { offset: update.update_id + 1 });
    expect(fake.stats().bots[0]).toMatchObject({ get_updates_received: 3, updates_delivered: 1, redeliveries: 1 });
  });

  it('a second concurrent getUpdates ends the first with 409, and offsets confirm or keep updates', async () => {
    const waiting = callApi(fake.url, token, 'getUpdates', { timeout: 5 });
    await waitFor(() => fake.stats().bots[0]!.long_poll_waiting, 5_000, 'the long poll');
    const second = await callApi(fake.url, token, 'getUpdates', { timeout: 0 });
    expect(second.body).toEqual({ ok: true, result: [] });
    const first = await waiting;
    expect(first.status).toBe(409);
    expect(first.body.description).toBe(
      'Conflict: terminated by other getUpdates request; make sure that only one bot instance is running',
    );

    const ids = [1, 2, 3, 4, 5].map((n) => fake.inject({ kind: 'message', user_id: 9, text: `m${n}` }).update_id);
    const lastTwo = await callApi(fake.url, token, 'getUpdates', { offset: -2 });
    expect((lastTwo.body.result as { update_id: number }[]).map((update) => update.update_id)).toEqual(ids.slice(3));
    const limited = await callApi(fake.url, token, 'getUpdates', { offset: ids[4], limit: 0 });
    expect(limited.body.result).toHaveLength(1);
    await callApi(fake.url, token, 'getUpdates', { offset: ids[4]! + 1 });
    expect(fake.stats().bots[0]!.pending_update_count).toBe(0);

    const held = callApi(fake.url, token, 'getUpdates', { timeout: 5, offset: ids[4]! + 1 });
    await waitFor(() => fake.stats().bots[0]!.long_poll_waiting, 5_000, 'the long poll');
    const late = fake.inject({ kind: 'message', user_id: 9, text: 'late' });
    const woke = await held;
    expect((woke.body.result as { update_id: number }[])[0]!.update_id).toBe(late.update_id);
  });

  it('drops updates nobody fetched within updateExpiryMs (scaled)', async () => {
    await fake.close();
    fake = await startFakeTelegram({ timeScale: 1000, updateExpiryMs: 2_000, floodControl: false });
    token = fake.tokens[0]!;
    const update = fake.inject({ kind: 'message', user_id: 4, text: 'stale' });
    await waitFor(() => fake.nowMs() - update.injected_ms > 3, 1_000, 'the 2 ms expiry to pass');
    expect((await callApi(fake.url, token, 'getUpdates')).body.result).toEqual([]);
    expect(fake.updates()[0]!.dropped).toBe('expired');
  });

  it('allowed_updates filters new updates and is kept when omitted', async () => {
    await callApi(fake.url, token, 'getUpdates', { allowed_updates: ['callback_query'] });
    await callApi(fake.url, token, 'getUpdates', {});
    const dropped = fake.inject({ kind: 'message', user_id: 3, text: 'ignored' });
    expect(fake.updates()[0]).toMatchObject({ update_id: dropped.update_id, dropped: 'allowed_updates' });
    await callApi(fake.url, token, 'getUpdates', { allowed_updates: [] });
    fake.inject({ kind: 'message', user_id: 3, text: 'kept' });
    expect(fake.stats().bots[0]!.pending_update_count).toBe(1);
  });
});

describe('flood control', () => {
  it('answers 429 with retry_after and Retry-After, and @grammyjs/auto-retry gets through', async () => {
    await fake.close();
    // At 1x: Telegram's retry_after is whole seconds, so the client waits at least 1 s.
    fake = await startFakeTelegram({ floodControl: { privateChatBurst: 1 } });
    token = fake.tokens[0]!;
    fake.addChat({ chat_id: 11 });
    const raw = [
      await callApi(fake.url, token, 'sendMessage', { chat_id: 11, text: 'a' }),
      await callApi(fake.url, token, 'sendMessage', { chat_id: 11, text: 'b' }),
    ];
    const refused = raw.find((reply) => reply.status === 429);
    expect(refused?.body).toMatchObject({
      ok: false,
      error_code: 429,
      description: expect.stringMatching(/^Too Many Requests: retry after \d+$/),
      parameters: { retry_after: expect.any(Number) },
    });
    expect(refused?.retryAfter).toBe(String(refused?.body.parameters?.retry_after));

    const bot = newBot();
    bot.api.config.use(autoRetry({ maxRetryAttempts: 3 }));
    const results = await Promise.all([1, 2].map((n) => bot.api.sendMessage(11, `burst ${n}`)));
    expect(results.map((message) => message.text)).toEqual(['burst 1', 'burst 2']);
    expect(fake.stats().bots[0]!.too_many_requests_sent).toBeGreaterThanOrEqual(2);

    await fake.close();
    fake = await startFakeTelegram({ floodControl: { groupBurst: 1 } });
    token = fake.tokens[0]!;
    fake.addChat({ chat_id: -500, type: 'group' });
    const groupBot = new Bot(token, { client: { apiRoot: fake.url } });
    await groupBot.api.sendMessage(-500, 'first');
    await expect(groupBot.api.sendMessage(-500, 'second')).rejects.toBeInstanceOf(GrammyError);
  }, 20_000);

  it('retry_after is simulated seconds: a group allows one message per 3 s at 1x and at 10x alike', async () => {
    for (const timeScale of [1, 10]) {
      await fake.close();
      fake = await startFakeTelegram({ timeScale, floodControl: { groupBurst: 1 } });
      token = fake.tokens[0]!;
      fake.addChat({ chat_id: -500, type: 'group' });
      await callApi(fake.url, token, 'sendMessage', { chat_id: -500, text: 'first' });
      const refused = await callApi(fake.url, token, 'sendMessage', { chat_id: -500, text: 'second' });
      // 20 messages a minute: the next token is ~3 simulated s away (0.3 real s at 10x, which rounds up to 1).
      expect(refused.body.parameters?.retry_after, `at ${timeScale}x`).toBe(3);
    }
  });
});
