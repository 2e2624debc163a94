/**
 * What the model "does" for one valid request, independent of HTTP: count the prompt, apply prompt caching,
 * write the reply and draw the latency. Streaming and non-streaming calls share this, so they bill the same.
 */
import type { Clock } from '../../common/clock.ts';
import { drawLatency, type LatencyDraw, type LatencyProfile } from './latency.ts';
import type { ModelInfo } from './models.ts';
import { type GeneratedReply, generateReply, type OutputLength } from './output-text.ts';
import type { CachePlan, PromptCache } from './prompt-cache.ts';
import { createRng, hashString } from './random.ts';
import type { UsageBreakdown } from './recorder.ts';
import { countRequestTokens } from './request-tokens.ts';
import type { MessagesRequest, ValidRequest } from './validation.ts';

export interface EngineContext {
  seed: number;
  clock: Clock;
  cache: PromptCache;
  latency: LatencyProfile;
  outputLength: OutputLength;
}

/** Everything decided about a call before the first byte goes out. */
export interface PlannedCall {
  model: ModelInfo;
  body: MessagesRequest;
  cachePlan: CachePlan;
  usage: UsageBreakdown;
  reply: GeneratedReply;
  latency: LatencyDraw;
}

/** The API's usage object. */
export interface ApiUsage {
  input_tokens: number;
  cache_creation_input_tokens: number;
  cache_read_input_tokens: number;
  cache_creation: { ephemeral_5m_input_tokens: number; ephemeral_1h_input_tokens: number };
  output_tokens: number;
  service_tier: 'standard' | 'batch';
}

/** Text of the last user message: the reply's language follows it, and it seeds the reply. */
export function lastUserText(body: MessagesRequest): string {
  for (let i = body.messages.length - 1; i >= 0; i--) {
    const message = body.messages[i]!;
    if (message.role !== 'user') continue;
    if (typeof message.content === 'string') return message.content;
    let text = '';
    for (const block of message.content)
      if (block.type === 'text' && typeof block.text === 'string') text += block.text;
    return text;
  }
  return '';
}

/**
 * Plans one call: usage (invariant: input + cache writes + cache reads = prompt tokens;
 * 1 <= output <= max_tokens), reply text and latency. Deterministic for a seed and a request body.
 *
 * @example
 * const call = planCall(valid, context); call.usage.outputTokens <= valid.body.max_tokens // true
 */
export function planCall(valid: ValidRequest, context: EngineContext): PlannedCall {
  const { body, model } = valid;
  const tokens = countRequestTokens(body, model.id);
  const cachePlan = context.cache.plan(tokens, model);
  const cacheWrite = cachePlan.cacheWrite5mTokens + cachePlan.cacheWrite1hTokens;
  const inputTokens = tokens.totalTokens - cacheWrite - cachePlan.cacheReadTokens;
  const userText = lastUserText(body);
  const requestSeed = hashString(
    `${model.id}|${body.messages.length}|${body.max_tokens}|${tokens.totalTokens}|${userText}`,
    context.seed >>> 0,
  );
  const rng = createRng(requestSeed);
  const reply = generateReply(rng, userText, body.max_tokens ?? 1, context.outputLength);
  const latency = drawLatency(context.latency, model.modelClass, inputTokens + cacheWrite, rng);
  return {
    model,
    body,
    cachePlan,
    reply,
    latency,
    usage: {
      inputTokens,
      cacheWrite5mTokens: cachePlan.cacheWrite5mTokens,
      cacheWrite1hTokens: cachePlan.cacheWrite1hTokens,
      cacheReadTokens: cachePlan.cacheReadTokens,
      outputTokens: reply.outputTokens,
    },
  };
}

/**
 * The usage object as the API returns it (`outputTokens` overrides for a stream's `message_start`).
 *
 * @example
 * apiUsage(call.usage, 'standard').cache_read_input_tokens
 */
export function apiUsage(
  usage: UsageBreakdown,
  tier: ApiUsage['service_tier'],
  outputTokens = usage.outputTokens,
): ApiUsage {
  return {
    input_tokens: usage.inputTokens,
    cache_creation_input_tokens: usage.cacheWrite5mTokens + usage.cacheWrite1hTokens,
    cache_read_input_tokens: usage.cacheReadTokens,
    cache_creation: {
      ephemeral_5m_input_tokens: usage.cacheWrite5mTokens,
      ephemeral_1h_input_tokens: usage.cacheWrite1hTokens,
    },
    output_tokens: outputTokens,
    service_tier: tier,
  };
}

/** The full non-streaming `Message` body. */
export function messageObject(call: PlannedCall, messageId: string, tier: ApiUsage['service_tier'] = 'standard') {
  return {
    id: messageId,
    type: 'message' as const,
    role: 'assistant' as const,
    model: call.model.id,
    content: [{ type: 'text' as const, text: call.reply.text }],
    stop_reason: call.reply.stopReason,
    stop_sequence: null,
    usage: apiUsage(call.usage, tier),
  };
}

/**
 * `JSON.stringify(messageObject(call, id))`, written by hand: only the text needs escaping, and this runs once
 * per call on the hot path (tested equal to the object form).
 *
 * @example
 * JSON.parse(messageJson(call, 'msg_01...')).usage.output_tokens === call.usage.outputTokens // true
 */
export function messageJson(call: PlannedCall, messageId: string): string {
  const u = call.usage;
  return (
    `{"id":"${messageId}","type":"message","role":"assistant","model":"${call.model.id}",` +
    `"content":[{"type":"text","text":${JSON.stringify(call.reply.text)}}],` +
    `"stop_reason":"${call.reply.stopReason}","stop_sequence":null,` +
    `"usage":{"input_tokens":${u.inputTokens},"cache_creation_input_tokens":${u.cacheWrite5mTokens + u.cacheWrite1hTokens},` +
    `"cache_read_input_tokens":${u.cacheReadTokens},"cache_creation":{"ephemeral_5m_input_tokens":${u.cacheWrite5mTokens},` +
    `"ephemeral_1h_input_tokens":${u.cacheWrite1hTokens}},"output_tokens":${u.outputTokens},"service_tier":"standard"}}`
  );
}
