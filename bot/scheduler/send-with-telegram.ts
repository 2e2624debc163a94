import { type Api, GrammyError } from 'grammy';
import { trimToTelegramLimit } from '../reply.ts';

/**
 * Telegram will not deliver to this chat: 403, "bot was blocked by the user" (also "user is deactivated",
 * "bot was kicked"). Retrying cannot help; the sender marks the user instead.
 */
export class RecipientBlockedError extends Error {
  override name = 'RecipientBlockedError';
}

/** Sends one digest text to a chat; throwing means "not delivered". */
export type SendDigest = (chatId: number, text: string) => Promise<void>;

/**
 * How the scheduler sends a digest: one `sendMessage` through the bot's API client (so auto-retry handles
 * Telegram's 429 flood control), trimmed to one message - a digest is written to fit (its format and
 * `claude.digestMaxOutputTokens`), and one update-less message per user is what the load generator counts.
 * A 403 becomes a {@link RecipientBlockedError}.
 *
 * @example
 * createScheduler({ ..., sendDigest: sendDigestWithTelegram(bot.api) });
 */
export function sendDigestWithTelegram(api: Api): SendDigest {
  return async (chatId, text) => {
    try {
      await api.sendMessage(chatId, trimToTelegramLimit(text));
    } catch (error) {
      if (error instanceof GrammyError && error.error_code === 403) throw new RecipientBlockedError(error.description);
      throw error;
    }
  };
}
