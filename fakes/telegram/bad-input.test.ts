import { request } from 'node:http';
import { connect } from 'node:net';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { type FakeTelegram, startFakeTelegram } from './index.ts';
import { type ApiReply, callApi } from './testing.ts';

let fake: FakeTelegram;
let token: string;

beforeAll(async () => {
  fake = await startFakeTelegram({ maxBodyBytes: 16_384, maxUploadBytes: 1_000_000, floodControl: false });
  token = fake.tokens[0]!;
  fake.addChat({ chat_id: 1 });
});
afterAll(() => fake.close());

async function raw(path: string, init: RequestInit = {}): Promise<{ status: number; body: ApiReply; type: string }> {
  const response = await fetch(`${fake.url}${path}`, init);
  return {
    status: response.status,
    type: response.headers.get('content-type') ?? '',
    body: (await response.json()) as ApiReply,
  };
}

function expectError(reply: { status: number; body: ApiReply }, code: number, description: string | RegExp): void {
  expect(reply.status).toBe(code);
  expect(reply.body.ok).toBe(false);
  expect(reply.body.error_code).toBe(code);
  expect(reply.body.description).toMatch(description);
}

describe('transport errors in the Bot API shape', () => {
  it('401 for malformed and unknown tokens, never echoing the token', async () => {
    expectError(await raw('/botnot-a-token/getMe'), 401, /^Unauthorized: invalid token specified$/);
    const unknown = await raw('/bot987654:SECRETsecretSECRETsecret123/getMe');
    expectError(unknown, 401, /^Unauthorized$/);
    expect(JSON.stringify(unknown.body)).not.toContain('SECRETsecret');
    // A bot started with the wrong BOT_TOKEN shows up here, since no bot's record holds its calls.
    expect(fake.stats().unknown_token_requests).toBe(2);
  });

  it('404 for unknown methods and paths; methods match case-insensitively; GET works', async () => {
    expectError(await raw(`/bot${token}/sendTelepathy`), 404, 'Not Found: method not found');
    expectError(await raw(`/bot${token}/`), 404, /^Not Found/);
    expectError(await raw('/nothing/here'), 404, /^Not Found/);
    const me = await raw(`/bot${token}/gEtMe`);
    expect(me.status).toBe(200);
    expect(me.type).toBe('application/json');
    expect(me.body.result).toMatchObject({ is_bot: true, username: expect.stringMatching(/bot$/) });
    const viaQuery = await raw(`/bot${token}/sendMessage?chat_id=1&text=from%20query`);
    expect(viaQuery.body.result).toMatchObject({ text: 'from query', chat: { id: 1 } });
  });

  it('400 for malformed JSON, a JSON array and an unsupported content type', async () => {
    const post = (body: string, type: string) =>
      raw(`/bot${token}/sendMessage`, { method: 'POST', headers: { 'content-type': type }, body });
    expectError(await post('{"chat_id": 1,', 'application/json'), 400, "Bad Request: can't parse JSON object");
    expectError(await post('[1,2]', 'application/json'), 400, /must be a JSON object/);
    expectError(await post('chat_id=1', 'text/plain'), 400, /unsupported Content-Type "text\/plain"/);
    expectError(await post('--x\r\nbroken', 'multipart/form-data'), 400, /multipart/);
  });

  it('413 for a body over the limit, and the server keeps serving', async () => {
    const big = JSON.stringify({ chat_id: 1, text: 'x'.repeat(40_000) });
    const reply = await raw(`/bot${token}/sendMessage`, {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: big,
    });
    expectError(reply, 413, 'Request Entity Too Large');
    expect((await raw(`/bot${token}/getMe`)).status).toBe(200);
  });

  it('file uploads (multipart) have their own limit; one over it is read to the end and answered 413, no EPIPE', async () => {
    /** A multipart sendMessage carrying a file of `fileBytes`, written in 64 KiB chunks as an upload is. */
    const upload = (fileBytes: number) =>
      new Promise<{ status: number; body: string }>((resolve, reject) => {
        const boundary = 'botcapboundary';
        const head = Buffer.from(
          `--${boundary}\r\nContent-Disposition: form-data; name="chat_id"\r\n\r\n1\r\n` +
            `--${boundary}\r\nContent-Disposition: form-data; name="text"\r\n\r\nupload\r\n` +
            `--${boundary}\r\nContent-Disposition: form-data; name="document"; filename="a.bin"\r\n` +
            'Content-Type: application/octet-stream\r\n\r\n',
        );
        const tail = Buffer.from(`\r\n--${boundary}--\r\n`);
        const req = request(`${fake.url}/bot${token}/sendMessage`, {
          method: 'POST',
          headers: {
            'content-type': `multipart/form-data; boundary=${boundary}`,
            'content-length': head.length + fileBytes + tail.length,
          },
        });
        req.on('error', reject);
        req.on('response', (res) => {
          let body = '';
          res.on('data', (chunk: Buffer) => {
            body += chunk.toString();
          });
          res.on('end', () => resolve({ status: res.statusCode ?? 0, body }));
        });
        req.write(head);
        const chunk = Buffer.alloc(64 * 1024, 0x61);
        for (let sent = 0; sent < fileBytes; sent += chunk.length) {
          req.write(chunk.subarray(0, Math.min(chunk.length, fileBytes - sent)));
        }
        req.end(tail);
      });
    // Over maxBodyBytes (16 KiB) but a file within the upload limit: taken.
    expect((await upload(200_000)).status).toBe(200);
    const refused = await upload(3_000_000);
    expect(refused.status).toBe(413);
    expect(JSON.parse(refused.body)).toMatchObject({ ok: false, error_code: 413 });
    expect((await raw(`/bot${token}/getMe`)).status).toBe(200);
  });

  it('404 for ever more unknown method names, past the bound on recorded names (the fuzz suite found a 500 there)', async () => {
    const statuses = new Set<number>();
    for (let i = 0; i < 1_100; i += 1) statuses.add((await raw(`/bot${token}/junk${i}`, { method: 'POST' })).status);
    expect([...statuses]).toEqual([404]);
    expect(fake.calls({ method: '(other)' }).length).toBeGreaterThan(0);
  });

  it('survives garbage on the socket', async () => {
    await new Promise<void>((resolve) => {
      const socket = connect(fake.port, '127.0.0.1', () => socket.end('\x00\x01 GARBAGE /bot HTTP/9\r\n\r\n'));
      socket.on('close', () => resolve());
      socket.on('error', () => resolve());
      socket.resume();
    });
    expect((await raw(`/bot${token}/getMe`)).status).toBe(200);
  });

  it('a client that hangs up mid-body: nothing recorded, nothing thrown, the fake keeps serving', async () => {
    const callsBefore = fake.stats().bots[0]!.calls;
    await new Promise<void>((resolve) => {
      const socket = connect(fake.port, '127.0.0.1', () => {
        socket.write(
          `POST /bot${token}/sendMessage HTTP/1.1\r\nHost: 127.0.0.1\r\nContent-Type: application/json\r\nContent-Length: 500\r\n\r\n{"chat_id":1,`,
        );
        setTimeout(() => socket.destroy(), 50);
      });
      socket.on('close', () => resolve());
      socket.on('error', () => resolve());
    });
    expect((await raw(`/bot${token}/getMe`)).status).toBe(200);
    // getMe alone: the half-sent sendMessage was never run, so never recorded.
    expect(fake.stats().bots[0]!.calls).toBe(callsBefore + 1);
  });
});

