import type pg from 'pg';
import { dayOf, MS_PER_MINUTE } from './day.ts';

/** One digest to send: who, where, what, and when it was due. */
export interface DueDigest {
  userId: number;
  chatId: number;
  topic: string;
  languageCode: string | undefined;
  sendDate: string;
  scheduledAtMs: number;
  /** skip-locked only: the job row to mark done. */
  jobId?: number;
}

interface DueRow {
  user_id: string;
  chat_id: string;
  topic: string;
  language_code: string | null;
  scheduled_at_ms: string;
}

/**
 * SQL condition (on `users u`, with `$3` = the simulated day's start in epoch ms): today's slot counts only
 * if the user had it before it came. Someone who signs up at 12:00 and picks 10:00 gets the first digest
 * tomorrow at 10:00, not a "late" one at once. Users without onboarded_at (imported) are long-standing.
 */
export const SLOT_KNOWN_IN_TIME_SQL = `(u.onboarded_at IS NULL OR u.onboarded_at <= to_timestamp(($3::bigint + u.digest_minute * ${MS_PER_MINUTE}::bigint) / 1000.0))`;

/**
 * Users due now and not yet delivered today: not paused, not blocking the bot, digest_minute <= the current minute of the simulated
 * day, the slot chosen before it came, no row in digest_deliveries for today. This is the *check* of check-then-send: between this query and
 * the delivery insert another instance can run the same query and get the same users - which is exactly the
 * duplicate problem the `none` strategy reproduces.
 *
 * @example
 * const due = await findDueDigests(pool, clock.nowMs(), 500);
 */
export async function findDueDigests(pool: pg.Pool, nowMs: number, limit: number): Promise<DueDigest[]> {
  const { sendDate, minuteOfDay, dayStartMs } = dayOf(nowMs);
  const { rows } = await pool.query<DueRow>(
    `SELECT u.user_id, u.chat_id, COALESCE(u.topic, 'general') AS topic, u.language_code,
            $3::bigint + u.digest_minute * ${MS_PER_MINUTE}::bigint AS scheduled_at_ms
     FROM users u
     WHERE NOT u.digests_paused AND u.blocked_at IS NULL AND u.digest_minute IS NOT NULL AND u.digest_minute <= $2
       AND ${SLOT_KNOWN_IN_TIME_SQL}
       AND NOT EXISTS (SELECT 1 FROM digest_deliveries d WHERE d.user_id = u.user_id AND d.send_date = $1::date)
     ORDER BY u.digest_minute, u.user_id
     LIMIT $4`,
    [sendDate, minuteOfDay, dayStartMs, limit],
  );
  return rows.map((row) => ({
    userId: Number(row.user_id),
    chatId: Number(row.chat_id),
    topic: row.topic,
    languageCode: row.language_code ?? undefined,
    sendDate,
    scheduledAtMs: Number(row.scheduled_at_ms),
  }));
}

/** Where a statement runs: the pool, or one checked-out client (inside its transaction). */
export type Queryable = Pick<pg.Pool | pg.PoolClient, 'query'>;

/**
 * Marks a user who blocked the bot (Telegram answered 403), so no scan finds them until `/start` clears it.
 *
 * @example
 * await markRecipientBlocked(pool, 42, clock.nowMs());
 */
export async function markRecipientBlocked(db: Queryable, userId: number, nowMs: number): Promise<void> {
  await db.query('UPDATE users SET blocked_at = $2 WHERE user_id = $1', [userId, new Date(nowMs)]);
}

/** Records one sent digest (duplicates included: there is deliberately no unique constraint). */
export async function recordDelivery(
  db: Queryable,
  delivery: { due: DueDigest; instanceId: string; strategy: string; outcome: string; sentAtMs: number },
): Promise<void> {
  const { due } = delivery;
  await db.query(
    `INSERT INTO digest_deliveries
       (user_id, send_date, instance_id, strategy, outcome, scheduled_at_ms, sent_at_ms, lateness_ms)
     VALUES ($1, $2, $3, $4, $5, $6, $7, $8)`,
    [
      due.userId,
      due.sendDate,
      delivery.instanceId,
      delivery.strategy,
      delivery.outcome,
      due.scheduledAtMs,
      delivery.sentAtMs,
      Math.max(0, delivery.sentAtMs - due.scheduledAtMs),
    ],
  );
}
