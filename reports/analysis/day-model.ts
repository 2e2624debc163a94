import type { RunResult } from '../../contracts/run-result.ts';
import { DAY_MODEL_DEFAULTS, type DayModelInput, dayModelSchema } from '../../scenarios/day-model.ts';
import { type BehaviourSpec, behaviourSchema, type PopulationSpec, populationSchema } from '../../scenarios/schema.ts';

/** The update classes a day is made of (the load generator's action kinds). */
export const INTERACTIVE_CLASSES = ['navigation', 'question', 'settings', 'start'] as const;
export type InteractiveClass = (typeof INTERACTIVE_CLASSES)[number];

/**
 * A resolved day model: the scenario's `dayModel` with its behaviour (mix, think time) and population (digest
 * times) filled in, shares normalised. Plain data; every report that extrapolates states it (`describeDayModel`).
 */
export interface DayModel {
  dailyActiveUsers: number;
  daysPerMonth: number;
  updatesPerUserPerDay: number;
  digestsPerUserPerDay: number;
  /** Share of the day's updates per UTC hour, summing to 1. */
  hourlyShares: number[];
  /** Share of each interactive class in the day's updates, summing to 1. */
  mix: Record<InteractiveClass, number>;
  /** Think time between a reply and the next action, simulated ms (the scenario's behaviour). */
  thinkTime: { medianMs: number; p95Ms: number; distribution: BehaviourSpec['thinkTime']['distribution'] };
  digestTimes: PopulationSpec['digestTimes'];
}

/** Where the parts of a day model come from: a scenario (resolved or as a RunResult carries it) and overrides. */
export interface DayModelSources {
  /** The scenario's `dayModel`, e.g. from `result.scenario.resolved.dayModel`. */
  dayModel?: DayModelInput | undefined;
  /** The scenario's behaviour (mix, think time). Default: the scenario schema's default behaviour. */
  behaviour?: BehaviourSpec | undefined;
  /** The scenario's population (digest times). Default: the schema's default population. */
  population?: PopulationSpec | undefined;
  /** Flags on top of everything else (`--dau`, `--days`, `--updates-per-user-day`). */
  overrides?: Partial<
    Pick<DayModel, 'dailyActiveUsers' | 'daysPerMonth' | 'updatesPerUserPerDay' | 'digestsPerUserPerDay'>
  >;
}

/** z of the 95th percentile of a standard normal. */
const Z_95 = 1.6448536269514722;

/**
 * Resolves a day model from its sources; defaults come from `DAY_MODEL_DEFAULTS` and the scenario schema.
 *
 * @example
 * resolveDayModel({ overrides: { dailyActiveUsers: 100_000 } }).hourlyShares.length // 24
 */
export function resolveDayModel(sources: DayModelSources = {}): DayModel {
  const spec = dayModelSchema.parse(sources.dayModel ?? {});
  const behaviour = sources.behaviour ?? behaviourSchema.parse({});
  const population = sources.population ?? populationSchema.parse({});
  const weights = spec.hourlyProfile;
  const weightSum = weights.reduce((a, b) => a + b, 0);
  const mixIn = spec.mix ?? behaviour.mix;
  const mixSum = INTERACTIVE_CLASSES.reduce((sum, c) => sum + mixIn[c], 0);
  const o = sources.overrides ?? {};
  return {
    dailyActiveUsers: o.dailyActiveUsers ?? spec.dailyActiveUsers,
    daysPerMonth: o.daysPerMonth ?? spec.daysPerMonth,
    updatesPerUserPerDay: o.updatesPerUserPerDay ?? spec.updatesPerUserPerDay,
    digestsPerUserPerDay: o.digestsPerUserPerDay ?? spec.digestsPerUserPerDay,
    hourlyShares: weights.map((w) => w / weightSum),
    mix: Object.fromEntries(INTERACTIVE_CLASSES.map((c) => [c, mixIn[c] / mixSum])) as Record<InteractiveClass, number>,
    thinkTime: {
      medianMs: behaviour.thinkTime.median,
      p95Ms: behaviour.thinkTime.p95,
      distribution: behaviour.thinkTime.distribution,
    },
    digestTimes: population.digestTimes,
  };
}

/**
 * The day model a run states (its scenario's `dayModel`, behaviour and population), with overrides on top.
 * A result whose scenario predates the field gets the defaults.
 *
 * @example
 * dayModelOfRun(result, { dailyActiveUsers: 20_000 }).dailyActiveUsers // 20000
 */
