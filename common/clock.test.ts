import { describe, expect, it } from 'vitest';
import { createScaledClock } from './clock.ts';

describe('scaled clock', () => {
  it('runs simulated time timeScale times faster and sleeps in simulated units', async () => {
    const clock = createScaledClock({ timeScale: 1000, startAtMs: Date.parse('2026-11-30T09:55:00Z') });
    const before = clock.nowMs();
    await clock.sleepMs(20_000); // 20 simulated seconds = 20 real ms
    const elapsed = clock.nowMs() - before;
    expect(elapsed).toBeGreaterThanOrEqual(20_000);
    expect(elapsed).toBeLessThan(20_000 + 2_000_000); // generous: CI machines stall, but not for 2 s
    expect(clock.toRealMs(60_000)).toBe(60);
  });

  it('shares one simulated time between clocks given the same anchor', () => {
    const anchorRealMs = Date.now() - 5_000;
    const startAtMs = Date.parse('2026-11-30T09:45:00Z');
    const a = createScaledClock({ timeScale: 60, startAtMs, anchorRealMs });
    const b = createScaledClock({ timeScale: 60, startAtMs, anchorRealMs });
    expect(Math.abs(a.nowMs() - b.nowMs())).toBeLessThan(60 * 50);
    expect(a.nowMs() - startAtMs).toBeGreaterThanOrEqual(5_000 * 60 - 60 * 50);
  });

  it('rejects a non-positive scale', () => {
    expect(() => createScaledClock({ timeScale: 0 })).toThrow(/positive/);
  });

  it('stops sleeping when aborted', async () => {
    const clock = createScaledClock();
    const controller = new AbortController();
    const sleeping = clock.sleepMs(60_000, controller.signal);
    controller.abort(new Error('stop'));
    await expect(sleeping).rejects.toThrow('stop');
  });
});
