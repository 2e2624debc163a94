/**
 * The sampler: once per second (real time) it reads the bots' /metrics, pg_stat_activity, a connection
 * probe, CPU/RSS of every process and the generator's event-loop lag into a typed time series.
 *
 * @example
 * import { Sampler, botMetricsSource, processStatsSource } from './loadgen/sampler/index.ts';
 */
export {
  PrometheusParseError,
  type PromSample,
  type PromType,
  parsePrometheusText,
  sumOf,
} from './prometheus.ts';
export {
  SAMPLER_DEFAULTS,
  type Sample,
  Sampler,
  type SamplerOptions,
  type SampleSource,
  type SourceError,
} from './sampler.ts';
export {
  type BotMetricsSample,
  type BotTarget,
  botMetricsSource,
  type ConnectionProbeSample,
  connectionProbeSource,
  type EventLoopLagSample,
  eventLoopLagSource,
  type PostgresActivitySample,
  type ProcessStatsSample,
  type ProcessTarget,
  postgresActivitySource,
  processStatsSource,
  SOURCE_DEFAULTS,
} from './sources.ts';