export function dayModelOfRun(result: RunResult, overrides: DayModelSources['overrides'] = {}): DayModel {
  const resolved = result.scenario.resolved;
  const behaviour = behaviourSchema.safeParse(resolved.behaviour ?? {});
  const population = populationSchema.safeParse(resolved.population ?? {});
  const dayModel = dayModelSchema.safeParse(resolved.dayModel ?? {});
  return resolveDayModel({
    ...(dayModel.success ? { dayModel: dayModel.data } : {}),
    ...(behaviour.success ? { behaviour: behaviour.data } : {}),
    ...(population.success ? { population: population.data } : {}),
    overrides,
  });
}

/**
 * Mean think time, simulated seconds: a lognormal's mean is median x exp(sigma^2 / 2), sigma from the p95.
 *
 * @example
 * meanThinkTimeS(resolveDayModel()) // 27.2 for median 15 s, p95 90 s
 */
export function meanThinkTimeS(day: DayModel): number {
  const { medianMs, p95Ms, distribution } = day.thinkTime;
  if (distribution === 'constant') return medianMs / 1000;
  if (distribution === 'exponential') return medianMs / Math.LN2 / 1000;
  const sigma = p95Ms > medianMs && medianMs > 0 ? Math.log(p95Ms / medianMs) / Z_95 : 0;
  return (medianMs * Math.exp((sigma * sigma) / 2)) / 1000;
}

/** Interactive updates per second in UTC hour `hour` (0-23). */
export function updatesPerSecondAt(day: DayModel, hour: number): number {
  return (day.dailyActiveUsers * day.updatesPerUserPerDay * (day.hourlyShares[hour] ?? 0)) / 3600;
}

/** The busiest hour of interactive traffic and its share. */
export function peakHour(day: DayModel): { hour: number; share: number; updatesPerS: number } {
  let hour = 0;
  for (let h = 1; h < 24; h++) if (day.hourlyShares[h]! > day.hourlyShares[hour]!) hour = h;
  return { hour, share: day.hourlyShares[hour]!, updatesPerS: updatesPerSecondAt(day, hour) };
}

/**
 * Concurrent users at a rate of updates (Little's law on the closed loop of a user): each user sends one
 * update per (think time + reply time), so N = rate x (Z + R).
 *
 * @example
 * concurrentUsersAt(3.3, 27.2, 3) // ~100
 */
export function concurrentUsersAt(updatesPerS: number, meanThinkS: number, meanReplyS: number): number {
  return updatesPerS * (meanThinkS + meanReplyS);
}

/** Per-user counts of each class per day. */
export function perUserPerDay(day: DayModel): Record<InteractiveClass | 'digest', number> {
  return {
    ...(Object.fromEntries(INTERACTIVE_CLASSES.map((c) => [c, day.updatesPerUserPerDay * day.mix[c]])) as Record<
      InteractiveClass,
      number
    >),
    digest: day.digestsPerUserPerDay,
  };
}

/**
 * The day model in sentences, printed by every report that extrapolates with it.
 *
 * @example
 * describeDayModel(resolveDayModel())[0] // 'Day model: 10,000 daily active users, 30 days per month; ...'
 */
export function describeDayModel(day: DayModel): string[] {
  const peak = peakHour(day);
  const counts = perUserPerDay(day);
  const pct = (x: number) => `${Math.round(x * 1000) / 10}%`;
  const n = (x: number) => (x >= 100 ? Math.round(x).toLocaleString('en-US') : String(Math.round(x * 100) / 100));
  return [
    `Day model: ${n(day.dailyActiveUsers)} daily active users, ${n(day.daysPerMonth)} days per month; each user sends ` +
      `${n(day.updatesPerUserPerDay)} updates a day (${n(counts.question)} questions, ${n(counts.navigation)} taps, ` +
      `${n(counts.settings)} settings, ${n(counts.start)} onboarding steps) and gets ${n(day.digestsPerUserPerDay)} digest(s).`,
    `The busiest hour (${String(peak.hour).padStart(2, '0')}:00 UTC) carries ${pct(peak.share)} of the day's updates: ` +
      `${n(peak.updatesPerS)} updates/s; digests at ${day.digestTimes.peak} for ${pct(day.digestTimes.peakShare)} of users, ` +
      `the rest every ${day.digestTimes.stepMinutes} min from ${day.digestTimes.spreadFrom} to ${day.digestTimes.spreadTo}.`,
    'Updates per user per day and the hourly profile are assumptions, not measurements (set them with ' +
      '`dayModel` in a scenario, the flags, or derive them with `botcap calibrate`).',
  ];
}

export { DAY_MODEL_DEFAULTS };
