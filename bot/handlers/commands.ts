import { Composer } from 'grammy';
import type { BotContext } from '../context.ts';
import { replyOnce } from '../reply.ts';
import type { BotServices } from '../services.ts';
import { formatTimeOfDay } from '../slotting/index.ts';
import { confirmNameKeyboard, mainMenuKeyboard } from './keyboards.ts';
import { showSettings } from './navigation.ts';
import { messagesOf, profileOf } from './profile.ts';

/**
 * Slash commands (unknown ones get a polite answer). `/start` onboards a new user (name, topic, digest time) or welcomes a known one
 * back, resuming paused digests; `/stop` pauses digests; `/settings`, `/menu` and `/help` open screens.
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
    const user = await users.upsertProfile(profileOf(ctx), clock.nowMs());
    const name = user.firstName ?? ctx.from.first_name;
    if (user.onboardedAtMs === null || user.digestMinute === null) {
      ctx.session = { step: 'confirm-name', flow: 'onboarding' };
      await replyOnce(ctx, m.confirmName(name), { keyboard: confirmNameKeyboard(m) });
      return;
    }
    ctx.session = { step: 'idle' };
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
    ctx.session = { step: 'idle' };
    if (!user) {
      await replyOnce(ctx, m.needStart);
      return;
    }
    await users.setDigestsPaused(user.userId, true, clock.nowMs());
    await replyOnce(ctx, m.stopped);
  });

  commands.command('settings', (ctx) => {
    ctx.session = { step: 'idle' };
    return showSettings(services, ctx);
  });

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
