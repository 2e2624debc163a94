/**
 * Step 4 of 6: webhooks, several instances, each update handled once.
 *
 * Long polling allows one instance per bot. A webhook lets Telegram POST each update to a URL that any number
 * of instances can serve behind a load balancer - if nothing lives in one instance's memory (steps 1-2 put it in
 * PostgreSQL) and if the route is careful:
 * - the secret header is checked before the body is read, the body's size is capped, the update's shape is
 *   checked; every refusal is a 4xx (bot/transport/webhook.ts);
 * - Telegram answers a slow or failed request by delivering the update again, maybe to another instance:
 *   `handleOnce` claims each update_id in PostgreSQL, so the copy is dropped (bot/middleware/handle-once.ts);
 * - the answer's worst case (attempts x timeout + backoff) must end before the webhook timeout, or every slow
 *   answer is delivered twice: `preflight` refuses a config where it does not (bot/config/preflight.ts).
 * The Claude side is steps 2-3 as the reference bot packages them: `createAssistant` (bot/llm).
 *
 * Run it: `npx botcap dev --example 04`; `botcap dev` sets PORT and WEBHOOK_SECRET.
 */
import { Bot } from 'grammy';
import pg from 'pg';
import pino from 'pino';
import { Registry } from 'prom-client';
import { createScaledClock } from '../../common/clock.ts';
import { loadBotConfig } from '../config/index.ts';
import { preflight } from '../config/preflight.ts';
import { BotContext } from '../context.ts';
import { migrate } from '../db/migrate.ts';
import { UpdateLedger } from '../db/update-ledger.ts';
import { startHttpServer } from '../http/server.ts';
import { createAssistant } from '../llm/index.ts';
import { handleOnce } from '../middleware/handle-once.ts';
import { splitForTelegram } from '../reply.ts';
import { registerWebhook, webhookRoute } from '../transport/webhook.ts';

const config = loadBotConfig({ env: process.env, overrides: { telegram: { transport: 'webhook' } } });
const logger = pino({ level: 'warn' });
const { errors } = preflight(config);
const secret = config.telegram.webhookSecret;
if (errors.length > 0 || secret === undefined) {
  throw new Error(`not starting: ${errors.join('; ') || 'set WEBHOOK_SECRET (botcap dev does)'}`);
}

const pool = new pg.Pool({ connectionString: config.database.url, max: 5, connectionTimeoutMillis: 5_000 });
pool.on('error', (error) => logger.warn({ err: error }, 'idle database connection lost'));
await migrate({ databaseUrl: config.database.url, logger });
const clock = createScaledClock();
const assistant = createAssistant({ config, clock, logger, registry: new Registry(), pool });

const bot = new Bot<BotContext>(config.telegram.token, {
  ContextConstructor: BotContext,
  client: { apiRoot: config.telegram.apiRoot },
});

// First: a redelivered update_id is dropped (or waits for the handler still working on it).
bot.use(handleOnce({ ledger: new UpdateLedger(pool, 'example-04'), leaseMs: config.telegram.updateLeaseMs, logger }));

bot.on('message:text', async (ctx) => {
  await ctx.replyWithChatAction('typing');
  const reply = await assistant.answer({
    userId: ctx.from.id,
    text: ctx.message.text,
    history: [],
    languageCode: ctx.from.language_code,
  });
  for (const part of splitForTelegram(reply.text)) await ctx.reply(part);
});

bot.catch((error) => logger.error({ err: error.error }, 'update failed'));
await bot.init(); // getMe: a wrong token fails here, not at the first update

const { webhookHost: host, webhookPort: port, webhookPath } = config.telegram;
const server = await startHttpServer({ host, port, routes: [webhookRoute(bot, config, secret, logger, clock)] });
// Behind a load balancer, whoever deploys registers the balancer's URL once (telegram.setWebhook off).
await registerWebhook(bot, config, `${server.url}${webhookPath}`, secret);

async function stop(): Promise<void> {
  await server.close(5_000); // lets the requests in flight finish
  await assistant.close();
  await pool.end();
}
process.once('SIGTERM', () => void stop());
process.once('SIGINT', () => void stop());

console.log(`ready: step 4, a webhook at ${server.url}${webhookPath}`);
