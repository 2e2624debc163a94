import { ERRORS } from './api-error.ts';
import type { BotState } from './bot-state.ts';
import type { ChatState } from './chats.ts';
import type { CallFacts, Handler } from './methods.ts';
import { FAKE_TELEGRAM_DEFAULTS as D } from './options.ts';
import { type Params, paramBool, paramInt, paramJson, paramJsonText, paramString } from './params.ts';

/**
 * Methods about chats and messages: send, edit, delete, callback answers, chat actions. Each checks
 * what Telegram checks, in its order, and throws Telegram's own error text.
 */

const PARSE_MODES = new Set(['', 'html', 'markdown', 'markdownv2']);
const CHAT_ACTIONS = new Set([
  'typing',
  'upload_photo',
  'record_video',
  'upload_video',
  'record_voice',
  'upload_voice',
  'upload_document',
  'choose_sticker',
  'find_location',
  'record_video_note',
  'upload_video_note',
]);

export function resolveChat(bot: BotState, params: Params, facts: CallFacts): ChatState {
  const raw = params.chat_id;
  if (raw === undefined || raw === null || raw === '') throw ERRORS.chatIdEmpty();
  if (typeof raw === 'string' && raw.startsWith('@')) throw ERRORS.chatNotFound();
  let id: number | undefined;
  try {
    id = paramInt(params, 'chat_id');
  } catch {
    throw ERRORS.chatNotFound();
  }
  facts.chatId = id ?? Number.NaN;
  const chat = id === undefined ? undefined : bot.chats.chats.get(id);
  if (chat === undefined) throw ERRORS.chatNotFound();
  return chat;
}

function checkText(params: Params, facts: CallFacts): string {
  const text = paramString(params, 'text') ?? '';
  facts.textLength = text.length;
  if (text.trim().length === 0) throw ERRORS.textEmpty();
  if (text.length > D.messageTextMaxChars) throw ERRORS.textTooLong();
  const parseMode = params.parse_mode;
  if (parseMode !== undefined && parseMode !== null) {
    if (typeof parseMode !== 'string' || !PARSE_MODES.has(parseMode.toLowerCase())) throw ERRORS.badParseMode();
  }
  return text;
}

function checkCanSend(bot: BotState, chat: ChatState): void {
  if (chat.type === 'private' && bot.chats.blocked.has(chat.id)) throw ERRORS.blocked();
  const waitS = bot.flood.take(chat.id, chat.type !== 'private');
  if (waitS > 0) throw ERRORS.tooManyRequests(waitS);
}

function messageJson(bot: BotState, chat: ChatState, id: number, dateS: number, text: string, markup: string): string {
  const markupPart = markup === '' ? '' : `,"reply_markup":${markup}`;
  const textPart = text === '' ? '' : `,"text":${JSON.stringify(text)}`;
  return `{"message_id":${id},"from":${bot.fromJson},"chat":${chat.json},"date":${dateS}${textPart}${markupPart}`;
}

function messageIdOf(params: Params): number {
  const id = paramInt(params, 'message_id');
  if (id === undefined) throw ERRORS.messageIdMissing();
  return id;
}

/** A reply to a user's message names its update exactly: the best correlation a bot can give. */
function checkReplyTo(chat: ChatState, params: Params, facts: CallFacts): void {
  let replyTo = paramInt(params, 'reply_to_message_id');
  let allowWithoutReply = paramBool(params, 'allow_sending_without_reply');
  if (replyTo === undefined && params.reply_parameters !== undefined) {
    const parameters = paramJson(params, 'reply_parameters');
    if (parameters === null || typeof parameters !== 'object') throw ERRORS.badRequest("can't parse reply parameters");
    const { message_id: messageId, allow_sending_without_reply: allow } = parameters as Params;
    if (typeof messageId !== 'number') throw ERRORS.badRequest('message to be replied not found');
    replyTo = messageId;
    allowWithoutReply ||= allow === true;
  }
  if (replyTo === undefined) return;
  const original = chat.messages.get(replyTo);
  if (original === undefined) {
    if (!allowWithoutReply) throw ERRORS.badRequest('message to be replied not found');
    return;
  }
  if (!Number.isNaN(original.updateId)) facts.updateId = original.updateId;
}

