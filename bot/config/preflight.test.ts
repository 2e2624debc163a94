import { describe, expect, it } from 'vitest';
import { ConfigError } from '../../common/errors.ts';
import { FAKE_TELEGRAM_DEFAULTS } from '../../fakes/telegram/index.ts';
import { createBotApp } from '../app.ts';
import { BOT_DEFAULTS, type BotConfigInput, loadBotConfig } from './index.ts';
import { LAB_DEFAULTS } from './lab-defaults.ts';
import { answerBudget, preflight } from './preflight.ts';

/** A config against the fakes (no lab default meets a real API), changed by `overrides`. */
const labConfig = (overrides: BotConfigInput = {}) =>
  loadBotConfig({
    overrides: {
      telegram: { apiRoot: 'http://127.0.0.1:8081', ...overrides.telegram },
      claude: { baseUrl: 'http://127.0.0.1:8082', ...overrides.claude },
      ...Object.fromEntries(Object.entries(overrides).filter(([key]) => key !== 'telegram' && key !== 'claude')),
    },
  });

describe('the bot’s start-up checks', () => {
  it('use the token the fake Telegram accepts by default, so the lab works with no setup', () => {
    expect(BOT_DEFAULTS.telegram.token).toBe(FAKE_TELEGRAM_DEFAULTS.token);
    expect(preflight(labConfig())).toEqual({ errors: [], warnings: [] });
  });

  it('refuse the lab’s token and API key against the real APIs, naming the variable to set', async () => {
    const { errors } = preflight(loadBotConfig({}));
    expect(errors).toHaveLength(2);
    expect(errors[0]).toMatch(/telegram\.token is botcap's lab default.*api\.telegram\.org.*set BOT_TOKEN/);
    expect(errors[1]).toMatch(/claude\.apiKey is botcap's lab default.*api\.anthropic\.com.*set ANTHROPIC_API_KEY/);
    // Before anything is opened: the app refuses in start() and never reaches the database or the network.
    const app = createBotApp(loadBotConfig({ overrides: { observability: { logLevel: 'silent' } } }));
    await expect(app.start()).rejects.toThrow(ConfigError);
    await app.stop();
    const real = { BOT_TOKEN: '7000001:AAHrealLookingTokenFromBotFather', ANTHROPIC_API_KEY: 'sk-ant-api03-real' };
    expect(preflight(loadBotConfig({ env: real })).errors).toEqual([]);
    // The message names the lab default's role, never a real secret.
    expect(errors.join('\n')).not.toContain(LAB_DEFAULTS.telegramToken);
  });

  it('fit the default answer budget inside the default webhook timeout', () => {
    const budget = answerBudget(BOT_DEFAULTS);
    expect(budget.totalMs).toBeLessThanOrEqual(BOT_DEFAULTS.telegram.webhookTimeoutMs);
    expect(preflight(labConfig({ telegram: { transport: 'webhook' } }))).toEqual({ errors: [], warnings: [] });
  });

  it('refuse a webhook whose timeout is shorter than an answer may take with onTimeout "throw", and warn with "return"', () => {
    // The old defaults: a 10 s webhook against three 30 s Claude attempts.
    const old = { resilience: { timeoutMs: 30_000, retryMaxAttempts: 2, retryMaxDelayMs: 8_000 } };
    const throwing = preflight(labConfig({ ...old, telegram: { transport: 'webhook', webhookTimeoutMs: 10_000 } }));
    expect(throwing.errors).toEqual([
      expect.stringMatching(/an answer may take 111 s .* telegram\.webhookTimeoutMs is 10 s/),
    ]);
    const returning = preflight(
      labConfig({ ...old, telegram: { transport: 'webhook', webhookTimeoutMs: 10_000, webhookOnTimeout: 'return' } }),
    );
    expect(returning.errors).toEqual([]);
    expect(returning.warnings).toEqual([expect.stringMatching(/may arrive after the chat's next one/)]);
    // Polling has no webhook timeout to fit.
    expect(preflight(labConfig(old)).errors).toEqual([]);
  });

  it('count the knowledge lookup in the budget, and judge it the same at every time scale', () => {
    const withMcp = answerBudget(labConfig({ mcp: { url: 'http://127.0.0.1:8083/mcp' } }));
    expect(withMcp.knowledgeMs).toBe(2 * BOT_DEFAULTS.mcp.timeoutMs + BOT_DEFAULTS.resilience.retryMaxDelayMs);
    // The budget and the webhook timeout are both simulated: a budget that does not fit at 1x does not fit at 10x.
    const old = { resilience: { timeoutMs: 30_000, retryMaxAttempts: 2, retryMaxDelayMs: 8_000 } };
    for (const timeScale of [1, 10]) {
      const config = labConfig({
        ...old,
        time: { timeScale },
        telegram: { transport: 'webhook', webhookTimeoutMs: 10_000 },
      });
      expect(preflight(config).errors).toEqual([expect.stringMatching(/an answer may take 111 s/)]);
    }
  });

  it('refuse a webhook without a secret that nobody could register, and a long poll cut by its own timeout', () => {
    const unguarded = preflight(labConfig({ telegram: { transport: 'webhook', setWebhook: false } }));
    expect(unguarded.errors).toEqual([
      expect.stringMatching(/webhookSecret is unset and telegram\.setWebhook is off.*WEBHOOK_SECRET/),
    ]);
    const polling = preflight(labConfig({ telegram: { pollTimeoutS: 50, apiTimeoutS: 50 } }));
    expect(polling.errors).toEqual([
      expect.stringMatching(/apiTimeoutS \(50\) must exceed telegram\.pollTimeoutS \(50\)/),
    ]);
  });
});
