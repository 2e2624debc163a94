import { createRng } from '../common/random.ts';
import type { LatencyProfile } from '../fakes/claude/latency.ts';
import { type DayModel, INTERACTIVE_CLASSES, peakHour } from '../reports/analysis/day-model.ts';
import { parseMinuteOfDay } from '../scenarios/units.ts';
import { type Configuration, connectionsFit, type Host, tierLimits } from './configuration.ts';
import type { ServiceDemands } from './demands.ts';
import { DIGEST_CACHE_KEYS } from './predict.ts';
import { type SimulationOutput, simulate } from './simulate.ts';
import { dayWorkload } from './workload.ts';

/** The service level a plan must hold all day. */
export interface ServiceLevel {
  /** Reply latency: `percentile` of the final reply (or first output) within `maxMs`. */
  latency: { percentile: number; maxMs: number; metric: 'reply_latency' | 'reply_first_latency' };
  /** Digest lateness p95 within this, ms (after slotting: against the slot the bot gave). */
  digestLatenessP95Ms: number;
}

/** One resource's load at the busiest hour, by the utilization law (rho = X D / c). */
export interface ResourceLoad {
  resource: string;
  utilization: number;
  /** What would lift it: the knob the plan turns. */
  remedy: Remedy;
}

export type Remedy =
  | 'instances'
  | 'bulkhead'
  | 'tier'
  | 'pool'
  | 'webhook-connections'
  | 'slotting'
  | 'send-concurrency'
  | 'none';

/** How a configuration fares against a target, by analysis then simulation. */
export interface Evaluation {
  holds: boolean;
  /** The first resource to saturate (highest utilisation, or the one the simulation queued on). */
  bottleneck: ResourceLoad | null;
  loads: ResourceLoad[];
  /** The SLO's latency percentile in the busiest hour and in the digest window, ms (null: not simulated). */
  peakLatencyMs: number | null;
  digestWindowLatencyMs: number | null;
  digestLatenessP95Ms: number | null;
  lostShare: number | null;
  reasons: string[];
}

/** Options of {@link evaluateConfiguration}; every field optional. */
export interface EvaluateOptions {
  seed?: number;
  /** Simulated minutes of the busiest hour and of the digest window. Default 20 (5 above 200K DAU). */
  windowMinutes?: number;
  /** Utilisation above which a resource counts as saturated without simulating. Default 0.95. */
  saturation?: number;
}

export const EVALUATE_DEFAULTS = { seed: 1, windowMinutes: 20, largeWindowMinutes: 5, saturation: 0.95 } as const;

/** Mean over the interactive mix of a per-class figure. */
function mixMean(day: DayModel, pick: (c: (typeof INTERACTIVE_CLASSES)[number]) => number) {
  return INTERACTIVE_CLASSES.reduce((s, c) => s + day.mix[c] * pick(c), 0);
}

/**
 * Operational analysis at the busiest hour (open arrivals at the day model's peak rate): utilisation of each
 * resource, rho = X D / c. Resources past `saturation` fail without simulating; the highest is the bottleneck.
 *
 * @example
 * resourceLoads(demands, day, config, host)[0] // { resource: 'Claude bulkhead', utilization: 1.3, remedy: 'bulkhead' }
 */
