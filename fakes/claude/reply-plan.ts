/**
 * What the model answers to one request, as the API's content blocks: optional extended thinking first, then text
 * and/or `tool_use` blocks, with the stop reason. Deterministic for a seed and a request.
 *
 * - Thinking (`thinking: {type: "enabled"}`): Claude thinks once at the start of an assistant turn; a request that
 *   continues a tool loop (its last user message is tool results) gets no new thinking unless the interleaved
 *   thinking beta is on. Thinking tokens are billed as output. A turn whose first assistant message does not start
 *   with thinking has thinking silently disabled (extended thinking docs, "graceful degradation").
 * - Tools: with custom tools and `tool_choice` `any` or `tool`, always one or more `tool_use` blocks (no text before
 *   them: the API prefills the turn); with `auto` (the default), a seeded share of requests, while the turn has had
 *   fewer than `maxRounds` tool rounds, sometimes after a short sentence; never with `none`.
 *   `disable_parallel_tool_use` allows one block; otherwise a seeded share gets two.
 * - Text: the reply generator, cut at the first `stop_sequences` match (`stop_reason: "stop_sequence"`) or at
 *   `max_tokens`.
 */
import { z } from 'zod';
import { INTERLEAVED_THINKING_BETA } from './conversation-rules.ts';
import { generateReply, type OutputLength } from './output-text.ts';
import { lognormalFromMedianP95, type Rng } from './random.ts';
import { currentTurnStart, toolUseTokens } from './request-tokens.ts';
import { REDACTED_THINKING_TRIGGER, type ThinkingSigner } from './thinking.ts';
import { fractionalTextTokens } from './tokenizer.ts';
import { toolInput } from './tool-input.ts';
import { isCustomTool, jsonSchemaOf } from './tool-rules.ts';
import type { MessagesRequest, ToolParam, ValidRequest } from './validation.ts';

export const toolUseBehaviourSchema = z.object({
  /** Share (0..1) of `tool_choice: auto` requests, with tools and rounds left, that answer with tool use. */
  share: z.number().min(0).max(1),
  /** Tool rounds per assistant turn after which `auto` answers with text. */
  maxRounds: z.number().int().min(0),
  /** Share (0..1) of tool answers with two parallel `tool_use` blocks (unless `disable_parallel_tool_use`). */
  parallelShare: z.number().min(0).max(1),
  /** Share (0..1) of `auto` tool answers with a short sentence before the `tool_use` block. */
  preambleShare: z.number().min(0).max(1),
});
/** How the fake decides between tool use and text. */
export type ToolUseBehaviour = z.infer<typeof toolUseBehaviourSchema>;

export type StopReason = 'end_turn' | 'max_tokens' | 'stop_sequence' | 'tool_use';

export type ReplyBlock =
  | { type: 'thinking'; thinking: string; signature: string; tokens: number }
  | { type: 'redacted_thinking'; data: string; tokens: number }
  | { type: 'text'; text: string; tokens: number }
  | { type: 'tool_use'; id: string; name: string; input: Record<string, unknown>; tokens: number };

export interface PlannedReply {
  blocks: ReplyBlock[];
  /** Every block's tokens: what `usage.output_tokens` reports (1 <= outputTokens <= max_tokens). */
  outputTokens: number;
  /** Of which thinking (reported as `usage.output_tokens_details.thinking_tokens`). */
  thinkingTokens: number;
  stopReason: StopReason;
  stopSequence: string | null;
}

export interface ReplyContext {
  rng: Rng;
  outputLength: OutputLength;
  thinkingLength: OutputLength;
  toolUse: ToolUseBehaviour;
  signer: ThinkingSigner;
  /** A fresh id with a prefix (`toolu` for tool uses). */
  nextId: (prefix: string) => string;
}

const PREAMBLE_LENGTH: OutputLength = { medianTokens: 14, p95Tokens: 30 };

