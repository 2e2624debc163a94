import { Composer } from 'grammy';
import { type BotContext, setStep } from '../context.ts';
import { languageOf } from '../i18n/messages.ts';
import { replyOnce } from '../reply.ts';
import type { BotServices } from '../services.ts';
import { formatTimeOfDay } from '../slotting/index.ts';
import { findTopic } from '../topics.ts';
import { type Action, parseAction } from './callback-data.ts';
import { chooseDigestTime } from './digest-time.ts';
import {
  backToMenuKeyboard,
  mainMenuKeyboard,
  settingsKeyboard,
  timesKeyboard,
  topicCardKeyboard,
  topicsKeyboard,
} from './keyboards.ts';
import { messagesOf } from './profile.ts';

/**
 * Button presses: onboarding answers, menus, topic browsing and settings. This is the cheap path:
 * a small query or two and an edit of the message the button sits on, never an LLM call.
 *
 * @example
 * bot.use(navigationHandlers(services));
 */
export function navigationHandlers(services: BotServices): Composer<BotContext> {
  const navigation = new Composer<BotContext>();
  navigation.on('callback_query:data', async (ctx) => {
    const action = parseAction(ctx.callbackQuery.data);
    if (!action) {
      const m = messagesOf(ctx);
      await replyOnce(ctx, m.staleButton, { keyboard: mainMenuKeyboard(m) });
      return;
    }
    await runAction(services, ctx, action);
  });
  // Buttons from inline mode or games carry no data: nothing to do, but stop the spinner.
  navigation.on('callback_query', (ctx) => ctx.answerCallbackQuery());
  return navigation;
}

/**
 * Does what a button (or its command: /topic, /time, /pause, /resume) asks, and replies with the next screen.
 *
 * @example
 * await runAction(services, ctx, { type: 'settings-topic' });
 */
export async function runAction(services: BotServices, ctx: BotContext, action: Action): Promise<void> {
  const { users, clock } = services;
  const m = messagesOf(ctx);
  const lang = languageOf(ctx.from?.language_code);
  const userId = ctx.from!.id;
  switch (action.type) {
    case 'name-ok': {
      const user = await users.get(userId);
      setStep(ctx, 'ask-topic', 'onboarding');
      await replyOnce(ctx, m.askTopic(user?.firstName ?? ctx.from!.first_name), {
        keyboard: topicsKeyboard(lang, 'pick'),
      });
      return;
    }
    case 'name-change':
      setStep(ctx, 'ask-name', 'onboarding');
      await replyOnce(ctx, m.askName);
      return;
    case 'topic-pick': {
      const topic = findTopic(action.topicId)!;
      await users.setTopic(userId, topic.id, clock.nowMs());
      if (ctx.session.step === 'ask-topic' && ctx.session.flow === 'onboarding') {
        setStep(ctx, 'ask-time', 'onboarding');
        await replyOnce(ctx, m.askTime(topic.title[lang]), { keyboard: timesKeyboard() });
        return;
      }
      setStep(ctx, 'idle');
      await replyOnce(ctx, m.topicSet(topic.title[lang]), { keyboard: mainMenuKeyboard(m) });
      return;
    }
    case 'time':
      await chooseDigestTime(services, ctx, action.minute);
      return;
    case 'menu':
      await replyOnce(ctx, m.menuTitle, { keyboard: mainMenuKeyboard(m) });
      return;
    case 'topics':
      await replyOnce(ctx, m.topicsTitle, { keyboard: topicsKeyboard(lang, 'view', m) });
      return;
    case 'topic-view':
    case 'topic-set': {
      const topic = findTopic(action.topicId)!;
      if (action.type === 'topic-set') await users.setTopic(userId, topic.id, clock.nowMs());
      const isMine = action.type === 'topic-set' || (await users.get(userId))?.topic === topic.id;
      const title = `${topic.emoji} ${topic.title[lang]}`;
      await replyOnce(ctx, m.topicCard(title, topic.blurb[lang], isMine), {
        keyboard: topicCardKeyboard(m, topic.id, isMine),
      });
      return;
    }
    case 'settings':
      await showSettings(services, ctx);
      return;
    case 'settings-topic': {
      const user = await users.get(userId);
      if (!user) {
        // /topic before /start: there is no row to store a topic in.
        await replyOnce(ctx, m.needStart);
        return;
      }
      setStep(ctx, 'ask-topic', 'settings');
      await replyOnce(ctx, m.askTopic(user.firstName ?? ctx.from!.first_name), {
        keyboard: topicsKeyboard(lang, 'pick'),
      });
      return;
    }
    case 'settings-time': {
      const topic = findTopic((await users.get(userId))?.topic ?? '');
      setStep(ctx, 'ask-time', 'settings');
      await replyOnce(ctx, m.askTime(topic ? topic.title[lang] : m.notSet), { keyboard: timesKeyboard() });
      return;
    }
    case 'pause':
    case 'resume':
      await users.setDigestsPaused(userId, action.type === 'pause', clock.nowMs());
      await showSettings(services, ctx);
      return;
    case 'help':
      await replyOnce(ctx, m.help, { keyboard: backToMenuKeyboard(m) });
      return;
  }
}

/** The settings screen: the user's topic and digest time, with buttons to change them. */
export async function showSettings(services: BotServices, ctx: BotContext): Promise<void> {
  const m = messagesOf(ctx);
  const user = await services.users.get(ctx.from!.id);
  if (!user || user.digestMinute === null) {
    await replyOnce(ctx, m.needStart);
    return;
  }
  const topic = user.topic ? findTopic(user.topic) : undefined;
  const topicTitle = topic ? `${topic.emoji} ${topic.title[languageOf(ctx.from?.language_code)]}` : m.notSet;
  await replyOnce(ctx, m.settings(topicTitle, `${formatTimeOfDay(user.digestMinute)} UTC`, user.digestsPaused), {
    keyboard: settingsKeyboard(m, user.digestsPaused),
  });
}
