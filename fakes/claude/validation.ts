/**
 * The request parser: raw body text in, a typed request or an `ApiError` out. Bad input of any shape
 * becomes a 400/404/413 with a message naming the field; it never throws anything else (property-tested).
 * The shape is checked here; tool definitions (tool-rules.ts) and the conversation's tool and thinking rules
 * (conversation-rules.ts) are checked after it, with the API's own messages.
 */
import { z } from 'zod';
import { formatZodIssues } from '../../common/validation.ts';
import { ApiError } from './api-errors.ts';
import { checkConversation, checkThinkingParams } from './conversation-rules.ts';
import { type ModelInfo, resolveModel } from './models.ts';
import { checkTools } from './tool-rules.ts';

const cacheControlSchema = z.object({
  type: z.literal('ephemeral'),
  ttl: z.enum(['5m', '1h']).optional(),
});

const textBlockSchema = z.looseObject({
  type: z.literal('text'),
  text: z.string(),
  cache_control: cacheControlSchema.nullish(),
});

const toolUseBlockSchema = z.looseObject({
  type: z.literal('tool_use'),
  id: z.string().min(1),
  name: z.string().min(1),
  input: z.record(z.string(), z.unknown()),
  cache_control: cacheControlSchema.nullish(),
});

/** Text, image or document blocks inside a tool result: kept whole, counted by their text or JSON. */
const toolResultContentSchema = z.union([z.string(), z.array(z.looseObject({ type: z.string() }))]);

const toolResultBlockSchema = z.looseObject({
  type: z.literal('tool_result'),
  tool_use_id: z.string().min(1),
  content: toolResultContentSchema.optional(),
  is_error: z.boolean().optional(),
  cache_control: cacheControlSchema.nullish(),
});

const thinkingBlockSchema = z.looseObject({
  type: z.literal('thinking'),
  thinking: z.string(),
  signature: z.string(),
});

const redactedThinkingBlockSchema = z.looseObject({
  type: z.literal('redacted_thinking'),
  data: z.string(),
});

const KNOWN_BLOCK_TYPES = new Set(['text', 'tool_use', 'tool_result', 'thinking', 'redacted_thinking']);

/** Any other block (image, document, search_result ...): kept whole, counted by its JSON. */
const otherBlockSchema = z.looseObject({
  type: z.string().refine((t) => !KNOWN_BLOCK_TYPES.has(t), 'a block of this type is missing a required field'),
  cache_control: cacheControlSchema.nullish(),
});

const contentBlockSchema = z.union([
  textBlockSchema,
  toolUseBlockSchema,
  toolResultBlockSchema,
  thinkingBlockSchema,
  redactedThinkingBlockSchema,
  otherBlockSchema,
]);

const messageSchema = z.looseObject({
  role: z.enum(['user', 'assistant']),
  content: z.union([z.string(), z.array(contentBlockSchema)]),
});

/** A tool definition; tool-rules.ts checks names and input schemas with the API's own messages. */
const toolSchema = z.looseObject({
  name: z.string(),
  description: z.string().optional(),
  input_schema: z.unknown().optional(),
  type: z.string().optional(),
  cache_control: cacheControlSchema.nullish(),
});

const disableParallel = { disable_parallel_tool_use: z.boolean().optional() };
const toolChoiceSchema = z.discriminatedUnion('type', [
  z.object({ type: z.literal('auto'), ...disableParallel }),
  z.object({ type: z.literal('any'), ...disableParallel }),
  z.object({ type: z.literal('tool'), name: z.string(), ...disableParallel }),
  z.object({ type: z.literal('none') }),
]);

const thinkingSchema = z.discriminatedUnion('type', [
  z.object({ type: z.literal('enabled'), budget_tokens: z.number().int() }),
  z.object({ type: z.literal('disabled') }),
]);

const messagesRequestSchema = z.looseObject({
  model: z.string().min(1),
  max_tokens: z.number().int().min(1),
  messages: z.array(messageSchema).min(1, 'at least one message is required'),
  system: z.union([z.string(), z.array(textBlockSchema)]).optional(),
  stream: z.boolean().optional(),
  stop_sequences: z.array(z.string()).optional(),
  temperature: z.number().min(0).max(1).optional(),
  top_p: z.number().min(0).max(1).optional(),
  top_k: z.number().int().min(0).optional(),
  tools: z.array(toolSchema).optional(),
  tool_choice: toolChoiceSchema.optional(),
  thinking: thinkingSchema.optional(),
  metadata: z.looseObject({ user_id: z.string().nullish() }).optional(),
  cache_control: cacheControlSchema.nullish(),
});

/** count_tokens takes the same body without `max_tokens`. */
const countTokensRequestSchema = messagesRequestSchema.extend({ max_tokens: z.number().int().min(1).optional() });

