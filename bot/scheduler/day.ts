/**
 * Days and minutes of the simulated clock. Digest times are minutes after midnight UTC of simulated time
 * (the users table's convention), so a capacity run can play 10:00 whenever it likes.
 */

export const MS_PER_MINUTE = 60_000;
export const MS_PER_DAY = 24 * 60 * MS_PER_MINUTE;

/**
 * The send date (YYYY-MM-DD) and minute of day of a simulated instant.
 *
 * @example
 * dayOf(Date.parse('2026-11-30T10:05:30Z')) // { sendDate: '2026-11-30', minuteOfDay: 605, dayStartMs: ... }
 */
export function dayOf(simulatedMs: number): { sendDate: string; minuteOfDay: number; dayStartMs: number } {
  const dayStartMs = Math.floor(simulatedMs / MS_PER_DAY) * MS_PER_DAY;
  return {
    sendDate: new Date(dayStartMs).toISOString().slice(0, 10),
    minuteOfDay: Math.floor((simulatedMs - dayStartMs) / MS_PER_MINUTE),
    dayStartMs,
  };
}

/**
 * When a digest for `minuteOfDay` on `sendDate` was due, simulated epoch ms.
 *
 * @example
 * scheduledAtMs('2026-11-30', 600) === Date.parse('2026-11-30T10:00:00Z') // true
 */
export function scheduledAtMs(sendDate: string, minuteOfDay: number): number {
  return Date.parse(`${sendDate}T00:00:00Z`) + minuteOfDay * MS_PER_MINUTE;
}

/**
 * Simulated now in whole milliseconds, for BIGINT columns (the scaled clock has sub-millisecond resolution,
 * which Postgres rejects as a bigint).
 *
 * @example
 * await pool.query('UPDATE digest_jobs SET done_at_ms = $1 ...', [nowWholeMs(clock)]);
 */
export function nowWholeMs(clock: { nowMs(): number }): number {
  return Math.floor(clock.nowMs());
}
