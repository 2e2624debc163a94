import { describe, expect, it } from 'vitest';
import { en, ru } from '../../bot/i18n/messages.ts';
import { behaviourSchema, neverPressRegExp } from '../../scenarios/schema.ts';
import { browsable, lastMinuteInText } from './actions.ts';

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

describe('browsable', () => {
  const defaults = { neverPress: neverPressRegExp(behaviourSchema.parse({}).neverPress) };
  const button = (text: string) => ({ text, data: 'x' });

  it("skips the reference bot's pause, resume and change-time buttons in both languages by default", () => {
    for (const m of [en, ru]) {
      for (const text of [m.buttons.pause, m.buttons.resume, m.buttons.changeTime]) {
        expect(browsable(defaults, button(text)), text).toBe(false);
      }
      for (const text of [m.buttons.topics, m.buttons.help, m.buttons.back, m.buttons.changeTopic]) {
        expect(browsable(defaults, button(text)), text).toBe(true);
      }
    }
  });

  it('never picks a digest time, even when the scenario lets it press anything', () => {
    expect(browsable({ neverPress: undefined }, button('10:00'))).toBe(false);
    expect(browsable({ neverPress: undefined }, button(en.buttons.pause))).toBe(true);
  });
});
