import type { Server } from 'node:http';
import { Bot, InlineKeyboard, webhookCallback } from 'grammy';
import { MockAgent } from 'undici';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { type FakeTelegram, startFakeTelegram } from './index.ts';
import { callApi, closeServer, listen, readJson, waitFor } from './testing.ts';

let fake: FakeTelegram;
let token: string;
const servers: Server[] = [];

beforeEach(async () => {
  // Scale 1000: the 2 s, 4 s, 8 s webhook backoffs take 2, 4, 8 ms. The request timeout would scale to
  // 60 ms too, shorter than a busy CI machine may need for a real handler, so it is set to 30 s real.
  fake = await startFakeTelegram({ timeScale: 1000, webhookTimeoutMs: 30_000_000, floodControl: false });
  token = fake.tokens[0]!;
});
afterEach(async () => {
  await fake.close();
  await Promise.all(servers.splice(0).map(closeServer));
});

async function serveBot(bot: Bot, secretToken: string): Promise<string> {
  await bot.init();
  const { server, url } = await listen(webhookCallback(bot, 'http', { secretToken }));
  servers.push(server);
  return `${url}/hook`;
}

function newBot(canUseWebhookReply?: (method: string) => boolean): Bot {
  const bot = new Bot(token, { client: { apiRoot: fake.url, canUseWebhookReply } });
  bot.catch((error) => {
    throw error.error;
  });
  return bot;
}

