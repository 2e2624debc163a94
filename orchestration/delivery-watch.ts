import { EnvironmentError } from '../common/errors.ts';
import { redactSecrets } from '../common/redact.ts';
import type { FakeTelegram } from '../fakes/telegram/index.ts';
import type { WebhookRegistrar } from './bot-readiness.ts';

/**
 * Watches, during the load, whether any update gets through to the bot. A bot that serves another path than
 * it registered, rejects the secret, fails every delivery or stopped polling would otherwise make every
 * update time out at the reply deadline; the run stops early instead, with what the fake Telegram saw.
 */

export const DELIVERY_WATCH_DEFAULTS = {
  /**
   * Real time the bot gets from the first update before it is judged, at least; the run uses the longer of
   * this and the reply deadline, by which that first update is lost anyway.
   */
  minGraceRealMs: 2_000,
  /** While webhook deliveries are still in flight, judge only after this many failed ones (none accepted). */
  minFailedDeliveries: 5,
  /** How often the fake's counters are read, real ms. */
  checkIntervalRealMs: 250,
} as const;

/** What the fake Telegram saw of the deliveries to one bot, at one moment (times on the fake's `now_ms` clock). */
export interface DeliverySnapshot {
  nowMs: number;
  injected: number;
  delivered: number;
  dropped: number;
  pending: number;
  /** When the first update was injected; undefined before any. */
  firstInjectedMs: number | undefined;
  /** The registered webhook, if one is set. */
  webhook:
    | {
        url: string;
        inFlight: number;
        failures: number;
        failuresByReason: Readonly<Record<string, number>>;
        lastErrorMessage: string | undefined;
      }
    | undefined;
  /** getUpdates calls that returned since the first update, by error code ('ok' for successes). */
  pollsSinceFirstUpdate: Readonly<Record<string, number>>;
  allowedUpdates: readonly string[] | undefined;
  unknownTokenRequests: number;
}

/** What the message needs to know besides the fake's view. */
export interface DeliveryContext {
  /** Who registered the webhook the fake delivers to (undefined when the bots poll). */
  webhookRegisteredBy?: WebhookRegistrar;
  /** Where the bots' logs are, when they are kept. */
  logDir?: string;
  /** Literals to mask in the message besides the shapes botcap knows (e.g. the operator's webhook secret). */
  secrets?: readonly string[];
}

export interface JudgeOptions {
  graceRealMs: number;
  /** Default {@link DELIVERY_WATCH_DEFAULTS}.minFailedDeliveries. */
  minFailedDeliveries?: number;
}

/** The run stopped early: no update reached the bot. The message says what the fake saw and what to check. */
export class BotUnreachableError extends EnvironmentError {
  override name = 'BotUnreachableError';
}

/**
 * Reads one bot's delivery counters from the fake.
 *
 * @example
 * const snapshot = deliverySnapshot(telegram, telegram.tokens[0]);
 */
export function deliverySnapshot(telegram: FakeTelegram, token: string): DeliverySnapshot {
  const stats = telegram.stats({ token });
  const bot = stats.bots[0];
  const first = telegram.updates({ token, limit: 1 })[0];
  const info = telegram.webhookInfo({ token });
  const polls: Record<string, number> = {};
  if (first !== undefined) {
    for (const call of telegram.calls({
      token,
      method: 'getUpdates',
      since_ms: first.injected_ms,
      limit: Number.MAX_SAFE_INTEGER,
    })) {
      const key = call.error_code === null ? 'ok' : String(call.error_code);
      polls[key] = (polls[key] ?? 0) + 1;
    }
  }
  return {
    nowMs: stats.now_ms,
    injected: bot?.updates_injected ?? 0,
    delivered: bot?.updates_delivered ?? 0,
    dropped: bot?.updates_dropped ?? 0,
    pending: bot?.pending_update_count ?? 0,
    firstInjectedMs: first?.injected_ms,
    webhook:
      bot?.webhook == null || info.url === ''
        ? undefined
        : {
            url: info.url,
            inFlight: bot.webhook.in_flight,
            failures: bot.webhook.failures,
            failuresByReason: bot.webhook.failures_by_reason,
            lastErrorMessage: info.last_error_message,
          },
    pollsSinceFirstUpdate: polls,
    allowedUpdates: info.allowed_updates,
    unknownTokenRequests: stats.unknown_token_requests,
  };
}

