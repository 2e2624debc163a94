import { describe, expect, it } from 'vitest';
import type { CallRecord } from '../../fakes/telegram/records.ts';
import { CallFeed } from './call-feed.ts';
import type { TelegramTarget } from './target.ts';

type CallFeedConventions = ConstructorParameters<typeof CallFeed>[2];

/**
 * A target whose record and clock the test moves by hand: real ms on the fake's side. `watchable` gives it
 * watchCalls, as the in-process fake has; without it the record can only be polled, as a remote one.
 */
function handTarget(watchable = false) {
  const records: CallRecord[] = [];
  const watchers = new Set<() => void>();
  let nowMs = 0;
  const target = {
    nowMs: () => nowMs,
    calls: (sinceSeq: number) => records.filter((r) => r.seq >= sinceSeq),
    messageText: () => 'a reply',
    ...(watchable
      ? {
          watchCalls: (watcher: () => void) => {
            watchers.add(watcher);
            return () => watchers.delete(watcher);
          },
        }
      : {}),
  } as unknown as TelegramTarget;
  const record = (chatId: number, updateId: number, atMs: number): void => {
    records.push({
      seq: records.length,
      time_ms: atMs,
      method: 'sendMessage',
      chat_id: chatId,
      params_bytes: 10,
      ok: true,
      error_code: null,
      message_id: records.length + 1,
      text_length: 7,
      update_id: updateId,
    } as CallRecord);
    for (const watcher of watchers) watcher();
  };
  const setNow = (ms: number): void => {
    nowMs = ms;
  };
  return { target, record, setNow, watchers };
}

const CONVENTIONS = { visibleMethods: ['sendMessage'], digestPrefix: '📰' } as CallFeedConventions;

describe('the call feed', () => {
  it('records how long after its record the generator took each reply, on the run clock', async () => {
    const { target, record, setNow } = handTarget();
    // Run ms = fake ms x 20 (a 20x scale starting at fake ms 0).
    const feed = new CallFeed(target, (fakeMs) => fakeMs * 20, {
      visibleMethods: ['sendMessage'],
      digestPrefix: '📰',
    } as CallFeedConventions);
    feed.noteUpdate(7, 1);
    const reply = feed.waitForReply(7, 1, 0, 60_000);
    record(7, 1, 100);
    setNow(103); // the feed reads it 3 real ms after the fake recorded it
    feed.poll();
    expect((await reply)?.timeMs).toBe(2_000);
    expect(feed.replyProcessingLags).toEqual([[2_000, 60]]);
  });

  it("reads the record from the seq it is given: earlier calls are not the run's", async () => {
    const { target, record, setNow } = handTarget();
    record(7, 1, 10); // before the run: a start-up call, or an earlier run on the same fake
    const feed = new CallFeed(
      target,
      (fakeMs) => fakeMs,
      { visibleMethods: ['sendMessage'], digestPrefix: '📰' } as CallFeedConventions,
      1,
    );
    feed.noteUpdate(7, 2);
    const reply = feed.waitForReply(7, 2, 0, 60_000);
    record(7, 2, 20);
    setNow(21);
    feed.poll();
    expect((await reply)?.seq).toBe(1);
    expect(feed.calls.map((call) => call.seq)).toEqual([1]);
  });

  it('records nothing for a reply nobody was waiting for', () => {
    const { target, record, setNow } = handTarget();
    const feed = new CallFeed(target, (fakeMs) => fakeMs, {
      visibleMethods: ['sendMessage'],
      digestPrefix: '📰',
    } as CallFeedConventions);
    record(7, 1, 100);
    setNow(150);
    feed.poll();
    expect(feed.calls).toHaveLength(1);
    expect(feed.replyProcessingLags).toEqual([]);
  });

  it('follows a record that says when it grows: the reply reaches its user in the same turn, with no poll', async () => {
    const { target, record, watchers } = handTarget(true);
    const feed = new CallFeed(target, (fakeMs) => fakeMs, CONVENTIONS);
    feed.follow(60_000); // a poll interval no test outlives: only the watch can deliver the reply
    feed.noteUpdate(7, 1);
    const reply = feed.waitForReply(7, 1, 0, 60_000);
    record(7, 1, 100);
    record(8, 2, 101);
    expect((await reply)?.seq).toBe(0);
    // Both calls of that turn came in one read.
    expect(feed.calls.map((call) => call.seq)).toEqual([0, 1]);
    feed.close();
    expect(watchers.size).toBe(0);
  });

  it('releases a waiter at its deadline while following, though no call ever comes', async () => {
    const { target } = handTarget(true);
    const feed = new CallFeed(target, (fakeMs) => fakeMs, CONVENTIONS);
    feed.follow(60_000);
    feed.noteUpdate(7, 1);
    const startedMs = performance.now();
    const reply = await feed.waitForReply(7, 1, 0, 30);
    expect(reply).toBeUndefined();
    expect(performance.now() - startedMs).toBeGreaterThanOrEqual(29);
    feed.close();
  });

  it('polls a record that cannot be watched, every interval', async () => {
    const { target, record } = handTarget(false);
    const feed = new CallFeed(target, (fakeMs) => fakeMs, CONVENTIONS);
    feed.follow(5);
    feed.noteUpdate(7, 1);
    const reply = feed.waitForReply(7, 1, 0, 60_000);
    record(7, 1, 100);
    expect((await reply)?.seq).toBe(0);
    feed.close();
  });
});
