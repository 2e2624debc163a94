import { describe, expect, it } from 'vitest';
import { meanThinkTimeS } from '../reports/analysis/day-model.ts';
import { parseScenario } from '../scenarios/validate.ts';
import { calibrate, parseProductionFigures } from './calibrate.ts';
import { referenceDemands } from './reference.ts';

describe('calibrate', () => {
  const demands = referenceDemands();

  it('finds a behaviour consistent with figures that agree, and flags none', () => {
    const c = calibrate(
      { dailyActiveUsers: 10_000, updatesPerUserPerDay: 12, questionShare: 0.25, questionsPerUserPerDay: 3 },
      demands,
    );
    expect(c.checks.every((x) => !x.contradicts)).toBe(true);
    expect(c.day.updatesPerUserPerDay).toBeCloseTo(12, 0);
    expect(c.day.mix.question).toBeCloseTo(0.25, 1);
  });

  it('flags figures that contradict each other, by how much and against which', () => {
    // 10 updates a day, half of them questions, is 5 questions a day - not 1.
    const c = calibrate({ updatesPerUserPerDay: 10, questionShare: 0.5, questionsPerUserPerDay: 1 }, demands);
    const flagged = c.checks.filter((x) => x.contradicts).map((x) => x.figure);
    expect(flagged).toEqual(expect.arrayContaining(['questionsPerUserPerDay']));
    const questions = c.checks.find((x) => x.figure === 'questionsPerUserPerDay')!;
    expect(questions.gap).toBeGreaterThan(0.25);
    expect(questions.explanation).toMatch(/updatesPerUserPerDay|questionShare/);
    expect(c.sentences.join(' ')).toMatch(/questionsPerUserPerDay: you gave 1/);
  });

  it("checks the held concurrency against the model's knee for the configuration", () => {
    const c = calibrate({ dailyActiveUsers: 10_000, heldConcurrentUsers: 50 }, demands, {
      kneeConcurrentUsers: () => 150,
    });
    const held = c.checks.find((x) => x.figure === 'heldConcurrentUsers')!;
    expect(held).toMatchObject({ given: 50, model: 150, contradicts: true });
    expect(held.gap).toBeCloseTo(2, 10);
  });

  it('writes a scenario that replays the calibrated behaviour and validates', () => {
    const c = calibrate({ dailyActiveUsers: 10_000, peakConcurrentUsers: 200, updatesPerUserPerDay: 20 }, demands);
    const scenario = parseScenario(c.scenario);
    expect(scenario.dayModel.dailyActiveUsers).toBe(10_000);
    expect(scenario.dayModel.updatesPerUserPerDay).toBeCloseTo(c.day.updatesPerUserPerDay, 2);
    expect(scenario.behaviour.mix.question).toBeCloseTo(c.day.mix.question, 2);
    // The scenario's think time has the calibrated mean (rounded to whole seconds of median).
    const replayed = meanThinkTimeS({
      ...c.day,
      thinkTime: {
        medianMs: scenario.behaviour.thinkTime.median,
        p95Ms: scenario.behaviour.thinkTime.p95,
        distribution: 'lognormal',
      },
    });
    expect(Math.abs(replayed / c.meanThinkS - 1)).toBeLessThan(0.1);
  });

  it('rejects a figure out of range, naming it', () => {
    expect(() => parseProductionFigures({ claudeShareOfCost: 96 })).toThrow(/claudeShareOfCost/);
    expect(() => parseProductionFigures({ dau: 10 })).toThrow(/dau/);
  });
});
