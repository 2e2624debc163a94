/**
 * The echo bot's own process (bench/echo-bot.ts starts it, from this file's bundle): a bare grammY bot on
 * `webhookCallback` over node:http, configured by the bot contract's variables. A module of its own so its
 * bundle holds grammY and node:http only, none of the starter's modules.
 */
import { createServer } from 'node:http';
import type { AddressInfo } from 'node:net';
import { Bot, InlineKeyboard, webhookCallback } from 'grammy';

function requireEnv(name: string): string {
  const value = process.env[name];
  if (value === undefined || value === '') throw new Error(`echo bot: ${name} is not set`);
  return value;
}

async function serveEchoBot(): Promise<void> {
  const token = requireEnv('BOT_TOKEN');
  const secretToken = requireEnv('WEBHOOK_SECRET');
  const webhookReply = process.env.ECHO_WEBHOOK_REPLY === 'true';
  const bot = new Bot(token, {
    client: {
      apiRoot: requireEnv('TELEGRAM_API_ROOT'),
      ...(webhookReply ? { canUseWebhookReply: (method: string) => method === 'sendMessage' } : {}),
    },
  });
  let edits = 0;
  const keyboard = () =>
    new InlineKeyboard().text('Темы', 'tl').text('Настройки', 's').row().text('Помощь', 'h').text('Назад', 'm');
  bot.command(['start', 'menu', 'settings', 'help'], (ctx) => ctx.reply('Меню', { reply_markup: keyboard() }));
  bot.on('callback_query:data', async (ctx) => {
    await ctx.answerCallbackQuery();
    // A counter keeps every edit different: Telegram (and the fake) refuse an edit that changes nothing.
    await ctx.editMessageText(`Раздел ${ctx.callbackQuery.data} #${++edits}`, { reply_markup: keyboard() });
  });
  bot.on('message:text', (ctx) =>
    // allow_sending_without_reply: updates POSTed straight at the webhook name messages the fake never saw.
    ctx.reply(`echo: ${ctx.message.text.slice(0, 50)}`, {
      reply_parameters: { message_id: ctx.message.message_id, allow_sending_without_reply: true },
    }),
  );
  await bot.init();
  const server = createServer(webhookCallback(bot, 'http', { secretToken }));
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const url = `http://127.0.0.1:${(server.address() as AddressInfo).port}/`;
  await bot.api.setWebhook(url, {
    secret_token: secretToken,
    // Set by startEchoBot, with its default.
    max_connections: Number(requireEnv('ECHO_MAX_CONNECTIONS')),
  });
  process.stdout.write(`${JSON.stringify({ echo: url })}\n`);
  const stop = () => {
    server.close(() => process.exit(0));
    // The fake keeps its webhook connections alive; without this close() would wait for them.
    server.closeAllConnections();
  };
  process.once('SIGTERM', stop);
  process.once('SIGINT', stop);
}

await serveEchoBot();
