import type pg from 'pg';
import type { Coordinator, CoordinatorDeps } from './coordinator.ts';
import { dayOf, MS_PER_MINUTE, nowWholeMs } from './day.ts';
import type { DueDigest, Queryable } from './due.ts';
import { SLOT_KNOWN_IN_TIME_SQL } from './due.ts';

/**
 * Job claiming, as pg-boss and graphile-worker do it. Every tick, every instance:
 * 1. materialises due digests as jobs: `INSERT ... ON CONFLICT DO NOTHING` into digest_jobs, whose
 *    UNIQUE(user_id, send_date) makes one job per user and day however many instances insert it;
 * 2. claims a batch with `UPDATE ... WHERE id IN (SELECT ... FOR UPDATE SKIP LOCKED LIMIT n) RETURNING`: rows
 *    locked by another instance's claim are skipped, not waited for, so instances split the work;
 * 3. sends each claimed job - after renewing its claim, which also checks nobody reclaimed it - and marks it done.
 * A job claimed by an instance that died is claimed again once its lease (`scheduler.claimLeaseMs`) has passed.
 * Delivery is at-least-once: a claimer that sent but died before marking the job done, or that took longer than
 * the lease between its last check and marking done, causes one duplicate - the window left, measured, not
 * hidden. Keep the lease well above the slowest digest (generation with retries plus sendMessage).
 * Works through a transaction pooler: every statement stands alone.
 *
 * `scheduler.claimMode: 'transaction'` is the other classic shape of a Postgres queue: `sendConcurrency` workers
 * each open a transaction, claim one job `FOR UPDATE SKIP LOCKED`, generate and send its digest, record it and
 * mark it done, and commit. The row lock is the claim (a crashed worker's transaction rolls back and frees the
 * job at once), but every job in flight holds a pool connection - and, behind a transaction pooler, a server
 * connection - for the seconds its digest takes.
 */

interface ClaimedRow {
  id: string;
  user_id: string;
  send_date: string;
  scheduled_at_ms: string;
  attempts: number;
  chat_id: string | null;
  topic: string;
  language_code: string | null;
  digests_paused: boolean | null;
}

/** Inserts a job for every user due now (today) that has none yet; returns how many were new. */
export async function materializeJobs(pool: pg.Pool, nowMs: number): Promise<number> {
  const { sendDate, minuteOfDay, dayStartMs } = dayOf(nowMs);
  const { rowCount } = await pool.query(
    `INSERT INTO digest_jobs (user_id, send_date, scheduled_at_ms)
     SELECT u.user_id, $1::date, $3::bigint + u.digest_minute * ${MS_PER_MINUTE}::bigint
     FROM users u
     WHERE NOT u.digests_paused AND u.blocked_at IS NULL AND u.digest_minute IS NOT NULL AND u.digest_minute <= $2
       AND ${SLOT_KNOWN_IN_TIME_SQL}
       AND NOT EXISTS (SELECT 1 FROM digest_jobs j WHERE j.user_id = u.user_id AND j.send_date = $1::date)
     ON CONFLICT (user_id, send_date) DO NOTHING`,
    [sendDate, minuteOfDay, dayStartMs],
  );
  return rowCount ?? 0;
}

/** A claimed job: the digest to send, its row, and whether its user paused since. */
export type ClaimedJob = DueDigest & { jobId: number; attempts: number; paused: boolean };

/**
 * Claims up to `limit` open jobs that are due and unclaimed (or whose claim is older than the lease), leaving
 * out `skipIds`. On the pool the claim commits at once; on a client inside a transaction it lasts as long as it.
 *
 * @example
 * const jobs = await claimJobs(pool, { instanceId: 'bot-2', nowMs: clock.nowMs(), leaseMs: 120_000, limit: 50 });
 */
