import type { CallRecord } from '../../fakes/telegram/index.ts';
import type { ReplyConventions } from '../../scenarios/schema.ts';
import type { ObservedCall } from '../correlate/types.ts';
import type { TelegramTarget } from './target.ts';

interface Waiter {
  updateId: number;
  sinceFakeMs: number;
  /** performance.now() after which the waiter gets undefined (checked on each poll, no timer per wait). */
  deadlineRealMs: number;
  resolve: (call: ObservedCall | undefined) => void;
}

/**
 * Reads the fake's call record as it grows, converts each call once to the run's axis (with the message
 * text, so fallbacks and digests can be told apart), keeps them for the final correlation and wakes the
 * VU waiting in that chat. One reader for all VUs, so the VUs never poll themselves: {@link follow} reads
 * the in-process fake right after it records a call, a remote one on a timer. Reply deadlines are checked
 * on the same reads and on one timer for the earliest, so a waiting VU holds one small object and no timer.
 *
 * @example
 * const feed = new CallFeed(target, (fakeMs) => (fakeMs - startFakeMs) * timeScale, scenario.replies);
 * feed.follow(5);
 * const reply = await feed.waitForReply(chatId, record.update_id, record.injected_ms, 30_000);
 */
export class CallFeed {
  readonly calls: ObservedCall[] = [];
  /**
   * For each reply handed to a waiting VU: when the fake recorded it and how long after that the generator
   * took it (run ms, simulated). The VU's next think time starts only then, so a lag here stretches every
   * user's cycle: the lab's own delay on the load's shape rather than on the latency measured.
   */
  readonly replyProcessingLags: Array<readonly [atMs: number, lagMs: number]> = [];
  private nextSeq: number;
  private readonly visible: ReadonlySet<string>;
  private readonly waiters = new Map<number, Waiter>();
  /** Earliest deadline of the waiters (may be one already answered: then the next sweep recomputes it). */
  private nextDeadlineRealMs = Number.POSITIVE_INFINITY;
  /**
   * The updates injected, in injection order (so in increasing update id) with their chats: a reply the fake
   * attributes to another update of the same chat is not the waiting update's. Two number arrays, not a
   * set per chat.
   */
  private readonly updateIds: number[] = [];
  private readonly updateChats: number[] = [];
  /** Live counters for progress events. */
  replies = 0;
  failedCalls = 0;
  /** Stops {@link follow}ing the record; undefined when not following. */
  private unfollow: (() => void) | undefined;
  /** Whether a read is already queued for this turn of the event loop (calls recorded meanwhile wait for it). */
  private readQueued = false;
  /** Following a record that says when it grows: deadlines need a timer of their own (polling checks them). */
  private watching = false;
  /** Fires at the earliest deadline while {@link watching}. */
  private deadlineTimer: NodeJS.Timeout | undefined;

  /**
   * `fromSeq`: the first call that is the run's, usually `target.callCount()` when the load starts. Calls recorded
   * before it (the bot's start-up calls, an earlier run on the same fake) answer none of the run's updates: read,
   * they were counted as the run's calls, and a fake that had served earlier runs had them all converted and kept
   * again at the run's first read.
   */
  constructor(
    private readonly target: TelegramTarget,
    private readonly toRunMs: (fakeMs: number) => number,
    private readonly conventions: ReplyConventions,
    fromSeq = 0,
  ) {
    this.visible = new Set(conventions.visibleMethods);
    this.nextSeq = fromSeq;
  }

  /** Remembers an injected update of a chat (call before waiting). */
  noteUpdate(chatId: number, updateId: number): void {
    const last = this.updateIds.length - 1;
    if (last >= 0 && updateId <= this.updateIds[last]!) {
      // Ids come from the server in injection order; anything else (another injector's ids) goes in its place.
      const at = this.indexOfUpdate(updateId);
      this.updateIds.splice(at, 0, updateId);
      this.updateChats.splice(at, 0, chatId);
      return;
    }
    this.updateIds.push(updateId);
    this.updateChats.push(chatId);
  }

  /**
   * Reads the record as it grows, until {@link close}. Where the target tells when it records a call (the
   * in-process fake), the read comes in the same turn of the event loop, once for all the calls of that turn:
   * polling every 5 ms held each reply up to a poll interval before its VU saw it, which stretched every
   * user's cycle, and woke the generator 200 times a second with nothing to read when the load was light
   * (about 10 ms of CPU a second in a process doing nothing else). Elsewhere it polls every `pollIntervalRealMs`.
   */
  follow(pollIntervalRealMs: number): void {
    if (this.unfollow !== undefined) return;
    if (this.target.watchCalls === undefined) {
      const poller = setInterval(() => this.poll(), pollIntervalRealMs);
      this.unfollow = () => clearInterval(poller);
      return;
    }
    const read = () => {
      this.readQueued = false;
      // A read queued just before close(): the run's record ended with close's final read.
      if (this.unfollow !== undefined) this.poll();
    };
    const stopWatching = this.target.watchCalls(() => {
      if (this.readQueued) return;
      this.readQueued = true;
      // After the current I/O callbacks: the calls recorded by the other responses of this turn come in the same read.
      setImmediate(read);
    });
    this.watching = true;
    this.unfollow = () => {
      stopWatching();
      this.watching = false;
      clearTimeout(this.deadlineTimer);
      this.deadlineTimer = undefined;
    };
    this.armDeadlineTimer();
  }

