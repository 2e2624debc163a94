-- Up Migration

-- One row per Telegram user who pressed /start. The scheduler reads digest_minute, digests_paused
-- and onboarded_at to decide who gets a digest when; times of day are minutes after midnight UTC
-- of the simulated clock (a capacity run plays 10:00 whenever it likes).
CREATE TABLE users (
  user_id                  BIGINT PRIMARY KEY,
  chat_id                  BIGINT NOT NULL,
  first_name               TEXT,
  language_code            TEXT,
  topic                    TEXT,
  -- minute of day the user asked for, e.g. 600 = 10:00
  digest_requested_minute  INT CHECK (digest_requested_minute BETWEEN 0 AND 1439),
  -- minute of day assigned after slotting (differs from the request when a slot was full)
  digest_minute            INT CHECK (digest_minute BETWEEN 0 AND 1439),
  digests_paused           BOOLEAN NOT NULL DEFAULT false,
  onboarded_at             TIMESTAMPTZ,
  created_at               TIMESTAMPTZ NOT NULL DEFAULT now(),
  updated_at               TIMESTAMPTZ NOT NULL DEFAULT now()
);

-- "who is due at minute M": the scheduler's scan, kept small by leaving out paused users.
CREATE INDEX users_due_idx ON users (digest_minute) WHERE digest_minute IS NOT NULL AND NOT digests_paused;

-- The conversation, one row per message. No foreign key to users: someone may chat before /start,
-- and the hot path (two inserts per answer) should not pay for a lookup it does not need.
CREATE TABLE turns (
  id          BIGSERIAL PRIMARY KEY,
  user_id     BIGINT NOT NULL,
  role        TEXT NOT NULL CHECK (role IN ('user', 'assistant')),
  text        TEXT NOT NULL,
  created_at  TIMESTAMPTZ NOT NULL DEFAULT now()
);

-- "the last N turns of a user" is an index range scan backwards, never a sort.
CREATE INDEX turns_user_recent_idx ON turns (user_id, id DESC);

-- grammY sessions (the onboarding step), so any instance can serve any update.
CREATE TABLE sessions (
  key         TEXT PRIMARY KEY,
  value       JSONB NOT NULL,
  updated_at  TIMESTAMPTZ NOT NULL DEFAULT now()
);

-- Down Migration
DROP TABLE sessions;
DROP TABLE turns;
DROP TABLE users;
