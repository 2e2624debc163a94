/**
 * Small HTTP helpers shared by the API and control routes: bounded body reading and JSON / error responses.
 */
import type { IncomingMessage, ServerResponse } from 'node:http';
import { ApiError, errorBody } from './api-errors.ts';

/**
 * Reads a request body up to `limitBytes`. Over the limit, it throws 413 once the client finished sending
 * (the rest is drained, not buffered), so the client reads the error instead of a reset socket.
 *
 * @example
 * const text = await readBody(req, 32 * 1024 * 1024, apiRequestHeaders(req).contentLength);
 */
export function readBody(req: IncomingMessage, limitBytes: number, contentLength?: string): Promise<string> {
  const declared = Number(contentLength ?? req.headers['content-length']);
  return new Promise((resolve, reject) => {
    const chunks: Buffer[] = [];
    let size = 0;
    let tooLarge = declared > limitBytes;
    req.on('data', (chunk: Buffer) => {
      size += chunk.length;
      if (size > limitBytes) tooLarge = true;
      if (!tooLarge) chunks.push(chunk);
    });
    req.on('end', () => {
      if (tooLarge) {
        reject(
          new ApiError('request_too_large', `Request exceeds the maximum allowed number of bytes (${limitBytes}).`),
        );
      } else {
        resolve(chunks.length === 1 ? chunks[0]!.toString('utf8') : Buffer.concat(chunks).toString('utf8'));
      }
    });
    req.on('error', reject);
  });
}

/**
 * Sends a JSON body with a known length in one write.
 *
 * @example
 * sendJson(res, 200, JSON.stringify({ ok: true }), { 'request-id': requestId });
 */
export function sendJson(
  res: ServerResponse,
  status: number,
  body: string,
  headers: Readonly<Record<string, string>> = {},
): void {
  res.writeHead(status, {
    ...headers,
    'content-type': 'application/json',
    'content-length': Buffer.byteLength(body),
  });
  res.end(body);
}

/** Sends an API error in the API's shape with its status, `request-id` and any extra headers. */
export function sendApiError(
  res: ServerResponse,
  error: ApiError,
  requestId: string,
  headers: Readonly<Record<string, string>> = {},
): void {
  if (res.headersSent) {
    res.destroy();
    return;
  }
  sendJson(res, error.status, errorBody(error.type, error.message, requestId), {
    ...headers,
    ...error.headers,
    'request-id': requestId,
  });
}

/** The few request headers the API routes read. */
export interface ApiRequestHeaders {
  apiKey: string | undefined;
  authorization: string | undefined;
  retryCount: string | undefined;
  contentLength: string | undefined;
  /** `anthropic-beta`: comma-separated beta names (interleaved thinking ...). */
  beta: string | undefined;
}

/**
 * Reads the API's headers in one pass over `rawHeaders`: touching `req.headers` makes Node build an object of every
 * header (the SDKs send ~15), a cost per call the hot path does not need.
 *
 * @example
 * const { apiKey } = apiRequestHeaders(req);
 */
export function apiRequestHeaders(req: IncomingMessage): ApiRequestHeaders {
  const out: ApiRequestHeaders = {
    apiKey: undefined,
    authorization: undefined,
    retryCount: undefined,
    contentLength: undefined,
    beta: undefined,
  };
  const raw = req.rawHeaders;
  for (let i = 0; i + 1 < raw.length; i += 2) {
    const name = raw[i]!;
    // Compare lengths first: most headers are skipped without lower-casing.
    switch (name.length) {
      case 9:
        if (out.apiKey === undefined && name.toLowerCase() === 'x-api-key') out.apiKey = raw[i + 1];
        break;
      case 13:
        if (out.authorization === undefined && name.toLowerCase() === 'authorization') out.authorization = raw[i + 1];
        break;
      case 14: {
        const lower = name.toLowerCase();
        if (out.contentLength === undefined && lower === 'content-length') out.contentLength = raw[i + 1];
        else if (lower === 'anthropic-beta')
          out.beta = out.beta === undefined ? raw[i + 1] : `${out.beta},${raw[i + 1]}`;
        break;
      }
      case 23:
        if (out.retryCount === undefined && name.toLowerCase() === 'x-stainless-retry-count')
          out.retryCount = raw[i + 1];
        break;
    }
  }
  return out;
}
