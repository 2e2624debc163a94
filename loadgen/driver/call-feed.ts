import type { CallRecord } from '../../fakes/telegram/index.ts';
import type { ReplyConventions } from '../../scenarios/schema.ts';
import type { ObservedCall } from '../correlate/types.ts';
import type { TelegramTarget } from './target.ts';

interface Waiter {
  updateId: number;
  sinceFakeMs: number;
  resolve: (call: ObservedCall | undefined) => void;
  timer: NodeJS.Timeout;
}

/**
 * Reads the fake's call record as it grows, converts each call once to the run's axis (with the message
 * text, so fallbacks and digests can be told apart), keeps them for the final correlation and wakes the
 * VU waiting in that chat. One reader for all VUs: reading the in-process record is a few array reads,
 * so a short poll interval costs nothing and the VUs never poll themselves.
 *
 * @example
 * const feed = new CallFeed(target, (fakeMs) => (fakeMs - startFakeMs) * timeScale, scenario.replies);
 * const reply = await feed.waitForReply(chatId, record.update_id, record.injected_ms, 30_000);
 */
export class CallFeed {
  readonly calls: ObservedCall[] = [];
  private nextSeq = 0;
  private readonly visible: ReadonlySet<string>;
  private readonly waiters = new Map<number, Waiter>();
  /** Update ids injected per chat: a reply the fake attributes to another of them is not this update's. */
  private readonly chatUpdates = new Map<number, Set<number>>();
  /** Live counters for progress events. */
  replies = 0;
  failedCalls = 0;

  constructor(
    private readonly target: TelegramTarget,
    private readonly toRunMs: (fakeMs: number) => number,
    private readonly conventions: ReplyConventions,
  ) {
    this.visible = new Set(conventions.visibleMethods);
  }

  /** Remembers an injected update of a chat (call before waiting). */
  noteUpdate(chatId: number, updateId: number): void {
    let ids = this.chatUpdates.get(chatId);
    if (ids === undefined) {
      ids = new Set();
      this.chatUpdates.set(chatId, ids);
    }
    ids.add(updateId);
  }

  /** Reads every call recorded since the last read. */
  poll(): void {
    for (;;) {
      const page = this.target.calls(this.nextSeq);
      if (page.length === 0) return;
      for (const record of page) this.accept(record);
      this.nextSeq = page.at(-1)!.seq + 1;
    }
  }

  /**
   * Resolves with the visible, non-digest reply to `updateId` in `chatId` recorded at or after
   * `sinceFakeMs`, or undefined after `timeoutRealMs` (the reply deadline in real time).
   */
  waitForReply(
    chatId: number,
    updateId: number,
    sinceFakeMs: number,
    timeoutRealMs: number,
  ): Promise<ObservedCall | undefined> {
    this.waiters.get(chatId)?.resolve(undefined);
    return new Promise((resolve) => {
      const waiter: Waiter = {
        updateId,
        sinceFakeMs,
        resolve: (call) => {
          clearTimeout(waiter.timer);
          if (this.waiters.get(chatId) === waiter) this.waiters.delete(chatId);
          resolve(call);
        },
        timer: setTimeout(() => waiter.resolve(undefined), Math.max(0, timeoutRealMs)),
      };
      this.waiters.set(chatId, waiter);
    });
  }

  /** Releases every waiter (the run is aborting). */
  close(): void {
    for (const waiter of [...this.waiters.values()]) waiter.resolve(undefined);
  }

  private accept(record: CallRecord): void {
    const isVisible = record.ok && this.visible.has(record.method);
    const text =
      isVisible && record.chat_id !== null && record.message_id !== null
        ? (this.target.message(record.chat_id, record.message_id)?.text ?? null)
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
      this.chatUpdates.get(record.chat_id)?.has(record.update_id) === true;
    if (!other) waiter.resolve(call);
  }
}