/**
 * The verdict on one snapshot: undefined while updates get through (or may still), else the message to stop
 * the run with. Nothing is judged before `graceRealMs` have passed since the first update, nor while webhook
 * deliveries are in flight with fewer than `minFailedDeliveries` failures: a slow but healthy bot is
 * never cut off, since one accepted update clears it for good.
 *
 * @example
 * judgeDelivery(deliverySnapshot(telegram, token), { graceRealMs: 2_000 }) // undefined, or 'no update reached ...'
 */
export function judgeDelivery(
  snapshot: DeliverySnapshot,
  options: JudgeOptions,
  context: DeliveryContext = {},
): string | undefined {
  if (snapshot.delivered > 0 || snapshot.firstInjectedMs === undefined) return undefined;
  const waitedMs = snapshot.nowMs - snapshot.firstInjectedMs;
  if (waitedMs < options.graceRealMs) return undefined;
  const minFailures = options.minFailedDeliveries ?? DELIVERY_WATCH_DEFAULTS.minFailedDeliveries;
  const webhook = snapshot.webhook;
  if (webhook !== undefined && webhook.inFlight > 0 && webhook.failures < minFailures) return undefined;
  return describeUndelivered(snapshot, waitedMs, context);
}

/**
 * Judges the fake's counters every `checkIntervalRealMs` and calls `onVerdict` once, with the message, when no
 * update gets through; `stop()` ends the watch.
 *
 * @example
 * const watch = watchDelivery({ telegram, graceRealMs: 2_000, onVerdict: () => abort.abort() });
 * await runner.run();
 * watch.stop();
 * if (watch.verdict() !== undefined) throw new BotUnreachableError(watch.verdict());
 */
export function watchDelivery(options: {
  telegram: FakeTelegram;
  /** Default the fake's first token. */
  token?: string;
  graceRealMs: number;
  context?: DeliveryContext;
  onVerdict: (message: string) => void;
  /** Default {@link DELIVERY_WATCH_DEFAULTS}.minFailedDeliveries. */
  minFailedDeliveries?: number;
  /** Default {@link DELIVERY_WATCH_DEFAULTS}.checkIntervalRealMs. */
  checkIntervalRealMs?: number;
}): { stop(): void; verdict(): string | undefined } {
  const token = options.token ?? options.telegram.tokens[0]!;
  let verdict: string | undefined;
  const timer = setInterval(() => {
    verdict = judgeDelivery(deliverySnapshot(options.telegram, token), options, options.context);
    if (verdict === undefined) return;
    clearInterval(timer);
    options.onVerdict(verdict);
  }, options.checkIntervalRealMs ?? DELIVERY_WATCH_DEFAULTS.checkIntervalRealMs);
  return { stop: () => clearInterval(timer), verdict: () => verdict };
}

function describeUndelivered(snapshot: DeliverySnapshot, waitedMs: number, context: DeliveryContext): string {
  const seconds = `${(waitedMs / 1000).toFixed(1)} s`;
  const lead = `no update reached the bot: in the ${seconds} after the first of ${snapshot.injected} updates was sent, the bot took none, so every reply would time out; the run stops here.`;
  const body = snapshot.webhook === undefined ? pollingFindings(snapshot) : webhookFindings(snapshot, context);
  const strangers =
    snapshot.unknownTokenRequests > 0
      ? ` The fake also answered ${snapshot.unknownTokenRequests} request(s) with 401 Unauthorized: a token other than BOT_TOKEN is in use.`
      : '';
  const logs = context.logDir === undefined ? '' : ` The bots' logs: ${context.logDir}`;
  return redactSecrets(`${lead} ${body}${strangers}${logs}`, context.secrets);
}

