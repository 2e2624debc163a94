import { describe, expect, it } from 'vitest';
import { parseScenario } from '../../scenarios/validate.ts';
import { conversationLengthSampler, thinkTimeSampler } from './distributions.ts';
import { createPopulation } from './population.ts';
import { drawQuestion } from './questions.ts';
import { createStream } from './random.ts';

const spec = (population: object = {}) =>
  parseScenario({ name: 'p', load: { executor: 'constant-vus', vus: 1, duration: '1s' }, population }).population;

describe('population', () => {
  const population = createPopulation(spec({ size: 5000 }), 1);

  it('chooses 10:00 for most users by default and spreads the rest over 07:00-22:00', () => {
    const atTen = population.users.filter((u) => u.digestMinute === 600).length / 5000;
    // 60% chose the peak, plus the spread's share of the 10:00 slot (1 of 61).
    expect(atTen).toBeGreaterThan(0.57);
    expect(atTen).toBeLessThan(0.67);
    const minutes = population.users.map((u) => u.digestMinute);
    expect(Math.min(...minutes)).toBe(7 * 60);
    expect(Math.max(...minutes)).toBe(22 * 60);
    expect(minutes.every((m) => m % 15 === 0)).toBe(true);
  });

  it('speaks mostly Russian, with names from the user locale', () => {
    const ru = population.users.filter((u) => u.languageCode === 'ru');
    expect(ru.length / 5000).toBeGreaterThan(0.82);
    expect(ru.length / 5000).toBeLessThan(0.88);
    expect(ru.slice(0, 50).every((u) => /^[А-ЯЁ][а-яё]+$/.test(u.firstName))).toBe(true);
    const en = population.users.filter((u) => u.languageCode === 'en');
    expect(en.slice(0, 50).every((u) => /^[A-Za-z' -]+$/.test(u.firstName))).toBe(true);
  });

  it('takes the locale ratio, peak share and paused share from the scenario', () => {
    const custom = createPopulation(
      spec({ size: 2000, locales: { ru: 0, en: 1 }, digestTimes: { peakShare: 1, peak: '08:30' }, pausedShare: 0.5 }),
      3,
    );
    expect(custom.users.every((u) => u.languageCode === 'en' && u.digestMinute === 510)).toBe(true);
    const paused = custom.users.filter((u) => u.digestPaused).length / 2000;
    expect(paused).toBeGreaterThan(0.45);
    expect(paused).toBeLessThan(0.55);
  });

  it('is the same for the same seed and differs for another', () => {
    expect(createPopulation(spec({ size: 100 }), 1)).toEqual(createPopulation(spec({ size: 100 }), 1));
    const other = createPopulation(spec({ size: 100 }), 2);
    expect(other.users.map((u) => u.firstName)).not.toEqual(population.users.slice(0, 100).map((u) => u.firstName));
    expect(other.users[0]!.userId).toBe(population.users[0]!.userId);
  });
});

describe('seeded streams', () => {
  const draw = (seed: number, stream: string) => {
    const rng = createStream(seed, stream);
    return Array.from({ length: 50 }, () => rng.next());
  };

  it('give the same sequence for the same seed and stream, unrelated ones for another seed or stream', () => {
    expect(draw(7, 'vu-3')).toEqual(draw(7, 'vu-3'));
    expect(draw(7, 'vu-3')).not.toEqual(draw(7, 'vu-4'));
    expect(draw(7, 'vu-3')).not.toEqual(draw(8, 'vu-3'));
    // Seeds beyond 32 bits still count in full.
    expect(draw(2 ** 40 + 7, 'vu-3')).not.toEqual(draw(7, 'vu-3'));
  });

  it('are uniform on [0, 1) and draw weighted keys in proportion', () => {
    const values = draw(1, 'uniform').concat(...Array.from({ length: 400 }, (_, i) => draw(1, `u-${i}`)));
    expect(Math.min(...values)).toBeGreaterThanOrEqual(0);
    expect(Math.max(...values)).toBeLessThan(1);
    const mean = values.reduce((a, b) => a + b, 0) / values.length;
    expect(mean).toBeGreaterThan(0.49);
    expect(mean).toBeLessThan(0.51);
    const rng = createStream(3, 'mix');
    const counts = { navigation: 0, question: 0, settings: 0, start: 0 };
    for (let i = 0; i < 20_000; i++)
      counts[rng.weighted({ navigation: 0.55, question: 0.35, settings: 0.1, start: 0 })]++;
    expect(counts.start).toBe(0);
    expect(counts.navigation / 20_000).toBeCloseTo(0.55, 1);
    expect(counts.settings / 20_000).toBeCloseTo(0.1, 1);
    expect(() => rng.weighted({ a: 0 })).toThrow(RangeError);
  });

  it('give every virtual user of a run the same actions again for the same seed', () => {
    const mix = { navigation: 0.55, question: 0.35, settings: 0.1, start: 0 };
    const actions = (seed: number) =>
      Array.from({ length: 200 }, (_, vu) => {
        const rng = createStream(seed, `vu-${vu}`);
        return Array.from({ length: 5 }, () => rng.weighted(mix)).join(',');
      });
    expect(actions(11)).toEqual(actions(11));
    expect(actions(11)).not.toEqual(actions(12));
  });
});

describe('behaviour distributions', () => {
  const quantile = (values: number[], q: number) => [...values].sort((a, b) => a - b)[Math.floor(q * values.length)]!;

  it('lognormal think times have the median and p95 asked for', () => {
    const draw = thinkTimeSampler({ distribution: 'lognormal', median: 15_000, p95: 90_000 });
    const rng = createStream(1, 'think');
    const values = Array.from({ length: 20_000 }, () => draw(rng));
    expect(quantile(values, 0.5)).toBeGreaterThan(14_000);
    expect(quantile(values, 0.5)).toBeLessThan(16_000);
    expect(quantile(values, 0.95)).toBeGreaterThan(80_000);
    expect(quantile(values, 0.95)).toBeLessThan(100_000);
  });

  it('exponential think times keep the median; conversation lengths keep the mean and cap', () => {
    const rng = createStream(1, 'x');
    const exp = thinkTimeSampler({ distribution: 'exponential', median: 10_000, p95: 50_000 });
    const values = Array.from({ length: 20_000 }, () => exp(rng));
    expect(quantile(values, 0.5)).toBeGreaterThan(9_300);
    expect(quantile(values, 0.5)).toBeLessThan(10_700);
    const length = conversationLengthSampler({ distribution: 'geometric', mean: 4, max: 20 });
    const lengths = Array.from({ length: 20_000 }, () => length(rng));
    const mean = lengths.reduce((a, b) => a + b, 0) / lengths.length;
    expect(mean).toBeGreaterThan(3.7);
    expect(mean).toBeLessThan(4.1);
    expect(Math.min(...lengths)).toBe(1);
    expect(Math.max(...lengths)).toBeLessThanOrEqual(20);
  });

  it('questions come in the user language, from greetings to multi-part questions', () => {
    const rng = createStream(5, 'q');
    const ru = Array.from({ length: 300 }, () => drawQuestion(rng, 'ru', 'tech', { simple: 1, medium: 1, complex: 1 }));
    expect(ru.every((q) => /[а-яё]/i.test(q.text))).toBe(true);
    const simple = ru.filter((q) => q.complexity === 'simple');
    const complex = ru.filter((q) => q.complexity === 'complex');
    expect(simple.length).toBeGreaterThan(50);
    expect(Math.max(...simple.map((q) => q.text.length))).toBeLessThan(25);
    expect(Math.min(...complex.map((q) => q.text.length))).toBeGreaterThan(120);
    expect(complex.some((q) => q.text.includes('технологии'))).toBe(true);
    const en = drawQuestion(rng, 'en', 'finance', { simple: 0, medium: 1, complex: 0 });
    expect(en.text).toMatch(/finance/);
    expect(en.text).not.toMatch(/[а-яё]/i);
  });

  it('a seed asks the same questions again, each about the topic it was drawn for', () => {
    const ask = (seed: number) => {
      const rng = createStream(seed, 'q');
      const topics = ['tech', 'gardening', 'sport'];
      return Array.from({ length: 400 }, (_, i) =>
        drawQuestion(rng, i % 2 === 0 ? 'ru' : 'en', topics[i % 3]!, { simple: 1, medium: 1, complex: 1 }),
      );
    };
    const first = ask(11);
    expect(ask(11)).toEqual(first);
    expect(ask(12)).not.toEqual(first);
    // Texts are made once per language, topic and parts: another topic's or language's never stands in.
    first.forEach((q, i) => {
      if (q.complexity === 'simple') return;
      const name =
        i % 2 === 0 ? { 0: 'технологии', 1: 'gardening', 2: 'спорт' } : { 0: 'tech', 1: 'gardening', 2: 'sport' };
      expect(q.text).toContain(name[(i % 3) as 0 | 1 | 2]);
      expect(/[а-яё]/i.test(q.text.replace('спорт', ''))).toBe(i % 2 === 0);
    });
  });
});
