import { describe, expect, it } from 'vitest';
import { digestMessages, questionMessages } from './prompts.ts';
import { systemBlocks } from './system-prompt.ts';

describe('prompts', () => {
  it('sends the last turns as alternating messages that start with the user and end with the question', () => {
    const messages = questionMessages({
      text: 'and in Moscow?',
      history: [
        { role: 'assistant', text: 'Welcome!' },
        { role: 'user', text: 'weather in Paris?' },
        { role: 'assistant', text: 'Sunny, 12 °C.' },
        { role: 'user', text: 'thanks' },
      ],
      contextTurns: 4,
      language: 'en',
      date: '2026-11-30',
      knowledge: '- snippet',
    });
    expect(messages.map((m) => m.role)).toEqual(['user', 'assistant', 'user']);
    const last = String(messages.at(-1)?.content);
    expect(last).toContain('thanks');
    expect(last).toContain('Date: 2026-11-30');
    expect(last).toContain('Knowledge base results:\n- snippet');
    expect(last.endsWith('and in Moscow?')).toBe(true);
  });

  it('keeps everything per-user out of the cached system prompt', () => {
    const [block] = systemBlocks({ promptCaching: true, promptCacheTtl: '1h' });
    expect(block?.cache_control).toEqual({ type: 'ephemeral', ttl: '1h' });
    expect(block?.text).not.toContain('2026-');
    expect(systemBlocks({ promptCaching: false, promptCacheTtl: '5m' })[0]?.cache_control).toBeUndefined();
    expect(digestMessages({ topic: 'science', sendDate: '2026-11-30', language: 'ru' })[0]?.content).toContain(
      'Language: Russian',
    );
  });
});
