import type pg from 'pg';

/** What a claim found: this handler should handle the update, or someone else did or is doing it. */
export type ClaimResult = 'handle' | 'finished' | 'in-progress';

/**
 * The `handled_updates` table (migration 0003): which update ids some instance started to handle. Telegram's
 * delivery is at-least-once - it sends an update again when it did not get our answer - and the redelivery may
 * land on another instance, so the record of "already handled" has to live where every instance sees it. The
 * primary key makes the claim atomic: of two instances inserting the same id, one gets the row.
 *
 * Times are the database's (`clock_timestamp()`), not the bot's clock: redelivery is Telegram's real-time
 * behaviour, and one server clock is the same for every instance.
 *
 * @example
 * const ledger = new UpdateLedger(pool, 'bot-1');
 * if ((await ledger.claim(update.update_id, 120_000)) === 'handle') { ...handle...; }
 */
export class UpdateLedger {
  constructor(
    private readonly pool: pg.Pool,
    private readonly instanceId: string,
  ) {}

  /**
   * Claims an update: 'handle' when it is new, or when an earlier claim is unfinished and older than `leaseMs`
   * (the instance that made it died; the update is taken over); otherwise 'finished' or 'in-progress'.
   * One statement on the normal path; a second read only for a redelivery.
   */
  async claim(updateId: number, leaseMs: number): Promise<ClaimResult> {
    const { rowCount } = await this.pool.query(
      `INSERT INTO handled_updates (update_id, claimed_by) VALUES ($1, $2)
       ON CONFLICT (update_id) DO UPDATE SET claimed_by = EXCLUDED.claimed_by, claimed_at = clock_timestamp()
         WHERE handled_updates.finished_at IS NULL
           AND handled_updates.claimed_at < clock_timestamp() - make_interval(secs => $3::float8 / 1000)`,
      [updateId, this.instanceId, leaseMs],
    );
    if ((rowCount ?? 0) > 0) return 'handle';
    const { rows } = await this.pool.query<{ finished: boolean }>(
      'SELECT finished_at IS NOT NULL AS finished FROM handled_updates WHERE update_id = $1',
      [updateId],
    );
    // No row: it was pruned between the two statements (a day-old redelivery); handling it is the safe side.
    if (rows[0] === undefined) return 'handle';
    return rows[0].finished ? 'finished' : 'in-progress';
  }

  /** Records that the handler of `updateId` ended, so a redelivery waiting on it is dropped. */
  async finish(updateId: number): Promise<void> {
    await this.pool.query('UPDATE handled_updates SET finished_at = clock_timestamp() WHERE update_id = $1', [
      updateId,
    ]);
  }

  /** Deletes claims older than `olderThanMs` (Telegram drops undelivered updates after a day); returns how many. */
  async prune(olderThanMs: number): Promise<number> {
    const { rowCount } = await this.pool.query(
      'DELETE FROM handled_updates WHERE claimed_at < clock_timestamp() - make_interval(secs => $1::float8 / 1000)',
      [olderThanMs],
    );
    return rowCount ?? 0;
  }
}
