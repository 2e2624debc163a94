import type pg from 'pg';
import type { BotConfig } from '../config/index.ts';
import { MINUTES_PER_DAY, type MinuteOfDay, slotStart } from './minutes.ts';

/** What happened to a requested digest time. */
export type SlotDecision =
  /** The user now has `minute`; `shifted` when it is not the one asked for (auto mode, slot full). */
  | { kind: 'assigned'; requestedMinute: MinuteOfDay; minute: MinuteOfDay; shifted: boolean }
  /** Offer mode and the slot is full: nothing changed; `offers` are the next slots with room (may be empty). */
  | { kind: 'full'; requestedMinute: MinuteOfDay; offers: MinuteOfDay[] };

export type SlottingConfig = BotConfig['slotting'];

/** How many alternatives an offer shows (one row of buttons). */
export const OFFER_COUNT = 3;

/** The user asked for a time before `/start` created their row. */
export class UnknownUserError extends Error {
  override name = 'UnknownUserError';
}

/**
 * Spreads digest times so that 1,000 people choosing 10:00 do not all hit Claude and Telegram in
 * the same minute. Modes (config `slotting.mode`): `none` keeps every request as asked; `offer`
 * refuses a full slot and suggests the next free ones; `auto` moves the user to the next free slot.
 *
 * Storage: a counter per minute (`digest_slots`, migration 0002) rather than `count(*)` over `users`.
 * Counting users and then writing is a read-then-write race: under READ COMMITTED, 200 concurrent
 * sign-ups all see 49 and all take the seat. The counter is taken with one conditional UPDATE
 * (`... WHERE taken < cap`): concurrent takers of the same slot queue on its row lock, and Postgres
 * re-checks `taken < cap` on the row version the winner committed, so exactly `cap` succeed; the
 * losers get no row back and try the next slot (auto) or are offered one (offer). The seat and the
 * user's new time commit in the same transaction, so a crash cannot leave one without the other.
 *
 * @example
 * const slotter = new Slotter(pool, { mode: 'auto', slotMinutes: 5, capPerSlot: 50, capCheck: 'slot-table' });
 * await slotter.choose(42, 600, clock.nowMs()); // { kind: 'assigned', minute: 605, shifted: true, ... }
 */
export class Slotter {
  constructor(
    private readonly pool: pg.Pool,
    private readonly config: SlottingConfig,
  ) {}

  /** Gives user `userId` (who must exist in `users`) the digest time `requestedMinute`, or the nearest allowed one. */
  async choose(userId: number, requestedMinute: MinuteOfDay, nowMs: number): Promise<SlotDecision> {
    const { mode, slotMinutes } = this.config;
    const requestedSlot = slotStart(requestedMinute, slotMinutes);
    const client = await this.pool.connect();
    let oldSlot: MinuteOfDay | undefined;
    let decision: SlotDecision;
    try {
      await client.query('BEGIN');
      // Locks the user's row: two quick taps on different times for one user cannot both take a seat.
      const { rows } = await client.query<{ digest_minute: number | null }>(
        'SELECT digest_minute FROM users WHERE user_id = $1 FOR UPDATE',
        [userId],
      );
      if (rows.length === 0) throw new UnknownUserError(`user ${userId} has no row yet (/start creates it)`);
      const current = rows[0]!.digest_minute;
      oldSlot = current === null ? undefined : slotStart(current, slotMinutes);

      let seat: MinuteOfDay | undefined;
      if (oldSlot === requestedSlot) {
        seat = requestedSlot; // a new minute in the slot the user already holds a seat in
      } else if (mode === 'none') {
        seat = await this.takeUncapped(client, requestedSlot);
      } else {
        seat = await this.takeCapped(client, requestedSlot, mode === 'auto');
      }

      if (seat === undefined) {
        await client.query('ROLLBACK');
        // On the client we hold: asking the pool for a second connection while holding one deadlocks
        // a saturated pool (every holder waits for a connection that only a holder can return).
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
      decision = { kind: 'assigned', requestedMinute, minute, shifted: seat !== requestedSlot };
    } catch (error) {
      await client.query('ROLLBACK').catch(() => undefined);
      throw error;
    } finally {
      client.release();
    }
    if (oldSlot !== undefined && oldSlot !== slotStart(decision.minute, slotMinutes)) {
      // Giving the old seat back after the commit, not inside it: two users swapping 09:00 and 10:00
      // would otherwise lock the two rows in opposite orders and deadlock. If this statement fails,
      // the slot counts one seat too many: it can only fill early, never exceed its cap.
      await this.pool.query('UPDATE digest_slots SET taken = taken - 1 WHERE minute = $1 AND taken > 0', [oldSlot]);
    }
    return decision;
  }

  /** Mode none: no cap, but the seat is still counted, so the slot sizes stay observable. */
  private async takeUncapped(client: pg.PoolClient, slot: MinuteOfDay): Promise<MinuteOfDay> {
    await client.query('UPDATE digest_slots SET taken = taken + 1 WHERE minute = $1', [slot]);
    return slot;
  }

  /**
   * Takes a seat in `fromSlot`, or (when `shift`) in the first later slot with room, wrapping at midnight.
   * The subquery picks a candidate from this statement's snapshot; the outer `taken < cap` is what
   * guarantees the cap after waiting on the row lock. If a concurrent taker filled the candidate
   * meanwhile, no row comes back and the next statement sees the newer counts.
   */
  private async takeCapped(
    client: pg.PoolClient,
    fromSlot: MinuteOfDay,
    shift: boolean,
  ): Promise<MinuteOfDay | undefined> {
    const { slotMinutes, capPerSlot } = this.config;
    const slotsPerDay = Math.ceil(MINUTES_PER_DAY / slotMinutes);
    for (let attempt = 0; attempt < slotsPerDay; attempt += 1) {
      const { rows } = await client.query<{ minute: number }>(
        `UPDATE digest_slots SET taken = taken + 1
         WHERE taken < $2 AND minute = (
           SELECT minute FROM digest_slots
           WHERE minute % $3 = 0 AND taken < $2 AND ($4 OR minute = $1)
           ORDER BY (minute - $1 + ${MINUTES_PER_DAY}) % ${MINUTES_PER_DAY}
           LIMIT 1)
         RETURNING minute`,
        [fromSlot, capPerSlot, slotMinutes, shift],
      );
      if (rows[0]) return rows[0].minute;
      // Without shifting there is one candidate, and the row lock gave a final answer: full.
      if (!shift || !(await this.anyRoomLeft(client))) return undefined;
    }
    return undefined;
  }

  private async anyRoomLeft(client: pg.PoolClient): Promise<boolean> {
    const { rows } = await client.query<{ room: boolean }>(
      'SELECT EXISTS (SELECT 1 FROM digest_slots WHERE minute % $2 = 0 AND taken < $1) AS room',
      [this.config.capPerSlot, this.config.slotMinutes],
    );
    return rows[0]?.room ?? false;
  }

  /** The next slots after `fromSlot` that have room now (a suggestion, not a reservation). */
  private async offers(client: pg.PoolClient, fromSlot: MinuteOfDay): Promise<MinuteOfDay[]> {
    const { rows } = await client.query<{ minute: number }>(
      `SELECT minute FROM digest_slots
       WHERE minute % $3 = 0 AND taken < $2 AND minute <> $1
       ORDER BY (minute - $1 + ${MINUTES_PER_DAY}) % ${MINUTES_PER_DAY}
       LIMIT $4`,
      [fromSlot, this.config.capPerSlot, this.config.slotMinutes, OFFER_COUNT],
    );
    return rows.map((r) => r.minute);
  }
}
