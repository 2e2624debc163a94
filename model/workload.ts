import type { Rng } from '../common/random.ts';
import { digestMinuteSampler } from '../loadgen/population/population.ts';
import { type DayModel, INTERACTIVE_CLASSES, type InteractiveClass } from '../reports/analysis/day-model.ts';
import type { BehaviourSpec, PopulationSpec } from '../scenarios/schema.ts';
import type { Configuration } from './configuration.ts';

/** A closed load (k6 ramping-vus): virtual users with think time, their number following stages. */
export interface ClosedLoad {
  kind: 'closed';
  startVus: number;
  /** Reach `target` VUs linearly over `durationMs`, as k6 stages. */
  stages: Array<{ durationMs: number; target: number }>;
  thinkTime: BehaviourSpec['thinkTime'];
}

/** An open load: Poisson arrivals at a rate that may change with time (per simulated ms since the start). */
export interface OpenLoad {
  kind: 'open';
  durationMs: number;
  ratePerSAt: (tMs: number) => number;
  /** An upper bound of the rate (thinning). */
  maxRatePerS: number;
}

/** What the simulated users do: the load, its mix, and the digests due. */
export interface Workload {
  load: ClosedLoad | OpenLoad;
  mix: Record<InteractiveClass, number>;
  /** Digests due, simulated ms since the start (after slotting), with their content-cache key. */
  digests: Array<{ scheduledMs: number; key: number }>;
  /** Phases to report levels by (a staircase's steps), on the run's axis. */
  phases: Array<{ name: string; startMs: number; endMs: number; targetVus?: number; targetRatePerS?: number }>;
  durationMs: number;
}

/** Share of a day's digests on each minute of the day (peakShare at the peak, the rest on the grid). */
export function digestMinuteShares(spec: PopulationSpec['digestTimes'], rng: Rng, users: number): number[] {
  const draw = digestMinuteSampler(spec);
  const perMinute = new Array<number>(1440).fill(0);
  for (let i = 0; i < users; i++) perMinute[draw(rng(), rng())]! += 1;
  return perMinute;
}

/**
 * Applies the bot's slotting policy to requested digest minutes, as the bot does user by user: `none` keeps
 * them; `auto` moves a user whose slot is full to the next slot with room; `offer` moves them to the first
 * offered slot (the user accepts it).
 *
 * @example
 * slotDigests(counts, { mode: 'auto', slotMinutes: 5, capPerSlot: 50 }) // 1,000 at 10:00 -> 50 per slot from 10:00
 */
export function slotDigests(requestedPerMinute: readonly number[], slotting: Configuration['slotting']): number[] {
  if (slotting.mode === 'none') return [...requestedPerMinute];
  const { slotMinutes, capPerSlot } = slotting;
  const slots = Math.ceil(1440 / slotMinutes);
  const taken = new Array<number>(slots).fill(0);
  const assigned = new Array<number>(1440).fill(0);
  for (let minute = 0; minute < 1440; minute++) {
    for (let u = 0; u < (requestedPerMinute[minute] ?? 0); u++) {
      let slot = Math.floor(minute / slotMinutes);
      while (slot < slots && taken[slot]! >= capPerSlot) slot++;
      if (slot >= slots) slot = slots - 1;
      taken[slot]!++;
      // A user keeps their minute inside their own slot; a moved user gets the slot's start.
      const at = slot === Math.floor(minute / slotMinutes) ? minute : slot * slotMinutes;
      assigned[at]!++;
    }
  }
  return assigned;
}

/**
 * Digest jobs of a window [fromMinute, fromMinute + durationMs) of the day, scheduled relative to the window.
 *
 * @example
 * digestJobs(slotted, 9 * 60 + 45, 30 * 60_000, 12, rng)
 */
export function digestJobs(
  perMinute: readonly number[],
  fromMinuteOfDay: number,
  durationMs: number,
  keys: number,
  rng: Rng,
): Workload['digests'] {
  const jobs: Workload['digests'] = [];
  const minutes = Math.ceil(durationMs / 60_000);
  for (let m = 0; m < minutes; m++) {
    const minute = (fromMinuteOfDay + m) % 1440;
    for (let i = 0; i < (perMinute[minute] ?? 0); i++) {
      jobs.push({ scheduledMs: m * 60_000, key: Math.floor(rng() * keys) });
    }
  }
  return jobs;
}

/**
 * An open workload for a window of a day under the day model: Poisson arrivals at the hour's rate, the
 * day's mix, and the digests due in the window after the configuration's slotting.
 *
 * @example
 * dayWorkload(day, config, { fromMinute: 0, durationMs: 86_400_000 }, rng) // a whole day
 */
export function dayWorkload(
  day: DayModel,
  config: Configuration,
  window: { fromMinute: number; durationMs: number },
  digestKeys: number,
  rng: Rng,
): Workload {
  const rateAtHour = (hour: number) =>
    (day.dailyActiveUsers * day.updatesPerUserPerDay * (day.hourlyShares[((hour % 24) + 24) % 24] ?? 0)) / 3600;
  const ratePerSAt = (tMs: number) => rateAtHour(Math.floor((window.fromMinute + tMs / 60_000) / 60));
  const maxRatePerS = Math.max(...Array.from({ length: 24 }, (_, h) => rateAtHour(h)));
  const digestUsers = Math.round(day.dailyActiveUsers * day.digestsPerUserPerDay);
  const requested = digestMinuteShares(day.digestTimes, rng, digestUsers);
  const slotted = slotDigests(requested, config.slotting);
  const phases: Workload['phases'] = [];
  for (let startMs = 0; startMs < window.durationMs; startMs += 3_600_000) {
    const hour = Math.floor((window.fromMinute + startMs / 60_000) / 60) % 24;
    phases.push({
      name: `${String(hour).padStart(2, '0')}:00`,
      startMs,
      endMs: Math.min(window.durationMs, startMs + 3_600_000),
      targetRatePerS: rateAtHour(hour),
    });
  }
  return {
    load: { kind: 'open', durationMs: window.durationMs, ratePerSAt, maxRatePerS },
    mix: day.mix,
    digests: digestJobs(slotted, window.fromMinute, window.durationMs, digestKeys, rng),
    phases,
    durationMs: window.durationMs,
  };
}

/** Normalises a mix to shares summing to 1. */
export function normaliseMix(mix: Record<InteractiveClass, number>): Record<InteractiveClass, number> {
  const total = INTERACTIVE_CLASSES.reduce((s, c) => s + mix[c], 0);
  return Object.fromEntries(INTERACTIVE_CLASSES.map((c) => [c, total > 0 ? mix[c] / total : 0])) as Record<
    InteractiveClass,
    number
  >;
}
