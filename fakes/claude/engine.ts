/**
 * What the model "does" for one valid request, independent of HTTP: count the prompt, check it fits the context
 * window, apply prompt caching, plan the reply (thinking, text, tool use) and draw the latency. Streaming and
 * non-streaming calls share this, so they bill the same.
 */
import type { Clock } from '../../common/clock.ts';
import { ApiError } from './api-errors.ts';
import { drawLatency, type LatencyDraw, type LatencyProfile } from './latency.ts';
import type { ModelInfo } from './models.ts';
import type { OutputLength } from './output-text.ts';
import type { CachePlan, PromptCache } from './prompt-cache.ts';
import { createRng, hashString } from './random.ts';
import type { UsageBreakdown } from './recorder.ts';
import { lastUserText, type PlannedReply, planReply, type ReplyBlock, type ToolUseBehaviour } from './reply-plan.ts';
import { countRequestTokens } from './request-tokens.ts';
import type { ThinkingSigner } from './thinking.ts';
import type { MessagesRequest, ValidRequest } from './validation.ts';

export { lastUserText };

export interface EngineContext {
  seed: number;
  clock: Clock;
  cache: PromptCache;
  latency: LatencyProfile;
  outputLength: OutputLength;
  thinkingLength: OutputLength;
  toolUse: ToolUseBehaviour;
  signer: ThinkingSigner;
  /** A fresh id with the API's prefix (`toolu`). */
  nextId: (prefix: string) => string;
}

/** Everything decided about a call before the first byte goes out. */
export interface PlannedCall {
  model: ModelInfo;
  body: MessagesRequest;
  cachePlan: CachePlan;
  usage: UsageBreakdown;
  reply: PlannedReply;
  latency: LatencyDraw;
}

/** The API's usage object. */
export interface ApiUsage {
  input_tokens: number;
  cache_creation_input_tokens: number;
  cache_read_input_tokens: number;
  cache_creation: { ephemeral_5m_input_tokens: number; ephemeral_1h_input_tokens: number };
  output_tokens: number;
  /** Only when thinking was requested: how many of the output tokens were reasoning. */
  output_tokens_details?: { thinking_tokens: number };
  service_tier: 'standard' | 'batch';
}

/**
 * Refuses a prompt over the model's context window, and a prompt whose `max_tokens` would not fit beside it
 * (extended thinking docs: since Claude 3.7, prompt + `max_tokens` over the window is a validation error).
 * The messages are the API's, as real answers print them.
 */
function checkContextWindow(model: ModelInfo, promptTokens: number, maxTokens: number | undefined): void {
  const window = model.contextWindowTokens;
  if (promptTokens > window) {
    throw new ApiError('invalid_request_error', `prompt is too long: ${promptTokens} tokens > ${window} maximum`);
  }
  if (maxTokens !== undefined && promptTokens + maxTokens > window) {
    throw new ApiError(
      'invalid_request_error',
      `input length and \`max_tokens\` exceed context limit: ${promptTokens} + ${maxTokens} > ${window}, decrease input length or \`max_tokens\` and try again`,
    );
  }
}

/**
 * Plans one call: usage (invariant: input + cache writes + cache reads = prompt tokens;
 * 1 <= output <= max_tokens), the reply's blocks and latency. Deterministic for a seed and a request body.
 * Throws ApiError when the prompt does not fit the context window.
 *
 * @example
 * const call = planCall(valid, context); call.usage.outputTokens <= valid.body.max_tokens // true
 */
