/** Minutes after midnight (UTC of the simulated clock): 600 is 10:00. The unit digest times are stored in. */
export type MinuteOfDay = number;

export const MINUTES_PER_DAY = 1440;

/**
 * Parses what a user types as a time of day: `10:00`, `9:05`, `21.30`, `7 00`.
 *
 * @example
 * parseTimeOfDay('9:05') // 545
 * parseTimeOfDay('25:00') // undefined
 */
export function parseTimeOfDay(text: string): MinuteOfDay | undefined {
  const match = /^\s*(\d{1,2})\s*[:.\s]\s*(\d{2})\s*$/.exec(text);
  if (!match) return undefined;
  const hours = Number(match[1]);
  const minutes = Number(match[2]);
  if (hours > 23 || minutes > 59) return undefined;
  return hours * 60 + minutes;
}

/**
 * @example
 * formatTimeOfDay(545) // '09:05'
 */
export function formatTimeOfDay(minute: MinuteOfDay): string {
  const hours = Math.floor(minute / 60);
  return `${String(hours).padStart(2, '0')}:${String(minute % 60).padStart(2, '0')}`;
}

/**
 * The first minute of the slot a minute falls in.
 *
 * @example
 * slotStart(607, 5) // 605
 */
export function slotStart(minute: MinuteOfDay, slotMinutes: number): MinuteOfDay {
  return Math.floor(minute / slotMinutes) * slotMinutes;
}