export async function claimJobs(
  db: Queryable,
  claim: { instanceId: string; nowMs: number; leaseMs: number; limit: number; skipIds?: readonly number[] },
): Promise<ClaimedJob[]> {
  const { rows } = await db.query<ClaimedRow>(
    `WITH claimed AS (
       UPDATE digest_jobs SET claimed_by = $1, claimed_at_ms = $2, attempts = attempts + 1
       WHERE id IN (
         SELECT id FROM digest_jobs
         WHERE done_at_ms IS NULL AND scheduled_at_ms <= $2
           AND (claimed_at_ms IS NULL OR claimed_at_ms < $2 - $3)
           AND id <> ALL($5::bigint[])
         ORDER BY scheduled_at_ms
         FOR UPDATE SKIP LOCKED
         LIMIT $4
       )
       RETURNING id, user_id, send_date, scheduled_at_ms, attempts
     )
     SELECT c.id, c.user_id, c.send_date::text AS send_date, c.scheduled_at_ms, c.attempts,
            u.chat_id, COALESCE(u.topic, 'general') AS topic, u.language_code,
            u.digests_paused OR u.blocked_at IS NOT NULL AS digests_paused
     FROM claimed c LEFT JOIN users u ON u.user_id = c.user_id`,
    [claim.instanceId, Math.floor(claim.nowMs), claim.leaseMs, claim.limit, claim.skipIds ?? []],
  );
  return rows.map((row) => ({
    jobId: Number(row.id),
    attempts: row.attempts,
    // A user deleted, paused or blocking the bot since the job was made: the job is closed without sending.
    paused: row.digests_paused !== false || row.chat_id === null,
    userId: Number(row.user_id),
    chatId: Number(row.chat_id ?? 0),
    topic: row.topic,
    languageCode: row.language_code ?? undefined,
    sendDate: row.send_date,
    scheduledAtMs: Number(row.scheduled_at_ms),
  }));
}

/** One instance's side of the digest_jobs queue: claim open jobs, send them, mark them done. */
export interface JobConsumer {
  /** Claims and sends until no claimable job is left; resolves to the number sent. */
  consume(): Promise<number>;
  /** No new claims (claims already taken expire with their lease). */
  stop(): void;
}

/**
 * The consuming half of skip-locked (steps 2 and 3 of the module comment), shared by every strategy that queues:
 * skip-locked (every instance also plans), queue-worker (a dedicated worker plans) and the leader strategies with
 * `sendBy: 'all-instances'` (the leader plans).
 *
 * @example
 * const consumer = createJobConsumer(deps);
 * const sent = await consumer.consume();
 */
