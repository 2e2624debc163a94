import Anthropic from '@anthropic-ai/sdk';
import type {
  ContentBlock,
  MessageParam,
  StopReason,
  Tool,
  ToolChoice,
  Usage,
} from '@anthropic-ai/sdk/resources/messages';
import type pino from 'pino';
import type { Clock } from '../../common/clock.ts';
import type { BotConfig } from '../config/schema.ts';
import { statusOf } from '../resilience/failures.ts';
import type { UpstreamPolicy } from '../resilience/policy.ts';
import type { LlmMetrics } from './metrics.ts';
import { systemBlocks } from './system-prompt.ts';

/** What a Claude call is for; a label on every metric so the cost report can split questions from digests. */
export type Route = 'question' | 'digest' | 'batch';

export interface ClaudeRequest {
  route: Route;
  model: string;
  maxTokens: number;
  messages: MessageParam[];
  /** Tools Claude may call (the tool loop); none by default. */
  tools?: Tool[];
  /** With `tools`: how Claude may use them. Default: the API's (`auto`). */
  toolChoice?: ToolChoice;
}

export interface ClaudeReply {
  /** The text blocks, joined and trimmed. */
  text: string;
  /** The dated model id the API answered with. */
  model: string;
  /** Every content block (the tool loop reads `tool_use` blocks and sends them back). */
  content: ContentBlock[];
  stopReason: StopReason | null;
}

/**
 * The official Anthropic SDK pointed at `config.claude.baseUrl` (the fake in runs, the real API in production).
 *
 * Who retries? The resilience policy, not the SDK: the default `sdkMaxRetries` is 0. If the SDK retried inside
 * one policy attempt, the circuit breaker would see one failure where the API saw three, the per-attempt timeout
 * would cover several attempts, and the retry metric would stay at zero. The policy honours `retry-after`
 * (and `x-should-retry`) like the SDK would. Set `sdkMaxRetries` > 0 and `resilience.retryMaxAttempts` 0 to
 * compare the SDK's own retries (the fake counts them via `X-Stainless-Retry-Count`).
 *
 * @example
 * const anthropic = createAnthropic(config, clock);
 */
export function createAnthropic(config: Pick<BotConfig, 'claude' | 'resilience'>, clock: Clock): Anthropic {
  return new Anthropic({
    apiKey: config.claude.apiKey,
    baseURL: config.claude.baseUrl,
    maxRetries: config.claude.sdkMaxRetries,
    // The policy's timeout aborts each attempt through its signal; this is only the SDK's backstop (real ms).
    // The SDK refuses a fractional timeout; a scaled clock gives one (20 s at 30x is 666.7 ms).
    timeout: Math.max(1_000, Math.ceil(clock.toRealMs(config.resilience.timeoutMs) * 2)),
    logLevel: 'off',
  });
}

export interface ClaudeCallerDeps {
  anthropic: Anthropic;
  config: Pick<BotConfig, 'cost'>;
  clock: Clock;
  policy: UpstreamPolicy;
  metrics: LlmMetrics;
  logger: pino.Logger;
}

/** Sends one Messages request through the Claude policy; `undefined` means the fallback path was taken. */
export type ClaudeCaller = (request: ClaudeRequest) => Promise<ClaudeReply | undefined>;

/**
 * Builds the call that every Claude use goes through: system prompt with its cache breakpoint, the policy
 * (bulkhead, retry, breaker, timeout), and token accounting by model, kind and route.
 *
 * @example
 * const callClaude = createClaudeCaller({ anthropic, config, clock, policy, metrics, logger });
 * const reply = await callClaude({ route: 'question', model, maxTokens: 600, messages });
 */
export function createClaudeCaller(deps: ClaudeCallerDeps): ClaudeCaller {
  const { anthropic, config, clock, policy, metrics } = deps;
  return function callClaude(request) {
    return policy.execute(
      async (signal) => {
        const startedMs = clock.monotonicMs();
        try {
          const message = await anthropic.messages.create(
            {
              model: request.model,
              max_tokens: request.maxTokens,
              system: systemBlocks(config.cost),
              messages: request.messages,
              ...(request.tools === undefined ? {} : { tools: request.tools }),
              ...(request.toolChoice === undefined ? {} : { tool_choice: request.toolChoice }),
            },
            { signal },
          );
          metrics.calls.inc({ model: message.model, route: request.route, outcome: 'ok' });
          recordUsage(metrics, message.model, request.route, message.usage);
          const text = message.content
            .map((block) => (block.type === 'text' ? block.text : ''))
            .join('')
            .trim();
          return { text, model: message.model, content: message.content, stopReason: message.stop_reason };
        } catch (error) {
          const status = statusOf(error);
          metrics.calls.inc({
            model: request.model,
            route: request.route,
            outcome: status === undefined ? (signal.aborted ? 'timeout' : 'connection') : String(status),
          });
          throw error;
        } finally {
          metrics.callSeconds.observe(
            { model: request.model, route: request.route },
            (clock.monotonicMs() - startedMs) / 1000,
          );
        }
      },
      () => undefined,
    );
  };
}

/** Adds one response's usage to the token counter (also used for batch results). */
export function recordUsage(metrics: LlmMetrics, model: string, route: Route, usage: Usage): void {
  const write1h = usage.cache_creation?.ephemeral_1h_input_tokens ?? 0;
  const write5m = usage.cache_creation?.ephemeral_5m_input_tokens ?? (usage.cache_creation_input_tokens ?? 0) - write1h;
  const kinds: Record<string, number> = {
    input: usage.input_tokens,
    output: usage.output_tokens,
    cache_write_5m: write5m,
    cache_write_1h: write1h,
    cache_read: usage.cache_read_input_tokens ?? 0,
  };
  for (const [kind, tokens] of Object.entries(kinds)) {
    if (tokens > 0) metrics.tokens.inc({ model, kind, route }, tokens);
  }
}
