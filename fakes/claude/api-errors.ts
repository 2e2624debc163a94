/**
 * The API's error vocabulary: each error type with its HTTP status, and the body shape
 * `{type:"error",error:{type,message},request_id}` every SDK parses.
 */

export const API_ERROR_STATUS = {
  invalid_request_error: 400,
  authentication_error: 401,
  permission_error: 403,
  not_found_error: 404,
  request_too_large: 413,
  rate_limit_error: 429,
  api_error: 500,
  timeout_error: 504,
  overloaded_error: 529,
} as const;

export type ApiErrorType = keyof typeof API_ERROR_STATUS;

/**
 * An error the fake answers with. Thrown inside handlers, turned into a response at the edge.
 *
 * @example
 * throw new ApiError('not_found_error', 'model: claude-nope');
 */
export class ApiError extends Error {
  override name = 'ApiError';
  readonly status: number;
  constructor(
    readonly type: ApiErrorType,
    message: string,
    /** Extra response headers, e.g. `retry-after` on a 429. */
    readonly headers: Readonly<Record<string, string>> = {},
  ) {
    super(message);
    this.status = API_ERROR_STATUS[type];
  }
}

/**
 * The JSON body of an error response.
 *
 * @example
 * errorBody('overloaded_error', 'Overloaded', 'req_01...') // '{"type":"error","error":{...},"request_id":"req_01..."}'
 */
export function errorBody(type: ApiErrorType, message: string, requestId: string): string {
  return JSON.stringify({ type: 'error', error: { type, message }, request_id: requestId });
}
