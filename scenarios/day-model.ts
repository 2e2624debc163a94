import { z } from 'zod';

/**
 * The day model: how a daily active user's activity spreads over a day, and how days make a month. Every
 * extrapolation past a run - the cost report's monthly figures, the capacity projection, `botcap plan` - reads
 * it from here, so a run never stands for "one day" by accident. Its defaults are THE defaults for DAU and
 * days per month (flags and scenario fields override them). The action mix, think time and digest times
 * are the scenario's `behaviour` and `population` (a day model may override the mix).
 */

/**
 * Share of a day's updates in each UTC hour (0-23), relative weights. An assumed curve for a consumer chat
 * bot (quiet nights, a morning rise, a lunch and an evening peak, ~7% of the day in the busiest hour); not
 * measured: set it from production analytics (`dayModel.hourlyProfile`).
 */
export const DEFAULT_HOURLY_PROFILE: readonly number[] = Object.freeze([
  1.0, 0.6, 0.4, 0.3, 0.3, 0.5, 1.5, 3.5, 5.0, 6.0, 6.5, 6.5, 7.0, 6.5, 6.0, 5.5, 5.5, 6.0, 6.5, 7.0, 7.0, 6.0, 4.0,
  2.0,
]);

const positive = z.number().positive();
const weight = z.number().min(0, 'weights are >= 0');

export const dayModelSchema = z.object({
  /** Daily active users the monthly figures are for. */
  dailyActiveUsers: positive.default(10_000),
  /** Days in a month, for monthly figures. */
  daysPerMonth: positive.max(31, 'a month has at most 31 days').default(30),
  /**
   * Updates (messages and taps, in the action mix) one daily active user sends per day. An assumption: the
   * seed states no figure for it, and a run cannot measure it (`botcap calibrate` derives it from what
   * production figures you know).
   */
  updatesPerUserPerDay: positive.default(10),
  /** Scheduled digests one daily active user receives per day. */
  digestsPerUserPerDay: z.number().min(0).default(1),
  /** Share of the day's updates per UTC hour, 24 relative weights (DEFAULT_HOURLY_PROFILE). */
  hourlyProfile: z
    .array(weight)
    .length(24, 'give 24 weights, one per hour 00-23')
    .refine((w) => w.some((x) => x > 0), 'at least one hour above 0')
    .default([...DEFAULT_HOURLY_PROFILE]),
  /** The action mix of a day, when it differs from the scenario's `behaviour.mix`. */
  mix: z.object({ navigation: weight, question: weight, settings: weight, start: weight }).optional(),
});

/** A day model with every default applied. */
export type DayModelSpec = z.output<typeof dayModelSchema>;
/** What a scenario or a flag may give: any subset. */
export type DayModelInput = z.input<typeof dayModelSchema>;

/** The defaults, resolved once: the one place DAU, days per month and updates per user per day come from. */
export const DAY_MODEL_DEFAULTS: DayModelSpec = dayModelSchema.parse({});
