import fc from 'fast-check';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { anyField, bodies, contentTypes, fuzzParameters, heapGrowthMb, post } from '../../testing/fuzz.ts';
import { type FakeTelegram, startFakeTelegram } from './index.ts';

/**
 * Fuzzing the fake Telegram's Bot API and control API (BOTCAP_FUZZ_RUNS inputs each, testing/fuzz.ts): a bot's
 * mistake is a 4xx in the Bot API's shape, never a 5xx, and the fake keeps serving with bounded memory.
 * getUpdates (a long poll of up to 50 s), setWebhook (deliveries to wherever the input points) and the control
 * API's wait-reply (a wait of up to 2 minutes) are left out.
 */
let fake: FakeTelegram;
beforeAll(async () => {
  fake = await startFakeTelegram({ floodControl: false });
  fake.addChat({ chat_id: 1 });
});
afterAll(() => fake?.close());

const METHOD_NAMES = [
  'getMe',
  'deleteWebhook',
  'getWebhookInfo',
  'sendMessage',
  'editMessageText',
  'editMessageReplyMarkup',
  'answerCallbackQuery',
  'sendChatAction',
  'deleteMessage',
  'getChat',
  'getMyCommands',
];

const paramsShaped = fc.record(
  {
    chat_id: fc.oneof(fc.constant(1), anyField),
    text: fc.oneof(fc.string({ maxLength: 50 }), anyField),
    message_id: anyField,
    reply_markup: fc.oneof(anyField, fc.record({ inline_keyboard: anyField })),
    callback_query_id: anyField,
    action: anyField,
    parse_mode: anyField,
  },
  { requiredKeys: [] },
);

describe('fake Telegram fuzz', () => {
  it('Bot API methods: every body answered 2xx or 4xx, bounded memory, still serving', async () => {
    const growthMb = await heapGrowthMb(() =>
      fc.assert(
        fc.asyncProperty(
          fc.oneof(fc.constantFrom(...METHOD_NAMES), fc.stringMatching(/^[A-Za-z]{0,20}$/)),
          bodies(paramsShaped),
          contentTypes,
          async (method, body, type) => {
            const status = await post(`${fake.url}/bot${fake.tokens[0]}/${method}`, body, { 'content-type': type });
            expect(status).toBeLessThan(500);
          },
        ),
        fuzzParameters(),
      ),
    );
    expect((await fetch(`${fake.url}/bot${fake.tokens[0]}/getMe`)).status).toBe(200);
    expect(growthMb).toBeLessThan(100);
  });

  it('control API: every body answered 2xx or 4xx', async () => {
    const injectShaped = fc.record(
      {
        kind: fc.oneof(fc.constantFrom('message', 'command', 'callback_query'), anyField),
        user_id: anyField,
        text: anyField,
        command: anyField,
        data: anyField,
      },
      { requiredKeys: [] },
    );
    await fc.assert(
      fc.asyncProperty(
        fc.constantFrom('updates', 'updates/batch', 'block', 'unblock', 'chats', 'reset', 'nope'),
        bodies(injectShaped),
        contentTypes,
        async (route, body, type) => {
          const status = await post(`${fake.url}/control/${route}`, body, { 'content-type': type });
          expect(status).toBeLessThan(500);
        },
      ),
      fuzzParameters(),
    );
    expect((await fetch(`${fake.url}/bot${fake.tokens[0]}/getMe`)).status).toBe(200);
  });
});
