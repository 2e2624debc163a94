import type { CallFilter, CallRecord, CallSource } from './records.ts';

/** The fake's clock for records: real monotonic milliseconds (performance.now), exposed as `now_ms`. */
export const nowMs = (): number => performance.now();

const INITIAL_CAPACITY = 4096;
const MAX_METHOD_NAMES = 1024;
const DEFAULT_LIMIT = 1000;
const REPLY_METHOD = /^(send(?!ChatAction)|edit|copyMessage|forwardMessage)/;

interface ReplyWaiter {
  sinceMs: number;
  resolve: (call: CallRecord | undefined) => void;
  timer: NodeJS.Timeout;
}

/**
 * Records every bot call in columns of typed arrays: one call costs a few array stores, no object
 * and no JSON, so recording keeps up with tens of thousands of calls per second. Objects are built
 * only when someone reads the record.
 *
 * @example
 * const recorder = new CallRecorder();
 * recorder.record(recorder.methodId('sendMessage'), 42, 30, 0, 7, 5, NaN, 'http');
 */
/** The name every method past {@link MAX_METHOD_NAMES} is recorded under. */
const OTHER_METHOD = '(other)';

export class CallRecorder {
  private size = 0;
  private time = new Float64Array(INITIAL_CAPACITY);
  private chat = new Float64Array(INITIAL_CAPACITY);
  private method = new Uint16Array(INITIAL_CAPACITY);
  private bytes = new Uint32Array(INITIAL_CAPACITY);
  private status = new Uint16Array(INITIAL_CAPACITY);
  private messageId = new Float64Array(INITIAL_CAPACITY);
  private textLength = new Int32Array(INITIAL_CAPACITY);
  private updateId = new Float64Array(INITIAL_CAPACITY);
  private source = new Uint8Array(INITIAL_CAPACITY);
  private readonly methodNames: string[] = [];
  private readonly methodIds = new Map<string, number>();
  private readonly replyMethod: boolean[] = [];
  private readonly waiters = new Map<number, ReplyWaiter[]>();
  /** Told after every call is recorded (see {@link watch}). */
  private readonly watchers = new Set<() => void>();
  failed = 0;

  /** Interns a method name; names beyond a bound share one id so junk method names cannot grow memory. */
  methodId(name: string): number {
    const known = this.methodIds.get(name);
    if (known !== undefined) return known;
    // '(other)' itself is interned past the bound (once), else this would recurse until the stack overflows.
    if (this.methodNames.length >= MAX_METHOD_NAMES && name !== OTHER_METHOD) return this.methodId(OTHER_METHOD);
    const id = this.methodNames.length;
    this.methodNames.push(name);
    this.replyMethod.push(REPLY_METHOD.test(name));
    this.methodIds.set(name, id);
    return id;
  }

  get count(): number {
    return this.size;
  }

  /**
   * Appends one call. `chatId`, `messageId` and `updateId` use NaN for "none", `textLength` -1;
   * `errorCode` 0 means success. Returns the call's time.
   */
  record(
    methodId: number,
    chatId: number,
    paramsBytes: number,
    errorCode: number,
    messageId: number,
    textLength: number,
    updateId: number,
    source: CallSource,
  ): number {
    if (this.size === this.time.length) this.grow();
    const i = this.size++;
    const at = nowMs();
    this.time[i] = at;
    this.chat[i] = chatId;
    this.method[i] = methodId;
    this.bytes[i] = paramsBytes;
    this.status[i] = errorCode;
    this.messageId[i] = messageId;
    this.textLength[i] = textLength;
    this.updateId[i] = updateId;
    this.source[i] = source === 'http' ? 0 : 1;
    if (errorCode !== 0) this.failed++;
    else if (this.waiters.size > 0 && this.replyMethod[methodId] === true) this.wakeWaiters(i);
    if (this.watchers.size > 0) for (const watcher of this.watchers) watcher();
    return at;
  }

  /**
   * Calls `watcher` synchronously after every call is recorded, until the returned function is called: a reader
   * in the same process reads the record when it grows instead of polling it. The watcher should only note
   * that there is something to read (it runs inside the bot's request).
   */
  watch(watcher: () => void): () => void {
    this.watchers.add(watcher);
    return () => this.watchers.delete(watcher);
  }

  /** Recorded calls matching the filter, oldest first. */
  query(filter: CallFilter = {}): CallRecord[] {
    const limit = filter.limit ?? DEFAULT_LIMIT;
    const methodId = filter.method === undefined ? -1 : (this.methodIds.get(filter.method) ?? -2);
    const out: CallRecord[] = [];
    if (methodId === -2) return out;
    let i = Math.max(filter.since_ms === undefined ? 0 : this.firstAtOrAfter(filter.since_ms), filter.since_seq ?? 0);
    for (; i < this.size && out.length < limit; i++) {
      if (filter.chat_id !== undefined && this.chat[i] !== filter.chat_id) continue;
      if (methodId >= 0 && this.method[i] !== methodId) continue;
      if (filter.ok_only === true && this.status[i] !== 0) continue;
      out.push(this.at(i));
    }
    return out;
  }

