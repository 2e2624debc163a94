import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import { createScaledClock } from '../../common/clock.ts';
import { ConfigError, EnvironmentError } from '../../common/errors.ts';
import { ApiError } from './api-error.ts';
import { BotState, type UpdateIdSource } from './bot-state.ts';
import { handleControlRequest } from './control.ts';
import {
  type BlockInput,
  blockSchema,
  type ChatInput,
  ControlInputError,
  chatSchema,
  type InjectUpdate,
  type InjectUpdateInput,
  injectUpdateSchema,
  type MessageQuery,
  parseInput,
  type WaitReplyInput,
  waitReplySchema,
} from './control-input.ts';
import { executeWebhookReply } from './methods.ts';
import { FAKE_TELEGRAM_DEFAULTS, type FakeTelegramOptions, type ResolvedOptions } from './options.ts';
import { nowMs } from './recorder.ts';
import type {
  CallFilter,
  CallRecord,
  FakeTelegramStats,
  MessageRecord,
  UpdateFilter,
  UpdateRecord,
  WebhookInfo,
} from './records.ts';
import { handleBotRequest, sendReply } from './server.ts';
import { webhookInfoOf } from './update-methods.ts';
import type { UpdateEntry } from './update-store.ts';

/** Which bot a control operation addresses: default the first token, production environment. */
export interface BotSelector {
  token?: string;
  test_environment?: boolean;
}

/**
 * A running fake Telegram Bot API. The same operations as the control API, in-process and typed.
 *
 * @example
 * const fake = await startFakeTelegram({ timeScale: 100 });
 * const bot = new Bot(fake.tokens[0], { client: { apiRoot: fake.url } });
 * fake.inject({ kind: 'command', user_id: 42, command: 'start' });
 * const reply = await fake.waitForReply({ chat_id: 42, timeout_ms: 5_000 });
 * await fake.close();
 */
export interface FakeTelegram {
  /** `http://127.0.0.1:<port>`, no trailing slash (grammY's apiRoot, aiogram's TelegramAPIServer base). */
  readonly url: string;
  readonly port: number;
  readonly tokens: readonly string[];
  readonly options: ResolvedOptions;
  /** The records' clock: real monotonic milliseconds (performance.now). */
  nowMs(): number;
  /** Injects one update; throws {@link ControlInputError} naming the bad field. */
  inject(update: InjectUpdateInput): UpdateRecord;
  /**
   * inject() without checking the update against its schema, for an in-process injector whose updates are
   * valid by construction (the load generator's: user ids and names from its population, texts from its
   * question bank, commands the scenario schema checked, callback data from the bot's own buttons, which the
   * fake refused over 64 bytes when the bot sent them). The check is work done twice on the generator's
   * hottest path: once per simulated update.
   */
  injectUnchecked(update: InjectUpdate): UpdateRecord;
  injectBatch(updates: readonly InjectUpdateInput[]): UpdateRecord[];
  calls(filter?: CallFilter & BotSelector): CallRecord[];
  /**
   * Calls `watcher` synchronously after every call of the bot is recorded, until the returned function is called:
   * an in-process reader reads {@link calls} when the record grows instead of polling it on a timer. The watcher
   * runs inside the bot's request, so it should only note that there is something to read.
   */
  watchCalls(watcher: () => void, selector?: BotSelector): () => void;
  updates(filter?: UpdateFilter & BotSelector): UpdateRecord[];
  /** The first successful reply to a chat at or after `since_ms` (default now); null after `timeout_ms`. */
  waitForReply(input: WaitReplyInput): Promise<CallRecord | null>;
  /** A message the fake holds, with its text and keyboard; default the bot's last one in the chat; null if none. */
  message(query: MessageQuery): MessageRecord | null;
  /**
   * The same message's text alone, without building its record or parsing its keyboard: what an in-process
   * load generator reads for every reply it correlates.
   */
  messageText(query: MessageQuery): string | null;
  /** Marks a user as having blocked the bot (default) or not. */
  setBlocked(input: BlockInput): void;
  /** Makes a chat known without injecting an update (e.g. a group the bot posts to). */
  addChat(input: ChatInput): void;
  stats(selector?: BotSelector): FakeTelegramStats;
  /** What getWebhookInfo answers the bot: the URL it registered ('' if none), pending updates, the last delivery error. */
  webhookInfo(selector?: BotSelector): WebhookInfo;
  /**
   * Delivers every bot's webhook to `origin` (scheme, host, port), keeping the path and query the bot
   * registered - the way DNS and a TLS-terminating load balancer route Telegram's requests to a bot in
   * production, so a bot that registers `https://bot.example.com/hook` is reached at `<origin>/hook` over
   * plain HTTP. getWebhookInfo still shows the registered URL. Undefined delivers to the registered URL again.
   * Throws {@link ControlInputError} for anything but an http(s) origin.
   */
  routeWebhooks(origin: string | undefined): void;
  /** Forgets chats, updates, webhook and records of one bot, or of all when no token is given. */
  reset(selector?: BotSelector): void;
  /** Stops the server, webhooks and long polls; records stay readable through this object. */
  close(): Promise<void>;
}

