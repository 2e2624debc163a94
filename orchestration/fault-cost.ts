import type { FaultEvent, TimeSeries } from '../contracts/run-result.ts';

/** The series a fault's cost is read from (loadgen/metrics/time-series.ts), by the updates' intended send times. */
const SERIES = { sent: 'updates_per_s', lost: 'lost_per_s', fallbacks: 'fallbacks_per_s' } as const;

/**
 * Each fault with what it cost the users: the updates sent from its start until a reply deadline after its
 * end (an update sent just before a kill is answered - or not - within the deadline, so the window reaches
 * that far), and how many of them were lost or got the fallback. A bucket counts in proportion to its overlap
 * with the window, so the figures are at the series' resolution (one real second per bucket).
 *
 * @example
 * withFaultCosts([{ kind: 'instance-killed', target: 'bot-2', fromMs: 60_000, toMs: 60_000, detail: 'SIGKILL' }], series, 30_000)[0]!.cost
 * // { untilMs: 90_000, updatesSent: 41, lost: 12, fallbacks: 0 }
 */
export function withFaultCosts(
  faults: readonly FaultEvent[],
  timeSeries: readonly TimeSeries[],
  replyDeadlineMs: number,
): FaultEvent[] {
  const find = (name: string) => timeSeries.find((s) => s.name === name && s.source === 'loadgen');
  const sent = find(SERIES.sent);
  if (sent === undefined) return [...faults];
  const lost = find(SERIES.lost);
  const fallbacks = find(SERIES.fallbacks);
  return faults.map((fault) => {
    const untilMs = Math.max(fault.toMs, fault.fromMs) + replyDeadlineMs;
    const within = (series: TimeSeries | undefined) =>
      series === undefined ? 0 : Math.round(countWithin(series, fault.fromMs, untilMs));
    return {
      ...fault,
      cost: { untilMs, updatesSent: within(sent), lost: within(lost), fallbacks: within(fallbacks) },
    };
  });
}

/** Events in [fromMs, toMs] of a per-second rate series whose points sit at their buckets' ends. */
function countWithin(series: TimeSeries, fromMs: number, toMs: number): number {
  let total = 0;
  let startMs = 0;
  for (const [endMs, perS] of series.points) {
    const overlapMs = Math.min(endMs, toMs) - Math.max(startMs, fromMs);
    if (overlapMs > 0) total += (perS * overlapMs) / 1000;
    startMs = endMs;
  }
  return total;
}
