import { describe, expect, it } from 'vitest';
import type { VirtualUser } from '../population/population.ts';
import { accountDigests, expectedDigests } from './digests.ts';
import type { ObservedCall } from './types.ts';

const user = (id: number, digestMinute: number, digestPaused = false): VirtualUser => ({
  index: id,
  userId: id,
  chatId: id,
  firstName: 'Анна',
  languageCode: 'ru',
  topic: 'tech',
  digestMinute,
  digestPaused,
});
const digest = (chatId: number, timeMs: number): ObservedCall => ({
  seq: timeMs,
  timeMs,
  method: 'sendMessage',
  chatId,
  ok: true,
  errorCode: null,
  messageId: 1,
  text: '📰 Дайджест',
});
const start = Date.parse('2026-11-30T09:45:00.120Z');
const window = { startEpochMs: start, durationMs: 30 * 60_000 };

describe('expected digests', () => {
  it('are the unpaused users whose minute falls in the window, minute of the start included', () => {
    const users = [user(1, 600), user(2, 585), user(3, 615), user(4, 600, true), user(5, 480)];
    const { expected, usersMoved } = expectedDigests(users, window);
    expect(expected.map((e) => [e.chatId, e.scheduledMs])).toEqual([
      [1, 15 * 60_000 - 120],
      [2, -120],
    ]);
    expect(usersMoved).toBe(0);
  });

  it('take the minute the bot assigned when slotting moved a user', () => {
    const { expected, usersMoved } = expectedDigests([user(1, 600), user(2, 600)], {
      ...window,
      expectedDigestMinute: (id) => (id === 2 ? 605 : undefined),
    });
    expect(expected.map((e) => e.scheduledMs)).toEqual([15 * 60_000 - 120, 20 * 60_000 - 120]);
    expect(usersMoved).toBe(1);
  });

  it('cross midnight', () => {
    const { expected } = expectedDigests([user(1, 5)], {
      startEpochMs: Date.parse('2026-11-30T23:50:00Z'),
      durationMs: 30 * 60_000,
    });
    expect(expected.map((e) => e.scheduledMs)).toEqual([15 * 60_000]);
  });
});

describe('digest accounting', () => {
  it('catches planted late, missing and duplicated digests', () => {
    const expected = [
      { chatId: 1, userId: 1, scheduledMs: 900_000 },
      { chatId: 2, userId: 2, scheduledMs: 900_000 },
      { chatId: 3, userId: 3, scheduledMs: 900_000 },
    ];
    const result = accountDigests(expected, [
      digest(1, 902_000),
      digest(3, 1_020_000),
      digest(3, 1_021_000),
      digest(7, 950_000),
    ]);
    expect(result).toMatchObject({ expected: 3, delivered: 4, missing: 1, duplicated: 1, unexpected: 1 });
    expect(result.latenessMs).toEqual([2_000, 120_000]);
    expect(result.unsentLatenessMs).toEqual([]);
  });

  it('counts a digest unsent at the end as late by then, and one whose slot is still ahead as not late', () => {
    const expected = [
      { chatId: 1, userId: 1, scheduledMs: 600_000 },
      { chatId: 2, userId: 2, scheduledMs: 600_000 },
      { chatId: 3, userId: 3, scheduledMs: 1_500_000 },
    ];
    const result = accountDigests(expected, [digest(1, 610_000)], 1_200_000);
    expect(result.missing).toBe(2);
    expect(result.latenessMs).toEqual([10_000]);
    expect(result.unsentLatenessMs).toEqual([600_000]);
  });

  it('gives each delivery to the nearest open slot of its chat', () => {
    const expected = [
      { chatId: 1, userId: 1, scheduledMs: 0 },
      { chatId: 1, userId: 1, scheduledMs: 86_400_000 },
    ];
    const result = accountDigests(expected, [digest(1, 86_401_000), digest(1, 500)]);
    expect(result).toMatchObject({ missing: 0, duplicated: 0 });
    expect(result.latenessMs.sort((a, b) => a - b)).toEqual([500, 1_000]);
  });
});

describe('users who onboard during the run', () => {
  it('are owed only the slots after the bot learnt them', () => {
    const { expected } = expectedDigests([user(1, 600), user(2, 600)], {
      ...window,
      // User 1 finished onboarding 10 minutes in (before 10:00), user 2 at 20 minutes (after).
      knownSinceMs: (id) => (id === 1 ? 10 * 60_000 : 20 * 60_000),
    });
    expect(expected.map((e) => e.chatId)).toEqual([1]);
  });
});

describe('seeded users who pick a digest time again during the run', () => {
  // 09:45-10:15; each user's new minute and the run ms at which the bot confirmed it.
  const changes = new Map([
    [1, { minute: 570, atMs: 5 * 60_000 }], // 10:00 -> 09:30 at 09:50: the new time has passed, owed at once
    [2, { minute: 610, atMs: 10 * 60_000 }], // 09:50 -> 10:10 at 09:55: the old slot came first, and is the day's
    [3, { minute: 605, atMs: 10 * 60_000 }], // 09:00 -> 10:05 at 09:55: sent before the run (seeded), none owed
    [4, { minute: 605, atMs: 10 * 60_000 }], // 10:10 -> 10:05 at 09:55: the old slot still ahead, owed at 10:05
  ]);
  const users = [user(1, 600), user(2, 590), user(3, 540), user(4, 610)];
  const changed = {
    ...window,
    expectedDigestMinute: (id: number) => changes.get(id)?.minute,
    knownSinceMs: (id: number) => changes.get(id)?.atMs,
  };

  it('are owed the one digest of the day the bot sends them: the old slot if it came first, else the new one, at once if passed', () => {
    const { expected } = expectedDigests(users, { ...changed, seededBeforeRun: true });
    expect(expected.map((e) => [e.chatId, e.scheduledMs])).toEqual([
      [1, 5 * 60_000],
      [2, 5 * 60_000 - 120],
      [4, 20 * 60_000 - 120],
    ]);
  });

  it('new users (not seeded) are owed only slots after the bot learnt them, as before', () => {
    const { expected } = expectedDigests(users, changed);
    expect(expected.map((e) => [e.chatId, e.scheduledMs])).toEqual([
      [2, 25 * 60_000 - 120],
      [3, 20 * 60_000 - 120],
      [4, 20 * 60_000 - 120],
    ]);
  });
});
