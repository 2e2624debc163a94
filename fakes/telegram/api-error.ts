/**
 * A refusal in the Bot API's own shape: `{ok:false,error_code,description,parameters?}` with the HTTP
 * status equal to `error_code`. Thrown by method handlers and the params parser, turned into a reply
 * by the server; the server never lets any other error reach a client.
 *
 * @example
 * throw new ApiError(400, 'Bad Request: chat not found');
 */
export class ApiError extends Error {
  override name = 'ApiError';
  constructor(
    readonly errorCode: number,
    readonly description: string,
    /** Seconds; only for 429, sent as `parameters.retry_after` and the `Retry-After` header. */
    readonly retryAfterS?: number,
  ) {
    super(description);
  }

  /** The reply body, already serialised. */
  toJson(): string {
    const parameters = this.retryAfterS === undefined ? '' : `,"parameters":{"retry_after":${this.retryAfterS}}`;
    return `{"ok":false,"error_code":${this.errorCode},"description":${JSON.stringify(this.description)}${parameters}}`;
  }
}

/** Telegram's exact descriptions, so a bot's error handling sees what production would send it. */
export const ERRORS = {
  invalidToken: () => new ApiError(401, 'Unauthorized: invalid token specified'),
  unknownToken: () => new ApiError(401, 'Unauthorized'),
  methodNotFound: () => new ApiError(404, 'Not Found: method not found'),
  notFound: () => new ApiError(404, 'Not Found'),
  tooLarge: () => new ApiError(413, 'Request Entity Too Large'),
  webhookActive: () =>
    new ApiError(
      409,
      "Conflict: can't use getUpdates method while webhook is active; use deleteWebhook to delete the webhook first",
    ),
  terminatedByOther: () =>
    new ApiError(
      409,
      'Conflict: terminated by other getUpdates request; make sure that only one bot instance is running',
    ),
  textEmpty: () => new ApiError(400, 'Bad Request: message text is empty'),
  textTooLong: () => new ApiError(400, 'Bad Request: message is too long'),
  badParseMode: () => new ApiError(400, 'Bad Request: unsupported parse_mode'),
  chatNotFound: () => new ApiError(400, 'Bad Request: chat not found'),
  chatIdEmpty: () => new ApiError(400, 'Bad Request: chat_id is empty'),
  chatIdMissing: () => new ApiError(400, 'Bad Request: chat identifier is not specified'),
  blocked: () => new ApiError(403, 'Forbidden: bot was blocked by the user'),
  notModified: () =>
    new ApiError(
      400,
      'Bad Request: message is not modified: specified new message content and reply markup are exactly the same as a current content and reply markup of the message',
    ),
  messageToEditNotFound: () => new ApiError(400, 'Bad Request: message to edit not found'),
  messageToDeleteNotFound: () => new ApiError(400, 'Bad Request: message to delete not found'),
  messageIdMissing: () => new ApiError(400, 'Bad Request: message identifier is not specified'),
  queryTooOld: () =>
    new ApiError(400, 'Bad Request: query is too old and response timeout expired or query ID is invalid'),
  wrongAction: () => new ApiError(400, 'Bad Request: wrong parameter action in request'),
  tooManyRequests: (retryAfterS: number) =>
    new ApiError(429, `Too Many Requests: retry after ${retryAfterS}`, retryAfterS),
  badRequest: (what: string) => new ApiError(400, `Bad Request: ${what}`),
} as const;
