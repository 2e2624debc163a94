import type { VirtualUser } from '../population/population.ts';
import type { ObservedCall } from './types.ts';

const DAY_MS = 86_400_000;

/** One digest the bot should send: a user's slot inside the run's simulated window. */
export interface ExpectedDigest {
  chatId: number;
  userId: number;
  /** Scheduled time on the run's axis (simulated ms since start). */
  scheduledMs: number;
}

/** Where the run sits on the simulated calendar, and which slots the bot actually holds for users. */
export interface DigestWindow {
  /** Simulated epoch ms when the run started (the axis' zero). */
  startEpochMs: number;
  /** Simulated length of the run. */
  durationMs: number;
  /**
   * The minute the bot assigned a user (slotting may move them); undefined keeps the user's own choice.
   * Supplied by the orchestrator (from the bot's database) or read from the bot's onboarding replies.
   */
  expectedDigestMinute?: (userId: number) => number | undefined;
  /**
   * When (run ms) the bot learnt a user's slot, for users who onboarded during the run: a slot scheduled
   * before that is not owed. Undefined: known before the run.
   */
  knownSinceMs?: (userId: number) => number | undefined;
  /**
   * The users were onboarded before the run (seeded with their own minute, today's earlier digests sent), so
   * one who onboards again during it changes a time the bot already held: see {@link expectedDigests}.
   * Default false: users who onboard during the run are new.
   */
  seededBeforeRun?: boolean;
}

/**
 * Digests expected in the window: one per day-occurrence of each (unpaused) user's digest minute that
 * falls inside [start, start + duration), the start taken down to its minute (so `scheduledMs` may be a
 * little below 0). Also says how many users the bot moved from the minute they chose.
 *
 * A new user is owed only the slots after the bot learnt their time (`knownSinceMs`). A seeded user who picks
 * a time again during the run (`seededBeforeRun`) is owed one digest that day, as the bot's scheduler sends it
 * (bot/scheduler/due.ts: the current minute passed, none delivered today): at their old time if it came
 * before the change, else at the new one, at once if the new time has already passed. Counting only the new
 * time read the first as unexpected and missed the second, in every run whose mix re-onboards users.
 *
 * @example
 * expectedDigests(population.users, { startEpochMs: Date.parse('2026-11-30T09:45:00Z'), durationMs: 30 * 60_000 })
 * // { expected: [{ chatId, userId, scheduledMs: 900000 }, ...], usersMoved: 0 }
 */
export function expectedDigests(
  users: readonly VirtualUser[],
  window: DigestWindow,
): { expected: ExpectedDigest[]; usersMoved: number } {
  const expected: ExpectedDigest[] = [];
  let usersMoved = 0;
  // The run starts a moment after its simulated start minute (bots come up first): count whole minutes,
  // so 09:45 for 30 minutes holds the 09:45 slot and not the 10:15 one.
  const fromEpochMs = Math.floor(window.startEpochMs / 60_000) * 60_000;
  const endEpochMs = fromEpochMs + window.durationMs;
  const firstDay = Math.floor(fromEpochMs / DAY_MS);
  const lastDay = Math.floor(endEpochMs / DAY_MS);
  for (const user of users) {
    if (user.digestPaused) continue;
    const assigned = window.expectedDigestMinute?.(user.userId);
    if (assigned !== undefined && assigned !== user.digestMinute) usersMoved++;
    const minute = assigned ?? user.digestMinute;
    const knownSinceMs = window.knownSinceMs?.(user.userId);
    const knownSinceEpochMs = window.startEpochMs + (knownSinceMs ?? Number.NEGATIVE_INFINITY);
    const changedTime = window.seededBeforeRun === true && knownSinceMs !== undefined;
    for (let day = firstDay; day <= lastDay; day++) {
      const atEpochMs = changedTime
        ? reonboardedSlot(day, user.digestMinute, minute, knownSinceEpochMs)
        : day * DAY_MS + minute * 60_000;
      const owed = changedTime || atEpochMs >= knownSinceEpochMs;
      if (owed && atEpochMs >= fromEpochMs && atEpochMs < endEpochMs) {
        expected.push({ chatId: user.chatId, userId: user.userId, scheduledMs: atEpochMs - window.startEpochMs });
      }
    }
  }
  return { expected, usersMoved };
}

