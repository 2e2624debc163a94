import type { Clock } from '../../common/clock.ts';

/**
 * A simulated duration from the config in the real milliseconds a timer, a library or PostgreSQL waits, by the
 * clock's own conversion (lab only: at time scale 1, in production, it is unchanged). 0 stays 0, the knobs' "off";
 * anything else is at least 1 ms, since 0 would mean "off" (or "forever") to the library it is handed to.
 *
 * The timeouts that decide an answer's fate under load (the pool's wait, the webhook's, the update lease, the
 * resilience policy's) are simulated so that an answer does not depend on the lab's time scale: a pool that gave
 * up waiting for a connection after 5 real seconds would give up after 50 simulated ones at 10x, and under
 * overload the lab would queue ten times longer than production before failing. Bounds on real work stay real:
 * opening a database connection is a round trip to PostgreSQL, whose time the lab's fidelity verdict measures,
 * and cut to 1/timeScale it fails on a busy machine where production's would not (bot/db/pool.ts bounds it apart).
 *
 * @example
 * realTimeoutMs(5_000, createScaledClock({ timeScale: 10 })) // 500
 * realTimeoutMs(0, clock) // 0
 */
export function realTimeoutMs(simulatedMs: number, clock: Pick<Clock, 'toRealMs'>): number {
  if (simulatedMs === 0) return 0;
  return Math.max(1, Math.round(clock.toRealMs(simulatedMs)));
}