export function createJobConsumer(deps: CoordinatorDeps): JobConsumer {
  const { pool, clock, config, instanceId, logger } = deps;
  const strategy = config.strategy;
  const claim = (db: Queryable, limit: number, skipIds?: readonly number[]) =>
    claimJobs(db, {
      instanceId,
      nowMs: nowWholeMs(clock),
      leaseMs: config.claimLeaseMs,
      limit,
      ...(skipIds === undefined ? {} : { skipIds }),
    });
  // Whoever sent it marks it done, even if the job was reclaimed meanwhile: the new claimer's last check
  // (stillOurs) then sees it done and does not send it again.
  const markDone = (db: Queryable, jobId: number) =>
    db.query('UPDATE digest_jobs SET done_at_ms = $2 WHERE id = $1 AND done_at_ms IS NULL', [jobId, nowWholeMs(clock)]);
  // Renews the claim right before sending and says whether it is still ours: a job that waited in this
  // instance's queue past the lease may have been reclaimed by another instance, which then sends it instead.
  const stillOurs = async (jobId: number) => {
    const { rowCount } = await pool.query(
      'UPDATE digest_jobs SET claimed_at_ms = $3 WHERE id = $1 AND claimed_by = $2 AND done_at_ms IS NULL',
      [jobId, instanceId, nowWholeMs(clock)],
    );
    return (rowCount ?? 0) > 0;
  };
  // A failed send gives the job back at the end of the tick (not at once, or this tick would claim it again).
  const unclaim = (jobId: number) =>
    pool.query('UPDATE digest_jobs SET claimed_by = NULL, claimed_at_ms = NULL WHERE id = $1 AND claimed_by = $2', [
      jobId,
      instanceId,
    ]);
  let stopped = false;

  /** claimMode 'lease': batches claimed on the pool (each claim commits at once), sent, marked done. */
  async function leaseTick(): Promise<number> {
    let sent = 0;
    const failed: number[] = [];
    while (!stopped) {
      const jobs = await claim(pool, config.claimBatch);
      if (jobs.length === 0) break;
      const results = await Promise.all(
        jobs.map(async (job) => {
          if (job.attempts > 1) deps.metrics.reclaimed.inc();
          if (job.paused) {
            await markDone(pool, job.jobId);
            return 'skipped';
          }
          const result = await deps.send(job, {
            beforeSend: () => stillOurs(job.jobId),
            afterSend: async () => void (await markDone(pool, job.jobId)),
          });
          if (result === 'failed') failed.push(job.jobId);
          if (result === 'blocked') await markDone(pool, job.jobId);
          return result;
        }),
      );
      sent += results.filter((r) => r === 'sent').length;
    }
    for (const jobId of failed) await unclaim(jobId);
    return sent;
  }

  /**
   * claimMode 'transaction', one job: claim it in a transaction on `client`, send it, record the delivery and
   * mark it done in the same transaction, commit. A failed send rolls back (the job is free again) and joins
   * `failed`, which this tick's workers skip, so it waits for the next tick instead of looping.
   */
  async function sendOneInTransaction(client: pg.PoolClient, failed: number[]): Promise<'none' | 'sent' | 'other'> {
    await client.query('BEGIN');
    try {
      const [job] = await claim(client, 1, failed);
      if (job === undefined) {
        await client.query('COMMIT');
        return 'none';
      }
      if (job.attempts > 1) deps.metrics.reclaimed.inc();
      if (job.paused) {
        await markDone(client, job.jobId);
        await client.query('COMMIT');
        return 'other';
      }
      const result = await deps.send(job, {
        db: client,
        afterSend: async () => void (await markDone(client, job.jobId)),
      });
      if (result === 'failed') {
        failed.push(job.jobId);
        await client.query('ROLLBACK');
        return 'other';
      }
      if (result === 'blocked') await markDone(client, job.jobId);
      await client.query('COMMIT');
      return result === 'sent' ? 'sent' : 'other';
    } catch (error) {
      await client.query('ROLLBACK').catch(() => undefined);
      throw error;
    }
  }

  /** claimMode 'transaction': one worker, job after job on a connection of its own, until none is left. */
  async function transactionWorker(failed: number[]): Promise<number> {
    let sent = 0;
    while (!stopped) {
      let client: pg.PoolClient;
      try {
        client = await pool.connect();
      } catch (error) {
        // The server is full (53300) or the pool stayed exhausted: this worker sits the tick out, the jobs wait.
        deps.metrics.recordDbError(error);
        logger.warn(
          { err: error instanceof Error ? error.message : String(error) },
          'skip-locked worker got no connection',
        );
        return sent;
      }
      let outcome: 'none' | 'sent' | 'other';
      try {
        outcome = await sendOneInTransaction(client, failed);
        client.release();
      } catch (error) {
        client.release(error instanceof Error ? error : true);
        deps.metrics.tickErrors.inc({ strategy });
        logger.warn({ err: error instanceof Error ? error.message : String(error) }, 'skip-locked worker stopped');
        return sent;
      }
      if (outcome === 'none') return sent;
      if (outcome === 'sent') sent++;
    }
    return sent;
  }

  return {
    async consume() {
      if (config.claimMode === 'lease') return leaseTick();
      const failed: number[] = [];
      const workers = Array.from({ length: config.sendConcurrency }, () => transactionWorker(failed));
      return (await Promise.all(workers)).reduce((sum, n) => sum + n, 0);
    },
    stop() {
      stopped = true;
    },
  };
}

/** The skip-locked coordinator: every instance plans (idempotently) and consumes; see the module comment. */
export function createSkipLockedCoordinator(deps: CoordinatorDeps): Coordinator {
  const consumer = createJobConsumer(deps);
  return {
    async tick() {
      deps.metrics.ticks.inc({ strategy: 'skip-locked', role: 'worker' });
      await materializeJobs(deps.pool, nowWholeMs(deps.clock));
      return consumer.consume();
    },
    stop: async () => consumer.stop(),
    kill: async () => consumer.stop(),
  };
}
