import type pg from 'pg';
import { Gauge, type Registry } from 'prom-client';

/** The gauge the sessions matrix reads: users who sent /start and have no digest time booked yet. */
export const ONBOARDING_UNFINISHED_METRIC = 'bot_users_onboarding_unfinished';

/**
 * The onboarding funnel's open end, read from `users` at scrape time: a user row exists from /start, and
 * `onboarded_at` is set when a digest time is booked. Users stuck here after the sign-ups are over are flows
 * that broke (state lost between instances) or were abandoned. Every instance reports the same
 * database-wide figure.
 *
 * @example
 * registerOnboardingGauge(registry, pool); // bot_users_onboarding_unfinished 0
 */
export function registerOnboardingGauge(registry: Registry, pool: pg.Pool): void {
  new Gauge({
    name: ONBOARDING_UNFINISHED_METRIC,
    help: 'users who sent /start and have not booked a digest time (read from users at scrape)',
    registers: [registry],
    async collect() {
      // A scrape must not fail because the database is busy or down: the last value stays.
      const { rows } = await pool
        .query<{ n: number }>('SELECT count(*)::int AS n FROM users WHERE onboarded_at IS NULL')
        .catch(() => ({ rows: [] as Array<{ n: number }> }));
      if (rows[0] !== undefined) this.set(rows[0].n);
    },
  });
}