describe('webhook delivery with grammY webhookCallback', () => {
  it('delivers commands, text and callback queries with the secret header; edits work', async () => {
    const bot = newBot();
    bot.command('start', (ctx) => ctx.reply('menu', { reply_markup: new InlineKeyboard().text('A', 'a') }));
    bot.on('callback_query:data', async (ctx) => {
      await ctx.answerCallbackQuery({ text: 'ok' });
      await ctx.editMessageText('chose a');
    });
    bot.on('message:text', (ctx) => ctx.reply(`you said ${ctx.message.text}`));
    const hook = await serveBot(bot, 'right_secret');
    await bot.api.setWebhook(hook, { secret_token: 'right_secret', max_connections: 5 });

    const start = fake.inject({ kind: 'command', user_id: 21, command: 'start' });
    const menu = await fake.waitForReply({ chat_id: 21, since_ms: start.injected_ms, timeout_ms: 10_000 });
    expect(menu).toMatchObject({ method: 'sendMessage', update_id: start.update_id });
    const press = fake.inject({ kind: 'callback_query', user_id: 21, data: 'a' });
    const edit = await fake.waitForReply({ chat_id: 21, since_ms: press.injected_ms, timeout_ms: 10_000 });
    expect(edit).toMatchObject({ method: 'editMessageText', message_id: menu!.message_id, update_id: press.update_id });
    const text = fake.inject({ kind: 'message', user_id: 21, text: 'hi' });
    expect(await fake.waitForReply({ chat_id: 21, since_ms: text.injected_ms, timeout_ms: 10_000 })).toMatchObject({
      update_id: text.update_id,
    });
    await waitFor(() => fake.updates().every((update) => update.confirmed_ms !== null), 5_000, 'confirmations');

    const info = await bot.api.getWebhookInfo();
    expect(info).toMatchObject({ url: hook, pending_update_count: 0, max_connections: 5 });
    expect(info.last_error_date).toBeUndefined();
  });

  it('executes a {method,...} webhook reply as a bot call attributed to its update', async () => {
    const bot = newBot((method) => method === 'sendMessage');
    bot.on('message:text', (ctx) => ctx.reply('answered in the webhook response'));
    await bot.api.setWebhook(await serveBot(bot, 'webhook_reply'), { secret_token: 'webhook_reply' });
    const update = fake.inject({ kind: 'message', user_id: 31, text: 'ping' });
    const reply = await fake.waitForReply({ chat_id: 31, since_ms: update.injected_ms, timeout_ms: 10_000 });
    expect(reply).toMatchObject({
      method: 'sendMessage',
      source: 'webhook_reply',
      update_id: update.update_id,
      ok: true,
    });
    // Its result goes nowhere, but the message it sent exists, for later edits and button presses.
    expect(fake.message({ chat_id: 31, message_id: reply!.message_id! })).toMatchObject({
      text: 'answered in the webhook response',
    });
    await expect(bot.api.editMessageText(31, reply!.message_id!, 'edited over HTTP')).resolves.toMatchObject({
      message_id: reply!.message_id,
      text: 'edited over HTTP',
    });
  });

  it('keeps each chat in order while different chats overlap', async () => {
    const bot = newBot();
    let active = 0;
    let mostActive = 0;
    const activePerChat = new Map<number, number>();
    let chatOverlap = false;
    bot.on('message:text', async (ctx) => {
      mostActive = Math.max(mostActive, ++active);
      const inChat = (activePerChat.get(ctx.chat.id) ?? 0) + 1;
      activePerChat.set(ctx.chat.id, inChat);
      if (inChat > 1) chatOverlap = true;
      // Uneven handler times make a reordering visible if the fake sent a chat's updates in parallel.
      await new Promise((resolve) => setTimeout(resolve, (Number(ctx.message.text) % 3) * 4));
      await ctx.reply(ctx.message.text);
      activePerChat.set(ctx.chat.id, inChat - 1);
      active--;
    });
    await bot.api.setWebhook(await serveBot(bot, 'order'), { secret_token: 'order', max_connections: 10 });
    const chats = [41, 42, 43, 44];
    for (let n = 0; n < 5; n++) for (const chat of chats) fake.inject({ kind: 'message', user_id: chat, text: `${n}` });
    await waitFor(() => fake.calls({ method: 'sendMessage' }).length >= 20, 10_000, '20 replies');
    expect(fake.stats().bots[0]!.redeliveries).toBe(0);
    for (const chat of chats) {
      const answered = fake.calls({ method: 'sendMessage', chat_id: chat }).map((call) => call.update_id);
      expect(answered).toEqual(fake.updates({ chat_id: chat }).map((update) => update.update_id));
    }
    expect(chatOverlap).toBe(false);
    expect(mostActive).toBeGreaterThan(1);
  });

  it('records a wrong secret (401 from grammY) as last_error and retries the same update', async () => {
    const bot = newBot();
    bot.on('message:text', (ctx) => ctx.reply('finally'));
    const hook = await serveBot(bot, 'the_right_one');
    await callApi(fake.url, token, 'setWebhook', { url: hook, secret_token: 'a_wrong_one' });
    const update = fake.inject({ kind: 'message', user_id: 51, text: 'knock' });
    await waitFor(() => fake.updates()[0]!.webhook_failures >= 3, 10_000, 'three failed attempts');
    const info = await bot.api.getWebhookInfo();
    expect(info.last_error_message).toBe('Wrong response from the webhook: 401 Unauthorized');
    expect(info.last_error_date).toBeGreaterThan(0);
    expect(info.pending_update_count).toBe(1);

    await callApi(fake.url, token, 'setWebhook', { url: hook, secret_token: 'the_right_one' });
    const reply = await fake.waitForReply({ chat_id: 51, since_ms: update.injected_ms, timeout_ms: 10_000 });
    expect(reply).toMatchObject({ update_id: update.update_id });
    const [record] = fake.updates();
    expect(record!.deliveries).toBe(record!.webhook_failures + 1);
    expect(fake.stats().bots[0]!.redeliveries).toBe(record!.webhook_failures);
  });
});