function webhookFindings(snapshot: DeliverySnapshot, context: DeliveryContext): string {
  const webhook = snapshot.webhook!;
  const registrar = {
    bot: 'as registered',
    botcap: 'registered by botcap, since the bot registered no webhook before the load',
    'webhook-url': 'given with --webhook-url',
  }[context.webhookRegisteredBy ?? 'bot'];
  const reasons = Object.entries(webhook.failuresByReason)
    .sort(([, a], [, b]) => b - a)
    .map(([reason, count]) => `${shortReason(reason)} x${count}`)
    .join(', ');
  const tried =
    webhook.failures === 0
      ? `The fake Telegram's deliveries to ${webhook.url} (${registrar}) are still unanswered.`
      : `The fake Telegram made ${webhook.failures} failed deliveries to ${webhook.url} (${registrar}): ${reasons}.`;
  const info =
    webhook.lastErrorMessage === undefined ? '' : ` getWebhookInfo: last_error_message "${webhook.lastErrorMessage}".`;
  return `${tried}${info} ${webhookHint(webhook.failuresByReason, context)}`;
}

/** "Wrong response from the webhook: 404 Not Found" -> "404 Not Found"; network errors as they are. */
function shortReason(reason: string): string {
  return reason.replace(/^Wrong response from the webhook: /, '');
}

function webhookHint(failuresByReason: Readonly<Record<string, number>>, context: DeliveryContext): string {
  const top = Object.entries(failuresByReason).sort(([, a], [, b]) => b - a)[0]?.[0];
  const status = Number(/: (\d{3})\b/.exec(top ?? '')?.[1] ?? Number.NaN);
  const byFlag = context.webhookRegisteredBy === 'webhook-url';
  if (status === 404 || status === 405) {
    if (byFlag) return 'Nothing serves that path: give --webhook-url the exact URL the bot serves its webhook at.';
    return context.webhookRegisteredBy === 'botcap'
      ? 'Nothing serves that path: serve WEBHOOK_PATH, or register your own URL with setWebhook (botcap delivers to the path you register).'
      : 'Nothing serves that path: serve exactly the path the bot registers with setWebhook (botcap delivers to it unchanged).';
  }
  if (status === 401 || status === 403) {
    if (byFlag)
      return 'The bot refused the requests: give --webhook-secret the secret it checks in X-Telegram-Bot-Api-Secret-Token.';
    return 'The bot refused the requests: it must check X-Telegram-Bot-Api-Secret-Token against the secret_token it registered (botcap gives WEBHOOK_SECRET for both); some frameworks (telegraf) also answer 403 for a path they do not serve.';
  }
  if (status === 502 || status === 503) {
    return "botcap's balancer reached no instance: each instance must listen on 127.0.0.1 at its own PORT.";
  }
  if (status >= 500) return "The bot's webhook handler fails on every update: its log says why.";
  if (top === 'Connection refused') return 'Nothing listens at that address.';
  if (top === 'Read timeout expired') {
    return "The bot answered no delivery within the fake's webhook timeout (60 s simulated, scaled like the run).";
  }
  if (top === undefined) return 'The bot has answered none of them yet.';
  return 'A webhook must answer 2xx to take an update.';
}

function pollingFindings(snapshot: DeliverySnapshot): string {
  const allowed = snapshot.allowedUpdates;
  if (snapshot.dropped > 0 && snapshot.pending === 0 && allowed !== undefined && allowed.length > 0) {
    return `The fake dropped ${snapshot.dropped} of them because the bot's allowed_updates (${allowed.join(', ')}) leaves out messages and callback queries.`;
  }
  const { ok = 0, ...refused } = snapshot.pollsSinceFirstUpdate;
  const refusals = Object.entries(refused)
    .map(([code, count]) => `${code} x${count}`)
    .join(', ');
  if (refusals !== '') {
    const conflict =
      '409' in refused
        ? ' A 409 means a webhook is set or another getUpdates is running: a polling bot calls deleteWebhook first, and only one instance polls.'
        : '';
    return `No webhook is set and the bot's getUpdates calls since then failed (${refusals}${ok > 0 ? `; ${ok} answered` : ''}).${conflict}`;
  }
  return `No webhook is set and no getUpdates call has returned since then (${snapshot.pending} updates wait): the bot stopped polling. Its log may say why.`;
}
