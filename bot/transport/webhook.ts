import { type Bot, BotError, webhookCallback } from 'grammy';
import type { Logger } from 'pino';
import type { BotConfig } from '../config/index.ts';
import type { BotContext } from '../context.ts';
import type { Route } from '../http/server.ts';
import { sendText } from '../http/server.ts';

/**
 * The webhook route. grammY's `http` adapter checks `X-Telegram-Bot-Api-Secret-Token` (401 when
 * missing or wrong, before the body is read), parses the update and answers once the handler is done,
 * so Telegram's one-request-per-chat delivery paces each chat. Holds no state: any number of instances
 * can serve the same URL behind a load balancer.
 *
 * When a handler outlives `webhookTimeoutMs`: `throw` answers 500 and Telegram redelivers the update
 * (a duplicate reply once the first run finishes); `return` answers 200 and keeps working (the chat's
 * next update may overtake this one). The capacity reports compare both.
 *
 * @example
 * const route = webhookRoute(bot, config, logger); // POST /telegram
 */
export function webhookRoute(bot: Bot<BotContext>, config: BotConfig, logger: Logger): Route {
  const log = logger.child({ component: 'webhook' });
  const { webhookSecret, webhookOnTimeout, webhookTimeoutMs, webhookPath } = config.telegram;
  const handle = webhookCallback(bot, 'http', {
    secretToken: webhookSecret,
    onTimeout: webhookOnTimeout,
    timeoutMilliseconds: webhookTimeoutMs,
  });
  return {
    methods: ['POST'],
    path: webhookPath,
    handler: async (req, res) => {
      try {
        await handle(req, res);
      } catch (error) {
        if (error instanceof BotError) {
          // A handler failed past the error boundary, which has already given the user their ⚠️ reply.
          // Polling (grammY's loop, the runner) hands such errors to bot.catch; webhookCallback rethrows
          // them instead. Treat them alike, and answer 200: a redelivery would only repeat the reply.
          await bot.errorHandler(error);
          if (!res.headersSent) res.end();
          return;
        }
        if (res.headersSent) return;
        if (error instanceof SyntaxError) {
          // Not JSON: a broken client, never Telegram. 400 tells it not to retry.
          sendText(res, 400, 'body is not a JSON update\n');
          return;
        }
        // A timeout with onTimeout "throw": ask for a redelivery, as configured.
        log.warn({ err: error }, 'webhook request failed; Telegram will redeliver');
        sendText(res, 500, 'update not handled\n');
      }
    },
  };
}

/**
 * Registers `url` with Telegram. Done by each instance at start unless `telegram.setWebhook` is off
 * (N instances behind one load balancer: whoever deploys registers the balancer's URL once).
 */
export async function registerWebhook(bot: Bot<BotContext>, config: BotConfig, url: string): Promise<void> {
  await bot.api.setWebhook(url, {
    secret_token: config.telegram.webhookSecret,
    max_connections: config.telegram.webhookMaxConnections,
    allowed_updates: ['message', 'callback_query'],
    drop_pending_updates: false,
  });
}
