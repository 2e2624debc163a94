import { LAB_DEFAULTS, REAL_API_HOSTS } from './lab-defaults.ts';
import type { BotConfig } from './schema.ts';

/** The worst case of one answer, from the knobs that bound it, in simulated milliseconds (real ones at 1x). */
export interface AnswerBudget {
  /** Every Claude attempt at its timeout, plus the longest backoff between them. */
  claudeMs: number;
  /** The same for the knowledge lookup (MCP), 0 when there is none. */
  knowledgeMs: number;
  /**
   * One wait for a pool connection other updates hold (the handler's queries mostly find one at once). Opening a
   * new connection is real work, bounded in real ms: the lab's delay, which a run's fidelity verdict measures.
   */
  databaseMs: number;
  totalMs: number;
}

/**
 * How long one answer may take at worst: each upstream's attempts at their timeout plus the backoffs between
 * them, and one wait for a database connection. Every term is a simulated duration, as the webhook timeout and
 * the update lease it is compared with are, so the check is the same at every time scale. Waiting in the
 * bulkhead's queue is not in it: a queue that deep is the overload the capacity runs look for, and its length is
 * the `resilience.bulkheadQueue` knob.
 *
 * @example
 * answerBudget(BOT_DEFAULTS).totalMs // 49_000: (1 + 1) x 20 s + 4 s of backoff + 5 s for a connection
 */
export function answerBudget(config: Pick<BotConfig, 'resilience' | 'mcp' | 'database'>): AnswerBudget {
  const { resilience } = config;
  const attempts = resilience.retryMaxAttempts + 1;
  const backoffMs = resilience.retryMaxAttempts * resilience.retryMaxDelayMs;
  const claudeMs = attempts * resilience.timeoutMs + backoffMs;
  const knowledgeMs = config.mcp.url === undefined ? 0 : attempts * config.mcp.timeoutMs + backoffMs;
  const databaseMs = config.database.connectionTimeoutMs;
  return { claudeMs, knowledgeMs, databaseMs, totalMs: claudeMs + knowledgeMs + databaseMs };
}

/** What the start-up check found: errors stop the bot, warnings are logged. */
export interface PreflightResult {
  errors: string[];
  warnings: string[];
}

const seconds = (ms: number) => `${Number((ms / 1000).toFixed(1))} s`;

/**
 * The checks a bot runs before it touches anything, each a mistake that would otherwise show up later and
 * somewhere else: a lab default sent to a real API, a webhook anyone can post to, a handler budget longer than
 * the webhook timeout (Telegram redelivers, and without dedup the user gets two answers), a long poll cut by its
 * own HTTP timeout.
 *
 * @example
 * const { errors, warnings } = preflight(config);
 * if (errors.length > 0) throw new ConfigError(errors.join('\n'));
 */
export function preflight(config: BotConfig): PreflightResult {
  const errors: string[] = [];
  const warnings: string[] = [];
  const { telegram, claude } = config;

  if (hostOf(telegram.apiRoot) === REAL_API_HOSTS.telegram && telegram.token === LAB_DEFAULTS.telegramToken) {
    errors.push(
      `telegram.token is botcap's lab default, which only the fake Telegram accepts, but telegram.apiRoot is ${telegram.apiRoot}: set BOT_TOKEN to your bot's token from @BotFather, or point TELEGRAM_API_ROOT at a fake (\`botcap dev\`, \`botcap fakes\`)`,
    );
  }
  if (hostOf(claude.baseUrl) === REAL_API_HOSTS.anthropic && claude.apiKey === LAB_DEFAULTS.anthropicApiKey) {
    errors.push(
      `claude.apiKey is botcap's lab default, but claude.baseUrl is ${claude.baseUrl}: set ANTHROPIC_API_KEY to a key from the Anthropic console, or point ANTHROPIC_BASE_URL at a fake (\`botcap dev\`, \`botcap fakes\`)`,
    );
  }

  if (telegram.transport === 'polling' && telegram.apiTimeoutS <= telegram.pollTimeoutS) {
    errors.push(
      `telegram.apiTimeoutS (${telegram.apiTimeoutS}) must exceed telegram.pollTimeoutS (${telegram.pollTimeoutS}): getUpdates shares the API timeout`,
    );
  }

  if (telegram.transport === 'webhook') {
    if (telegram.webhookSecret === undefined && !telegram.setWebhook) {
      errors.push(
        'telegram.webhookSecret is unset and telegram.setWebhook is off: nobody could tell Telegram the secret, and without one anyone who finds the URL can post updates. Set WEBHOOK_SECRET (1-256 of A-Z a-z 0-9 _ -, e.g. `openssl rand -hex 32`), the same for every instance',
      );
    }
    const budget = answerBudget(config);
    if (budget.totalMs > telegram.webhookTimeoutMs) {
      const sum = `Claude ${seconds(budget.claudeMs)}${budget.knowledgeMs > 0 ? ` + knowledge ${seconds(budget.knowledgeMs)}` : ''} + database ${seconds(budget.databaseMs)}`;
      const message = `an answer may take ${seconds(budget.totalMs)} (${sum}) but telegram.webhookTimeoutMs is ${seconds(telegram.webhookTimeoutMs)}: lower resilience.timeoutMs, resilience.retryMaxAttempts or resilience.retryMaxDelayMs, or raise telegram.webhookTimeoutMs (below Telegram's own limit, about a minute)`;
      if (telegram.webhookOnTimeout === 'throw') {
        errors.push(`${message}; with webhookOnTimeout "throw" every slow answer would be delivered again`);
      } else {
        warnings.push(`${message}; with webhookOnTimeout "return" a slow answer may arrive after the chat's next one`);
      }
    }
    if (telegram.dedupUpdates && telegram.updateLeaseMs < budget.totalMs) {
      warnings.push(
        `telegram.updateLeaseMs (${seconds(telegram.updateLeaseMs)}) is shorter than an answer may take (${seconds(budget.totalMs)}): a redelivery could take over an update that is still being answered`,
      );
    }
  }
  return { errors, warnings };
}

function hostOf(url: string): string | undefined {
  return URL.canParse(url) ? new URL(url).hostname : undefined;
}
