import { describe, expect, it } from 'vitest';
import { startFakeTelegram } from '../fakes/telegram/index.ts';
import { callApi, waitFor } from '../fakes/telegram/testing.ts';
import { echoReply, InProcessEchoBot } from './in-process-echo-bot.ts';

describe('the in-process echo bot', () => {
  it("answers an update with grammY's webhook-reply sendMessage to its chat, replying to its message", () => {
    const update =
      '{"update_id":7,"message":{"message_id":12,"from":{"id":-100,"is_bot":false,"first_name":"G"},' +
      '"chat":{"id":-1001234,"type":"supergroup","title":"T"},"date":1,"text":"hi"}}';
    expect(JSON.parse(echoReply(update))).toEqual({
      method: 'sendMessage',
      chat_id: -1001234,
      text: 'echo: привет',
      reply_parameters: { message_id: 12, allow_sending_without_reply: true },
    });
    expect(() => echoReply('{"update_id":8}')).toThrow(/without "chat":\{"id":/);
  });

  it("is the fake's webhook client: each message comes back as its update's webhook reply, no socket", async () => {
    const fake = await startFakeTelegram({ floodControl: false, webhookClient: () => new InProcessEchoBot() });
    try {
      const token = fake.tokens[0]!;
      const set = await callApi(fake.url, token, 'setWebhook', { url: 'http://127.0.0.1:9/never-connected' });
      expect(set.body.ok).toBe(true);
      const updates = [41, 42, 41].map((user) => fake.inject({ kind: 'message', user_id: user, text: `from ${user}` }));
      const replies = () => fake.calls({ method: 'sendMessage' });
      await waitFor(() => replies().length === updates.length, 5_000, 'three replies');
      expect(replies().map((call) => [call.method, call.chat_id, call.update_id, call.source])).toEqual(
        updates.map((update) => ['sendMessage', update.chat_id, update.update_id, 'webhook_reply']),
      );
      expect(fake.stats().bots[0]!.webhook).toMatchObject({ deliveries: 3, failures: 0, in_flight: 0 });
    } finally {
      await fake.close();
    }
  });

  it('refuses deliveries once closed, as a closed pool does', async () => {
    const bot = new InProcessEchoBot();
    await bot.close();
    const errors: Error[] = [];
    bot.dispatch(
      { origin: 'http://x', path: '/', method: 'POST', body: '{}' },
      { onResponseError: (_c, e) => errors.push(e) },
    );
    expect(errors.map((error) => error.message)).toEqual(['the in-process echo bot is closed']);
  });
});
