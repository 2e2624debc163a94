// A telegraf 4 bot written against botcap's bot contract (environment/README.md) and nothing else of
// botcap: the shape of a user's own bot. Claude through the official SDK, a per-user counter in PostgreSQL,
// long polling (telegraf's default 50 s getUpdates timeout) unless PORT is set; then telegraf's own webhook
// server on its own path, registered by telegraf itself (it always registers https://<domain><hookPath>).
// On SIGTERM it prints how many updates this instance handled, so a test can see every instance worked.
import Anthropic from '@anthropic-ai/sdk';
import pg from 'pg';
import { Telegraf } from 'telegraf';

const HOOK_PATH = '/telegraf';
const env = process.env;
const instance = env.BOTCAP_INSTANCE_ID ?? 'bot';
const bot = new Telegraf(env.BOT_TOKEN, { telegram: { apiRoot: env.TELEGRAM_API_ROOT } });
const claude = new Anthropic({ baseURL: env.ANTHROPIC_BASE_URL, apiKey: env.ANTHROPIC_API_KEY });
const db = new pg.Pool({ connectionString: env.DATABASE_URL, max: 4 });
let handled = 0;

try {
  await db.query('CREATE TABLE IF NOT EXISTS telegraf_bot_users (user_id bigint PRIMARY KEY, messages int NOT NULL)');
} catch (error) {
  // Two instances creating the table at once: one wins; the other sees it exists (42P07), or loses the race
  // on the table's row type in pg_type, as "type already exists" (42710) or a unique violation (23505).
  if (!['42P07', '42710', '23505'].includes(error.code)) throw error;
}

bot.use(async (_ctx, next) => {
  handled++;
  await next();
});
bot.start((ctx) => ctx.reply('Hello! What should I call you?'));
bot.on('callback_query', (ctx) => ctx.answerCbQuery());
bot.on('text', async (ctx) => {
  await db.query(
    `INSERT INTO telegraf_bot_users (user_id, messages) VALUES ($1, 1)
     ON CONFLICT (user_id) DO UPDATE SET messages = telegraf_bot_users.messages + 1`,
    [ctx.from.id],
  );
  const answer = await claude.messages.create({
    model: 'claude-haiku-4-5',
    max_tokens: 150,
    messages: [{ role: 'user', content: ctx.message.text }],
  });
  const block = answer.content[0];
  await ctx.reply(block?.type === 'text' ? block.text : 'Sorry, no answer.');
});
bot.catch((error, ctx) => console.error(`update ${ctx.update.update_id} failed: ${error.message}`));

process.once('SIGTERM', () => {
  console.log(`${instance} handled ${handled} updates`);
  bot.stop('SIGTERM');
  void db.end().finally(() => process.exit(0));
});

if (env.PORT === undefined) {
  await bot.launch();
} else {
  await bot.launch({
    webhook: {
      // telegraf takes the host of the URL and registers https://<host><hookPath>.
      domain: env.WEBHOOK_URL,
      hookPath: HOOK_PATH,
      host: '127.0.0.1',
      port: Number(env.PORT),
      secretToken: env.WEBHOOK_SECRET,
    },
  });
}
