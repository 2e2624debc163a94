/**
 * The fake Telegram Bot API: a real HTTP server on 127.0.0.1 that any bot runs against unchanged, and
 * whose records are the ground truth for latency, loss and duplicates. See README.md.
 *
 * @example
 * import { startFakeTelegram } from './fakes/telegram/index.ts';
 * const fake = await startFakeTelegram({ timeScale: 100 });
 * const bot = new Bot(fake.tokens[0], { client: { apiRoot: fake.url } });
 */
export { ApiError } from './api-error.ts';
export {
  type BlockInput,
  type ChatInput,
  ControlInputError,
  type InjectUpdate,
  type InjectUpdateInput,
  injectUpdateSchema,
  type MessageQuery,
  type WaitReplyInput,
} from './control-input.ts';
export { type BotSelector, type FakeTelegram, startFakeTelegram } from './fake.ts';
export {
  FAKE_TELEGRAM_DEFAULTS,
  type FakeTelegramOptions,
  type FloodControlOptions,
  type WebhookClientFactory,
} from './options.ts';
export type {
  BotStats,
  CallFilter,
  CallRecord,
  CallSource,
  DropReason,
  FakeTelegramStats,
  MessageRecord,
  UpdateFilter,
  UpdateKind,
  UpdateRecord,
  WebhookInfo,
  WebhookStats,
} from './records.ts';
