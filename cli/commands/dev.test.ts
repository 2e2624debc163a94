import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { ConfigError } from '../../common/errors.ts';
import { type FakeTelegram, startFakeTelegram } from '../../fakes/telegram/index.ts';
import { devExamples, startDevStack } from './dev.ts';
import { createDevChat, formatBotMessage } from './dev-chat.ts';

let telegram: FakeTelegram;
beforeAll(async () => {
  telegram = await startFakeTelegram({ floodControl: false });
});
afterAll(() => telegram?.close());

describe('botcap dev', () => {
  it('names the examples there are when asked for one that is not, before starting anything', async () => {
    await expect(startDevStack({ example: '99', handleSignals: false })).rejects.toThrow(ConfigError);
    await expect(startDevStack({ example: '99', handleSignals: false })).rejects.toThrow(
      `pick one of ${Object.keys(devExamples()).join(', ')}`,
    );
  });

  it('shows a bot message with its buttons numbered for #N', () => {
    const text = formatBotMessage({
      text: 'Shall I call you Dev?\nOr another name?',
      buttons: [
        { text: '✅ Yes', data: 'n:ok' },
        { text: '✏️ Another name', data: 'n:chg' },
      ],
      edited: false,
      unprompted: false,
    });
    expect(text).toBe('bot> Shall I call you Dev?\n     Or another name?\n     [#1 ✅ Yes] [#2 ✏️ Another name]');
  });

  it('sends what the user types as the update Telegram would, and refuses a button that is not there', async () => {
    const chat = createDevChat({ telegramUrl: telegram.url, userId: 77, replyTimeoutMs: 200 });
    await expect(chat.say('#1')).rejects.toThrow(/no button 1 under the bot's last message \(0 buttons\)/);
    await chat.say('/start now');
    await chat.say('hello');
    const updates = telegram.updates({ chat_id: 77 });
    expect(updates.map((u) => u.kind)).toEqual(['command', 'message']);
  });
});
