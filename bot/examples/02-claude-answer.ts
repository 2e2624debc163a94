/**
 * Step 2 of 6: free text answered by Claude, with the conversation so far.
 *
 * Step 1's bot, plus the expensive path: each question goes to the Messages API with the last turns of the
 * conversation (kept in PostgreSQL, so the next question may land on any instance) and a long, stable system
 * prompt. Three details a first version usually misses:
 * - "typing..." first: an answer takes seconds, and the user should see the bot is on it;
 * - Telegram refuses messages over 4,096 characters: a long answer goes out in parts (bot/reply.ts);
 * - the turns are stored after the reply, so the user waits for the answer, not for the insert.
 * The reference bot does the same in bot/handlers/conversation.ts (plus routing, caching, and step 3).
 *
 * Run it: `npx botcap dev --example 02`, then ask two questions in a row.
 */
import Anthropic from '@anthropic-ai/sdk';
import type { MessageParam } from '@anthropic-ai/sdk/resources/messages';
import { Bot } from 'grammy';
import pg from 'pg';
import pino from 'pino';
import { loadBotConfig } from '../config/index.ts';
import { migrate } from '../db/migrate.ts';
import { TurnStore } from '../db/turns.ts';
import { SYSTEM_PROMPT } from '../llm/index.ts';
import { splitForTelegram } from '../reply.ts';

const config = loadBotConfig({ env: process.env });
const logger = pino({ level: 'warn' });
const pool = new pg.Pool({ connectionString: config.database.url, max: 5, connectionTimeoutMillis: 5_000 });
pool.on('error', (error) => logger.warn({ err: error }, 'idle database connection lost'));
await migrate({ databaseUrl: config.database.url, logger });
const turns = new TurnStore(pool);

// ANTHROPIC_BASE_URL points the official SDK at the fake (botcap dev) or at the real API.
const anthropic = new Anthropic({ apiKey: config.claude.apiKey, baseURL: config.claude.baseUrl });

/** One question, with the conversation so far; Claude's answer as text. */
async function answer(userId: number, question: string): Promise<string> {
  const history = await turns.lastTurns(userId, config.claude.contextTurns);
  // Stored in pairs, so the history starts with the user and alternates, as the API requires.
  const messages: MessageParam[] = history.map((turn) => ({ role: turn.role, content: turn.text }));
  messages.push({ role: 'user', content: question });
  const message = await anthropic.messages.create({
    model: config.claude.complexModel,
    max_tokens: config.claude.maxOutputTokens,
    system: SYSTEM_PROMPT,
    messages,
  });
  return message.content.map((block) => (block.type === 'text' ? block.text : '')).join('');
}

const bot = new Bot(config.telegram.token, { client: { apiRoot: config.telegram.apiRoot } });

bot.on('message:text', async (ctx) => {
  await ctx.replyWithChatAction('typing');
  const text = await answer(ctx.from.id, ctx.message.text);
  for (const part of splitForTelegram(text)) await ctx.reply(part);
  await turns.append(
    ctx.from.id,
    [
      { role: 'user', text: ctx.message.text },
      { role: 'assistant', text },
    ],
    Date.now(),
  );
});

bot.catch((error) => logger.error({ err: error.error }, 'update failed'));

async function stop(): Promise<void> {
  await bot.stop();
  await pool.end();
}
process.once('SIGTERM', () => void stop());
process.once('SIGINT', () => void stop());

await bot.start({ onStart: () => console.log('ready: step 2, a Claude answer') });
