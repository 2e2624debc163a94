import type { LatencyProfile } from '../fakes/claude/latency.ts';
import {
  concurrentUsersAt,
  type DayModel,
  INTERACTIVE_CLASSES,
  meanThinkTimeS,
  peakHour,
} from '../reports/analysis/day-model.ts';
import type { Configuration, Host } from './configuration.ts';
import type { ServiceDemands } from './demands.ts';
import { evaluateConfiguration, type ServiceLevel } from './evaluate.ts';

/** Where a configuration stops holding the service level: in daily users, and in concurrent users at the peak. */
export interface ModelKnee {
  dailyActiveUsers: number;
  concurrentUsers: number;
}

/**
 * The knee of a configuration under a day model: the most daily users (so the busiest hour's concurrency)
 * for which it still holds the service level, by bisection on DAU over the full evaluation (operational
 * analysis, then simulation of the busiest hour and the digest peak). Concurrency by Little's law.
 *
 * @example
 * modelKnee(demands, day, config, PRODUCTION_HOST, slo, latency).concurrentUsers
 */
export function modelKnee(
  demands: ServiceDemands,
  day: DayModel,
  config: Configuration,
  host: Host,
  slo: ServiceLevel,
  latency: LatencyProfile,
): ModelKnee {
  const holds = (dau: number) =>
    evaluateConfiguration(demands, { ...day, dailyActiveUsers: dau }, config, host, slo, latency, { windowMinutes: 10 })
      .holds;
  const replyS = INTERACTIVE_CLASSES.reduce(
    (s, c) => s + day.mix[c] * (demands.classes[c].claudeSlotS + demands.classes[c].botCpuS),
    0,
  );
  const at = (dau: number): ModelKnee => ({
    dailyActiveUsers: dau,
    concurrentUsers: concurrentUsersAt(
      peakHour({ ...day, dailyActiveUsers: dau }).updatesPerS,
      meanThinkTimeS(day),
      replyS,
    ),
  });
  if (!holds(10)) return at(0);
  let low = 10;
  while (low < 10_000_000 && holds(low * 2)) low *= 2;
  let high = low * 2;
  for (let i = 0; i < 6; i++) {
    const mid = Math.sqrt(low * high);
    if (holds(mid)) low = mid;
    else high = mid;
  }
  return at(Math.round(low));
}
