import type { Dispatcher } from 'undici';
import type { Clock } from '../../common/clock.ts';

/** Per-bucket flood limits; rates are in simulated time and run `timeScale` times faster in real time. */
export interface FloodControlOptions {
  /** Whether sending methods can answer 429 at all. Default true (Telegram always limits). */
  enabled?: boolean;
  /** Messages per second to one private chat. Default 1. */
  privateChatPerS?: number;
  /** Short burst allowed to one private chat before the rate applies. Default 3. */
  privateChatBurst?: number;
  /** Messages per minute to one group or supergroup. Default 20. */
  groupPerMin?: number;
  /** Burst allowed to one group. Default 20 (the whole minute's budget at once). */
  groupBurst?: number;
  /** Messages per second for the bot across all chats. Default 30. */
  globalPerS?: number;
  /** Burst for the whole bot. Default 30. */
  globalBurst?: number;
}

/**
 * Makes the HTTP client one webhook delivers with, from the origin its requests go to and setWebhook's
 * max_connections. The fake owns what it returns and ends it when the webhook is deleted, changes its
 * max_connections or the fake closes, then asks for a new one: return a fresh client on each call.
 */
export type WebhookClientFactory = (origin: string, maxConnections: number) => Dispatcher;

/**
 * Options of {@link startFakeTelegram}. Every field is optional; defaults live in {@link FAKE_TELEGRAM_DEFAULTS}.
 *
 * @example
 * const fake = await startFakeTelegram({ tokens: ['123456:ABCDEFGHIJKLMNOPQRSTUVWXYZ'], timeScale: 100 });
 */
export interface FakeTelegramOptions {
  /** Interface to bind. Default `127.0.0.1` (never a public interface). */
  host?: string;
  /** Port; 0 picks a free one. Default 0. */
  port?: number;
  /** Bot tokens the fake knows; any other well-formed token gets 401. Default one test token. */
  tokens?: readonly string[];
  /** Simulated seconds per real second: webhook timeouts, backoffs, expiry and flood buckets run this much faster. Default 1. */
  timeScale?: number;
  /** Clock for message `date` fields and scaled waits; overrides `timeScale` when given. Default a scaled clock. */
  clock?: Clock;
  /** Bot's first name in getMe and in `from` of its messages. Default `botcap fake bot`. */
  botFirstName?: string;
  /** Flood control; `false` turns it off. Default on with Telegram's approximate numbers. */
  floodControl?: FloodControlOptions | false;
  /** Largest request body accepted (JSON, urlencoded); larger ones get 413. Default 2 MiB. */
  maxBodyBytes?: number;
  /** Largest multipart/form-data body (a file upload: sendDocument, sendPhoto...); larger ones get 413. Default 50 MB, the Bot API's limit for bots. */
  maxUploadBytes?: number;
  /** How long (simulated) a webhook request may take before it counts as failed. Default 60 s. */
  webhookTimeoutMs?: number;
  /** First retry delay (simulated) after a failed webhook delivery; doubles per failure. Default 2 s. */
  webhookBackoffStartMs?: number;
  /** Largest retry delay (simulated) between webhook attempts. Default 60 s. */
  webhookBackoffMaxMs?: number;
  /** Undelivered updates older than this (simulated) are dropped, as Telegram drops them after a day. Default 24 h. */
  updateExpiryMs?: number;
  /** Largest webhook reply body read (a `{method,...}` answer). Default 1 MiB. */
  maxWebhookReplyBytes?: number;
  /**
   * Messages kept per chat (the last this many ids, the users' and the bot's) for replies, edits, deletes and
   * callback queries; older ones are forgotten, as "message to edit not found". Default 1000.
   */
  messagesKeptPerChat?: number;
  /**
   * The client webhook deliveries go through. Default an undici Pool of max_connections keep-alive
   * connections, as Telegram holds them open. Another dispatcher (an in-process bot, undici's MockAgent) prices
   * or tests the fake's own delivery work without sockets.
   */
  webhookClient?: WebhookClientFactory;
}

/** The one place where the fake's defaults are written; code, README and CLI read them from here. */
export const FAKE_TELEGRAM_DEFAULTS = {
  host: '127.0.0.1',
  port: 0,
  token: '123456:TEST-botcap-fake-token-0000000000',
  timeScale: 1,
  botFirstName: 'botcap fake bot',
  floodControl: {
    enabled: true,
    privateChatPerS: 1,
    privateChatBurst: 3,
    groupPerMin: 20,
    groupBurst: 20,
    globalPerS: 30,
    globalBurst: 30,
  },
  maxBodyBytes: 2 * 1024 * 1024,
  maxUploadBytes: 50 * 1000 * 1000,
  webhookTimeoutMs: 60_000,
  webhookBackoffStartMs: 2_000,
  webhookBackoffMaxMs: 60_000,
  updateExpiryMs: 24 * 3600_000,
  maxWebhookReplyBytes: 1024 * 1024,
  messagesKeptPerChat: 1000,
  /** Bot API clamps for getUpdates and setWebhook. */
  getUpdatesLimitMax: 100,
  getUpdatesTimeoutMaxS: 50,
  maxConnectionsDefault: 40,
  maxConnectionsMax: 100,
  messageTextMaxChars: 4096,
} as const;

/** Options with every default applied; inner code takes this and never re-reads a default. */
export interface ResolvedOptions {
  host: string;
  port: number;
  tokens: readonly string[];
  clock: Clock;
  botFirstName: string;
  floodControl: Required<FloodControlOptions>;
  maxBodyBytes: number;
  maxUploadBytes: number;
  webhookTimeoutMs: number;
  webhookBackoffStartMs: number;
  webhookBackoffMaxMs: number;
  updateExpiryMs: number;
  maxWebhookReplyBytes: number;
  messagesKeptPerChat: number;
  /** Undefined: the actor's own undici Pool. */
  webhookClient: WebhookClientFactory | undefined;
}
