import { Counter, Gauge, Histogram, type Registry } from 'prom-client';

/**
 * Metric helpers shared by the bot's upstream, cost and scheduler modules. A metric is registered once per
 * registry and reused: several components (or two assistants in a test) can ask for the same name.
 *
 * @example
 * const calls = counterOnce(registry, { name: 'bot_claude_calls_total', help: '...', labelNames: ['model'] });
 */
type CounterConfig<L extends string> = { name: string; help: string; labelNames: readonly L[] };
type HistogramConfig<L extends string> = CounterConfig<L> & { buckets: number[] };

export function counterOnce<L extends string>(registry: Registry, config: CounterConfig<L>): Counter<L> {
  const existing = registry.getSingleMetric(config.name);
  if (existing) return existing as Counter<L>;
  return new Counter({ ...config, registers: [registry] });
}

export function gaugeOnce<L extends string>(registry: Registry, config: CounterConfig<L>): Gauge<L> {
  const existing = registry.getSingleMetric(config.name);
  if (existing) return existing as Gauge<L>;
  return new Gauge({ ...config, registers: [registry] });
}

export function histogramOnce<L extends string>(registry: Registry, config: HistogramConfig<L>): Histogram<L> {
  const existing = registry.getSingleMetric(config.name);
  if (existing) return existing as Histogram<L>;
  return new Histogram({ ...config, registers: [registry] });
}

/** The resilience layer's metrics, labelled by upstream (`claude`, `mcp`). */
export function resilienceMetrics(registry: Registry) {
  return {
    breakerState: gaugeOnce(registry, {
      name: 'bot_breaker_state',
      help: 'circuit breaker state per upstream: 0 closed, 1 half-open, 2 open (a shared breaker shows on every upstream)',
      labelNames: ['upstream'],
    }),
    breakerTransitions: counterOnce(registry, {
      name: 'bot_breaker_transitions_total',
      help: 'circuit breaker state changes per breaker (upstream name, or "shared") and new state',
      labelNames: ['breaker', 'to'],
    }),
    bulkheadInFlight: gaugeOnce(registry, {
      name: 'bot_bulkhead_in_flight',
      help: 'upstream calls running inside the bulkhead',
      labelNames: ['upstream'],
    }),
    bulkheadQueued: gaugeOnce(registry, {
      name: 'bot_bulkhead_queued',
      help: 'upstream calls waiting for a bulkhead slot',
      labelNames: ['upstream'],
    }),
    retries: counterOnce(registry, {
      name: 'bot_upstream_retries_total',
      help: 'retried upstream attempts, by upstream and cause (HTTP status, timeout, connection)',
      labelNames: ['upstream', 'cause'],
    }),
    fallbacks: counterOnce(registry, {
      name: 'bot_upstream_fallbacks_total',
      help: 'calls answered by the fallback, by upstream and reason (breaker-open, bulkhead-full, exhausted, rejected)',
      labelNames: ['upstream', 'reason'],
    }),
  };
}
