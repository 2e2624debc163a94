import { ApiError, ERRORS } from './api-error.ts';
import type { Params } from './params.ts';

/** Telegram's limit on an inline button's callback_data, in UTF-8 bytes (InlineKeyboardButton, Bot API). */
const CALLBACK_DATA_MAX_BYTES = 64;

/** The button fields that give an inline button its action besides url and callback_data (tdlib's list). */
const OTHER_BUTTON_TYPES = [
  'callback_game',
  'pay',
  'switch_inline_query',
  'switch_inline_query_chosen_chat',
  'switch_inline_query_current_chat',
  'login_url',
  'web_app',
  'copy_text',
] as const;

/** A send's or edit's reply_markup, read and checked. */
export interface ReplyMarkup {
  /** Canonical JSON text for storage and equality checks; '' when there is none. */
  json: string;
  /**
   * A callback_data over 64 bytes. The Bot API server passes it on and Telegram refuses the message with
   * BUTTON_DATA_INVALID, so that check comes where the message is sent (after the chat's): {@link checkButtonData}.
   */
  callbackDataTooLong: boolean;
}

const NONE: ReplyMarkup = { json: '', callbackDataTooLong: false };

/**
 * reply_markup as the Bot API server reads it (tdlib/telegram-bot-api, `Client::get_reply_markup`): JSON text or
 * an object; an object; keyboards as arrays of rows; each inline button an object with a `text` and exactly
 * the kind of action that makes it a button (url, callback_data, ...). A bot tested against a fake that takes
 * any markup meets these refusals first in production, so the fake refuses with the server's own words.
 * String fields may be numbers (the server reads `"callback_data": 1` as "1", and so is it stored here).
 *
 * @example
 * parseReplyMarkup({ reply_markup: { inline_keyboard: [[{ text: 'Go' }]] } })
 * // throws 400 "Bad Request: can't parse inline keyboard button: Text buttons are unallowed in the inline keyboard"
 */
export function parseReplyMarkup(params: Params): ReplyMarkup {
  let value = params.reply_markup;
  if (value === undefined || value === null || value === '') return NONE;
  if (typeof value === 'string') {
    try {
      value = JSON.parse(value);
    } catch {
      throw ERRORS.badRequest("can't parse reply keyboard markup JSON object");
    }
  }
  if (value === null || typeof value !== 'object' || Array.isArray(value)) {
    throw ERRORS.badRequest('object expected as reply markup');
  }
  const markup = value as Record<string, unknown>;
  checkRows(markup, 'keyboard', 'field "keyboard" must be an Array of Arrays');
  const inline = checkRows(
    markup,
    'inline_keyboard',
    'field "inline_keyboard" of the InlineKeyboardMarkup must be an Array of Arrays',
  );
  let callbackDataTooLong = false;
  for (const row of inline) {
    for (const button of row) {
      const dataBytes = checkInlineButton(button);
      if (dataBytes > CALLBACK_DATA_MAX_BYTES) callbackDataTooLong = true;
    }
  }
  return { json: JSON.stringify(markup), callbackDataTooLong };
}

/** Where the message would go out: Telegram refuses an inline button whose callback_data is over 64 bytes. */
export function checkButtonData(markup: ReplyMarkup): void {
  if (markup.callbackDataTooLong) throw new ApiError(400, 'Bad Request: BUTTON_DATA_INVALID');
}

/** A keyboard field's rows: absent is none; otherwise an array of arrays. */
function checkRows(markup: Record<string, unknown>, field: string, notRows: string): unknown[][] {
  const rows = markup[field];
  if (rows === undefined) return [];
  if (!Array.isArray(rows)) throw ERRORS.badRequest(`field "${field}" must be of type Array`);
  for (const row of rows) if (!Array.isArray(row)) throw ERRORS.badRequest(notRows);
  return rows as unknown[][];
}

/**
 * One inline button, in the server's order: an object, its text, then its action (a non-empty url or
 * callback_data first, then the other kinds). Returns the callback_data's UTF-8 bytes (0 without one), and
 * replaces a numeric text, url or callback_data by its string, as the server reads it.
 */
function checkInlineButton(button: unknown): number {
  if (button === null || typeof button !== 'object' || Array.isArray(button)) {
    throw buttonError('InlineKeyboardButton must be an Object');
  }
  const fields = button as Record<string, unknown>;
  if (!('text' in fields)) throw buttonError('Can\'t find field "text"');
  stringField(fields, 'text');
  if (stringField(fields, 'url') !== '') return 0;
  const data = stringField(fields, 'callback_data');
  if (data !== '') return Buffer.byteLength(data, 'utf8');
  if (OTHER_BUTTON_TYPES.some((type) => type in fields)) return 0;
  throw buttonError('Text buttons are unallowed in the inline keyboard');
}

/** A string field of a button ('' when absent); a number is read as its string, anything else is refused. */
function stringField(fields: Record<string, unknown>, name: string): string {
  const value = fields[name];
  if (value === undefined) return '';
  if (typeof value === 'string') return value;
  if (typeof value === 'number') {
    fields[name] = String(value);
    return String(value);
  }
  throw buttonError(`Field "${name}" must be of type String`);
}

function buttonError(reason: string): ApiError {
  return ERRORS.badRequest(`can't parse inline keyboard button: ${reason}`);
}