export const sendMessage: Handler = (bot, params, facts) => {
  const chat = resolveChat(bot, params, facts);
  const text = checkText(params, facts);
  const markup = bot.chats.internMarkup(paramJsonText(params, 'reply_markup'));
  if (params.reply_parameters !== undefined || params.reply_to_message_id !== undefined) {
    checkReplyTo(chat, params, facts);
  }
  checkCanSend(bot, chat);
  const dateS = bot.nowS();
  const id = bot.chats.addMessage(chat, { text, markupJson: markup, fromBot: true, dateS, updateId: Number.NaN });
  facts.messageId = id;
  return `${messageJson(bot, chat, id, dateS, text, markup)}}`;
};

function editableMessage(bot: BotState, params: Params, facts: CallFacts) {
  if (params.inline_message_id !== undefined) throw ERRORS.messageToEditNotFound();
  const chat = resolveChat(bot, params, facts);
  const id = messageIdOf(params);
  facts.messageId = id;
  const stored = chat.messages.get(id);
  if (stored === undefined) throw ERRORS.messageToEditNotFound();
  if (!stored.fromBot) throw ERRORS.badRequest("message can't be edited");
  return { chat, id, stored };
}

export const editMessageText: Handler = (bot, params, facts) => {
  const text = checkText(params, facts);
  const { chat, id, stored } = editableMessage(bot, params, facts);
  const markup = bot.chats.internMarkup(paramJsonText(params, 'reply_markup'));
  if (stored.text === text && stored.markupJson === markup) throw ERRORS.notModified();
  checkCanSend(bot, chat);
  stored.text = text;
  stored.markupJson = markup;
  return `${messageJson(bot, chat, id, stored.dateS, text, markup)},"edit_date":${bot.nowS()}}`;
};

export const editMessageReplyMarkup: Handler = (bot, params, facts) => {
  const { chat, id, stored } = editableMessage(bot, params, facts);
  const markup = bot.chats.internMarkup(paramJsonText(params, 'reply_markup'));
  if (stored.markupJson === markup) throw ERRORS.notModified();
  checkCanSend(bot, chat);
  stored.markupJson = markup;
  return `${messageJson(bot, chat, id, stored.dateS, stored.text, markup)},"edit_date":${bot.nowS()}}`;
};

export const answerCallbackQuery: Handler = (bot, params, facts) => {
  const id = paramString(params, 'callback_query_id');
  const updateId = id === undefined ? undefined : bot.callbackQueries.get(id);
  if (id === undefined || updateId === undefined) throw ERRORS.queryTooOld();
  bot.callbackQueries.delete(id);
  facts.updateId = updateId;
  facts.textLength = paramString(params, 'text')?.length ?? -1;
  return 'true';
};

export const sendChatAction: Handler = (bot, params, facts) => {
  const chat = resolveChat(bot, params, facts);
  const action = paramString(params, 'action');
  if (action === undefined || !CHAT_ACTIONS.has(action)) throw ERRORS.wrongAction();
  if (chat.type === 'private' && bot.chats.blocked.has(chat.id)) throw ERRORS.blocked();
  return 'true';
};

export const deleteMessage: Handler = (bot, params, facts) => {
  const chat = resolveChat(bot, params, facts);
  const id = messageIdOf(params);
  facts.messageId = id;
  if (!chat.messages.delete(id)) throw ERRORS.messageToDeleteNotFound();
  return 'true';
};

export const getChat: Handler = (bot, params, facts) => resolveChat(bot, params, facts).json;
