/**
 * Splits a request into the blocks of its cacheable prefix, in the API's order (tools -> system -> messages),
 * each with its token count (see tokenizer.ts) and, when caching is in play, a rolling prefix hash.
 */
import type { ModelInfo } from './models.ts';
import { countTextTokens, TOKEN_OVERHEAD } from './tokenizer.ts';
import type { CacheControl, ContentBlock, MessageParam, MessagesRequest } from './validation.ts';

export interface PrefixBlock {
  /** Tokens in this block, overhead included. */
  tokens: number;
  /** Tokens from the start of the prompt through this block. */
  cumulativeTokens: number;
  /** Set when this block carries `cache_control` (or is the last block under a top-level `cache_control`). */
  breakpoint: CacheControl | undefined;
  /** Hash of the whole prefix through this block; 0 when the request has no breakpoints (not needed). */
  prefixHash: string;
}

export interface RequestTokens {
  totalTokens: number;
  blocks: PrefixBlock[];
  hasBreakpoints: boolean;
}

const HASH_A = 0x811c9dc5;
const HASH_B = 0x01000193;

function fnv(text: string, start: number): number {
  let hash = start >>> 0;
  for (let i = 0; i < text.length; i++) {
    hash ^= text.charCodeAt(i);
    hash = Math.imul(hash, 0x01000193);
  }
  return hash >>> 0;
}

/**
 * Tokens of a `tool_use` block: its name and input JSON plus a small structural overhead. The same count is used
 * when the model writes the block (output) and when it comes back in the conversation (input).
 *
 * @example
 * toolUseTokens('search', { query: 'rates' }) // 8
 */
export function toolUseTokens(name: string, input: unknown): number {
  return TOKEN_OVERHEAD.toolBlock + countTextTokens(name + JSON.stringify(input));
}

function toolResultTokens(content: unknown): number {
  if (typeof content === 'string') return TOKEN_OVERHEAD.toolBlock + countTextTokens(content);
  if (!Array.isArray(content)) return TOKEN_OVERHEAD.toolBlock;
  let tokens = TOKEN_OVERHEAD.toolBlock;
  for (const item of content as Array<Record<string, unknown>>) {
    if (item.type === 'text' && typeof item.text === 'string') tokens += countTextTokens(item.text);
    else if (item.type === 'image') tokens += TOKEN_OVERHEAD.image;
    else tokens += countTextTokens(JSON.stringify(item));
  }
  return tokens;
}

function blockTokens(block: ContentBlock): number {
  switch (block.type) {
    case 'text':
      return typeof block.text === 'string' ? countTextTokens(block.text) : 0;
    case 'image':
      return TOKEN_OVERHEAD.image;
    case 'tool_use':
      return 'input' in block ? toolUseTokens(String(block.name), block.input) : 0;
    case 'tool_result':
      return toolResultTokens('content' in block ? block.content : undefined);
    case 'thinking':
      return 'thinking' in block ? countTextTokens(String(block.thinking)) : 0;
    case 'redacted_thinking':
      return 'data' in block ? countTextTokens(String(block.data)) : 0;
    default: {
      const { cache_control: _ignored, ...rest } = block as { cache_control?: unknown };
      return countTextTokens(JSON.stringify(rest));
    }
  }
}

/**
 * Where the current assistant turn starts: after the last user message with anything but tool results. A tool
 * loop (tool_use, tool_result, tool_use ...) is one assistant turn (extended thinking docs).
 *
 * @example
 * currentTurnStart([{ role: 'user', content: 'hi' }]) // 1
 */
export function currentTurnStart(messages: readonly MessageParam[]): number {
  for (let i = messages.length - 1; i >= 0; i--) {
    const message = messages[i]!;
    if (message.role !== 'user') continue;
    if (typeof message.content === 'string') return i + 1;
    if (message.content.some((block) => block.type !== 'tool_result')) return i + 1;
  }
  return 0;
}

/** Block content without its cache_control, so moving a breakpoint does not change the prefix identity. */
function blockIdentity(block: object): string {
  if ('cache_control' in block) {
    const { cache_control: _ignored, ...rest } = block as { cache_control?: unknown };
    return JSON.stringify(rest);
  }
  return JSON.stringify(block);
}

/**
 * Counts a request's input tokens block by block.
 *
 * @example
 * countRequestTokens(body).totalTokens // what count_tokens answers
 */