  /**
   * Resolves with the first successful reply (a send*, edit*, copy or forward call) to `chatId` at or
   * after `sinceMs`, already recorded or still to come; undefined after `timeoutMs` of real time.
   */
  waitForReply(chatId: number, sinceMs: number, timeoutMs: number): Promise<CallRecord | undefined> {
    const found = this.findReply(chatId, sinceMs);
    if (found !== undefined || timeoutMs <= 0) return Promise.resolve(found);
    return new Promise((resolve) => {
      const list = this.waiters.get(chatId) ?? [];
      const waiter: ReplyWaiter = {
        sinceMs,
        resolve,
        timer: setTimeout(() => {
          const current = this.waiters.get(chatId);
          const index = current?.indexOf(waiter) ?? -1;
          if (current && index >= 0) current.splice(index, 1);
          if (current?.length === 0) this.waiters.delete(chatId);
          resolve(undefined);
        }, timeoutMs),
      };
      list.push(waiter);
      this.waiters.set(chatId, list);
    });
  }

  /** Forgets every call and answers pending waiters with undefined. */
  reset(): void {
    this.size = 0;
    this.failed = 0;
    this.cancelWaiters();
  }

  /** Answers every pending waiter with undefined (the fake is closing); the record stays readable. */
  cancelWaiters(): void {
    for (const list of this.waiters.values()) {
      for (const waiter of list) {
        clearTimeout(waiter.timer);
        waiter.resolve(undefined);
      }
    }
    this.waiters.clear();
  }

  private findReply(chatId: number, sinceMs: number): CallRecord | undefined {
    for (let i = this.firstAtOrAfter(sinceMs); i < this.size; i++) {
      if (this.chat[i] === chatId && this.status[i] === 0 && this.replyMethod[this.method[i]!] === true) {
        return this.at(i);
      }
    }
    return undefined;
  }

  private wakeWaiters(i: number): void {
    const chatId = this.chat[i]!;
    const list = this.waiters.get(chatId);
    if (list === undefined) return;
    const time = this.time[i]!;
    const remaining = list.filter((waiter) => {
      if (time < waiter.sinceMs) return true;
      clearTimeout(waiter.timer);
      waiter.resolve(this.at(i));
      return false;
    });
    if (remaining.length === 0) this.waiters.delete(chatId);
    else this.waiters.set(chatId, remaining);
  }

  /** Binary search: times are non-decreasing because performance.now() is monotonic. */
  private firstAtOrAfter(sinceMs: number): number {
    let low = 0;
    let high = this.size;
    while (low < high) {
      const mid = (low + high) >>> 1;
      if (this.time[mid]! < sinceMs) low = mid + 1;
      else high = mid;
    }
    return low;
  }

  private at(i: number): CallRecord {
    const chat = this.chat[i]!;
    const messageId = this.messageId[i]!;
    const textLength = this.textLength[i]!;
    const updateId = this.updateId[i]!;
    const status = this.status[i]!;
    return {
      seq: i,
      time_ms: this.time[i]!,
      method: this.methodNames[this.method[i]!] ?? '(other)',
      chat_id: Number.isNaN(chat) ? null : chat,
      params_bytes: this.bytes[i]!,
      ok: status === 0,
      error_code: status === 0 ? null : status,
      message_id: Number.isNaN(messageId) ? null : messageId,
      text_length: textLength < 0 ? null : textLength,
      update_id: Number.isNaN(updateId) ? null : updateId,
      source: this.source[i] === 0 ? 'http' : 'webhook_reply',
    };
  }

  private grow(): void {
    const capacity = this.time.length * 2;
    const grow = <T extends Float64Array | Uint16Array | Uint32Array | Int32Array | Uint8Array>(
      old: T,
      make: (n: number) => T,
    ): T => {
      const next = make(capacity);
      next.set(old);
      return next;
    };
    this.time = grow(this.time, (n) => new Float64Array(n));
    this.chat = grow(this.chat, (n) => new Float64Array(n));
    this.method = grow(this.method, (n) => new Uint16Array(n));
    this.bytes = grow(this.bytes, (n) => new Uint32Array(n));
    this.status = grow(this.status, (n) => new Uint16Array(n));
    this.messageId = grow(this.messageId, (n) => new Float64Array(n));
    this.textLength = grow(this.textLength, (n) => new Int32Array(n));
    this.updateId = grow(this.updateId, (n) => new Float64Array(n));
    this.source = grow(this.source, (n) => new Uint8Array(n));
  }
}
