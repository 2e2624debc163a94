import { Composer } from 'grammy';
import { type BotContext, setStep } from '../context.ts';
import { languageOf } from '../i18n/messages.ts';
import { replyOnce, trimToTelegramLimit } from '../reply.ts';
import type { BotServices } from '../services.ts';
import { parseTimeOfDay } from '../slotting/index.ts';
import { findTopic } from '../topics.ts';
import { chooseDigestTime } from './digest-time.ts';
import { timesKeyboard, topicsKeyboard } from './keyboards.ts';
import { messagesOf } from './profile.ts';

/** Longest name we store; Telegram's own first_name limit. */
const MAX_NAME_LENGTH = 64;

/**
 * Text messages: an answer to the onboarding question in progress (the name, typed or confirmed; the digest
 * time), or else a question for the assistant - the expensive path: Postgres for context, Claude for the answer.
 *
 * @example
 * bot.use(conversationHandlers(services));
 */
export function conversationHandlers(services: BotServices): Composer<BotContext> {
  // A private chat only: the bot is a personal assistant, and it must not answer every message in a group.
  const composer = new Composer<BotContext>();
  const conversation = composer.chatType('private');

  conversation.on('message:text', async (ctx) => {
    const text = ctx.message.text;
    const m = messagesOf(ctx);
    switch (ctx.session.step) {
      // Asked "Shall I call you Ann?", the user may just type the name they want instead of pressing a button.
      case 'confirm-name':
      case 'ask-name': {
        const name = text.trim();
        if (name.length === 0 || name.length > MAX_NAME_LENGTH) {
          await replyOnce(ctx, m.badName);
          return;
        }
        await services.users.setFirstName(ctx.from.id, name, services.clock.nowMs());
        setStep(ctx, 'ask-topic', 'onboarding');
        await replyOnce(ctx, m.askTopic(name), {
          keyboard: topicsKeyboard(languageOf(ctx.from.language_code), 'pick'),
        });
        return;
      }
      case 'ask-time': {
        const minute = parseTimeOfDay(text);
        if (minute === undefined) {
          await replyOnce(ctx, m.badTime, { keyboard: timesKeyboard() });
          return;
        }
        await chooseDigestTime(services, ctx, minute);
        return;
      }
      default:
        await answerQuestion(services, ctx, text);
    }
  });

  return composer;
}

/**
 * One question, one answer: typing indicator, the last `claude.contextTurns` turns from Postgres,
 * the assistant (bulkhead, retries, breaker and fallback live behind it), the reply, then both
 * turns stored for the next question.
 */
async function answerQuestion(services: BotServices, ctx: BotContext, text: string): Promise<void> {
  const { assistant, turns, users, clock, config, logger } = services;
  const userId = ctx.from!.id;
  // Cosmetic: the user sees "typing..." during the seconds Claude takes. Its failure must not cost the answer.
  await ctx.replyWithChatAction('typing').catch((error: unknown) => {
    logger.debug({ err: error, component: 'handlers' }, 'sendChatAction failed');
  });
  // A longer text cannot come from Telegram; from anywhere else it is cut rather than paid for.
  const question = trimToTelegramLimit(text);
  const user = await users.get(userId);
  const history = await turns.lastTurns(userId, config.claude.contextTurns);
  const answer = await assistant.answer({
    userId,
    text: question,
    history,
    topic: findTopic(user?.topic ?? '')?.id,
    languageCode: ctx.from!.language_code,
  });
  // A long answer goes out as several messages (reply.ts): the user reads all of it, the turn stores all of it.
  await replyOnce(ctx, answer.text, { fallback: answer.outcome === 'fallback' });
  // Stored after replying (the user waits for the reply, not for this insert), and only real answers:
  // a fallback is not part of the conversation, and the question will probably be asked again.
  if (answer.outcome === 'ok') {
    await turns.append(
      userId,
      [
        { role: 'user', text: question },
        { role: 'assistant', text: answer.text },
      ],
      clock.nowMs(),
    );
  }
}
