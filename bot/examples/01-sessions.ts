/**
 * Step 1 of 6: a bot that remembers, in PostgreSQL.
 *
 * grammY's session middleware gives every chat an object that survives between updates. Kept in memory (its
 * default) it is lost on every restart and is different on each instance; kept in PostgreSQL it is neither.
 * The reference bot stores its sessions exactly like this (bot/db/session-storage.ts, ~20 lines), in a table
 * made by a versioned migration (bot/db/migrations), not by the bot at runtime.
 *
 * Run it: `npx botcap dev --example 01`, then say anything twice. Stop it and run it again: it still counts.
 */
import { Bot, type Context, type SessionFlavor, session } from 'grammy';
import pg from 'pg';
import pino from 'pino';
import { loadBotConfig } from '../config/index.ts';
import { migrate } from '../db/migrate.ts';
import { PostgresSessionStorage } from '../db/session-storage.ts';

// The same knobs the reference bot reads: BOT_TOKEN, TELEGRAM_API_ROOT, DATABASE_URL... (see bot/README.md).
const config = loadBotConfig({ env: process.env });
const logger = pino({ level: 'warn' });

/** What this bot remembers per chat. */
interface Memory {
  messages: number;
}
type MyContext = Context & SessionFlavor<Memory>;

// One pool per process, with a bounded wait: pg's default waits forever for a free connection.
const pool = new pg.Pool({ connectionString: config.database.url, max: 5, connectionTimeoutMillis: 5_000 });
pool.on('error', (error) => logger.warn({ err: error }, 'idle database connection lost'));
await migrate({ databaseUrl: config.database.url, logger });

const bot = new Bot<MyContext>(config.telegram.token, { client: { apiRoot: config.telegram.apiRoot } });

bot.use(
  session({
    initial: (): Memory => ({ messages: 0 }),
    storage: new PostgresSessionStorage<Memory>(pool),
  }),
);

bot.command('start', (ctx) => ctx.reply('Hi! Send me anything and I will count it. Restart me: I will not forget.'));

bot.on('message:text', async (ctx) => {
  ctx.session.messages += 1; // written back to PostgreSQL when this handler returns
  await ctx.reply(`Message number ${ctx.session.messages} from you. I keep count in PostgreSQL.`);
});

// A failed handler must not stop the bot: log it and go on with the next update.
bot.catch((error) => logger.error({ err: error.error }, 'update failed'));

async function stop(): Promise<void> {
  await bot.stop();
  await pool.end();
}
process.once('SIGTERM', () => void stop());
process.once('SIGINT', () => void stop());

await bot.start({ onStart: () => console.log('ready: step 1, sessions in PostgreSQL') });
