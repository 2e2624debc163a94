import { describe, expect, it } from 'vitest';
import { chooseModel, complexityScore } from './routing.ts';

const settings = { routing: true, routingThreshold: 0.5, simpleModel: 'small', complexModel: 'big' };

describe('complexity score', () => {
  it.each([
    'hi',
    'thanks!',
    'спасибо',
    '/help',
    'menu',
    'how do I change the time of my digest?',
    'смени тему на спорт',
  ])('keeps greetings and navigation on the small model: %s', (text) => {
    expect(complexityScore(text).score).toBeLessThanOrEqual(0.1);
    expect(chooseModel(text, settings).model).toBe('small');
  });

  it.each([
    'Explain why the central bank raised rates and compare 2024 with 2025: 1) mortgages 2) deposits?',
    'Почему подорожали авиабилеты и что будет если цены на топливо упадут? А также как это скажется на поездках?',
    'compare python and go for a telegram bot, with code: `bot.on("message", ctx => ctx.reply("hi"))` - which is faster and why?',
  ])('sends reasoning, multi-part or technical turns to the big model: %s', (text) => {
    expect(complexityScore(text).score).toBeGreaterThanOrEqual(0.5);
    expect(chooseModel(text, settings).model).toBe('big');
  });

  it('stays within 0..1 and grows with length', () => {
    const short = complexityScore('what happened in science today').score;
    const long = complexityScore('what happened in science today '.repeat(20)).score;
    expect(short).toBeGreaterThanOrEqual(0);
    expect(long).toBeGreaterThan(short);
    expect(long).toBeLessThanOrEqual(1);
  });

  it('uses the big model for everything when routing is off', () => {
    expect(chooseModel('hi', { ...settings, routing: false }).model).toBe('big');
  });
});
