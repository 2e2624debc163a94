import { describe, expect, it } from 'vitest';
import { createStream } from '../population/random.ts';
import { chooseOnboardingButton } from './actions.ts';
import { parseButtons } from './target.ts';

describe('reading the bot keyboard', () => {
  it('flattens inline keyboards and ignores anything else', () => {
    const markup = JSON.stringify({
      inline_keyboard: [
        [{ text: 'Технологии', callback_data: 'topic:tech' }],
        [
          { text: 'Сайт', url: 'https://example.org' },
          { text: '10:00', callback_data: 'time:600' },
        ],
      ],
    });
    expect(parseButtons(markup)).toEqual([
      { text: 'Технологии', data: 'topic:tech' },
      { text: 'Сайт' },
      { text: '10:00', data: 'time:600' },
    ]);
    expect(parseButtons('')).toEqual([]);
    expect(parseButtons('{"keyboard":[[{"text":"a"}]]}')).toEqual([]);
    expect(parseButtons('not json')).toEqual([]);
  });

  it('presses the user topic, then their time or the nearest one offered (slotting)', () => {
    const rng = createStream(1, 'buttons');
    const user = { topic: 'tech', digestMinute: 600 };
    const topics = [
      { text: 'Финансы', data: 'topic:finance' },
      { text: 'Технологии', data: 'topic:x1' },
    ];
    expect(chooseOnboardingButton(topics, user, rng).button.data).toBe('topic:x1');
    const times = [
      { text: '09:00', data: 't1' },
      { text: '10:05 (свободно)', data: 't2' },
      { text: '12:00', data: 't3' },
    ];
    expect(chooseOnboardingButton(times, user, rng)).toEqual({ button: times[1], minute: 605 });
    const other = [
      { text: 'Да', data: 'yes' },
      { text: 'Нет', data: 'no' },
    ];
    expect(other).toContainEqual(chooseOnboardingButton(other, user, rng).button);
  });
});
