/**
 * Lab only: the defaults that let the reference bot run against botcap's fakes with no setup. The token is the
 * one `botcap fakes` (and the fake Telegram in tests) accepts by default; the fake Claude takes any API key.
 * A production bot has no default for either: it gets its token from @BotFather and its key from the Anthropic
 * console, through the environment. `config/preflight.ts` refuses to start with these against the real APIs,
 * and a test keeps the token equal to the fake's (`FAKE_TELEGRAM_DEFAULTS.token`).
 *
 * @example
 * new Bot(LAB_DEFAULTS.telegramToken, { client: { apiRoot: fakeTelegram.url } });
 */
export const LAB_DEFAULTS = {
  telegramToken: '123456:TEST-botcap-fake-token-0000000000',
  anthropicApiKey: 'sk-ant-botcap-fake-key',
} as const;

/** The real API roots: a lab default sent there is a mistake, never a test. */
export const REAL_API_HOSTS = { telegram: 'api.telegram.org', anthropic: 'api.anthropic.com' } as const;
