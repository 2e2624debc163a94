/**
 * Step 5 of 6: a daily digest, sent once per user however many instances run.
 *
 * "Every minute, find who is due and send" is right with one instance and sends duplicates with two: both
 * scan, both find the same users. The reference bot's default is a job queue in PostgreSQL, as pg-boss and
 * graphile-worker do it (bot/scheduler/skip-locked.ts): every tick, every instance
 * 1. inserts a job per due user and day - UNIQUE(user_id, send_date) makes it one job however many insert it;
 * 2. claims a few with FOR UPDATE SKIP LOCKED - rows another instance claimed are skipped, not waited for;
 * 3. sends each, then marks it done. A claim not done within its lease is claimed again (its instance died).
 * A user who blocked the bot makes Telegram answer 403: they are marked and left out, not retried every tick.
 *
 * Run it: `npx botcap dev --example 05`; send /start (for the demo your digest is due this very minute) and
 * the digest arrives at the next tick. Run two copies against one database: each digest still goes once.
 */
import { Bot } from 'grammy';
import pg from 'pg';
import pino from 'pino';
import { Registry } from 'prom-client';
import { createScaledClock } from '../../common/clock.ts';
import { loadBotConfig } from '../config/index.ts';
import { migrate } from '../db/migrate.ts';
import { UserStore } from '../db/users.ts';
import { createAssistant } from '../llm/index.ts';
import { markRecipientBlocked } from '../scheduler/due.ts';
import {
  claimJobs,
  type DueDigest,
  materializeJobs,
  RecipientBlockedError,
  sendDigestWithTelegram,
} from '../scheduler/index.ts';

const TICK_MS = 5_000;
const config = loadBotConfig({ env: process.env });
const logger = pino({ level: 'warn' });
const pool = new pg.Pool({ connectionString: config.database.url, max: 5, connectionTimeoutMillis: 5_000 });
pool.on('error', (error) => logger.warn({ err: error }, 'idle database connection lost'));
await migrate({ databaseUrl: config.database.url, logger });
const clock = createScaledClock();
const users = new UserStore(pool);
const assistant = createAssistant({ config, clock, logger, registry: new Registry(), pool });
const bot = new Bot(config.telegram.token, { client: { apiRoot: config.telegram.apiRoot } });
const send = sendDigestWithTelegram(bot.api);

bot.chatType('private').command('start', async (ctx) => {
  await users.upsertProfile(
    { userId: ctx.from.id, chatId: ctx.chat.id, firstName: ctx.from.first_name, languageCode: ctx.from.language_code },
    Date.now(),
  );
  // The demo's shortcut: a digest on technology, due this minute (the reference bot asks for topic and time).
  const minute = Math.floor((Date.now() % 86_400_000) / 60_000);
  await users.setTopic(ctx.from.id, 'technology', Date.now());
  await pool.query('UPDATE users SET digest_minute = $2 WHERE user_id = $1', [ctx.from.id, minute]);
  await ctx.reply('Subscribed: your technology digest is due now and arrives within seconds.');
});

/** Generates and sends one digest, then marks its job done (also when the user has blocked the bot). */
async function deliver(job: DueDigest & { jobId: number; paused: boolean }): Promise<void> {
  if (!job.paused) {
    const digest = await assistant.digest(job);
    try {
      await send(job.chatId, digest.text);
    } catch (error) {
      if (!(error instanceof RecipientBlockedError)) throw error; // the job stays open: retried after the lease
      await markRecipientBlocked(pool, job.userId, Date.now());
    }
  }
  await pool.query('UPDATE digest_jobs SET done_at_ms = $2 WHERE id = $1', [job.jobId, Date.now()]);
}

/** One tick: make today's jobs for whoever is due, then claim and deliver until none is left. */
async function tick(): Promise<void> {
  await materializeJobs(pool, Date.now());
  for (;;) {
    const jobs = await claimJobs(pool, {
      instanceId: `example-05-${process.pid}`,
      nowMs: Date.now(),
      leaseMs: 120_000,
      limit: 20,
    });
    if (jobs.length === 0) return;
    await Promise.all(jobs.map(deliver));
  }
}

const timer = setInterval(() => {
  tick().catch((error: unknown) => logger.warn({ err: error }, 'tick failed; the next one tries again'));
}, TICK_MS);

bot.catch((error) => logger.error({ err: error.error }, 'update failed'));

async function stop(): Promise<void> {
  clearInterval(timer);
  await bot.stop();
  await assistant.close();
  await pool.end();
}
process.once('SIGTERM', () => void stop());
process.once('SIGINT', () => void stop());

await bot.start({ onStart: () => console.log('ready: step 5, a digest queue') });
