import type { BotContext } from '../context.ts';
import type { TelegramProfile } from '../db/users.ts';
import { type Messages, messagesFor } from '../i18n/messages.ts';

/** The user's language catalog: Telegram sends `language_code` with every update, so no DB read is needed. */
export function messagesOf(ctx: BotContext): Messages {
  return messagesFor(ctx.from?.language_code);
}

/** The sender as the `users` table stores it. Handlers registered on messages/callbacks always have `from`. */
export function profileOf(ctx: BotContext): TelegramProfile {
  const from = ctx.from!;
  return {
    userId: from.id,
    chatId: ctx.chat?.id ?? from.id,
    firstName: from.first_name,
    languageCode: from.language_code,
  };
}
