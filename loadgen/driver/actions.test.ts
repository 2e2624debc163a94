import { describe, expect, it } from 'vitest';
import { en, ru } from '../../bot/i18n/messages.ts';
import { lastMinuteInText } from './actions.ts';

describe('lastMinuteInText', () => {
  it('reads the time the reference bot booked, not the one the user asked for, in both languages', () => {
    expect(lastMinuteInText(en.timeShifted('10:00', '10:05'))).toBe(10 * 60 + 5);
    expect(lastMinuteInText(ru.timeShifted('10:00', '10:15'))).toBe(10 * 60 + 15);
  });

  it('reads a plain confirmation and ignores text without a time', () => {
    expect(lastMinuteInText('Done: your digest arrives daily at 9:30 UTC.')).toBe(9 * 60 + 30);
    expect(lastMinuteInText('What topic interests you?')).toBeUndefined();
  });
});
