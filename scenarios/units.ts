/**
 * The two units scenario files are written in: durations (k6 style, `30s`, `5m`, `1m30s`) and clock
 * times (`09:45`). Scenario files hold strings people can read; the loader turns them into numbers once.
 */

const DURATION_PART = /(\d+(?:\.\d+)?)(ms|s|m|h)/g;
const DURATION_WHOLE = /^(?:\d+(?:\.\d+)?(?:ms|s|m|h))+$/;
const UNIT_MS: Record<string, number> = { ms: 1, s: 1000, m: 60_000, h: 3_600_000 };

/** The fix shown with every bad duration, so the message says what to write instead. */
export const DURATION_HINT = "use '30s', '5m', '1h' or '1m30s'";

/**
 * Milliseconds in a k6-style duration, or undefined when the text is not one.
 *
 * @example
 * parseDurationMs('1m30s') // 90_000
 * parseDurationMs('5 minutes') // undefined
 */
export function parseDurationMs(text: string): number | undefined {
  const trimmed = text.trim();
  if (!DURATION_WHOLE.test(trimmed)) return undefined;
  let totalMs = 0;
  for (const match of trimmed.matchAll(DURATION_PART)) {
    totalMs += Number(match[1]) * (UNIT_MS[match[2]!] ?? Number.NaN);
  }
  return Number.isFinite(totalMs) ? Math.round(totalMs) : undefined;
}

/**
 * Formats milliseconds back as the shortest k6 duration (for resolved scenarios and k6 export).
 *
 * @example
 * formatDuration(90_000) // '1m30s'
 */
export function formatDuration(ms: number): string {
  if (ms === 0) return '0s';
  let rest = Math.round(ms);
  let out = '';
  for (const [unit, size] of [
    ['h', 3_600_000],
    ['m', 60_000],
    ['s', 1000],
  ] as const) {
    const whole = Math.floor(rest / size);
    if (whole > 0) {
      out += `${whole}${unit}`;
      rest -= whole * size;
    }
  }
  return rest > 0 ? `${out}${rest}ms` : out;
}

const CLOCK_TIME = /^([01]\d|2[0-3]):([0-5]\d)$/;

/** The fix shown with every bad clock time. */
export const CLOCK_TIME_HINT = "use 24-hour 'HH:MM', e.g. '09:45' or '22:00'";

/**
 * Minute of the day (0-1439) of an `HH:MM` time, or undefined when the text is not one.
 *
 * @example
 * parseMinuteOfDay('10:00') // 600
 */
export function parseMinuteOfDay(text: string): number | undefined {
  const match = CLOCK_TIME.exec(text.trim());
  if (match === null) return undefined;
  return Number(match[1]) * 60 + Number(match[2]);
}

/**
 * Minute of the day of a clock time the scenario schema already validated: inner code trusts the schema
 * instead of writing a fallback time (a default a second time). Throws a RangeError for anything else.
 *
 * @example
 * minuteOfDay(scenario.population.digestTimes.peak) // 600
 */
export function minuteOfDay(text: string): number {
  const minute = parseMinuteOfDay(text);
  if (minute === undefined) throw new RangeError(`${JSON.stringify(text)} is not a clock time; ${CLOCK_TIME_HINT}`);
  return minute;
}

/**
 * `HH:MM` of a minute of the day.
 *
 * @example
 * formatMinuteOfDay(600) // '10:00'
 */
export function formatMinuteOfDay(minute: number): string {
  const wrapped = ((Math.round(minute) % 1440) + 1440) % 1440;
  return `${String(Math.floor(wrapped / 60)).padStart(2, '0')}:${String(wrapped % 60).padStart(2, '0')}`;
}
