import { ERRORS } from './api-error.ts';
import type { BotState } from './bot-state.ts';
import type { Handler } from './methods.ts';
import { FAKE_TELEGRAM_DEFAULTS as D } from './options.ts';
import { type Params, paramBool, paramInt, paramJson, paramString } from './params.ts';
import type { WebhookInfo } from './records.ts';
import type { PollHandle } from './update-store.ts';
import { WebhookActor } from './webhook.ts';

/** Methods about receiving updates: getUpdates (long polling) and the webhook's set/delete/info. */

const SECRET_TOKEN = /^[A-Za-z0-9_-]{1,256}$/;
const UPDATE_TYPES = new Set([
  'message',
  'edited_message',
  'channel_post',
  'edited_channel_post',
  'business_connection',
  'business_message',
  'edited_business_message',
  'deleted_business_messages',
  'message_reaction',
  'message_reaction_count',
  'inline_query',
  'chosen_inline_result',
  'callback_query',
  'shipping_query',
  'pre_checkout_query',
  'purchased_paid_media',
  'poll',
  'poll_answer',
  'my_chat_member',
  'chat_member',
  'chat_join_request',
  'chat_boost',
  'removed_chat_boost',
]);

function readAllowedUpdates(bot: BotState, params: Params): void {
  if (params.allowed_updates === undefined) return;
  const value = paramJson(params, 'allowed_updates');
  if (value === undefined) return;
  if (!Array.isArray(value) || !value.every((type) => typeof type === 'string')) {
    throw ERRORS.badRequest("can't parse allowed_updates JSON array");
  }
  bot.store.allowedUpdates = value.filter((type) => UPDATE_TYPES.has(type));
}

export const deleteWebhook: Handler = (bot, params) => {
  if (paramBool(params, 'drop_pending_updates')) bot.store.dropAll('drop_pending_updates');
  bot.closeWebhook();
  return 'true';
};

export const setWebhook: Handler = (bot, params, facts) => {
  const url = paramString(params, 'url') ?? '';
  if (url === '') return deleteWebhook(bot, params, facts);
  let parsed: URL;
  try {
    parsed = new URL(url);
  } catch {
    throw ERRORS.badRequest('bad webhook: invalid URL');
  }
  if (parsed.protocol !== 'http:' && parsed.protocol !== 'https:') {
    throw ERRORS.badRequest('bad webhook: HTTPS URL must be provided for webhook');
  }
  const secretToken = paramString(params, 'secret_token');
  if (secretToken !== undefined && secretToken !== '' && !SECRET_TOKEN.test(secretToken)) {
    throw ERRORS.badRequest(
      secretToken.length > 256 ? 'secret token is too long' : 'secret token contains unallowed characters',
    );
  }
  const requested = paramInt(params, 'max_connections') ?? D.maxConnectionsDefault;
  const maxConnections = Math.min(D.maxConnectionsMax, Math.max(1, requested));
  readAllowedUpdates(bot, params);
  if (paramBool(params, 'drop_pending_updates')) {
    bot.webhook?.clearQueues();
    bot.store.dropAll('drop_pending_updates');
  }
  bot.store.cancelPoll();
  const config = { url, secretToken: secretToken === '' ? undefined : secretToken, maxConnections };
  if (bot.webhook !== undefined && bot.webhook.config.url === url) bot.webhook.reconfigure(config);
  else {
    bot.closeWebhook();
    bot.webhook = new WebhookActor(bot, config);
  }
  return 'true';
};

/** The bot's WebhookInfo, as getWebhookInfo answers it. */
export function webhookInfoOf(bot: BotState): WebhookInfo {
  const webhook = bot.webhook;
  const info: WebhookInfo = {
    url: webhook?.config.url ?? '',
    has_custom_certificate: false,
    pending_update_count: bot.store.pending.size,
  };
  if (webhook !== undefined) {
    if (webhook.lastErrorDateS !== undefined) {
      info.last_error_date = webhook.lastErrorDateS;
      info.last_error_message = webhook.lastErrorMessage;
    }
    info.max_connections = webhook.config.maxConnections;
    if (bot.store.allowedUpdates.length > 0) info.allowed_updates = [...bot.store.allowedUpdates];
  }
  return info;
}

export const getWebhookInfo: Handler = (bot) => JSON.stringify(webhookInfoOf(bot));

export const getUpdatesPoll = (bot: BotState, params: Params): PollHandle => {
  if (bot.webhook !== undefined) throw ERRORS.webhookActive();
  const offset = paramInt(params, 'offset') ?? 0;
  const limit = Math.min(D.getUpdatesLimitMax, Math.max(1, paramInt(params, 'limit') ?? D.getUpdatesLimitMax));
  const timeoutS = Math.min(D.getUpdatesTimeoutMaxS, Math.max(0, paramInt(params, 'timeout') ?? 0));
  readAllowedUpdates(bot, params);
  bot.store.applyOffset(offset);
  return bot.store.poll(limit, timeoutS * 1000);
};
