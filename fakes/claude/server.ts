/**
 * The HTTP front door: routes `/v1/...` (API key required) and `/control/...`, reads bodies within the
 * limit, and turns any failure into an API error response. Binds 127.0.0.1 only.
 */
import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import { ApiError } from './api-errors.ts';
import { handleControl } from './control.ts';
import { type ApiRequestHeaders, apiRequestHeaders, readBody, sendApiError, sendJson } from './http-io.ts';
import { type CallContext, handleCountTokens, handleMessages } from './messages-handler.ts';
import { MODELS, resolveModel } from './models.ts';
import type { FakeClaudeState } from './state.ts';
import { parseBetas } from './validation.ts';

const BATCH_PATH = /^\/v1\/messages\/batches\/([A-Za-z0-9_-]+)(\/results|\/cancel)?$/;

function authenticate(state: FakeClaudeState, headers: ApiRequestHeaders): void {
  const key = headers.apiKey || headers.authorization?.replace(/^Bearer\s+/i, '');
  if (!key) throw new ApiError('authentication_error', 'x-api-key header is required');
  const accepted = state.options.apiKeys;
  // The key itself is never echoed, as the API does not echo it either.
  if (accepted && !accepted.includes(key)) throw new ApiError('authentication_error', 'invalid x-api-key');
}

function modelObject(model: (typeof MODELS)[number]) {
  return { type: 'model', id: model.id, display_name: model.displayName, created_at: model.createdAt };
}

async function handleApi(
  state: FakeClaudeState,
  req: IncomingMessage,
  res: ServerResponse,
  path: string,
  query: string,
): Promise<void> {
  const headers = apiRequestHeaders(req);
  const retryHeader = headers.retryCount;
  const ctx: CallContext = {
    requestId: state.nextId('req'),
    startedMs: state.runMs(),
    retryCount: retryHeader === undefined ? undefined : Number(retryHeader),
    betas: parseBetas(headers.beta),
  };
  const method = req.method ?? 'GET';
  try {
    const body = method === 'POST' ? await readBody(req, state.options.bodyLimitBytes, headers.contentLength) : '';
    authenticate(state, headers);
    if (method === 'POST' && path === '/v1/messages') return await handleMessages(state, req, res, body, ctx);
    if (method === 'POST' && path === '/v1/messages/count_tokens') return handleCountTokens(state, res, body, ctx);
    const ok = (value: unknown) => sendJson(res, 200, JSON.stringify(value), { 'request-id': ctx.requestId });
    if (path === '/v1/messages/batches') {
      if (method === 'POST') return ok(state.batches.create(parseBody(body)));
      if (method === 'GET') {
        const params = new URLSearchParams(query);
        const limit = params.has('limit') ? Number(params.get('limit')) : undefined;
        return ok(state.batches.list({ limit, afterId: params.get('after_id') ?? undefined }));
      }
    }
    const batchMatch = BATCH_PATH.exec(path);
    if (batchMatch) {
      const [, id = '', action] = batchMatch;
      if (method === 'GET' && action === undefined) return ok(state.batches.get(id));
      if (method === 'DELETE' && action === undefined) return ok(state.batches.delete(id));
      if (method === 'POST' && action === '/cancel') return ok(state.batches.cancel(id));
      if (method === 'GET' && action === '/results') {
        const jsonl = state.batches.resultsJsonl(id);
        res.writeHead(200, { 'content-type': 'application/binary', 'request-id': ctx.requestId });
        res.end(jsonl);
        return;
      }
    }
    if (method === 'GET' && path === '/v1/models') {
      const data = MODELS.filter((m) => m.status !== 'retired').map(modelObject);
      return ok({ data, has_more: false, first_id: data[0]?.id ?? null, last_id: data[data.length - 1]?.id ?? null });
    }
    if (method === 'GET' && path.startsWith('/v1/models/')) {
      const id = decodeURIComponent(path.slice('/v1/models/'.length));
      const model = resolveModel(id);
      if (!model) throw new ApiError('not_found_error', `model: ${id}`);
      return ok(modelObject(model));
    }
    throw new ApiError('not_found_error', `Not found: ${method} ${path}`);
  } catch (error) {
    const apiError = error instanceof ApiError ? error : new ApiError('api_error', 'Internal server error');
    sendApiError(res, apiError, ctx.requestId);
  }
}

function parseBody(text: string): unknown {
  try {
    return JSON.parse(text) as unknown;
  } catch {
    throw new ApiError('invalid_request_error', 'The request body is not valid JSON.');
  }
}

/**
 * Starts the HTTP server (127.0.0.1 unless the options say otherwise).
 *
 * @example
 * const server = await listen(state, 0); (server.address() as AddressInfo).port
 */
export function listen(state: FakeClaudeState, port: number, host = '127.0.0.1'): Promise<Server> {
  const server = createServer({ keepAliveTimeout: 65_000 }, (req, res) => {
    const url = req.url ?? '/';
    const q = url.indexOf('?');
    const path = q < 0 ? url : url.slice(0, q);
    const query = q < 0 ? '' : url.slice(q + 1);
    const handled = path.startsWith('/control/')
      ? handleControl(state, req, res, path, query)
      : handleApi(state, req, res, path, query);
    handled.catch(() => {
      if (!res.headersSent) sendJson(res, 500, '{"type":"error","error":{"type":"api_error","message":"Internal"}}');
      else res.destroy();
    });
  });
  return new Promise((resolve, reject) => {
    server.once('error', reject);
    server.listen(port, host, () => {
      server.off('error', reject);
      resolve(server);
    });
  });
}