describe('method errors as Telegram words them', () => {
  const send = (params: Record<string, unknown>) => callApi(fake.url, token, 'sendMessage', params);

  it('sendMessage: missing, empty, too long, bad parse_mode, unknown chat, wrong types, blocked', async () => {
    expectError(await send({ text: 'hi' }), 400, 'Bad Request: chat_id is empty');
    expectError(await send({ chat_id: 1 }), 400, 'Bad Request: message text is empty');
    expectError(await send({ chat_id: 1, text: '   ' }), 400, 'Bad Request: message text is empty');
    expectError(await send({ chat_id: 1, text: 'x'.repeat(4097) }), 400, 'Bad Request: message is too long');
    expect((await send({ chat_id: 1, text: 'x'.repeat(4096) })).status).toBe(200);
    expectError(
      await send({ chat_id: 1, text: 'hi', parse_mode: 'BBCode' }),
      400,
      'Bad Request: unsupported parse_mode',
    );
    expect((await send({ chat_id: 1, text: '<b>hi</b>', parse_mode: 'HTML' })).status).toBe(200);
    expectError(await send({ chat_id: 999, text: 'hi' }), 400, 'Bad Request: chat not found');
    expectError(await send({ chat_id: 'abc', text: 'hi' }), 400, 'Bad Request: chat not found');
    expectError(await send({ chat_id: { id: 1 }, text: 'hi' }), 400, 'Bad Request: chat not found');
    expectError(
      await send({ chat_id: 1, text: 'hi', reply_markup: '{oops' }),
      400,
      "Bad Request: can't parse reply keyboard markup JSON object",
    );
    expectError(await send({ chat_id: 1, text: 'hi', reply_to_message_id: 99_999 }), 400, /replied not found/);
    fake.setBlocked({ user_id: 1 });
    expectError(await send({ chat_id: 1, text: 'hi' }), 403, 'Forbidden: bot was blocked by the user');
    fake.setBlocked({ user_id: 1, blocked: false });
    expect((await send({ chat_id: 1, text: 'hi' })).status).toBe(200);
  });

  it('edit, delete, callback answers and chat actions', async () => {
    const sent = (await send({ chat_id: 1, text: 'v1' })).body.result as { message_id: number };
    const edit = (text: string) =>
      callApi(fake.url, token, 'editMessageText', { chat_id: 1, message_id: sent.message_id, text });
    expect((await edit('v2')).status).toBe(200);
    expectError(await edit('v2'), 400, /^Bad Request: message is not modified: specified new message content/);
    expectError(
      await callApi(fake.url, token, 'editMessageText', { chat_id: 1, message_id: 'x', text: 'a' }),
      400,
      /message_id/,
    );
    expectError(
      await callApi(fake.url, token, 'answerCallbackQuery', { callback_query_id: 'nope' }),
      400,
      'Bad Request: query is too old and response timeout expired or query ID is invalid',
    );
    expectError(
      await callApi(fake.url, token, 'sendChatAction', { chat_id: 1, action: 'dancing' }),
      400,
      'Bad Request: wrong parameter action in request',
    );
    expect((await callApi(fake.url, token, 'sendChatAction', { chat_id: 1, action: 'typing' })).body.result).toBe(true);
    const del = () => callApi(fake.url, token, 'deleteMessage', { chat_id: 1, message_id: sent.message_id });
    expect((await del()).body.result).toBe(true);
    expectError(await del(), 400, 'Bad Request: message to delete not found');
    expect((await callApi(fake.url, token, 'setMyCommands', { commands: [] })).body.result).toBe(true);
    expectError(await callApi(fake.url, token, 'getUpdates', { limit: 'many' }), 400, /limit/);
    expectError(await callApi(fake.url, token, 'setWebhook', { url: 'ftp://x' }), 400, /bad webhook/);
    expectError(
      await callApi(fake.url, token, 'setWebhook', { url: 'http://127.0.0.1:9/', secret_token: 'a b' }),
      400,
      /secret token/,
    );
  });

  it("checks a method's parameters before the chat, as Telegram's server does", async () => {
    const unknownChat = 424_242;
    expectError(await send({ chat_id: unknownChat, text: '' }), 400, 'Bad Request: message text is empty');
    expectError(await send({ chat_id: unknownChat }), 400, 'Bad Request: message text is empty');
    expectError(await send({ text: '' }), 400, 'Bad Request: message text is empty');
    expectError(
      await send({ chat_id: unknownChat, text: 'hi', parse_mode: 'BBCode' }),
      400,
      'Bad Request: unsupported parse_mode',
    );
    expectError(await send({ chat_id: unknownChat, text: 'hi', reply_markup: '{oops' }), 400, /reply keyboard markup/);
    expectError(await send({ chat_id: unknownChat, text: 'hi', reply_parameters: 7 }), 400, /reply parameters/);
    // What the server checks only once it knows the chat: blanks, length, the message replied to.
    expectError(await send({ chat_id: unknownChat, text: '   ' }), 400, 'Bad Request: chat not found');
    expectError(await send({ chat_id: unknownChat, text: 'x'.repeat(4097) }), 400, 'Bad Request: chat not found');
    const edit = (params: Record<string, unknown>) => callApi(fake.url, token, 'editMessageText', params);
    expectError(
      await edit({ chat_id: unknownChat, message_id: 1, text: '' }),
      400,
      'Bad Request: message text is empty',
    );
    expectError(await edit({ text: 'a' }), 400, 'Bad Request: message identifier is not specified');
    expectError(await edit({ chat_id: unknownChat, message_id: 1, text: 'a' }), 400, 'Bad Request: chat not found');
    expectError(
      await callApi(fake.url, token, 'sendChatAction', { chat_id: unknownChat, action: 'dancing' }),
      400,
      'Bad Request: wrong parameter action in request',
    );
    const del = (params: Record<string, unknown>) => callApi(fake.url, token, 'deleteMessage', params);
    expectError(await del({ message_id: 1 }), 400, 'Bad Request: chat identifier is not specified');
    expectError(await del({ chat_id: unknownChat }), 400, 'Bad Request: message identifier is not specified');
    expectError(await del({ chat_id: unknownChat, message_id: 1 }), 400, 'Bad Request: chat not found');
  });

  it('reply_markup as the Bot API server reads it, and callback data over 64 bytes refused as Telegram does', async () => {
    fake.addChat({ chat_id: 3 });
    const keyboard = (...buttons: unknown[]) => ({
      chat_id: 3,
      text: 'menu',
      reply_markup: { inline_keyboard: [buttons] },
    });
    const button = "can't parse inline keyboard button";
    expectError(
      await send({ chat_id: 3, text: 'hi', reply_markup: '[1]' }),
      400,
      'Bad Request: object expected as reply markup',
    );
    expectError(
      await send({ chat_id: 3, text: 'hi', reply_markup: { inline_keyboard: 'x' } }),
      400,
      'Bad Request: field "inline_keyboard" must be of type Array',
    );
    expectError(
      await send({ chat_id: 3, text: 'hi', reply_markup: { inline_keyboard: [{ text: 'A', callback_data: 'a' }] } }),
      400,
      'Bad Request: field "inline_keyboard" of the InlineKeyboardMarkup must be an Array of Arrays',
    );
    expectError(await send(keyboard('A')), 400, `Bad Request: ${button}: InlineKeyboardButton must be an Object`);
    expectError(await send(keyboard({ callback_data: 'a' })), 400, `Bad Request: ${button}: Can't find field "text"`);
    // The mistake of a bot that writes `data` for `callback_data`, and of one that sends nulls for unset fields.
    expectError(
      await send(keyboard({ text: 'A', data: 'a' })),
      400,
      `Bad Request: ${button}: Text buttons are unallowed in the inline keyboard`,
    );
    expectError(
      await send(keyboard({ text: 'A', url: null, callback_data: 'a' })),
      400,
      `Bad Request: ${button}: Field "url" must be of type String`,
    );

    // 1-64 bytes of UTF-8: 64 ASCII characters pass, 33 Cyrillic ones (66 bytes) do not.
    expect((await send(keyboard({ text: 'A', callback_data: 'x'.repeat(64) }))).status).toBe(200);
    expectError(
      await send(keyboard({ text: 'A', callback_data: 'я'.repeat(33) })),
      400,
      'Bad Request: BUTTON_DATA_INVALID',
    );
    // Telegram refuses it when sending, after the Bot API server's checks of the chat.
    expectError(
      await send({ ...keyboard({ text: 'A', callback_data: 'я'.repeat(33) }), chat_id: 987_654 }),
      400,
      'Bad Request: chat not found',
    );
    const sent = await send(keyboard({ text: 'A', callback_data: 'a' }));
    const messageId = (sent.body.result as { message_id: number }).message_id;
    expectError(
      await callApi(fake.url, token, 'editMessageReplyMarkup', {
        chat_id: 3,
        message_id: messageId,
        reply_markup: { inline_keyboard: [[{ text: 'A', callback_data: 'я'.repeat(33) }]] },
      }),
      400,
      'Bad Request: BUTTON_DATA_INVALID',
    );

    // Other kinds of button, and a numeric callback_data, which the server reads as its string.
    const kinds = await send(
      keyboard(
        { text: 'Site', url: 'https://example.com' },
        { text: 'Pay', pay: true },
        { text: 'N', callback_data: 7 },
      ),
    );
    expect(kinds.status).toBe(200);
    expect(fake.message({ chat_id: 3 })!.reply_markup).toEqual({
      inline_keyboard: [
        [
          { text: 'Site', url: 'https://example.com' },
          { text: 'Pay', pay: true },
          { text: 'N', callback_data: '7' },
        ],
      ],
    });
  });

  it('every refused call is recorded with its error code', () => {
    const refused = fake.calls({ method: 'sendMessage', limit: 100 }).filter((call) => !call.ok);
    expect(refused.length).toBeGreaterThanOrEqual(10);
    expect(new Set(refused.map((call) => call.error_code))).toEqual(new Set([400, 403]));
  });

  it('the test environment (/bot<token>/test/) has its own state', async () => {
    fake.inject({ kind: 'message', user_id: 2, text: 'for test env', test_environment: true });
    const testPoll = await raw(`/bot${token}/test/getUpdates`);
    expect(testPoll.body.result).toHaveLength(1);
    const prodPoll = await raw(`/bot${token}/getUpdates`);
    expect(prodPoll.body.result).toHaveLength(0);
    expectError(await raw(`/bot${token}/sendMessage?chat_id=2&text=x`), 400, 'Bad Request: chat not found');
  });
});

