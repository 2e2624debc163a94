import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { readReplyPart } from '../loadgen/correlate/parts.ts';
import { partMarker, splitForTelegram, TELEGRAM_TEXT_LIMIT, trimToTelegramLimit } from './reply.ts';

describe('long answers', () => {
  it('stay one unmarked message up to 4,096 characters', () => {
    const text = 'x'.repeat(TELEGRAM_TEXT_LIMIT);
    expect(splitForTelegram(text)).toEqual([text]);
  });

  it('split at paragraph breaks into parts Telegram accepts, each marked (k/n)', () => {
    const paragraph = `${'A sentence of about fifty characters, give or take. '.repeat(20).trim()}\n\n`;
    const parts = splitForTelegram(paragraph.repeat(8));
    expect(parts).toHaveLength(3);
    expect(parts.every((part) => part.length <= TELEGRAM_TEXT_LIMIT)).toBe(true);
    expect(parts.map((part, i) => part.endsWith(partMarker(i + 1, 3)))).toEqual([true, true, true]);
    // Cut where a paragraph ends, not mid-sentence.
    expect(parts[0]!.replace(partMarker(1, 3), '').endsWith('give or take.')).toBe(true);
  });

  it('never lose a word, cut an emoji in half or exceed the limit, whatever the text', () => {
    const word = fc.oneof(
      fc.string({ minLength: 1, maxLength: 12 }),
      fc.constantFrom('😀', '🌍🌍', 'שלום', '\n', '\n\n'),
    );
    fc.assert(
      fc.property(
        fc.array(word, { minLength: 1, maxLength: 3000 }),
        fc.integer({ min: 50, max: 400 }),
        (words, limit) => {
          const text = words.join(' ');
          const parts = splitForTelegram(text, limit);
          for (const part of parts) {
            expect(part.length).toBeLessThanOrEqual(limit);
            expect(/[\uD800-\uDBFF]$/.test(part) || /^[\uDC00-\uDFFF]/.test(part)).toBe(false);
          }
          const bodies =
            parts.length === 1 ? parts : parts.map((part, i) => part.slice(0, -partMarker(i + 1, parts.length).length));
          expect(bodies.join('').replace(/\s/g, '')).toBe(text.trim().replace(/\s/g, ''));
        },
      ),
      { numRuns: 300 },
    );
  });

  it('send one unmarked message when only surrounding whitespace went over the limit', () => {
    expect(splitForTelegram(`\n\n${'a'.repeat(60)} \n`, 61)).toEqual(['a'.repeat(60)]);
  });

  it('are marked the way the load generator reads them', () => {
    const parts = splitForTelegram('word '.repeat(3000));
    expect(parts.map(readReplyPart)).toEqual([
      { index: 1, count: 4 },
      { index: 2, count: 4 },
      { index: 3, count: 4 },
      { index: 4, count: 4 },
    ]);
    expect(readReplyPart('an answer that mentions (1/2) in passing')).toBeUndefined();
  });

  it('are trimmed with an ellipsis where one message is a must (edits, digests)', () => {
    expect(trimToTelegramLimit('short')).toBe('short');
    const cut = trimToTelegramLimit(`${'a'.repeat(4094)}😀😀`);
    expect(cut.length).toBeLessThanOrEqual(TELEGRAM_TEXT_LIMIT);
    expect(cut.endsWith('a…')).toBe(true);
  });
});
