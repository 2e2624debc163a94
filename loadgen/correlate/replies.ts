import type { ReplyConventions } from '../../scenarios/schema.ts';
import { readReplyPart } from './parts.ts';
import type { InjectedUpdate, ObservedCall } from './types.ts';

/** What became of one update. Latencies are simulated ms from the update's intended time. */
export interface UpdateOutcome {
  update: InjectedUpdate;
  /** Intended time -> first visible output (chat action, answerCallbackQuery, message or edit); undefined if none. */
  firstMs?: number;
  /**
   * Intended time -> the visible reply (the perUpdate-th one) within the deadline; for an answer sent in parts,
   * its last part. Undefined if lost.
   */
  finalMs?: number;
  /** Intended time -> the first part of that reply (equal to `finalMs` for an answer in one message). */
  firstPartMs?: number;
  /** Messages the counted reply came in: 1, or n for an answer split into parts marked (k/n). */
  parts: number;
  /** Visible replies: an answer split into parts counts once. */
  visibleReplies: number;
  lost: boolean;
  fallback: boolean;
  outOfOrder: boolean;
}

/** Reply accounting for a whole run. */
export interface ReplyAccounting {
  outcomes: UpdateOutcome[];
  lostUpdates: number;
  duplicateReplies: number;
  outOfOrderReplies: number;
  fallbackReplies: number;
  /** Visible replies (not digests) to chats with no update before them: the bot spoke unprompted. */
  unsolicitedReplies: number;
  /** Replies that came after the deadline (their update is counted lost). */
  repliesAfterDeadline: number;
  /** Updates whose reply came as a long answer split into several messages. */
  splitReplies: number;
  /** Successful calls that delivered a digest (text starts with the digest prefix). */
  digests: ObservedCall[];
  /** Failed bot calls by kind, e.g. `telegram_429`. */
  errorsByKind: Record<string, number>;
}

/**
 * Correlates recorded bot calls with injected updates and counts what a user would notice: lost updates
 * (no visible reply by the deadline), duplicate replies, replies out of order within a chat, fallback
 * replies. A reply belongs to an update by `reply_parameters.message_id` when the call carries it, else by
 * the fake's own attribution (the update in flight for the chat), else by per-chat order (the latest
 * update injected into the chat before the call - unambiguous because a VU never has two updates
 * outstanding in its chat). A long answer sent as parts marked `(k/n)` (parts.ts) is one reply: its first part
 * counts it (a second copy of part 1 is a duplicate), its last part completes it, and the parts in between
 * are neither duplicates nor unsolicited. Pure: feed it records, get counts.
 *
 * @example
 * const accounting = correlateReplies(updates, calls, scenario.replies);
 * accounting.lostUpdates // 0
 */