export function planCall(valid: ValidRequest, context: EngineContext): PlannedCall {
  const { body, model } = valid;
  const tokens = countRequestTokens(body, model);
  checkContextWindow(model, tokens.totalTokens, body.max_tokens);
  const cachePlan = context.cache.plan(tokens, model);
  const cacheWrite = cachePlan.cacheWrite5mTokens + cachePlan.cacheWrite1hTokens;
  const inputTokens = tokens.totalTokens - cacheWrite - cachePlan.cacheReadTokens;
  const requestSeed = hashString(
    `${model.id}|${body.messages.length}|${body.max_tokens}|${tokens.totalTokens}|${lastUserText(body)}`,
    context.seed >>> 0,
  );
  const rng = createRng(requestSeed);
  const reply = planReply(valid, {
    rng,
    outputLength: context.outputLength,
    thinkingLength: context.thinkingLength,
    toolUse: context.toolUse,
    signer: context.signer,
    nextId: context.nextId,
  });
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
 * apiUsage(call, 'standard').cache_read_input_tokens
 */
export function apiUsage(
  call: Pick<PlannedCall, 'usage' | 'reply' | 'body'>,
  tier: ApiUsage['service_tier'],
  outputTokens = call.usage.outputTokens,
): ApiUsage {
  const usage = call.usage;
  return {
    input_tokens: usage.inputTokens,
    cache_creation_input_tokens: usage.cacheWrite5mTokens + usage.cacheWrite1hTokens,
    cache_read_input_tokens: usage.cacheReadTokens,
    cache_creation: {
      ephemeral_5m_input_tokens: usage.cacheWrite5mTokens,
      ephemeral_1h_input_tokens: usage.cacheWrite1hTokens,
    },
    output_tokens: outputTokens,
    ...(call.body.thinking?.type === 'enabled'
      ? { output_tokens_details: { thinking_tokens: call.reply.thinkingTokens } }
      : {}),
    service_tier: tier,
  };
}

/** A reply block as the API returns it in `content`. */
export function contentBlock(block: ReplyBlock) {
  switch (block.type) {
    case 'thinking':
      return { type: 'thinking' as const, thinking: block.thinking, signature: block.signature };
    case 'redacted_thinking':
      return { type: 'redacted_thinking' as const, data: block.data };
    case 'text':
      return { type: 'text' as const, text: block.text };
    case 'tool_use':
      return { type: 'tool_use' as const, id: block.id, name: block.name, input: block.input };
  }
}

/** The full non-streaming `Message` body. */
export function messageObject(call: PlannedCall, messageId: string, tier: ApiUsage['service_tier'] = 'standard') {
  return {
    id: messageId,
    type: 'message' as const,
    role: 'assistant' as const,
    model: call.model.id,
    content: call.reply.blocks.map(contentBlock),
    stop_reason: call.reply.stopReason,
    stop_sequence: call.reply.stopSequence,
    stop_details: null,
    usage: apiUsage(call, tier),
  };
}

/**
 * `JSON.stringify(messageObject(call, id))`. The common answer (one text block, no thinking) is written by hand:
 * only the text needs escaping, and this runs once per call on the hot path (tested equal to the object form).
 *
 * @example
 * JSON.parse(messageJson(call, 'msg_01...')).usage.output_tokens === call.usage.outputTokens // true
 */
export function messageJson(call: PlannedCall, messageId: string): string {
  const { reply } = call;
  const only = reply.blocks[0];
  if (reply.blocks.length !== 1 || only?.type !== 'text' || call.body.thinking?.type === 'enabled') {
    return JSON.stringify(messageObject(call, messageId));
  }
  const u = call.usage;
  return (
    `{"id":"${messageId}","type":"message","role":"assistant","model":"${call.model.id}",` +
    `"content":[{"type":"text","text":${JSON.stringify(only.text)}}],` +
    `"stop_reason":"${reply.stopReason}","stop_sequence":${JSON.stringify(reply.stopSequence)},"stop_details":null,` +
    `"usage":{"input_tokens":${u.inputTokens},"cache_creation_input_tokens":${u.cacheWrite5mTokens + u.cacheWrite1hTokens},` +
    `"cache_read_input_tokens":${u.cacheReadTokens},"cache_creation":{"ephemeral_5m_input_tokens":${u.cacheWrite5mTokens},` +
    `"ephemeral_1h_input_tokens":${u.cacheWrite1hTokens}},"output_tokens":${u.outputTokens},"service_tier":"standard"}}`
  );
}