/**
 * When (epoch ms) a seeded user who changed their digest time at `changedEpochMs` is owed `day`'s digest: at
 * the old minute on days before the change, and on its day if that slot came first (a slot before the run's
 * start was sent before it: the caller's window leaves it out); at the new minute on days after; on the day of
 * the change with the old slot still ahead, at the new minute, or at the change itself if that has passed.
 */
function reonboardedSlot(day: number, oldMinute: number, newMinute: number, changedEpochMs: number): number {
  const changeDay = Math.floor(changedEpochMs / DAY_MS);
  const oldAtEpochMs = day * DAY_MS + oldMinute * 60_000;
  const newAtEpochMs = day * DAY_MS + newMinute * 60_000;
  if (day < changeDay || (day === changeDay && oldAtEpochMs < changedEpochMs)) return oldAtEpochMs;
  if (day > changeDay) return newAtEpochMs;
  return Math.max(newAtEpochMs, changedEpochMs);
}

/** Digest accounting of a run. */
export interface DigestAccounting {
  expected: number;
  delivered: number;
  missing: number;
  /** Deliveries beyond one per expected digest (two instances both sent it). */
  duplicated: number;
  /** Digests to chats with no slot in the window (a slot before the run, or a user who paused). */
  unexpected: number;
  /** Delivered - scheduled, simulated ms, for each first delivery (negative = early). */
  latenessMs: number[];
  /**
   * End of the run - scheduled, for each missing digest whose slot had passed: how late it already was
   * when the run ended (a lower bound; empty without `endMs`). Lateness percentiles include these, so a
   * burst that did not drain cannot look punctual by the digests it did send.
   */
  unsentLatenessMs: number[];
}

/**
 * Matches delivered digests ("📰" messages) to expected ones per chat: each delivery goes to the
 * nearest expected slot of its chat; a slot's second delivery is a duplicate; a slot with none is missing
 * (and, given the run's end, already late by `endMs - scheduled`).
 *
 * @example
 * accountDigests(expected, accounting.digests).missing // 0
 */
export function accountDigests(
  expected: readonly ExpectedDigest[],
  delivered: readonly ObservedCall[],
  endMs?: number,
): DigestAccounting {
  const slotsByChat = new Map<number, Array<{ scheduledMs: number; deliveries: number }>>();
  for (const digest of expected) {
    const slots = slotsByChat.get(digest.chatId) ?? [];
    slots.push({ scheduledMs: digest.scheduledMs, deliveries: 0 });
    slotsByChat.set(digest.chatId, slots);
  }
  const result: DigestAccounting = {
    expected: expected.length,
    delivered: delivered.length,
    missing: 0,
    duplicated: 0,
    unexpected: 0,
    latenessMs: [],
    unsentLatenessMs: [],
  };
  for (const call of [...delivered].sort((a, b) => a.timeMs - b.timeMs)) {
    const slots = call.chatId === null ? undefined : slotsByChat.get(call.chatId);
    if (slots === undefined || slots.length === 0) {
      result.unexpected++;
      continue;
    }
    // Prefer the nearest slot not yet delivered; only when all are delivered is this a duplicate.
    const open = slots.filter((slot) => slot.deliveries === 0);
    const pool = open.length > 0 ? open : slots;
    let best = pool[0]!;
    for (const slot of pool) {
      if (Math.abs(call.timeMs - slot.scheduledMs) < Math.abs(call.timeMs - best.scheduledMs)) best = slot;
    }
    best.deliveries++;
    if (best.deliveries === 1) result.latenessMs.push(call.timeMs - best.scheduledMs);
    else result.duplicated++;
  }
  for (const slots of slotsByChat.values()) {
    for (const slot of slots) {
      if (slot.deliveries > 0) continue;
      result.missing++;
      if (endMs !== undefined && endMs >= slot.scheduledMs) result.unsentLatenessMs.push(endMs - slot.scheduledMs);
    }
  }
  return result;
}
