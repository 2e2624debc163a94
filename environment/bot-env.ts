import type { ProcessSpec, ReadyCheck } from './supervisor.ts';

/** Defaults of the bot contract, stated once (the README's table reads the same values). */
export const BOT_CONTRACT_DEFAULTS = {
  /** The path part of `WEBHOOK_URL`, for a bot that takes its path from the environment. */
  webhookPath: '/webhook',
} as const;

/**
 * What any bot under test is given, whatever its language. The contract is documented in
 * environment/README.md; the reference bot (`botcap bot`) reads the same variables (bot/config/knobs.ts).
 */
export interface BotEnvInput {
  /** Telegram bot token the fake Telegram accepts. */
  botToken: string;
  /** Base URL of the fake Telegram Bot API, without `/bot<token>` (e.g. http://127.0.0.1:40111). */
  telegramApiRoot: string;
  /** Base URL of the fake Claude (what the Anthropic SDKs take as `baseURL` / `base_url`). */
  anthropicBaseUrl: string;
  anthropicApiKey: string;
  /** The database the bot uses: the run database, through PgBouncer when there is one. */
  databaseUrl: string;
  /** Only for the redis scheduler strategy. */
  redisUrl?: string;
  /** Webhook mode: the port the bot listens on (127.0.0.1, plain HTTP). */
  port?: number;
  /** Webhook mode: the secret to register with setWebhook (`secret_token`) and check in `X-Telegram-Bot-Api-Secret-Token`. */
  webhookSecret?: string;
  /**
   * Webhook mode: the public URL to register with setWebhook, the same for every instance: botcap's
   * balancer in front of them, at {@link BOT_CONTRACT_DEFAULTS}.webhookPath. A bot may register any other
   * path (or an https:// URL) instead; botcap delivers to the path it registered.
   */
  webhookUrl?: string;
  /** Name of this instance in logs, metrics and the database, e.g. 'bot-1'. */
  instanceId?: string;
  /** Simulated seconds per real second for the bot's scheduler clock. */
  timeScale?: number;
}

/** The environment variables of the bot contract, as strings; absent inputs are left out. */
export interface BotEnv {
  BOT_TOKEN: string;
  TELEGRAM_API_ROOT: string;
  ANTHROPIC_BASE_URL: string;
  ANTHROPIC_API_KEY: string;
  DATABASE_URL: string;
  REDIS_URL?: string;
  PORT?: string;
  WEBHOOK_SECRET?: string;
  WEBHOOK_URL?: string;
  /** The path of WEBHOOK_URL (`/webhook`), for frameworks that take the path and the domain apart. */
  WEBHOOK_PATH?: string;
  /** The reference bot's `instanceId` knob. */
  BOTCAP_INSTANCE_ID?: string;
  /** The reference bot's `time.timeScale` knob. */
  BOTCAP_TIME_TIME_SCALE?: string;
}

/**
 * Builds the bot's environment.
 *
 * @example
 * botEnvironment({ botToken, telegramApiRoot: tg.url, anthropicBaseUrl: claude.url,
 *   anthropicApiKey: 'sk-ant-fake', databaseUrl: env.databaseUrl, port: 8081, webhookSecret: 's3cret',
 *   webhookUrl: 'http://127.0.0.1:8080/webhook' })
 */
export function botEnvironment(input: BotEnvInput): BotEnv {
  const env: BotEnv = {
    BOT_TOKEN: input.botToken,
    TELEGRAM_API_ROOT: input.telegramApiRoot,
    ANTHROPIC_BASE_URL: input.anthropicBaseUrl,
    ANTHROPIC_API_KEY: input.anthropicApiKey,
    DATABASE_URL: input.databaseUrl,
  };
  if (input.redisUrl !== undefined) env.REDIS_URL = input.redisUrl;
  if (input.port !== undefined) env.PORT = String(input.port);
  if (input.webhookSecret !== undefined) env.WEBHOOK_SECRET = input.webhookSecret;
  if (input.webhookUrl !== undefined) {
    env.WEBHOOK_URL = input.webhookUrl;
    env.WEBHOOK_PATH = new URL(input.webhookUrl).pathname;
  }
  if (input.instanceId !== undefined) env.BOTCAP_INSTANCE_ID = input.instanceId;
  if (input.timeScale !== undefined) env.BOTCAP_TIME_TIME_SCALE = String(input.timeScale);
  return env;
}

/** The literal secrets of a bot environment, for log redaction. */
export function botSecrets(input: BotEnvInput): string[] {
  const secrets = [input.botToken, input.anthropicApiKey, input.webhookSecret];
  const password = URL.canParse(input.databaseUrl) ? new URL(input.databaseUrl).password : '';
  return [...secrets, password && decodeURIComponent(password)].filter((s): s is string => Boolean(s));
}

/**
 * A user's `--bot-cmd` as a supervised process: run through `/bin/sh -c` (so quoting, `cd x &&` and
 * virtualenv activation work), in its own process group, with the bot contract's environment.
 *
 * @example
 * await env.startProcess(botCommandSpec({ name: 'bot-1', commandLine: 'python -m mybot', bot: input,
 *   ready: { kind: 'http', url: 'http://127.0.0.1:8081/healthz' } }));
 */
export function botCommandSpec(options: {
  name: string;
  commandLine: string;
  bot: BotEnvInput;
  cwd?: string;
  ready?: ReadyCheck;
  readyTimeoutMs?: number;
}): ProcessSpec {
  const env: Record<string, string> = {};
  for (const [key, value] of Object.entries(botEnvironment(options.bot))) {
    if (typeof value === 'string') env[key] = value;
  }
  return {
    name: options.name,
    command: '/bin/sh',
    args: ['-c', options.commandLine],
    env,
    cwd: options.cwd,
    secrets: botSecrets(options.bot),
    ready: options.ready,
    readyTimeoutMs: options.readyTimeoutMs,
  };
}
