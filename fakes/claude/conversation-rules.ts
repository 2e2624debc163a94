/**
 * The API's rules for a conversation with tools and extended thinking, with its own 400 messages:
 * - every `tool_use` of an assistant message needs its `tool_result` first in the next user message, and a
 *   `tool_result` needs its `tool_use` in the message just before (tool use docs, "Handle tool calls"; messages
 *   as real answers print them in anthropics/claude-code#5060 and #13460);
 * - a `thinking` block sent back must be unmodified: its signature must match (extended thinking docs,
 *   "Preserving thinking blocks"; message as in anthropics/claude-code#10627);
 * - `thinking.budget_tokens` >= 1024 and below `max_tokens` (unless interleaved thinking, where it may exceed it),
 *   not with a forced `tool_choice`, and `temperature` only 1 (extended thinking docs; messages as real answers
 *   print them).
 */
import { ApiError } from './api-errors.ts';
import type { MessagesRequest } from './validation.ts';

/** The beta that lets Claude 4 models think between tool calls (and `budget_tokens` exceed `max_tokens`). */
export const INTERLEAVED_THINKING_BETA = 'interleaved-thinking-2025-05-14';
export const MIN_THINKING_BUDGET_TOKENS = 1024;

const invalid = (message: string) => new ApiError('invalid_request_error', message);

/**
 * Checks the `thinking` parameter against the rest of the request.
 *
 * @example
 * checkThinkingParams({ ...body, thinking: { type: 'enabled', budget_tokens: 512 } }, new Set()) // throws
 */
export function checkThinkingParams(body: MessagesRequest, betas: ReadonlySet<string>): void {
  const thinking = body.thinking;
  if (thinking?.type !== 'enabled') return;
  if (thinking.budget_tokens < MIN_THINKING_BUDGET_TOKENS) {
    throw invalid(
      `thinking.enabled.budget_tokens: Input should be greater than or equal to ${MIN_THINKING_BUDGET_TOKENS}`,
    );
  }
  if (
    body.max_tokens !== undefined &&
    thinking.budget_tokens >= body.max_tokens &&
    !betas.has(INTERLEAVED_THINKING_BETA)
  ) {
    throw invalid('`max_tokens` must be greater than `thinking.budget_tokens`.');
  }
  if (body.tool_choice?.type === 'any' || body.tool_choice?.type === 'tool') {
    throw invalid('Thinking may not be enabled when tool_choice forces tool use.');
  }
  if (body.temperature !== undefined && body.temperature !== 1) {
    throw invalid('`temperature` may only be set to 1 when thinking is enabled or in adaptive mode');
  }
}

function toolUseIds(content: MessagesRequest['messages'][number]['content']): string[] {
  if (typeof content === 'string') return [];
  const ids: string[] = [];
  for (const block of content) if (block.type === 'tool_use' && 'id' in block) ids.push(String(block.id));
  return ids;
}

/** The ids of the `tool_result` blocks a user message starts with (text may only follow them). */
function leadingToolResultIds(content: MessagesRequest['messages'][number]['content']): Set<string> {
  const ids = new Set<string>();
  if (typeof content === 'string') return ids;
  for (const block of content) {
    if (block.type !== 'tool_result' || !('tool_use_id' in block)) break;
    ids.add(String(block.tool_use_id));
  }
  return ids;
}

/**
 * Checks tool_use / tool_result pairing and thinking signatures across the messages.
 *
 * @example
 * checkConversation(body, 'claude-haiku-4-5-20251001', signer.verify)
 */
export function checkConversation(
  body: MessagesRequest,
  modelId: string,
  verifySignature: ((modelId: string, thinking: string, signature: string) => boolean) | undefined,
): void {
  const { messages } = body;
  for (let i = 0; i < messages.length; i++) {
    const message = messages[i]!;
    if (typeof message.content === 'string') continue;
    if (message.role === 'assistant') {
      message.content.forEach((block, j) => {
        if (block.type !== 'thinking' || verifySignature === undefined) return;
        const { thinking, signature } = block as { thinking: string; signature: string };
        if (!verifySignature(modelId, thinking, signature)) {
          throw invalid(`messages.${i}.content.${j}: Invalid \`signature\` in \`thinking\` block`);
        }
      });
      const used = toolUseIds(message.content);
      if (used.length === 0) continue;
      const next = messages[i + 1];
      const answered = next?.role === 'user' ? leadingToolResultIds(next.content) : new Set<string>();
      const missing = used.filter((id) => !answered.has(id));
      if (missing.length > 0) {
        throw invalid(
          `messages.${i}: \`tool_use\` ids were found without \`tool_result\` blocks immediately after: ${missing.join(', ')}. ` +
            'Each `tool_use` block must have a corresponding `tool_result` block in the next message.',
        );
      }
      continue;
    }
    const previous = messages[i - 1];
    const offered = new Set(previous?.role === 'assistant' ? toolUseIds(previous.content) : []);
    message.content.forEach((block, j) => {
      if (block.type !== 'tool_result' || !('tool_use_id' in block)) return;
      const id = String(block.tool_use_id);
      if (!offered.has(id)) {
        throw invalid(
          `messages.${i}.content.${j}: unexpected \`tool_use_id\` found in \`tool_result\` blocks: ${id}. ` +
            'Each `tool_result` block must have a corresponding `tool_use` block in the previous message.',
        );
      }
    });
  }
}
