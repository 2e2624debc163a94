import type pg from 'pg';
import { MINUTES_PER_DAY, type MinuteOfDay, slotStart } from './minutes.ts';
import { OFFER_COUNT, type SlotDecision, type SlottingConfig, UnknownUserError } from './slotter.ts';

/**
 * The per-slot cap as a first version writes it (`slotting.capCheck = count`): count the users already at
 * that slot, and if the count is below the cap, write the user's new time. Kept to measure what it costs,
 * not to run in production: under READ COMMITTED the count and the write are two statements, so
 * concurrent sign-ups for one slot all read the same count below the cap and all write - the slot ends
 * above its cap (the slot-cap matrix and `count-slotter.test.ts` show by how much). The user's own row is
 * still locked, as in the slot table, so the only race left is the one between different users.
 *
 * @example
 * const slotter = new CountSlotter(pool, { mode: 'auto', slotMinutes: 5, capPerSlot: 50, capCheck: 'count' });
 * await slotter.choose(42, 600, clock.nowMs()); // { kind: 'assigned', minute: 600, ... } even when 50 hold 10:00
 */
export class CountSlotter {
  constructor(
    private readonly pool: pg.Pool,
    private readonly config: SlottingConfig,
  ) {}

  /** Gives user `userId` the digest time `requestedMinute`, or the nearest slot the count says has room. */
  async choose(userId: number, requestedMinute: MinuteOfDay, nowMs: number): Promise<SlotDecision> {
    const { mode, slotMinutes } = this.config;
    const requestedSlot = slotStart(requestedMinute, slotMinutes);
    const client = await this.pool.connect();
    try {
      await client.query('BEGIN');
      const { rows } = await client.query<{ digest_minute: number | null }>(
        'SELECT digest_minute FROM users WHERE user_id = $1 FOR UPDATE',
        [userId],
      );
      if (rows.length === 0) throw new UnknownUserError(`user ${userId} has no row yet (/start creates it)`);
      const current = rows[0]!.digest_minute;
      const holdsRequested = current !== null && slotStart(current, slotMinutes) === requestedSlot;
      let seat: MinuteOfDay | undefined = requestedSlot;
      if (mode !== 'none' && !holdsRequested) seat = await this.firstWithRoom(client, requestedSlot, mode === 'auto');
      if (seat === undefined) {
        await client.query('ROLLBACK');
        return { kind: 'full', requestedMinute, offers: await this.offers(client, requestedSlot) };
      }
      const minute = seat === requestedSlot ? requestedMinute : seat;
      await client.query(
        `UPDATE users SET digest_requested_minute = $2, digest_minute = $3,
           onboarded_at = COALESCE(onboarded_at, $4), updated_at = $4
         WHERE user_id = $1`,
        [userId, requestedMinute, minute, new Date(nowMs)],
      );
      await client.query('COMMIT');
      return { kind: 'assigned', requestedMinute, minute, shifted: seat !== requestedSlot };
    } catch (error) {
      await client.query('ROLLBACK').catch(() => undefined);
      throw error;
    } finally {
      client.release();
    }
  }

  /** Users per slot start, as this transaction's statement sees them now. */
  private async counts(client: pg.PoolClient): Promise<Map<MinuteOfDay, number>> {
    const { rows } = await client.query<{ slot: number; n: number }>(
      `SELECT (digest_minute / $1) * $1 AS slot, count(*)::int AS n
       FROM users WHERE digest_minute IS NOT NULL GROUP BY 1`,
      [this.config.slotMinutes],
    );
    return new Map(rows.map((r) => [r.slot, r.n]));
  }

  /** The requested slot if its count is below the cap, else (when `shift`) the first later one, wrapping at midnight. */
  private async firstWithRoom(
    client: pg.PoolClient,
    fromSlot: MinuteOfDay,
    shift: boolean,
  ): Promise<MinuteOfDay | undefined> {
    const counts = await this.counts(client);
    const candidates = shift ? this.slotsFrom(fromSlot) : [fromSlot];
    return candidates.find((slot) => (counts.get(slot) ?? 0) < this.config.capPerSlot);
  }

  private async offers(client: pg.PoolClient, fromSlot: MinuteOfDay): Promise<MinuteOfDay[]> {
    const counts = await this.counts(client);
    return this.slotsFrom(fromSlot)
      .slice(1)
      .filter((slot) => (counts.get(slot) ?? 0) < this.config.capPerSlot)
      .slice(0, OFFER_COUNT);
  }

  /** Every slot start of the day, beginning at `fromSlot` and wrapping at midnight. */
  private slotsFrom(fromSlot: MinuteOfDay): MinuteOfDay[] {
    const { slotMinutes } = this.config;
    const starts = Array.from({ length: Math.ceil(MINUTES_PER_DAY / slotMinutes) }, (_, i) => i * slotMinutes);
    const at = starts.indexOf(fromSlot);
    return [...starts.slice(at), ...starts.slice(0, at)];
  }
}
