import { Api } from 'grammy';
import type pino from 'pino';
import { Counter, type Registry } from 'prom-client';
import type { BotConfig } from '../config/index.ts';
import type { ErrorReporter } from './sentry.ts';

export interface TelegramAlerterOptions {
  config: Pick<BotConfig, 'telegram' | 'instanceId'> & { observability: BotConfig['observability'] };
  registry: Registry;
  logger: pino.Logger;
  /** Real ms between summaries (the clock's scale applied by the caller). */
  summaryEveryRealMs: number;
}

/**
 * Alerts the team in a Telegram group (`observability.alertChatId`), as many production bots do. A group takes
 * about 20 messages a minute; above that Telegram answers 429. `each` (what a first version writes: one
 * message per error) meets that limit in any error storm, and its refused alerts are lost: it sends on its own
 * Api without auto-retry, so an alert never queues behind the users' replies. `summary` sends at most one
 * message per interval with the count and kinds of the errors since the last one, so a storm costs one
 * message a minute and no error goes untold. Counted in `bot_alerts_total{outcome}` (sent, refused = 429,
 * failed) and `bot_alert_errors_told_total` (errors covered by a sent alert).
 *
 * @example
 * const alerts = createTelegramAlerter({ config, registry, logger, summaryEveryRealMs: 60_000 });
 * alerts.capture(error, { kind: 'text' }); ... await alerts.close();
 */
export function createTelegramAlerter(options: TelegramAlerterOptions): ErrorReporter {
  const { config, registry } = options;
  const chatId = config.observability.alertChatId;
  if (chatId === undefined) return { capture: () => undefined, close: async () => undefined };
  const log = options.logger.child({ component: 'alerts' });
  const api = new Api(config.telegram.token, {
    apiRoot: config.telegram.apiRoot,
    timeoutSeconds: config.telegram.apiTimeoutS,
  });
  const alerts = new Counter({
    name: 'bot_alerts_total',
    help: 'alert messages to the admins group by outcome: sent, refused (429 flood limit), failed',
    labelNames: ['outcome'] as const,
    registers: [registry],
  });
  const told = new Counter({
    name: 'bot_alert_errors_told_total',
    help: 'errors covered by an alert message that was sent',
    registers: [registry],
  });
  const sending = new Set<Promise<void>>();

  function send(text: string, errors: number): void {
    const done = api
      .sendMessage(chatId!, text)
      .then(() => {
        alerts.inc({ outcome: 'sent' });
        told.inc(errors);
      })
      .catch((error: unknown) => {
        const refused = (error as { error_code?: number }).error_code === 429;
        alerts.inc({ outcome: refused ? 'refused' : 'failed' });
        if (!refused) log.warn({ err: error }, 'alert not sent');
      })
      .finally(() => sending.delete(done));
    sending.add(done);
  }

  const describe = (error: unknown) => (error instanceof Error ? `${error.name}: ${error.message}` : String(error));

  if (config.observability.alertMode === 'each') {
    return {
      capture(error, context) {
        send(`⚠️ ${config.instanceId} ${context.kind ?? 'update'} failed: ${describe(error)}`.slice(0, 4000), 1);
      },
      async close() {
        await Promise.all(sending);
      },
    };
  }

  let pending: { count: number; kinds: Map<string, number>; first: string } | undefined;
  const flush = () => {
    if (pending === undefined) return;
    const { count, kinds, first } = pending;
    pending = undefined;
    const byKind = [...kinds].map(([kind, n]) => `${kind} ${n}`).join(', ');
    send(
      `⚠️ ${config.instanceId}: ${count} error${count === 1 ? '' : 's'} (${byKind}). First: ${first}`.slice(0, 4000),
      count,
    );
  };
  const timer = setInterval(flush, options.summaryEveryRealMs);
  timer.unref();
  return {
    capture(error, context) {
      pending ??= { count: 0, kinds: new Map(), first: describe(error) };
      pending.count += 1;
      const kind = context.kind ?? 'update';
      pending.kinds.set(kind, (pending.kinds.get(kind) ?? 0) + 1);
    },
    async close() {
      clearInterval(timer);
      flush();
      await Promise.all(sending);
    },
  };
}
