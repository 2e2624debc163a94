import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import {
  type CallRecord,
  type FakeTelegram,
  type FakeTelegramStats,
  startFakeTelegram,
  type UpdateRecord,
} from './index.ts';
import { callApi } from './testing.ts';

let fake: FakeTelegram;
let token: string;

beforeAll(async () => {
  fake = await startFakeTelegram({ tokens: ['111:first-bot-token', '222:second-bot-token'], floodControl: false });
  token = fake.tokens[0]!;
});
afterAll(() => fake.close());

interface ControlReply<T> {
  ok: boolean;
  result: T;
  now_ms: number;
  error_code?: number;
  description?: string;
}

async function control<T>(
  method: 'GET' | 'POST',
  path: string,
  body?: unknown,
): Promise<{ status: number } & ControlReply<T>> {
  const response = await fetch(`${fake.url}/control/${path}`, {
    method,
    headers: body === undefined ? {} : { 'content-type': 'application/json' },
    body: body === undefined ? undefined : JSON.stringify(body),
  });
  return { status: response.status, ...((await response.json()) as ControlReply<T>) };
}

describe('control API over HTTP', () => {
  it('injects messages, commands and callback queries that getUpdates then returns', async () => {
    const message = await control<UpdateRecord>('POST', 'updates', {
      kind: 'message',
      user_id: 1,
      text: 'hi',
      intended_ms: 5,
    });
    expect(message).toMatchObject({ ok: true, result: { kind: 'message', chat_id: 1, intended_ms: 5 } });
    expect(message.now_ms).toBeGreaterThanOrEqual(message.result.injected_ms);
    const batch = await control<UpdateRecord[]>('POST', 'updates/batch', {
      updates: [
        { kind: 'command', user_id: 1, command: '/start', args: 'ref42' },
        { kind: 'message', user_id: 2, chat_id: -100, chat_type: 'supergroup', text: 'in a group' },
      ],
    });
    expect(batch.result.map((update) => update.kind)).toEqual(['command', 'message']);
    const sent = await callApi(fake.url, token, 'sendMessage', {
      chat_id: 1,
      text: 'pick',
      reply_markup: { inline_keyboard: [[{ text: 'x', callback_data: 'x' }]] },
    });
    const press = await control<UpdateRecord>('POST', 'updates', { kind: 'callback_query', user_id: 1, data: 'x' });
    expect(press.result.message_id).toBe((sent.body.result as { message_id: number }).message_id);

    const polled = (await callApi(fake.url, token, 'getUpdates')).body.result as Record<string, unknown>[];
    expect(polled).toHaveLength(4);
    expect(polled[1]).toMatchObject({
      message: { text: '/start ref42', entities: [{ type: 'bot_command', offset: 0, length: 6 }] },
    });
    expect(polled[2]).toMatchObject({ message: { chat: { id: -100, type: 'supergroup' }, from: { id: 2 } } });
    expect(polled[3]).toMatchObject({
      callback_query: {
        id: press.result.callback_query_id,
        data: 'x',
        message: { reply_markup: { inline_keyboard: [[{ text: 'x' }]] } },
      },
    });
    const shown = await control<Record<string, unknown>>('GET', 'message?chat_id=1');
    expect(shown.result).toMatchObject({
      text: 'pick',
      from_bot: true,
      reply_markup: { inline_keyboard: [[{ text: 'x' }]] },
    });
    expect(fake.message({ chat_id: 1, message_id: 2 })).toMatchObject({ text: '/start ref42', from_bot: false });
    expect(fake.message({ chat_id: 1, message_id: 999 })).toBeNull();
    // The generator's cheap read: the same text, no record built.
    expect(fake.messageText({ chat_id: 1, message_id: 2 })).toBe('/start ref42');
    expect(fake.messageText({ chat_id: 1, message_id: 999 })).toBeNull();
    const updates = await control<UpdateRecord[]>('GET', 'updates?chat_id=1');
    expect(updates.result).toHaveLength(3);
  });

  it('filters recorded calls by chat, method, time and count', async () => {
    fake.addChat({ chat_id: 2 });
    const since = (await control<{ now_ms: number }>('GET', 'now')).result.now_ms;
    for (const text of ['a', 'b', 'c']) await callApi(fake.url, token, 'sendMessage', { chat_id: 1, text });
    await callApi(fake.url, token, 'sendMessage', { chat_id: 2, text: 'other chat' });
    const chat1 = await control<CallRecord[]>('GET', `calls?chat_id=1&method=sendMessage&since_ms=${since}`);
    expect(chat1.result.map((call) => call.text_length)).toEqual([1, 1, 1]);
    const limited = await control<CallRecord[]>('GET', `calls?since_ms=${since}&limit=2`);
    expect(limited.result).toHaveLength(2);
    const next = await control<CallRecord[]>('GET', `calls?since_seq=${limited.result[1]!.seq + 1}&ok_only=true`);
    expect(next.result.map((call) => call.chat_id)).toEqual([1, 2]);
  });

  it('waits for the next reply to a chat, or answers null at the timeout', async () => {
    // since_ms taken before the reply, so the wait finds it whether it lands before or after the wait starts.
    const now = (await control<{ now_ms: number }>('GET', 'now')).result.now_ms;
    const waiting = control<CallRecord | null>('POST', 'wait-reply', { chat_id: 2, since_ms: now, timeout_ms: 5_000 });
    await callApi(fake.url, token, 'sendMessage', { chat_id: 2, text: 'answer' });
    const reply = await waiting;
    expect(reply.result).toMatchObject({ chat_id: 2, method: 'sendMessage', text_length: 6 });
    expect(reply.result!.time_ms).toBeGreaterThanOrEqual(now);
    const none = await control<CallRecord | null>('POST', 'wait-reply', { chat_id: 2, timeout_ms: 20 });
    expect(none.ok).toBe(true);
    expect(none.result).toBeNull();
  });

  it('tells an in-process watcher of each call its bot records, failed ones too, until it stops watching', async () => {
    // A fake of its own: the calls here would be counted in the other tests' stats.
    const own = await startFakeTelegram({ tokens: ['333:watched-bot-token', '444:other-bot-token'] });
    try {
      const [watched, other] = own.tokens as [string, string];
      own.addChat({ chat_id: 1, token: watched });
      own.addChat({ chat_id: 1, token: other });
      const told: number[] = [];
      const stop = own.watchCalls(() => told.push(own.stats({ token: watched }).bots[0]!.calls), { token: watched });
      await callApi(own.url, watched, 'sendMessage', { chat_id: 1, text: 'one' });
      await callApi(own.url, watched, 'sendMessage', { chat_id: 1 }); // 400: text is missing, recorded all the same
      await callApi(own.url, other, 'sendMessage', { chat_id: 1, text: 'another bot' });
      // Told after each record, with the record already grown: a reader finds the call it was told of.
      expect(told).toEqual([1, 2]);
      stop();
      await callApi(own.url, watched, 'sendMessage', { chat_id: 1, text: 'after' });
      expect(told).toEqual([1, 2]);
    } finally {
      await own.close();
    }
  });

  it('blocks and unblocks users, adds chats, and reports stats per bot', async () => {
    await control('POST', 'block', { user_id: 1 });
    expect((await callApi(fake.url, token, 'sendMessage', { chat_id: 1, text: 'x' })).status).toBe(403);
    await control('POST', 'unblock', { user_id: 1 });
    expect((await callApi(fake.url, token, 'sendMessage', { chat_id: 1, text: 'x' })).status).toBe(200);
    await control('POST', 'chats', { chat_id: -200, type: 'group', title: 'Team', token: '222:second-bot-token' });
    expect(
      (await callApi(fake.url, '222:second-bot-token', 'sendMessage', { chat_id: -200, text: 'hey' })).status,
    ).toBe(200);
    const stats = await control<FakeTelegramStats>('GET', 'stats');
    expect(stats.result.bots.map((bot) => bot.bot_id)).toEqual([111, 222]);
    expect(stats.result.bots[0]).toMatchObject({
      updates_injected: 4,
      pending_update_count: 4,
      webhook: null,
      too_many_requests_sent: 0,
    });
    const second = await control<FakeTelegramStats>('GET', 'stats?token=222:second-bot-token');
    expect(second.result.bots).toMatchObject([{ bot_id: 222, calls: 1, known_chats: 1 }]);
  });

  it('validates bodies: errors name the field and the fix, and never echo a token', async () => {
    const bad = await control('POST', 'updates', { kind: 'message', user_id: 'seven', text: '' });
    expect(bad.status).toBe(400);
    expect(bad.description).toMatch(/user_id: .*got "seven"/);
    expect(bad.description).toMatch(/text: text must not be empty/);
    const kind = await control('POST', 'updates', { kind: 'sticker', user_id: 1 });
    expect(kind.description).toMatch(/kind/);
    const unknownToken = await control('POST', 'updates', {
      kind: 'message',
      user_id: 1,
      text: 'x',
      token: '999999:SECRETsecretSECRETsecretXYZ',
    });
    expect(unknownToken.description).toMatch(/token: not one of this fake's tokens/);
    expect(unknownToken.description).not.toContain('SECRETsecret');
    const query = await control('GET', 'calls?limit=0');
    expect(query.description).toMatch(/limit/);
    const noJson = await fetch(`${fake.url}/control/updates`, { method: 'POST', body: '{' });
    expect(noJson.status).toBe(400);
    const missing = await control('GET', 'nothing');
    expect(missing.status).toBe(404);
    expect(missing.description).toMatch(/endpoints: GET \/control\/now/);
    const noMessage = await control('POST', 'updates', { kind: 'callback_query', user_id: 77, data: 'x' });
    expect(noMessage.description).toMatch(/message_id: chat 77 has no bot message yet/);
  });

  it('refuses a bad token list, a busy port and a bad message bound with errors that say what to do', async () => {
    await expect(startFakeTelegram({ tokens: ['oops'] })).rejects.toThrow(/tokens\[0\]: not a bot token/);
    await expect(startFakeTelegram({ port: fake.port })).rejects.toThrow(/pass port 0/);
    await expect(startFakeTelegram({ messagesKeptPerChat: 0 })).rejects.toThrow(
      /messagesKeptPerChat: 0 is not a positive/,
    );
    await expect(startFakeTelegram({ messagesKeptPerChat: 2.5 })).rejects.toThrow(/how many messages each chat keeps/);
  });

  it('reset forgets everything but keeps update ids increasing', async () => {
    const before = fake.inject({ kind: 'message', user_id: 3, text: 'x' }).update_id;
    await control('POST', 'reset', {});
    expect(fake.calls()).toHaveLength(0);
    expect(fake.updates()).toHaveLength(0);
    expect((await callApi(fake.url, token, 'sendMessage', { chat_id: 3, text: 'x' })).status).toBe(400);
    expect(fake.inject({ kind: 'message', user_id: 3, text: 'y' }).update_id).toBeGreaterThan(before);
  });
});
