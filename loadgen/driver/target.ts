import type { CallRecord, FakeTelegram, InjectUpdate, UpdateRecord } from '../../fakes/telegram/index.ts';

/** One inline button of a bot message. */
export interface InlineButton {
  text: string;
  /** callback_data; buttons without it (URL buttons) cannot be pressed by a VU. */
  data?: string;
}

/** A bot message as a VU sees it: its text and its inline keyboard, flattened. */
export interface BotMessageView {
  messageId: number;
  text: string;
  buttons: InlineButton[];
}

/**
 * What the load generator needs from a Telegram server: inject updates, read the recorded bot calls, and
 * see a bot message's text and keyboard. The fake Telegram provides it in-process
 * ({@link fakeTelegramTarget}); a remote fake's control API could provide the same.
 *
 * @example
 * const target = fakeTelegramTarget(fake, token);
 * target.inject({ kind: 'message', user_id: 42, text: 'привет', intended_ms: target.nowMs() });
 */
export interface TelegramTarget {
  /** The records' clock: real monotonic ms (performance.now on the fake's side). */
  nowMs(): number;
  /**
   * Injects an update the generator built (valid by construction: see FakeTelegram.injectUnchecked). The object
   * becomes the target's: it may set fields on it (the bot's token) rather than copy it.
   */
  inject(update: InjectUpdate): UpdateRecord;
  /** Recorded bot calls with `seq >= sinceSeq`, oldest first. */
  calls(sinceSeq: number): CallRecord[];
  /** How many calls the server has recorded so far: the `seq` its next call gets. */
  callCount(): number;
  /**
   * Calls `watcher` after every call the server records, until the returned function is called: the run reads
   * the record as it grows (CallFeed.follow). Absent where the record can only be polled (a remote server).
   */
  watchCalls?(watcher: () => void): () => void;
  /** The text and keyboard of a message in a chat, if the server still holds it. */
  message(chatId: number, messageId: number): BotMessageView | undefined;
  /** The same message's text alone (no keyboard): read for every reply, so it must be cheap. */
  messageText(chatId: number, messageId: number): string | undefined;
  /** The bot's last message in a chat (the one whose buttons a user would press). */
  lastBotMessage(chatId: number): BotMessageView | undefined;
  /** Webhook redeliveries and 429s the server counted. */
  counters(): { redeliveries: number; floodLimited429: number };
}

/** Calls fetched per read; the recorder pages with since_seq, so nothing is skipped. */
const CALLS_PAGE = 50_000;

/**
 * The in-process fake Telegram as a {@link TelegramTarget} for one bot token.
 *
 * @example
 * const fake = await startFakeTelegram({ timeScale: 50 });
 * const target = fakeTelegramTarget(fake, fake.tokens[0]!);
 */
export function fakeTelegramTarget(fake: FakeTelegram, token: string): TelegramTarget {
  const view = (chatId: number, messageId?: number): BotMessageView | undefined => {
    const stored = fake.message({ chat_id: chatId, message_id: messageId, token });
    if (stored === null) return undefined;
    return { messageId: stored.message_id, text: stored.text, buttons: buttonsOf(stored.reply_markup) };
  };
  return {
    nowMs: () => fake.nowMs(),
    inject: (update) => {
      // The update is the caller's own fresh object (actions.ts builds one per step): naming the bot on it
      // spares a copy per update.
      update.token = token;
      return fake.injectUnchecked(update);
    },
    calls: (sinceSeq) => fake.calls({ token, since_seq: sinceSeq, limit: CALLS_PAGE }),
    callCount: () => fake.stats({ token }).bots[0]?.calls ?? 0,
    watchCalls: (watcher) => fake.watchCalls(watcher, { token }),
    message: (chatId, messageId) => view(chatId, messageId),
    messageText: (chatId, messageId) =>
      fake.messageText({ chat_id: chatId, message_id: messageId, token }) ?? undefined,
    lastBotMessage: (chatId) => view(chatId),
    counters: () => {
      const stats = fake.stats({ token }).bots[0];
      return { redeliveries: stats?.redeliveries ?? 0, floodLimited429: stats?.too_many_requests_sent ?? 0 };
    },
  };
}

/**
 * Flattens an `inline_keyboard` reply_markup (JSON text) into buttons; anything else gives none.
 *
 * @example
 * parseButtons('{"inline_keyboard":[[{"text":"Tech","callback_data":"topic:tech"}]]}') // [{ text: 'Tech', data: 'topic:tech' }]
 */
export function parseButtons(markupJson: string): InlineButton[] {
  if (markupJson === '') return [];
  try {
    return buttonsOf(JSON.parse(markupJson));
  } catch {
    return [];
  }
}

/** Flattens an already parsed reply_markup into buttons; anything but an inline keyboard gives none. */
export function buttonsOf(markup: unknown): InlineButton[] {
  if (markup === null || typeof markup !== 'object') return [];
  const rows = (markup as { inline_keyboard?: unknown }).inline_keyboard;
  if (!Array.isArray(rows)) return [];
  const buttons: InlineButton[] = [];
  for (const row of rows) {
    if (!Array.isArray(row)) continue;
    for (const button of row as Array<{ text?: unknown; callback_data?: unknown }>) {
      if (typeof button.text !== 'string') continue;
      buttons.push(
        typeof button.callback_data === 'string'
          ? { text: button.text, data: button.callback_data }
          : { text: button.text },
      );
    }
  }
  return buttons;
}
