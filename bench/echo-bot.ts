import type { ManagedProcess, ProcessSpec } from '../environment/index.ts';
import { bundledEntry } from './bundled.ts';

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
    args: [await bundledEntry('bench/echo-bot-serve.ts')],
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
