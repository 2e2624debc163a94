import { EnvironmentError } from '../common/errors.ts';
import { redactSecrets } from '../common/redact.ts';
import { EnvironmentStopped, type ManagedProcess, waitFor } from '../environment/index.ts';
import type { FakeTelegram } from '../fakes/telegram/index.ts';

/**
 * When a `--bot-cmd` bot is ready, read from what the fake Telegram sees (a bot in any language prints no
 * ready line botcap knows): a polling bot once its getUpdates calls arrive, a webhook bot once it has
 * registered its webhook.
 */

export const BOT_READINESS_DEFAULTS = {
  /** How often the fake's counters are read while waiting, real ms (an in-process read costs microseconds). */
  checkIntervalRealMs: 20,
  /**
   * For a webhook bot that registered nothing, botcap registers WEBHOOK_URL this long before the load starts,
   * so its own setWebhook never makes the load late.
   */
  fallbackLeadRealMs: 500,
} as const;

/**
 * Who registered the webhook the fake delivers to: the bot itself, botcap on the bot's behalf (it registered
 * none before the load), or botcap with the operator's `--webhook-url`.
 */
export type WebhookRegistrar = 'bot' | 'botcap' | 'webhook-url';

interface ReadinessOptions {
  telegram: FakeTelegram;
  token: string;
  /** The bot's processes: one that exits while we wait ends the wait with its last lines. */
  processes: readonly ManagedProcess[];
  signal: AbortSignal;
}

/**
 * Waits until as many getUpdates calls have *arrived* at the fake as there are instances. Arrival, not
 * return: a bot long-polling with a 25-50 s timeout holds its first call that long when no update is
 * queued, and the load must not wait for it.
 *
 * @example
 * await awaitFirstPolls({ telegram, token, processes, signal, timeoutMs: 60_000 });
 */
export async function awaitFirstPolls(options: ReadinessOptions & { timeoutMs: number }): Promise<void> {
  const { telegram, token, processes } = options;
  const received = () => telegram.stats({ token }).bots[0]?.get_updates_received ?? 0;
  let outcome: ManagedProcess | true;
  try {
    outcome = await waitFor(
      'the bot polling getUpdates',
      async () => exitedProcess(processes) ?? (received() >= processes.length || undefined),
      { timeoutMs: options.timeoutMs, intervalMs: BOT_READINESS_DEFAULTS.checkIntervalRealMs, signal: options.signal },
    );
  } catch (error) {
    if (error instanceof EnvironmentStopped) throw error;
    throw new EnvironmentError(
      `the bot never polled: no getUpdates call reached the fake Telegram in ${Math.round(options.timeoutMs / 1000)} s ` +
        `(${received()} of ${processes.length} expected, one per instance). The fake saw ${apiUseSummary(telegram, token)}. ` +
        'A polling bot calls getUpdates on TELEGRAM_API_ROOT with BOT_TOKEN; a bot that serves a webhook needs --transport webhook.',
    );
  }
  if (outcome !== true) throw exitedError(outcome);
}

/**
 * Waits for the bot to register its webhook until shortly before the load starts (`loadStartRealMs`, epoch ms:
 * the load waits for it anyway, so the wait costs no time); a bot that has registered none by then gets
 * `fallbackUrl` registered on its behalf, as an operator would with curl. Returns who registered.
 *
 * @example
 * const by = await awaitWebhookRegistration({ telegram, token, processes, signal, loadStartRealMs: anchorRealMs,
 *   fallbackUrl: 'http://127.0.0.1:4100/webhook', secret });
 */
