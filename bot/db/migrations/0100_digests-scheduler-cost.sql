-- Up Migration

-- Tables of the digest pipeline: content cache, Batch API pre-generation, scheduler jobs and deliveries.
-- Times are *simulated* epoch milliseconds (BIGINT) from the bot's injected clock: capacity runs compress time,
-- Postgres's now() does not, so it is never used for scheduling decisions.

-- One generated digest per (topic, send date, language). A row is first a claim ('generating', claimed_by) so
-- that concurrent instances wait for one generation instead of all paying for it; then 'ready' with the text.
CREATE TABLE digest_cache (
  topic TEXT NOT NULL,
  send_date DATE NOT NULL,
  language TEXT NOT NULL,
  status TEXT NOT NULL CHECK (status IN ('generating', 'ready')),
  source TEXT NOT NULL CHECK (source IN ('live', 'batch')),
  text TEXT,
  model TEXT,
  claimed_by TEXT,
  claimed_at_ms BIGINT,
  created_at_ms BIGINT NOT NULL,
  PRIMARY KEY (topic, send_date, language)
);

-- Batches submitted to the Message Batches API and polled until they end.
CREATE TABLE digest_batches (
  batch_id TEXT PRIMARY KEY,
  status TEXT NOT NULL DEFAULT 'in_progress' CHECK (status IN ('in_progress', 'ended')),
  submitted_by TEXT NOT NULL,
  submitted_at_ms BIGINT NOT NULL,
  next_poll_at_ms BIGINT NOT NULL,
  ended_at_ms BIGINT
);

-- Which (topic, date, language) went into which batch. The primary key makes a pair batched once, whichever
-- instance gets there first.
CREATE TABLE digest_batch_items (
  topic TEXT NOT NULL,
  send_date DATE NOT NULL,
  language TEXT NOT NULL,
  custom_id TEXT NOT NULL UNIQUE,
  batch_id TEXT REFERENCES digest_batches (batch_id) ON DELETE SET NULL,
  created_at_ms BIGINT NOT NULL,
  PRIMARY KEY (topic, send_date, language)
);

-- skip-locked strategy: one job per user and day. UNIQUE(user_id, send_date) is what makes the strategy
-- correct; FOR UPDATE SKIP LOCKED only makes it efficient.
CREATE TABLE digest_jobs (
  id BIGSERIAL PRIMARY KEY,
  user_id BIGINT NOT NULL,
  send_date DATE NOT NULL,
  scheduled_at_ms BIGINT NOT NULL,
  claimed_by TEXT,
  claimed_at_ms BIGINT,
  attempts INT NOT NULL DEFAULT 0,
  done_at_ms BIGINT,
  UNIQUE (user_id, send_date)
);
CREATE INDEX digest_jobs_open ON digest_jobs (scheduled_at_ms) WHERE done_at_ms IS NULL;

-- Every digest actually sent, duplicates included (deliberately no unique constraint: the strategy under test
-- must be the guard, and this table must be able to show when it failed).
CREATE TABLE digest_deliveries (
  id BIGSERIAL PRIMARY KEY,
  user_id BIGINT NOT NULL,
  send_date DATE NOT NULL,
  instance_id TEXT NOT NULL,
  strategy TEXT NOT NULL,
  outcome TEXT NOT NULL,
  scheduled_at_ms BIGINT NOT NULL,
  sent_at_ms BIGINT NOT NULL,
  lateness_ms BIGINT NOT NULL
);
CREATE INDEX digest_deliveries_user_date ON digest_deliveries (user_id, send_date);

-- Down Migration
DROP TABLE IF EXISTS digest_deliveries;
DROP TABLE IF EXISTS digest_jobs;
DROP TABLE IF EXISTS digest_batch_items;
DROP TABLE IF EXISTS digest_batches;
DROP TABLE IF EXISTS digest_cache;