export function correlateReplies(
  updates: readonly InjectedUpdate[],
  calls: readonly ObservedCall[],
  conventions: ReplyConventions,
): ReplyAccounting {
  const visible = new Set(conventions.visibleMethods);
  const output = new Set([...conventions.outputMethods, ...conventions.visibleMethods]);
  const index = indexUpdates(updates);
  // Per update, by its index in `updates`: typed arrays, not an object and a list per update.
  const n = updates.length;
  const firstMs = new Float64Array(n).fill(Number.NaN);
  const finals = new Int32Array(n);
  const completeMs = new Float64Array(n).fill(Number.NaN);
  const firstPartMs = new Float64Array(n).fill(Number.NaN);
  // Parts of the counted reply: how many it announced (0 = not split), and the part its completion waits for.
  const partCount = new Int32Array(n);
  const fallback = new Uint8Array(n);
  const outOfOrder = new Uint8Array(n);
  const highestAnswered = new Int32Array(index.chatCount).fill(-1);
  const accounting: ReplyAccounting = {
    outcomes: [],
    lostUpdates: 0,
    duplicateReplies: 0,
    outOfOrderReplies: 0,
    fallbackReplies: 0,
    unsolicitedReplies: 0,
    repliesAfterDeadline: 0,
    splitReplies: 0,
    digests: [],
    errorsByKind: {},
  };

  for (const call of inSeqOrder(calls)) {
    if (!call.ok) {
      const kind = `telegram_${call.errorCode ?? 'error'}`;
      accounting.errorsByKind[kind] = (accounting.errorsByKind[kind] ?? 0) + 1;
      continue;
    }
    if (call.chatId === null || !output.has(call.method)) continue;
    const isVisible = visible.has(call.method);
    if (isVisible && call.method === 'sendMessage' && call.text?.startsWith(conventions.digestPrefix) === true) {
      accounting.digests.push(call);
      continue;
    }
    const chat = index.chatSlot.get(call.chatId);
    const u = chat === undefined ? -1 : attribute(call, chat, index, updates);
    if (u < 0 || chat === undefined) {
      if (isVisible) accounting.unsolicitedReplies++;
      continue;
    }
    if (Number.isNaN(firstMs[u]!)) firstMs[u] = call.timeMs;
    if (!isVisible) continue;
    const part = readReplyPart(call.text);
    if (part !== undefined && part.index > 1) {
      // A later part: it completes the counted reply when it is that reply's last one, and counts as nothing else.
      const counted = finals[u] === conventions.perUpdate && partCount[u] === part.count;
      if (counted && part.index === part.count && Number.isNaN(completeMs[u]!)) completeMs[u] = call.timeMs;
      continue;
    }
    const count = ++finals[u]!;
    if (count === conventions.perUpdate) {
      firstPartMs[u] = call.timeMs;
      partCount[u] = part?.count ?? 0;
      if (part === undefined) completeMs[u] = call.timeMs;
    }
    if (count === 1) {
      const position = index.positionInChat[u]!;
      if (position < highestAnswered[chat]!) outOfOrder[u] = 1;
      else highestAnswered[chat] = position;
      if (call.text?.startsWith(conventions.fallbackPrefix) === true) fallback[u] = 1;
    }
  }

  for (let u = 0; u < n; u++) {
    const update = updates[u]!;
    const complete = completeMs[u]!;
    const answered = !Number.isNaN(complete);
    const inTime = answered && complete - update.intendedMs <= conventions.deadline;
    const outcome: UpdateOutcome = {
      update,
      parts: Math.max(1, partCount[u]!),
      visibleReplies: finals[u]!,
      lost: !inTime,
      fallback: fallback[u] === 1,
      outOfOrder: outOfOrder[u] === 1,
    };
    if (!Number.isNaN(firstMs[u]!)) outcome.firstMs = firstMs[u]! - update.intendedMs;
    if (inTime) {
      outcome.finalMs = complete - update.intendedMs;
      outcome.firstPartMs = firstPartMs[u]! - update.intendedMs;
    } else if (answered) accounting.repliesAfterDeadline++;
    if (partCount[u]! > 0) accounting.splitReplies++;
    if (outcome.lost) accounting.lostUpdates++;
    if (outcome.fallback) accounting.fallbackReplies++;
    if (outcome.outOfOrder) accounting.outOfOrderReplies++;
    accounting.duplicateReplies += Math.max(0, finals[u]! - conventions.perUpdate);
    accounting.outcomes.push(outcome);
  }
  return accounting;
}

/**
 * The updates grouped by chat, in injection order, as index arrays: chat `k`'s updates are
 * `byChat[chatStart[k] .. chatStart[k + 1])`. Two typed arrays and a map of chats, where a map (or two) per
 * chat and an entry per update cost tens of megabytes on a 10,000-user run.
 */
interface UpdateIndex {
  chatCount: number;
  /** Chat id -> chat slot. */
  chatSlot: Map<number, number>;
  chatStart: Int32Array;
  /** Update indices, grouped by chat, each chat in injection order (time, then update id). */
  byChat: Int32Array;
  /** Each update's position in its chat's injection order. */
  positionInChat: Int32Array;
  /** Update indices in update id order, for attribution by id. */
  byUpdateId: Int32Array;
  /** `chatId:messageId` of the users' own messages -> update index; built on the first call that needs it. */
  byMessage: Map<string, number> | undefined;
}

