import { type ApiError, ERRORS } from './api-error.ts';
import { nowMs } from './recorder.ts';
import type { DropReason, UpdateKind, UpdateRecord } from './records.ts';

/** An update while the fake holds it: its record plus the serialised JSON sent to the bot. */
export interface UpdateEntry extends UpdateRecord {
  /** The Update object as JSON, serialised once at injection; '' once it has left the queue. */
  json: string;
  /** Whether the bot has taken it once (polled, or answered 2xx); counted once in `delivered`. */
  accepted: boolean;
}

/** The Update types each kind belongs to, for allowed_updates. */
export const UPDATE_TYPE: Record<UpdateKind, string> = {
  message: 'message',
  command: 'message',
  callback_query: 'callback_query',
};

interface PendingPoll {
  limit: number;
  timer: NodeJS.Timeout;
  resolve: (result: UpdateEntry[] | ApiError) => void;
}

/** A long poll in progress; `cancel` forgets it (the client went away) without consuming updates. */
export interface PollHandle {
  result: Promise<UpdateEntry[] | ApiError>;
  cancel: () => void;
}

/**
 * Unconfirmed updates in update_id order (a Map keeps insertion order and deletes in O(1)), plus the
 * single long poll getUpdates allows. Updates stay until confirmed - by an `offset` past them or a 2xx
 * webhook answer - so a poller that dies before confirming gets them again, as with Telegram.
 *
 * @example
 * const store = new UpdateStore(86_400_000);
 * const { result } = store.poll(100, 30_000);
 */
export class UpdateStore {
  readonly pending = new Map<number, UpdateEntry>();
  readonly log: UpdateEntry[] = [];
  /** The last update handed out by getUpdates per chat, to attribute polling replies. */
  readonly lastHandedOut = new Map<number, number>();
  /** The last update given to the bot per chat, by getUpdates or a webhook delivery. */
  readonly lastGiven = new Map<number, number>();
  allowedUpdates: readonly string[] = [];
  redeliveries = 0;
  dropped = 0;
  /** Updates the bot has taken at least once: see {@link markAccepted}. */
  delivered = 0;
  private poller: PendingPoll | undefined;
  /** Called for every accepted update (the webhook actor queues it). */
  onAdded: ((entry: UpdateEntry) => void) | undefined;

  constructor(private readonly expiryRealMs: number) {}

  get pollWaiting(): boolean {
    return this.poller !== undefined;
  }

  /** Queues an update unless allowed_updates excludes its type; returns whether it was queued. */
  add(entry: UpdateEntry): boolean {
    this.log.push(entry);
    if (this.allowedUpdates.length > 0 && !this.allowedUpdates.includes(UPDATE_TYPE[entry.kind])) {
      this.drop(entry, 'allowed_updates');
      return false;
    }
    this.pending.set(entry.update_id, entry);
    this.onAdded?.(entry);
    const poller = this.poller;
    if (poller !== undefined) {
      this.poller = undefined;
      clearTimeout(poller.timer);
      poller.resolve(this.take(poller.limit));
    }
    return true;
  }

  /** getUpdates' offset: a positive one confirms everything below it, a negative one keeps the last |offset|. */
  applyOffset(offset: number): void {
    if (offset > 0) {
      for (const [id, entry] of this.pending) {
        if (id >= offset) break;
        this.confirm(entry);
      }
    } else if (offset < 0) {
      let excess = this.pending.size + offset;
      for (const entry of this.pending.values()) {
        if (excess-- <= 0) break;
        this.confirm(entry);
      }
    }
  }

  /**
   * Starts a getUpdates: answers at once when updates are queued or `timeoutMs` is 0, else holds until
   * one arrives or the timeout passes. A poll already waiting gets 409 "terminated by other getUpdates".
   */
  poll(limit: number, timeoutMs: number): PollHandle {
    // Built only when a poll is waiting: an Error captures a stack trace (~30 µs), and a polling bot calls
    // getUpdates about once per update (built every time, it was 3% of the generator's CPU in 500-concurrent).
    if (this.poller !== undefined) this.cancelPoll(ERRORS.terminatedByOther());
    this.expire();
    if (this.pending.size > 0 || timeoutMs <= 0) {
      return { result: Promise.resolve(this.take(limit)), cancel: () => {} };
    }
    let poller: PendingPoll | undefined;
    const result = new Promise<UpdateEntry[] | ApiError>((resolve) => {
      poller = {
        limit,
        resolve,
        timer: setTimeout(() => {
          if (this.poller === poller) this.poller = undefined;
          resolve([]);
        }, timeoutMs),
      };
      this.poller = poller;
    });
    const cancel = () => {
      if (poller !== undefined && this.poller === poller) {
        clearTimeout(poller.timer);
        this.poller = undefined;
        poller.resolve([]);
      }
    };
    return { result, cancel };
  }

  /** Answers a waiting poll: with an error (409) or, when undefined, with an empty list. */
  cancelPoll(error?: ApiError): void {
    const poller = this.poller;
    if (poller === undefined) return;
    this.poller = undefined;
    clearTimeout(poller.timer);
    poller.resolve(error ?? []);
  }

  /** Confirms one update (delivered and acknowledged). */
  confirm(entry: UpdateEntry): void {
    if (!this.pending.delete(entry.update_id)) return;
    entry.confirmed_ms = nowMs();
    entry.json = '';
  }

  /** Removes one update without delivery. */
  drop(entry: UpdateEntry, reason: DropReason): void {
    this.pending.delete(entry.update_id);
    entry.dropped = reason;
    entry.json = '';
    this.dropped++;
  }

  dropAll(reason: DropReason): void {
    for (const entry of this.pending.values()) this.drop(entry, reason);
  }

  /** Whether an update has outlived the expiry (Telegram keeps undelivered updates for a day). */
  isExpired(entry: UpdateEntry, now = nowMs()): boolean {
    return now - entry.injected_ms > this.expiryRealMs;
  }

  /** The bot took the update (a getUpdates result, or a 2xx webhook answer); counted once per update. */
  markAccepted(entry: UpdateEntry): void {
    if (entry.accepted) return;
    entry.accepted = true;
    this.delivered++;
  }

  /** Counts one hand-out to the bot; a second one is a redelivery. */
  countDelivery(entry: UpdateEntry): void {
    entry.deliveries++;
    if (entry.deliveries > 1) this.redeliveries++;
    this.lastGiven.set(entry.chat_id, entry.update_id);
  }

  private take(limit: number): UpdateEntry[] {
    const out: UpdateEntry[] = [];
    for (const entry of this.pending.values()) {
      if (out.length >= limit) break;
      out.push(entry);
      this.countDelivery(entry);
      this.markAccepted(entry);
      this.lastHandedOut.set(entry.chat_id, entry.update_id);
    }
    return out;
  }

  private expire(): void {
    const now = nowMs();
    for (const entry of this.pending.values()) {
      if (!this.isExpired(entry, now)) break;
      this.drop(entry, 'expired');
    }
  }

  /** Forgets everything (control reset); a waiting poll gets an empty answer. */
  reset(): void {
    this.cancelPoll();
    this.dropAll('reset');
    this.log.length = 0;
    this.lastHandedOut.clear();
    this.lastGiven.clear();
    this.allowedUpdates = [];
    this.redeliveries = 0;
    this.dropped = 0;
    this.delivered = 0;
  }
}
