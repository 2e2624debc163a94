import type { Registry } from 'prom-client';
import { counterOnce, histogramOnce } from '../resilience/metrics.ts';

/**
 * The cost side of the bot in Prometheus terms: every Claude attempt by model, route and outcome; every billed
 * token by model, kind and route (the cost report multiplies these by the pricing table); the digest cache's
 * hits and misses; the batch pipeline's progress.
 *
 * @example
 * const m = llmMetrics(registry); m.tokens.inc({ model, kind: 'cache_read', route: 'question' }, 4096);
 */
export function llmMetrics(registry: Registry) {
  return {
    calls: counterOnce(registry, {
      name: 'bot_claude_calls_total',
      help: 'Claude API attempts by model, route (question/digest/batch) and outcome (ok, or the HTTP status / timeout / connection)',
      labelNames: ['model', 'route', 'outcome'],
    }),
    tokens: counterOnce(registry, {
      name: 'bot_claude_tokens_total',
      help: 'billed Claude tokens by model, kind (input, output, cache_write_5m, cache_write_1h, cache_read) and route',
      labelNames: ['model', 'kind', 'route'],
    }),
    callSeconds: histogramOnce(registry, {
      name: 'bot_claude_call_duration_seconds',
      help: 'duration of one Claude attempt, simulated seconds',
      labelNames: ['model', 'route'],
      buckets: [0.25, 0.5, 1, 2, 4, 8, 15, 30, 60],
    }),
    routed: counterOnce(registry, {
      name: 'bot_routing_decisions_total',
      help: 'question turns by the model routing chose for them',
      labelNames: ['model'],
    }),
    digestCache: counterOnce(registry, {
      name: 'bot_digest_cache_lookups_total',
      help: 'digest requests by cache result: hit (generated earlier), batched (pre-generated), shared (waited for a concurrent generation), miss (generated now), off (cache disabled)',
      labelNames: ['result'],
    }),
    batch: counterOnce(registry, {
      name: 'bot_digest_batch_events_total',
      help: 'Batch API pre-generation: submitted requests, batches ended, results stored or errored',
      labelNames: ['event'],
    }),
    toolCalls: counterOnce(registry, {
      name: 'bot_tool_calls_total',
      help: 'tool calls Claude asked for in the tool loop, by tool and outcome (ok, error)',
      labelNames: ['tool', 'outcome'],
    }),
    toolRounds: histogramOnce(registry, {
      name: 'bot_tool_loop_rounds',
      help: 'rounds of tool calls per answered question in the tool loop (0 = answered at once)',
      labelNames: [],
      buckets: [0, 1, 2, 3, 4, 6, 8],
    }),
    knowledge: counterOnce(registry, {
      name: 'bot_knowledge_lookups_total',
      help: 'MCP knowledge lookups by outcome (ok, empty, fallback, skipped)',
      labelNames: ['outcome'],
    }),
  };
}

export type LlmMetrics = ReturnType<typeof llmMetrics>;
