import { describe, expect, it } from 'vitest';
import {
  formatSpread,
  judge,
  machineQuiet,
  pairedRatios,
  parsePerfInstructions,
  roundsAgainst,
  summarize,
} from './proc.ts';

describe('benchmark method', () => {
  it('says a verdict is firm only when every round falls on the same side of the target', () => {
    expect(roundsAgainst(summarize([0.45, 0.51, 0.74]), 0.8)).toBe('every round below it');
    expect(roundsAgainst(summarize([0.8, 0.82, 0.9]), 0.8)).toBe('every round at or above it');
    expect(roundsAgainst(summarize([0.69, 0.77, 0.82]), 0.8)).toMatch(/both sides of it: .* no firm verdict/);
  });

  it('summarises repeats by median and range, whatever their order', () => {
    expect(summarize([9, 1, 5, 3, 7])).toEqual({ median: 5, min: 1, max: 9, n: 5 });
    expect(summarize([4, 2]).median).toBe(3);
    expect(formatSpread(summarize([430.2, 398, 412.4]))).toBe('412 (398-430)');
    expect(() => summarize([])).toThrow(/repeats must be at least 1/);
  });

  it('pairs rounds before taking the median, so a slow round slows both sides of its ratio', () => {
    // The machine ran 40% slower in round 2: each side's figures spread by 40%, their paired ratios not at all.
    const ratios = pairedRatios([20, 28, 20], [25, 35, 25]);
    expect(ratios.median).toBeCloseTo(0.8, 6);
    expect(ratios.max - ratios.min).toBeCloseTo(0, 6);
    expect(() => pairedRatios([1, 2], [1])).toThrow(/2 references for 1 subjects/);
  });

  it('writes no verdict when the machine was busy before the run', () => {
    const busy = machineQuiet(2.6, 2);
    expect(busy.judged).toBe(false);
    expect(judge(true, busy)).toBe('not judged: machine busy, load avg 2.60');
    expect(judge(false, machineQuiet(0.3, 2))).toBe('**NOT met**');
  });

  it('reads an instruction count from perf stat, and none where the counter is not supported', () => {
    expect(parsePerfInstructions('1234567,,instructions:u,1000,100.00,,\n')).toBe(1234567);
    expect(parsePerfInstructions('<not supported>,,instructions,0,100.00,,\n')).toBeUndefined();
    expect(parsePerfInstructions('')).toBeUndefined();
  });
});