function indexUpdates(updates: readonly InjectedUpdate[]): UpdateIndex {
  const n = updates.length;
  const chatSlot = new Map<number, number>();
  for (const update of updates) if (!chatSlot.has(update.chatId)) chatSlot.set(update.chatId, chatSlot.size);
  const chatCount = chatSlot.size;
  const slotOf = new Int32Array(n);
  const chatStart = new Int32Array(chatCount + 1);
  for (let u = 0; u < n; u++) {
    slotOf[u] = chatSlot.get(updates[u]!.chatId)!;
    chatStart[slotOf[u]! + 1]!++;
  }
  for (let k = 0; k < chatCount; k++) chatStart[k + 1]! += chatStart[k]!;
  const byChat = new Int32Array(n);
  const filled = chatStart.slice(0, chatCount);
  for (let u = 0; u < n; u++) byChat[filled[slotOf[u]!]!++] = u;
  const positionInChat = new Int32Array(n);
  for (let k = 0; k < chatCount; k++) {
    const chat = byChat.subarray(chatStart[k]!, chatStart[k + 1]!);
    chat.sort((a, b) => injectionOrder(updates[a]!, updates[b]!));
    for (let p = 0; p < chat.length; p++) positionInChat[chat[p]!] = p;
  }
  const byUpdateId = Int32Array.from(updates.keys()).sort(
    (a, b) => updates[a]!.updateId - updates[b]!.updateId || a - b,
  );
  return { chatCount, chatSlot, chatStart, byChat, positionInChat, byUpdateId, byMessage: undefined };
}

function injectionOrder(a: InjectedUpdate, b: InjectedUpdate): number {
  return a.injectedMs - b.injectedMs || a.updateId - b.updateId;
}

/** The calls by seq; the feed's calls already are, so usually without a copy. */
function inSeqOrder(calls: readonly ObservedCall[]): readonly ObservedCall[] {
  for (let i = 1; i < calls.length; i++) {
    if (calls[i]!.seq < calls[i - 1]!.seq) return [...calls].sort((a, b) => a.seq - b.seq);
  }
  return calls;
}

/** The update (index) a call in chat slot `chat` answers, or -1. */
function attribute(call: ObservedCall, chat: number, index: UpdateIndex, updates: readonly InjectedUpdate[]): number {
  if (call.replyToMessageId != null) {
    const replied = messageIndex(index, updates).get(`${call.chatId}:${call.replyToMessageId}`);
    if (replied !== undefined) return replied;
  }
  if (call.updateId != null) {
    const attributed = updateWithId(index, updates, call.updateId);
    if (attributed >= 0 && updates[attributed]!.chatId === call.chatId) return attributed;
  }
  return latestBefore(index.byChat.subarray(index.chatStart[chat]!, index.chatStart[chat + 1]!), updates, call.timeMs);
}

/** Only the user's own messages can be replied to; a callback's message id is the bot's message. */
function messageIndex(index: UpdateIndex, updates: readonly InjectedUpdate[]): Map<string, number> {
  if (index.byMessage !== undefined) return index.byMessage;
  const byMessage = new Map<string, number>();
  // Chat by chat in injection order, so a later update with the same message id wins, as it always has.
  for (const u of index.byChat) {
    const update = updates[u]!;
    if (update.kind !== 'callback_query') byMessage.set(`${update.chatId}:${update.messageId}`, u);
  }
  index.byMessage = byMessage;
  return byMessage;
}

/** The update (index) with this id - the last one, should an id repeat - or -1 (binary search over ids). */
function updateWithId(index: UpdateIndex, updates: readonly InjectedUpdate[], updateId: number): number {
  const ids = index.byUpdateId;
  let low = 0;
  let high = ids.length;
  while (low < high) {
    const mid = (low + high) >>> 1;
    if (updates[ids[mid]!]!.updateId <= updateId) low = mid + 1;
    else high = mid;
  }
  return low > 0 && updates[ids[low - 1]!]!.updateId === updateId ? ids[low - 1]! : -1;
}

/** The last update (index) of a chat injected at or before `timeMs`, or -1 (binary search over injection order). */
function latestBefore(chat: Int32Array, updates: readonly InjectedUpdate[], timeMs: number): number {
  let low = 0;
  let high = chat.length;
  while (low < high) {
    const mid = (low + high) >>> 1;
    if (updates[chat[mid]!]!.injectedMs <= timeMs) low = mid + 1;
    else high = mid;
  }
  return low === 0 ? -1 : chat[low - 1]!;
}
