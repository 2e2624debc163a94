import { describe, expect, it } from 'vitest';
import { en, languageOf, messagesFor, ru } from '../i18n/messages.ts';
import { DIGEST_TIME_CHOICES, TOPICS } from '../topics.ts';
import { type Action, encodeAction, parseAction } from './callback-data.ts';

const ALL_ACTIONS: Action[] = [
  { type: 'name-ok' },
  { type: 'name-change' },
  { type: 'menu' },
  { type: 'topics' },
  { type: 'settings' },
  { type: 'settings-topic' },
  { type: 'settings-time' },
  { type: 'pause' },
  { type: 'resume' },
  { type: 'help' },
  ...DIGEST_TIME_CHOICES.map((minute): Action => ({ type: 'time', minute })),
  ...TOPICS.flatMap((topic): Action[] => [
    { type: 'topic-pick', topicId: topic.id },
    { type: 'topic-view', topicId: topic.id },
    { type: 'topic-set', topicId: topic.id },
  ]),
];

describe('callback data', () => {
  it('reads back every button it writes, each within Telegram’s 64 bytes', () => {
    for (const action of ALL_ACTIONS) {
      const data = encodeAction(action);
      expect(Buffer.byteLength(data), data).toBeLessThanOrEqual(64);
      expect(parseAction(data)).toEqual(action);
    }
  });

  it('refuses what it did not write', () => {
    for (const data of [
      '',
      'x',
      't:',
      't:1440',
      't:-5',
      't:10:00',
      'tp:unknown',
      'tv:',
      'm:extra',
      '🙂',
      'ts:technology:1',
    ]) {
      expect(parseAction(data), data).toBeUndefined();
    }
  });
});

describe('message catalogs', () => {
  it('speak Russian to ru* and English to everyone else, and mark fallbacks with ⚠️', () => {
    expect(languageOf('ru')).toBe('ru');
    expect(languageOf('ru-RU')).toBe('ru');
    expect(languageOf('uk')).toBe('en');
    expect(languageOf(undefined)).toBe('en');
    expect(messagesFor('ru')).toBe(ru);
    expect(en.fallback.startsWith('⚠️')).toBe(true);
    expect(ru.fallback.startsWith('⚠️')).toBe(true);
  });
});