export function countRequestTokens(body: MessagesRequest, model: ModelInfo): RequestTokens {
  const hasBreakpoints = hasAnyBreakpoint(body);
  const modelId = model.id;
  const b: Builder = {
    blocks: [],
    cumulative: 0,
    hashA: HASH_A,
    hashB: hasBreakpoints ? fnv(modelId, HASH_B) : 0,
    pendingOverhead: TOKEN_OVERHEAD.request,
    hasBreakpoints,
  };
  // Identities (for the prefix hash) are built only when the request has a breakpoint: the common call has none.
  for (const tool of body.tools ?? []) {
    b.pendingOverhead += TOKEN_OVERHEAD.tool;
    const { cache_control: _ignored, ...rest } = tool;
    const text = JSON.stringify(rest);
    pushBlock(b, countTextTokens(text), hasBreakpoints ? `tool:${text}` : '', tool.cache_control);
  }
  if (typeof body.system === 'string') {
    b.pendingOverhead += TOKEN_OVERHEAD.system;
    pushBlock(b, countTextTokens(body.system), hasBreakpoints ? `system:${body.system}` : '', undefined);
  } else if (body.system && body.system.length > 0) {
    b.pendingOverhead += TOKEN_OVERHEAD.system;
    for (const block of body.system) {
      pushBlock(b, countTextTokens(block.text), hasBreakpoints ? `system:${block.text}` : '', block.cache_control);
    }
  }
  // With tools, the API adds its tool-use system prompt, whose size depends on tool_choice. It is counted with the
  // messages, not the tools: changing tool_choice (or the thinking settings) invalidates the cached messages but
  // keeps the cached tools and system prompt (prompt caching docs, "What invalidates the cache").
  if (body.tools && body.tools.length > 0) {
    const forced = body.tool_choice?.type === 'any' || body.tool_choice?.type === 'tool';
    b.pendingOverhead += model.toolSystemPromptTokens[forced ? 'forced' : 'auto'];
  }
  const settings = hasBreakpoints
    ? `${JSON.stringify(body.tool_choice ?? null)}|${JSON.stringify(body.thinking ?? null)}|`
    : '';
  const keepThinkingFrom = model.keepsAllThinking ? 0 : currentTurnStart(body.messages);
  body.messages.forEach((message, index) => {
    b.pendingOverhead += TOKEN_OVERHEAD.message;
    const salt = index === 0 ? settings : '';
    const content = message.content;
    if (typeof content === 'string') {
      pushBlock(b, countTextTokens(content), hasBreakpoints ? `${salt}${message.role}:${content}` : '', undefined);
      return;
    }
    let first = true;
    for (const block of content) {
      // Thinking of earlier turns is stripped from the context: neither billed nor part of the cached prefix.
      const stripped = (block.type === 'thinking' || block.type === 'redacted_thinking') && index < keepThinkingFrom;
      if (stripped) continue;
      const identity = hasBreakpoints ? (first ? `${salt}${message.role}:` : '') + blockIdentity(block) : '';
      first = false;
      pushBlock(b, blockTokens(block), identity, (block as { cache_control?: CacheControl | null }).cache_control);
    }
    if (first) pushBlock(b, 0, hasBreakpoints ? `${salt}${message.role}:[]` : '', undefined);
  });
  // A top-level cache_control puts the breakpoint on the last cacheable block (automatic caching).
  const last = b.blocks[b.blocks.length - 1];
  if (body.cache_control && last && !last.breakpoint) last.breakpoint = body.cache_control;
  return { totalTokens: b.cumulative, blocks: b.blocks, hasBreakpoints };
}

interface Builder {
  blocks: PrefixBlock[];
  cumulative: number;
  hashA: number;
  hashB: number;
  /** Structural tokens waiting for the next block (message, system, tool overhead). */
  pendingOverhead: number;
  hasBreakpoints: boolean;
}

function pushBlock(b: Builder, tokens: number, identity: string, breakpoint: CacheControl | null | undefined): void {
  const withOverhead = tokens + b.pendingOverhead;
  b.pendingOverhead = 0;
  b.cumulative += withOverhead;
  let prefixHash = '';
  if (b.hasBreakpoints) {
    b.hashA = fnv(identity, b.hashA);
    b.hashB = fnv(identity, b.hashB ^ 0x9e3779b9);
    prefixHash = `${b.hashA.toString(36)}.${b.hashB.toString(36)}.${b.cumulative}`;
  }
  b.blocks.push({
    tokens: withOverhead,
    cumulativeTokens: b.cumulative,
    breakpoint: breakpoint ?? undefined,
    prefixHash,
  });
}

function hasAnyBreakpoint(body: MessagesRequest): boolean {
  if (body.cache_control) return true;
  if (body.tools?.some((tool) => tool.cache_control)) return true;
  if (Array.isArray(body.system) && body.system.some((block) => block.cache_control)) return true;
  return body.messages.some(
    (message) =>
      typeof message.content !== 'string' &&
      message.content.some((block) => 'cache_control' in block && block.cache_control),
  );
}
