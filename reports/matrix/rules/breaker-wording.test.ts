import { describe, expect, it } from 'vitest';
import { whatChangesThePick } from './breaker.ts';

const f = (
  failures: number | null,
  wastedCalls: number | null,
  fallbacks: number | null,
  p95DuringMs: number | null,
) => ({
  failures,
  wastedCalls,
  fallbacks,
  p95DuringMs,
});

describe('breaker verdict: what would change the pick, at the ranking edges', () => {
  it('never asks for fewer than 0 failures: names the key that decided', () => {
    const text = whatChangesThePick('shared', f(0, 12, 30, 900), 'per-upstream', f(0, 40, 30, 900));
    expect(text).not.toContain('than 0');
    expect(text).toBe(
      'the pick changes if per-upstream had fewer wasted calls than shared (40 against 12; both had 0 user-visible failures), e.g. with a longer or partial outage or other breaker thresholds',
    );
  });

  it('names failures when failures decided', () => {
    expect(whatChangesThePick('per-upstream', f(2, 0, 5, 900), 'none', f(9, 0, 5, 900))).toMatch(
      /^the pick changes if none had fewer user-visible failures than per-upstream \(9 against 2\), e\.g\./,
    );
  });

  it('formats a latency tie-break as a latency, with the tied keys listed', () => {
    expect(whatChangesThePick('a', f(0, 0, 3, 800), 'b', f(0, 0, 3, 1_500))).toBe(
      'the pick changes if b had a lower p95 during the fault than a (1.5 s against 800 ms; both had 0 user-visible failures, 0 wasted calls, 3 fallback replies), e.g. with a longer or partial outage or other breaker thresholds',
    );
  });

  it('says so when the two tie on everything, and prints n/a for a figure it lacks', () => {
    expect(whatChangesThePick('a', f(0, 0, 3, 800), 'b', f(0, 0, 3, 800))).toBe(
      'a and b tie on every figure (user-visible failures, wasted calls, fallback replies, p95 during the fault), so either will do',
    );
    expect(whatChangesThePick('a', f(0, 0, 3, 800), 'b', f(0, 0, null, 800))).toContain('(n/a against 3;');
  });
});
