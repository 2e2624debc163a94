/**
 * The request parser: raw body text in, a typed request or an `ApiError` out. Bad input of any shape
 * becomes a 400/404/413 with a message naming the field; it never throws anything else (property-tested).
 */
import { z } from 'zod';
import { formatZodIssues } from '../../common/validation.ts';
import { ApiError } from './api-errors.ts';
import { type ModelInfo, resolveModel } from './models.ts';

const cacheControlSchema = z.object({
  type: z.literal('ephemeral'),
  ttl: z.enum(['5m', '1h']).optional(),
});

const textBlockSchema = z.looseObject({
  type: z.literal('text'),
  text: z.string(),
  cache_control: cacheControlSchema.nullish(),
});

/** Any other block (image, document, tool_use, tool_result, thinking ...): kept whole, counted by its JSON. */
const otherBlockSchema = z.looseObject({
  type: z.string().refine((t) => t !== 'text', 'a text block needs a string `text`'),
  cache_control: cacheControlSchema.nullish(),
});

const contentBlockSchema = z.union([textBlockSchema, otherBlockSchema]);

const messageSchema = z.looseObject({
  role: z.enum(['user', 'assistant']),
  content: z.union([z.string(), z.array(contentBlockSchema)]),
});

const toolSchema = z.looseObject({
  name: z.string().min(1),
  description: z.string().optional(),
  input_schema: z.record(z.string(), z.unknown()).optional(),
  type: z.string().optional(),
  cache_control: cacheControlSchema.nullish(),
});

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
  tool_choice: z.looseObject({ type: z.string() }).optional(),
  metadata: z.looseObject({ user_id: z.string().nullish() }).optional(),
  cache_control: cacheControlSchema.nullish(),
});

/** count_tokens takes the same body without `max_tokens`. */
const countTokensRequestSchema = messagesRequestSchema.extend({ max_tokens: z.number().int().min(1).optional() });

export type CacheControl = z.infer<typeof cacheControlSchema>;
export type ContentBlock = z.infer<typeof contentBlockSchema>;
export type MessageParam = z.infer<typeof messageSchema>;
export type ToolParam = z.infer<typeof toolSchema>;
export type MessagesRequest = z.infer<typeof countTokensRequestSchema>;

/** A request that passed validation, with its model resolved. */
export interface ValidRequest {
  body: MessagesRequest;
  model: ModelInfo;
}

/** The API caps explicit cache breakpoints per request. */
export const MAX_CACHE_BREAKPOINTS = 4;

/**
 * Parses a JSON body text into a validated request.
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

/**
 * Validates a parsed body for `POST /v1/messages` (or count_tokens when `forCountTokens`).
 * Throws `ApiError` (400 or 404) on any problem.
 *
 * @example
 * validateMessagesRequest(JSON.parse(body)).model.id // 'claude-haiku-4-5-20251001'
 */
export function validateMessagesRequest(input: unknown, forCountTokens = false): ValidRequest {
  if (input === null || typeof input !== 'object' || Array.isArray(input)) {
    throw new ApiError('invalid_request_error', 'The request body must be a JSON object.');
  }
  const schema = forCountTokens ? countTokensRequestSchema : messagesRequestSchema;
  const parsed = schema.safeParse(input);
  if (!parsed.success) {
    throw new ApiError('invalid_request_error', formatZodIssues(parsed.error, input).join('; '));
  }
  const body = parsed.data;
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
  return { body, model };
}

function countBreakpoints(body: MessagesRequest): number {
  let count = body.cache_control ? 1 : 0;
  for (const tool of body.tools ?? []) if (tool.cache_control) count++;
  if (Array.isArray(body.system)) for (const block of body.system) if (block.cache_control) count++;
  for (const message of body.messages) {
    if (typeof message.content === 'string') continue;
    for (const block of message.content) if (block.cache_control) count++;
  }
  return count;
}