describe('messages the fake no longer holds (messagesKeptPerChat)', () => {
  it('a chat keeps its last messages: older ones cannot be replied to, edited or deleted, newer ones can', async () => {
    const small = await startFakeTelegram({ messagesKeptPerChat: 3, floodControl: false });
    try {
      const bot = small.tokens[0]!;
      small.addChat({ chat_id: 7 });
      const ids: number[] = [];
      for (let i = 1; i <= 5; i++) {
        const sent = await callApi(small.url, bot, 'sendMessage', { chat_id: 7, text: `m${i}` });
        ids.push((sent.body.result as { message_id: number }).message_id);
      }
      const [first, second, third] = ids;
      const replyTo = (messageId: number) =>
        callApi(small.url, bot, 'sendMessage', { chat_id: 7, text: 'r', reply_parameters: { message_id: messageId } });
      expectError(await replyTo(first!), 400, /message to be replied not found/);
      expectError(
        await callApi(small.url, bot, 'editMessageText', { chat_id: 7, message_id: second, text: 'x' }),
        400,
        /message to edit not found/,
      );
      expectError(
        await callApi(small.url, bot, 'deleteMessage', { chat_id: 7, message_id: first }),
        400,
        /message to delete not found/,
      );
      // The refused calls stored nothing: ids 3-5 are still held, until the next message pushes 3 out.
      expect(small.message({ chat_id: 7, message_id: third! })?.text).toBe('m3');
      expect((await replyTo(ids[3]!)).body.ok).toBe(true);
      expect(small.message({ chat_id: 7, message_id: third! })).toBeNull();
      expect(
        (await callApi(small.url, bot, 'editMessageText', { chat_id: 7, message_id: ids[4], text: 'y' })).body.ok,
      ).toBe(true);
      expect(small.message({ chat_id: 7, message_id: ids[4]! })?.text).toBe('y');
    } finally {
      await small.close();
    }
  });
});