describe('where deliveries go', () => {
  it('routeWebhooks keeps the registered path, query and secret, so an https URL is served over plain http', async () => {
    const seen: Array<{ url: string; host: string; secret: string | undefined }> = [];
    const { server, url: origin } = await listen(async (req, res) => {
      await readJson(req);
      seen.push({
        url: req.url ?? '',
        host: req.headers.host ?? '',
        secret: req.headers['x-telegram-bot-api-secret-token'] as string | undefined,
      });
      res.end();
    });
    servers.push(server);
    fake.routeWebhooks(origin);
    const registered = 'https://bot.example.com:8443/tg/hook?from=telegram';
    await callApi(fake.url, token, 'setWebhook', { url: registered, secret_token: 's3cret' });
    fake.inject({ kind: 'message', user_id: 31, text: 'routed' });
    await waitFor(() => fake.stats().bots[0]!.updates_delivered === 1, 10_000, 'the routed delivery');
    // As behind a TLS-terminating proxy: the bot sees its own path and the Host it registered.
    expect(seen).toEqual([{ url: '/tg/hook?from=telegram', host: 'bot.example.com:8443', secret: 's3cret' }]);
    expect(fake.webhookInfo()).toMatchObject({ url: registered, pending_update_count: 0 });
    expect(() => fake.routeWebhooks('ftp://127.0.0.1:21')).toThrow(/http\(s\) origin/);
  });

  it('counts failed deliveries by reason and delivered updates once each', async () => {
    const { server, url } = await listen(async (req, res) => {
      await readJson(req);
      res.writeHead(req.url === '/served' ? 200 : 404).end();
    });
    servers.push(server);
    await callApi(fake.url, token, 'setWebhook', { url: `${url}/not-served` });
    fake.inject({ kind: 'message', user_id: 32, text: 'lost?' });
    await waitFor(() => fake.updates()[0]!.webhook_failures >= 2, 10_000, 'two failed attempts');
    const failing = fake.stats().bots[0]!;
    expect(failing.updates_delivered).toBe(0);
    expect(failing.webhook!.failures_by_reason).toEqual({
      'Wrong response from the webhook: 404 Not Found': failing.webhook!.failures,
    });
    expect(fake.webhookInfo().last_error_message).toBe('Wrong response from the webhook: 404 Not Found');

    await callApi(fake.url, token, 'setWebhook', { url: `${url}/served` });
    await waitFor(() => fake.stats().bots[0]!.pending_update_count === 0, 10_000, 'the delivery');
    expect(fake.stats().bots[0]!.updates_delivered).toBe(1);
  });
});

