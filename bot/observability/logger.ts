import pino, { type DestinationStream, type Logger } from 'pino';
import { redactSecrets } from '../../common/redact.ts';
import type { BotConfig } from '../config/index.ts';

/** The literal secrets of a config: the bot token, the API key, the DB password, the webhook secret. */
export function configSecrets(config: BotConfig): string[] {
  const passwordOf = (url: string | undefined) =>
    url && URL.canParse(url) ? decodeURIComponent(new URL(url).password) : '';
  return [
    config.telegram.token,
    config.claude.apiKey,
    config.telegram.webhookSecret ?? '',
    passwordOf(config.database.url),
    passwordOf(config.database.migrateUrl),
    passwordOf(config.scheduler.redisUrl),
    config.observability.sentryDsn ?? '',
  ].filter((s) => s.length > 0);
}

/**
 * The bot's pino logger: JSON lines on stderr (stdout carries the one "ready" line), every line tagged
 * with the instance and a `component` (child loggers add it), and secrets removed twice over:
 * `redact` drops secret-named fields, and every message and error text passes through `redactSecrets`
 * with the config's literal secrets, because a library error can quote a URL or a token anywhere.
 *
 * @example
 * const logger = createLogger(config);
 * logger.child({ component: 'transport' }).info({ url }, 'webhook set');
 */
export function createLogger(config: BotConfig, destination?: DestinationStream): Logger {
  const secrets = configSecrets(config);
  const scrub = (text: string) => redactSecrets(text, secrets);
  return pino(
    {
      level: config.observability.logLevel,
      base: { instance: config.instanceId },
      redact: {
        paths: [
          'token',
          '*.token',
          'apiKey',
          '*.apiKey',
          'password',
          '*.password',
          'webhookSecret',
          '*.webhookSecret',
          'secret_token',
          '*.secret_token',
          'headers["x-telegram-bot-api-secret-token"]',
          '*.headers["x-telegram-bot-api-secret-token"]',
        ],
        censor: '***',
      },
      serializers: {
        // Callers log `{ err }` with whatever was thrown: an Error, a string, a rejected non-Error value.
        // A serializer that assumed an Error crashed the whole process on a string (found by botcap run).
        err: (error: unknown) => {
          if (!(error instanceof Error)) return { type: typeof error, message: scrub(String(error)) };
          const serialized = pino.stdSerializers.err(error);
          return {
            ...serialized,
            message: scrub(serialized.message),
            stack: serialized.stack ? scrub(serialized.stack) : serialized.stack,
          };
        },
      },
      hooks: {
        // Messages are free text; scrub them like error texts.
        logMethod(args, method) {
          const scrubbed = args.map((arg) => (typeof arg === 'string' ? scrub(arg) : arg)) as typeof args;
          method.apply(this, scrubbed);
        },
      },
    },
    destination ?? pino.destination({ fd: 2, sync: true }),
  );
}
