import { describe, expect, it } from 'vitest';
import { formatDuration, formatMinuteOfDay, parseDurationMs, parseMinuteOfDay } from './units.ts';

describe('durations and clock times', () => {
  it('reads k6 durations and rejects prose', () => {
    expect(parseDurationMs('30s')).toBe(30_000);
    expect(parseDurationMs('1m30s')).toBe(90_000);
    expect(parseDurationMs('1h')).toBe(3_600_000);
    expect(parseDurationMs('250ms')).toBe(250);
    expect(parseDurationMs('1.5s')).toBe(1500);
    expect(parseDurationMs('5 minutes')).toBeUndefined();
    expect(parseDurationMs('')).toBeUndefined();
    expect(formatDuration(90_000)).toBe('1m30s');
    expect(formatDuration(3_600_250)).toBe('1h250ms');
  });

  it('reads HH:MM clock times', () => {
    expect(parseMinuteOfDay('10:00')).toBe(600);
    expect(parseMinuteOfDay('09:45')).toBe(585);
    expect(parseMinuteOfDay('9:45')).toBeUndefined();
    expect(parseMinuteOfDay('24:00')).toBeUndefined();
    expect(formatMinuteOfDay(585)).toBe('09:45');
  });
});