const TOKEN_SHAPE = /^\d{1,20}:[A-Za-z0-9_-]{1,}$/;

function resolveOptions(options: FakeTelegramOptions): ResolvedOptions {
  const D = FAKE_TELEGRAM_DEFAULTS;
  const tokens = options.tokens ?? [D.token];
  if (tokens.length === 0)
    throw new ConfigError('tokens: give at least one bot token (or omit tokens for the default)');
  tokens.forEach((token, index) => {
    if (!TOKEN_SHAPE.test(token)) {
      throw new ConfigError(`tokens[${index}]: not a bot token; use the shape <digits>:<letters, digits, _ or ->`);
    }
  });
  const messagesKeptPerChat = options.messagesKeptPerChat ?? D.messagesKeptPerChat;
  if (!Number.isSafeInteger(messagesKeptPerChat) || messagesKeptPerChat < 1) {
    throw new ConfigError(
      `messagesKeptPerChat: ${messagesKeptPerChat} is not a positive whole number; give how many messages each chat keeps (default ${D.messagesKeptPerChat})`,
    );
  }
  if (options.webhookClient !== undefined && typeof options.webhookClient !== 'function') {
    throw new ConfigError(
      'webhookClient: expected a function (origin, maxConnections) => undici Dispatcher; omit it for the default Pool',
    );
  }
  const host = options.host ?? D.host;
  return {
    host,
    port: options.port ?? D.port,
    tokens,
    clock: options.clock ?? createScaledClock({ timeScale: options.timeScale ?? D.timeScale }),
    botFirstName: options.botFirstName ?? D.botFirstName,
    floodControl:
      options.floodControl === false
        ? { ...D.floodControl, enabled: false }
        : { ...D.floodControl, ...options.floodControl },
    maxBodyBytes: options.maxBodyBytes ?? D.maxBodyBytes,
    maxUploadBytes: options.maxUploadBytes ?? D.maxUploadBytes,
    webhookTimeoutMs: options.webhookTimeoutMs ?? D.webhookTimeoutMs,
    webhookBackoffStartMs: options.webhookBackoffStartMs ?? D.webhookBackoffStartMs,
    webhookBackoffMaxMs: options.webhookBackoffMaxMs ?? D.webhookBackoffMaxMs,
    updateExpiryMs: options.updateExpiryMs ?? D.updateExpiryMs,
    maxWebhookReplyBytes: options.maxWebhookReplyBytes ?? D.maxWebhookReplyBytes,
    messagesKeptPerChat,
    webhookClient: options.webhookClient,
  };
}

class RunningFake implements FakeTelegram {
  readonly url: string;
  readonly port: number;
  readonly tokens: readonly string[];
  private readonly bots = new Map<string, BotState>();
  private unknownTokenRequests = 0;

  constructor(
    readonly options: ResolvedOptions,
    private readonly server: Server,
  ) {
    this.port = (server.address() as AddressInfo).port;
    this.url = `http://${options.host}:${this.port}`;
    this.tokens = options.tokens;
  }

  /** Creates every bot state (two per token: production and test environment). */
  initBots(): void {
    const updateIds: UpdateIdSource = { next: 1 };
    for (const token of this.options.tokens) {
      for (const test of [false, true]) {
        const bot = new BotState(token, test, this.options, updateIds);
        bot.executeReply = (body, entry: UpdateEntry) => executeWebhookReply(bot, body, entry.update_id);
        this.bots.set(test ? `${token}/test` : token, bot);
      }
    }
  }

