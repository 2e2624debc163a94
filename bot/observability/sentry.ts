import type { BotConfig } from '../config/index.ts';

/** Where the bot's unexpected errors go besides the log; a no-op unless a DSN is configured. */
export interface ErrorReporter {
  capture(error: unknown, context: { updateId?: number; kind?: string }): void;
  close(): Promise<void>;
}

/** The reporter when Sentry is off (the default: a capacity run must not send thousands of events anywhere). */
export const NO_ERROR_REPORTER: ErrorReporter = { capture: () => undefined, close: async () => undefined };

/**
 * Initialises `@sentry/node` only when `observability.sentryDsn` is set. The SDK is imported here,
 * on demand: it loads OpenTelemetry and takes seconds to import, which every bot instance of a run
 * would otherwise pay at start for nothing.
 *
 * @example
 * const reporter = await createErrorReporter(config);
 * bot.catch((err) => reporter.capture(err.error, { updateId: err.ctx.update.update_id }));
 */
export async function createErrorReporter(config: BotConfig): Promise<ErrorReporter> {
  const dsn = config.observability.sentryDsn;
  if (!dsn) return NO_ERROR_REPORTER;
  const Sentry = await import('@sentry/node');
  Sentry.init({ dsn, serverName: config.instanceId });
  return {
    capture(error, context) {
      Sentry.captureException(error, { tags: { instance: config.instanceId, kind: context.kind }, extra: context });
    },
    async close() {
      await Sentry.close(2_000);
    },
  };
}
