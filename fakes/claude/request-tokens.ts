/**
 * Splits a request into the blocks of its cacheable prefix, in the API's order (tools -> system -> messages),
 * each with its token count (see tokenizer.ts) and, when caching is in play, a rolling prefix hash.
 */
import { countTextTokens, TOKEN_OVERHEAD } from './tokenizer.ts';
import type { CacheControl, ContentBlock, MessagesRequest } from './validation.ts';

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

function blockTokens(block: ContentBlock): number {
  if (block.type === 'text' && typeof block.text === 'string') return countTextTokens(block.text);
  if (block.type === 'image') return TOKEN_OVERHEAD.image;
  const { cache_control: _ignored, ...rest } = block;
  return countTextTokens(JSON.stringify(rest));
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
export function countRequestTokens(body: MessagesRequest, modelId: string): RequestTokens {
  const hasBreakpoints = hasAnyBreakpoint(body);
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
  for (const message of body.messages) {
    b.pendingOverhead += TOKEN_OVERHEAD.message;
    const content = message.content;
    if (typeof content === 'string') {
      pushBlock(b, countTextTokens(content), hasBreakpoints ? `${message.role}:${content}` : '', undefined);
      continue;
    }
    let first = true;
    for (const block of content) {
      const identity = hasBreakpoints ? (first ? `${message.role}:` : '') + blockIdentity(block) : '';
      first = false;
      pushBlock(b, blockTokens(block), identity, block.cache_control);
    }
    if (content.length === 0) pushBlock(b, 0, hasBreakpoints ? `${message.role}:[]` : '', undefined);
  }
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
    (message) => typeof message.content !== 'string' && message.content.some((block) => block.cache_control),
  );
}
