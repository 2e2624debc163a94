/**
 * The reference point of the bot and load-generator benchmarks: a bare grammY bot on `webhookCallback`
 * over node:http, no database, no session, no metrics. It makes the same Bot API calls per update as the
 * reference bot's cheap path (a button press: answerCallbackQuery + editMessageText with a keyboard; a
 * command: sendMessage with a keyboard; a text: one sendMessage), so a ratio against it prices only
 * what the reference bot adds (Postgres sessions, middleware, metrics, the error boundary).
 *
 * Runs as its own process (`node --import tsx bench/echo-bot.ts` with the bot contract's variables), so it
 * gets a core of its own like a `botcap bot` instance; prints `{"echo":"<webhook url>"}` when its webhook
 * is registered.
 */
import { createServer } from 'node:http';
import type { AddressInfo } from 'node:net';
import { fileURLToPath, pathToFileURL } from 'node:url';
import { Bot, InlineKeyboard, webhookCallback } from 'grammy';
import type { ManagedProcess, ProcessSpec } from '../environment/index.ts';

/** Where the echo bot's Bot API is and how it registers its webhook. */
export interface EchoBotOptions {
  token: string;
  telegramApiRoot: string;
  webhookSecret: string;
  /** setWebhook max_connections. Default 40, Telegram's default and the reference bot's. */
  maxConnections?: number;
  /**
   * Answer text messages inside the webhook response (grammY's `canUseWebhookReply`) instead of a
   * sendMessage call: no outgoing request at all, the cheapest a bot can be, so a benchmark of the load
   * generator sees the generator's limit rather than the bot's. Default false.
   */
  webhookReply?: boolean;
  /** Starts the process; pass an `Environment`'s `startProcess` so its teardown (and Ctrl-C) stops the bot too.
   *  Default: a standalone supervised process. */
  start?: (spec: ProcessSpec) => Promise<ManagedProcess>;
}

export const ECHO_BOT_DEFAULTS = { maxConnections: 40, webhookReply: false, readyTimeoutMs: 30_000 } as const;

/** A running echo bot: its process (stop it when done) and the URL it takes updates on. */
export interface EchoBot {
  process: ManagedProcess;
  webhookUrl: string;
}

const READY_LINE = /^\{"echo":/;
const THIS_FILE = fileURLToPath(import.meta.url);

/**
 * Starts the echo bot in a supervised child process (its own process group, killed on stop).
 *
 * @example
 * const echo = await startEchoBot({ token, telegramApiRoot: fake.url, webhookSecret: 'bench' });
 * try { ... } finally { await echo.process.stop(); }
 */
export async function startEchoBot(options: EchoBotOptions): Promise<EchoBot> {
  // Imported here, not at the top: the echo bot's own process must not load the environment modules
  // (pg, testcontainers...), or its RSS would not be a bare bot's.
  const start = options.start ?? (await import('../environment/index.ts')).startProcess;
  const process = await start({
    name: 'echo-bot',
    command: globalThis.process.execPath,
    args: ['--import', import.meta.resolve('tsx'), THIS_FILE],
    env: {
      BOT_TOKEN: options.token,
      TELEGRAM_API_ROOT: options.telegramApiRoot,
      WEBHOOK_SECRET: options.webhookSecret,
      ECHO_MAX_CONNECTIONS: String(options.maxConnections ?? ECHO_BOT_DEFAULTS.maxConnections),
      ECHO_WEBHOOK_REPLY: String(options.webhookReply ?? ECHO_BOT_DEFAULTS.webhookReply),
    },
    secrets: [options.token, options.webhookSecret],
    ready: { kind: 'line', pattern: READY_LINE },
    readyTimeoutMs: ECHO_BOT_DEFAULTS.readyTimeoutMs,
  });
  const line = process.recentOutput().findLast((l) => READY_LINE.test(l));
  if (line === undefined) {
    await process.stop();
    throw new Error('the echo bot printed no ready line');
  }
  return { process, webhookUrl: (JSON.parse(line) as { echo: string }).echo };
}

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
    max_connections: Number(process.env.ECHO_MAX_CONNECTIONS ?? ECHO_BOT_DEFAULTS.maxConnections),
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

if (process.argv[1] !== undefined && import.meta.url === pathToFileURL(process.argv[1]).href) {
  await serveEchoBot();
}
