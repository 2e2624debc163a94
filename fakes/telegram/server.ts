import type { IncomingMessage, ServerResponse } from 'node:http';
import { ApiError, ERRORS } from './api-error.ts';
import type { BotState } from './bot-state.ts';
import { clearFacts, METHODS, type MethodDef, recordCall, runMethod, toApiError } from './methods.ts';
import { type Params, parseParams } from './params.ts';

/** Looks a bot up by its route key: the token, plus `/test` for the test environment. */
export type BotLookup = (routeKey: string) => BotState | undefined;

const TOKEN_SHAPE = /^\d{1,20}:[A-Za-z0-9_-]+$/;
const MAX_METHOD_NAME = 64;
const EMPTY_BODY = Buffer.alloc(0);

/** Writes a Bot API reply: a ready success body, or an error with status = error_code (and Retry-After on 429). */
export function sendReply(res: ServerResponse, reply: string | ApiError): void {
  if (res.writableEnded || res.destroyed) return;
  if (typeof reply === 'string') {
    res.writeHead(200, { 'Content-Type': 'application/json', 'Content-Length': Buffer.byteLength(reply) });
    res.end(reply);
    return;
  }
  const body = reply.toJson();
  const headers: Record<string, string | number> = {
    'Content-Type': 'application/json',
    'Content-Length': Buffer.byteLength(body),
  };
  if (reply.retryAfterS !== undefined) headers['Retry-After'] = reply.retryAfterS;
  if (reply.errorCode === 413) headers.Connection = 'close';
  res.writeHead(reply.errorCode, headers);
  res.end(body);
}

/**
 * How much of an over-limit body is read and thrown away before the 413, so the client can finish sending and
 * read the answer: answering mid-upload and closing made clients fail with EPIPE instead of seeing the 413. A
 * body larger still gets the 413 at once and the connection closed (its sender may see a reset).
 */
const DRAIN_LIMIT_BYTES = 64 * 1024 * 1024;

/**
 * Reads a request body up to `maxBytes`. A larger one (by Content-Length, or once it passes the limit) is
 * drained without being kept and answered 413 when it has arrived, with `Connection: close`; memory stays
 * bounded by `maxBytes` whatever the client sends.
 */
export function readBody(
  req: IncomingMessage,
  res: ServerResponse,
  maxBytes: number,
  onBody: (body: Buffer) => void,
): void {
  const declared = Number(req.headers['content-length'] ?? 0);
  if (declared > maxBytes + DRAIN_LIMIT_BYTES) {
    sendReply(res, ERRORS.tooLarge());
    req.resume();
    return;
  }
  const chunks: Buffer[] = [];
  let size = 0;
  let tooLarge = declared > maxBytes;
  let failed = false;
  req.on('data', (chunk: Buffer) => {
    size += chunk.length;
    if (tooLarge || size > maxBytes) {
      tooLarge = true;
      chunks.length = 0;
      if (size > maxBytes + DRAIN_LIMIT_BYTES) {
        failed = true;
        sendReply(res, ERRORS.tooLarge());
        req.destroy();
      }
      return;
    }
    chunks.push(chunk);
  });
  // No 'error' listener: a request whose client hangs up mid-body never ends, so onBody never runs for it, and
  // Node emits a request's 'error' only to listeners (IncomingMessage's onError), so none is thrown.
  req.on('end', () => {
    if (failed) return;
    if (tooLarge) sendReply(res, ERRORS.tooLarge());
    else onBody(chunks.length === 1 ? chunks[0]! : Buffer.concat(chunks, size));
  });
}

/**
 * Serves `/bot<token>/<method>` and `/bot<token>/test/<method>`: token check (401), method lookup
 * (404, case-insensitive), params from the query string and the body, then the method. Every failure
 * is a Bot API error reply; nothing a client sends can throw out of here.
 */
