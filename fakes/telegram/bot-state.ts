import { ChatRegistry, type ChatState } from './chats.ts';
import type { InjectUpdate } from './control-input.ts';
import { FloodControl } from './flood.ts';
import type { ResolvedOptions } from './options.ts';
import { CallRecorder, nowMs } from './recorder.ts';
import type { BotStats } from './records.ts';
import { type UpdateEntry, UpdateStore } from './update-store.ts';
import { WebhookActor, type WebhookConfig, type WebhookHost } from './webhook.ts';

/** Shared by every bot of one fake: update ids increase across bots and resets, like Telegram's. */
export interface UpdateIdSource {
  next: number;
}

/** A callback query the bot has not answered yet. */
interface OpenCallbackQuery {
  updateId: number;
  chatId: number;
  /** The bot message whose button was pressed. */
  messageId: number;
}

/** A callback query the bot answered, and the chat's last update given to the bot at that moment. */
interface AnsweredCallbackQuery {
  updateId: number;
  messageId: number;
  givenThen: number | undefined;
}

/**
 * Everything the fake knows about one bot in one environment (`/bot<token>/` or `/bot<token>/test/`):
 * chats, pending updates, the webhook, flood buckets and the call record.
 *
 * @example
 * const bot = new BotState('123:abc', false, options, { next: 1 });
 * bot.inject({ kind: 'message', user_id: 42, text: 'hi' });
 */
export class BotState implements WebhookHost {
  readonly botId: number;
  /** getMe's result, serialised once. */
  readonly meJson: string;
  /** The bot as `from` of its messages, serialised once. */
  readonly fromJson: string;
  readonly chats: ChatRegistry;
  readonly store: UpdateStore;
  readonly recorder = new CallRecorder();
  readonly flood: FloodControl;
  readonly inFlightByChat = new Map<number, number>();
  /** Open callback queries: id -> the update that carried it, and the message whose button was pressed. */
  readonly callbackQueries = new Map<string, OpenCallbackQuery>();
  /** Per chat, the callback query the bot answered last (see {@link answeredUpdate}). */
  readonly answeredCallbackByChat = new Map<number, AnsweredCallbackQuery>();
  webhook: WebhookActor | undefined;
  /** Where webhook deliveries really go (see `FakeTelegram.routeWebhooks`); undefined = the registered URL. */
  webhookRoute: URL | undefined;
  /** getUpdates requests received, counted on arrival (a long poll's call record is written when it returns). */
  getUpdatesReceived = 0;
  /** Set by the methods module, which owns the method table; avoids an import cycle. */
  executeReply: (body: Record<string, unknown>, entry: UpdateEntry) => void = () => {};
  readonly requestTimeoutRealMs: number;
  readonly backoffStartRealMs: number;
  readonly backoffMaxRealMs: number;
  readonly timeScale: number;
  readonly maxReplyBytes: number;
  readonly webhookClient: ResolvedOptions['webhookClient'];
  private callbackSeq = 0;

  constructor(
    readonly token: string,
    readonly testEnvironment: boolean,
    readonly options: ResolvedOptions,
    private readonly updateIds: UpdateIdSource,
  ) {
    this.botId = Number(token.slice(0, token.indexOf(':')));
    const username = `botcap_${this.botId}_bot`;
    this.meJson = JSON.stringify({
      id: this.botId,
      is_bot: true,
      first_name: options.botFirstName,
      username,
      can_join_groups: true,
      can_read_all_group_messages: false,
      supports_inline_queries: false,
      can_connect_to_business: false,
      has_main_web_app: false,
    });
    this.fromJson = JSON.stringify({ id: this.botId, is_bot: true, first_name: options.botFirstName, username });
    this.timeScale = options.clock.timeScale;
    this.chats = new ChatRegistry(options.messagesKeptPerChat);
    this.store = new UpdateStore(options.updateExpiryMs / this.timeScale);
    this.store.onAdded = (entry) => this.webhook?.enqueue(entry);
    this.flood = new FloodControl(options.floodControl, this.timeScale);
    this.requestTimeoutRealMs = options.webhookTimeoutMs / this.timeScale;
    this.backoffStartRealMs = options.webhookBackoffStartMs / this.timeScale;
    this.backoffMaxRealMs = options.webhookBackoffMaxMs / this.timeScale;
    this.maxReplyBytes = options.maxWebhookReplyBytes;
    this.webhookClient = options.webhookClient;
  }

  nowS(): number {
    return Math.floor(this.options.clock.nowMs() / 1000);
  }

  /**
   * The update a call to `chatId` answers (a call that edits or sends `messageId`): the webhook update in flight,
   * else the callback query the bot answered last when the call edits its message, else the last update polled.
   * A poller fetches a chat's next update while it still handles the last one, so "last polled" is wrong for
   * a handler that answers late: a bot answers a button press and then edits the pressed message, so that
   * edit belongs to the press it answered, as long as the bot was given no newer update of the chat before
   * the answer (after it, an edit without an answer of its own may be the newer update's).
   */
  answeredUpdate(chatId: number, messageId: number): number {
    const inFlight = this.inFlightByChat.get(chatId);
    if (inFlight !== undefined) return inFlight;
    const answered = this.answeredCallbackByChat.get(chatId);
    if (
      answered !== undefined &&
      answered.messageId === messageId &&
      answered.givenThen === this.store.lastGiven.get(chatId)
    ) {
      return answered.updateId;
    }
    return this.store.lastHandedOut.get(chatId) ?? Number.NaN;
  }

  /** answerCallbackQuery's bookkeeping: the query is closed, and its chat's next edit of its message is its reply. */
  answerCallbackQuery(id: string): number | undefined {
    const query = this.callbackQueries.get(id);
    if (query === undefined) return undefined;
    this.callbackQueries.delete(id);
    this.answeredCallbackByChat.set(query.chatId, {
      updateId: query.updateId,
      messageId: query.messageId,
      givenThen: this.store.lastGiven.get(query.chatId),
    });
    return query.updateId;
  }

