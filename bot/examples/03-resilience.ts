/**
 * Step 3 of 6: the Claude call behind a resilience policy, and a polite answer when it fails.
 *
 * Step 2's bot goes silent when Claude is overloaded (529), slow or down: the handler throws, the user waits
 * forever. Here the call goes through the same policy the reference bot uses (bot/resilience/policy.ts,
 * cockatiel), outermost first: retry with backoff that honours `retry-after` -> circuit breaker -> bulkhead
 * (at most `resilience.bulkheadConcurrency` calls at once) -> per-attempt timeout. When the policy gives up,
 * the user gets a ⚠️ fallback at once instead of silence, and while the breaker is open nobody waits for
 * timeouts. The SDK's own retries are off: one layer retries, so the breaker sees every failure.
 *
 * Run it: `npx botcap dev --example 03`; ask something; then make the fake Claude fail every call
 *   curl -s -X PUT <fake Claude>/control/faults -d '{"windows":[{"fromMs":0,"toMs":1e12,"rate":1,"kind":"529"}]}'
 * and ask again: a ⚠️ answer after one retry, then (after 5 failures) at once, from the open breaker.
 */
import Anthropic from '@anthropic-ai/sdk';
import { Bot } from 'grammy';
import pino from 'pino';
import { Registry } from 'prom-client';
import { createScaledClock } from '../../common/clock.ts';
import { loadBotConfig } from '../config/index.ts';
import { answerFallback, replyLanguage, SYSTEM_PROMPT } from '../llm/index.ts';
import { splitForTelegram } from '../reply.ts';
import { createPolicyFactory } from '../resilience/index.ts';

const config = loadBotConfig({ env: process.env });
const logger = pino({ level: 'warn' });
const clock = createScaledClock(); // the wall clock: time scaling is for capacity runs only
const anthropic = new Anthropic({ apiKey: config.claude.apiKey, baseURL: config.claude.baseUrl, maxRetries: 0 });

// One policy per upstream, its metrics on a registry a /metrics route would serve (step 4).
const policies = createPolicyFactory({ config, clock, logger, registry: new Registry() });
const claude = policies.forUpstream('claude');

/** Claude's answer, or undefined when the policy gave up (breaker open, bulkhead full, retries spent). */
async function answer(question: string): Promise<string | undefined> {
  return claude.execute(
    async (signal) => {
      // The signal aborts this attempt at `resilience.timeoutMs`; the policy then retries or gives up.
      const message = await anthropic.messages.create(
        {
          model: config.claude.complexModel,
          max_tokens: config.claude.maxOutputTokens,
          system: SYSTEM_PROMPT,
          messages: [{ role: 'user', content: question }],
        },
        { signal },
      );
      return message.content.map((block) => (block.type === 'text' ? block.text : '')).join('');
    },
    (reason) => {
      logger.warn({ reason }, 'Claude unavailable; answering with the fallback');
      return undefined;
    },
  );
}

const bot = new Bot(config.telegram.token, { client: { apiRoot: config.telegram.apiRoot } });

bot.on('message:text', async (ctx) => {
  await ctx.replyWithChatAction('typing');
  const text = (await answer(ctx.message.text)) ?? answerFallback(replyLanguage(ctx.from.language_code));
  for (const part of splitForTelegram(text)) await ctx.reply(part);
});

bot.catch((error) => logger.error({ err: error.error }, 'update failed'));
process.once('SIGTERM', () => void bot.stop());
process.once('SIGINT', () => void bot.stop());

await bot.start({ onStart: () => console.log('ready: step 3, resilience around Claude') });