describe('webhook queues', () => {
  it('retries a failing head with backoff while other chats go on, honouring Retry-After', async () => {
    const seen: number[] = [];
    let failuresLeft = 2;
    const { server, url } = await listen(async (req, res) => {
      const update = (await readJson(req)) as { update_id: number; message: { chat: { id: number } } };
      seen.push(update.update_id);
      if (update.message.chat.id === 61 && failuresLeft > 0) {
        failuresLeft--;
        res.writeHead(failuresLeft === 1 ? 500 : 429, failuresLeft === 1 ? {} : { 'Retry-After': '1' });
        res.end();
        return;
      }
      res.end();
    });
    servers.push(server);
    await callApi(fake.url, token, 'setWebhook', { url, max_connections: 2 });
    const a1 = fake.inject({ kind: 'message', user_id: 61, text: 'a1' }).update_id;
    const a2 = fake.inject({ kind: 'message', user_id: 61, text: 'a2' }).update_id;
    const b1 = fake.inject({ kind: 'message', user_id: 62, text: 'b1' }).update_id;
    await waitFor(() => fake.stats().bots[0]!.pending_update_count === 0, 10_000, 'all delivered');
    const chatA = seen.filter((id) => id === a1 || id === a2);
    expect(chatA).toEqual([a1, a1, a1, a2]);
    expect(seen.indexOf(b1)).toBeLessThan(seen.lastIndexOf(a1));
    const info = (await callApi(fake.url, token, 'getWebhookInfo')).body.result;
    expect(info).toMatchObject({ last_error_message: 'Wrong response from the webhook: 429 Too Many Requests' });
  });

  it('keeps at most max_connections requests in flight across chats, on as many kept-alive connections', async () => {
    let active = 0;
    let mostActive = 0;
    const { server, url } = await listen(async (req, res) => {
      mostActive = Math.max(mostActive, ++active);
      await readJson(req);
      // Hold each request briefly so queues of several chats pile up behind the connection limit.
      setTimeout(() => {
        active--;
        res.end();
      }, 5);
    });
    servers.push(server);
    let connections = 0;
    server.on('connection', () => connections++);
    await callApi(fake.url, token, 'setWebhook', { url, max_connections: 2 });
    for (let n = 0; n < 3; n++)
      for (const chat of [81, 82, 83, 84]) fake.inject({ kind: 'message', user_id: chat, text: `${n}` });
    expect(fake.stats().bots[0]!.webhook).toMatchObject({ in_flight: 2, non_empty_queues: 4, queued: 12 });
    await waitFor(() => fake.stats().bots[0]!.pending_update_count === 0, 10_000, 'all delivered');
    expect(mostActive).toBe(2);
    expect(connections).toBe(2);
    await waitFor(() => fake.stats().bots[0]!.webhook?.in_flight === 0, 10_000, 'the last delivery settled');
    expect(fake.stats().bots[0]!.webhook).toMatchObject({ non_empty_queues: 0, queued: 0, deepest_queue: 0 });
    // An emptied queue takes the chat's next update as a new one would.
    fake.inject({ kind: 'message', user_id: 81, text: 'again' });
    await waitFor(() => fake.stats().bots[0]!.pending_update_count === 0, 10_000, 'the next update delivered');
  });

  it('drop_pending_updates empties the queue; deleteWebhook hands the rest to getUpdates', async () => {
    await callApi(fake.url, token, 'setWebhook', { url: 'http://127.0.0.1:9/refused' });
    fake.inject({ kind: 'message', user_id: 71, text: 'x' });
    await waitFor(() => fake.updates()[0]!.webhook_failures >= 1, 10_000, 'a failed attempt');
    const info = (await callApi(fake.url, token, 'getWebhookInfo')).body.result;
    expect(info).toMatchObject({ pending_update_count: 1, last_error_message: 'Connection refused' });
    await callApi(fake.url, token, 'deleteWebhook');
    const polled = await callApi(fake.url, token, 'getUpdates');
    expect(polled.body.result).toHaveLength(1);
    await callApi(fake.url, token, 'setWebhook', { url: 'http://127.0.0.1:9/refused', drop_pending_updates: true });
    expect(fake.stats().bots[0]!.pending_update_count).toBe(0);
    expect(fake.updates()[0]!.dropped).toBe('drop_pending_updates');
  });

  it('counts a connection the bot closes without answering as "Connection reset by peer" and delivers again', async () => {
    let attempts = 0;
    const { server, url } = await listen(async (req, res) => {
      await readJson(req);
      if (++attempts === 1) req.socket.destroy();
      else res.end();
    });
    servers.push(server);
    await callApi(fake.url, token, 'setWebhook', { url });
    fake.inject({ kind: 'message', user_id: 93, text: 'reset' });
    await waitFor(() => fake.stats().bots[0]!.pending_update_count === 0, 10_000, 'delivered on retry');
    expect(fake.updates()[0]).toMatchObject({ deliveries: 2, webhook_failures: 1 });
    expect(fake.webhookInfo().last_error_message).toBe('Connection reset by peer');
  });

  it('a new max_connections from setWebhook bounds the requests in flight from then on', async () => {
    let active = 0;
    let mostActive = 0;
    const { server, url } = await listen(async (req, res) => {
      mostActive = Math.max(mostActive, ++active);
      await readJson(req);
      setTimeout(() => {
        active--;
        res.end();
      }, 5);
    });
    servers.push(server);
    await callApi(fake.url, token, 'setWebhook', { url, max_connections: 1 });
    await callApi(fake.url, token, 'setWebhook', { url, max_connections: 3 });
    for (let n = 0; n < 3; n++)
      for (const chat of [94, 95, 96, 97]) fake.inject({ kind: 'message', user_id: chat, text: `${n}` });
    await waitFor(() => fake.stats().bots[0]!.pending_update_count === 0, 10_000, 'all delivered');
    expect(mostActive).toBe(3);
  });

  it('fails a request that outlives the timeout with "Read timeout expired" and delivers it again', async () => {
    // Its own fake: a 100 ms (real) request timeout at scale 1000, backoffs of a few ms.
    const quick = await startFakeTelegram({ timeScale: 1000, webhookTimeoutMs: 100_000, floodControl: false });
    try {
      let attempts = 0;
      const { server, url } = await listen(async (req, res) => {
        await readJson(req);
        // The first attempt never gets an answer; the retry does.
        if (++attempts > 1) res.end();
      });
      servers.push(server);
      await callApi(quick.url, quick.tokens[0]!, 'setWebhook', { url });
      const sentAt = performance.now();
      quick.inject({ kind: 'message', user_id: 91, text: 'slow' });
      await waitFor(() => quick.stats().bots[0]!.pending_update_count === 0, 10_000, 'delivered on retry');
      expect(performance.now() - sentAt).toBeGreaterThanOrEqual(100);
      expect(quick.updates()[0]).toMatchObject({ deliveries: 2, webhook_failures: 1 });
      const info = (await callApi(quick.url, quick.tokens[0]!, 'getWebhookInfo')).body.result;
      expect(info).toMatchObject({ last_error_message: 'Read timeout expired' });
    } finally {
      await quick.close();
    }
  });
});

