import { Bot, GrammyError, HttpError, InputFile } from 'grammy';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { type FakeTelegram, startFakeTelegram } from '../fakes/telegram/index.ts';
import { closeServer, listen } from '../fakes/telegram/testing.ts';
import { telegramFetch } from './telegram-fetch.ts';

let fake: FakeTelegram;
beforeEach(async () => {
  fake = await startFakeTelegram({ floodControl: false });
});
afterEach(async () => {
  await fake.close();
});

const botOn = (apiRoot: string, timeoutSeconds = 10) =>
  new Bot(fake.tokens[0]!, { client: { apiRoot, timeoutSeconds, fetch: telegramFetch() } });

describe('Bot API calls over undici (telegramFetch)', () => {
  it('sends JSON calls and file uploads, and returns their results', async () => {
    fake.addChat({ chat_id: 42 });
    const bot = botOn(fake.url);
    const sent = await bot.api.sendMessage(42, 'Привет, undici');
    expect(sent.text).toBe('Привет, undici');
  });

  it('uploads a file as multipart, streamed by grammY', async () => {
    let received = '';
    let contentType = '';
    const { server, url } = await listen((req, res) => {
      contentType = req.headers['content-type'] ?? '';
      req.on('data', (chunk: Buffer) => {
        received += chunk.toString();
      });
      req.on('end', () => res.end(JSON.stringify({ ok: true, result: true })));
    });
    try {
      await botOn(url).api.sendDocument(42, new InputFile(Buffer.from('the file body'), 'note.txt'));
      expect(contentType).toMatch(/^multipart\/form-data/);
      expect(received).toContain('the file body');
    } finally {
      await closeServer(server);
    }
  });

  it("surfaces Telegram's error answer as a GrammyError with its description", async () => {
    const bot = botOn(fake.url);
    const failed = await bot.api.sendMessage(42, '').catch((error: unknown) => error);
    expect(failed).toBeInstanceOf(GrammyError);
    expect((failed as GrammyError).error_code).toBe(400);
  });

  it('turns a refused connection and a call past the timeout into HttpError', async () => {
    const refused = await botOn('http://127.0.0.1:9')
      .api.getMe()
      .catch((error: unknown) => error);
    expect(refused).toBeInstanceOf(HttpError);
    // A server that never answers: grammY's own timeout aborts the request through its signal.
    const { server, url } = await listen(() => {});
    try {
      const late = await botOn(url, 1)
        .api.getMe()
        .catch((error: unknown) => error);
      expect(late).toBeInstanceOf(HttpError);
      expect(String((late as HttpError).error)).toMatch(/timed out after 1 second/);
    } finally {
      await closeServer(server);
    }
  });
});
