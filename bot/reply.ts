import { GrammyError, type InlineKeyboard } from 'grammy';
import type { BotContext } from './context.ts';

/** Telegram refuses longer message texts (400 "message is too long"). */
export const TELEGRAM_TEXT_LIMIT = 4096;

/**
 * Cuts a text to Telegram's limit, ending in "…". Never split into several messages: the load
 * generator relies on one update = one reply. Does not cut a surrogate pair (an emoji) in half.
 *
 * @example
 * trimToTelegramLimit('x'.repeat(5000)).length // 4096
 */
export function trimToTelegramLimit(text: string, limit = TELEGRAM_TEXT_LIMIT): string {
  if (text.length <= limit) return text;
  let end = limit - 1;
  const last = text.charCodeAt(end - 1);
  if (last >= 0xd800 && last <= 0xdbff) end -= 1; // a high surrogate whose pair would be cut off
  return `${text.slice(0, end)}…`;
}

export interface ReplyOptions {
  keyboard?: InlineKeyboard;
  /** Marks the reply as a fallback (its text starts with ⚠️) for metrics. */
  fallback?: boolean;
}

/**
 * The update's one visible reply. A button press edits the message the button sits on (and answers
 * the callback query, which only stops the button's spinner); anything else gets a new message.
 * Only the first call per update sends; later calls are ignored, so a handler cannot reply twice.
 *
 * @example
 * await replyOnce(ctx, messages.menuTitle, { keyboard: mainMenu(messages) });
 */
export async function replyOnce(ctx: BotContext, text: string, options: ReplyOptions = {}): Promise<void> {
  if (ctx.replied) return;
  const body = trimToTelegramLimit(text);
  const extra = options.keyboard ? { reply_markup: options.keyboard } : {};
  if (ctx.callbackQuery) {
    await ctx.answerCallbackQuery().catch(() => undefined); // cosmetic: an expired query must not cost the reply
    if (ctx.callbackQuery.message) {
      const edited = await ctx.editMessageText(body, extra).then(
        () => true,
        (error: unknown) => {
          if (!(error instanceof GrammyError)) throw error;
          // Pressing the button of the screen already shown: the message already says this.
          if (error.description.includes('message is not modified')) return true;
          // Too old to edit, or deleted: answer with a new message instead (still one reply).
          if (/can't be edited|message to edit not found/.test(error.description)) return false;
          throw error;
        },
      );
      if (edited) {
        markReplied(ctx, options);
        return;
      }
    }
  }
  const chatId = ctx.chat?.id ?? ctx.from?.id;
  if (chatId === undefined) return; // nobody to answer (e.g. a poll update)
  // Quote the user's message: the user sees what is answered, and Telegram (or the fake) can tie the reply
  // to its update exactly, even when an earlier reply arrives late.
  const quoted = ctx.callbackQuery ? undefined : ctx.msg?.message_id;
  await ctx.api.sendMessage(chatId, body, {
    ...extra,
    ...(quoted === undefined ? {} : { reply_parameters: { message_id: quoted, allow_sending_without_reply: true } }),
  });
  markReplied(ctx, options);
}

function markReplied(ctx: BotContext, options: ReplyOptions): void {
  ctx.replied = true;
  ctx.fallback = options.fallback ?? false;
}
