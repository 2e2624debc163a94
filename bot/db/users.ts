import type pg from 'pg';

/** A user as the handlers see it: the `users` row (see migration 0001). */
export interface UserRow {
  userId: number;
  chatId: number;
  firstName: string | null;
  languageCode: string | null;
  topic: string | null;
  digestRequestedMinute: number | null;
  digestMinute: number | null;
  digestsPaused: boolean;
  onboardedAtMs: number | null;
}

/** What Telegram tells us about a user on every update. */
export interface TelegramProfile {
  userId: number;
  chatId: number;
  firstName: string;
  languageCode?: string;
}

const SELECT_USER = `SELECT user_id, chat_id, first_name, language_code, topic, digest_requested_minute,
  digest_minute, digests_paused, onboarded_at FROM users`;

interface DbUser {
  user_id: string;
  chat_id: string;
  first_name: string | null;
  language_code: string | null;
  topic: string | null;
  digest_requested_minute: number | null;
  digest_minute: number | null;
  digests_paused: boolean;
  onboarded_at: Date | null;
}

/** pg returns BIGINT as a string (it may exceed 2^53); Telegram ids fit in 52 bits, so Number is exact. */
function toUser(row: DbUser): UserRow {
  return {
    userId: Number(row.user_id),
    chatId: Number(row.chat_id),
    firstName: row.first_name,
    languageCode: row.language_code,
    topic: row.topic,
    digestRequestedMinute: row.digest_requested_minute,
    digestMinute: row.digest_minute,
    digestsPaused: row.digests_paused,
    onboardedAtMs: row.onboarded_at?.getTime() ?? null,
  };
}

/**
 * The `users` table, one small query per method. Time stamps come from the injected clock (`nowMs`)
 * so a scaled capacity run stores simulated times.
 *
 * @example
 * const users = new UserStore(pool);
 * const user = await users.upsertProfile({ userId: 42, chatId: 42, firstName: 'Ann' }, clock.nowMs());
 */
export class UserStore {
  constructor(private readonly pool: pg.Pool) {}

  /**
   * Creates the user on first contact (`/start`); refreshes chat and language (they can change), keeps the chosen
   * name, and clears `blocked_at`: a user who blocked the bot and writes again has unblocked it.
   */
  async upsertProfile(profile: TelegramProfile, nowMs: number): Promise<UserRow> {
    const { rows } = await this.pool.query<DbUser>(
      `INSERT INTO users (user_id, chat_id, first_name, language_code, created_at, updated_at)
       VALUES ($1, $2, $3, $4, $5, $5)
       ON CONFLICT (user_id) DO UPDATE
         SET chat_id = EXCLUDED.chat_id, language_code = EXCLUDED.language_code, updated_at = EXCLUDED.updated_at,
           blocked_at = NULL
       RETURNING user_id, chat_id, first_name, language_code, topic, digest_requested_minute,
         digest_minute, digests_paused, onboarded_at`,
      [profile.userId, profile.chatId, profile.firstName, profile.languageCode ?? null, new Date(nowMs)],
    );
    return toUser(rows[0]!);
  }

  async get(userId: number): Promise<UserRow | undefined> {
    const { rows } = await this.pool.query<DbUser>(`${SELECT_USER} WHERE user_id = $1`, [userId]);
    return rows[0] ? toUser(rows[0]) : undefined;
  }

  async setFirstName(userId: number, firstName: string, nowMs: number): Promise<void> {
    await this.pool.query('UPDATE users SET first_name = $2, updated_at = $3 WHERE user_id = $1', [
      userId,
      firstName,
      new Date(nowMs),
    ]);
  }

  async setTopic(userId: number, topic: string, nowMs: number): Promise<void> {
    await this.pool.query('UPDATE users SET topic = $2, updated_at = $3 WHERE user_id = $1', [
      userId,
      topic,
      new Date(nowMs),
    ]);
  }

  /** Pauses (`/stop`) or resumes (`/start` again) digests; the user keeps their slot either way. */
  async setDigestsPaused(userId: number, paused: boolean, nowMs: number): Promise<void> {
    await this.pool.query('UPDATE users SET digests_paused = $2, updated_at = $3 WHERE user_id = $1', [
      userId,
      paused,
      new Date(nowMs),
    ]);
  }
}
