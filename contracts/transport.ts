/**
 * How Telegram delivers updates to a bot: long polling (`getUpdates`) or a webhook (`setWebhook`). One list
 * for the reference bot's config, a scenario's `bot.transport`, the `--transport` flag and the RunResult.
 *
 * @example
 * z.enum(TRANSPORTS).parse('webhook') // 'webhook'
 */
export const TRANSPORTS = ['polling', 'webhook'] as const;
export type Transport = (typeof TRANSPORTS)[number];