  lookup = (routeKey: string): BotState | undefined => {
    const bot = this.bots.get(routeKey);
    if (bot === undefined) this.unknownTokenRequests++;
    return bot;
  };

  private bot(selector: BotSelector = {}): BotState {
    const token = selector.token ?? this.tokens[0]!;
    const bot = this.bots.get(selector.test_environment === true ? `${token}/test` : token);
    if (bot === undefined) {
      throw new ControlInputError(
        "token: not one of this fake's tokens; pass one given in startFakeTelegram({ tokens }) or omit it for the first",
      );
    }
    return bot;
  }

  nowMs(): number {
    return nowMs();
  }

  inject(update: InjectUpdateInput): UpdateRecord {
    return this.injectUnchecked(parseInput(injectUpdateSchema, update, 'inject'));
  }

  injectUnchecked(update: InjectUpdate): UpdateRecord {
    try {
      return toRecord(this.bot(update).inject(update));
    } catch (error) {
      if (error instanceof RangeError) throw new ControlInputError(error.message);
      throw error;
    }
  }

  injectBatch(updates: readonly InjectUpdateInput[]): UpdateRecord[] {
    return updates.map((update) => this.inject(update));
  }

  calls(filter: CallFilter & BotSelector = {}): CallRecord[] {
    return this.bot(filter).recorder.query(filter);
  }

  watchCalls(watcher: () => void, selector: BotSelector = {}): () => void {
    return this.bot(selector).recorder.watch(watcher);
  }

  updates(filter: UpdateFilter & BotSelector = {}): UpdateRecord[] {
    const out: UpdateRecord[] = [];
    const limit = filter.limit ?? 1000;
    for (const entry of this.bot(filter).store.log) {
      if (out.length >= limit) break;
      if (filter.chat_id !== undefined && entry.chat_id !== filter.chat_id) continue;
      if (filter.since_ms !== undefined && entry.injected_ms < filter.since_ms) continue;
      out.push(toRecord(entry));
    }
    return out;
  }

  async waitForReply(input: WaitReplyInput): Promise<CallRecord | null> {
    const valid = parseInput(waitReplySchema, input, 'waitForReply');
    const call = await this.bot(valid).recorder.waitForReply(
      valid.chat_id,
      valid.since_ms ?? nowMs(),
      valid.timeout_ms,
    );
    return call ?? null;
  }

  message(query: MessageQuery): MessageRecord | null {
    const found = this.storedMessage(query);
    if (found === undefined) return null;
    const { messageId, stored } = found;
    return {
      chat_id: query.chat_id,
      message_id: messageId,
      text: stored.text,
      from_bot: stored.fromBot,
      date: stored.dateS,
      reply_markup: stored.markupJson === '' ? null : JSON.parse(stored.markupJson),
    };
  }

  messageText(query: MessageQuery): string | null {
    return this.storedMessage(query)?.stored.text ?? null;
  }

  private storedMessage(query: MessageQuery) {
    if (!Number.isSafeInteger(query.chat_id)) {
      throw new ControlInputError('chat_id: expected the integer id of a chat the fake knows');
    }
    const chat = this.bot(query).chats.chats.get(query.chat_id);
    const messageId = query.message_id ?? chat?.lastBotMessageId ?? 0;
    const stored = chat?.messages.get(messageId);
    return stored === undefined ? undefined : { messageId, stored };
  }

  setBlocked(input: BlockInput): void {
    const valid = parseInput(blockSchema, input, 'setBlocked');
    const bot = this.bot(valid);
    bot.chats.ensureChat({ id: valid.user_id });
    bot.chats.setBlocked(valid.user_id, valid.blocked ?? true);
  }

  addChat(input: ChatInput): void {
    const valid = parseInput(chatSchema, input, 'addChat');
    this.bot(valid).chats.ensureChat({
      id: valid.chat_id,
      type: valid.type,
      title: valid.title,
      firstName: valid.first_name,
    });
  }

