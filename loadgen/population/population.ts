// One locale each, not the package's index: the index loads every locale faker has (~30 MB of RSS).
import { faker as fakerEn } from '@faker-js/faker/locale/en';
import { faker as fakerRu } from '@faker-js/faker/locale/ru';
import type { PopulationSpec } from '../../scenarios/schema.ts';
import { minuteOfDay } from '../../scenarios/units.ts';
import type { Language } from './questions.ts';
import { createStream } from './random.ts';

/** Telegram user ids of the population start here (private chat id = user id, as in Telegram). */
export const USER_ID_BASE = 700_000_001;

/** One user of the population: who they are and what they chose at onboarding. */
export interface VirtualUser {
  index: number;
  userId: number;
  /** Private chat: equal to userId. */
  chatId: number;
  firstName: string;
  languageCode: Language;
  topic: string;
  /** Preferred digest time, minute of the day (600 = 10:00), UTC. */
  digestMinute: number;
  /** The user paused digests: none is expected for them. */
  digestPaused: boolean;
}

/** A seeded population with lookup by chat. */
export interface Population {
  users: readonly VirtualUser[];
  byChatId: ReadonlyMap<number, VirtualUser>;
}

/**
 * Creates the population: faker names in each user's locale, topics, digest times (mostly the peak),
 * paused users. The same spec and seed always give the same users.
 *
 * @example
 * const population = createPopulation(scenario.population, scenario.seed);
 * population.users[0] // { userId: 700000001, firstName: 'Алёна', languageCode: 'ru', digestMinute: 600, ... }
 */
export function createPopulation(spec: PopulationSpec, seed: number): Population {
  const rng = createStream(seed, 'population');
  // The locale modules' instances, seeded here: this function draws all its names synchronously, so no
  // other caller can interleave with them.
  const fakers = { ru: fakerRu, en: fakerEn } as const satisfies Record<Language, typeof fakerRu>;
  fakers.ru.seed([seed, 1_000_003, 1]);
  fakers.en.seed([seed, 1_000_003, 2]);
  const drawMinute = digestMinuteSampler(spec.digestTimes);
  const users: VirtualUser[] = [];
  const byChatId = new Map<number, VirtualUser>();
  for (let index = 0; index < spec.size; index++) {
    const languageCode = rng.weighted(spec.locales);
    const userId = USER_ID_BASE + index;
    const user: VirtualUser = {
      index,
      userId,
      chatId: userId,
      firstName: fakers[languageCode].person.firstName(),
      languageCode,
      topic: rng.pick(spec.topics),
      digestMinute: drawMinute(rng.next(), rng.next()),
      digestPaused: rng.next() < spec.pausedShare,
    };
    users.push(user);
    byChatId.set(user.chatId, user);
  }
  return { users, byChatId };
}

/**
 * Maps two uniform draws to a digest minute: `peakShare` at the peak, the rest uniform on the grid
 * `spreadFrom..spreadTo` every `stepMinutes`.
 *
 * @example
 * digestMinuteSampler({ peak: '10:00', peakShare: 0.6, spreadFrom: '07:00', spreadTo: '22:00', stepMinutes: 15 })(0.1, 0.5) // 600
 */
export function digestMinuteSampler(spec: PopulationSpec['digestTimes']): (u1: number, u2: number) => number {
  const peak = minuteOfDay(spec.peak);
  const from = minuteOfDay(spec.spreadFrom);
  const to = minuteOfDay(spec.spreadTo);
  const slots = Math.floor((to - from) / spec.stepMinutes) + 1;
  return (u1, u2) => (u1 < spec.peakShare ? peak : from + Math.floor(u2 * slots) * spec.stepMinutes);
}
