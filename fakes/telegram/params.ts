import busboy from 'busboy';
import { ERRORS } from './api-error.ts';

/**
 * A method's parameters as they arrived. Values are strings (query, urlencoded, multipart) or JSON
 * values (JSON body); the Bot API accepts both for every field, so accessors below coerce the way it does.
 * An index signature is right here: this is the untyped edge, and handlers read fields through accessors.
 */
export type Params = Record<string, unknown>;

/** A file part of a multipart body: its content is counted and dropped (the fake stores no files). */
export interface UploadedFile {
  filename: string;
  bytes: number;
}

/**
 * A request's params: the query string's, then the body's on top, read by the body's Content-Type (later
 * values of a name win, as in the Bot API server). Synchronous except for multipart, so the JSON hot path
 * does not pay for a promise; a JSON body with no query string is used as parsed, without a copy or a
 * params object of its own. Throws {@link ApiError} 400 on anything unreadable.
 *
 * @example
 * parseParams('', 'application/json', Buffer.from('{"chat_id":1,"text":"hi"}')) // { chat_id: 1, text: 'hi' }
 */
export function parseParams(query: string, contentType: string | undefined, body: Buffer): Params | Promise<Params> {
  if (body.length === 0) return queryParams(query);
  const type = mediaType(contentType);
  if (type === 'application/json' || (type === '' && body[0] === 0x7b)) return parseJson(body, query);
  if (type === 'application/x-www-form-urlencoded' || type === '') {
    const params = queryParams(query);
    addQueryParams(body.toString('utf8'), params);
    return params;
  }
  if (type === 'multipart/form-data') return parseMultipart(contentType ?? '', body, queryParams(query));
  throw ERRORS.badRequest(
    `unsupported Content-Type "${type.slice(0, 60)}"; send application/json, application/x-www-form-urlencoded or multipart/form-data`,
  );
}

/** A params object without a prototype, so a field named `__proto__` is just a field. */
function newParams(): Params {
  return Object.create(null) as Params;
}

function queryParams(query: string): Params {
  const params = newParams();
  addQueryParams(query, params);
  return params;
}

function addQueryParams(query: string, into: Params): void {
  if (query.length === 0) return;
  for (const [name, value] of new URLSearchParams(query)) into[name] = value;
}

function mediaType(contentType: string | undefined): string {
  if (contentType === undefined) return '';
  const semicolon = contentType.indexOf(';');
  return (semicolon === -1 ? contentType : contentType.slice(0, semicolon)).trim().toLowerCase();
}

function parseJson(body: Buffer, query: string): Params {
  let value: unknown;
  try {
    value = JSON.parse(body.toString('utf8'));
  } catch {
    throw ERRORS.badRequest("can't parse JSON object");
  }
  if (value === null || typeof value !== 'object' || Array.isArray(value)) {
    throw ERRORS.badRequest('the request body must be a JSON object');
  }
  // Handlers read named fields only, so the parsed object's prototype cannot leak a value into them.
  if (query.length === 0) return value as Params;
  const params = queryParams(query);
  for (const name of Object.keys(value)) params[name] = (value as Params)[name];
  return params;
}

function parseMultipart(contentType: string, body: Buffer, into: Params): Promise<Params> {
  return new Promise((resolve, reject) => {
    const fail = () => reject(ERRORS.badRequest("can't parse multipart/form-data body"));
    let parser: busboy.Busboy;
    try {
      parser = busboy({ headers: { 'content-type': contentType }, limits: { fieldSize: body.length } });
    } catch {
      fail();
      return;
    }
    parser.on('field', (name, value) => {
      into[name] = value;
    });
    parser.on('file', (name, stream, info) => {
      const file: UploadedFile = { filename: info.filename ?? '', bytes: 0 };
      into[name] = file;
      stream.on('data', (chunk: Buffer) => {
        file.bytes += chunk.length;
      });
    });
    parser.on('error', fail);
    parser.on('close', () => resolve(into));
    parser.end(body);
  });
}

/** A field as a string: numbers and booleans as written, objects as JSON (how Telegram reads JSON bodies). */
export function paramString(params: Params, name: string): string | undefined {
  const value = params[name];
  if (value === undefined || value === null) return undefined;
  if (typeof value === 'string') return value;
  if (typeof value === 'number' || typeof value === 'boolean') return String(value);
  return JSON.stringify(value);
}

const INTEGER = /^[+-]?\d{1,20}$/;

/** A field as a safe integer; absent -> undefined; anything else -> 400 naming the field. */
export function paramInt(params: Params, name: string): number | undefined {
  const value = params[name];
  if (value === undefined || value === null || value === '') return undefined;
  if (typeof value === 'number' && Number.isSafeInteger(value)) return value;
  if (typeof value === 'string' && INTEGER.test(value.trim())) {
    const parsed = Number(value);
    if (Number.isSafeInteger(parsed)) return parsed;
  }
  throw ERRORS.badRequest(`field "${name}" must be an Integer`);
}

/** A field as a boolean; `true`, `1` and `"true"` are true, as in the Bot API. */
export function paramBool(params: Params, name: string): boolean {
  const value = params[name];
  return value === true || value === 1 || value === 'true' || value === '1' || value === 'True';
}

/** A JSON-typed field (allowed_updates, reply_parameters): a string is parsed, an object taken as is. */
export function paramJson(params: Params, name: string): unknown {
  const value = params[name];
  if (typeof value !== 'string') return value ?? undefined;
  if (value === '') return undefined;
  try {
    return JSON.parse(value);
  } catch {
    throw ERRORS.badRequest(`can't parse ${name} JSON object`);
  }
}
