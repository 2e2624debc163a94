import type pg from 'pg';
import { Gauge, type Registry } from 'prom-client';
import { CountSlotter } from './count-slotter.ts';
import type { MinuteOfDay } from './minutes.ts';
import { type SlotDecision, Slotter, type SlottingConfig } from './slotter.ts';

/** What the handlers ask of slotting, whichever way the cap is enforced. */
export interface DigestSlotter {
  choose(userId: number, requestedMinute: MinuteOfDay, nowMs: number): Promise<SlotDecision>;
}

/** The gauge the slot-cap matrix reads: how many users sit above their slot's cap, summed over the day. */
export const SLOT_OVER_CAP_METRIC = 'bot_slot_users_over_cap';

/**
 * The slotter for `slotting.capCheck`, and with a cap (mode offer or auto) the gauge of users above it. The
 * gauge counts `users` at scrape time rather than trusting `digest_slots`, so it measures both
 * implementations the same way; every instance reports the same database-wide figure.
 *
 * @example
 * const slotter = createSlotter(pool, config.slotting, registry);
 */
export function createSlotter(pool: pg.Pool, config: SlottingConfig, registry?: Registry): DigestSlotter {
  if (registry !== undefined && config.mode !== 'none') registerOverCapGauge(pool, config, registry);
  return config.capCheck === 'count' ? new CountSlotter(pool, config) : new Slotter(pool, config);
}

/**
 * Users above the cap, summed over every slot: the overbooking a read-then-write cap allows.
 *
 * @example
 * await usersOverCap(pool, { slotMinutes: 5, capPerSlot: 50 }) // 0 with the slot table
 */
export async function usersOverCap(
  pool: pg.Pool,
  config: Pick<SlottingConfig, 'slotMinutes' | 'capPerSlot'>,
): Promise<number> {
  const { rows } = await pool.query<{ over: number }>(
    `SELECT COALESCE(sum(GREATEST(n - $2, 0)), 0)::int AS over
     FROM (SELECT count(*)::int AS n FROM users WHERE digest_minute IS NOT NULL GROUP BY digest_minute / $1) per_slot`,
    [config.slotMinutes, config.capPerSlot],
  );
  return rows[0]?.over ?? 0;
}

function registerOverCapGauge(pool: pg.Pool, config: SlottingConfig, registry: Registry): void {
  new Gauge({
    name: SLOT_OVER_CAP_METRIC,
    help: 'users whose digest slot holds more users than slotting.capPerSlot, summed over the day (read from users at scrape)',
    registers: [registry],
    async collect() {
      // A scrape must not fail because the database is busy or down: the last value stays.
      const over = await usersOverCap(pool, config).catch(() => undefined);
      if (over !== undefined) this.set(over);
    },
  });
}
