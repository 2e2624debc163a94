import { type Api, Composer } from 'grammy';
import { type BotContext, setStep } from '../context.ts';
import { COMMAND_NAMES, en, ru } from '../i18n/messages.ts';
import { replyOnce } from '../reply.ts';
import type { BotServices } from '../services.ts';
import { formatTimeOfDay } from '../slotting/index.ts';
import { confirmNameKeyboard, mainMenuKeyboard } from './keyboards.ts';
import { runAction, showSettings } from './navigation.ts';
import { messagesOf, profileOf } from './profile.ts';

/**
 * Slash commands, one handler per name of `COMMAND_NAMES` (unknown ones get a polite answer). `/start` onboards a
 * new user (name, topic, digest time) or welcomes a known one back, resuming paused digests; `/topic`, `/time`,
 * `/pause`, `/resume` and `/settings` do what the settings buttons do; `/stop` is `/pause` by its older name.
 * The system prompt tells Claude about these same commands (a test keeps the two in sync).
 *
 * @example
 * bot.use(commandHandlers(services));
 */
export function commandHandlers(services: BotServices): Composer<BotContext> {
  // A private chat only: the bot is a personal assistant, and it must not answer every message in a group.
  const composer = new Composer<BotContext>();
  const commands = composer.chatType('private');
  const { users, clock } = services;

  commands.command('start', async (ctx) => {
    const m = messagesOf(ctx);
    // Also clears blocked_at: a user who blocked the bot and comes back starts with /start.
    const user = await users.upsertProfile(profileOf(ctx), clock.nowMs());
    const name = user.firstName ?? ctx.from.first_name;
    if (user.onboardedAtMs === null || user.digestMinute === null) {
      setStep(ctx, 'confirm-name', 'onboarding');
      await replyOnce(ctx, m.confirmName(name), { keyboard: confirmNameKeyboard(m) });
      return;
    }
    setStep(ctx, 'idle');
    if (user.digestsPaused) {
      await users.setDigestsPaused(user.userId, false, clock.nowMs());
      await replyOnce(ctx, m.resumed(formatTimeOfDay(user.digestMinute)), { keyboard: mainMenuKeyboard(m) });
      return;
    }
    await replyOnce(ctx, m.welcomeBack(name), { keyboard: mainMenuKeyboard(m) });
  });

  commands.command('stop', async (ctx) => {
    const m = messagesOf(ctx);
    const user = await users.get(ctx.from.id);
    setStep(ctx, 'idle');
    if (!user) {
      await replyOnce(ctx, m.needStart);
      return;
    }
    await users.setDigestsPaused(user.userId, true, clock.nowMs());
    await replyOnce(ctx, m.stopped);
  });

  commands.command('settings', (ctx) => {
    setStep(ctx, 'idle');
    return showSettings(services, ctx);
  });

  // The settings screen's buttons, as commands: the same actions, answered with a new message instead of an edit.
  commands.command('topic', (ctx) => runAction(services, ctx, { type: 'settings-topic' }));
  commands.command('time', (ctx) => runAction(services, ctx, { type: 'settings-time' }));
  commands.command('pause', (ctx) => runAction(services, ctx, { type: 'pause' }));
  commands.command('resume', (ctx) => runAction(services, ctx, { type: 'resume' }));

  commands.command('menu', (ctx) =>
    replyOnce(ctx, messagesOf(ctx).menuTitle, { keyboard: mainMenuKeyboard(messagesOf(ctx)) }),
  );

  commands.command('help', (ctx) =>
    replyOnce(ctx, messagesOf(ctx).help, { keyboard: mainMenuKeyboard(messagesOf(ctx)) }),
  );

  // After every known command: anything else that looks like a command must not reach the assistant.
  commands.on('message::bot_command', (ctx) =>
    replyOnce(ctx, messagesOf(ctx).unknownCommand, { keyboard: mainMenuKeyboard(messagesOf(ctx)) }),
  );

  return composer;
}

/**
 * Tells Telegram the command menu (the "/" button), in English and, for Russian-speaking users, in Russian.
 * Called once at start; Telegram keeps it, so several instances calling it is harmless.
 *
 * @example
 * await publishCommandMenu(bot.api);
 */
export async function publishCommandMenu(api: Api): Promise<void> {
  const menu = (texts: typeof en.commands) =>
    COMMAND_NAMES.map((command) => ({ command, description: texts[command] }));
  await api.setMyCommands(menu(en.commands));
  await api.setMyCommands(menu(ru.commands), { language_code: 'ru' });
}
