/**
 * Step 6 of 6: the reference bot, which is steps 1-5 with every choice a knob.
 *
 * `createBotApp` (bot/app.ts) builds one instance from its config: the pool, the metrics registry, the
 * assistant (steps 2-3), the grammY bot and its middleware (bot/bot.ts: dedup, the ⚠️ fallback, sessions, a
 * per-user message limit), the digest scheduler (step 5, five strategies), and the transport (polling, or the
 * webhook of step 4), plus /metrics and /healthz. `start()` checks the config first and refuses what would
 * misbehave later. bot/README.md follows one message and one digest through it, file by file.
 *
 * Run it: `npx botcap dev --example 06` (or `npx botcap dev`, which runs the same bot as `botcap bot`).
 */
import { createBotApp } from '../app.ts';
import { loadBotConfig } from '../config/index.ts';

const app = createBotApp(loadBotConfig({ env: process.env }));
try {
  await app.start();
} catch (error) {
  await app.stop();
  throw error;
}

process.once('SIGTERM', () => void app.stop());
process.once('SIGINT', () => void app.stop());

console.log(`ready: step 6, the reference bot (metrics at ${app.httpUrl}/metrics)`);
