export { botConfigInputSchema } from './input.ts';
export { BOT_DEFAULTS, BOT_KNOBS, CONVENTIONAL_ENV, type Knob } from './knobs.ts';
export { type LoadBotConfigOptions, loadBotConfig } from './load.ts';
export {
  type BotConfig,
  type BotConfigInput,
  botConfigSchema,
  SCHEDULER_STRATEGIES,
  transportSchema,
} from './schema.ts';