export type CacheControl = z.infer<typeof cacheControlSchema>;
export type ContentBlock = z.infer<typeof contentBlockSchema>;
export type ToolUseBlock = z.infer<typeof toolUseBlockSchema>;
export type ToolResultBlock = z.infer<typeof toolResultBlockSchema>;
export type MessageParam = z.infer<typeof messageSchema>;
export type ToolParam = z.infer<typeof toolSchema>;
export type ToolChoice = z.infer<typeof toolChoiceSchema>;
export type ThinkingParam = z.infer<typeof thinkingSchema>;
export type MessagesRequest = z.infer<typeof countTokensRequestSchema>;

/** A request that passed validation, with its model resolved. */
export interface ValidRequest {
  body: MessagesRequest;
  model: ModelInfo;
  /** Values of the `anthropic-beta` header (comma-separated on the wire). */
  betas: ReadonlySet<string>;
}

export interface ValidateOptions {
  /** count_tokens: `max_tokens` is optional. Default false. */
  forCountTokens?: boolean;
  /** The `anthropic-beta` header values. Default none. */
  betas?: ReadonlySet<string>;
  /** Checks a `thinking` block's signature; absent = signatures are not checked (unit tests). */
  verifySignature?: (modelId: string, thinking: string, signature: string) => boolean;
}

/** The API caps explicit cache breakpoints per request. */
export const MAX_CACHE_BREAKPOINTS = 4;

/**
 * Parses a JSON body text.
 *
 * @example
 * parseJsonBody('{"model":"claude-haiku-4-5","max_tokens":10,"messages":[{"role":"user","content":"hi"}]}')
 */
export function parseJsonBody(text: string): unknown {
  try {
    return JSON.parse(text) as unknown;
  } catch (error) {
    const reason = error instanceof Error ? error.message : String(error);
    throw new ApiError('invalid_request_error', `The request body is not valid JSON: ${reason}`);
  }
}

const NO_BETAS: ReadonlySet<string> = new Set();

/**
 * The `anthropic-beta` header as a set (the SDKs send the `betas` list comma-separated).
 *
 * @example
 * parseBetas('interleaved-thinking-2025-05-14, context-1m-2025-08-07').has('interleaved-thinking-2025-05-14') // true
 */
export function parseBetas(header: string | undefined): ReadonlySet<string> {
  // Most calls send no betas: one shared empty set instead of one per call.
  if (!header) return NO_BETAS;
  return new Set(
    header
      .split(',')
      .map((beta) => beta.trim())
      .filter(Boolean),
  );
}

/**
 * Validates a parsed body for `POST /v1/messages` (or count_tokens). Throws `ApiError` (400 or 404) on any problem.
 *
 * @example
 * validateMessagesRequest(JSON.parse(body)).model.id // 'claude-haiku-4-5-20251001'
 */
export function validateMessagesRequest(input: unknown, options: ValidateOptions = {}): ValidRequest {
  if (input === null || typeof input !== 'object' || Array.isArray(input)) {
    throw new ApiError('invalid_request_error', 'The request body must be a JSON object.');
  }
  const schema = options.forCountTokens ? countTokensRequestSchema : messagesRequestSchema;
  const parsed = schema.safeParse(input);
  if (!parsed.success) {
    throw new ApiError('invalid_request_error', formatZodIssues(parsed.error, input).join('; '));
  }
  const body = parsed.data;
  if ('thread' in body && body.thread !== undefined) {
    throw new ApiError(
      'invalid_request_error',
      'thread: server-held message threads are not modelled by this fake; send the whole conversation in `messages` ' +
        '(the SDK tool runner: toolRunner({ ..., thread: false }))',
    );
  }
  const model = resolveModel(body.model);
  if (!model) throw new ApiError('not_found_error', `model: ${body.model}`);
  if (body.max_tokens !== undefined && body.max_tokens > model.maxOutputTokens) {
    throw new ApiError(
      'invalid_request_error',
      `max_tokens: ${body.max_tokens} > ${model.maxOutputTokens}, which is the maximum allowed number of output tokens for ${model.id}`,
    );
  }
  const breakpoints = countBreakpoints(body);
  if (breakpoints > MAX_CACHE_BREAKPOINTS) {
    throw new ApiError(
      'invalid_request_error',
      `A maximum of ${MAX_CACHE_BREAKPOINTS} blocks with cache_control may be provided. Found ${breakpoints}.`,
    );
  }
  const betas = options.betas ?? new Set<string>();
  checkTools(body);
  checkThinkingParams(body, betas);
  checkConversation(body, model.id, options.verifySignature);
  return { body, model, betas };
}

function countBreakpoints(body: MessagesRequest): number {
  let count = body.cache_control ? 1 : 0;
  for (const tool of body.tools ?? []) if (tool.cache_control) count++;
  if (Array.isArray(body.system)) for (const block of body.system) if (block.cache_control) count++;
  for (const message of body.messages) {
    if (typeof message.content === 'string') continue;
    for (const block of message.content) if ('cache_control' in block && block.cache_control) count++;
  }
  return count;
}
