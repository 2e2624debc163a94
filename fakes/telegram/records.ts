/**
 * What the fake records, as plain JSON. Field names follow the Bot API (snake_case) because the same
 * shapes travel over the control API to load generators in other languages and in-process to ours.
 */

/** What an injected update represents. A command is a message with a `bot_command` entity. */
export type UpdateKind = 'message' | 'command' | 'callback_query';

/** Why an update left the queue without being confirmed by the bot. */
export type DropReason = 'expired' | 'allowed_updates' | 'drop_pending_updates' | 'reset';

/** One injected update and what happened to it. Times are `now_ms` values (real monotonic milliseconds). */
export interface UpdateRecord {
  update_id: number;
  kind: UpdateKind;
  chat_id: number;
  user_id: number;
  /** The user's message id (message, command) or the bot message the button sits on (callback_query). */
  message_id: number;
  callback_query_id: string | null;
  text_length: number;
  injected_ms: number;
  /** When the injector meant the update to happen (coordinated omission); null if it did not say. */
  intended_ms: number | null;
  /** Times handed to the bot (getUpdates results or webhook attempts); above 1 means redelivered. */
  deliveries: number;
  /** Webhook attempts that failed (non-2xx, reset, timeout). */
  webhook_failures: number;
  /** When the bot confirmed it (getUpdates offset past it, or a 2xx webhook answer); null while pending. */
  confirmed_ms: number | null;
  dropped: DropReason | null;
}

/** Where a recorded call came from. */
export type CallSource = 'http' | 'webhook_reply';

/** One Bot API call the bot made, successful or refused. */
export interface CallRecord {
  /** Position in the record, from 0; stable until reset. */
  seq: number;
  time_ms: number;
  /** The method as the fake knows it (canonical case), or as sent when unknown. */
  method: string;
  chat_id: number | null;
  /** Query string plus body bytes. */
  params_bytes: number;
  ok: boolean;
  error_code: number | null;
  /** The message created or edited, when there is one. */
  message_id: number | null;
  text_length: number | null;
  /** The update this call answers when the fake can tell: the webhook update in flight for the chat,
   *  the update whose webhook reply carried the call, or (polling) the last update handed out for the chat. */
  update_id: number | null;
  source: CallSource;
}

/** Filters for recorded calls; all optional and combined with AND. */
export interface CallFilter {
  chat_id?: number;
  method?: string;
  /** Only calls with `time_ms >= since_ms`. */
  since_ms?: number;
  /** Only calls with `seq >= since_seq` (pagination without duplicates). */
  since_seq?: number;
  /** Only successful calls. */
  ok_only?: boolean;
  /** At most this many, oldest first. Default 1000. */
  limit?: number;
}

/** A message the fake still holds (the last `messagesKeptPerChat` per chat): what a user would see. */
export interface MessageRecord {
  chat_id: number;
  message_id: number;
  text: string;
  from_bot: boolean;
  /** Unix seconds on the fake's (scaled) clock. */
  date: number;
  /** The inline keyboard or other markup as sent, parsed; null when none. */
  reply_markup: unknown;
}

/** Filters for injected updates. */
export interface UpdateFilter {
  chat_id?: number;
  since_ms?: number;
  limit?: number;
}

/** Counters for one bot (token and environment). */
export interface BotStats {
  bot_id: number;
  test_environment: boolean;
  updates_injected: number;
  /**
   * Updates the bot took: returned by getUpdates, or answered 2xx by its webhook. Zero while updates wait
   * means nothing gets through (wrong webhook path or secret, a bot that does not poll).
   */
  updates_delivered: number;
  updates_dropped: number;
  pending_update_count: number;
  long_poll_waiting: boolean;
  /**
   * getUpdates requests received, counted as each one arrives: a long poll shows here at once, while its
   * call record is written when it returns (with its outcome, e.g. 409 when another poll ended it).
   */
  get_updates_received: number;
  webhook: WebhookStats | null;
  calls: number;
  calls_failed: number;
  too_many_requests_sent: number;
  /** Deliveries beyond the first, summed over updates (polling and webhook). */
  redeliveries: number;
  known_chats: number;
  blocked_users: number;
}

export interface WebhookStats {
  max_connections: number;
  in_flight: number;
  non_empty_queues: number;
  queued: number;
  deepest_queue: number;
  deliveries: number;
  failures: number;
  /** Failed deliveries by what went wrong, e.g. `{ "Wrong response from the webhook: 404 Not Found": 12 }`. */
  failures_by_reason: Record<string, number>;
  last_error_message: string | null;
}

/** What getWebhookInfo answers: the Bot API's WebhookInfo (optional fields absent when unset). */
export interface WebhookInfo {
  /** The URL the bot registered ('' when none is set). */
  url: string;
  has_custom_certificate: boolean;
  pending_update_count: number;
  /** Unix seconds (simulated clock) of the last failed delivery. */
  last_error_date?: number;
  last_error_message?: string;
  max_connections?: number;
  allowed_updates?: string[];
}

/** Stats of every bot the fake serves, with the fake's clock. */
export interface FakeTelegramStats {
  now_ms: number;
  /** Bot API requests answered 401 because their token is not one of the fake's (a bot with the wrong BOT_TOKEN). */
  unknown_token_requests: number;
  bots: BotStats[];
}
