/**
 * The SSE stream of one message, in the API's event order (streaming docs):
 * message_start (usage with input and cache fields, output_tokens 1) -> per content block: content_block_start ->
 * deltas -> content_block_stop (a `ping` after the first block start) -> message_delta (stop_reason, stop_sequence,
 * cumulative usage) -> message_stop.
 * Deltas per block: `thinking_delta` pieces then one `signature_delta`; none for `redacted_thinking` (its `data`
 * comes whole in the start event); `text_delta` pieces; for `tool_use` a start with `input: {}`, then
 * `input_json_delta` fragments of the input's JSON (`partial_json`, the first one empty).
 * Deltas are paced at the drawn output speed on the scaled clock.
 * Faults: `mid_stream_error` sends `event: error` (overloaded_error) halfway; `early_close` drops the socket.
 */
import type { ServerResponse } from 'node:http';
import type { Clock } from '../../common/clock.ts';
import { apiUsage, type PlannedCall } from './engine.ts';
import { jsonPieces, type ReplyPiece, textPieces } from './output-text.ts';
import type { ReplyBlock } from './reply-plan.ts';

/** Real milliseconds below which pacing is not worth a timer: events due that soon go in the same write. */
const MIN_REAL_SLEEP_MS = 2;

export type StreamOutcome = 'completed' | 'mid_stream_error' | 'early_close' | 'client_closed';

export interface StreamResult {
  outcome: StreamOutcome;
  /** Output tokens the client received before the stream ended. */
  outputTokensSent: number;
}

/** One SSE event to send, and the output tokens it carries (deltas only). */
interface StreamStep {
  sse: string;
  tokens: number;
  delta: boolean;
}

function sse(event: string, data: object): string {
  return `event: ${event}\ndata: ${JSON.stringify(data)}\n\n`;
}

function startBlock(block: ReplyBlock) {
  switch (block.type) {
    case 'thinking':
      return { type: 'thinking', thinking: '', signature: '' };
    case 'redacted_thinking':
      return { type: 'redacted_thinking', data: block.data };
    case 'text':
      return { type: 'text', text: '' };
    case 'tool_use':
      return { type: 'tool_use', id: block.id, name: block.name, input: {} };
  }
}

function blockDeltas(block: ReplyBlock, index: number): StreamStep[] {
  const delta = (piece: ReplyPiece, body: object): StreamStep => ({
    sse: sse('content_block_delta', { type: 'content_block_delta', index, delta: body }),
    tokens: piece.tokens,
    delta: true,
  });
  switch (block.type) {
    case 'thinking':
      return [
        ...textPieces(block.thinking, block.tokens).map((p) => delta(p, { type: 'thinking_delta', thinking: p.text })),
        delta({ text: '', tokens: 0 }, { type: 'signature_delta', signature: block.signature }),
      ];
    case 'redacted_thinking':
      return [];
    case 'text':
      return textPieces(block.text, block.tokens).map((p) => delta(p, { type: 'text_delta', text: p.text }));
    case 'tool_use':
      return jsonPieces(JSON.stringify(block.input), block.tokens).map((p) =>
        delta(p, { type: 'input_json_delta', partial_json: p.text }),
      );
  }
}

/** Every event of the message after `message_start`, in order. */
function streamSteps(call: PlannedCall): StreamStep[] {
  const steps: StreamStep[] = [];
  call.reply.blocks.forEach((block, index) => {
    const carried = block.type === 'redacted_thinking' ? block.tokens : 0;
    steps.push({
      sse: sse('content_block_start', { type: 'content_block_start', index, content_block: startBlock(block) }),
      tokens: carried,
      delta: false,
    });
    if (index === 0) steps.push({ sse: sse('ping', { type: 'ping' }), tokens: 0, delta: false });
    steps.push(...blockDeltas(block, index));
    steps.push({ sse: sse('content_block_stop', { type: 'content_block_stop', index }), tokens: 0, delta: false });
  });
  const usage = apiUsage(call, 'standard');
  steps.push({
    sse: sse('message_delta', {
      type: 'message_delta',
      delta: { stop_reason: call.reply.stopReason, stop_sequence: call.reply.stopSequence, stop_details: null },
      usage: {
        input_tokens: usage.input_tokens,
        cache_creation_input_tokens: usage.cache_creation_input_tokens,
        cache_read_input_tokens: usage.cache_read_input_tokens,
        output_tokens: usage.output_tokens,
        ...(usage.output_tokens_details ? { output_tokens_details: usage.output_tokens_details } : {}),
      },
    }),
    tokens: 0,
    delta: false,
  });
  steps.push({ sse: sse('message_stop', { type: 'message_stop' }), tokens: 0, delta: false });
  return steps;
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
      stop_details: null,
      usage: apiUsage(call, 'standard', 1),
    },
  });

  const steps = streamSteps(call);
  const deltaCount = steps.filter((s) => s.delta).length;
  const failAtDelta = fault ? Math.floor(deltaCount / 2) : -1;
  const startedMs = clock.monotonicMs();
  let tokensSent = 0;
  let deltasSent = 0;
  const sent = () => Math.round(tokensSent);
  for (const step of steps) {
    if (step.delta && deltasSent === failAtDelta) {
      if (clientClosed) return { outcome: 'client_closed', outputTokensSent: sent() };
      if (fault === 'early_close') {
        res.write(buffer);
        res.destroy();
        return { outcome: 'early_close', outputTokensSent: sent() };
      }
      buffer += sse('error', {
        type: 'error',
        error: { type: 'overloaded_error', message: 'Overloaded' },
        request_id: requestId,
      });
      res.end(buffer);
      return { outcome: 'mid_stream_error', outputTokensSent: sent() };
    }
    if (step.tokens > 0) {
      const dueMs = (tokensSent + step.tokens) * call.latency.msPerOutputToken;
      const waitMs = dueMs - (clock.monotonicMs() - startedMs);
      if (clock.toRealMs(waitMs) >= MIN_REAL_SLEEP_MS) {
        if (clientClosed) return { outcome: 'client_closed', outputTokensSent: sent() };
        res.write(buffer);
        buffer = '';
        await clock.sleepMs(waitMs);
      }
      tokensSent += step.tokens;
    }
    if (step.delta) deltasSent++;
    buffer += step.sse;
  }
  if (clientClosed) return { outcome: 'client_closed', outputTokensSent: sent() };
  res.end(buffer);
  return { outcome: 'completed', outputTokensSent: call.usage.outputTokens };
}