/** Text of the last user message that has any (a tool-result message has none): the reply's language follows it. */
export function lastUserText(body: MessagesRequest): string {
  for (let i = body.messages.length - 1; i >= 0; i--) {
    const message = body.messages[i]!;
    if (message.role !== 'user') continue;
    if (typeof message.content === 'string') return message.content;
    let text = '';
    for (const block of message.content)
      if (block.type === 'text' && typeof block.text === 'string') text += block.text;
    if (text.length > 0) return text;
  }
  return '';
}

function assistantMessagesOfTurn(body: MessagesRequest) {
  return body.messages.slice(currentTurnStart(body.messages)).filter((m) => m.role === 'assistant');
}

function shouldThink(valid: ValidRequest): boolean {
  const { body, betas } = valid;
  if (body.thinking?.type !== 'enabled') return false;
  const turn = assistantMessagesOfTurn(body);
  if (turn.length === 0) return true;
  // Mid-turn (a tool loop): the turn must have started with thinking, and Claude thinks again only when interleaved.
  const first = turn[0]!.content;
  const startedThinking =
    typeof first !== 'string' && (first[0]?.type === 'thinking' || first[0]?.type === 'redacted_thinking');
  return startedThinking && betas.has(INTERLEAVED_THINKING_BETA);
}

function thinkingBlock(valid: ValidRequest, ctx: ReplyContext, userText: string, maxTokens: number): ReplyBlock {
  const budget = valid.body.thinking?.type === 'enabled' ? valid.body.thinking.budget_tokens : 0;
  const drawn = Math.round(
    lognormalFromMedianP95(ctx.rng, ctx.thinkingLength.medianTokens, ctx.thinkingLength.p95Tokens),
  );
  // At least one token is left for the answer after thinking.
  const tokens = Math.max(1, Math.min(drawn, budget, maxTokens - 1));
  if (userText.includes(REDACTED_THINKING_TRIGGER)) {
    return { type: 'redacted_thinking', data: ctx.signer.redactedData(valid.model.id, tokens), tokens };
  }
  const { text } = generateReply(ctx.rng, userText, tokens, { medianTokens: tokens, p95Tokens: tokens });
  return { type: 'thinking', thinking: text, signature: ctx.signer.sign(valid.model.id, text), tokens };
}

/** The tools Claude calls this time, or none. */
function chooseTools(valid: ValidRequest, ctx: ReplyContext): ToolParam[] {
  const { body } = valid;
  const custom = (body.tools ?? []).filter(isCustomTool);
  const choice = body.tool_choice ?? { type: 'auto' as const };
  if (custom.length === 0 || choice.type === 'none') return [];
  const forced = choice.type === 'any' || choice.type === 'tool';
  if (!forced) {
    const rounds = assistantMessagesOfTurn(body).filter(
      (m) => typeof m.content !== 'string' && m.content.some((b) => b.type === 'tool_use'),
    ).length;
    const draw = ctx.rng();
    if (rounds >= ctx.toolUse.maxRounds || draw >= ctx.toolUse.share) return [];
  }
  const parallel = !choice.disable_parallel_tool_use && ctx.rng() < ctx.toolUse.parallelShare;
  const pick = (): ToolParam =>
    choice.type === 'tool'
      ? custom.find((t) => t.name === choice.name)!
      : custom[Math.floor(ctx.rng() * custom.length)]!;
  return parallel ? [pick(), pick()] : [pick()];
}

/** Cuts text at the first stop sequence; the sequence itself is not returned (Messages API reference). */
function applyStopSequences(
  text: string,
  sequences: readonly string[] | undefined,
): { text: string; sequence: string | null } {
  let cut = -1;
  let sequence: string | null = null;
  for (const candidate of sequences ?? []) {
    if (candidate.length === 0) continue;
    const at = text.indexOf(candidate);
    if (at >= 0 && (cut < 0 || at < cut)) {
      cut = at;
      sequence = candidate;
    }
  }
  return cut < 0 ? { text, sequence: null } : { text: text.slice(0, cut), sequence };
}

