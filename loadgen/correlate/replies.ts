import type { ReplyConventions } from '../../scenarios/schema.ts';
import type { InjectedUpdate, ObservedCall } from './types.ts';

/** What became of one update. Latencies are simulated ms from the update's intended time. */
export interface UpdateOutcome {
  update: InjectedUpdate;
  /** Intended time -> first visible output (chat action, answerCallbackQuery, message or edit); undefined if none. */
  firstMs?: number;
  /** Intended time -> the visible reply (the perUpdate-th one) within the deadline; undefined if lost. */
  finalMs?: number;
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
 * outstanding in its chat). Pure: feed it records, get counts.
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
  const chats = groupUpdatesByChat(updates);
  const state = new Map<InjectedUpdate, { first?: number; finals: number[]; fallback: boolean; outOfOrder: boolean }>();
  for (const update of updates) state.set(update, { finals: [], fallback: false, outOfOrder: false });
  const byUpdateId = new Map(updates.map((u) => [u.updateId, u]));
  const highestAnswered = new Map<number, number>();
  const accounting: ReplyAccounting = {
    outcomes: [],
    lostUpdates: 0,
    duplicateReplies: 0,
    outOfOrderReplies: 0,
    fallbackReplies: 0,
    unsolicitedReplies: 0,
    repliesAfterDeadline: 0,
    digests: [],
    errorsByKind: {},
  };

  for (const call of [...calls].sort((a, b) => a.seq - b.seq)) {
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
    const chat = chats.get(call.chatId);
    const update = chat === undefined ? undefined : attribute(call, chat, byUpdateId);
    if (update === undefined || chat === undefined) {
      if (isVisible) accounting.unsolicitedReplies++;
      continue;
    }
    const entry = state.get(update)!;
    if (entry.first === undefined) entry.first = call.timeMs;
    if (!isVisible) continue;
    entry.finals.push(call.timeMs);
    if (entry.finals.length === 1) {
      const position = chat.positions.get(update)!;
      const highest = highestAnswered.get(call.chatId) ?? -1;
      if (position < highest) entry.outOfOrder = true;
      else highestAnswered.set(call.chatId, position);
      if (call.text?.startsWith(conventions.fallbackPrefix) === true) entry.fallback = true;
    }
  }

  for (const update of updates) {
    const entry = state.get(update)!;
    const complete = entry.finals[conventions.perUpdate - 1];
    const inTime = complete !== undefined && complete - update.intendedMs <= conventions.deadline;
    const outcome: UpdateOutcome = {
      update,
      visibleReplies: entry.finals.length,
      lost: !inTime,
      fallback: entry.fallback,
      outOfOrder: entry.outOfOrder,
    };
    if (entry.first !== undefined) outcome.firstMs = entry.first - update.intendedMs;
    if (inTime) outcome.finalMs = complete - update.intendedMs;
    else if (complete !== undefined) accounting.repliesAfterDeadline++;
    if (outcome.lost) accounting.lostUpdates++;
    if (outcome.fallback) accounting.fallbackReplies++;
    if (outcome.outOfOrder) accounting.outOfOrderReplies++;
    accounting.duplicateReplies += Math.max(0, entry.finals.length - conventions.perUpdate);
    accounting.outcomes.push(outcome);
  }
  return accounting;
}

interface ChatUpdates {
  /** In injection order. */
  ordered: InjectedUpdate[];
  positions: Map<InjectedUpdate, number>;
  byMessageId: Map<number, InjectedUpdate>;
}

function groupUpdatesByChat(updates: readonly InjectedUpdate[]): Map<number, ChatUpdates> {
  const chats = new Map<number, ChatUpdates>();
  const sorted = [...updates].sort((a, b) => a.injectedMs - b.injectedMs || a.updateId - b.updateId);
  for (const update of sorted) {
    let chat = chats.get(update.chatId);
    if (chat === undefined) {
      chat = { ordered: [], positions: new Map(), byMessageId: new Map() };
      chats.set(update.chatId, chat);
    }
    chat.positions.set(update, chat.ordered.length);
    chat.ordered.push(update);
    // Only the user's own messages can be replied to; a callback's message id is the bot's message.
    if (update.kind !== 'callback_query') chat.byMessageId.set(update.messageId, update);
  }
  return chats;
}

function attribute(
  call: ObservedCall,
  chat: ChatUpdates,
  byUpdateId: ReadonlyMap<number, InjectedUpdate>,
): InjectedUpdate | undefined {
  if (call.replyToMessageId != null) {
    const replied = chat.byMessageId.get(call.replyToMessageId);
    if (replied !== undefined) return replied;
  }
  if (call.updateId != null) {
    const attributed = byUpdateId.get(call.updateId);
    if (attributed !== undefined && attributed.chatId === call.chatId) return attributed;
  }
  return latestBefore(chat.ordered, call.timeMs);
}

/** The last update injected at or before `timeMs` (binary search over injection order). */
function latestBefore(ordered: readonly InjectedUpdate[], timeMs: number): InjectedUpdate | undefined {
  let low = 0;
  let high = ordered.length;
  while (low < high) {
    const mid = (low + high) >>> 1;
    if (ordered[mid]!.injectedMs <= timeMs) low = mid + 1;
    else high = mid;
  }
  return low === 0 ? undefined : ordered[low - 1];
}
