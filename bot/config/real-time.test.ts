import { describe, expect, it } from 'vitest';
import { realMs } from './real-time.ts';

describe('realMs', () => {
  it('divides a simulated duration by the time scale, and leaves it alone at 1x', () => {
    expect(realMs(5_000, { timeScale: 10 })).toBe(500);
    expect(realMs(5_000, { timeScale: 1 })).toBe(5_000);
  });

  it('keeps 0 as "off" and never turns a short timeout into 0, which libraries read as "off" or "forever"', () => {
    expect(realMs(0, { timeScale: 60 })).toBe(0);
    expect(realMs(10, { timeScale: 1_000 })).toBe(1);
  });
});
