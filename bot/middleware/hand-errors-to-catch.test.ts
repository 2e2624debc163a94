import { Bot, type BotError, webhookCallback } from 'grammy';
import { describe, expect, it } from 'vitest';
import { handErrorsToCatch } from './hand-errors-to-catch.ts';

const botInfo = {
  id: 1,
  is_bot: true as const,
  first_name: 'test',
  username: 'test_bot',
  can_join_groups: false,
  can_read_all_group_messages: false,
  supports_inline_queries: false,
  can_connect_to_business: false,
  has_main_web_app: false,
  has_topics_enabled: false,
  allows_users_to_create_topics: false,
  can_manage_bots: false,
  supports_join_request_queries: false,
};

const update = {
  update_id: 1,
  message: { message_id: 1, date: 0, chat: { id: 5, type: 'private' as const, first_name: 'a' }, text: 'hi' },
};

/** A webhook request for grammY's `std/http` adapter. */
function post(): Request {
  return new Request('http://127.0.0.1/telegram', { method: 'POST', body: JSON.stringify(update) });
}

describe('handErrorsToCatch', () => {
  it('hands a failure after the webhook timeout to bot.catch instead of leaving an unhandled rejection', async () => {
    const failures: BotError[] = [];
    let settled!: () => void;
    const done = new Promise<void>((resolve) => {
      settled = resolve;
    });
    const bot = new Bot('1:test', { botInfo });
    bot.catch((error) => {
      failures.push(error);
      settled();
    });
    bot.use(handErrorsToCatch(bot));
    bot.on('message', async () => {
      await new Promise((resolve) => setTimeout(resolve, 50));
      throw new Error('sorry, too many clients already');
    });
    const unhandled: unknown[] = [];
    const onUnhandled = (reason: unknown) => unhandled.push(reason);
    process.on('unhandledRejection', onUnhandled);
    try {
      const handle = webhookCallback(bot, 'std/http', { onTimeout: 'return', timeoutMilliseconds: 10 });
      const response = await handle(post());
      expect(response.status).toBe(200);
      await done;
      await new Promise((resolve) => setTimeout(resolve, 20));
    } finally {
      process.off('unhandledRejection', onUnhandled);
    }
    expect(failures.map((f) => (f.error as Error).message)).toEqual(['sorry, too many clients already']);
    expect(unhandled).toEqual([]);
  });
});