export function resourceLoads(
  demands: ServiceDemands,
  day: DayModel,
  config: Configuration,
  host: Host,
): ResourceLoad[] {
  const rate = peakHour(day).updatesPerS;
  const d = demands.classes;
  const vcpu = host.kind === 'production' ? host.vcpuPerInstance : 1;
  const serving = config.transport === 'polling' ? 1 : config.instances;
  const cpuS = mixMean(day, (c) => d[c].botCpuS);
  const slotS = mixMean(day, (c) => d[c].claudeSlotS);
  const holdS = mixMean(day, (c) => d[c].dbHoldS);
  const pgS = mixMean(day, (c) => d[c].postgresCpuS);
  const callsPerS = rate * mixMean(day, (c) => d[c].claudeCalls);
  const handlerS = cpuS / vcpu + holdS + slotS;
  const loads: ResourceLoad[] = [
    { resource: 'bot event loop', utilization: (rate / serving) * (cpuS / vcpu), remedy: 'instances' },
    {
      resource: 'Claude bulkhead',
      utilization: (rate * slotS) / (serving * config.bulkheadConcurrency),
      remedy: 'bulkhead',
    },
    {
      resource: config.transport === 'webhook' ? 'webhook max_connections' : 'polling sink',
      utilization:
        (rate * handlerS) / (config.transport === 'webhook' ? config.webhookMaxConnections : config.sinkConcurrency),
      remedy: config.transport === 'webhook' ? 'webhook-connections' : 'instances',
    },
    { resource: 'pg pools', utilization: (rate * holdS) / (serving * config.poolMax), remedy: 'pool' },
    {
      resource: 'PostgreSQL CPU',
      utilization: host.kind === 'production' ? (rate * pgS) / host.postgresVcpu : 0,
      remedy: 'none',
    },
    { resource: 'Telegram 30 msg/s', utilization: rate / 30, remedy: 'none' },
  ];
  const limits = tierLimits(config.claudeTier);
  if (limits !== undefined) {
    const q = d.question;
    const small = q.smallModelShare;
    const perMin = callsPerS * 60;
    const bigLimits = limits.sonnet;
    loads.push(
      { resource: 'Anthropic RPM', utilization: (perMin * (1 - small)) / bigLimits.requestsPerMin, remedy: 'tier' },
      {
        resource: 'Anthropic ITPM',
        utilization:
          (perMin * (1 - small) * (q.tokensPerCall.input + q.tokensPerCall.cacheWrite)) / bigLimits.inputTokensPerMin,
        remedy: 'tier',
      },
      {
        resource: 'Anthropic OTPM',
        utilization: (perMin * (1 - small) * q.tokensPerCall.output) / bigLimits.outputTokensPerMin,
        remedy: 'tier',
      },
    );
  }
  return loads.sort((a, b) => b.utilization - a.utilization);
}

/**
 * Simulates `minutes` of a day from `fromMinute` (its arrivals at that hour's rate and the digests due then).
 *
 * @example
 * simulateWindow(demands, day, config, host, latency, { fromMinute: 600, minutes: 20, seed: 1 }).digests.length
 */
export function simulateWindow(
  demands: ServiceDemands,
  day: DayModel,
  config: Configuration,
  host: Host,
  latency: LatencyProfile,
  window: { fromMinute: number; minutes: number; seed: number },
): SimulationOutput {
  const workload = dayWorkload(
    day,
    config,
    { fromMinute: window.fromMinute, durationMs: window.minutes * 60_000 },
    DIGEST_CACHE_KEYS,
    createRng(window.seed),
  );
  return simulate({
    demands: demands.classes,
    configuration: config,
    host,
    latency,
    workload,
    replyDeadlineMs: 60_000,
    seed: window.seed,
    bucketMs: 60_000,
  });
}

/** The `p`-th percentile (0-100) of `values` by nearest rank (sorts them in place); null when empty. */
export function percentile(values: number[], p: number): number | null {
  if (values.length === 0) return null;
  values.sort((a, b) => a - b);
  return values[Math.min(values.length - 1, Math.max(0, Math.ceil((p / 100) * values.length) - 1))]!;
}

/**
 * Whether a configuration holds the service level all day: operational analysis at the busiest hour first
 * (any resource past saturation fails at once), then the simulation of the busiest hour and of the digest
 * window (the digest peak), which gives the percentiles and the bursts the means cannot.
 *
 * @example
 * evaluateConfiguration(demands, day, config, host, slo, latency).holds
 */
