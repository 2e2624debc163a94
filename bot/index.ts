/**
 * The reference bot, as other folders (the CLI, the load generator) use it.
 *
 * @example
 * import { createBotApp, loadBotConfig } from './index.ts';
 * const app = createBotApp(loadBotConfig({ env: process.env }));
 * await app.start();
 */

// Running an instance
export { BOT_APP_DEFAULTS, type BotApp, type BotAppDeps, createBotApp } from './app.ts';
export {
  BOT_DEFAULTS,
  BOT_KNOBS,
  type BotConfig,
  type BotConfigInput,
  type Knob,
  loadBotConfig,
} from './config/index.ts';
export { LAB_DEFAULTS } from './config/lab-defaults.ts';
export { type AnswerBudget, answerBudget, preflight } from './config/preflight.ts';
export { MIGRATIONS_DIR, migrate } from './db/migrate.ts';
// What the load generator and reports rely on
export { BOT_METRIC_NAMES, type UpdateKind } from './observability/metrics.ts';
export { partMarker, splitForTelegram, TELEGRAM_TEXT_LIMIT, trimToTelegramLimit } from './reply.ts';
export { DIGEST_TIME_CHOICES, TOPICS, type Topic } from './topics.ts';
