import { Composer } from 'grammy';
import type { BotContext } from '../context.ts';
import { replyOnce } from '../reply.ts';
import { messagesOf } from './profile.ts';

/**
 * What is left after the real handlers: non-text messages (stickers, photos, voice) get a polite answer
 * (every message deserves one reply). Other update kinds (edits, channel posts, membership changes,
 * polls...) are not answered: there is no message to answer, and they are counted as `ignored`.
 *
 * @example
 * bot.use(commandHandlers(s), navigationHandlers(s), conversationHandlers(s), otherUpdateHandlers());
 */
export function otherUpdateHandlers(): Composer<BotContext> {
  // A private chat only: the bot is a personal assistant, and it must not answer every message in a group.
  const composer = new Composer<BotContext>();
  const other = composer.chatType('private');
  other.on('message', (ctx) => replyOnce(ctx, messagesOf(ctx).textOnly));
  return composer;
}
