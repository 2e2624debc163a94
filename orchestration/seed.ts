import pg from 'pg';
import pino from 'pino';
import { migrate } from '../bot/db/migrate.ts';
import type { Population } from '../loadgen/population/population.ts';

const MS_PER_MINUTE = 60_000;
const MS_PER_DAY = 86_400_000;

/** Where the seeded population sits on the simulated calendar. */
export interface SeedOptions {
  /** Direct server URL (never through PgBouncer: the migration lock is a session lock). */
  databaseUrl: string;
  population: Population;
  /** Simulated epoch ms of the run's start; digests due before its minute count as already sent today. */
  startEpochMs: number;
  /** The bot's slot length, so the slot table agrees with the seeded users. */
  slotMinutes: number;
}

/**
 * Runs the reference bot's migrations once, before any instance starts (the instances then start with
 * `database.migrate` off, so N instances do not queue on the migration lock, and PgBouncer never sees it).
 *
 * @example
 * await migrateReferenceBot(env.postgres.url);
 */
export async function migrateReferenceBot(databaseUrl: string): Promise<void> {
  const logger = pino({ level: 'warn' }, pino.destination(2));
  await migrate({ databaseUrl, logger, applicationName: 'botcap-seed' });
}

/**
 * Prepares the reference bot's database before any instance starts: runs its migrations once, inserts
 * the population as onboarded users with their digest times, fills the slot table to match, and marks
 * today's digests due before the run's start as sent - otherwise the first scheduler tick would deliver
 * every earlier digest of the day at once, which no production morning looks like.
 *
 * @example
 * await seedReferenceBot({ databaseUrl: env.postgres.url, population, startEpochMs, slotMinutes: 5 });
 */
export async function seedReferenceBot(options: SeedOptions): Promise<void> {
  await migrateReferenceBot(options.databaseUrl);
  const client = new pg.Client({ connectionString: options.databaseUrl, application_name: 'botcap-seed' });
  await client.connect();
  try {
    await client.query('BEGIN');
    const users = options.population.users;
    const onboardedAt = new Date(options.startEpochMs - MS_PER_DAY);
    await client.query(
      `INSERT INTO users (user_id, chat_id, first_name, language_code, topic, digest_requested_minute,
                          digest_minute, digests_paused, onboarded_at)
       SELECT u.user_id, u.chat_id, u.first_name, u.language_code, u.topic, u.minute, u.minute, u.paused, $8
       FROM unnest($1::bigint[], $2::bigint[], $3::text[], $4::text[], $5::text[], $6::int[], $7::bool[])
         AS u(user_id, chat_id, first_name, language_code, topic, minute, paused)
       ON CONFLICT (user_id) DO NOTHING`,
      [
        users.map((u) => u.userId),
        users.map((u) => u.chatId),
        users.map((u) => u.firstName),
        users.map((u) => u.languageCode),
        users.map((u) => u.topic),
        users.map((u) => u.digestMinute),
        users.map((u) => u.digestPaused),
        onboardedAt,
      ],
    );
    await client.query(
      `UPDATE digest_slots s SET taken = c.n
       FROM (SELECT (digest_minute / $1) * $1 AS minute, count(*)::int AS n FROM users GROUP BY 1) c
       WHERE s.minute = c.minute`,
      [options.slotMinutes],
    );
    const dayStartMs = Math.floor(options.startEpochMs / MS_PER_DAY) * MS_PER_DAY;
    const sendDate = new Date(dayStartMs).toISOString().slice(0, 10);
    const startMinute = Math.floor((options.startEpochMs - dayStartMs) / MS_PER_MINUTE);
    const params = [sendDate, startMinute, dayStartMs];
    await client.query(
      `INSERT INTO digest_deliveries (user_id, send_date, instance_id, strategy, outcome, scheduled_at_ms,
                                      sent_at_ms, lateness_ms)
       SELECT user_id, $1::date, 'seed', 'seed', 'seeded', $3::bigint + digest_minute * ${MS_PER_MINUTE}::bigint,
              $3::bigint + digest_minute * ${MS_PER_MINUTE}::bigint, 0
       FROM users WHERE NOT digests_paused AND digest_minute < $2`,
      params,
    );
    await client.query(
      `INSERT INTO digest_jobs (user_id, send_date, scheduled_at_ms, claimed_by, attempts, done_at_ms)
       SELECT user_id, $1::date, $3::bigint + digest_minute * ${MS_PER_MINUTE}::bigint, 'seed', 1,
              $3::bigint + digest_minute * ${MS_PER_MINUTE}::bigint
       FROM users WHERE NOT digests_paused AND digest_minute < $2
       ON CONFLICT (user_id, send_date) DO NOTHING`,
      params,
    );
    await client.query('COMMIT');
  } catch (error) {
    await client.query('ROLLBACK').catch(() => undefined);
    throw error;
  } finally {
    await client.end().catch(() => undefined);
  }
}
