import type { ContentBlock, MessageParam, Tool, ToolResultBlockParam } from '@anthropic-ai/sdk/resources/messages';
import type { ToolCallResult } from '../knowledge/mcp-knowledge.ts';
import type { ClaudeCaller, ClaudeReply, ClaudeRequest } from './claude-client.ts';
import type { LlmMetrics } from './metrics.ts';

/**
 * The tool loop, as a bot with MCP tools runs it: call Claude with the tools; while it answers `tool_use`, run each
 * call, send the results back as `tool_result` blocks (in one user message, in the order of the calls) and call
 * again. At most `maxToolRounds` rounds of tools: the call after the last round sends `tool_choice: none`, so
 * Claude must answer with text - a question costs at most maxToolRounds + 1 Claude calls.
 * Every Claude call goes through the caller's resilience policy on its own (a retry repeats one round, not the
 * loop); when one falls back the whole answer does. A tool that fails becomes an `is_error` result, and Claude
 * answers without it.
 */

/** Where the tools come from: the MCP knowledge client (or a stub in tests). */
export interface ToolSource {
  tools(): Promise<Tool[] | undefined>;
  callTool(name: string, input: unknown): Promise<ToolCallResult>;
}

export interface ToolLoopDeps {
  callClaude: ClaudeCaller;
  source: ToolSource;
  metrics: LlmMetrics;
}

export interface ToolLoopRequest extends Omit<ClaudeRequest, 'tools' | 'toolChoice'> {
  /** Rounds of tool calls before Claude must answer. */
  maxToolRounds: number;
}

/** The loop's answer, with the rounds it took (0 = Claude answered at once). */
export interface ToolLoopReply extends ClaudeReply {
  toolRounds: number;
}

type ToolUse = Extract<ContentBlock, { type: 'tool_use' }>;

/**
 * Runs the loop; undefined when a Claude call fell back.
 *
 * @example
 * const reply = await runToolLoop({ callClaude, source: knowledge, metrics }, { route: 'question', model, maxTokens: 600, messages, maxToolRounds: 3 });
 */
export async function runToolLoop(deps: ToolLoopDeps, request: ToolLoopRequest): Promise<ToolLoopReply | undefined> {
  const { callClaude, source, metrics } = deps;
  const { maxToolRounds, ...call } = request;
  const tools = await source.tools();
  const messages: MessageParam[] = [...request.messages];
  for (let round = 0; ; round++) {
    const lastChance = round >= maxToolRounds;
    const reply = await callClaude({
      ...call,
      messages,
      ...(tools === undefined ? {} : { tools, ...(lastChance ? { toolChoice: { type: 'none' as const } } : {}) }),
    });
    if (!reply) return undefined;
    const uses = reply.content.filter((block): block is ToolUse => block.type === 'tool_use');
    if (reply.stopReason !== 'tool_use' || uses.length === 0 || lastChance) {
      metrics.toolRounds.observe(round);
      return { ...reply, toolRounds: round };
    }
    const results = await Promise.all(uses.map((use) => source.callTool(use.name, use.input)));
    const toolResults = uses.map((use, i): ToolResultBlockParam => {
      const result = results[i]!;
      metrics.toolCalls.inc({ tool: use.name, outcome: result.isError ? 'error' : 'ok' });
      return {
        type: 'tool_result',
        tool_use_id: use.id,
        content: result.text,
        ...(result.isError ? { is_error: true } : {}),
      };
    });
    messages.push({ role: 'assistant', content: reply.content }, { role: 'user', content: toolResults });
  }
}
