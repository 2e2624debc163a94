import { ERRORS } from './api-error.ts';
import type { BotState } from './bot-state.ts';
import type { ChatState } from './chats.ts';
import type { CallFacts, Handler } from './methods.ts';
import { FAKE_TELEGRAM_DEFAULTS as D } from './options.ts';
import { type Params, paramBool, paramInt, paramJson, paramString } from './params.ts';
import { checkButtonData, parseReplyMarkup } from './reply-markup.ts';

/**
 * Methods about chats and messages: send, edit, delete, callback answers, chat actions. Each checks
 * what Telegram checks, in its order (tdlib/telegram-bot-api's Client.cpp: a method's own parameters,
 * then the chat, then what needs the chat), and throws Telegram's own error text.
 */

const PARSE_MODES = new Set(['', 'none', 'html', 'markdown', 'markdownv2']);
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

function hasChatId(params: Params): boolean {
  const raw = params.chat_id;
  return raw !== undefined && raw !== null && raw !== '';
}

export function resolveChat(bot: BotState, params: Params, facts: CallFacts): ChatState {
  if (!hasChatId(params)) throw ERRORS.chatIdEmpty();
  const raw = params.chat_id;
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

/**
 * The text parameters, checked before the chat as the Bot API server does: an absent or empty text and an
 * unknown parse_mode. Length and whitespace-only text are {@link checkTextContent}'s, after the chat.
 */
function checkTextParams(params: Params, facts: CallFacts): string {
  const text = paramString(params, 'text') ?? '';
  facts.textLength = text.length;
  if (text.length === 0) throw ERRORS.textEmpty();
  const parseMode = params.parse_mode;
  if (parseMode !== undefined && parseMode !== null) {
    if (typeof parseMode !== 'string' || !PARSE_MODES.has(parseMode.toLowerCase())) throw ERRORS.badParseMode();
  }
  return text;
}

/** What Telegram's servers refuse once the chat is known: a text of blanks only, or one over 4096 characters. */
function checkTextContent(text: string): void {
  if (text.trim().length === 0) throw ERRORS.textEmpty();
  if (text.length > D.messageTextMaxChars) throw ERRORS.textTooLong();
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

interface ReplyTo {
  messageId: number;
  allowWithoutReply: boolean;
}

/** The message a send replies to, parsed (before the chat, as the server parses reply_parameters first). */
function parseReplyTo(params: Params): ReplyTo | undefined {
  let messageId = paramInt(params, 'reply_to_message_id');
  let allowWithoutReply = paramBool(params, 'allow_sending_without_reply');
  if (messageId === undefined && params.reply_parameters !== undefined) {
    const parameters = paramJson(params, 'reply_parameters');
    if (parameters === null || typeof parameters !== 'object') throw ERRORS.badRequest("can't parse reply parameters");
    const { message_id: id, allow_sending_without_reply: allow } = parameters as Params;
    if (typeof id !== 'number') throw ERRORS.badRequest('message to be replied not found');
    messageId = id;
    allowWithoutReply ||= allow === true;
  }
  return messageId === undefined ? undefined : { messageId, allowWithoutReply };
}

/** A reply to a user's message names its update exactly: the best correlation a bot can give. */
function checkReplyTo(chat: ChatState, replyTo: ReplyTo, facts: CallFacts): void {
  const original = chat.messages.get(replyTo.messageId);
  if (original === undefined) {
    if (!replyTo.allowWithoutReply) throw ERRORS.badRequest('message to be replied not found');
    return;
  }
  if (!Number.isNaN(original.updateId)) facts.updateId = original.updateId;
}

/**
 * Telegram's order: the parameters first (text, reply, markup), then the chat, then what needs the chat.
 * So an empty text to an unknown chat answers "message text is empty", as the real server does.
 */
export const sendMessage: Handler = (bot, params, facts) => {
  const text = checkTextParams(params, facts);
  const replyTo =
    params.reply_parameters !== undefined || params.reply_to_message_id !== undefined
      ? parseReplyTo(params)
      : undefined;
  const replyMarkup = parseReplyMarkup(params);
  const markup = bot.chats.internMarkup(replyMarkup.json);
  const chat = resolveChat(bot, params, facts);
  checkTextContent(text);
  if (replyTo !== undefined) checkReplyTo(chat, replyTo, facts);
  checkCanSend(bot, chat);
  checkButtonData(replyMarkup);
  const dateS = bot.nowS();
  const id = bot.chats.addMessage(chat, { text, markupJson: markup, fromBot: true, dateS, updateId: Number.NaN });
  facts.messageId = id;
  return facts.resultRead ? `${messageJson(bot, chat, id, dateS, text, markup)}}` : '';
};

/**
 * The bot message an edit targets. Without chat_id and message_id it is an inline message, which the fake
 * never holds; the message id's type is checked before the chat, its existence after.
 */
function editableMessage(bot: BotState, params: Params, facts: CallFacts) {
  const messageId = paramInt(params, 'message_id');
  if (!hasChatId(params) && messageId === undefined) {
    if ((paramString(params, 'inline_message_id') ?? '') === '') throw ERRORS.messageIdMissing();
    throw ERRORS.messageToEditNotFound();
  }
  const chat = resolveChat(bot, params, facts);
  if (messageId === undefined) throw ERRORS.messageToEditNotFound();
  facts.messageId = messageId;
  const stored = chat.messages.get(messageId);
  if (stored === undefined) throw ERRORS.messageToEditNotFound();
  if (!stored.fromBot) throw ERRORS.badRequest("message can't be edited");
  return { chat, id: messageId, stored };
}

export const editMessageText: Handler = (bot, params, facts) => {
  const text = checkTextParams(params, facts);
  const replyMarkup = parseReplyMarkup(params);
  const markup = bot.chats.internMarkup(replyMarkup.json);
  const { chat, id, stored } = editableMessage(bot, params, facts);
  checkTextContent(text);
  if (stored.text === text && stored.markupJson === markup) throw ERRORS.notModified();
  checkCanSend(bot, chat);
  checkButtonData(replyMarkup);
  stored.text = text;
  stored.markupJson = markup;
  if (!facts.resultRead) return '';
  return `${messageJson(bot, chat, id, stored.dateS, text, markup)},"edit_date":${bot.nowS()}}`;
};

export const editMessageReplyMarkup: Handler = (bot, params, facts) => {
  const replyMarkup = parseReplyMarkup(params);
  const markup = bot.chats.internMarkup(replyMarkup.json);
  const { chat, id, stored } = editableMessage(bot, params, facts);
  if (stored.markupJson === markup) throw ERRORS.notModified();
  checkCanSend(bot, chat);
  checkButtonData(replyMarkup);
  stored.markupJson = markup;
  if (!facts.resultRead) return '';
  return `${messageJson(bot, chat, id, stored.dateS, stored.text, markup)},"edit_date":${bot.nowS()}}`;
};

export const answerCallbackQuery: Handler = (bot, params, facts) => {
  const id = paramString(params, 'callback_query_id');
  const updateId = id === undefined ? undefined : bot.answerCallbackQuery(id);
  if (updateId === undefined) throw ERRORS.queryTooOld();
  facts.updateId = updateId;
  facts.textLength = paramString(params, 'text')?.length ?? -1;
  return 'true';
};

export const sendChatAction: Handler = (bot, params, facts) => {
  const action = paramString(params, 'action');
  if (action === undefined || !CHAT_ACTIONS.has(action)) throw ERRORS.wrongAction();
  const chat = resolveChat(bot, params, facts);
  if (chat.type === 'private' && bot.chats.blocked.has(chat.id)) throw ERRORS.blocked();
  return 'true';
};

export const deleteMessage: Handler = (bot, params, facts) => {
  if (!hasChatId(params)) throw ERRORS.chatIdMissing();
  const id = paramInt(params, 'message_id');
  if (id === undefined || id <= 0) throw ERRORS.messageIdMissing();
  const chat = resolveChat(bot, params, facts);
  facts.messageId = id;
  if (!chat.messages.delete(id)) throw ERRORS.messageToDeleteNotFound();
  return 'true';
};

export const getChat: Handler = (bot, params, facts) => resolveChat(bot, params, facts).json;