  stats(selector: BotSelector = {}): FakeTelegramStats {
    const bots =
      selector.token === undefined && selector.test_environment === undefined
        ? [...this.bots.values()].filter(
            (bot) => !bot.testEnvironment || bot.store.log.length > 0 || bot.recorder.count > 0,
          )
        : [this.bot(selector)];
    return { now_ms: nowMs(), unknown_token_requests: this.unknownTokenRequests, bots: bots.map((bot) => bot.stats()) };
  }

  webhookInfo(selector: BotSelector = {}): WebhookInfo {
    return webhookInfoOf(this.bot(selector));
  }

  routeWebhooks(origin: string | undefined): void {
    let route: URL | undefined;
    if (origin !== undefined) {
      route = URL.canParse(origin) ? new URL(origin) : undefined;
      if (route === undefined || (route.protocol !== 'http:' && route.protocol !== 'https:')) {
        throw new ControlInputError(
          `routeWebhooks: '${origin}' is not an http(s) origin; pass one like http://127.0.0.1:8080`,
        );
      }
    }
    for (const bot of this.bots.values()) bot.routeWebhook(route);
  }

  reset(selector: BotSelector = {}): void {
    if (selector.token !== undefined) {
      this.bot(selector).reset();
      return;
    }
    for (const bot of this.bots.values()) bot.reset();
    this.unknownTokenRequests = 0;
  }

  async close(): Promise<void> {
    for (const bot of this.bots.values()) bot.shutdown();
    await new Promise<void>((resolve) => {
      this.server.close(() => resolve());
      this.server.closeAllConnections();
    });
  }
}

/** The entry's record without its JSON, field by field (a rest copy is several times slower on the inject path). */
function toRecord(entry: UpdateEntry): UpdateRecord {
  return {
    update_id: entry.update_id,
    kind: entry.kind,
    chat_id: entry.chat_id,
    user_id: entry.user_id,
    message_id: entry.message_id,
    callback_query_id: entry.callback_query_id,
    text_length: entry.text_length,
    injected_ms: entry.injected_ms,
    intended_ms: entry.intended_ms,
    deliveries: entry.deliveries,
    webhook_failures: entry.webhook_failures,
    confirmed_ms: entry.confirmed_ms,
    dropped: entry.dropped,
  };
}

/**
 * Starts the fake Telegram Bot API on 127.0.0.1 (port 0 = a free one). Any bot runs against `url`
 * unchanged; the control API lives under `/control/` on the same port.
 *
 * @example
 * const fake = await startFakeTelegram({ timeScale: 100, floodControl: false });
 * console.log(fake.url); // http://127.0.0.1:39123
 */
export async function startFakeTelegram(options: FakeTelegramOptions = {}): Promise<FakeTelegram> {
  const resolved = resolveOptions(options);
  let fake: RunningFake | undefined;
  // Long keep-alive, like Telegram's front end: pollers and senders reuse sockets for minutes.
  const server = createServer({ keepAliveTimeout: 65_000 }, (req: IncomingMessage, res: ServerResponse) => {
    try {
      const url = req.url ?? '/';
      if (fake === undefined) sendReply(res, new ApiError(503, 'Service Unavailable: starting'));
      else if (url.startsWith('/bot')) handleBotRequest(fake.lookup, resolved, req, res, url);
      else if (url.startsWith('/control/')) handleControlRequest(fake, req, res, url);
      else {
        sendReply(res, new ApiError(404, 'Not Found'));
        req.resume();
      }
    } catch {
      // Defence in depth: handlers already answer every client error in the Bot API shape.
      sendReply(res, new ApiError(500, 'Internal Server Error: the fake failed on this request'));
    }
  });
  server.on('clientError', (_error, socket) => {
    if (socket.writable) socket.end('HTTP/1.1 400 Bad Request\r\nConnection: close\r\n\r\n');
    else socket.destroy();
  });
  await new Promise<void>((resolve, reject) => {
    server.once('error', (error: NodeJS.ErrnoException) =>
      reject(
        new EnvironmentError(
          `fake Telegram cannot listen on ${resolved.host}:${resolved.port} (${error.code ?? error.message}); pass port 0 for a free port`,
        ),
      ),
    );
    server.listen(resolved.port, resolved.host, () => resolve());
  });
  fake = new RunningFake(resolved, server);
  fake.initBots();
  return fake;
}
