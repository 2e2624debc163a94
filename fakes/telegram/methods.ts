import { ApiError } from './api-error.ts';
import type { BotState } from './bot-state.ts';
import {
  answerCallbackQuery,
  deleteMessage,
  editMessageReplyMarkup,
  editMessageText,
  getChat,
  sendChatAction,
  sendMessage,
} from './message-methods.ts';
import type { Params } from './params.ts';
import type { CallSource } from './records.ts';
import { deleteWebhook, getUpdatesPoll, getWebhookInfo, setWebhook } from './update-methods.ts';
import type { PollHandle } from './update-store.ts';

/** Facts a handler reports about its call, for the recorder; reused per call (handlers are synchronous). */
export interface CallFacts {
  chatId: number;
  messageId: number;
  textLength: number;
  updateId: number;
  /**
   * Whether anyone reads the result: false for a webhook reply, whose result Telegram sends nowhere, so a
   * handler may return '' instead of building a message's JSON on the path every simulated update takes.
   */
  resultRead: boolean;
}

/** A synchronous method: returns the `result` as JSON text or throws {@link ApiError}. */
export type Handler = (bot: BotState, params: Params, facts: CallFacts) => string;

/** A method the fake implements; `name` is Telegram's spelling, used in records. */
export interface MethodDef {
  name: string;
  run: Handler;
  /** getUpdates only: may hold the request open. */
  poll?: (bot: BotState, params: Params) => PollHandle;
}

const getMe: Handler = (bot) => bot.meJson;
const alwaysTrue: Handler = () => 'true';

/** Every implemented method by lower-case name (Telegram matches method names case-insensitively). */
export const METHODS: ReadonlyMap<string, MethodDef> = new Map(
  (
    [
      { name: 'getMe', run: getMe },
      { name: 'getUpdates', run: () => '[]', poll: getUpdatesPoll },
      { name: 'setWebhook', run: setWebhook },
      { name: 'deleteWebhook', run: deleteWebhook },
      { name: 'getWebhookInfo', run: getWebhookInfo },
      { name: 'sendMessage', run: sendMessage },
      { name: 'editMessageText', run: editMessageText },
      { name: 'editMessageReplyMarkup', run: editMessageReplyMarkup },
      { name: 'answerCallbackQuery', run: answerCallbackQuery },
      { name: 'sendChatAction', run: sendChatAction },
      { name: 'deleteMessage', run: deleteMessage },
      { name: 'getChat', run: getChat },
      { name: 'getMyCommands', run: () => '[]' },
      ...[
        'setMyCommands',
        'deleteMyCommands',
        'setMyDescription',
        'setMyShortDescription',
        'setMyName',
        'setChatMenuButton',
        'logOut',
        'close',
      ].map((name) => ({ name, run: alwaysTrue })),
    ] satisfies MethodDef[]
  ).map((def) => [def.name.toLowerCase(), def]),
);

/** Methods a webhook reply may not carry (tdlib refuses them there). */
const NOT_IN_WEBHOOK_REPLY = /^(get|setwebhook$|deletewebhook$)/;

const facts: CallFacts = {
  chatId: Number.NaN,
  messageId: Number.NaN,
  textLength: -1,
  updateId: Number.NaN,
  resultRead: true,
};

/**
 * Runs a synchronous method and records it: returns the reply body ('' for a webhook reply, which has none), or
 * the {@link ApiError} to send. `updateId` attributes the call to an update when the caller knows it (a webhook reply).
 */
export function runMethod(
  bot: BotState,
  def: MethodDef,
  params: Params,
  paramsBytes: number,
  source: CallSource,
  updateId = Number.NaN,
): string | ApiError {
  facts.chatId = Number.NaN;
  facts.messageId = Number.NaN;
  facts.textLength = -1;
  facts.updateId = updateId;
  facts.resultRead = source === 'http';
  let body: string | ApiError;
  try {
    const result = def.run(bot, params, facts);
    body = facts.resultRead ? `{"ok":true,"result":${result}}` : '';
  } catch (error) {
    body = toApiError(error);
  }
  recordCall(bot, def.name, paramsBytes, body, source);
  return body;
}

/** Records a call whose facts are in the shared scratch (or absent, for getUpdates). */
export function recordCall(
  bot: BotState,
  method: string,
  paramsBytes: number,
  outcome: string | ApiError,
  source: CallSource,
): void {
  let updateId = facts.updateId;
  if (Number.isNaN(updateId) && !Number.isNaN(facts.chatId))
    updateId = bot.answeredUpdate(facts.chatId, facts.messageId);
  bot.recorder.record(
    bot.recorder.methodId(method),
    facts.chatId,
    paramsBytes,
    typeof outcome === 'string' ? 0 : outcome.errorCode,
    facts.messageId,
    facts.textLength,
    updateId,
    source,
  );
}

/** Resets the scratch before recording a call that ran no handler (unknown method, getUpdates). */
export function clearFacts(): void {
  facts.chatId = Number.NaN;
  facts.messageId = Number.NaN;
  facts.textLength = -1;
  facts.updateId = Number.NaN;
  facts.resultRead = true;
}

/** Any thrown value as the Bot API error a client should see; internal errors never leak details. */
export function toApiError(error: unknown): ApiError {
  if (error instanceof ApiError) return error;
  return new ApiError(500, 'Internal Server Error: the fake failed on this request');
}

/** Executes a `{method,...}` webhook answer as a bot call attributed to the update it answered. */
export function executeWebhookReply(bot: BotState, body: Record<string, unknown>, updateId: number): void {
  const name = String(body.method).toLowerCase();
  const def = METHODS.get(name);
  if (def === undefined || def.poll !== undefined || NOT_IN_WEBHOOK_REPLY.test(name)) return;
  const params: Params = Object.create(null) as Params;
  for (const key of Object.keys(body)) if (key !== 'method') params[key] = body[key];
  runMethod(bot, def, params, 0, 'webhook_reply', updateId);
}