  /** Reads every call recorded since the last read, then releases the waiters whose deadline passed. */
  poll(): void {
    for (;;) {
      const page = this.target.calls(this.nextSeq);
      if (page.length === 0) break;
      for (const record of page) this.accept(record);
      this.nextSeq = page.at(-1)!.seq + 1;
    }
    if (performance.now() >= this.nextDeadlineRealMs) {
      this.expireWaiters();
      this.rearmDeadlineTimer();
    }
  }

  /**
   * Resolves with the visible, non-digest reply to `updateId` in `chatId` recorded at or after
   * `sinceFakeMs`, or undefined once `timeoutRealMs` (the reply deadline in real time) has passed, at the
   * first {@link poll} after it.
   */
  waitForReply(
    chatId: number,
    updateId: number,
    sinceFakeMs: number,
    timeoutRealMs: number,
  ): Promise<ObservedCall | undefined> {
    const previous = this.waiters.get(chatId);
    if (previous !== undefined) {
      this.waiters.delete(chatId);
      previous.resolve(undefined);
    }
    const deadlineRealMs = performance.now() + Math.max(0, timeoutRealMs);
    if (deadlineRealMs < this.nextDeadlineRealMs) {
      this.nextDeadlineRealMs = deadlineRealMs;
      this.rearmDeadlineTimer();
    }
    return new Promise((resolve) => {
      this.waiters.set(chatId, { updateId, sinceFakeMs, deadlineRealMs, resolve });
    });
  }

  /** Stops following the record and releases every waiter (the load is over, or the run is aborting). */
  close(): void {
    this.unfollow?.();
    this.unfollow = undefined;
    const waiting = [...this.waiters.values()];
    this.waiters.clear();
    this.nextDeadlineRealMs = Number.POSITIVE_INFINITY;
    for (const waiter of waiting) waiter.resolve(undefined);
  }

  private expireWaiters(): void {
    const nowRealMs = performance.now();
    let next = Number.POSITIVE_INFINITY;
    for (const [chatId, waiter] of this.waiters) {
      if (waiter.deadlineRealMs <= nowRealMs) {
        this.waiters.delete(chatId);
        waiter.resolve(undefined);
      } else if (waiter.deadlineRealMs < next) next = waiter.deadlineRealMs;
    }
    this.nextDeadlineRealMs = next;
  }

  /**
   * While {@link watching}, one timer for the earliest deadline (no read may come when the bot stays silent).
   * It often fires for a waiter already answered: the sweep then finds the true earliest and arms for it.
   */
  private armDeadlineTimer(): void {
    if (!this.watching || this.deadlineTimer !== undefined || this.nextDeadlineRealMs === Number.POSITIVE_INFINITY) {
      return;
    }
    // A timer may fire a fraction of a millisecond early: the callback arms again when nothing was due yet.
    const inMs = Math.max(1, Math.ceil(this.nextDeadlineRealMs - performance.now()));
    this.deadlineTimer = setTimeout(() => {
      this.deadlineTimer = undefined;
      this.poll();
      this.armDeadlineTimer();
    }, inMs);
  }

  private rearmDeadlineTimer(): void {
    if (!this.watching) return;
    clearTimeout(this.deadlineTimer);
    this.deadlineTimer = undefined;
    this.armDeadlineTimer();
  }

  /** Position of `updateId` in the injected ids (or where it would go). */
  private indexOfUpdate(updateId: number): number {
    let low = 0;
    let high = this.updateIds.length;
    while (low < high) {
      const mid = (low + high) >>> 1;
      if (this.updateIds[mid]! < updateId) low = mid + 1;
      else high = mid;
    }
    return low;
  }

  /** Whether `updateId` is an update this feed saw injected into `chatId`. */
  private isUpdateOf(updateId: number, chatId: number): boolean {
    const at = this.indexOfUpdate(updateId);
    return this.updateIds[at] === updateId && this.updateChats[at] === chatId;
  }

  private accept(record: CallRecord): void {
    const isVisible = record.ok && this.visible.has(record.method);
    const text =
      isVisible && record.chat_id !== null && record.message_id !== null
        ? (this.target.messageText(record.chat_id, record.message_id) ?? null)
        : null;
    const call: ObservedCall = {
      seq: record.seq,
      timeMs: this.toRunMs(record.time_ms),
      method: record.method,
      chatId: record.chat_id,
      ok: record.ok,
      errorCode: record.error_code,
      messageId: record.message_id,
      updateId: record.update_id,
      text,
    };
    this.calls.push(call);
    if (!record.ok) this.failedCalls++;
    if (!isVisible || record.chat_id === null) return;
    if (text?.startsWith(this.conventions.digestPrefix) === true && record.method === 'sendMessage') return;
    this.replies++;
    const waiter = this.waiters.get(record.chat_id);
    if (waiter === undefined || record.time_ms < waiter.sinceFakeMs) return;
    const other =
      record.update_id !== null &&
      record.update_id !== waiter.updateId &&
      this.isUpdateOf(record.update_id, record.chat_id);
    if (other) return;
    this.waiters.delete(record.chat_id);
    this.replyProcessingLags.push([call.timeMs, Math.max(0, this.toRunMs(this.target.nowMs()) - call.timeMs)]);
    waiter.resolve(call);
  }
}