  /** Builds the Update, makes its user and chat known, and queues it for getUpdates or the webhook. */
  inject(input: InjectUpdate): UpdateEntry {
    // Known users and chats are looked up first: the arguments that would make them cost an object each.
    const user =
      this.chats.users.get(input.user_id) ??
      this.chats.ensureUser({
        id: input.user_id,
        first_name: input.first_name ?? `User ${input.user_id}`,
        username: input.username,
        language_code: input.language_code ?? 'en',
      });
    const chatId = input.chat_id ?? input.user_id;
    const chat =
      this.chats.chats.get(chatId) ??
      this.chats.ensureChat({
        id: chatId,
        type: input.chat_type,
        title: input.chat_title,
        firstName: user.first_name,
        username: user.username,
      });
    const updateId = this.updateIds.next++;
    const date = this.nowS();
    const fromJson = this.chats.userJson(user);
    let json: string;
    let messageId: number;
    let callbackQueryId: string | null = null;
    let textLength = 0;
    if (input.kind === 'callback_query') {
      messageId = input.message_id ?? chat.lastBotMessageId;
      if (messageId === 0) {
        throw new RangeError(
          `message_id: chat ${chat.id} has no bot message yet for a button to sit on; send one first or pass message_id`,
        );
      }
      callbackQueryId = `${this.botId}${++this.callbackSeq}`;
      this.callbackQueries.set(callbackQueryId, { updateId, chatId: chat.id, messageId });
      const stored = chat.messages.get(messageId);
      const markup = stored?.markupJson ? `,"reply_markup":${stored.markupJson}` : '';
      const text = stored === undefined ? '' : `,"text":${JSON.stringify(stored.text)}`;
      const message = `{"message_id":${messageId},"from":${this.fromJson},"chat":${chat.json},"date":${stored?.dateS ?? date}${text}${markup}}`;
      json = `{"update_id":${updateId},"callback_query":{"id":"${callbackQueryId}","from":${fromJson},"message":${message},"chat_instance":"${chatInstance(chat)}","data":${JSON.stringify(input.data)}}}`;
      textLength = input.data.length;
    } else {
      const command = input.kind === 'command' ? `/${input.command.replace(/^\//, '')}` : '';
      const text =
        input.kind === 'command' ? (input.args === undefined ? command : `${command} ${input.args}`) : input.text;
      textLength = text.length;
      messageId = this.chats.addMessage(chat, { text, markupJson: '', fromBot: false, dateS: date, updateId });
      const entities =
        input.kind === 'command' ? `,"entities":[{"offset":0,"length":${command.length},"type":"bot_command"}]` : '';
      json = `{"update_id":${updateId},"message":{"message_id":${messageId},"from":${fromJson},"chat":${chat.json},"date":${date},"text":${JSON.stringify(text)}${entities}}}`;
    }
    const entry: UpdateEntry = {
      update_id: updateId,
      kind: input.kind,
      chat_id: chat.id,
      user_id: user.id,
      message_id: messageId,
      callback_query_id: callbackQueryId,
      text_length: textLength,
      injected_ms: nowMs(),
      intended_ms: input.intended_ms ?? null,
      deliveries: 0,
      webhook_failures: 0,
      confirmed_ms: null,
      dropped: null,
      json,
      accepted: false,
    };
    this.store.add(entry);
    return entry;
  }

  /**
   * Sends webhook deliveries to `origin` from now on, keeping each registered URL's path and query (undefined:
   * to the registered URL). A webhook already set restarts on the new route, as setWebhook restarts it.
   */
  routeWebhook(origin: URL | undefined): void {
    this.webhookRoute = origin;
    const config = this.webhook?.config;
    if (config === undefined) return;
    this.closeWebhook();
    this.webhook = new WebhookActor(this, config);
  }

  /** Deletes the webhook; its undelivered updates stay for getUpdates unless dropped. */
  closeWebhook(): void {
    this.webhook?.close();
    this.webhook = undefined;
  }

  get webhookConfig(): WebhookConfig | undefined {
    return this.webhook?.config;
  }

  stats(): BotStats {
    return {
      bot_id: this.botId,
      test_environment: this.testEnvironment,
      updates_injected: this.store.log.length,
      updates_delivered: this.store.delivered,
      updates_dropped: this.store.dropped,
      pending_update_count: this.store.pending.size,
      long_poll_waiting: this.store.pollWaiting,
      get_updates_received: this.getUpdatesReceived,
      webhook: this.webhook?.stats() ?? null,
      calls: this.recorder.count,
      calls_failed: this.recorder.failed,
      too_many_requests_sent: this.flood.refused,
      redeliveries: this.store.redeliveries,
      known_chats: this.chats.chats.size,
      blocked_users: this.chats.blocked.size,
    };
  }

  /** Stops all activity (webhook, long poll, reply waiters) but keeps the records readable. */
  shutdown(): void {
    this.closeWebhook();
    this.store.cancelPoll();
    this.recorder.cancelWaiters();
  }

  /** Back to a fresh bot: no chats, no updates, no webhook, no records. Update ids keep increasing. */
  reset(): void {
    this.closeWebhook();
    this.store.reset();
    this.chats.clear();
    this.recorder.reset();
    this.flood.reset();
    this.getUpdatesReceived = 0;
    this.inFlightByChat.clear();
    this.callbackQueries.clear();
    this.answeredCallbackByChat.clear();
  }
}

function chatInstance(chat: ChatState): string {
  return String(Math.abs(chat.id * 2654435761) % 2 ** 52);
}