export async function awaitWebhookRegistration(
  options: ReadinessOptions & { loadStartRealMs: number; fallbackUrl: string; secret: string },
): Promise<WebhookRegistrar> {
  const { telegram, token, processes } = options;
  const registered = () => telegram.webhookInfo({ token }).url !== '';
  const untilRealMs = options.loadStartRealMs - BOT_READINESS_DEFAULTS.fallbackLeadRealMs;
  const waitMs = untilRealMs - (performance.timeOrigin + performance.now());
  if (waitMs > 0) {
    await waitFor(
      'the bot registering its webhook',
      async () => exitedProcess(processes) ?? (registered() || undefined),
      { timeoutMs: waitMs, intervalMs: BOT_READINESS_DEFAULTS.checkIntervalRealMs, signal: options.signal },
    ).catch((error: unknown) => {
      // Not registering in time is allowed: botcap registers for the bot below.
      if (error instanceof EnvironmentStopped) throw error;
    });
  }
  const gone = exitedProcess(processes);
  if (gone !== undefined) throw exitedError(gone);
  if (registered()) return 'bot';
  await registerWebhook(telegram, token, options.fallbackUrl, options.secret);
  return 'botcap';
}

/**
 * Registers a webhook on the fake through its Bot API, as a bot or an operator would.
 *
 * @example
 * await registerWebhook(telegram, token, 'http://127.0.0.1:8080/hook', 's3cret');
 */
export async function registerWebhook(
  telegram: FakeTelegram,
  token: string,
  url: string,
  secret: string | undefined,
): Promise<void> {
  const response = await fetch(`${telegram.url}/bot${token}/setWebhook`, {
    method: 'POST',
    headers: { 'content-type': 'application/json' },
    body: JSON.stringify({ url, ...(secret === undefined ? {} : { secret_token: secret }) }),
  });
  const body = (await response.json()) as { ok: boolean; description?: string };
  if (!body.ok) {
    throw new EnvironmentError(
      `setWebhook ${redactSecrets(url)} on the fake Telegram failed: ${body.description ?? response.status}`,
    );
  }
}

function exitedProcess(processes: readonly ManagedProcess[]): ManagedProcess | undefined {
  return processes.find((process) => !process.running);
}

function exitedError(gone: ManagedProcess): EnvironmentError {
  const exit = gone.lastExit;
  const lines = gone.recentOutput().slice(-8);
  return new EnvironmentError(
    `${gone.name} exited before it was ready (code ${exit?.code ?? null}, signal ${exit?.signal ?? null})` +
      (lines.length > 0 ? `; its last lines:\n${lines.map((line) => `  ${line}`).join('\n')}` : ''),
  );
}

/**
 * What the bot did with the Bot API so far, for a message: calls by method (refusals with their code),
 * and requests with a token the fake does not know.
 *
 * @example
 * apiUseSummary(telegram, token) // 'getMe x1, deleteWebhook x1, getUpdates x3 (409 x3)'
 */
export function apiUseSummary(telegram: FakeTelegram, token: string): string {
  const byMethod = new Map<string, { count: number; errors: Map<number, number> }>();
  for (const call of telegram.calls({ token, limit: Number.MAX_SAFE_INTEGER })) {
    const entry = byMethod.get(call.method) ?? { count: 0, errors: new Map<number, number>() };
    entry.count++;
    if (call.error_code !== null) entry.errors.set(call.error_code, (entry.errors.get(call.error_code) ?? 0) + 1);
    byMethod.set(call.method, entry);
  }
  const parts = [...byMethod].map(([method, { count, errors }]) => {
    const refused = [...errors].map(([code, n]) => `${code} x${n}`).join(', ');
    return `${method} x${count}${refused === '' ? '' : ` (${refused})`}`;
  });
  const unknown = telegram.stats().unknown_token_requests;
  const strangers =
    unknown > 0 ? `${unknown} request(s) with a token it does not know (401 Unauthorized: use BOT_TOKEN)` : '';
  if (parts.length === 0) return strangers === '' ? 'no Bot API call with BOT_TOKEN at all' : `only ${strangers}`;
  return [parts.join(', '), strangers].filter((part) => part !== '').join('; ');
}
