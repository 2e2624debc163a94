/**
 * The SSE stream of one message, in the API's event order:
 * message_start (usage with input and cache fields, output_tokens 1) -> content_block_start -> ping ->
 * content_block_delta (text_delta) x N -> content_block_stop -> message_delta (stop_reason, cumulative
 * output_tokens) -> message_stop. Deltas are paced at the drawn output speed on the scaled clock.
 * Faults: `mid_stream_error` sends `event: error` (overloaded_error) halfway; `early_close` drops the socket.
 */
import type { ServerResponse } from 'node:http';
import type { Clock } from '../../common/clock.ts';
import { apiUsage, type PlannedCall } from './engine.ts';
import { replyPieces } from './output-text.ts';

/** Real milliseconds below which pacing is not worth a timer: events due that soon go in the same write. */
const MIN_REAL_SLEEP_MS = 2;

export type StreamOutcome = 'completed' | 'mid_stream_error' | 'early_close' | 'client_closed';

export interface StreamResult {
  outcome: StreamOutcome;
  /** Output tokens the client received before the stream ended. */
  outputTokensSent: number;
}

function sse(event: string, data: object): string {
  return `event: ${event}\ndata: ${JSON.stringify(data)}\n\n`;
}

/**
 * Writes the whole stream (headers already decided by the caller).
 *
 * @example
 * const result = await writeStream(res, clock, call, 'msg_01...', 'req_01...', headers, undefined);
 */
export async function writeStream(
  res: ServerResponse,
  clock: Clock,
  call: PlannedCall,
  messageId: string,
  requestId: string,
  headers: Readonly<Record<string, string>>,
  fault: 'mid_stream_error' | 'early_close' | undefined,
): Promise<StreamResult> {
  let clientClosed = false;
  res.on('close', () => {
    clientClosed = !res.writableFinished;
  });
  res.writeHead(200, {
    ...headers,
    'content-type': 'text/event-stream; charset=utf-8',
    'cache-control': 'no-cache',
    'request-id': requestId,
  });
  let buffer = sse('message_start', {
    type: 'message_start',
    message: {
      id: messageId,
      type: 'message',
      role: 'assistant',
      model: call.model.id,
      content: [],
      stop_reason: null,
      stop_sequence: null,
      usage: apiUsage(call.usage, 'standard', 1),
    },
  });
  buffer += sse('content_block_start', {
    type: 'content_block_start',
    index: 0,
    content_block: { type: 'text', text: '' },
  });
  buffer += sse('ping', { type: 'ping' });

  const pieces = replyPieces(call.reply);
  const failAt = fault ? Math.floor(pieces.length / 2) : -1;
  const startedMs = clock.monotonicMs();
  let tokensSent = 0;
  for (let i = 0; i < pieces.length; i++) {
    if (i === failAt) {
      if (clientClosed) return { outcome: 'client_closed', outputTokensSent: Math.round(tokensSent) };
      if (fault === 'early_close') {
        res.write(buffer);
        res.destroy();
        return { outcome: 'early_close', outputTokensSent: Math.round(tokensSent) };
      }
      buffer += sse('error', {
        type: 'error',
        error: { type: 'overloaded_error', message: 'Overloaded' },
        request_id: requestId,
      });
      res.end(buffer);
      return { outcome: 'mid_stream_error', outputTokensSent: Math.round(tokensSent) };
    }
    const piece = pieces[i]!;
    const dueMs = (tokensSent + piece.tokens) * call.latency.msPerOutputToken;
    const waitMs = dueMs - (clock.monotonicMs() - startedMs);
    if (clock.toRealMs(waitMs) >= MIN_REAL_SLEEP_MS) {
      if (clientClosed) return { outcome: 'client_closed', outputTokensSent: Math.round(tokensSent) };
      res.write(buffer);
      buffer = '';
      await clock.sleepMs(waitMs);
    }
    tokensSent += piece.tokens;
    buffer += sse('content_block_delta', {
      type: 'content_block_delta',
      index: 0,
      delta: { type: 'text_delta', text: piece.text },
    });
  }
  if (clientClosed) return { outcome: 'client_closed', outputTokensSent: Math.round(tokensSent) };
  buffer += sse('content_block_stop', { type: 'content_block_stop', index: 0 });
  buffer += sse('message_delta', {
    type: 'message_delta',
    delta: { stop_reason: call.reply.stopReason, stop_sequence: null },
    usage: {
      input_tokens: call.usage.inputTokens,
      cache_creation_input_tokens: call.usage.cacheWrite5mTokens + call.usage.cacheWrite1hTokens,
      cache_read_input_tokens: call.usage.cacheReadTokens,
      output_tokens: call.usage.outputTokens,
    },
  });
  buffer += sse('message_stop', { type: 'message_stop' });
  res.end(buffer);
  return { outcome: 'completed', outputTokensSent: call.usage.outputTokens };
}