export function handleBotRequest(
  lookup: BotLookup,
  limits: { maxBodyBytes: number; maxUploadBytes: number },
  req: IncomingMessage,
  res: ServerResponse,
  url: string,
): void {
  const slash = url.indexOf('/', 4);
  const token = slash === -1 ? url.slice(4) : url.slice(4, slash);
  const question = url.indexOf('?', slash);
  let path = slash === -1 ? '' : question === -1 ? url.slice(slash + 1) : url.slice(slash + 1, question);
  const query = question === -1 || slash === -1 ? '' : url.slice(question + 1);
  const test = path.startsWith('test/');
  if (test) path = path.slice(5);
  const bot = lookup(test ? `${token}/test` : token);
  if (bot === undefined) {
    sendReply(res, TOKEN_SHAPE.test(token) ? ERRORS.unknownToken() : ERRORS.invalidToken());
    req.resume();
    return;
  }
  const def = path.length <= MAX_METHOD_NAME ? METHODS.get(path.toLowerCase()) : undefined;
  if (def === undefined) {
    clearFacts();
    const error = path === '' || path.includes('/') ? ERRORS.notFound() : ERRORS.methodNotFound();
    recordCall(bot, path.slice(0, MAX_METHOD_NAME) || '(none)', query.length, error, 'http');
    sendReply(res, error);
    req.resume();
    return;
  }
  // Counted on arrival: a long poll is recorded as a call only when it returns, up to 50 s later.
  if (def.poll !== undefined) bot.getUpdatesReceived++;
  if (req.method === 'GET' && req.headers['content-length'] === undefined && !req.headers['transfer-encoding']) {
    req.resume();
    runWithBody(bot, def, req, res, query, EMPTY_BODY);
  } else {
    // Files come as multipart/form-data, with the Bot API's own upload limit; other bodies are a few KB.
    const multipart = (req.headers['content-type'] ?? '').toLowerCase().startsWith('multipart/form-data');
    // An inline arrow, not a named one: tsx (esbuild keepNames) would wrap a named closure in a
    // defineProperty call on every request.
    readBody(req, res, multipart ? limits.maxUploadBytes : limits.maxBodyBytes, (body) =>
      runWithBody(bot, def, req, res, query, body),
    );
  }
}

/** Parses the params (query string, then body) and runs the method; a multipart body resolves later. */
function runWithBody(
  bot: BotState,
  def: MethodDef,
  req: IncomingMessage,
  res: ServerResponse,
  query: string,
  body: Buffer,
): void {
  const bytes = body.length + query.length;
  let parsed: Params | Promise<Params>;
  try {
    parsed = parseParams(query, req.headers['content-type'], body);
  } catch (error) {
    refuse(bot, def, bytes, res, error);
    return;
  }
  if (!(parsed instanceof Promise)) dispatch(bot, def, parsed, bytes, res);
  else
    parsed.then(
      (params) => dispatch(bot, def, params, bytes, res),
      (error: unknown) => refuse(bot, def, bytes, res, error),
    );
}

function refuse(bot: BotState, def: MethodDef, bytes: number, res: ServerResponse, error: unknown): void {
  const apiError = toApiError(error);
  clearFacts();
  recordCall(bot, def.name, bytes, apiError, 'http');
  sendReply(res, apiError);
}

function dispatch(bot: BotState, def: MethodDef, params: Params, bytes: number, res: ServerResponse): void {
  if (def.poll === undefined) {
    sendReply(res, runMethod(bot, def, params, bytes, 'http'));
    return;
  }
  let handle: ReturnType<NonNullable<MethodDef['poll']>>;
  try {
    handle = def.poll(bot, params);
  } catch (error) {
    refuse(bot, def, bytes, res, error);
    return;
  }
  // A client that hangs up (bot stopped, poller killed) must not swallow the updates meant for the next poll.
  res.on('close', () => {
    if (!res.writableFinished) handle.cancel();
  });
  handle.result.then((result) => {
    clearFacts();
    const reply =
      result instanceof ApiError ? result : `{"ok":true,"result":[${result.map((entry) => entry.json).join(',')}]}`;
    recordCall(bot, def.name, bytes, reply, 'http');
    sendReply(res, reply);
  });
}
