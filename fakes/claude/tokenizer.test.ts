import { describe, expect, it } from 'vitest';
import { countTextTokens, isMostlyCyrillic } from './tokenizer.ts';

describe('token approximation', () => {
  it('counts about 4 characters per token for English', () => {
    const text = 'The quick brown fox jumps over the lazy dog. '.repeat(20);
    expect(countTextTokens(text)).toBe(Math.ceil(text.length / 4));
  });

  it('charges Cyrillic more tokens per character than English', () => {
    const english = 'Good morning! Here is your daily digest about the markets and the weather.';
    const russian = 'Доброе утро! Вот ваш ежедневный обзор рынков и погоды на сегодня для вас.';
    const perCharEnglish = countTextTokens(english) / english.length;
    const perCharRussian = countTextTokens(russian) / russian.length;
    expect(perCharRussian).toBeGreaterThan(1.5 * perCharEnglish);
  });

  it('counts at least one token for any non-empty text and none for empty', () => {
    expect(countTextTokens('')).toBe(0);
    expect(countTextTokens('a')).toBe(1);
    expect(countTextTokens('😀')).toBe(1);
  });

  it('tells Russian from English for the reply language', () => {
    expect(isMostlyCyrillic('Привет, как дела? ok')).toBe(true);
    expect(isMostlyCyrillic('Hello there')).toBe(false);
  });
});