export function evaluateConfiguration(
  demands: ServiceDemands,
  day: DayModel,
  config: Configuration,
  host: Host,
  slo: ServiceLevel,
  latency: LatencyProfile,
  options: EvaluateOptions = {},
): Evaluation {
  const saturation = options.saturation ?? EVALUATE_DEFAULTS.saturation;
  const loads = resourceLoads(demands, day, config, host);
  const reasons: string[] = [];
  const base = { loads, peakLatencyMs: null, digestWindowLatencyMs: null, digestLatenessP95Ms: null, lostShare: null };
  if (!connectionsFit(config)) {
    reasons.push(
      `${config.instances} x ${config.poolMax} pooled connections exceed max_connections ${config.maxConnections} - ${config.reservedConnections} reserved: SQLSTATE 53300 under load`,
    );
    return {
      ...base,
      holds: false,
      bottleneck: { resource: 'max_connections', utilization: Number.POSITIVE_INFINITY, remedy: 'pool' },
      reasons,
    };
  }
  const saturated = loads.filter((l) => l.utilization >= saturation);
  if (saturated.length > 0) {
    reasons.push(
      ...saturated.map(
        (l) => `${l.resource} at ${Math.round(l.utilization * 100)}% of its capacity in the busiest hour`,
      ),
    );
    return { ...base, holds: false, bottleneck: saturated[0]!, reasons };
  }
  const windowMinutes =
    options.windowMinutes ??
    (day.dailyActiveUsers > 200_000 ? EVALUATE_DEFAULTS.largeWindowMinutes : EVALUATE_DEFAULTS.windowMinutes);
  const seed = options.seed ?? EVALUATE_DEFAULTS.seed;
  const run = (fromMinute: number) =>
    simulateWindow(demands, day, config, host, latency, { fromMinute, minutes: windowMinutes, seed });
  const latencyOf = (out: ReturnType<typeof run>) => {
    const warmupMs = Math.min(5 * 60_000, out.durationMs / 4);
    const kept = out.updates.filter((u) => u.arrivalMs >= warmupMs);
    const values = kept.map((u) => {
      const end = slo.latency.metric === 'reply_first_latency' ? u.firstMs : u.finalMs;
      return Number.isNaN(end) ? Number.POSITIVE_INFINITY : end - u.arrivalMs;
    });
    return {
      p: percentile(values, slo.latency.percentile),
      lost: kept.filter((u) => Number.isNaN(u.finalMs)).length / Math.max(1, kept.length),
    };
  };
  const peak = run(peakHour(day).hour * 60);
  const digestMinute = parseMinuteOfDay(day.digestTimes.peak) ?? 600;
  const burst = run(Math.max(0, digestMinute - 2));
  const peakLatency = latencyOf(peak);
  const burstLatency = latencyOf(burst);
  const lateness = percentile(
    burst.digests.map((d) => (Number.isNaN(d.sentMs) ? Number.POSITIVE_INFINITY : d.sentMs - d.scheduledMs)),
    95,
  );
  const holdsLatency = (peakLatency.p ?? 0) <= slo.latency.maxMs && (burstLatency.p ?? 0) <= slo.latency.maxMs;
  const holdsDigests = lateness === null || lateness <= slo.digestLatenessP95Ms;
  let bottleneck: ResourceLoad | null = null;
  if (!holdsLatency || !holdsDigests) {
    const worst = (holdsLatency ? burst : peakLatency.p! > slo.latency.maxMs ? peak : burst).resources
      .filter((r) => r.maxQueue > 0)
      .sort((a, b) => Math.max(...b.queuePerBucket) - Math.max(...a.queuePerBucket))[0];
    const remedyOf = (name: string): Remedy =>
      name.includes('bulkhead')
        ? 'bulkhead'
        : name.includes('webhook')
          ? 'webhook-connections'
          : name.includes('pool')
            ? 'pool'
            : name.includes('event loop')
              ? 'instances'
              : 'none';
    bottleneck =
      !holdsLatency && worst !== undefined
        ? {
            resource: worst.name.replace(/^bot-\d+ /, ''),
            utilization: worst.meanBusy / worst.servers,
            remedy: remedyOf(worst.name),
          }
        : !holdsDigests
          ? {
              resource: burst.counters.telegram429 > 0 ? 'Telegram 30 msg/s (digest burst)' : 'digest senders',
              utilization: 1,
              remedy:
                burst.counters.telegram429 > 0
                  ? 'slotting'
                  : worst?.name.includes('bulkhead')
                    ? 'bulkhead'
                    : 'send-concurrency',
            }
          : (loads[0] ?? null);
    if (!holdsLatency)
      reasons.push(
        `p${slo.latency.percentile} ${slo.latency.metric === 'reply_first_latency' ? 'first output' : 'reply'} ${Math.round(Math.max(peakLatency.p ?? 0, burstLatency.p ?? 0))} ms > ${slo.latency.maxMs} ms (busiest hour ${Math.round(peakLatency.p ?? 0)} ms, digest window ${Math.round(burstLatency.p ?? 0)} ms)`,
      );
    if (!holdsDigests)
      reasons.push(
        `digest lateness p95 ${Math.round((lateness ?? 0) / 1000)} s > ${Math.round(slo.digestLatenessP95Ms / 1000)} s`,
      );
  }
  return {
    holds: holdsLatency && holdsDigests,
    bottleneck: bottleneck ?? loads[0] ?? null,
    loads,
    peakLatencyMs: peakLatency.p,
    digestWindowLatencyMs: burstLatency.p,
    digestLatenessP95Ms: lateness,
    lostShare: Math.max(peakLatency.lost, burstLatency.lost),
    reasons,
  };
}
