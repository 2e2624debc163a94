import type { LatencyProfile } from '../fakes/claude/latency.ts';
import { type DayModel, updatesPerSecondAt } from '../reports/analysis/day-model.ts';
import type { Configuration, Host } from './configuration.ts';
import type { ServiceDemands } from './demands.ts';
import { percentile, simulateWindow } from './evaluate.ts';

/** One hour of the predicted day. */
export interface HourPrediction {
  hour: number;
  updatesPerS: number;
  digestsDue: number;
  p50Ms: number | null;
  p95Ms: number | null;
  digestLatenessP95Ms: number | null;
  /** Per resource: mean busy servers / servers, and the longest queue seen. */
  resources: Array<{ name: string; utilization: number; maxQueue: number }>;
}

/** Options of {@link predictDay}; every field optional. */
export interface DayCurveOptions {
  /** Simulated minutes per hour (from the hour's start). Default 10, 3 above 100K DAU. */
  minutesPerHour?: number;
  seed?: number;
}

/**
 * The day's predicted load, latency and queues per resource, hour by hour: each hour simulated from its start
 * for a few minutes (the hour's rate; at the digest peak, the burst). Instances are summed by resource kind.
 *
 * @example
 * predictDay(demands, day, config, PRODUCTION_HOST, latency).find((h) => h.hour === 10)?.digestLatenessP95Ms
 */
export function predictDay(
  demands: ServiceDemands,
  day: DayModel,
  config: Configuration,
  host: Host,
  latency: LatencyProfile,
  options: DayCurveOptions = {},
): HourPrediction[] {
  const minutes = options.minutesPerHour ?? (day.dailyActiveUsers > 100_000 ? 3 : 10);
  const seed = options.seed ?? 1;
  return Array.from({ length: 24 }, (_, hour) => {
    const out = simulateWindow(demands, day, config, host, latency, {
      fromMinute: hour * 60,
      minutes,
      seed: seed + hour,
    });
    const latencies = out.updates.map((u) => (Number.isNaN(u.finalMs) ? 60_000 : u.finalMs - u.arrivalMs));
    const kinds = new Map<string, { busy: number; servers: number; maxQueue: number }>();
    for (const r of out.resources) {
      const kind = r.name.replace(/^bot-\d+ /, '');
      const k = kinds.get(kind) ?? { busy: 0, servers: 0, maxQueue: 0 };
      k.busy += r.meanBusy;
      k.servers += r.servers;
      k.maxQueue = Math.max(k.maxQueue, r.maxQueue);
      kinds.set(kind, k);
    }
    return {
      hour,
      updatesPerS: updatesPerSecondAt(day, hour),
      digestsDue: out.digests.length,
      p50Ms: percentile([...latencies], 50),
      p95Ms: percentile(latencies, 95),
      digestLatenessP95Ms: percentile(
        out.digests.map((d) => (Number.isNaN(d.sentMs) ? out.durationMs - d.scheduledMs : d.sentMs - d.scheduledMs)),
        95,
      ),
      resources: [...kinds].map(([name, k]) => ({
        name,
        utilization: k.servers > 0 ? k.busy / k.servers : 0,
        maxQueue: k.maxQueue,
      })),
    };
  });
}