/** A text block within `budget` output tokens, cut at a stop sequence if one occurs. */
function textBlock(
  ctx: ReplyContext,
  userText: string,
  budget: number,
  length: OutputLength,
  stopSequences: readonly string[] | undefined,
): { block: ReplyBlock; stopReason: StopReason; stopSequence: string | null } {
  const reply = generateReply(ctx.rng, userText, budget, length);
  const stopped = applyStopSequences(reply.text, stopSequences);
  if (stopped.sequence === null) {
    return {
      block: { type: 'text', text: reply.text, tokens: reply.outputTokens },
      stopReason: reply.stopReason,
      stopSequence: null,
    };
  }
  // The model generated the text and the sequence; the sequence is not returned, but its tokens were produced.
  const tokens = Math.min(
    reply.outputTokens,
    Math.max(1, Math.ceil(fractionalTextTokens(stopped.text + stopped.sequence))),
  );
  return {
    block: { type: 'text', text: stopped.text, tokens },
    stopReason: 'stop_sequence',
    stopSequence: stopped.sequence,
  };
}

function finishReply(
  blocks: ReplyBlock[],
  thinkingTokens: number,
  stopReason: StopReason,
  stopSequence: string | null,
): PlannedReply {
  let outputTokens = 0;
  for (const block of blocks) outputTokens += block.tokens;
  return { blocks, outputTokens, thinkingTokens, stopReason, stopSequence };
}

/**
 * Plans the reply to a valid request.
 *
 * @example
 * const reply = planReply(valid, context); reply.outputTokens <= valid.body.max_tokens // true
 */
export function planReply(valid: ValidRequest, ctx: ReplyContext): PlannedReply {
  const { body } = valid;
  const maxTokens = body.max_tokens ?? 1;
  const userText = lastUserText(body);
  const blocks: ReplyBlock[] = [];
  const thinking = shouldThink(valid) && maxTokens > 1;
  if (thinking) blocks.push(thinkingBlock(valid, ctx, userText, maxTokens));
  const thinkingTokens = blocks.reduce((sum, b) => sum + b.tokens, 0);
  let left = maxTokens - thinkingTokens;
  const tools = chooseTools(valid, ctx);
  if (tools.length > 0) {
    const forced = body.tool_choice?.type === 'any' || body.tool_choice?.type === 'tool';
    const uses = tools.map((tool) => {
      const input = toolInput(jsonSchemaOf(tool), Math.floor(ctx.rng() * 2 ** 31));
      return { tool, input, tokens: toolUseTokens(tool.name, input) };
    });
    const preamble =
      !forced && ctx.rng() < ctx.toolUse.preambleShare
        ? textBlock(ctx, userText, left, PREAMBLE_LENGTH, body.stop_sequences)
        : undefined;
    const needed = (preamble?.block.tokens ?? 0) + uses.reduce((sum, u) => sum + u.tokens, 0);
    if (preamble?.stopReason === 'stop_sequence') {
      blocks.push(preamble.block);
      return finishReply(blocks, thinkingTokens, 'stop_sequence', preamble.stopSequence);
    }
    // A tool call that does not fit in max_tokens is not made: the answer is text cut at max_tokens instead.
    if (needed <= left) {
      if (preamble) blocks.push(preamble.block);
      for (const use of uses) {
        blocks.push({
          type: 'tool_use',
          id: ctx.nextId('toolu'),
          name: use.tool.name,
          input: use.input,
          tokens: use.tokens,
        });
      }
      return finishReply(blocks, thinkingTokens, 'tool_use', null);
    }
  }
  left = Math.max(1, left);
  const text = textBlock(ctx, userText, left, ctx.outputLength, body.stop_sequences);
  blocks.push(text.block);
  return finishReply(blocks, thinkingTokens, text.stopReason, text.stopSequence);
}
