import { GrammyError, type InlineKeyboard } from 'grammy';
import type { BotContext } from './context.ts';

/** Telegram refuses longer message texts (400 "message is too long"). */
export const TELEGRAM_TEXT_LIMIT = 4096;

/**
 * The end of part `index` of `count` of a long answer. The load generator's correlation reads it
 * (loadgen/correlate/parts.ts), so an answer in three messages counts as one reply, not three.
 *
 * @example
 * partMarker(1, 3) // '\n\n(1/3)'
 */
export const partMarker = (index: number, count: number): string => `\n\n(${index}/${count})`;

/**
 * Cuts a text to Telegram's limit, ending in "…", without cutting an emoji (a surrogate pair) in half. For
 * what must stay one message: an edited screen, a digest, a question we pass to Claude.
 *
 * @example
 * trimToTelegramLimit('x'.repeat(5000)).length // 4096
 */
export function trimToTelegramLimit(text: string, limit = TELEGRAM_TEXT_LIMIT): string {
  if (text.length <= limit) return text;
  const end = safeEnd(text, limit - 1);
  return `${text.slice(0, end)}…`;
}

/**
 * Splits a long answer into messages Telegram accepts, each ending in its part marker: at a paragraph break
 * when there is one in the last quarter of a part, else at a line break, else at a space, else anywhere but
 * inside an emoji. A text within the limit stays one message, unmarked.
 *
 * @example
 * splitForTelegram('short') // ['short']
 * splitForTelegram('word '.repeat(2000)).map((part) => part.slice(-6)) // ['\n(1/3)', '\n(2/3)', '\n(3/3)']
 */
export function splitForTelegram(text: string, limit = TELEGRAM_TEXT_LIMIT): string[] {
  if (text.length <= limit) return [text];
  // Over the limit only by surrounding whitespace: one message, which "(1/1)" would only clutter.
  const trimmed = text.trim();
  if (trimmed.length <= limit) return [trimmed];
  // The marker's length depends on the part count ("(9/9)" vs "(10/10)"): split again until the count holds.
  let count = 2;
  for (;;) {
    const room = limit - partMarker(count, count).length;
    const bodies = cut(text, room);
    if (bodies.length <= count) return bodies.map((body, i) => `${body}${partMarker(i + 1, bodies.length)}`);
    count = bodies.length;
  }
}

/** Pieces of at most `room` characters, at the best break found in the last quarter of each. */
function cut(text: string, room: number): string[] {
  const pieces: string[] = [];
  let rest = text.trim();
  while (rest.length > room) {
    const window = rest.slice(0, room);
    const earliest = Math.floor(room * 0.75);
    const at = [window.lastIndexOf('\n\n'), window.lastIndexOf('\n'), window.lastIndexOf(' ')].find(
      (index) => index >= earliest,
    );
    const end = at ?? safeEnd(rest, room);
    pieces.push(rest.slice(0, end).trimEnd());
    rest = rest.slice(end).trimStart();
  }
  if (rest.length > 0) pieces.push(rest);
  return pieces;
}

/** `end`, or one less when it would cut between the two halves of a surrogate pair (an emoji). */
function safeEnd(text: string, end: number): number {
  const last = text.charCodeAt(end - 1);
  return last >= 0xd800 && last <= 0xdbff ? end - 1 : end;
}

export interface ReplyOptions {
  keyboard?: InlineKeyboard;
  /** Marks the reply as a fallback (its text starts with ⚠️) for metrics. */
  fallback?: boolean;
}

/**
 * The update's one visible reply. A button press edits the message the button sits on (and answers the callback
 * query, which only stops the button's spinner); anything else gets a new message - or, for an answer over
 * Telegram's 4,096 characters, several in a row, each marked "(k/n)", the keyboard on the last. Only the first
 * call per update sends; later calls are ignored, so a handler cannot reply twice.
 *
 * @example
 * await replyOnce(ctx, messages.menuTitle, { keyboard: mainMenu(messages) });
 */
export async function replyOnce(ctx: BotContext, text: string, options: ReplyOptions = {}): Promise<void> {
  if (ctx.replied) return;
  const extra = options.keyboard ? { reply_markup: options.keyboard } : {};
  if (ctx.callbackQuery) {
    await ctx.answerCallbackQuery().catch(() => undefined); // cosmetic: an expired query must not cost the reply
    if (ctx.callbackQuery.message) {
      const edited = await ctx.editMessageText(trimToTelegramLimit(text), extra).then(
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
  const quote =
    quoted === undefined ? {} : { reply_parameters: { message_id: quoted, allow_sending_without_reply: true } };
  const parts = splitForTelegram(text);
  for (const [index, part] of parts.entries()) {
    const last = index === parts.length - 1;
    await ctx.api.sendMessage(chatId, part, { ...(last ? extra : {}), ...quote });
    // Replied once the first part is out: a failure later must not add a ⚠️ message after it.
    markReplied(ctx, options);
  }
}

function markReplied(ctx: BotContext, options: ReplyOptions): void {
  ctx.replied = true;
  ctx.fallback = options.fallback ?? false;
}