describe('webhookClient: another client for the deliveries', () => {
  it('delivers through the client it makes for the webhook, and runs the webhook reply it gets', async () => {
    // undici's own MockAgent: a client nobody here wrote, reached without a socket. The fake owns what the
    // factory returns and ends it when the webhook goes (here at close); one webhook asks for one client.
    const agent = new MockAgent();
    agent.disableNetConnect();
    const made: Array<[origin: string, maxConnections: number]> = [];
    const own = await startFakeTelegram({
      floodControl: false,
      webhookClient: (origin, maxConnections) => {
        made.push([origin, maxConnections]);
        return agent;
      },
    });
    try {
      agent
        .get('http://bot.example:8080')
        .intercept({ path: '/hook?v=2', method: 'POST', headers: { 'x-telegram-bot-api-secret-token': 'm0ck' } })
        .reply(200, ({ body }) => {
          const update = JSON.parse(String(body)) as { message: { chat: { id: number } } };
          return { method: 'sendMessage', chat_id: update.message.chat.id, text: 'pong' };
        });
      const set = await callApi(own.url, own.tokens[0]!, 'setWebhook', {
        url: 'http://bot.example:8080/hook?v=2',
        secret_token: 'm0ck',
        max_connections: 7,
      });
      expect(set.body.ok).toBe(true);
      const ping = own.inject({ kind: 'message', user_id: 31, text: 'ping' });
      const reply = await own.waitForReply({ chat_id: 31, since_ms: ping.injected_ms, timeout_ms: 10_000 });
      expect(made).toEqual([['http://bot.example:8080', 7]]);
      expect(reply).toMatchObject({ method: 'sendMessage', source: 'webhook_reply', update_id: ping.update_id });
      expect(own.messageText({ chat_id: 31, message_id: reply!.message_id! })).toBe('pong');
      await waitFor(() => own.updates()[0]?.confirmed_ms !== null, 5_000, 'the update confirmed');
    } finally {
      await own.close();
    }
  });

  it('refuses a webhookClient that is not a function, saying what to pass', async () => {
    await expect(startFakeTelegram({ webhookClient: 'undici' as never })).rejects.toThrow(
      /webhookClient: expected a function \(origin, maxConnections\)/,
    );
  });
});
