import { timingSafeEqual } from 'node:crypto';
import type { IncomingMessage, ServerResponse } from 'node:http';
import { type Bot, webhookCallback } from 'grammy';
import type { Update } from 'grammy/types';
import type { Logger } from 'pino';
import { z } from 'zod';
import type { Clock } from '../../common/clock.ts';
import type { BotConfig } from '../config/index.ts';
import { realTimeoutMs } from '../config/real-time.ts';
import type { BotContext } from '../context.ts';
import { type Route, sendText } from '../http/server.ts';

/**
 * The fields of an update the bot reads, checked where the update enters: anything else in the body passes
 * through untouched. A body that is JSON but not an update (`null`, `[]`, a message without a chat) gets 400
 * here instead of a TypeError deep in a handler.
 */
const user = z.looseObject({ id: z.number().int(), is_bot: z.boolean(), first_name: z.string() });
const chat = z.looseObject({ id: z.number().int(), type: z.string() });
const entity = z.looseObject({ type: z.string(), offset: z.number().int(), length: z.number().int() });
const message = z.looseObject({
  message_id: z.number().int(),
  date: z.number().int(),
  chat,
  from: user.optional(),
  text: z.string().optional(),
  entities: z.array(entity).optional(),
});
export const updateSchema = z.looseObject({
  update_id: z.number().int().min(0),
  message: message.optional(),
  edited_message: message.optional(),
  callback_query: z
    .looseObject({
      id: z.string(),
      from: user,
      data: z.string().optional(),
      message: z.looseObject({ message_id: z.number().int(), chat }).optional(),
    })
    .optional(),
});

/** Why a request body was refused, as the status and the line the client gets. */
class BodyRefused extends Error {
  override name = 'BodyRefused';
  constructor(
    readonly status: 400 | 413,
    message: string,
  ) {
    super(message);
  }
}

/**
 * The webhook route, in the order a request meets it:
 * 1. the secret: `X-Telegram-Bot-Api-Secret-Token` must equal ours (constant-time), else 401 before a byte of
 *    the body is read - whoever finds the URL cannot make the bot do anything;
 * 2. the size: a declared `Content-Length` over `telegram.webhookMaxBodyBytes` gets 413 at once, and a body
 *    that grows past it while being read gets 413 then (an update is a few kilobytes: one message of 4,096
 *    characters, its entities and the message it replies to);
 * 3. the shape: JSON, and an update as far as the bot reads one ({@link updateSchema}), else 400;
 * 4. the handler, through grammY's `webhookCallback`, which answers once the handler is done - so Telegram's
 *    one-request-per-chat delivery paces each chat - or applies `webhookOnTimeout` when it is not done in time.
 * Every refusal is a 4xx and closes the connection. Only a handler that outlives `webhookTimeoutMs` with
 * onTimeout `throw` gets 500, on purpose: Telegram then delivers the update again (and middleware/handle-once.ts
 * makes sure it is handled once). `return` answers 200 and keeps working (the chat's next update may overtake
 * this one). Holds no state: any number of instances can serve the same URL behind a load balancer.
 *
 * @example
 * const route = webhookRoute(bot, config, secret, logger, clock); // POST /telegram
 */
export function webhookRoute(
  bot: Bot<BotContext>,
  config: BotConfig,
  secret: string,
  logger: Logger,
  clock: Pick<Clock, 'toRealMs'>,
): Route {
  const log = logger.child({ component: 'webhook' });
  const { webhookOnTimeout, webhookTimeoutMs, webhookPath, webhookMaxBodyBytes } = config.telegram;
  // The secret is checked above, before the body is read; grammY gets the update already parsed.
  const handle = webhookCallback(bot, 'callback', {
    onTimeout: webhookOnTimeout,
    timeoutMilliseconds: realTimeoutMs(webhookTimeoutMs, clock),
  });
  const expected = Buffer.from(secret);
  return {
    methods: ['POST'],
    path: webhookPath,
    handler: async (req, res) => {
      if (!sameSecret(req.headers['x-telegram-bot-api-secret-token'], expected)) {
        refuse(req, res, 401, 'wrong or missing X-Telegram-Bot-Api-Secret-Token\n');
        return;
      }
      let update: Update;
      try {
        update = parseUpdate(await readBody(req, webhookMaxBodyBytes));
      } catch (error) {
        if (!(error instanceof BodyRefused)) throw error;
        refuse(req, res, error.status, `${error.message}\n`);
        return;
      }
      try {
        await handle(update, (json: string) => sendText(res, 200, json, 'application/json'));
        if (!res.headersSent) sendText(res, 200, 'ok\n');
      } catch (error) {
        // The timeout with onTimeout "throw" (every other failure was handed to bot.catch inside the bot).
        log.warn({ err: error, updateId: update.update_id }, 'webhook request failed; Telegram will redeliver');
        if (!res.headersSent) sendText(res, 500, 'update not handled in time\n');
      }
    },
  };
}

function sameSecret(header: string | string[] | undefined, expected: Buffer): boolean {
  if (typeof header !== 'string') return false;
  const given = Buffer.from(header);
  return given.length === expected.length && timingSafeEqual(given, expected);
}

/** Reads at most `maxBytes`, refusing a longer body as soon as it is known to be longer (413). */
async function readBody(req: IncomingMessage, maxBytes: number): Promise<Buffer> {
  const declared = Number(req.headers['content-length']);
  if (declared > maxBytes)
    throw new BodyRefused(413, `an update is at most ${maxBytes} bytes, this one declares ${declared}`);
  const chunks: Buffer[] = [];
  let length = 0;
  for await (const chunk of req as AsyncIterable<Buffer>) {
    length += chunk.length;
    if (length > maxBytes) throw new BodyRefused(413, `an update is at most ${maxBytes} bytes`);
    chunks.push(chunk);
  }
  return Buffer.concat(chunks);
}

function parseUpdate(body: Buffer): Update {
  let json: unknown;
  try {
    json = JSON.parse(body.toString('utf8'));
  } catch {
    throw new BodyRefused(400, 'the body is not JSON');
  }
  const parsed = updateSchema.safeParse(json);
  if (!parsed.success) {
    const issue = parsed.error.issues[0]!;
    throw new BodyRefused(400, `not a Telegram update: ${issue.path.join('.') || 'body'}: ${issue.message}`);
  }
  return parsed.data as Update;
}

/**
 * Answers a refused request and closes its connection, so the rest of an unwanted upload is not read: the
 * client gets the status, then the socket ends (Node discards what is still arriving meanwhile).
 */
function refuse(req: IncomingMessage, res: ServerResponse, status: number, text: string): void {
  res.setHeader('Connection', 'close');
  sendText(res, status, text);
  req.resume();
}

/**
 * Registers `url` with Telegram. Done by each instance at start unless `telegram.setWebhook` is off
 * (N instances behind one load balancer: whoever deploys registers the balancer's URL once).
 */
export async function registerWebhook(
  bot: Bot<BotContext>,
  config: BotConfig,
  url: string,
  secret: string,
): Promise<void> {
  await bot.api.setWebhook(url, {
    secret_token: secret,
    max_connections: config.telegram.webhookMaxConnections,
    allowed_updates: ['message', 'callback_query'],
    drop_pending_updates: false,
  });
}
