import { describe, expect, it } from 'vitest';
import { createScaledClock } from '../../common/clock.ts';
import { realTimeoutMs } from './real-time.ts';

const at = (timeScale: number) => createScaledClock({ timeScale });

describe('realTimeoutMs', () => {
  it('divides a simulated duration by the time scale, and leaves it alone at 1x', () => {
    expect(realTimeoutMs(5_000, at(10))).toBe(500);
    expect(realTimeoutMs(5_000, at(1))).toBe(5_000);
  });

  it('keeps 0 as "off" and never turns a short timeout into 0, which libraries read as "off" or "forever"', () => {
    expect(realTimeoutMs(0, at(60))).toBe(0);
    expect(realTimeoutMs(10, at(1_000))).toBe(1);
  });
});
